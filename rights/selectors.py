"""Reads on rights: availability (what a licensee may show, where, when) and a tenant's windows.

Availability reads go through the territory rows' partial btree index
`rights_out_availability (licensee, territory, drama, start) INCLUDE (end, licence_type, window)`;
every query here repeats that index's predicate (direction out, in-force status) so the planner
can use it, and none of them goes through the GiST exclusion index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from catalog.models import Drama
from migu_platform.db import execute_prepared
from partners.models import Channel, Organization, OrganizationKind
from rights.errors import RightsErrorCode
from rights.models import (
    IN_FORCE_SQL,
    IN_FORCE_STATUSES,
    RightsDirection,
    RightsEvent,
    RightsEventKind,
    RightsStatus,
    RightsWindow,
    RightsWindowTerritory,
)


def _pk(value: Organization | Drama | Channel | int) -> int:
    return value if isinstance(value, int) else value.pk


def rights_rows_in_force(
    *,
    licensee: Organization | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
    channel: Channel | int | None = None,
) -> QuerySet[RightsWindowTerritory]:
    """Territory rows of `licensee`'s windows in force in `territory` at `at` (default now), optionally of
    one licence type and valid on one of its channels (a window for another channel does not count then;
    without a channel, every window of the licensee does). Readers that need more than ids start here."""
    rows = RightsWindowTerritory.objects.in_force(
        licensee_id=_pk(licensee), territory=territory, at=at or timezone.now()
    )
    if licence_type:
        rows = rows.filter(licence_type=licence_type.upper())
    if channel is not None:
        rows = rows.filter(Q(channel_id__isnull=True) | Q(channel_id=_pk(channel)))
    return rows


def _language_allowed(language: str) -> Q:
    """The window lets the licensee use `language` as audio or as subtitles (and does not hold it back)."""
    return (
        Q(window__audio_languages=[])
        | Q(window__audio_languages__contains=[language])
        | Q(window__subtitle_languages=[])
        | Q(window__subtitle_languages__contains=[language])
    ) & ~Q(window__holdback_languages__contains=[language])


def _in_force_sql(
    select: str,
    *,
    licensee: Organization | int,
    territory: str,
    at: dt.datetime | None,
    licence_type: str | None,
    channel: Channel | int | None,
) -> tuple[str, dict[str, str | int | dt.datetime]]:
    """A query over the rows in force (IN_FORCE_SQL), narrowed like rights_rows_in_force."""
    params: dict[str, str | int | dt.datetime] = {
        "licensee": _pk(licensee),
        "territory": territory.upper(),
        "at": at or timezone.now(),
    }
    sql = f"{select} FROM rights_rightswindowterritory r WHERE {IN_FORCE_SQL}"
    if licence_type:
        sql += " AND r.licence_type = %(licence_type)s"
        params["licence_type"] = licence_type.upper()
    if channel is not None:
        sql += " AND (r.channel_id IS NULL OR r.channel_id = %(channel)s)"
        params["channel"] = _pk(channel)
    return sql, params


def _execute_prepared(cursor: CursorWrapper, sql: str, params: Mapping[str, object]) -> None:
    # Every playback request and delivery re-check runs the point check: planning it would cost as much as
    # running it, so each form of the query is prepared once per database session.
    name = "migu_rights_" + hashlib.blake2b(sql.encode(), digest_size=6).hexdigest()
    execute_prepared(cursor, name, sql, params)


def rights_available_drama_ids(
    *,
    licensee: Organization | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
    language: str | None = None,
    channel: Channel | int | None = None,
) -> set[int]:
    """The dramas `licensee` may show in `territory` at instant `at` (default now), optionally for one
    licence type, one language (audio or subtitles) and one of its channels.

    Plain SQL on the hot path (no language): building the ORM query costs more than the index lookup
    (bench/rights_availability.py)."""
    if language:
        rows = rights_rows_in_force(
            licensee=licensee, territory=territory, at=at, licence_type=licence_type, channel=channel
        )
        return set(rows.filter(_language_allowed(language)).values_list("drama_id", flat=True).distinct())
    sql, params = _in_force_sql(
        "SELECT DISTINCT r.drama_id", licensee=licensee, territory=territory, at=at, licence_type=licence_type,
        channel=channel,
    )  # fmt: skip
    with connection.cursor() as cursor:
        _execute_prepared(cursor, sql, params)
        return {row[0] for row in cursor.fetchall()}


def rights_available_drama_ids_by_channel(
    *, licensee: Organization | int, territory: str, at: dt.datetime | None = None
) -> dict[int | None, set[int]]:
    """The dramas `licensee` may show in `territory` at `at` (default now), by the channel their window is
    for: key None for windows valid on every channel of the licensee. What one channel may show there is
    `result[None] | result[channel_id]`, the same answer as rights_available_drama_ids(channel=...), for
    every channel in one query (a dashboard of fifty channels asks once per territory, not per channel)."""
    sql, params = _in_force_sql(
        "SELECT DISTINCT r.channel_id, r.drama_id", licensee=licensee, territory=territory, at=at, licence_type=None,
        channel=None,
    )  # fmt: skip
    by_channel: dict[int | None, set[int]] = {None: set()}
    with connection.cursor() as cursor:
        _execute_prepared(cursor, sql, params)
        for channel_id, drama_id in cursor.fetchall():
            by_channel.setdefault(channel_id, set()).add(drama_id)
    return by_channel


def rights_available_throughout(
    *,
    licensee: Organization | int,
    territory: str,
    start: dt.datetime,
    end: dt.datetime,
    language: str | None = None,
    channel: Channel | int | None = None,
) -> set[int]:
    """The dramas `licensee` may show in `territory` during the whole of [start, end): one window in force
    at `start` whose end (exclusive) is not before `end`. A line-up scheduled for a period lists only these.

    The in-force rule itself is in_force() at `start`; what this adds is that the same window still holds
    at the period's last instant (a window ending inside the period does not count)."""
    if end <= start:
        raise ValueError("The period must end after it starts.")
    rows = rights_rows_in_force(licensee=licensee, territory=territory, at=start, channel=channel)
    last_instant = end - dt.timedelta(microseconds=1)
    rows = rows.filter(pk__in=RightsWindowTerritory.objects.in_force(licensee_id=_pk(licensee), at=last_instant))
    if language:
        rows = rows.filter(_language_allowed(language))
    return set(rows.values_list("drama_id", flat=True).distinct())


def rights_licensed_during(*, licensee: Organization | int, start: dt.datetime, end: dt.datetime) -> set[int]:
    """The dramas `licensee` may show somewhere at some instant of [start, end): a window in force at `start`
    in any territory, or one that comes into force during the period. A superset for ranking ahead of time
    (a user's territory, language and the instant are checked again when the ranking is served)."""
    if end <= start:
        raise ValueError("The period must end after it starts.")
    licensee_id = _pk(licensee)
    in_force = RightsWindowTerritory.objects.in_force(licensee_id=licensee_id, at=start)
    coming = RightsWindowTerritory.objects.out_in_force_statuses().filter(
        licensee_id=licensee_id, start__gt=start, start__lt=end
    )
    return set(in_force.values_list("drama_id", flat=True)) | set(coming.values_list("drama_id", flat=True))


def rights_may_show(
    *,
    licensee: Organization | int,
    drama: Drama | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
    episode_number: int | None = None,
    channel: Channel | int | None = None,
) -> bool:
    """May `licensee` show `drama` (or one of its episodes, or on one of its channels) in `territory` at `at`?"""
    sql, params = _in_force_sql(
        "SELECT 1", licensee=licensee, territory=territory, at=at, licence_type=licence_type, channel=channel
    )
    sql += " AND r.drama_id = %(drama)s"
    params["drama"] = _pk(drama)
    if episode_number is not None:
        sql += (
            " AND (r.episode_start IS NULL OR r.episode_start <= %(episode)s)"
            " AND (r.episode_end IS NULL OR r.episode_end >= %(episode)s)"
        )
        params["episode"] = episode_number
    with connection.cursor() as cursor:
        _execute_prepared(cursor, sql + " LIMIT 1", params)
        return cursor.fetchone() is not None


def rights_playback_refusal(
    *,
    licensee: Organization | int,
    drama: Drama | int,
    episode_number: int,
    territory: str,
    at: dt.datetime | None = None,
) -> RightsErrorCode | None:
    """Why `licensee` may not play episode `episode_number` of `drama` in `territory` at `at`, or None if it
    may: TERRITORY_NOT_LICENSED when it holds no window there at any time, OUTSIDE_WINDOW when its windows
    there are not open at `at` or do not cover the episode. One query when playback is allowed."""
    if rights_may_show(licensee=licensee, drama=drama, territory=territory, at=at, episode_number=episode_number):
        return None
    held_there = (
        RightsWindowTerritory.objects.out_in_force_statuses()
        .filter(licensee_id=_pk(licensee), territory=territory.upper(), drama_id=_pk(drama))
        .exists()
    )
    return RightsErrorCode.OUTSIDE_WINDOW if held_there else RightsErrorCode.TERRITORY_NOT_LICENSED


def rights_territories_in_force(
    *, licensee: Organization | int, drama_ids: Iterable[int], at: dt.datetime | None = None
) -> dict[int, list[str]]:
    """drama id -> the sorted territories where `licensee` may show it at `at` (default now)."""
    at = at or timezone.now()
    rows = (
        RightsWindowTerritory.objects.in_force(licensee_id=_pk(licensee), at=at)
        .filter(drama_id__in=list(drama_ids))
        .values_list("drama_id", "territory")
        .distinct()
    )
    result: dict[int, set[str]] = defaultdict(set)
    for drama_id, territory in rows:
        result[drama_id].add(territory)
    return {drama_id: sorted(territories) for drama_id, territories in result.items()}


def rights_dramas_held(
    *, licensee: Organization | int, ever: bool = False
) -> QuerySet[RightsWindow, Mapping[str, object]]:
    """The dramas (`drama_id` values, for a subquery) `licensee` holds a window out for, anywhere and at any
    time: windows approved or since ended or, with `ever`, every window it was ever granted (revoked and
    pending too: the titles its changes feed and its events may name)."""
    windows = RightsWindow.objects.filter(licensee_id=_pk(licensee), direction=RightsDirection.OUT)
    if not ever:
        windows = windows.filter(status__in=list(IN_FORCE_STATUSES))
    return windows.values("drama_id")


def rights_licensees_of_dramas(*, drama_ids: Iterable[int]) -> dict[int, set[int]]:
    """drama id -> the organizations holding a window out for it (approved or since ended)."""
    licensees: dict[int, set[int]] = defaultdict(set)
    for drama_id, licensee_id in RightsWindow.objects.filter(
        drama_id__in=list(drama_ids), direction=RightsDirection.OUT, status__in=list(IN_FORCE_STATUSES)
    ).values_list("drama_id", "licensee_id"):
        licensees[drama_id].add(licensee_id)
    return dict(licensees)


def rights_window_for(
    *,
    licensee: Organization | int,
    drama: Drama | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
    channel: Channel | int | None = None,
) -> RightsWindow | None:
    """The window that governs what `licensee` shows of `drama` in `territory` at `at`: its
    monetisation terms and allowed audio/subtitle languages. A window for the given channel wins
    over the licensee's general ones, whole-series windows over episode ranges, exclusive over
    non-exclusive, then the most recent start."""
    ordering = [F("channel_id").asc(nulls_last=True)] if channel is not None else []
    row = (
        rights_rows_in_force(licensee=licensee, territory=territory, at=at, licence_type=licence_type, channel=channel)
        .filter(drama_id=_pk(drama))
        .select_related("window")
        .order_by(
            *ordering,
            F("episode_start").asc(nulls_first=True),
            F("episode_end").desc(nulls_first=True),
            "-exclusive",
            "-start",
            "-window_id",
        )
        .first()
    )
    return row.window if row else None


def rights_languages_allowed(
    *, window: RightsWindow, audio_available: Iterable[str], subtitles_available: Iterable[str]
) -> dict[str, list[str]]:
    """The audio and subtitle languages `window` lets its licensee use: its lists, or (a list left empty
    means any) what is available, less its holdbacks."""
    held_back = set(window.holdback_languages)
    audio = window.audio_languages or list(audio_available)
    subtitles = window.subtitle_languages or list(subtitles_available)
    return {
        "audio_languages": [tag for tag in audio if tag not in held_back],
        "subtitle_languages": [tag for tag in subtitles if tag not in held_back],
    }


def rights_windows_of(*, organization: Organization) -> QuerySet[RightsWindow]:
    """The windows a tenant may see: those it holds as licensee and, for a licensor, those on its dramas."""
    condition = Q(licensee=organization)
    if organization.kind == OrganizationKind.LICENSOR:
        condition |= Q(drama__owner=organization)
    return RightsWindow.objects.filter(condition).select_related("drama", "licensee", "channel").order_by("-id")


def rights_events_since(*, licensee: Organization | int, cursor: int = 0, limit: int = 500) -> list[RightsEvent]:
    """Change events on a licensee's windows out after `cursor` (an event id), oldest first."""
    return list(
        RightsEvent.objects.filter(licensee_id=_pk(licensee), direction=RightsDirection.OUT, id__gt=cursor).order_by(
            "id"
        )[:limit]
    )


def _month_start(instant: dt.datetime) -> dt.datetime:
    return instant.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _month_add(instant: dt.datetime, months: int) -> dt.datetime:
    index = instant.year * 12 + instant.month - 1 + months
    return instant.replace(year=index // 12, month=index % 12 + 1)


def rights_avails_grid(
    *,
    drama: Drama,
    start: dt.datetime | None = None,
    months: int = 24,
    licence_type: str | None = None,
) -> dict[str, Any]:
    """The avails grid of a drama: territories × months, each cell the windows out covering any
    part of that month, and whether rights in cover it. One query whatever the size."""
    months = max(1, min(months, 60))
    windows = list(
        RightsWindow.objects.filter(drama=drama)
        .exclude(status=RightsStatus.REVOKED)
        .select_related("licensee")
        .order_by("start", "id")
    )
    if licence_type:
        windows = [w for w in windows if w.licence_type == licence_type]
    first = _month_start(start or timezone.now())
    columns = [_month_add(first, index) for index in range(months)]
    horizon = _month_add(first, months)
    outs = [w for w in windows if w.direction == RightsDirection.OUT]
    ins = [w for w in windows if w.direction == RightsDirection.IN]
    territories = sorted({t for w in outs for t in w.effective_territories})
    licensees: dict[int, dict[str, Any]] = {}
    for window in outs:
        licensees.setdefault(
            window.licensee_id,
            {"name": window.licensee.name, "hue": (window.licensee_id * 137) % 360},
        )

    def covering(
        pool: list[RightsWindow], territory: str, month_start: dt.datetime, month_end: dt.datetime
    ) -> list[RightsWindow]:
        return [
            w
            for w in pool
            if territory in w.effective_territories and w.start < month_end and (w.end is None or w.end > month_start)
        ]

    rows = []
    for territory in territories:
        cells = []
        for index, month_start in enumerate(columns):
            month_end = columns[index + 1] if index + 1 < len(columns) else horizon
            cells.append(
                {
                    "windows": [
                        {"window": w, "hue": licensees[w.licensee_id]["hue"]}
                        for w in covering(outs, territory, month_start, month_end)
                    ],
                    "acquired": bool(covering(ins, territory, month_start, month_end)),
                }
            )
        rows.append({"territory": territory, "cells": cells})
    return {
        "columns": columns,
        "rows": rows,
        "licensees": licensees,
        "windows_in": ins,
        "licence_types": sorted({w.licence_type for w in windows}),
    }


def rights_windows_starting_or_ending(
    *, organization: Organization, since: dt.datetime, until: dt.datetime
) -> dict[str, list[RightsWindow]]:
    """A tenant's windows out (approved) that start, or end, in [since, until): "coming" and "expiring"
    for dashboards. Two queries."""
    windows = _windows_out_of(organization)
    return {
        "starting": list(windows.filter(start__gte=since, start__lt=until).order_by("start", "id")),
        "ending": list(windows.filter(end__gte=since, end__lt=until).order_by("end", "id")),
    }


def rights_drama_ids_starting_or_ending(
    *, organization: Organization, since: dt.datetime, until: dt.datetime
) -> dict[str, set[int]]:
    """The dramas of rights_windows_starting_or_ending's windows, ids only: what a dashboard counts, without
    loading each window with its drama, licensee and channel. One query."""
    result: dict[str, set[int]] = {"starting": set(), "ending": set()}
    rows = (
        _windows_out_of(organization)
        .filter(Q(start__gte=since, start__lt=until) | Q(end__gte=since, end__lt=until))
        .order_by()
        .values_list("drama_id", "start", "end")
    )
    for drama_id, start, end in rows:
        if since <= start < until:
            result["starting"].add(drama_id)
        if end is not None and since <= end < until:
            result["ending"].add(drama_id)
    return result


def _windows_out_of(organization: Organization) -> QuerySet[RightsWindow]:
    return rights_windows_of(organization=organization).filter(
        direction=RightsDirection.OUT, status__in=list(IN_FORCE_STATUSES)
    )


def rights_free_episode_counts(*, licensee: Organization | int, drama_ids: Iterable[int]) -> dict[int, int]:
    """drama id -> how many episodes `licensee`'s viewers watch before the paywall, as its windows out say:
    the free-episode count of its most recently started window that sets one (approved or since ended),
    else the drama's own default. Dramas it holds no window for get the drama's default. Two queries."""
    ids = list(drama_ids)
    counts = dict(Drama.objects.filter(pk__in=ids).values_list("pk", "free_episode_count"))
    overrides = (
        RightsWindow.objects.filter(
            licensee_id=_pk(licensee),
            direction=RightsDirection.OUT,
            status__in=list(IN_FORCE_STATUSES),
            drama_id__in=ids,
            free_episode_count__isnull=False,
        )
        .order_by("drama_id", "-start", "-id")
        .distinct("drama_id")
        .values_list("drama_id", "free_episode_count")
    )
    for drama_id, free in overrides:
        if free is not None:
            counts[drama_id] = free
    return counts


def rights_windows_withdrawn(
    *, organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[tuple[RightsEvent, RightsWindow]]:
    """A tenant's windows out that ended or were revoked in [since, until), as (event, window), latest first:
    "withdrawn" for dashboards. One query."""
    events = (
        RightsEvent.objects.filter(
            licensee=organization,
            direction=RightsDirection.OUT,
            kind__in=[RightsEventKind.ENDED, RightsEventKind.REVOKED],
            occurred_at__gte=since,
            occurred_at__lt=until,
        )
        .select_related("window", "window__drama", "window__channel")
        .order_by("-occurred_at", "-id")
    )
    return [(event, event.window) for event in events]
