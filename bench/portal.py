"""The operator portal at scale: an operator with 50 channels over 90 days.

Creates a throwaway database on the server DATABASE_URL points at, fills it with SQL (generate_series),
and measures the overview as `make run` serves it: gunicorn (the same command, DEBUG off) on loopback,
one signed-in member of the operator, requests one after another on a kept-alive connection.

- overview page p95 (the whole page: 90 days, every channel) ÷ p95 of a bare SQL read of the same
  rollup rows                                                                   goal ≤ 2×
- overview p95 with 10M raw events ÷ with 1M                                     goal ≤ 1.2× (flat)
- the rollup job's events/s (portal.services.rollup_days_rebuild of one day) against a bare
  INSERT … SELECT … GROUP BY of the same day's events into a scratch table

The overview's figures are cached per organization, filters and rollup version (the rollup job moves
the version), so the page is measured warm (the figures from the cache, as between two runs of the job)
and cold (the version moved before every request, as after each run of the job).

`make bench BENCH_ARGS="portal"`; `--small N --large N` change the raw event counts; `--keep` leaves the
database in place (its name is printed) for profiling.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.rights_availability import throwaway_database

BASE_DIR = Path(__file__).resolve().parent.parent
CHANNELS, DAYS, DRAMAS, EPISODES, USERS = 50, 90, 200, 60, 200_000
SAMPLES = 40
ROUNDS = 3  # each figure is the median of this many rounds' p95
LICENSED = 40  # titles the operator holds windows for (10 of them for one channel only): "live now" is real
PORT = 18_900 + os.getpid() % 100
OVERVIEW = "/portal/?start=2026-01-01&end=2026-03-31"


def _option(name: str, default: int) -> int:
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def main() -> dict:
    name = f"migu_bench_portal_{os.getpid()}"
    with throwaway_database(name, keep="--keep" in sys.argv) as database_url:
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url
        # What `make run` serves: the one-machine profile with DEBUG off (no query log, no debug pages).
        env["DJANGO_SETTINGS_MODULE"] = "migu_platform.settings.dev"
        env["DEBUG"] = "0"
        env["PORTAL_ROLLUP_SETTLE_SECONDS"] = "0"
        result_path = Path(f"/tmp/{name}.json")
        subprocess.run(
            [sys.executable, "-m", "bench.portal", "--measure", str(result_path),
             "--small", str(_option("--small", 1_000_000)), "--large", str(_option("--large", 10_000_000))],
            cwd=BASE_DIR, env=env, check=True,
        )  # fmt: skip
        results = json.loads(result_path.read_text())
        result_path.unlink()
        return results


# --- the child: runs on the throwaway database ----------------------------------------------


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _events_add(
    cursor, org_id: int, first_channel: int, first_drama: int, first_episode: int, count: int, offset: int
) -> None:
    """`count` events spread over 90 days, 50 channels, 200 titles and 200k viewers, in one INSERT … SELECT.

    The table's secondary indexes are dropped for the load and built again after it (this database is the
    bench's own); the unique (organization, event_id) constraint stays, and the event ids are zero-padded so
    that they arrive in its order (appends to the index's last page, not inserts all over it)."""
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = 'recommendations_playbackevent'::regclass AND NOT indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)"
    )
    indexes = cursor.fetchall()
    for index_name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{index_name}"')
    cursor.execute(
        """
        INSERT INTO recommendations_playbackevent
            (organization_id, event_id, kind, occurred_at, received_at, user_ref, channel_id, country, drama_id,
             episode_id, amount_minor, currency)
        SELECT %(org)s, 'b' || lpad((i + %(offset)s)::text, 12, '0'), k.kind,
               timestamptz '2026-01-01 00:00+07' + ((i * 7919) %% (90 * 86400)) * interval '1 second',
               now() - interval '1 hour', 'u' || ((i * 104729) %% %(users)s),
               %(ch)s + (i %% %(channels)s), CASE WHEN i %% 10 = 0 THEN 'LA' ELSE 'TH' END,
               %(dr)s + d.n, %(ep)s + d.n * %(episodes)s + e.n,
               CASE WHEN k.kind = 'unlock' THEN 500 END, CASE WHEN k.kind = 'unlock' THEN 'THB' ELSE '' END
        FROM generate_series(1::bigint, %(count)s::bigint) AS i
        CROSS JOIN LATERAL (SELECT (i * 31) %% %(dramas)s AS n) d
        CROSS JOIN LATERAL (SELECT LEAST((i * 13) %% %(episodes)s, (i * 17) %% %(episodes)s) AS n) e
        CROSS JOIN LATERAL (SELECT (ARRAY['impression','impression','play','play','play','play','complete',
                                          'progress','play','unlock'])[1 + i %% 10] AS kind) k
        """,
        {"org": org_id, "offset": offset, "users": USERS, "ch": first_channel, "channels": CHANNELS,
         "dr": first_drama, "dramas": DRAMAS, "ep": first_episode, "episodes": EPISODES, "count": count},
    )  # fmt: skip
    cursor.execute("SET maintenance_work_mem = '256MB'")
    for _index_name, definition in indexes:
        cursor.execute(definition)
    cursor.execute("ANALYZE recommendations_playbackevent")


class _Server:
    """gunicorn as `make run` starts it (migu_platform.devstack's command, DEBUG off), on loopback."""

    def __init__(self, cookie: str) -> None:
        from migu_platform.devstack import _web_command

        self.cookie = cookie
        self.process = subprocess.Popen(
            _web_command("127.0.0.1", PORT, reload=False), cwd=BASE_DIR, env=dict(os.environ),
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.connection: http.client.HTTPConnection | None = None
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/healthz")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("gunicorn did not start") from None
                self.connection = None
                time.sleep(0.3)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            try:
                self.connection.request("GET", path, headers={"Host": "localhost", "Cookie": self.cookie})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle kept-alive connection: open another (once).
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        if self.connection is not None:
            self.connection.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _measure(result_path: Path, small: int, large: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from catalog.models import Drama, Episode
    from partners.models import Channel, Membership, Organization
    from portal.services import portal_cache_invalidate, rollup_days_rebuild, rollups_refresh

    assert not settings.DEBUG, "the bench measures what `make run` serves: DEBUG off"
    call_command("migrate", verbosity=0)
    licensor = Organization.objects.create(name="Licensor", slug="licensor", kind="licensor")
    operator = Organization.objects.create(name="Operator", slug="operator", kind="operator",
                                           territories=["TH", "LA"], languages=["th"])  # fmt: skip
    channels = Channel.objects.bulk_create(
        Channel(organization=operator, name=f"Channel {n}", slug=f"ch-{n}", territories=["TH", "LA"],
                languages=["th" if n % 2 else "en"])
        for n in range(CHANNELS)
    )  # fmt: skip
    dramas = Drama.objects.bulk_create(
        Drama(owner=licensor, original_title=f"剧 {n}", original_language="zh-Hans", status="published")
        for n in range(DRAMAS)
    )
    Episode.objects.bulk_create(
        Episode(drama=drama, number=n, duration_seconds=90) for drama in dramas for n in range(1, EPISODES + 1)
    )
    first_episode = Episode.objects.order_by("id").values_list("id", flat=True).first()
    from rights.tests.factories import drama_with_rights_in, grant_out

    for n in range(LICENSED):
        grant_out(drama_with_rights_in(), operator,
                  territories=["TH", "LA"], channel=channels[n] if n < 10 else None)  # fmt: skip
    user = get_user_model().objects.create_user("operator-viewer", password="bench-portal-password")
    Membership.objects.create(user=user, organization=operator)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    results: dict = {}
    server: _Server | None = None

    def overview_and_bare(label: str) -> None:
        assert server is not None
        sql = "SELECT * FROM portal_dailychannelrollup WHERE organization_id = %s AND day >= %s AND day <= %s"
        bare_params = [operator.pk, "2026-01-01", "2026-03-31"]
        for _ in range(5):
            status, body = server.get(OVERVIEW)
            assert status == 200, (status, body[:500])
        p95s: dict[str, list[float]] = {"warm": [], "cold": [], "bare": []}
        rows: list = []
        loads = []
        for _ in range(ROUNDS):
            samples: dict[str, list[float]] = {"warm": [], "cold": [], "bare": []}
            loads.append(_load_average())
            for _ in range(SAMPLES):
                # Warm: the figures from the cache, as between two runs of the rollup job.
                started = time.perf_counter()
                server.get(OVERVIEW)
                samples["warm"].append(time.perf_counter() - started)
                # Cold: the rollup job has just run (the version moved), so the figures are read again.
                portal_cache_invalidate()
                started = time.perf_counter()
                server.get(OVERVIEW)
                samples["cold"].append(time.perf_counter() - started)
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(sql, bare_params)
                    rows = cursor.fetchall()
                samples["bare"].append(time.perf_counter() - started)
            for key, values in samples.items():
                p95s[key].append(_p95(values))
        medians = {key: statistics.median(values) for key, values in p95s.items()}
        bare = medians["bare"]
        results[f"{label}_bare_sql_p95_ms"] = round(bare, 2)
        results[f"{label}_rollup_rows"] = len(rows)
        results[f"{label}_load_average"] = loads
        for key in ("warm", "cold"):
            results[f"{label}_overview_{key}_p95_ms"] = round(medians[key], 2)
            results[f"{label}_overview_{key}_vs_bare"] = round(medians[key] / bare, 2)
        print(f"[{label}] bare SQL read of the {len(rows)} rollup rows p95 {bare:.2f} ms "
              f"(rounds {[round(p, 2) for p in p95s['bare']]}); load average per round {loads}", flush=True)  # fmt: skip
        for key in ("warm", "cold"):
            print(f"[{label}] overview {key} p95 {medians[key]:.1f} ms (rounds {[round(p, 1) for p in p95s[key]]}): "
                  f"{medians[key] / bare:.2f}× the bare read (goal ≤ 2×)", flush=True)  # fmt: skip

    def vacuum() -> None:
        # What autovacuum does in production after a bulk load and rebuilt days: reclaim the dead rows of the
        # delete-and-insert rebuilds and refresh the planner's statistics.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in (
                "recommendations_playbackevent",
                "portal_dailychannelrollup",
                "portal_dailytitlerollup",
                "portal_dailyepisoderollup",
                "portal_dailyrevenuerollup",
                "portal_rollupcursor",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s", flush=True)

    with connection.cursor() as cursor:
        started = time.perf_counter()
        _events_add(cursor, operator.pk, channels[0].pk, dramas[0].pk, first_episode, small, 0)
        print(f"{small:,} events generated in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    refreshed = rollups_refresh()
    seconds = time.perf_counter() - started
    results["rollup_full_events_per_s"] = round(refreshed.events / seconds)
    print(f"rollup of {refreshed.events:,} events ({refreshed.days} days): {seconds:.1f} s, "
          f"{refreshed.events / seconds:,.0f} events/s (load average {_load_average()})", flush=True)  # fmt: skip

    # One day: the rollup's rebuild against a bare INSERT … SELECT … GROUP BY of the same events.
    import datetime as dt

    day = dt.date(2026, 2, 1)
    rebuild, bare_insert, day_events = [], [], 0
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_bare (organization_id bigint, day date, channel_id bigint, country text, "
                       "drama_id bigint, events bigint, viewers bigint)")  # fmt: skip
    load = _load_average()
    for _ in range(5):
        with transaction.atomic():
            started = time.perf_counter()
            day_events = rollup_days_rebuild(organization=operator, days=[day])
            rebuild.append(time.perf_counter() - started)
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("DELETE FROM bench_bare")
            cursor.execute(
                "INSERT INTO bench_bare SELECT organization_id, (occurred_at AT TIME ZONE 'Asia/Bangkok')::date, "
                "channel_id, country, drama_id, count(*), count(DISTINCT user_ref) FROM recommendations_playbackevent "
                "WHERE organization_id = %s AND occurred_at >= %s AND occurred_at < %s GROUP BY 1, 2, 3, 4, 5",
                [operator.pk, "2026-02-01 00:00+07", "2026-02-02 00:00+07"],
            )
            bare_insert.append(time.perf_counter() - started)
    r, b = statistics.median(rebuild), statistics.median(bare_insert)
    results.update(rollup_day_events=day_events, rollup_day_events_per_s=round(day_events / r),
                   bare_group_by_events_per_s=round(day_events / b), rollup_vs_bare_time=round(r / b, 2),
                   rollup_day_load_average=[load, _load_average()])  # fmt: skip
    print(f"one day ({day_events:,} events): rollup rebuild {r * 1000:.0f} ms ({day_events / r:,.0f} events/s, "
          f"4 tables) vs bare INSERT…SELECT…GROUP BY {b * 1000:.0f} ms ({day_events / b:,.0f} events/s): "
          f"{r / b:.1f}× the time (load average {load} → {_load_average()})", flush=True)  # fmt: skip

    vacuum()
    server = _Server(cookie)
    try:
        overview_and_bare("small")
        if large > small:
            with connection.cursor() as cursor:
                started = time.perf_counter()
                _events_add(cursor, operator.pk, channels[0].pk, dramas[0].pk, first_episode, large - small, small)
                print(f"{large - small:,} more events generated in {time.perf_counter() - started:.0f} s", flush=True)
            started = time.perf_counter()
            refreshed = rollups_refresh()
            seconds = time.perf_counter() - started
            results["rollup_incremental_events_per_s"] = round((large - small) / seconds)
            print(f"incremental rollup of {large - small:,} new events ({refreshed.events:,} read back over "
                  f"{refreshed.days} days): {seconds:.1f} s, {(large - small) / seconds:,.0f} new events/s "
                  f"(load average {_load_average()})", flush=True)  # fmt: skip
            vacuum()
            overview_and_bare("large")
            for key in ("warm", "cold"):
                ratio = round(results[f"large_overview_{key}_p95_ms"] / results[f"small_overview_{key}_p95_ms"], 2)
                results[f"overview_{key}_large_vs_small"] = ratio
                print(f"overview {key} p95 at {large:,} events ÷ at {small:,}: {ratio}× (goal ≤ 1.2×)", flush=True)
    finally:
        server.stop()
    result_path.write_text(json.dumps(results))


if __name__ == "__main__" and "--measure" in sys.argv:
    _measure(Path(sys.argv[sys.argv.index("--measure") + 1]), _option("--small", 1_000_000),
             _option("--large", 10_000_000))  # fmt: skip
