"""Partner API benchmark: the titles list through gunicorn on loopback, side by side with a bare
values() + orjson JsonResponse (the practical limit) and a textbook DRF ModelSerializer version.

    python -m bench partner_api [--scale demo|large] [--seconds N] [--rounds N] [--reseed]

Prints, per round and as medians over the rounds, requests/second per variant and their ratios (to
a bare view of the drama rows alone, and to one serving the same fields as the endpoint), the p95
latency of a 50-item page, the latency of a 304 revalidation (and of a 304 from an empty view: the
floor), and a deep cursor page against the first. Data goes to its own database
(`<DATABASE_URL name>_bench_<scale>`) so the platform's data is never touched; it is seeded once and
reused (drop it with --reseed). Scales: demo (300 dramas, 9,000 episodes, ~30k territory rows) and
large (3,000 dramas, 252,000 episodes, ~1M territory rows, as in the issue).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SCALES = {
    "demo": {"dramas": 300, "episodes": 30, "licensees": 10, "territories": 10},
    "large": {"dramas": 3000, "episodes": 84, "licensees": 20, "territories": 17},
}
TERRITORIES = ["TH", "SG", "MY", "ID", "PH", "VN", "JP", "KR", "US", "CA", "SA", "AE", "EG", "HK", "TW", "GB", "AU"]
PORT = 18_700 + os.getpid() % 200


def bench_database_url(scale: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_bench_{scale}"))


def database_ensure(url: str, *, reseed: bool) -> bool:
    """Create the bench database if missing (or anew with reseed); True if it must be seeded."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cursor:
        if reseed:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return not exists


def seed(scale: dict) -> str:
    """Bulk rows straight into the tables (bench only; the platform writes through its services)."""
    import datetime as dt

    from django.db import connection, transaction

    from catalog.models import Artwork, Drama, Episode, Genre, Trope
    from localization.models import DramaLocalization
    from partners.models import Organization
    from rights.models import RightsWindow

    started = time.monotonic()
    with transaction.atomic():
        licensor = Organization.objects.create(name="Bench Licensor", slug="bench-licensor", kind="licensor")
        partner = Organization.objects.create(
            name="Bench Partner", slug="bench-partner", kind="partner", languages=["th", "en"]
        )
        licensees = [partner] + [
            Organization.objects.create(name=f"Licensee {n}", slug=f"bench-licensee-{n}", kind="partner")
            for n in range(scale["licensees"] - 1)
        ]
        genres = Genre.objects.bulk_create([Genre(slug=f"genre-{n}", name=f"Genre {n}") for n in range(10)])
        tropes = Trope.objects.bulk_create([Trope(slug=f"trope-{n}", name=f"Trope {n}") for n in range(20)])
        dramas = Drama.objects.bulk_create(
            [
                Drama(
                    owner=licensor,
                    original_title=f"重生之逆袭 {n}",
                    status="published",
                    production_year=2025,
                    format="vertical" if n % 10 else "horizontal",
                )
                for n in range(scale["dramas"])
            ],
            batch_size=1000,
        )
        Drama.genres.through.objects.bulk_create(
            [Drama.genres.through(drama_id=d.pk, genre_id=genres[i % 10].pk) for i, d in enumerate(dramas)]
        )
        Drama.tropes.through.objects.bulk_create(
            [Drama.tropes.through(drama_id=d.pk, trope_id=tropes[(i + k) % 20].pk) for i, d in enumerate(dramas) for k in (0, 7)]
        )  # fmt: skip
        DramaLocalization.objects.bulk_create(
            [
                DramaLocalization(
                    drama=d,
                    language=lang,
                    title=f"{lang} title {d.pk}",
                    title_short=f"T{d.pk}",
                    synopsis_short="A woman reborn takes revenge on the family that betrayed her.",
                )
                for d in dramas
                for lang in ("en", "th")
            ],
            batch_size=2000,
        )
        Artwork.objects.bulk_create(
            [
                Artwork(drama=d, kind="cover_9x16", image=f"artwork/bench/{d.pk}.jpg", width=900, height=1600)
                for d in dramas
            ]
        )
        for start in range(0, len(dramas), 200):
            Episode.objects.bulk_create(
                [Episode(drama=d, number=n, duration_seconds=90) for d in dramas[start : start + 200]
                 for n in range(1, scale["episodes"] + 1)],
                batch_size=5000,
            )  # fmt: skip
        territories = TERRITORIES[: scale["territories"]]
        since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        windows = RightsWindow.objects.bulk_create(
            [
                RightsWindow(
                    direction="out",
                    drama=d,
                    licensee=lic,
                    territories=territories,
                    licence_type="AVOD",
                    start=since,
                    status="approved",
                )
                for lic in licensees
                for d in dramas
            ],
            batch_size=5000,
        )
        del windows
        with connection.cursor() as cursor:
            # One territory row per window and country, as rights.services writes them.
            cursor.execute(
                """
                INSERT INTO rights_rightswindowterritory
                    (window_id, direction, drama_id, licensee_id, channel_id, territory, licence_type, start, "end", exclusive,
                     status, blocking)
                SELECT w.id, w.direction, w.drama_id, w.licensee_id, NULL, t, w.licence_type, w.start, w."end", false,
                       w.status, true
                FROM rights_rightswindow w CROSS JOIN unnest(w.territories) AS t
                """
            )
            rows = cursor.rowcount
            cursor.execute("ANALYZE")
    print(f"seeded {len(dramas)} dramas, {len(dramas) * scale['episodes']} episodes, {rows} territory rows "
          f"in {time.monotonic() - started:.1f}s", flush=True)  # fmt: skip
    return partner.slug


def api_key_issue() -> str:
    from partners.models import Organization
    from partners.services import api_key_create

    partner = Organization.objects.get(slug="bench-partner")
    return api_key_create(organization=partner, name=f"bench {time.time():.0f}").raw_key


class Client:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, headers: dict[str, str]):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.headers = headers

    def get(self, path: str, extra: dict[str, str] | None = None) -> tuple[int, bytes, dict, float]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers={**self.headers, **(extra or {})})
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        return response.status, body, dict(response.getheaders()), elapsed


def latencies(client: Client, path: str, n: int, extra: dict | None = None, expect: int = 200) -> list[float]:
    out = []
    for _ in range(n):
        status, body, _, elapsed = client.get(path, extra)
        if status != expect:
            raise RuntimeError(f"{path}: {status} {body[:300]!r}")
        out.append(elapsed * 1000)
    return out


def throughput(headers: dict, path: str, seconds: float, concurrency: int) -> float:
    """Requests per second with `concurrency` keep-alive clients for `seconds`."""
    counts = [0] * concurrency
    deadline = time.perf_counter() + seconds

    def run(i: int) -> None:
        client = Client(headers)
        while time.perf_counter() < deadline:
            status, body, _, _ = client.get(path)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {body[:200]!r}")
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def measure(auth: dict, page: str, args) -> dict:
    variants = {
        "titles endpoint": (auth, page),
        "bare values()+orjson": ({}, "/bench/bare-titles/?territory=TH"),
        "bare values()+orjson, same fields": ({}, "/bench/bare-titles-same-fields/?territory=TH&lang=th"),
        "textbook ModelSerializer": (auth, "/bench/textbook-titles/?territory=TH"),
    }
    client = Client(auth)
    for headers, path in variants.values():  # warm every worker's caches and connections
        for _ in range(10):
            Client(headers).get(path)
    # Side by side: the variants take turns in 1-second slices (their order rotating), and each one's rate is
    # the median of its slices, so that the machine's drift (shared, noisy) moves every variant alike.
    slices = max(3, round(args.seconds))
    rates: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for index in range(slices):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            headers, path = variants[name]
            rates[name].append(throughput(headers, path, args.seconds / slices, args.concurrency))
    rps = {name: statistics.median(values) for name, values in rates.items()}
    page_ms = latencies(client, page, 200)
    _, body, headers, _ = client.get(page)
    revalidate_ms = latencies(client, page, 200, {"If-None-Match": headers.get("ETag")}, expect=304)
    floor_ms = latencies(Client({}), "/bench/floor-304/", 200, expect=304)
    # The deepest page: walk the cursors once, then time the last page against the first.
    cursor, deep_path = json.loads(body)["next_cursor"], page
    while cursor:
        deep_path = f"{page}&cursor={cursor}"
        cursor = json.loads(client.get(deep_path)[1])["next_cursor"]
    first_ms = latencies(client, page, 100)
    deep_ms = latencies(client, deep_path, 100)
    return {
        "rps": rps, "page_ms": page_ms, "revalidate_ms": revalidate_ms, "floor_ms": floor_ms, "first_ms": first_ms,
        "deep_ms": deep_ms,
    }  # fmt: skip


def server_start(env: dict[str, str], workers: int, threads: int = 2) -> subprocess.Popen:
    # Nothing is collected for a bench (as under `make run`); an empty STATIC_ROOT keeps WhiteNoise from warning.
    (BASE_DIR / "staticfiles").mkdir(exist_ok=True)
    process = subprocess.Popen(
        # The production server's settings (Dockerfile): threaded workers, so connections are kept alive.
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{PORT}", "-w", str(workers), "--log-level", "warning",
         "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "5", "migu_platform.wsgi:application"],
        cwd=BASE_DIR, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            conn.request("GET", "/bench/bare-titles/?territory=TH")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def figures_of(r: dict) -> dict:
    rps = r["rps"]
    return {
        "rps": {k: round(v, 1) for k, v in rps.items()},
        "ratio_vs_bare": round(rps["titles endpoint"] / rps["bare values()+orjson"], 2),
        "ratio_vs_bare_same_fields": round(rps["titles endpoint"] / rps["bare values()+orjson, same fields"], 2),
        "ratio_vs_textbook": round(rps["titles endpoint"] / rps["textbook ModelSerializer"], 2),
        "page50_median_ms": round(statistics.median(r["page_ms"]), 2),
        "page50_p95_ms": round(p95(r["page_ms"]), 2),
        "revalidate_304_median_ms": round(statistics.median(r["revalidate_ms"]), 2),
        "revalidate_304_p95_ms": round(p95(r["revalidate_ms"]), 2),
        # The same 304 from a view that does nothing: what the HTTP round trip itself costs here.
        "floor_304_median_ms": round(statistics.median(r["floor_ms"]), 2),
        "first_page_median_ms": round(statistics.median(r["first_ms"]), 2),
        "deep_page_median_ms": round(statistics.median(r["deep_ms"]), 2),
        "deep_vs_first": round(statistics.median(r["deep_ms"]) / statistics.median(r["first_ms"]), 2),
    }


def median_of(runs: list[dict]) -> dict:
    """Each figure's median over the rounds (ratios are medians of the per-round ratios)."""
    out: dict = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            out[key] = median_of([run[key] for run in runs])
        else:
            out[key] = round(statistics.median(run[key] for run in runs), 2)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench partner_api")
    parser.add_argument("--scale", choices=SCALES, default=os.environ.get("BENCH_SCALE", "demo"))
    parser.add_argument(
        "--seconds",
        type=float,
        default=5.0,
        help="seconds of throughput per variant, taken in 1-second slices with the variants alternating",
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (servers restarted); medians reported")
    # Module names given to `python -m bench` are not ours: only the options are read.
    args, _ = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    url = bench_database_url(args.scale)
    must_seed = database_ensure(url, reseed=args.reseed)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.partner_api_server"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if must_seed:
        seed(SCALES[args.scale])
    raw_key = api_key_issue()
    from django.db import connections

    connections.close_all()

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.partner_api_server"}
    auth = {"Authorization": f"Api-Key {raw_key}"}
    page = "/api/v1/titles/?territory=TH&lang=th&page_size=50"
    rounds: dict[str, list[dict]] = {"cached": [], "uncached": []}
    # Each round twice: with the titles page cache (what partners get while the catalogue is unchanged),
    # then with the cache off, so every request renders the page from PostgreSQL.
    for round_no in range(1, args.rounds + 1):
        for label, cache_seconds in (("cached", "120"), ("uncached", "0")):
            server = server_start({**env, "MIGU_API_LIST_CACHE_SECONDS": cache_seconds}, args.workers)
            try:
                rounds[label].append(figures_of(measure(auth, page, args)))
            finally:
                os.killpg(server.pid, 15)
                server.wait(30)
            print(f"round {round_no} {label}: {json.dumps(rounds[label][-1])}", flush=True)
    figures = {"scale": args.scale, "rounds": args.rounds, "median of rounds": {}}
    for label, runs in rounds.items():
        figures["median of rounds"][label] = median_of(runs)
    print(json.dumps(figures, indent=2), flush=True)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
