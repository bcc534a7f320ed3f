"""The matching model at scale: 200,000 users × 20,000 titles × 3,000,000 generated interactions.

Measures, medians of several rounds, against the bare baselines on the same matrix:

- training per iteration (recommendations.ranking.als_fit: matrix build included) ÷ the bare
  `implicit` fit per iteration                                                        goal ≤ 1.2×
- scoring and top-k for every user with a rights mask (each organization's users against only the titles it
  may show: recommendations.ranking.top_k_licensed) ÷ the bare user × item matrix multiply (the faster of
  OpenBLAS's own threads and one thread)                                                         goal ≤ 2×
- peak memory (resident set, the process's maximum)

`python -m bench matching [--scale small]`. Serving a stored line-up against the titles list is measured by
bench/matching_serving.py (through gunicorn, on the partner API bench's catalogue).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time

import numpy as np

SCALES = {
    "full": {"users": 200_000, "items": 20_000, "interactions": 3_000_000, "rounds": 3},
    "small": {"users": 20_000, "items": 2_000, "interactions": 300_000, "rounds": 3},
}
ORGANIZATIONS = 20
FACTORS = 64
ITERATIONS = 3
TOP_K = 50


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> dict:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")
    import django

    django.setup()
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    from recommendations.generator import bulk_interactions
    from recommendations.ranking import DEFAULT_PARAMS, als_fit, matrix_build, top_k_licensed

    scale = SCALES["small" if "--scale" in sys.argv and "small" in sys.argv else "full"]
    started = time.monotonic()
    rows, cols, confidence = bulk_interactions(
        users=scale["users"], items=scale["items"], interactions=scale["interactions"]
    )
    print(f"generated {len(rows):,} interactions in {time.monotonic() - started:.1f} s", flush=True)
    params = {**DEFAULT_PARAMS, "factors": FACTORS, "iterations": ITERATIONS}
    shape = (scale["users"], scale["items"])

    ours, bare = [], []
    for _ in range(scale["rounds"]):
        t = time.perf_counter()
        matrix = matrix_build(rows, cols, confidence, shape)
        user_factors, item_factors = als_fit(matrix, params)
        ours.append((time.perf_counter() - t) / ITERATIONS)
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=FACTORS, regularization=params["regularization"], alpha=params["alpha"],
                iterations=ITERATIONS, random_state=params["seed"],
            )  # fmt: skip
            t = time.perf_counter()
            model.fit(matrix, show_progress=False)
            bare.append((time.perf_counter() - t) / ITERATIONS)
    train_ratio = statistics.median(ours) / statistics.median(bare)
    print(
        f"training per iteration: ours {statistics.median(ours):.2f} s, bare implicit {statistics.median(bare):.2f} s"
        f" → {train_ratio:.2f}× (goal ≤ 1.2×)",
        flush=True,
    )

    # Rights: each organization may show a random 60% of the catalogue; users belong to one organization.
    rng = np.random.default_rng(3)
    user_org = rng.integers(0, ORGANIZATIONS, size=scale["users"])
    may_show = rng.random((ORGANIZATIONS, scale["items"])) < 0.6
    user_factors = user_factors.astype(np.float32)
    item_factors = item_factors.astype(np.float32)
    plain, plain_one, masked = [], [], []
    licensed = [np.flatnonzero(may_show[org]) for org in range(ORGANIZATIONS)]
    members = [np.flatnonzero(user_org == org) for org in range(ORGANIZATIONS)]
    for _ in range(scale["rounds"]):
        # The bare multiply, with OpenBLAS's own threads and held to one (whichever is faster is the floor).
        t = time.perf_counter()
        for start in range(0, scale["users"], 8192):
            np.dot(user_factors[start : start + 8192], item_factors.T)
        plain.append(time.perf_counter() - t)
        with threadpool_limits(1, "blas"):
            t = time.perf_counter()
            for start in range(0, scale["users"], 8192):
                np.dot(user_factors[start : start + 8192], item_factors.T)
            plain_one.append(time.perf_counter() - t)
        t = time.perf_counter()
        for org in range(ORGANIZATIONS):
            top_k_licensed(user_factors[members[org]], item_factors, licensed[org], TOP_K)
        masked.append(time.perf_counter() - t)
    floor = min(statistics.median(plain), statistics.median(plain_one))
    score_ratio = statistics.median(masked) / floor
    print(
        f"scoring + top-{TOP_K} with the rights mask, every user (recommendations.ranking.top_k_licensed): "
        f"{statistics.median(masked):.2f} s; bare matrix multiply {statistics.median(plain):.2f} s "
        f"(one BLAS thread {statistics.median(plain_one):.2f} s) → {score_ratio:.2f}× the faster (goal ≤ 2×); "
        f"rounds: masked {[round(x, 2) for x in masked]}, bare {[round(x, 2) for x in plain]}, "
        f"bare one thread {[round(x, 2) for x in plain_one]}",
        flush=True,
    )
    peak = _peak_mb()
    print(f"peak memory (max RSS): {peak:.0f} MB", flush=True)
    return {"train_ratio": train_ratio, "score_ratio": score_ratio, "peak_mb": peak}
