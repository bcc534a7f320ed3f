"""Reads of the operator portal: every figure comes from the daily rollups, always for one organization.

Privacy: a figure is shown only when at least `k` distinct viewers stand behind it. A rollup row counts
the distinct viewers of one day in one cell; a figure over several rows has at least as many viewers as
its largest row, so that maximum (the figure's "viewer floor") is what is compared with k. It never
shows a figure with fewer than k viewers; it may hide one with more (spread thin over many days).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Drama, Trope
from localization.models import DramaLocalization
from localization.selectors import localization_pick
from migu_platform.db import execute_prepared, statement_name
from migu_platform.errors import NotFoundError, found
from partners.models import Channel, Organization
from partners.selectors import ChannelListed, channels_listed, channels_of
from portal.models import DailyChannelRollup, DailyEpisodeRollup, DailyTitleRollup
from portal.services import CURSOR_NAME, ROLLUP_VERSION_KEY
from portal.timezones import organization_time_zone
from recommendations.selectors import channel_lineup
from rights.selectors import (
    rights_available_drama_ids_by_channel,
    rights_drama_ids_starting_or_ending,
    rights_dramas_held,
    rights_free_episode_counts,
    rights_window_for,
    rights_windows_starting_or_ending,
    rights_windows_withdrawn,
)

# How long a page's figures stay in the cache at most, even if the version never moves: bounds what a lost
# invalidation (the cache unreachable when the job ran) or a renamed channel language can leave stale.
FIGURES_CACHE_SECONDS = 3600
T = TypeVar("T")
COUNTERS = ("impressions", "starts", "completes", "unlocks", "viewers", "players", "starters", "paywall_reached",
            "unlockers", "finishers")  # fmt: skip


@dataclass(frozen=True)
class PortalScope:
    """What a page shows: one organization's rollups over [start, end] (local days, both included),
    optionally narrowed to some of its channels, one territory and one language."""

    organization: Organization
    start: dt.date
    end: dt.date
    k: int
    channel_ids: tuple[int, ...] = ()
    territory: str = ""
    language: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def narrow(self, rows: QuerySet[Any], *, with_language: bool = True) -> QuerySet[Any]:
        rows = rows.filter(organization=self.organization, day__gte=self.start, day__lte=self.end)
        if self.channel_ids:
            rows = rows.filter(channel_id__in=self.channel_ids)
        if self.territory:
            rows = rows.filter(country=self.territory)
        if self.language and with_language:
            rows = rows.filter(language=self.language)
        return rows


def _shown(value: float | int | None, floor: int | None, k: int) -> float | int | None:
    """The figure, or None when fewer than k viewers stand behind it."""
    if value is None or floor is None or floor < k:
        return None
    return value


def _ratio(numerator: int | None, denominator: int | None) -> float | None:
    if not numerator or not denominator:
        return 0.0 if denominator else None
    return numerator / denominator


def portal_channels(*, organization: Organization) -> list[ChannelListed]:
    return channels_listed(organization=organization)


def portal_channel_of(*, organization: Organization, channel_id: int) -> Channel:
    """One of the organization's channels; NotFoundError for missing and foreign ids alike."""
    return found(channels_of(organization=organization).filter(pk=channel_id).first())


def portal_title_of(*, organization: Organization, drama_id: int) -> Drama:
    """A title the organization holds or held a window for; NotFoundError for any other id."""
    return found(Drama.objects.filter(pk=drama_id, pk__in=rights_dramas_held(licensee=organization, ever=True)).first())


def portal_data_as_of() -> dt.datetime | None:
    """Every event received before this instant is in the rollups. On every page: one prepared statement."""
    rows = _prepared_rows("portal_rollupcursor", "SELECT received_until FROM portal_rollupcursor WHERE name = %(name)s",
                          {"name": CURSOR_NAME})  # fmt: skip
    return rows[0][0] if rows else None


def portal_today(*, organization: Organization) -> dt.date:
    return timezone.now().astimezone(organization_time_zone(organization)).date()


def portal_titles(drama_ids: Iterable[int], *, language: str) -> dict[int, str]:
    """drama id -> its title for a reader of `language` (the localization fallback chain). Two queries."""
    ids = list(drama_ids)
    by_drama: dict[int, dict[str, str]] = defaultdict(dict)
    for drama_id, tag, title in DramaLocalization.objects.filter(drama_id__in=ids).values_list(
        "drama_id", "language", "title"
    ):
        by_drama[drama_id][tag] = title
    originals = dict(Drama.objects.filter(pk__in=ids).values_list("pk", "original_title"))
    languages = dict(Drama.objects.filter(pk__in=ids).values_list("pk", "original_language"))
    return {
        drama_id: localization_pick(by_drama[drama_id], language=language, original_language=languages[drama_id])
        or originals[drama_id]
        for drama_id in ids
        if drama_id in originals
    }


def _sums(rows: QuerySet[Any], *fields: str) -> dict[str, Any]:
    aggregates: dict[str, Any] = {f"total_{name}": Coalesce(Sum(name), 0) for name in fields}
    aggregates["floor"] = Max("viewers")
    totals = rows.aggregate(**aggregates)
    return {"floor": totals["floor"], **{name: totals[f"total_{name}"] for name in fields}}


def _kpis(totals: dict[str, Any], *, days: int, k: int) -> dict[str, float | int | None]:
    floor = totals.get("floor")
    figures: dict[str, float | int | None] = {
        "impressions": totals["impressions"],
        "starts": totals["starts"],
        "play_rate": _ratio(totals["starters"], totals["impressions"]),
        "viewers": totals["viewers"] / days if days else None,
        "starters": totals["starters"],
        "episodes_per_viewer": _ratio(totals["starts"], totals["players"]),
        "completion": _ratio(totals["completes"], totals["starts"]),
        "paywall_reach": _ratio(totals["paywall_reached"], totals["starters"]),
        "unlock_conversion": _ratio(totals["unlockers"], totals["paywall_reached"]),
    }
    return {name: _shown(value, floor, k) for name, value in figures.items()}


# The overview's figures in one scan of the rollup rows: the period's sums by day and by channel and language,
# as grouping sets (GROUPING() tells a set's NULL from a NULL channel). The totals, the channels' and the
# languages' sums are added up from the (channel, language) cells in Python: fifty-odd rows, where each more
# grouping set would cost the database another pass of aggregates over every row.
_OVERVIEW_SQL = """
SELECT GROUPING(r.day, r.channel_id, r.language), r.day, r.channel_id, r.language, max(r.viewers), {sums}
FROM portal_dailychannelrollup r
WHERE {where}
GROUP BY GROUPING SETS ((r.day), (r.channel_id, r.language))
"""
_BY_DAY = 0b011
# The revenue per currency over the same rows. Revenue rows carry no language: a language filter keeps the
# channels whose first language it is (and, for revenue on no channel, the organization's first language).
_REVENUE_SQL = """
SELECT r.currency, sum(r.revenue_minor)::bigint, sum(r.unlocks)::bigint, max(r.payers)
FROM portal_dailyrevenuerollup r {join}
WHERE {where}
GROUP BY r.currency ORDER BY r.currency
"""


def _prepared_rows(table: str, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    # Prepared once per session for each combination of filters: planning these cost as much as the
    # revenue's whole run and a tenth of the sums'. The statement's name says which table it reads.
    with connection.cursor() as cursor:
        execute_prepared(cursor, statement_name(f"migu_{table}", sql), sql, params)
        return cursor.fetchall()


def _rows_of_scope(scope: PortalScope, table: str) -> tuple[str, dict[str, Any]]:
    """The SQL condition on a rollup table's rows (alias `table`) that the scope keeps: its organization,
    period, channels and territory (the language is each caller's), with its parameters."""
    params: dict[str, Any] = {"organization": scope.organization.pk, "start": scope.start, "end": scope.end}
    where = f"{table}.organization_id = %(organization)s AND {table}.day >= %(start)s AND {table}.day <= %(end)s"
    if scope.channel_ids:
        where += f" AND {table}.channel_id = ANY(%(channels)s)"
        params["channels"] = list(scope.channel_ids)
    if scope.territory:
        where += f" AND {table}.country = %(territory)s"
        params["territory"] = scope.territory
    return where, params


def _overview_sums(scope: PortalScope) -> list[tuple[Any, ...]]:
    where, params = _rows_of_scope(scope, "r")
    if scope.language:
        where += " AND r.language = %(language)s"
        params["language"] = scope.language
    sums = ", ".join(f"COALESCE(sum({name}), 0)" for name in COUNTERS)
    return _prepared_rows("portal_dailychannelrollup", _OVERVIEW_SQL.format(sums=sums, where=where), params)


def _revenue_sums(scope: PortalScope) -> list[tuple[Any, ...]]:
    where, params = _rows_of_scope(scope, "r")
    join = ""
    if scope.language:
        join = "LEFT JOIN partners_channel c ON c.id = r.channel_id"
        where += (" AND (c.languages[1] = %(language)s"
                  " OR (r.channel_id IS NULL AND %(organization_language)s::varchar = %(language)s))")  # fmt: skip
        params["language"] = scope.language
        params["organization_language"] = scope.organization.languages[0] if scope.organization.languages else None
    return _prepared_rows("portal_dailyrevenuerollup", _REVENUE_SQL.format(join=join, where=where), params)


def portal_overview(*, scope: PortalScope, channels: Iterable[ChannelListed] | None = None) -> dict[str, Any]:
    """The KPIs over the period, their daily trend, and the same KPIs by channel and by language.

    `viewers` is the average per day of the daily distinct viewers (a viewer on two channels counts on
    each); `episodes_per_viewer` is episode starts per daily viewer who started one. The figures are read
    from the rollups (the channel rollups once, with grouping sets; the revenue rollups) and kept in the
    shared cache under the rollups' version (see portal_cached); channel names are added on every read.
    `channels`: the organization's channels when the caller has them already (else one query)."""
    figures = portal_cached(scope=scope, name="overview", read=lambda: _overview_figures(scope))
    if channels is None:
        channels = portal_channels(organization=scope.organization)
    names = {channel.pk: channel.name for channel in channels}
    return {
        **figures,
        "by_channel": [
            {"channel_id": row["channel_id"], "channel": names.get(row["channel_id"], ""),
             **{n: v for n, v in row.items() if n != "channel_id"}}
            for row in figures["by_channel"]
        ],
    }  # fmt: skip


def portal_cached(*, scope: PortalScope, name: str, read: Callable[[], T], vary: Iterable[str] = ()) -> T:
    """What `read()` answers for this scope (figures, or a page's part drawn from them), from the shared
    cache when it was stored under the rollups' current version (the rollup job moves it whenever it
    rebuilds a day), else read and kept. `vary`: whatever else the value depends on (the page's language,
    the channels' names), so that each variant is kept apart.

    One round trip to the cache for a hit: the entry is keyed by organization, filters and `vary`, and holds
    the version it was stored under, fetched with the version itself."""
    key = ":".join(
        [f"portal:{name}:{scope.organization.pk}", scope.start.isoformat(), scope.end.isoformat(),
         ",".join(map(str, scope.channel_ids)), scope.territory, scope.language, str(scope.k), *vary]
    )  # fmt: skip
    found = cache.get_many([ROLLUP_VERSION_KEY, key])
    version = found.get(ROLLUP_VERSION_KEY)
    if version is None:
        # No version yet (or the cache lost it): start one; entries of any earlier one never match it.
        cache.add(ROLLUP_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(ROLLUP_VERSION_KEY)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = read()
    cache.set(key, (version, value), timeout=FIGURES_CACHE_SECONDS)
    return value


def _max_floor(a: int | None, b: int | None) -> int | None:
    """The larger viewer floor of two (see the module); None where no row stands behind a figure."""
    if a is None:
        return b
    return a if b is None or a >= b else b


def _cells_added(cells: Iterable[tuple[int | None, tuple[int, ...]]]) -> dict[str, Any]:
    """Rollup cells' sums added up, and their viewer floor: the largest of theirs."""
    floor: int | None = None
    totals = [0] * len(COUNTERS)
    for cell_floor, sums in cells:
        floor = _max_floor(floor, cell_floor)
        totals = [total + value for total, value in zip(totals, sums, strict=True)]
    return {"floor": floor, **dict(zip(COUNTERS, totals, strict=True))}


_TREND = tuple((name, COUNTERS.index(name)) for name in ("impressions", "starts", "viewers", "completes", "unlocks"))


def _overview_figures(scope: PortalScope) -> dict[str, Any]:
    """portal_overview's figures, channels by id only: two queries of rollups."""
    by_day: dict[dt.date, tuple[int | None, tuple[int, ...]]] = {}
    by_channel: dict[int | None, list[tuple[int | None, tuple[int, ...]]]] = defaultdict(list)
    by_language: dict[str, list[tuple[int | None, tuple[int, ...]]]] = defaultdict(list)
    for grouping, day, channel_id, language, floor, *counts in _overview_sums(scope):
        cell = (floor, tuple(counts))
        if grouping == _BY_DAY:
            by_day[day] = cell
        else:
            by_channel[channel_id].append(cell)
            by_language[language].append(cell)
    trend = []
    no_cell: tuple[int | None, tuple[int, ...]] = (0, (0,) * len(COUNTERS))
    day = scope.start
    while day <= scope.end:
        floor, sums = by_day.get(day, no_cell)
        trend.append({"day": day.isoformat(), **{name: _shown(sums[i], floor, scope.k) for name, i in _TREND}})
        day += dt.timedelta(days=1)
    revenue = [
        {"currency": currency, "amount_minor": _shown(amount, floor, scope.k), "unlocks": _shown(unlocks, floor, scope.k)}
        for currency, amount, unlocks, floor in _revenue_sums(scope)
    ]  # fmt: skip
    return {
        "kpis": _kpis(_cells_added(by_day.values()), days=scope.days, k=scope.k),
        "trend": trend,
        "by_channel": [
            {"channel_id": channel_id, **_kpis(_cells_added(by_channel[channel_id]), days=scope.days, k=scope.k)}
            for channel_id in sorted(by_channel, key=lambda c: (c is None, c or 0))
        ],
        "by_language": [
            {"language": language, **_kpis(_cells_added(by_language[language]), days=scope.days, k=scope.k)}
            for language in sorted(by_language)
        ],
        "revenue": revenue,
    }


def portal_live_titles(
    *, organization: Organization, at: dt.datetime | None = None, channels: list[ChannelListed] | None = None
) -> dict[str, Any]:
    """Titles live now per channel (in any of its territories) and in all, and windows starting and
    ending in the next 30 days: the rights app's availability, asked once per territory for every channel
    (rights_available_drama_ids_by_channel), not per channel and territory. Never cached: "now" moves.
    `channels`: the organization's channels when the caller has them already (else one query)."""
    at = at or timezone.now()
    if channels is None:
        channels = portal_channels(organization=organization)
    territories = sorted({t for channel in channels for t in channel.territories} or set(organization.territories))
    available = {
        territory: rights_available_drama_ids_by_channel(licensee=organization, territory=territory, at=at)
        for territory in territories
    }
    all_live: set[int] = set()
    per_channel = []
    for channel in channels:
        live: set[int] = set()
        for territory in channel.territories:
            by_channel = available.get(territory, {})
            live |= by_channel.get(None, set()) | by_channel.get(channel.pk, set())
        all_live |= live
        per_channel.append({"channel": channel, "live": len(live)})
    if not channels:
        for by_channel in available.values():
            for drama_ids in by_channel.values():
                all_live |= drama_ids
    soon = rights_drama_ids_starting_or_ending(organization=organization, since=at, until=at + dt.timedelta(days=30))
    return {"live": len(all_live), "per_channel": per_channel, "starting": len(soon["starting"]),
            "ending": len(soon["ending"])}  # fmt: skip


def _title_sums(scope: PortalScope) -> QuerySet[Any]:
    return (
        scope.narrow(DailyTitleRollup.objects.all())
        .values("drama_id")
        .annotate(floor=Max("viewers"), **{n: Sum(n) for n in COUNTERS})
    )


def portal_top_titles(*, scope: PortalScope, language: str, limit: int = 50) -> list[dict[str, Any]]:
    """The titles with the most episode starts in the period, with their KPIs (hidden below k)."""
    rows = list(_title_sums(scope).order_by("-starts", "drama_id")[: max(1, min(limit, 100))])
    titles = portal_titles([row["drama_id"] for row in rows], language=language)
    return [
        {
            "drama_id": row["drama_id"],
            "title": titles.get(row["drama_id"], ""),
            "hidden": (row["floor"] or 0) < scope.k,
            **{n: _shown(row[n], row["floor"], scope.k) for n in ("impressions", "starts", "starters", "unlocks")},
            "completion": _shown(_ratio(row["completes"], row["starts"]), row["floor"], scope.k),
            "unlock_conversion": _shown(_ratio(row["unlockers"], row["paywall_reached"]), row["floor"], scope.k),
        }
        for row in rows
    ]


def portal_top_titles_daily(*, scope: PortalScope, language: str, limit: int = 50) -> Iterator[dict[str, Any]]:
    """The top titles' figures per day: at most `limit` (≤ 100) titles × the period's days rows."""
    top = portal_top_titles(scope=scope, language=language, limit=limit)
    titles = {row["drama_id"]: row["title"] for row in top}
    rows = (
        scope.narrow(DailyTitleRollup.objects.filter(drama_id__in=list(titles)))
        .values("day", "drama_id")
        .annotate(floor=Max("viewers"), **{n: Sum(n) for n in ("impressions", "starts", "starters", "unlocks")})
        .order_by("day", "drama_id")
    )
    for row in rows.iterator(chunk_size=2000):
        yield {
            "day": row["day"].isoformat(),
            "drama_id": row["drama_id"],
            "title": titles[row["drama_id"]],
            **{n: _shown(row[n], row["floor"], scope.k) for n in ("impressions", "starts", "starters", "unlocks")},
        }


def portal_heatmap(*, scope: PortalScope) -> dict[str, Any]:
    """Episode starts by territory × language (cells below k hidden)."""
    rows = list(
        scope.narrow(DailyChannelRollup.objects.all())
        .values("country", "language")
        .annotate(starts=Sum("starts"), floor=Max("viewers"))
        .order_by("country", "language")
    )
    territories = sorted({row["country"] for row in rows})
    languages = sorted({row["language"] for row in rows})
    cells = [
        {"territory": row["country"], "language": row["language"],
         "starts": _shown(row["starts"], row["floor"], scope.k)}
        for row in rows
    ]  # fmt: skip
    return {"territories": territories, "languages": languages, "cells": cells}


def portal_tropes(*, scope: PortalScope) -> list[dict[str, Any]]:
    """Per trope: the titles' episode starts, completion and unlock conversion in the period."""
    sums = {row["drama_id"]: row for row in _title_sums(scope)}
    by_trope: dict[int, dict[str, Any]] = {}
    for trope_id, drama_id in Trope.dramas.through.objects.filter(drama_id__in=list(sums)).values_list(
        "trope_id", "drama_id"
    ):
        row = sums[drama_id]
        entry = by_trope.setdefault(trope_id, {"titles": 0, "floor": 0, **{n: 0 for n in COUNTERS}})
        entry["titles"] += 1
        entry["floor"] = max(entry["floor"], row["floor"] or 0)
        for name in COUNTERS:
            entry[name] += row[name] or 0
    names = dict(Trope.objects.filter(pk__in=list(by_trope)).values_list("pk", "name"))
    result = [
        {
            "trope": names[trope_id],
            "titles": entry["titles"],
            "starts": _shown(entry["starts"], entry["floor"], scope.k),
            "completion": _shown(_ratio(entry["completes"], entry["starts"]), entry["floor"], scope.k),
            "unlock_conversion": _shown(_ratio(entry["unlockers"], entry["paywall_reached"]), entry["floor"], scope.k),
        }
        for trope_id, entry in by_trope.items()
    ]
    return sorted(result, key=lambda row: (-(row["starts"] or 0), row["trope"]))


def portal_paywall_episode(*, scope: PortalScope, drama: Drama) -> int:
    """The first locked episode of `drama` for this organization, as its rights say: the window in force in
    the scope's territory (else its first home territory) on the scope's one channel, else its latest."""
    territory = scope.territory or next(iter(scope.organization.territories), "")
    channel = scope.channel_ids[0] if len(scope.channel_ids) == 1 else None
    window = rights_window_for(licensee=scope.organization, drama=drama, territory=territory, channel=channel)
    if window is not None and window.free_episode_count is not None:
        free = window.free_episode_count
    else:
        free = rights_free_episode_counts(licensee=scope.organization, drama_ids=[drama.pk])[drama.pk]
    return free + 1


def portal_title(*, scope: PortalScope, drama: Drama) -> dict[str, Any]:
    """A title's drop-off (viewers starting each episode, as a share of episode 1, with the catalogue's
    median beside it), its paywall and its funnel impression → episode 1 → last free → unlock → final."""
    episodes = (
        scope.narrow(DailyEpisodeRollup.objects.all(), with_language=False)
        .values("drama_id", "episode_number")
        .annotate(floor=Max("viewers"), viewers=Sum("viewers"))
    )
    if scope.language:
        episodes = episodes.filter(
            Q(channel__languages__0=scope.language) | Q(channel__isnull=True, organization__languages__0=scope.language)
        )
    curves: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in episodes:
        curves[row["drama_id"]][row["episode_number"]] = (row["viewers"], row["floor"] or 0)
    own = curves.get(drama.pk, {})
    first = own.get(1, (0, 0))
    curve = []
    for number in sorted(own):
        viewers, floor = own[number]
        curve.append(
            {
                "episode": number,
                "viewers": _shown(viewers, floor, scope.k),
                "share": _shown(_ratio(viewers, first[0]), floor, scope.k) if first[0] else None,
            }
        )
    # The catalogue's median share per episode, over the titles whose episode 1 clears k (so the median
    # never stands for one small title).
    shares: dict[int, list[float]] = defaultdict(list)
    for curve_of in curves.values():
        base, base_floor = curve_of.get(1, (0, 0))
        if not base or base_floor < scope.k:
            continue
        for number, (viewers, _floor) in curve_of.items():
            shares[number].append(viewers / base)
    median = [{"episode": n, "share": statistics.median(values)} for n, values in sorted(shares.items())]
    totals = _sums(scope.narrow(DailyTitleRollup.objects.filter(drama=drama)), *COUNTERS)
    floor = totals["floor"]
    funnel = [
        {"step": step, "value": _shown(totals[name], floor, scope.k)}
        for step, name in (("impression", "impressions"), ("episode_1", "starters"), ("last_free", "paywall_reached"),
                           ("unlock", "unlockers"), ("final", "finishers"))
    ]  # fmt: skip
    return {
        "paywall_episode": portal_paywall_episode(scope=scope, drama=drama),
        "curve": curve,
        "median": median,
        "funnel": funnel,
        "kpis": _kpis(totals, days=scope.days, k=scope.k),
    }


def portal_rights(*, organization: Organization, at: dt.datetime | None = None, days: int = 30) -> dict[str, Any]:
    """Per channel (or "all channels"): windows expiring and starting in the next `days`, and withdrawn in
    the last `days`."""
    at = at or timezone.now()
    horizon = dt.timedelta(days=days)
    soon = rights_windows_starting_or_ending(organization=organization, since=at, until=at + horizon)
    withdrawn = rights_windows_withdrawn(organization=organization, since=at - horizon, until=at)
    return {"expiring": soon["ending"], "upcoming": soon["starting"], "withdrawn": withdrawn}


def portal_scope_check(*, organization: Organization, channel_ids: Iterable[int]) -> tuple[int, ...]:
    """The ids, each checked to be one of the organization's channels (NotFoundError otherwise, the same
    for a missing and a foreign id)."""
    ids = tuple(sorted(set(channel_ids)))
    if not ids:
        return ids
    own = set(channels_of(organization=organization).filter(pk__in=ids).values_list("pk", flat=True))
    if own != set(ids):
        raise NotFoundError("No such channel.")
    return ids


def portal_lineup(*, organization: Organization, channel: Channel, territory: str, language: str) -> dict[str, Any]:
    """The live matching model's line-up of one of the organization's channels (fetched with
    portal_channel_of), re-checked against the rights now in `territory` (or any of the channel's): each
    title's rank, demand index, primary trope and reasons. The titles a reason names ("its audience watched
    …") are named only when the organization holds or held a window for them; others are left out."""
    read = channel_lineup(channel=channel, territory=territory or None, language=language)
    held = set(rights_dramas_held(licensee=organization, ever=True).values_list("drama_id", flat=True))
    nearest_ids = {
        n["title_id"]
        for entry in read.titles
        for n in entry["reasons"].get("nearest_watched", [])
        if n["title_id"] in held
    }
    nearest_names = portal_titles(nearest_ids, language=language)
    titles = []
    for entry in read.titles:
        reasons = entry["reasons"]
        titles.append(
            {
                "title_id": entry["title_id"],
                "title": entry["title"],
                "rank": entry["rank"],
                "demand_index": entry["demand_index"],
                "primary_trope": entry["primary_trope"],
                "reasons": {
                    "nearest_watched": [
                        {"title_id": n["title_id"], "title": nearest_names[n["title_id"]]}
                        for n in reasons.get("nearest_watched", [])
                        if n["title_id"] in nearest_names
                    ],
                    "tropes": [{"trope": t["trope"], "lift": t["lift"]} for t in reasons.get("tropes", [])],
                    "languages": list(reasons.get("languages", [])),
                    "popularity": [
                        {"territory": p["territory"], "language": p["language"], "rank": p["rank"]}
                        for p in reasons.get("popularity", [])
                    ],
                    "cold_title": bool(reasons.get("cold_title")),
                },
            }
        )
    return {
        "channel_id": channel.pk,
        "channel": channel.name,
        "territory": territory,
        "model_version": read.model_version,
        "generated_at": read.generated_at.isoformat(timespec="seconds") if read.generated_at else None,
        "period": {
            "start": read.period_start.isoformat(timespec="seconds") if read.period_start else None,
            "end": read.period_end.isoformat(timespec="seconds") if read.period_end else None,
        },
        "titles": titles,
        "empty_reason": read.empty_reason or None,
    }
