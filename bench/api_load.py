"""A bounded load run of the partner API through gunicorn on loopback: titles list, a title, playback and
event batches from N concurrent keep-alive clients for S seconds (default 50 × 60 s), against the p50 of
one client alone. Each client pauses between requests as a Locust user does (`--think 1,2`: a uniform pause
of 1 to 2 s after each response, Locust's `between(1, 2)`); `--think 0` drives the server flat out, which
measures throughput and queueing at saturation rather than latency under load. Reports p50/p95 and the error rate per endpoint and overall (429s counted apart: they
are the rate limit doing its job; any other 4xx or 5xx is an error), the CPU share of the load generator
and of the server, and the machine's load average. `make bench BENCH_ARGS="api_load --clients 50 --seconds 60"`
(`--workers N --threads N` for gunicorn).

The episodes played get a READY ladder row (issuing a playback URL needs one, not its files). When p95
is far above the single-client p50, `queueing_ms` (clients ÷ throughput, Little's law) shows whether
the wait is queueing for the server's cores rather than slower requests.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import resource
import statistics
import sys
import threading
import time

import orjson
import psutil

from bench.partner_api import PORT, SCALES, api_key_issue, bench_database_url, database_ensure, seed, server_start


def _request(conn, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def _plan(headers: dict) -> list[tuple[str, str, str, bytes | None]]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.request("GET", "/api/v1/titles/?territory=TH&lang=th&page_size=20", headers=headers)
    titles = orjson.loads(conn.getresponse().read())["results"]
    title_id = titles[0]["id"]
    conn.request("GET", f"/api/v1/titles/{title_id}/?territory=TH&lang=th", headers=headers)
    episodes = orjson.loads(conn.getresponse().read())["episodes"]
    counter = itertools.count()

    def events() -> bytes:
        n = next(counter)
        batch = [{"id": f"load-{os.getpid()}-{n}-{i}", "kind": "play", "occurred_at": "2026-01-01T00:00:00Z",
                  "user_id": f"u{i}", "country": "TH", "title_id": title_id} for i in range(10)]  # fmt: skip
        return orjson.dumps({"events": batch})

    return [
        ("titles", "GET", "/api/v1/titles/?territory=TH&lang=th&page_size=50", None),
        ("title", "GET", f"/api/v1/titles/{title_id}/?territory=TH&lang=th", None),
        ("playback", "GET", f"/api/v1/episodes/{episodes[0]['id']}/playback/?territory=TH", None),
        ("events", "POST", "/api/v1/events/", events),
    ]


def run(
    headers: dict, plan, clients: int, seconds: float, think: tuple[float, float] = (0.0, 0.0)
) -> dict[str, list[tuple[int, float]]]:
    results: dict[str, list[tuple[int, float]]] = {name: [] for name, *_ in plan}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        local: list[tuple[str, int, float]] = []
        pause = random.Random(index)
        if think[1] > 0:  # clients start spread over one pause, not all at once
            time.sleep(pause.uniform(0, think[1]))
        for step in itertools.count(index):
            if time.monotonic() >= deadline:
                break
            name, method, path, body = plan[step % len(plan)]
            payload = body() if callable(body) else body
            extra = {"Content-Type": "application/json"} if payload else {}
            try:
                status, elapsed = _request(conn, method, path, {**headers, **extra}, payload)
            except (OSError, http.client.HTTPException):
                status, elapsed = 0, 0.0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            local.append((name, status, elapsed))
            if think[1] > 0:
                time.sleep(pause.uniform(*think))
        with lock:
            for name, status, elapsed in local:
                results[name].append((status, elapsed))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    return results


def ladders_ready_ensure() -> int:
    """A READY ladder row for every episode without one: playback needs a live ladder, not its files."""
    from catalog.models import Episode
    from media.models import Ladder, LadderProfile, LadderStatus

    missing = Episode.objects.exclude(ladders__status=LadderStatus.READY).values_list("pk", flat=True)
    created = Ladder.objects.bulk_create(
        [
            Ladder(
                episode_id=pk,
                profile=LadderProfile.VERTICAL,
                source_checksum="bench",
                status=LadderStatus.READY,
                storage_prefix=f"hls/e{pk}/bench",
                duration_seconds=60.0,
            )
            for pk in missing.iterator()
        ],
        batch_size=2000,
    )
    return len(created)


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers)."""
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def generator_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench api_load")
    parser.add_argument("--scale", choices=SCALES, default="demo")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", default="1,2", help="each client's pause after a response: MIN,MAX seconds, or 0")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rate", default="", help="MIGU_API_KEY_RATE of the server (default: no limit)")
    args, _ = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    bounds = [float(x) for x in args.think.split(",")]
    think = (bounds[0], bounds[-1])
    url = bench_database_url(args.scale)
    must_seed = database_ensure(url, reseed=False)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.partner_api_server"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if must_seed:
        seed(SCALES[args.scale])
    print(f"ready ladders created: {ladders_ready_ensure()}", flush=True)
    from partners.models import ApiKey, ApiKeyScope

    raw_key = api_key_issue()
    ApiKey.objects.filter(prefix=raw_key.split("_")[1]).update(scopes=[s.value for s in ApiKeyScope])
    from django.db import connections

    connections.close_all()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.partner_api_server", "BENCH_API_KEY_RATE": args.rate}
    headers = {"Authorization": f"Api-Key {raw_key}"}
    server = server_start(env, args.workers, args.threads)
    try:
        plan = _plan(headers)
        single = run(headers, plan, 1, min(10.0, args.seconds))
        gunicorn = psutil.Process(server.pid)
        server_cpu, generator_cpu, wall = cpu_seconds(gunicorn), generator_cpu_seconds(), time.monotonic()
        loads: list[float] = []
        sampler_stop = threading.Event()

        def sample_load() -> None:
            while not sampler_stop.wait(5):
                loads.append(os.getloadavg()[0])

        sampler = threading.Thread(target=sample_load, daemon=True)
        sampler.start()
        loaded = run(headers, plan, args.clients, args.seconds, think)
        sampler_stop.set()
        wall = time.monotonic() - wall
        server_cpu, generator_cpu = cpu_seconds(gunicorn) - server_cpu, generator_cpu_seconds() - generator_cpu
    finally:
        server.terminate()
        server.wait(30)

    single_p50 = statistics.median([e for rows in single.values() for s, e in rows if s and s < 500]) * 1000
    cores = os.cpu_count() or 1
    figures: dict = {
        "clients": args.clients, "think_seconds": list(think), "seconds": args.seconds, "workers": args.workers, "threads": args.threads,
        "single_client_p50_ms": round(single_p50, 2),
        "single_client": {name: round(statistics.median([e for _, e in rows]) * 1000, 2)
                          for name, rows in single.items() if rows},
        # Shares of the machine's cores during the loaded run.
        "cpu_share_generator": round(generator_cpu / wall / cores, 3),
        "cpu_share_server": round(server_cpu / wall / cores, 3),
        "server_cpu_ms_per_request": None,
        "load_average_1m": {"min": min(loads, default=0.0), "max": max(loads, default=0.0), "cores": cores},
    }  # fmt: skip
    total = errors = throttled = 0
    all_times: list[float] = []
    for name, rows in loaded.items():
        times = [e * 1000 for s, e in rows if s]
        statuses: dict[int, int] = {}
        for status, _ in rows:
            statuses[status] = statuses.get(status, 0) + 1
        bad = sum(n for status, n in statuses.items() if status == 0 or (status >= 400 and status != 429))
        total += len(rows)
        errors += bad
        throttled += statuses.get(429, 0)
        all_times += times
        figures[name] = {"requests": len(rows), "p50_ms": round(percentile(times, 0.5), 2),
                         "p95_ms": round(percentile(times, 0.95), 2), "error_rate": round(bad / len(rows), 5) if rows else 0.0,
                         "statuses": {str(k): v for k, v in statuses.items()}}  # fmt: skip
    figures["requests_per_second"] = round(total / args.seconds, 1)
    figures["error_rate"] = round(errors / total, 5) if total else 0.0
    figures["throttled"] = throttled
    figures["p50_ms"] = round(percentile(all_times, 0.5), 2)
    figures["p95_ms"] = round(percentile(all_times, 0.95), 2)
    figures["mean_ms"] = round(statistics.fmean(all_times), 2) if all_times else 0.0
    # Little's law: with N clients always waiting on a request (no pause), mean latency = N ÷ throughput.
    figures["queueing_ms"] = round(args.clients / (total / args.seconds) * 1000, 2) if total and think[1] == 0 else None
    figures["server_cpu_ms_per_request"] = round(server_cpu * 1000 / total, 2) if total else None
    # The best any server on these cores could do: throughput ≤ cores ÷ CPU per request.
    figures["throughput_ceiling_rps"] = round(cores * 1000 / figures["server_cpu_ms_per_request"], 1) if total else None
    figures["offered_share_of_ceiling"] = (
        round(figures["requests_per_second"] / figures["throughput_ceiling_rps"], 2) if total else None
    )
    figures["p95_over_single_p50"] = round(figures["p95_ms"] / single_p50, 2) if single_p50 else None
    print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
    return figures
