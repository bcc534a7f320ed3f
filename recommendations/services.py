"""Writes of the recommendations app: playback events reported by partners."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import Drama, DramaStatus, Episode
from partners.models import Channel, Organization
from recommendations.errors import EventsErrorCode
from recommendations.models import PlaybackEvent
from rights.selectors import rights_dramas_held

MAX_EVENTS_PER_BATCH = 1000
# Device clocks drift; an event a few minutes ahead is accepted, one from tomorrow is not.
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class PlaybackEventIn:
    """One event as validated for shape (types, required fields) by the API layer."""

    index: int
    event_id: str
    kind: str
    occurred_at: datetime
    user_ref: str
    country: str
    drama_id: int
    channel_id: int | None = None
    episode_id: int | None = None
    position_seconds: float | None = None
    amount_minor: int | None = None
    currency: str = ""


@dataclass
class EventBatchResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


@transaction.atomic
def playback_events_record(
    *, organization: Organization, events: list[PlaybackEventIn], rejected: list[dict[str, Any]] | None = None
) -> EventBatchResult:
    """Store a batch of events; each bad one is reported by its index and the good ones are kept.

    Idempotent by (organization, event id): an event seen before counts as a duplicate, never twice.
    References are checked in one query per kind of object, whatever the batch size: channels must be
    the caller's, titles published and licensed to the caller (a window out, now or before), episodes
    of the given title.
    """
    result = EventBatchResult(rejected=list(rejected or []))
    if not events:
        return result
    channel_ids = {e.channel_id for e in events if e.channel_id is not None}
    own_channels = set(
        Channel.objects.filter(organization=organization, pk__in=channel_ids).values_list("pk", flat=True)
    )
    drama_ids = {e.drama_id for e in events}
    # Titles the caller holds or held a window out for (late events of an ended window still count);
    # any other title is "no such title", as a missing one is.
    licensed = rights_dramas_held(licensee=organization, ever=True)
    known_dramas = set(
        Drama.objects.filter(pk__in=drama_ids, status=DramaStatus.PUBLISHED)
        .filter(pk__in=licensed)
        .values_list("pk", flat=True)
    )
    episode_ids = {e.episode_id for e in events if e.episode_id is not None}
    episode_drama = dict(Episode.objects.filter(pk__in=episode_ids).values_list("pk", "drama_id"))
    latest_allowed = timezone.now() + FUTURE_TOLERANCE

    valid: list[PlaybackEventIn] = []
    for event in events:
        problem = None
        if event.channel_id is not None and event.channel_id not in own_channels:
            problem = (EventsErrorCode.UNKNOWN_CHANNEL, "channel_id", "No such channel of yours.")
        elif event.drama_id not in known_dramas:
            problem = (EventsErrorCode.UNKNOWN_TITLE, "title_id", "No such title.")
        elif event.episode_id is not None and episode_drama.get(event.episode_id) != event.drama_id:
            problem = (EventsErrorCode.UNKNOWN_EPISODE, "episode_id", "No such episode of this title.")
        elif event.occurred_at > latest_allowed:
            problem = (EventsErrorCode.IN_THE_FUTURE, "occurred_at", "The event time is in the future.")
        if problem:
            code, field_name, message = problem
            result.rejected.append(
                {"index": event.index, "id": event.event_id, "code": code.value, "fields": {field_name: [message]}}
            )
        else:
            valid.append(event)

    seen = set(
        PlaybackEvent.objects.filter(organization=organization, event_id__in=[e.event_id for e in valid]).values_list(
            "event_id", flat=True
        )
    )
    rows = []
    for event in valid:
        if event.event_id in seen:
            result.duplicates += 1
            continue
        seen.add(event.event_id)
        rows.append(
            PlaybackEvent(
                organization=organization,
                event_id=event.event_id,
                kind=event.kind,
                occurred_at=event.occurred_at,
                user_ref=event.user_ref,
                channel_id=event.channel_id,
                country=event.country,
                drama_id=event.drama_id,
                episode_id=event.episode_id,
                position_seconds=event.position_seconds,
                amount_minor=event.amount_minor,
                currency=event.currency,
            )
        )
    # ON CONFLICT DO NOTHING: a concurrent batch with the same ids cannot store an event twice.
    PlaybackEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    result.accepted = len(rows)
    result.rejected.sort(key=lambda r: r["index"])
    return result
