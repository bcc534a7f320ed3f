"""The matching model at scale: 200,000 users × 20,000 titles × 3,000,000 generated interactions.

Measures, medians of several rounds, against the bare baselines on the same matrix:

- training per iteration (recommendations.ranking.als_fit: matrix build included) ÷ the bare
  `implicit` fit per iteration                                                        goal ≤ 1.2×
- scoring and top-k for every user with the rights mask, as the matching job ranks users: each
  organization's users, in batches of 2,000, through recommendations.ranking.users_rank (every part's
  candidates among the titles the organization may show, less what each user watched, fused by reciprocal
  rank with the cold-title term; the evaluation's blend weights) ÷ the bare user × item matrix multiply
  (the faster of OpenBLAS's own threads and one thread)                                          goal ≤ 2×
- peak memory (resident set, the process's maximum)

The ranking is timed after one batch has run (the compiled kernels' load, or their compilation on a machine
that has not cached them yet, is printed apart: a worker pays it once for every batch it ranks).

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
STORED = 100  # recommendations.matching.USER_ITEMS_STORED
BATCH = 2000  # the matching job's batch of users
WEIGHTS = {"als": 1.0, "content": 1.0, "popularity": 2.0, "knn": 2.0, "cold": 2.0}  # as evaluated
TERRITORIES = ("TH", "VN", "ID", "PH", "MY", "SG", "BR", "MX")
LANGUAGES = ("en", "th", "vi", "id")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> dict:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")
    import django

    django.setup()
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    from recommendations.features import TitleDescription, content_features
    from recommendations.generator import bulk_interactions, titles_generate
    from recommendations.ranking import (
        DEFAULT_PARAMS,
        MatchingModel,
        als_fit,
        knn_build,
        matrix_build,
        popularity_build,
        users_rank,
    )

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
    user_keys = [
        f"{TERRITORIES[t]}|{LANGUAGES[lang]}"
        for t, lang in zip(
            rng.integers(0, len(TERRITORIES), scale["users"]), rng.integers(0, len(LANGUAGES), scale["users"]),
            strict=True,
        )
    ]  # fmt: skip
    titles = titles_generate(scale["items"], np.random.default_rng(1), days=120.0)
    features = content_features(
        [
            TitleDescription(
                drama_id=t.index, genres=t.genres, tropes=t.tropes, original_language=t.original_language,
                languages=t.languages, format=t.format, synopses=[t.synopsis],
            )
            for t in titles
        ]
    ).matrix  # fmt: skip
    popularity_global, keys, table = popularity_build(matrix, user_keys, params["popularity_shrinkage"])
    model = MatchingModel(
        item_ids=np.arange(scale["items"]), user_factors=user_factors.astype(np.float32),
        item_factors=item_factors.astype(np.float32), features=features,
        interacted=np.asarray(matrix.getnnz(axis=0)).ravel() > 0, popularity_global=popularity_global,
        popularity_keys=keys, popularity_table=table, knn=knn_build(matrix, params["knn_neighbours"]),
        params=params, weights=dict(WEIGHTS),
    )  # fmt: skip
    t = time.perf_counter()
    model.content_factors  # noqa: B018 -- computed once per model, with the fit; not part of scoring
    print(
        f"model ready ({features.shape[1]} content features, {int((~model.interacted).sum())} cold titles); "
        f"content embedding {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    user_factors = model.user_factors
    item_factors = model.item_factors
    plain, plain_one, masked = [], [], []
    licensed = [np.flatnonzero(may_show[org]) for org in range(ORGANIZATIONS)]
    members = [np.flatnonzero(user_org == org) for org in range(ORGANIZATIONS)]
    # The ranking kernels are compiled once per machine (numba's cache) and loaded once per process: a worker
    # ranks many batches after that, so the rounds are timed warm; the first batch's time is shown apart.
    batch = members[0][:BATCH]
    t = time.perf_counter()
    users_rank(
        model, user_items=matrix[batch], popularity_keys=[[user_keys[u]] for u in batch],
        als_query=user_factors[batch], n=STORED, licensed=licensed[0],
    )  # fmt: skip
    warm_up = time.perf_counter() - t
    print(f"first batch (kernels compiled or loaded from numba's cache): {warm_up:.2f} s", flush=True)
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
            for start in range(0, len(members[org]), BATCH):
                batch = members[org][start : start + BATCH]
                users_rank(
                    model, user_items=matrix[batch], popularity_keys=[[user_keys[u]] for u in batch],
                    als_query=user_factors[batch], n=STORED, licensed=licensed[org],
                )  # fmt: skip
        masked.append(time.perf_counter() - t)
    floor = min(statistics.median(plain), statistics.median(plain_one))
    score_ratio = statistics.median(masked) / floor
    print(
        f"the job's user ranking with the rights mask, every user (recommendations.ranking.users_rank, top "
        f"{STORED}): {statistics.median(masked):.2f} s; bare matrix multiply {statistics.median(plain):.2f} s "
        f"(one BLAS thread {statistics.median(plain_one):.2f} s) → {score_ratio:.2f}× the faster (goal ≤ 2×); "
        f"rounds: ranking {[round(x, 2) for x in masked]}, bare {[round(x, 2) for x in plain]}, "
        f"bare one thread {[round(x, 2) for x in plain_one]}",
        flush=True,
    )
    peak = _peak_mb()
    print(f"peak memory (max RSS): {peak:.0f} MB", flush=True)
    return {"train_ratio": train_ratio, "score_ratio": score_ratio, "peak_mb": peak, "warm_up_s": warm_up}
