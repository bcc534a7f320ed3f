"""Months of generated playback events for the demo, so the matching model has something to learn from.

Journeys come from recommendations.generator (free episodes then a paywall, steep early drop-off, binge
sessions, regional taste) over the titles each channel may show; they are expanded into events and written
with one COPY. Idempotent: a database that has events already gets none.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib

import numpy as np
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from catalog.models import Drama, DramaStatus, Episode
from partners.models import Channel, OrganizationKind
from recommendations.features import titles_describe
from recommendations.generator import REGIONS, GeneratedTitle, GeneratedUser, journeys_generate
from recommendations.models import PlaybackEvent
from rights.selectors import rights_available_drama_ids

DAYS = 120
USERS_PER_CHANNEL = 120
# Operators' channels get more viewers: their portal hides any figure with fewer than PORTAL_K_ANONYMITY
# (10) viewers a day, and 120 viewers over 120 days leave most days below that; with 720 the demo's
# operators see living charts.
OPERATOR_USERS_PER_CHANNEL = 720
SEED = 20260301
# Titles that get no events at all: the demo's cold titles, which reach line-ups through their content.
COLD_TITLE_SHARE = 0.1
COLUMNS = (
    "organization_id", "event_id", "kind", "occurred_at", "received_at", "user_ref", "channel_id", "country",
    "drama_id", "episode_id", "position_seconds", "amount_minor", "currency",
)  # fmt: skip


def demo_events_ensure(*, now: dt.datetime | None = None) -> int:
    """Generate and store the demo's events unless there are some; returns how many were written."""
    if PlaybackEvent.objects.exists():
        return 0
    now = now or timezone.now()
    start = now - dt.timedelta(days=DAYS)
    rng = np.random.default_rng(SEED)
    descriptions = [d for d in titles_describe() if Drama.objects.filter(pk=d.drama_id, status=DramaStatus.PUBLISHED)]
    if not descriptions:
        return 0
    episodes: dict[int, dict[int, tuple[int, int]]] = {}
    for pk, drama_id, number, duration in Episode.objects.filter(
        drama_id__in=[d.drama_id for d in descriptions]
    ).values_list("pk", "drama_id", "number", "duration_seconds"):
        episodes.setdefault(drama_id, {})[number] = (pk, duration or 90)
    free = dict(Drama.objects.values_list("pk", "free_episode_count"))
    last = dict(Episode.objects.values("drama_id").annotate(n=Max("number")).values_list("drama_id", "n"))
    titles = []
    for index, d in enumerate(descriptions):
        cold = zlib.crc32(str(d.drama_id).encode()) % 100 < COLD_TITLE_SHARE * 100
        titles.append(
            GeneratedTitle(
                index=index, tropes=d.tropes, genres=d.genres, languages=d.languages or ["en"],
                original_language=d.original_language, format=d.format, quality=float(rng.lognormal(0, 0.5)),
                released=DAYS + 1 if cold or d.drama_id not in episodes else float(rng.uniform(-DAYS, DAYS * 0.9)),
                episodes=last.get(d.drama_id, 1), free_episodes=min(free.get(d.drama_id, 5) or 5, last.get(d.drama_id, 1)),
            )
        )  # fmt: skip
    buffer = io.StringIO()
    written = 0
    channels = Channel.objects.filter(is_active=True).exclude(territories=[]).select_related("organization")
    for channel in channels.order_by("pk"):
        allowed = {
            territory: np.array([d.drama_id in shown for d in descriptions])
            for territory in channel.territories
            if (
                shown := rights_available_drama_ids(
                    licensee=channel.organization_id, territory=territory, channel=channel
                )
            )
        }
        if not allowed:
            continue
        users = []
        operator = channel.organization.kind == OrganizationKind.OPERATOR
        for _ in range(OPERATOR_USERS_PER_CHANNEL if operator else USERS_PER_CHANNEL):
            territory = str(rng.choice(list(allowed)))
            regional = REGIONS.get(territory, ("en", ()))[1]
            taste = {trope: float(w) for trope, w in zip(
                sorted({t for d in descriptions for t in d.tropes}), rng.gamma(0.3, 1.0, 64), strict=False)}  # fmt: skip
            for trope in regional:
                taste[trope] = taste.get(trope, 0.0) + 1.0
            users.append(
                GeneratedUser(territory, (channel.languages or ["en"])[0], taste, float(rng.lognormal(1.0, 0.6)))
            )
        for journey in journeys_generate(titles, users, rng, days=DAYS, allowed=allowed):
            title = descriptions[journey.title]
            user = users[journey.user]
            user_ref = f"demo-{channel.slug}-{journey.user:04d}"
            at = start + dt.timedelta(days=journey.day)
            rows: list[tuple[str, dt.datetime, int | None, float | None, int | None]] = [
                ("impression", at - dt.timedelta(seconds=30), None, None, None)
            ]
            for number in range(1, journey.reached + 1):
                episode_id, duration = episodes[title.drama_id].get(number, (None, 90))
                if number > 1 and number % 25 == 1:  # a binge session ends; the next starts a day or so later
                    at += dt.timedelta(hours=float(rng.uniform(8, 40)))
                if number > titles[journey.title].free_episodes:
                    rows.append(("unlock", at, episode_id, None, 99))
                rows.append(("play", at, episode_id, 0.0, None))
                share = journey.last_share if number == journey.reached else 1.0
                if share >= 1.0:
                    rows.append(("complete", at + dt.timedelta(seconds=duration), episode_id, float(duration), None))
                else:
                    rows.append(("progress", at + dt.timedelta(seconds=duration * share), episode_id,
                                 round(duration * share, 1), None))  # fmt: skip
                at += dt.timedelta(seconds=duration + 5)
            for kind, when, episode_id, position, amount in rows:
                if when >= now:
                    continue
                written += 1
                buffer.write(
                    "\t".join(
                        [
                            str(channel.organization_id), f"demo-{written:08d}", kind, when.isoformat(), now.isoformat(),
                            user_ref, str(channel.pk), user.territory, str(title.drama_id),
                            str(episode_id) if episode_id else r"\N", r"\N" if position is None else str(position),
                            r"\N" if amount is None else str(amount), "USD" if amount else "",
                        ]
                    )
                    + "\n"
                )  # fmt: skip
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {PlaybackEvent._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN",
            buffer,
        )
    return written
