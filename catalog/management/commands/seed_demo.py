"""`python manage.py seed_demo`: load the demo catalogue (idempotent; `make run` runs it on every start)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Load the demo catalogue (dramas, episodes, localisations, artwork, tenants, users, API keys) and "
        "write the demo logins to var/demo_credentials.json. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials",
            type=Path,
            default=None,
            help="Where to write the demo logins and API keys (default: VAR_DIR/demo_credentials.json).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even under the production settings profile (demo passwords are public).",
        )

    def handle(self, *args, **options):
        if settings.MIGU_SETTINGS_PROFILE == "production" and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo users with public passwords under the production settings; "
                "pass --allow-production if this really is a demo deployment."
            )
        credentials_path = options["credentials"] or Path(settings.VAR_DIR) / "demo_credentials.json"
        report = seed_demo(credentials_path=credentials_path)
        for reason in report.skipped:
            self.stderr.write(self.style.WARNING(f"Skipped {reason}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))
