"""`python manage.py rollups_rebuild`: rebuild the operators' daily rollups from the raw events."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.services import rollups_rebuild_all


class Command(BaseCommand):
    help = (
        "Rebuild every daily rollup of the operator portal from the raw playback events, from the first event on "
        "(after a change of how figures are counted). The beat job keeps them current otherwise; pages show the "
        "old figures until the rebuild commits."
    )

    def handle(self, *args, **options) -> None:
        result = rollups_rebuild_all()
        self.stdout.write(
            f"Rebuilt {result.days} day(s) from {result.events} event(s) in {result.seconds:.1f} s "
            f"(up to event {result.last_event_id})."
        )
