"""Avails import throughput: a ~50 MB EMA Avails XML through the production import, on a throwaway database.

    python -m bench avails_import [--megabytes 50]

The file is MovieLabs' Avails_noErrors_v2.4.xml (24 transactions) repeated with a unique TransactionID,
ALID and title key per copy, so every transaction creates its drama and window. It is imported as
rights in (the avails_import job's path: avails.services.avails_import, one transaction, applied) in
a child process on a database created for the run and dropped at the end, whatever happens. It passes
no resolution, so every licensor and drama is created unasked: the file is a new catalogue by design,
and choosing for each name is the admin's and `import_avails`'s step, not the import's cost.
Reports ms per transaction (goal ≤ 1.7 ms) and the child's peak memory (ru_maxrss; goal < 512 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.rights_availability import throwaway_database

BASE_DIR = Path(__file__).resolve().parent.parent
SAMPLE = BASE_DIR / "avails/tests/data/movielabs/Avails_noErrors_v2.4.xml"
GOAL_MS_PER_TRANSACTION = 1.7
GOAL_PEAK_MB = 512


def avails_xml(megabytes: float) -> tuple[bytes, int]:
    """The sample's <Avail> elements repeated to about `megabytes`, ids made unique per copy."""
    text = SAMPLE.read_text(encoding="utf-8")
    head_end = text.index("<avails:Avail>")
    tail_start = text.rindex("</avails:Avail>") + len("</avails:Avail>")
    head, body, tail = text[:head_end], text[head_end:tail_start], text[tail_start:]
    transactions = body.count("TransactionID=")
    copies = max(1, int(megabytes * 1024 * 1024 / len(body.encode())))
    parts = [head]
    for copy in range(copies):
        unique = body.replace('TransactionID="', f'TransactionID="b{copy}-')
        unique = re.sub(r"<avails:ALID>([^<]*)</avails:ALID>", rf"<avails:ALID>\1-b{copy}</avails:ALID>", unique)
        unique = unique.replace('contentID="', f'contentID="b{copy}-')
        # EIDRs would merge the copies into the sample's few titles; each copy is titles of its own.
        unique = re.sub(r"<avails:(Edit|Title)EIDR-URN>[^<]*</avails:\1EIDR-URN>", "", unique)
        parts.append(unique)
    parts.append(tail)
    return "".join(parts).encode(), copies * transactions


def main(argv: list[str] | None = None) -> dict:
    """Create the throwaway database, import in a child process on it, drop it."""
    parser = argparse.ArgumentParser(prog="bench avails_import")
    parser.add_argument("--megabytes", type=float, default=50.0)
    args, _ = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    name = f"migu_bench_avails_{os.getpid()}"
    with throwaway_database(name) as database_url:
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url
        env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")  # required by settings, never used here
        env.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")
        result_path = Path(f"/tmp/{name}.json")
        subprocess.run(
            [sys.executable, "-m", "bench.avails_import", "--measure", str(result_path), "--megabytes",
             str(args.megabytes)],
            cwd=BASE_DIR, env=env, check=True,
        )  # fmt: skip
        results = json.loads(result_path.read_text())
        result_path.unlink()
        return results


def _measure(result_path: Path, megabytes: float) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from avails.services import avails_import

    data, transactions = avails_xml(megabytes)
    print(f"{len(data) / 1e6:.1f} MB, {transactions} transactions", flush=True)
    started = time.perf_counter()
    report = avails_import(data=data, source="bench.xml", direction="in")
    elapsed = time.perf_counter() - started
    counts = report.counts
    if not report.applied or counts["created"] != transactions:
        problems = [p.as_dict() for p in report.problems[:5]]
        raise SystemExit(f"the import did not apply every transaction: {counts}; first problems: {problems}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = {
        "file_mb": round(len(data) / 1e6, 1),
        "transactions": transactions,
        "seconds": round(elapsed, 1),
        "ms_per_transaction": round(elapsed * 1000 / transactions, 3),
        "peak_rss_mb": round(peak_mb),
        "goal_ms_per_transaction": GOAL_MS_PER_TRANSACTION,
        "goal_peak_mb": GOAL_PEAK_MB,
    }
    print(
        f"imported {transactions} transactions ({results['file_mb']} MB) in {elapsed:.1f} s: "
        f"{results['ms_per_transaction']} ms per transaction (goal ≤ {GOAL_MS_PER_TRANSACTION}), "
        f"peak memory {results['peak_rss_mb']} MB (goal < {GOAL_PEAK_MB})",
        flush=True,
    )
    result_path.write_text(json.dumps(results))


if __name__ == "__main__":
    if "--measure" in sys.argv:
        cli = argparse.ArgumentParser()
        cli.add_argument("--measure", type=Path)
        cli.add_argument("--megabytes", type=float, default=50.0)
        options = cli.parse_args()
        _measure(options.measure, options.megabytes)
    else:
        main(sys.argv[1:])
