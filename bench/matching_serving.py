"""Serving a stored line-up against the titles list, at the same scale, through gunicorn on loopback.

    python -m bench matching_serving [--scale demo|large] [--rounds N] [--requests N] [--reseed]

The catalogue is bench/partner_api.py's (its seed: 300 or 3,000 published titles, every one licensed to
the bench partner in TH), in a database of its own (`<DATABASE_URL name>_bench_<scale>_matching`). On top,
a live matching version with the bench partner's TH channel's line-up of 50 titles with their reasons, and
one user's stored ranking of 100 titles, written as rows (the matching job's output, without the job).

Per round (a fresh server, page caches off so every request is rendered): p50 / p95 of 50-title pages of
GET /api/v1/titles/, GET /api/v1/channels/{id}/recommendations/ and GET /api/v1/users/{ref}/recommendations/,
and the line-up's p95 ÷ the titles list's p95 (goal ≤ 2×). Medians of the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

from bench import partner_api
from bench.partner_api import SCALES, Client, database_ensure, latencies, p95, server_start

USER_REF = "bench-viewer-1"
LINEUP_LENGTH = 50


def matching_seed() -> int:
    """A live version with the bench partner's channel line-up and one user's ranking; returns the channel id."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from catalog.models import Drama
    from partners.models import Channel, Organization
    from recommendations.models import (
        ChannelLineup,
        MatchingModelStatus,
        MatchingModelVersion,
        UserRecommendation,
    )

    partner = Organization.objects.get(slug="bench-partner")
    existing = Channel.objects.filter(organization=partner, slug="bench-app").first()
    if existing is not None and ChannelLineup.objects.filter(channel=existing, version__is_live=True).exists():
        return existing.pk
    now = timezone.now()
    ids = list(Drama.objects.order_by("-id").values_list("id", flat=True)[:200])
    with transaction.atomic():
        channel = existing or Channel.objects.create(
            organization=partner, name="Bench app", slug="bench-app", territories=["TH"], languages=["th"]
        )
        MatchingModelVersion.objects.filter(is_live=True).update(is_live=False, status=MatchingModelStatus.RETIRED)
        version = MatchingModelVersion.objects.create(
            status=MatchingModelStatus.LIVE, is_live=True, data_since=now - dt.timedelta(days=180), data_until=now,
            period_start=now, period_end=now + dt.timedelta(days=7), activated_at=now,
        )  # fmt: skip
        entries = [
            {
                "title_id": title_id, "rank": rank, "score": round(1 / (20 + rank), 6),
                "demand_index": round(100 * 35 / (20 + rank), 1), "primary_trope": f"trope-{rank % 20}",
                "reasons": {
                    "nearest_watched": [{"title_id": ids[(rank + k) % len(ids)], "similarity": 0.4} for k in (1, 2, 3)],
                    "tropes": [{"trope": f"trope-{rank % 20}", "lift": 1.8}, {"trope": "trope-7", "lift": 1.2}],
                    "languages": ["th"],
                    "popularity": [{"territory": "TH", "language": "th", "rank": rank, "share": 0.01}],
                    "cold_title": rank % 9 == 0,
                    "part_ranks": {"als": rank, "content": rank + 3, "popularity": rank + 1, "knn": rank + 2},
                },
            }
            for rank, title_id in enumerate(ids[:LINEUP_LENGTH], 1)
        ]  # fmt: skip
        ChannelLineup.objects.create(
            version=version, organization=partner, channel=channel, entries=entries, audience_users=5000
        )
        UserRecommendation.objects.create(
            version=version, organization=partner, user_ref=USER_REF,
            items=[[title_id, round(1 / (20 + rank), 6)] for rank, title_id in enumerate(ids[:100], 1)],
        )  # fmt: skip
    return channel.pk


def figures_of(timings: dict[str, list[float]]) -> dict:
    out: dict = {}
    for name, values in timings.items():
        out[f"{name} p50 ms"] = round(statistics.median(values), 2)
        out[f"{name} p95 ms"] = round(p95(values), 2)
    out["line-up p95 ÷ titles p95"] = round(out["line-up p95 ms"] / out["titles p95 ms"], 2)
    out["user p95 ÷ titles p95"] = round(out["user p95 ms"] / out["titles p95 ms"], 2)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench matching_serving")
    parser.add_argument("--scale", choices=SCALES, default=os.environ.get("BENCH_SCALE", "demo"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint and round")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--reseed", action="store_true")
    args, _ = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    url = partner_api.bench_database_url(f"{args.scale}_matching")
    must_seed = database_ensure(url, reseed=args.reseed)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.partner_api_server"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    if must_seed:
        partner_api.seed(SCALES[args.scale])
    channel_id = matching_seed()
    raw_key = partner_api.api_key_issue()
    connections.close_all()

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.partner_api_server"}
    auth = {"Authorization": f"Api-Key {raw_key}"}
    paths = {
        "titles": "/api/v1/titles/?territory=TH&lang=th&page_size=50",
        "line-up": f"/api/v1/channels/{channel_id}/recommendations/?territory=TH&lang=th&limit=50",
        "user": f"/api/v1/users/{USER_REF}/recommendations/?channel={channel_id}&territory=TH&lang=th&limit=50",
    }
    rounds = []
    for round_no in range(1, args.rounds + 1):
        server = server_start({**env, "MIGU_API_LIST_CACHE_SECONDS": "0"}, args.workers)
        try:
            client = Client(auth)
            for path in paths.values():  # warm every worker's connections and caches
                for _ in range(20):
                    Client(auth).get(path)
            body = json.loads(client.get(paths["line-up"])[1])
            if len(body.get("results") or []) != LINEUP_LENGTH or not body["results"][0]["reasons"]:
                raise RuntimeError(f"the line-up served is not the one stored: {str(body)[:300]}")
            body = json.loads(client.get(paths["user"])[1])
            if body.get("source") != "model" or len(body.get("results") or []) != LINEUP_LENGTH:
                raise RuntimeError(f"the user's ranking served is not the one stored: {str(body)[:300]}")
            # Interleaved, so a busy moment of the machine falls on every endpoint alike.
            timings: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(args.requests):
                for name, path in paths.items():
                    timings[name].extend(latencies(client, path, 1))
            rounds.append(figures_of(timings))
        finally:
            os.killpg(server.pid, 15)
            server.wait(30)
        print(f"round {round_no}: {json.dumps(rounds[-1])}", flush=True)
    figures = {
        "scale": args.scale,
        "rounds": args.rounds,
        "median of rounds": {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]},
    }
    print(json.dumps(figures, indent=2), flush=True)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
