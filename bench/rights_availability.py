"""Rights availability at scale: 3,000 dramas, 250 licensees, 1M+ territory rows.

Creates a throwaway database on the server DATABASE_URL points at, migrates it, fills it with SQL
(generate_series, never the ORM), and measures on a warm cache:

- point check ÷ a primary-key lookup                                           goal ≤ 2.5×
  (rights.selectors.rights_may_show, which rights_playback_refusal runs for every playback request and
  for the delivery's re-checks of the master playlist and the key; rights_playback_refusal itself is
  reported too, refusals included)
- the GiST-exclusion-index catalogue query ÷ the btree catalogue query         goal ≥ 50×
- catalogue query median                                                      goal ≤ 10 ms
  (rights.selectors.rights_available_drama_ids, which the MRSS feed and the territory-wide readers call)

The database is dropped at the end, whatever happens. `python -m bench rights_availability`.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DRAMAS = 3000
LICENSEES = 250
# Each licensee holds about 7/15 of the catalogue in 3 of these 10 territories: 1.05M territory rows.
SHARE_NUMERATOR, SHARE_DENOMINATOR = 7, 15
CODES = ["TH", "SG", "MY", "ID", "PH", "VN", "US", "GB", "AE", "SA"]
POINT_SAMPLES = 2000
CATALOGUE_SAMPLES = 200
GIST_SAMPLES = 15


def _server_params() -> dict:
    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("DATABASE_URL is not set; run `make bench` (it starts the embedded PostgreSQL).")
    return dj_database_url.parse(url)


def _admin_connection(params: dict):
    import psycopg2

    conn = psycopg2.connect(
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn


def _database_url(params: dict, name: str) -> str:
    from urllib.parse import quote

    host = params.get("HOST") or ""
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{params['PORT']}" if params.get("PORT") else ""
    password = f":{quote(str(params['PASSWORD']), safe='')}" if params.get("PASSWORD") else ""
    return f"postgres://{quote(params.get('USER') or 'postgres', safe='')}{password}@{host}{port}/{name}"


@contextlib.contextmanager
def throwaway_database(name: str, *, keep: bool = False, template: str | None = None) -> Iterator[str]:
    """A database of the bench's own on the server DATABASE_URL points at, created on entry and dropped on
    exit (unless `keep`: its name is printed); yields its URL. With `template`, a copy of that database (no
    one may be connected to it meanwhile). A terminated run still drops it (SIGTERM unwinds through here)."""
    params = _server_params()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    admin = _admin_connection(params)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _database_url(params, name)
    finally:
        with admin.cursor() as cursor:
            if keep:
                print(f"database kept: {name}")
            else:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        signal.signal(signal.SIGTERM, previous)


def main() -> dict:
    """Create the throwaway database, run the measurement in a child process on it, drop it."""
    name = f"migu_bench_rights_{os.getpid()}"
    with throwaway_database(name) as database_url:
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url
        env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")  # required by settings, never used here
        env.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")
        result_path = Path(f"/tmp/{name}.json")
        subprocess.run(
            [sys.executable, "-m", "bench.rights_availability", "--measure", str(result_path)],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        results = json.loads(result_path.read_text())
        result_path.unlink()
        return results


# --- the child: runs on the throwaway database ----------------------------------------------


def _timed(fn, samples: list) -> float:
    """Median of fn(sample) over the samples, in milliseconds."""
    return _timed_side_by_side({"fn": fn}, samples)["fn"]


def _timed_side_by_side(fns: dict, samples: list) -> dict[str, float]:
    """Median of each fn(sample) in milliseconds, the fns taking turns on each sample (their order rotating)."""
    names = list(fns)
    times: dict[str, list[int]] = {name: [] for name in names}
    for index, sample in enumerate(samples):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            started = time.perf_counter_ns()
            fns[name](sample)
            times[name].append(time.perf_counter_ns() - started)
    return {name: statistics.median(values) / 1e6 for name, values in times.items()}


def _generate(cursor) -> dict:
    timings = {}
    started = time.monotonic()
    cursor.execute(
        "INSERT INTO partners_organization (name, slug, kind, territories, languages, is_active, created_at, "
        "updated_at) VALUES ('Bench Licensor', 'bench-licensor', 'licensor', '{CN}', '{zh-Hans}', true, now(), now())"
    )
    cursor.execute(
        "INSERT INTO partners_organization (name, slug, kind, territories, languages, is_active, created_at, "
        "updated_at) SELECT 'Bench Partner ' || g, 'bench-partner-' || g, 'partner', '{}', '{}', true, now(), now() "
        "FROM generate_series(1, %s) g",
        [LICENSEES],
    )
    cursor.execute(
        "INSERT INTO catalog_drama (original_title, original_language, format, eidr, alid, free_episode_count, "
        "unlock_price_tier, status, created_at, updated_at, owner_id) "
        "SELECT 'Bench drama ' || g, 'zh-Hans', 'vertical', '', '', 10, 'T1', 'published', now(), now(), "
        "(SELECT id FROM partners_organization WHERE slug = 'bench-licensor') FROM generate_series(1, %s) g",
        [DRAMAS],
    )
    # The read path's indexes and the exclusion constraint are rebuilt after the load (as a bulk
    # load would be done), so their build times are measured too.
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
        "'rights_rightswindowterritory'::regclass AND contype = 'x'"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'rights_rightswindowterritory' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint) AND indexname NOT LIKE '%%_pkey'"
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE rights_rightswindowterritory DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    # Windows: licensee i holds drama j when (i + j) % 15 < 7, in 3 of the 10 territories; 10% of
    # them ended, 10% start in the future, the rest run now (half open-ended).
    cursor.execute(
        """
        INSERT INTO rights_rightswindow (direction, territories, territory_exclusions, licence_type,
            audio_languages, subtitle_languages, holdback_languages, start, "end", exclusive, currency, status,
            contract_id, alid, transaction_id, created_at, updated_at, drama_id, licensee_id)
        SELECT 'out',
               ARRAY[(%(codes)s::varchar[])[o.i %% 10 + 1], (%(codes)s::varchar[])[(o.i + 3) %% 10 + 1],
                     (%(codes)s::varchar[])[(o.i + 7) %% 10 + 1]],
               '{}', CASE WHEN (d.j + o.i) %% 3 = 0 THEN 'SVOD' ELSE 'AVOD' END, '{}', '{}', '{}',
               CASE (d.j * 7 + o.i) %% 10 WHEN 0 THEN now() - interval '400 days'
                                        WHEN 1 THEN now() + interval '30 days'
                                        ELSE now() - ((d.j * 7 + o.i) %% 10) * interval '20 days' END,
               CASE (d.j * 7 + o.i) %% 10 WHEN 0 THEN now() - interval '30 days'
                                        WHEN 1 THEN NULL
                                        ELSE CASE WHEN (d.j + o.i) %% 2 = 0 THEN NULL
                                                  ELSE now() + interval '200 days' END END,
               false, '', 'approved', '', '', '', now(), now(), d.id, o.id
          FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM partners_organization
                 WHERE kind = 'partner') o
          JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS j FROM catalog_drama) d
            ON (d.j + o.i) %% %(den)s < %(num)s
        """,
        {"codes": CODES, "den": SHARE_DENOMINATOR, "num": SHARE_NUMERATOR},
    )
    cursor.execute(
        """
        INSERT INTO rights_rightswindowterritory (window_id, direction, drama_id, licensee_id, territory,
            licence_type, episode_start, episode_end, start, "end", exclusive, status, blocking)
        SELECT w.id, w.direction, w.drama_id, w.licensee_id, t, w.licence_type, NULL, NULL, w.start, w."end",
               w.exclusive, w.status, true
          FROM rights_rightswindow w, unnest(w.territories) t
        """
    )
    timings["load_s"] = round(time.monotonic() - started, 1)
    for name, definition in indexes:
        started = time.monotonic()
        cursor.execute(definition)
        timings[f"build_{name}_s"] = round(time.monotonic() - started, 1)
    for name, definition in constraints:
        started = time.monotonic()
        cursor.execute(f'ALTER TABLE rights_rightswindowterritory ADD CONSTRAINT "{name}" {definition}')
        timings[f"build_{name}_s"] = round(time.monotonic() - started, 1)
    cursor.execute("VACUUM ANALYZE rights_rightswindowterritory")
    cursor.execute("VACUUM ANALYZE rights_rightswindow")
    cursor.execute("VACUUM ANALYZE catalog_drama")
    cursor.execute("SELECT count(*) FROM rights_rightswindowterritory")
    timings["territory_rows"] = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM rights_rightswindow")
    timings["windows"] = cursor.fetchone()[0]
    return timings


GIST_SQL = (
    # What the exclusion index can answer: territory equality and the period containing the instant
    # (its predicate repeated so the partial index applies); the licensee is filtered from the heap.
    "SELECT DISTINCT drama_id FROM rights_rightswindowterritory WHERE blocking "
    "AND status IN ('approved', 'expired') AND territory = %s "
    "AND tstzrange(start, \"end\", '[)') @> %s::timestamptz AND licensee_id = %s"
)


def _measure(result_path: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import Drama
    from rights.selectors import (
        _in_force_sql,
        rights_available_drama_ids,
        rights_may_show,
        rights_playback_refusal,
        rights_rows_in_force,
    )

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    results: dict = {"migrate_s": round(time.monotonic() - started, 1)}
    with connection.cursor() as cursor:
        results.update(_generate(cursor))
        cursor.execute("SELECT id FROM partners_organization WHERE kind = 'partner' ORDER BY id")
        licensee_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT min(id), max(id) FROM catalog_drama")
        first_drama, last_drama = cursor.fetchone()
    now = timezone.now()
    rng = random.Random(3)

    def territory_of(index: int) -> str:
        return CODES[(index + rng.choice((0, 3, 7))) % 10]

    points = []
    for _ in range(POINT_SAMPLES):
        index = rng.randrange(LICENSEES)
        points.append((licensee_ids[index], territory_of(index), rng.randint(first_drama, last_drama)))
    catalogue = []
    for _ in range(CATALOGUE_SAMPLES):
        index = rng.randrange(LICENSEES)
        catalogue.append((licensee_ids[index], territory_of(index)))

    # Warm-up: caches and plans.
    for licensee, territory, drama in points[:200]:
        rights_may_show(licensee=licensee, drama=drama, territory=territory, at=now)
        Drama.objects.filter(pk=drama).exists()
    for licensee, territory in catalogue[:20]:
        rights_available_drama_ids(licensee=licensee, territory=territory, at=now)

    shown = sum(rights_may_show(licensee=lic, drama=d, territory=t, at=now) for lic, t, d in points[:500])
    sizes = [len(rights_available_drama_ids(licensee=lic, territory=t, at=now)) for lic, t in catalogue[:20]]
    results["point_checks_true_share"] = round(shown / 500, 2)
    results["catalogue_median_titles"] = int(statistics.median(sizes))

    # Through the selectors (the path the API uses), against the ORM's exists() on a primary key.
    results["playback_refusal_ms"] = _timed(
        lambda s: rights_playback_refusal(licensee=s[0], drama=s[2], episode_number=1, territory=s[1], at=now), points
    )
    results["catalogue_ms"] = _timed(
        lambda s: rights_available_drama_ids(licensee=s[0], territory=s[1], at=now), catalogue
    )

    # Both sides as plain SQL on one cursor (the database's share, without any Python around it).
    with connection.cursor() as cursor:

        def raw(sql, params):
            cursor.execute(sql, params)
            return cursor.fetchall()

        catalogue_sql = str(
            rights_rows_in_force(licensee=0, territory="ZZ", at=now).values_list("drama_id").distinct().query
        )

        def in_force(select: str, licensee: int, territory: str) -> tuple[str, dict]:
            return _in_force_sql(
                select, licensee=licensee, territory=territory, at=now, licence_type=None, channel=None
            )

        def point_raw(s):
            sql, params = in_force("SELECT 1", s[0], s[1])
            return raw(sql + " AND r.drama_id = %(drama)s LIMIT 1", {**params, "drama": s[2]})

        # Point checks and primary-key lookups side by side, sample by sample, so that the machine's drift
        # (shared, noisy) moves both sides of each ratio alike.
        results.update(
            _timed_side_by_side(
                {
                    "pk_lookup_ms": lambda s: Drama.objects.filter(pk=s[2]).exists(),
                    "point_check_ms": lambda s: rights_may_show(licensee=s[0], drama=s[2], territory=s[1], at=now),
                    "pk_lookup_raw_ms": lambda s: raw("SELECT 1 FROM catalog_drama WHERE id = %s", [s[2]]),
                    "point_check_raw_ms": point_raw,
                },
                points,
            )
        )
        results["catalogue_raw_ms"] = _timed(
            lambda s: raw(*in_force("SELECT DISTINCT r.drama_id", s[0], s[1])), catalogue
        )
        btree_sql, btree_params = in_force("SELECT DISTINCT r.drama_id", catalogue[0][0], catalogue[0][1])
        cursor.execute("EXPLAIN " + btree_sql, btree_params)
        results["catalogue_plan"] = " / ".join(row[0].strip() for row in cursor.fetchall()[:3])
        results["orm_catalogue_sql"] = catalogue_sql[:300]

        # The GiST exclusion index: the btree read index dropped (rolled back after) and sequential
        # scans off, so the planner has to answer through the exclusion constraint's index.
        with transaction.atomic():
            cursor.execute("DROP INDEX rights_out_availability")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + GIST_SQL, [catalogue[0][1], now, catalogue[0][0]])
            plan = " / ".join(row[0].strip() for row in cursor.fetchall())
            results["gist_plan"] = plan[:300]
            results["gist_used"] = "rights_out_no_exclusive_overlap" in plan
            gist_samples = catalogue[:GIST_SAMPLES]
            raw(GIST_SQL, [gist_samples[0][1], now, gist_samples[0][0]])  # warm
            results["catalogue_gist_ms"] = _timed(lambda s: raw(GIST_SQL, [s[1], now, s[0]]), gist_samples)
            same = set(raw(GIST_SQL, [gist_samples[0][1], now, gist_samples[0][0]])) == set(
                raw(*in_force("SELECT DISTINCT r.drama_id", gist_samples[0][0], gist_samples[0][1]))
            )
            results["gist_same_answer"] = same
            transaction.set_rollback(True)

    results["ratio_point_check_over_pk"] = round(results["point_check_ms"] / results["pk_lookup_ms"], 2)
    results["ratio_point_check_over_pk_raw_pk"] = round(results["point_check_ms"] / results["pk_lookup_raw_ms"], 2)
    results["ratio_point_check_over_pk_raw"] = round(results["point_check_raw_ms"] / results["pk_lookup_raw_ms"], 2)
    results["ratio_gist_over_catalogue_raw"] = round(results["catalogue_gist_ms"] / results["catalogue_raw_ms"], 1)
    results["ratio_gist_over_catalogue_selector"] = round(results["catalogue_gist_ms"] / results["catalogue_ms"], 1)
    for key, value in results.items():
        if isinstance(value, float) and key.endswith("_ms"):
            results[key] = round(value, 3)

    goals = [
        ("point check ÷ primary-key lookup (selector vs ORM pk)", results["ratio_point_check_over_pk"], "≤ 2.5×",
         results["ratio_point_check_over_pk"] <= 2.5),
        ("point check ÷ primary-key lookup (selector vs raw SQL pk)", results["ratio_point_check_over_pk_raw_pk"],
         "≤ 2.5×", results["ratio_point_check_over_pk_raw_pk"] <= 2.5),
        ("point check ÷ primary-key lookup (raw SQL)", results["ratio_point_check_over_pk_raw"], "≤ 2.5×",
         results["ratio_point_check_over_pk_raw"] <= 2.5),
        ("GiST-index query ÷ catalogue query (raw SQL)", results["ratio_gist_over_catalogue_raw"], "≥ 50×",
         results["ratio_gist_over_catalogue_raw"] >= 50),
        ("GiST-index query ÷ catalogue selector", results["ratio_gist_over_catalogue_selector"], "≥ 50×",
         results["ratio_gist_over_catalogue_selector"] >= 50),
        ("catalogue selector median (ms)", results["catalogue_ms"], "≤ 10 ms", results["catalogue_ms"] <= 10),
    ]  # fmt: skip
    print(f"{results['windows']:,} windows, {results['territory_rows']:,} territory rows, {DRAMAS:,} dramas, "
          f"{LICENSEES} licensees; catalogue answers ~{results['catalogue_median_titles']} titles")  # fmt: skip
    print(f"load {results['load_s']} s; " + ", ".join(f"{k} {v}" for k, v in results.items() if k.startswith("build_")))
    print(
        f"medians: pk {results['pk_lookup_ms']} ms, point {results['point_check_ms']} ms, playback refusal "
        f"{results['playback_refusal_ms']} ms, catalogue "
        f"{results['catalogue_ms']} ms (raw: pk {results['pk_lookup_raw_ms']}, point {results['point_check_raw_ms']}, "
        f"catalogue {results['catalogue_raw_ms']}), GiST catalogue {results['catalogue_gist_ms']} ms"
    )
    print(f"btree plan: {results['catalogue_plan']}")
    print(
        f"GiST plan: {results['gist_plan']} (exclusion index used: {results['gist_used']}, "
        f"same answer: {results['gist_same_answer']})"
    )
    for label, value, goal, met in goals:
        print(f"  {label:55s} {value:>8}  goal {goal:8s} {'met' if met else 'MISSED'}")
    Path(result_path).write_text(json.dumps(results, default=str))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        _measure(sys.argv[2])
    else:
        main()
