"""The operator portal at scale: an operator with 50 channels over 90 days.

Builds two throwaway databases on the server DATABASE_URL points at, filled with SQL (generate_series): the
same operator, channels, titles and windows, one with 1M raw playback events and one with 10M (a copy of
the first, grown by 9M events and the rollup job's incremental run, then vacuumed as autovacuum would).
Each is served as `make run` serves it — gunicorn (the same command, DEBUG off) on loopback, one signed-in
member of the operator, requests one after another on a kept-alive connection — both at once, and the
requests alternate between them, so that the machine's noise falls on both sides alike.

- overview page p95 (the whole page: 90 days, every channel) ÷ p95 of a bare SQL read of the same
  rollup rows                                                                   goal ≤ 2×
- overview p95 with 10M raw events ÷ with 1M                                     goal ≤ 1.2× (flat)
- the rollup job's events/s (portal.services.rollup_days_rebuild of one day) against a bare
  INSERT … SELECT … GROUP BY of the same day's events into a scratch table

The overview's figures are cached per organization, filters and rollup version (the rollup job moves
the version), so the page is measured warm (the figures from the cache, as between two runs of the job)
and cold (the version moved before every request, as after each run of the job).

`make bench BENCH_ARGS="portal"`; `--small N --large N` change the raw event counts; `--keep` leaves the
databases in place (their names are printed) for profiling.
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
SAMPLES = 150
ROUNDS = 5  # each figure is the median of this many rounds' p95
LICENSED = 40  # titles the operator holds windows for (10 of them for one channel only): "live now" is real
PORT = 18_900 + os.getpid() % 50 * 2  # and PORT + 1
OVERVIEW = "/portal/?start=2026-01-01&end=2026-03-31"
SIDES = ("small", "large")
BUILT_KEYS = ("cookie", "operator", "first_ids")  # what the later steps need from the build, not figures


def _option(name: str, default: int) -> int:
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def _child(step: str, database_url: str, result_path: Path, *extra: str, built: dict | None = None) -> dict:
    env = dict(os.environ)
    if built is not None:
        env["BENCH_PORTAL_BUILT"] = json.dumps(built)
    env["DATABASE_URL"] = database_url
    # What `make run` serves: the one-machine profile with DEBUG off (no query log, no debug pages).
    env["DJANGO_SETTINGS_MODULE"] = "migu_platform.settings.dev"
    env["DEBUG"] = "0"
    env["PORTAL_ROLLUP_SETTLE_SECONDS"] = "0"
    subprocess.run(
        [sys.executable, "-m", "bench.portal", step, str(result_path), *extra], cwd=BASE_DIR, env=env, check=True
    )
    results = json.loads(result_path.read_text())
    result_path.unlink()
    return results


def main() -> dict:
    small, large = _option("--small", 1_000_000), _option("--large", 10_000_000)
    if large <= small:
        raise SystemExit("bench portal: --large must be more events than --small")
    keep = "--keep" in sys.argv
    name = f"migu_bench_portal_{os.getpid()}"
    result_path = Path(f"/tmp/{name}.json")
    results: dict = {}
    with throwaway_database(f"{name}_small", keep=keep) as small_url:
        built = _child("--build", small_url, result_path, str(small))
        results.update({key: value for key, value in built.items() if key not in BUILT_KEYS})
        # The large side starts as a copy of the small one (same ids, same signed-in session), then grows.
        with throwaway_database(f"{name}_large", keep=keep, template=f"{name}_small") as large_url:
            results.update(_child("--grow", large_url, result_path, str(small), str(large), built=built))
            results.update(_child("--compare", small_url, result_path, large_url, str(small), str(large), built=built))
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

    def __init__(self, cookie: str, *, port: int, env: dict[str, str]) -> None:
        from migu_platform.devstack import _web_command

        self.cookie, self.port = cookie, port
        self.process = subprocess.Popen(
            _web_command("127.0.0.1", port, reload=False), cwd=BASE_DIR, env={**os.environ, **env},
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
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
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


def _vacuum(connection) -> None:
    """What autovacuum does in production after a bulk load and rebuilt days: reclaim the dead rows of the
    delete-and-insert rebuilds and refresh the planner's statistics."""
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


def _build(result_path: Path, small: int) -> None:
    """The small side: the operator, its channels, titles and windows, `small` events, the rollup's full run."""
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from catalog.models import Drama, Episode
    from partners.models import Channel, Membership, Organization
    from portal.services import rollup_days_rebuild, rollups_refresh
    from rights.tests.factories import drama_with_rights_in, grant_out

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
    for n in range(LICENSED):
        grant_out(drama_with_rights_in(), operator,
                  territories=["TH", "LA"], channel=channels[n] if n < 10 else None)  # fmt: skip
    user = get_user_model().objects.create_user("operator-viewer", password="bench-portal-password")
    Membership.objects.create(user=user, organization=operator)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)  # the session row is copied with the database: one cookie signs in to both
    results: dict = {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "operator": operator.pk,
        "first_ids": [channels[0].pk, dramas[0].pk, first_episode],
    }
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
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_bare")
    r, b = statistics.median(rebuild), statistics.median(bare_insert)
    results.update(rollup_day_events=day_events, rollup_day_events_per_s=round(day_events / r),
                   bare_group_by_events_per_s=round(day_events / b), rollup_vs_bare_time=round(r / b, 2),
                   rollup_day_load_average=[load, _load_average()])  # fmt: skip
    print(f"one day ({day_events:,} events): rollup rebuild {r * 1000:.0f} ms ({day_events / r:,.0f} events/s, "
          f"4 tables) vs bare INSERT…SELECT…GROUP BY {b * 1000:.0f} ms ({day_events / b:,.0f} events/s): "
          f"{r / b:.1f}× the time (load average {load} → {_load_average()})", flush=True)  # fmt: skip
    _vacuum(connection)
    result_path.write_text(json.dumps(results))


def _grow(result_path: Path, small: int, large: int, first_ids: list[int], operator_id: int) -> None:
    """The large side (a copy of the small one): `large - small` more events and the rollup's incremental run."""
    import django

    django.setup()
    from django.db import connection

    from portal.services import rollups_refresh

    with connection.cursor() as cursor:
        started = time.perf_counter()
        _events_add(cursor, operator_id, *first_ids, large - small, small)
        print(f"{large - small:,} more events generated in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    refreshed = rollups_refresh()
    seconds = time.perf_counter() - started
    print(f"incremental rollup of {large - small:,} new events ({refreshed.events:,} read back over "
          f"{refreshed.days} days): {seconds:.1f} s, {(large - small) / seconds:,.0f} new events/s "
          f"(load average {_load_average()})", flush=True)  # fmt: skip
    _vacuum(connection)
    result_path.write_text(json.dumps({"rollup_incremental_events_per_s": round((large - small) / seconds)}))


def _compare(result_path: Path, large_url: str, small: int, large: int, cookie: str, operator_id: int) -> None:
    """Both sides served at once; warm, cold and bare reads alternate between them, sample by sample."""
    import django

    django.setup()
    import dj_database_url
    import psycopg2
    from django.conf import settings

    from migu_platform.cache import DegradingRedisCache
    from portal.services import ROLLUP_VERSION_KEY

    urls = {"small": os.environ["DATABASE_URL"], "large": large_url}
    prefixes = {side: f"bench-portal-{os.getpid()}-{side}" for side in SIDES}
    caches = {
        side: DegradingRedisCache(settings.CACHES["default"]["LOCATION"], {**settings.CACHES["default"],
                                                                           "KEY_PREFIX": prefixes[side]})
        for side in SIDES
    }  # fmt: skip
    bare_connections = {}
    for side in SIDES:
        params = dj_database_url.parse(urls[side])
        bare_connections[side] = psycopg2.connect(
            dbname=params["NAME"], user=params.get("USER") or None, password=params.get("PASSWORD") or None,
            host=params.get("HOST") or None, port=params.get("PORT") or None,
        )  # fmt: skip
        bare_connections[side].autocommit = True
    sql = "SELECT * FROM portal_dailychannelrollup WHERE organization_id = %s AND day >= %s AND day <= %s"
    bare_params = [operator_id, "2026-01-01", "2026-03-31"]
    servers: dict[str, _Server] = {}
    results: dict = {}
    try:
        for offset, side in enumerate(SIDES):
            servers[side] = _Server(cookie, port=PORT + offset,
                                    env={"DATABASE_URL": urls[side], "MIGU_CACHE_PREFIX": prefixes[side]})  # fmt: skip
            for _ in range(5):
                status, body = servers[side].get(OVERVIEW)
                assert status == 200, (side, status, body[:500])
        p95s = {(side, key): [] for side in SIDES for key in ("warm", "cold", "bare")}
        rows = {side: 0 for side in SIDES}
        loads = []
        for round_number in range(ROUNDS):
            samples: dict[tuple[str, str], list[float]] = {key: [] for key in p95s}
            loads.append(_load_average())
            for sample in range(SAMPLES):
                # Alternate which side goes first, so neither always follows the other's cache misses.
                for side in SIDES if (round_number + sample) % 2 == 0 else SIDES[::-1]:
                    server = servers[side]
                    # Warm: the figures from the cache, as between two runs of the rollup job.
                    started = time.perf_counter()
                    server.get(OVERVIEW)
                    samples[(side, "warm")].append(time.perf_counter() - started)
                    # Cold: the rollup job has just run (the version moved), so the figures are read again.
                    caches[side].set(ROLLUP_VERSION_KEY, time.time_ns(), timeout=None)
                    started = time.perf_counter()
                    server.get(OVERVIEW)
                    samples[(side, "cold")].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    with bare_connections[side].cursor() as cursor:
                        cursor.execute(sql, bare_params)
                        rows[side] = len(cursor.fetchall())
                    samples[(side, "bare")].append(time.perf_counter() - started)
            for key, values in samples.items():
                p95s[key].append(_p95(values))
        results["load_average"] = loads
        medians = {key: statistics.median(values) for key, values in p95s.items()}
        for side in SIDES:
            count = small if side == "small" else large
            bare = medians[(side, "bare")]
            results[f"{side}_bare_sql_p95_ms"] = round(bare, 2)
            results[f"{side}_rollup_rows"] = rows[side]
            print(f"[{count:,} events] bare SQL read of the {rows[side]} rollup rows p95 {bare:.2f} ms "
                  f"(rounds {[round(p, 2) for p in p95s[(side, 'bare')]]})", flush=True)  # fmt: skip
            for key in ("warm", "cold"):
                value = medians[(side, key)]
                results[f"{side}_overview_{key}_p95_ms"] = round(value, 2)
                results[f"{side}_overview_{key}_vs_bare"] = round(value / bare, 2)
                print(f"[{count:,} events] overview {key} p95 {value:.1f} ms "
                      f"(rounds {[round(p, 1) for p in p95s[(side, key)]]}): {value / bare:.2f}× the bare read "
                      "(goal ≤ 2×)", flush=True)  # fmt: skip
        for key in ("warm", "cold"):
            ratio = round(medians[("large", key)] / medians[("small", key)], 2)
            results[f"overview_{key}_large_vs_small"] = ratio
            print(f"overview {key} p95 at {large:,} events ÷ at {small:,}: {ratio}× (goal ≤ 1.2×)", flush=True)
        print(f"load average per round: {loads}", flush=True)
    finally:
        for server in servers.values():
            server.stop()
        for connection in bare_connections.values():
            connection.close()
    result_path.write_text(json.dumps(results))


if __name__ == "__main__" and len(sys.argv) > 2:
    step, path, rest = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    if step == "--build":
        _build(path, int(rest[0]))
    elif step == "--grow":
        built = json.loads(os.environ["BENCH_PORTAL_BUILT"])
        _grow(path, int(rest[0]), int(rest[1]), built["first_ids"], built["operator"])
    elif step == "--compare":
        built = json.loads(os.environ["BENCH_PORTAL_BUILT"])
        _compare(path, rest[0], int(rest[1]), int(rest[2]), built["cookie"], built["operator"])
