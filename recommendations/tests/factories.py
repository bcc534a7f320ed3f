"""A small matching world: an operator with a channel, licensed titles with tropes, and users' events."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from catalog.models import Drama, Episode
from catalog.tests.factories import TropeFactory
from partners.tests.factories import ChannelFactory, OperatorFactory
from recommendations.models import PlaybackEvent
from rights.tests.factories import drama_with_rights_in, grant_out

_event_ids = itertools.count(1)


def licensed_title(organization, *, tropes=("revenge",), territories=("TH",), episodes=6, **grant):
    drama = drama_with_rights_in(licence_types=("AVOD",))
    Drama.objects.filter(pk=drama.pk).update(status="published")
    Episode.objects.bulk_create([Episode(drama=drama, number=n, duration_seconds=90) for n in range(1, episodes + 1)])
    drama.tropes.set([TropeFactory(slug=slug) for slug in tropes])
    grant_out(drama, organization, territories=list(territories), **grant)
    return drama


def watch(organization, channel, user_ref, drama, *, episodes=1, at=None, kind_last="complete", country="TH"):
    """Events of `user_ref` playing episodes 1..episodes of `drama` (each played and completed)."""
    at = at or timezone.now() - dt.timedelta(days=3)
    numbers = dict(Episode.objects.filter(drama=drama).values_list("number", "pk"))
    rows = []
    for number in range(1, episodes + 1):
        for kind in ("play", kind_last):
            rows.append(
                PlaybackEvent(
                    organization=organization, event_id=f"t-{next(_event_ids)}", kind=kind, user_ref=user_ref,
                    occurred_at=at + dt.timedelta(minutes=number), channel=channel, country=country, drama=drama,
                    episode_id=numbers.get(number), position_seconds=90.0 if kind == "complete" else 0.0,
                )
            )  # fmt: skip
    PlaybackEvent.objects.bulk_create(rows)


def matching_world(*, users: int = 24):
    """An operator's TH channel, six licensed titles over three tropes, and users who each watch a few."""
    operator = OperatorFactory()
    channel = ChannelFactory(organization=operator, territories=["TH"], languages=["th"])
    tropes = [("revenge",), ("revenge",), ("rebirth",), ("rebirth",), ("ceo-romance",), ("ceo-romance",)]
    titles = [licensed_title(operator, tropes=t) for t in tropes]
    for user in range(users):
        # Two tastes: revenge/rebirth fans and romance fans; everyone tries the first title.
        picks = [titles[0], titles[2] if user % 2 else titles[4], titles[3] if user % 2 else titles[5]]
        for position, drama in enumerate(picks):
            watch(operator, channel, f"u{user}", drama, episodes=1 + (user + position) % 4,
                  at=timezone.now() - dt.timedelta(days=20 - position * 5 - user % 3))  # fmt: skip
    return operator, channel, titles
