"""Writes of the operator portal: the daily rollups, rebuilt from the playback events by a beat job.

The job reads the events table forward by id from its cursor. Each batch names the (organization, day)
pairs its events fall on, and those days are rebuilt whole from the raw events: delete their rows, insert
the day's GROUP BY. So a re-run gives the same rows, and a late event (yesterday's, received today) is
folded into its day. Days are cut in the organization's reporting time zone.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import Episode
from partners.models import Organization
from portal.models import RollupCursor
from portal.timezones import organization_time_zone
from rights.selectors import rights_free_episode_counts

logger = logging.getLogger(__name__)

CURSOR_NAME = "playback-events"
EVENTS_TABLE = "recommendations_playbackevent"
# The rollups' version in the shared cache: figures read from the rollups are cached under it, and the
# rollup job moves it whenever it rebuilt a day, so no page serves figures older than the rollups.
ROLLUP_VERSION_KEY = "portal:rollup-version"


@dataclass
class RollupRefreshResult:
    events: int = 0
    days: int = 0
    seconds: float = 0.0
    last_event_id: int = 0
    received_until: dt.datetime | None = None
    days_by_organization: dict[int, list[dt.date]] = field(default_factory=dict)


def _local_days(day_utc: dt.date, zone: dt.tzinfo) -> set[dt.date]:
    """The local days of `zone` that a UTC day overlaps (one or two)."""
    start = dt.datetime.combine(day_utc, dt.time(), tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return {start.astimezone(zone).date(), end.astimezone(zone).date()}


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as contiguous runs (first, last): one range scan of the events per run."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


# The events of one organization over a range of local days, with what the counters need: the channel's
# language (else the organization's), the episode number, the paywall the rights set and the final episode.
_STAGE_SQL = f"""
CREATE TEMPORARY TABLE portal_stage ON COMMIT DROP AS
SELECT e.organization_id, (e.occurred_at AT TIME ZONE %(tz)s)::date AS day, e.channel_id, e.country,
       COALESCE(c.languages[1], %(org_language)s) AS language, e.drama_id, ep.number AS episode_number,
       e.kind, e.user_ref, e.amount_minor, e.currency,
       GREATEST(t.free_count, 1) AS paywall_episode, t.final_number
FROM {EVENTS_TABLE} e
LEFT JOIN partners_channel c ON c.id = e.channel_id
LEFT JOIN catalog_episode ep ON ep.id = e.episode_id
LEFT JOIN unnest(%(drama_ids)s::bigint[], %(free_counts)s::int[], %(final_numbers)s::int[])
     AS t(drama_id, free_count, final_number) ON t.drama_id = e.drama_id
WHERE e.organization_id = %(organization)s AND e.occurred_at >= %(lo)s AND e.occurred_at < %(hi)s
"""  # noqa: S608 (table names only)

_COUNTERS = """
count(*) FILTER (WHERE kind = 'impression'), count(*) FILTER (WHERE kind = 'play'),
count(*) FILTER (WHERE kind = 'complete'), count(*) FILTER (WHERE kind = 'unlock'),
count(DISTINCT user_ref), count(DISTINCT user_ref) FILTER (WHERE kind = 'play'),
count(DISTINCT {pair}) FILTER (WHERE kind = 'play' AND episode_number = 1),
count(DISTINCT {pair}) FILTER (WHERE kind = 'play' AND episode_number = paywall_episode),
count(DISTINCT {pair}) FILTER (WHERE kind = 'unlock'),
count(DISTINCT {pair}) FILTER (WHERE kind = 'play' AND episode_number = final_number)
"""
_COUNTER_COLUMNS = (
    "impressions, starts, completes, unlocks, viewers, players, starters, paywall_reached, unlockers, finishers"
)

_INSERT_SQL = [
    f"""INSERT INTO portal_dailychannelrollup
        (organization_id, day, channel_id, country, language, {_COUNTER_COLUMNS})
        SELECT organization_id, day, channel_id, country, language, {_COUNTERS.format(pair="(user_ref, drama_id)")}
        FROM portal_stage GROUP BY organization_id, day, channel_id, country, language""",  # noqa: S608 (constants)
    f"""INSERT INTO portal_dailytitlerollup
        (organization_id, day, channel_id, country, language, drama_id, {_COUNTER_COLUMNS})
        SELECT organization_id, day, channel_id, country, language, drama_id, {_COUNTERS.format(pair="user_ref")}
        FROM portal_stage GROUP BY organization_id, day, channel_id, country, language, drama_id""",  # noqa: S608
    """INSERT INTO portal_dailyepisoderollup
        (organization_id, day, channel_id, country, drama_id, episode_number, viewers, completes)
        SELECT organization_id, day, channel_id, country, drama_id, episode_number,
               count(DISTINCT user_ref) FILTER (WHERE kind = 'play'), count(*) FILTER (WHERE kind = 'complete')
        FROM portal_stage WHERE episode_number IS NOT NULL AND kind IN ('play', 'complete')
        GROUP BY organization_id, day, channel_id, country, drama_id, episode_number""",
    """INSERT INTO portal_dailyrevenuerollup
        (organization_id, day, channel_id, country, currency, unlocks, payers, revenue_minor)
        SELECT organization_id, day, channel_id, country, upper(currency), count(*), count(DISTINCT user_ref),
               sum(amount_minor)
        FROM portal_stage WHERE kind = 'unlock' AND amount_minor IS NOT NULL AND currency <> ''
        GROUP BY organization_id, day, channel_id, country, upper(currency)""",
]
_ROLLUP_TABLES = ["portal_dailychannelrollup", "portal_dailytitlerollup", "portal_dailyepisoderollup",
                  "portal_dailyrevenuerollup"]  # fmt: skip


def portal_cache_invalidate() -> None:
    """Move the rollups' version: every figure cached under the previous one is read again."""
    cache.set(ROLLUP_VERSION_KEY, time.time_ns(), timeout=None)


def rollup_days_rebuild(*, organization: Organization, days: list[dt.date]) -> int:
    """Rebuild `organization`'s rollup rows of these local days from the raw events; the events read.

    Call inside a transaction. Deterministic: the same events give the same rows, however often it runs."""
    if not days:
        return 0
    zone = organization_time_zone(organization)
    org_language = organization.languages[0] if organization.languages else "und"
    events = 0
    # Figures cached from the rows about to change are read again once these are committed.
    transaction.on_commit(portal_cache_invalidate, robust=True)
    with connection.cursor() as cursor:
        for table in _ROLLUP_TABLES:
            cursor.execute(
                f"DELETE FROM {table} WHERE organization_id = %s AND day = ANY(%s)",  # noqa: S608 (constant)
                [organization.pk, list(days)],
            )
        for first, last in _runs(days):
            lo = dt.datetime.combine(first, dt.time(), tzinfo=zone)
            hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
            cursor.execute(
                f"SELECT DISTINCT drama_id FROM {EVENTS_TABLE} "  # noqa: S608 (constant)
                "WHERE organization_id = %s AND occurred_at >= %s AND occurred_at < %s",
                [organization.pk, lo, hi],
            )
            drama_ids = [row[0] for row in cursor.fetchall()]
            if not drama_ids:
                continue
            free = rights_free_episode_counts(licensee=organization, drama_ids=drama_ids)
            final = dict(
                Episode.objects.filter(drama_id__in=drama_ids)
                .values("drama_id")
                .annotate(final=Max("number"))
                .values_list("drama_id", "final")
            )
            cursor.execute(
                _STAGE_SQL,
                {
                    "tz": str(zone), "org_language": org_language, "organization": organization.pk, "lo": lo,
                    "hi": hi, "drama_ids": drama_ids, "free_counts": [free.get(d, 0) for d in drama_ids],
                    "final_numbers": [final.get(d) for d in drama_ids],
                },
            )  # fmt: skip
            events += cursor.rowcount
            for sql in _INSERT_SQL:
                cursor.execute(sql)
            cursor.execute("DROP TABLE portal_stage")
    return events


def rollups_refresh(*, max_batches: int | None = None) -> RollupRefreshResult:
    """Fold the events received since the last run into the daily rollups; the beat job.

    Reads forward by event id from the cursor, PORTAL_ROLLUP_BATCH_EVENTS events at a time, only events
    received at least PORTAL_ROLLUP_SETTLE_SECONDS ago. Each batch is one transaction that holds the
    cursor row locked, so two runs never interleave, and a crash leaves the cursor where the rows are."""
    result = RollupRefreshResult()
    started = time.perf_counter()
    cutoff = timezone.now() - dt.timedelta(seconds=settings.PORTAL_ROLLUP_SETTLE_SECONDS)
    RollupCursor.objects.get_or_create(name=CURSOR_NAME)
    batches = 0
    # Days already rebuilt in this run. A rebuild reads every event of its days, and every event a later
    # batch holds was received before the cutoff, so committed before this run began: that rebuild saw it.
    # Rebuilding the day again would give the same rows; a backlog of many batches over the same days
    # (a bulk import, a worker that was down) rebuilds each day once, not once per batch.
    rebuilt: dict[int, set[dt.date]] = {}
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction.atomic():
            cursor_row = RollupCursor.objects.select_for_update().get(name=CURSOR_NAME)
            low = cursor_row.last_event_id
            with connection.cursor() as cursor:
                # The next batch by count, not by id range: ids have gaps (rolled-back inserts, sequences
                # cached per session), and a gap wider than a batch must not look like the end.
                cursor.execute(
                    f"SELECT max(id) FROM (SELECT id FROM {EVENTS_TABLE} "  # noqa: S608 (constant)
                    "WHERE id > %s AND received_at <= %s ORDER BY id LIMIT %s) batch",
                    [low, cutoff, settings.PORTAL_ROLLUP_BATCH_EVENTS],
                )
                high = cursor.fetchone()[0]
                if high is None:
                    # Nothing more that has settled: the rollups hold every event received up to the cutoff.
                    cursor_row.received_until = cutoff
                    cursor_row.save(update_fields=["received_until", "updated_at"])
                    result.received_until = cutoff
                    break
                # The days of events received after the cutoff (ids are not in order of receipt) are rebuilt
                # even when this run rebuilt them already: that rebuild may have come before them.
                cursor.execute(
                    "SELECT organization_id, array_agg(DISTINCT (occurred_at AT TIME ZONE 'UTC')::date), "  # noqa: S608
                    "array_agg(DISTINCT (occurred_at AT TIME ZONE 'UTC')::date) FILTER (WHERE received_at > %s) "
                    f"FROM {EVENTS_TABLE} WHERE id > %s AND id <= %s GROUP BY organization_id",
                    [cutoff, low, high],
                )
                touched = cursor.fetchall()
            organizations = Organization.objects.in_bulk([row[0] for row in touched])
            for org_id, utc_days, unsettled_days in touched:
                organization = organizations[org_id]
                zone = organization_time_zone(organization)
                done = rebuilt.setdefault(org_id, set())
                days = sorted(
                    ({local for day in utc_days for local in _local_days(day, zone)} - done)
                    | {local for day in unsettled_days or () for local in _local_days(day, zone)}
                )
                result.events += rollup_days_rebuild(organization=organization, days=days)
                done.update(days)
                result.days += len(days)
                result.days_by_organization.setdefault(org_id, []).extend(days)
            cursor_row.last_event_id = high
            cursor_row.save(update_fields=["last_event_id", "updated_at"])
            result.last_event_id = high
    result.seconds = time.perf_counter() - started
    return result


def rollups_rebuild_all() -> RollupRefreshResult:
    """Rebuild every rollup from scratch (after a change of the rules): reset the cursor, then refresh."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in _ROLLUP_TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (constant)
        RollupCursor.objects.filter(name=CURSOR_NAME).delete()
        transaction.on_commit(portal_cache_invalidate, robust=True)
    return rollups_refresh()
