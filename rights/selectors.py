"""Reads on rights: availability (what a licensee may show, where, when) and a tenant's windows.

Availability reads go through the territory rows' partial btree index
`rights_out_availability (licensee, territory, drama, start) INCLUDE (end, licence_type, window)`;
every query here repeats that index's predicate (direction out, in-force status) so the planner
can use it, and none of them goes through the GiST exclusion index.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import CharField, F, Func, Q, QuerySet
from django.utils import timezone

from catalog.models import Drama
from migu_platform.db import execute_prepared, statement_name
from partners.geography import country_name
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
) -> tuple[str, dict[str, object]]:
    """A query over the rows in force (IN_FORCE_SQL), narrowed like rights_rows_in_force."""
    params: dict[str, object] = {
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
    execute_prepared(cursor, statement_name("migu_rights", sql), sql, params)


def rights_available_drama_ids(
    *,
    licensee: Organization | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
    language: str | None = None,
    channel: Channel | int | None = None,
    among: Iterable[int] | None = None,
) -> set[int]:
    """The dramas `licensee` may show in `territory` at instant `at` (default now), optionally for one
    licence type, one language (audio or subtitles) and one of its channels; with `among`, only those of
    these dramas (a line-up's fifty candidates, not the thousands a partner may hold).

    Plain SQL on the hot path (no language): building the ORM query costs more than the index lookup
    (bench/rights_availability.py)."""
    candidates = None if among is None else sorted(set(among))
    if candidates == []:
        return set()
    if language:
        rows = rights_rows_in_force(
            licensee=licensee, territory=territory, at=at, licence_type=licence_type, channel=channel
        )
        if candidates is not None:
            rows = rows.filter(drama_id__in=candidates)
        return set(rows.filter(_language_allowed(language)).values_list("drama_id", flat=True).distinct())
    sql, params = _in_force_sql(
        "SELECT DISTINCT r.drama_id", licensee=licensee, territory=territory, at=at, licence_type=licence_type,
        channel=channel,
    )  # fmt: skip
    if candidates is not None:
        sql += " AND r.drama_id = ANY(%(among)s)"
        params["among"] = candidates
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


def rights_licensees_of_dramas(
    *, drama_ids: Iterable[int], subtitle_language: str | None = None, audio_language: str | None = None
) -> dict[int, set[int]]:
    """drama id -> the organizations holding a window out for it (approved or since ended); with a language,
    only through windows that let their licensee use it as subtitles (or audio) and do not hold it back."""
    windows = RightsWindow.objects.filter(
        drama_id__in=list(drama_ids), direction=RightsDirection.OUT, status__in=list(IN_FORCE_STATUSES)
    )
    for list_field, language in (("subtitle_languages", subtitle_language), ("audio_languages", audio_language)):
        if language:
            windows = windows.filter(
                Q(**{list_field: []}) | Q(**{f"{list_field}__contains": [language]}),
                ~Q(holdback_languages__contains=[language]),
            )
    licensees: dict[int, set[int]] = defaultdict(set)
    for drama_id, licensee_id in windows.values_list("drama_id", "licensee_id"):
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


def rights_subtitle_languages_named(*, drama: Drama | int) -> QuerySet:
    """The subtitle languages the drama's windows name (one row per window and language, column
    `language`), as a queryset to combine with others into one query; empty lists (any language) add none."""
    return (
        RightsWindow.objects.filter(drama_id=_pk(drama))
        .annotate(language=Func(F("subtitle_languages"), function="unnest", output_field=CharField()))
        .values_list("language", flat=True)
    )


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


# --- the avails grid: a seller's view of a drama ---------------------------------------------

AVAILS_GRID_MAX_MONTHS = 36

Interval = tuple[dt.datetime, dt.datetime]


def _months_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _clipped(window: RightsWindow, low: dt.datetime, high: dt.datetime) -> Interval | None:
    """The part of [low, high) the window covers (start inclusive, end exclusive), or None."""
    start = max(window.start, low)
    end = high if window.end is None else min(window.end, high)
    return (start, end) if start < end else None


def _some_instant_uncovered(base: list[Interval], cover: list[Interval]) -> bool:
    """Whether some instant of the intervals `base` lies outside every interval of `cover`."""
    ordered = sorted(cover)
    for base_start, base_end in base:
        reached = base_start
        for cover_start, cover_end in ordered:
            if cover_end <= reached:
                continue
            if cover_start > reached:
                return True
            reached = cover_end
            if reached >= base_end:
                break
        if reached < base_end:
            return True
    return False


def _covers_every_episode(window: RightsWindow) -> bool:
    return (window.episode_start or 1) == 1 and window.episode_end is None


def _window_label(window: RightsWindow) -> str:
    """A window as a seller names it: licensee, licence type, exclusivity, period (local dates) and contract."""
    start = timezone.localdate(window.start).isoformat()
    end = timezone.localdate(window.end).isoformat() if window.end else "open end"
    parts = [
        window.licensee.name,
        window.licence_type,
        "exclusive" if window.exclusive else "non-exclusive",
        f"{start} → {end}",
    ]
    if window.channel is not None:
        parts.insert(1, f"channel {window.channel.name}")
    if window.episode_start is not None or window.episode_end is not None:
        parts.append(f"episodes {window.episode_start or 1}–{window.episode_end or 'end'}")
    if window.status == RightsStatus.PENDING:
        parts.append("pending approval")
    if window.contract_id:
        parts.append(f"contract {window.contract_id}")
    return " · ".join(parts)


@dataclass(frozen=True)
class AvailsSale:
    """A window out that covers part of a cell's month, with the name it is shown by."""

    window: RightsWindow
    label: str
    hue: int


@dataclass
class AvailsCell:
    """One territory in one month: what is sold there, and what may still be sold.

    `available_types` are the licence types acquired for some instant of the month that no exclusive
    whole-series sale covers (more non-exclusive sales may be made); `unsold_types` those acquired for an
    instant no sale covers at all (an exclusive sale may be made too)."""

    month: dt.datetime
    sales: list[AvailsSale] = field(default_factory=list)
    acquired_types: list[str] = field(default_factory=list)
    available_types: list[str] = field(default_factory=list)
    unsold_types: list[str] = field(default_factory=list)
    holdback_languages: list[str] = field(default_factory=list)
    excluded_by: list[RightsWindow] = field(default_factory=list)

    @property
    def state(self) -> str:
        """available, sold_available (sold, and more can be sold), sold, held_back (a territory the rights in
        exclude) or not_acquired."""
        if self.available_types:
            return "sold_available" if self.sales else "available"
        if self.sales:
            return "sold"
        return "held_back" if self.excluded_by else "not_acquired"

    @property
    def exclusive_available(self) -> bool:
        return bool(self.unsold_types)

    @property
    def non_exclusive_only_types(self) -> list[str]:
        """Available types already sold non-exclusively for the whole acquired part of the month."""
        return [type_ for type_ in self.available_types if type_ not in self.unsold_types]


@dataclass(frozen=True)
class AvailsRightsIn:
    """A window in as the grid lists it: its name and the territories it holds back, by name."""

    window: RightsWindow
    label: str
    excluded: list[tuple[str, str]]


@dataclass
class AvailsRow:
    territory: str
    name: str
    cells: list[AvailsCell]


@dataclass
class AvailsGrid:
    """Territories × months of a drama; `current` is the index of this month's column, if shown."""

    columns: list[dt.datetime]
    current: int | None
    earlier: dt.date
    later: dt.date
    rows: list[AvailsRow]
    licensees: dict[int, dict[str, Any]]
    windows_in: list[AvailsRightsIn]
    licence_type: str | None


def rights_avails_grid(
    *,
    drama: Drama,
    month: dt.date | None = None,
    months: int = 12,
    licence_type: str | None = None,
    territories: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> AvailsGrid:
    """The avails grid of a drama, as a seller reads it: a row for every territory its rights in cover or
    exclude and every territory it was sold in; a column per month from `month` (default: the current month
    in the current time zone); each cell the sales covering part of that month, and whether the territory is
    still available there (acquired, in force, not sold exclusively), not acquired, or held back by rights in.

    One query, whatever the number of territories and months. Windows revoked count for nothing; pending
    windows out count as sold (they block an exclusive grant), pending rights in as not acquired.
    With `territories` (country codes), only those of them the grid would show."""
    months = max(1, min(months, AVAILS_GRID_MAX_MONTHS))
    zone = timezone.get_current_timezone()
    this_month = timezone.localdate(now or timezone.now(), zone).replace(day=1)
    first = (month or this_month).replace(day=1)
    month_starts = [_months_add(first, index) for index in range(months + 1)]
    bounds = [dt.datetime.combine(day, dt.time(), tzinfo=zone) for day in month_starts]

    windows = RightsWindow.objects.filter(drama=drama).exclude(status=RightsStatus.REVOKED)
    if licence_type:
        windows = windows.filter(licence_type=licence_type.upper())
    windows = windows.select_related("licensee", "channel").order_by("start", "id")

    windows_in: list[AvailsRightsIn] = []
    ins: dict[str, dict[str, list[RightsWindow]]] = defaultdict(lambda: defaultdict(list))
    outs: dict[str, dict[str, list[RightsWindow]]] = defaultdict(lambda: defaultdict(list))
    excluded: dict[str, list[RightsWindow]] = defaultdict(list)
    licensees: dict[int, dict[str, Any]] = {}
    labels: dict[int, str] = {}
    for window in windows:
        if window.direction == RightsDirection.IN:
            if not window.is_in_force:
                continue
            windows_in.append(
                AvailsRightsIn(
                    window=window,
                    label=_window_label(window),
                    excluded=[(code, country_name(code)) for code in window.territory_exclusions],
                )
            )
            for territory in window.effective_territories:
                ins[territory][window.licence_type].append(window)
            for territory in window.territory_exclusions:
                excluded[territory].append(window)
        else:
            labels[window.pk] = _window_label(window)
            licensees.setdefault(
                window.licensee_id, {"name": window.licensee.name, "hue": (window.licensee_id * 137) % 360}
            )
            for territory in window.effective_territories:
                outs[territory][window.licence_type].append(window)

    def cell(territory: str, low: dt.datetime, high: dt.datetime) -> AvailsCell:
        result = AvailsCell(month=low)
        holdbacks: set[str] = set()
        for type_ in sorted(set(ins[territory]) | set(outs[territory])):
            acquired = [
                (window, interval)
                for window in ins[territory].get(type_, ())
                if (interval := _clipped(window, low, high)) is not None
            ]
            sold = [
                (window, interval)
                for window in outs[territory].get(type_, ())
                if (interval := _clipped(window, low, high)) is not None
            ]
            result.sales.extend(
                AvailsSale(window=window, label=labels[window.pk], hue=licensees[window.licensee_id]["hue"])
                for window, _ in sold
            )
            if not acquired:
                continue
            result.acquired_types.append(type_)
            for window, _ in acquired:
                holdbacks.update(window.holdback_languages)
            acquired_intervals = [interval for _, interval in acquired]
            sold_exclusively = [
                interval for window, interval in sold if window.exclusive and _covers_every_episode(window)
            ]
            if _some_instant_uncovered(acquired_intervals, sold_exclusively):
                result.available_types.append(type_)
            if _some_instant_uncovered(acquired_intervals, [interval for _, interval in sold]):
                result.unsold_types.append(type_)
        result.sales.sort(key=lambda sale: (sale.window.start, sale.window.pk))
        result.holdback_languages = sorted(holdbacks)
        if not result.acquired_types:
            result.excluded_by = [window for window in excluded[territory] if _clipped(window, low, high)]
        return result

    # Territories covered by the same windows have the same cells: a drama acquired worldwide has a few
    # hundred rows but a handful of distinct ones, each computed once (the rows share their cell objects).
    distinct: dict[tuple[object, ...], list[AvailsCell]] = {}
    rows = []
    shown = set(ins) | set(outs) | set(excluded)
    if territories is not None:
        shown &= {code.upper() for code in territories}
    for territory in sorted(shown):
        signature = (
            tuple((type_, tuple(w.pk for w in pool)) for type_, pool in sorted(ins[territory].items())),
            tuple((type_, tuple(w.pk for w in pool)) for type_, pool in sorted(outs[territory].items())),
            tuple(w.pk for w in excluded[territory]),
        )
        if signature not in distinct:
            distinct[signature] = [cell(territory, bounds[index], bounds[index + 1]) for index in range(months)]
        rows.append(AvailsRow(territory=territory, name=country_name(territory), cells=distinct[signature]))
    current = (this_month.year - first.year) * 12 + this_month.month - first.month
    return AvailsGrid(
        columns=bounds[:-1],
        current=current if 0 <= current < months else None,
        earlier=_months_add(first, -months),
        later=_months_add(first, months),
        rows=rows,
        licensees=licensees,
        windows_in=windows_in,
        licence_type=licence_type or None,
    )


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


# rights_drama_ids_starting_or_ending for a tenant that is no licensor (its windows are those it holds):
# plain SQL prepared once per session, because planning the ORM's query cost six times running it on every
# dashboard visit. test_selectors proves it answers what the ORM query answers.
_STARTING_OR_ENDING_SQL = """
SELECT w.drama_id, w.start, w."end" FROM rights_rightswindow w
WHERE w.licensee_id = %(licensee)s AND w.direction = 'out' AND w.status IN ('approved', 'expired')
  AND ((w.start >= %(since)s AND w.start < %(until)s) OR (w."end" >= %(since)s AND w."end" < %(until)s))
"""


def rights_drama_ids_starting_or_ending(
    *, organization: Organization, since: dt.datetime, until: dt.datetime
) -> dict[str, set[int]]:
    """The dramas of rights_windows_starting_or_ending's windows, ids only: what a dashboard counts, without
    loading each window with its drama, licensee and channel. One query."""
    assert IN_FORCE_STATUSES == ("approved", "expired") and RightsDirection.OUT == "out"  # as the SQL has them
    result: dict[str, set[int]] = {"starting": set(), "ending": set()}
    rows: Iterable[tuple[int, dt.datetime, dt.datetime | None]]
    if organization.kind == OrganizationKind.LICENSOR:
        rows = (
            _windows_out_of(organization)
            .filter(Q(start__gte=since, start__lt=until) | Q(end__gte=since, end__lt=until))
            .order_by()
            .values_list("drama_id", "start", "end")
        )
    else:
        with connection.cursor() as cursor:
            _execute_prepared(cursor, _STARTING_OR_ENDING_SQL, {"licensee": organization.pk, "since": since,
                                                                "until": until})  # fmt: skip
            rows = cursor.fetchall()
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
