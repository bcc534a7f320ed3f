"""Offline evaluation: a global time split, every eligible title ranked (no sampled negatives), NDCG@10,
recall@20 and catalogue coverage@10 per model, with paired bootstrap confidence intervals; and the choice of
the blend's weights on a validation split inside the training period (the test period is never seen)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommendations.ranking import (
    DEFAULT_WEIGHTS,
    PARTS,
    MatchingModel,
    matching_model_fit,
    matrix_build,
    part_scores,
    top_n,
    users_candidates,
    users_rank,
)

MODELS = ("random", "popularity_global", "popularity_territory_language", "item_knn", "als", "content", "blend")
BASELINE = "popularity_territory_language"
WEIGHT_GRID = (0.0, 1.0, 2.0)
COLD_WEIGHT_GRID = (0.0, 1.0, 2.0, 4.0)
# The product's floor for titles nobody has watched yet: their recall@20 at least this multiple of a random
# ranking's. A blend under it is not chosen while one above it exists.
COLD_REACH = 1.5
BATCH = 2000


@dataclass
class InteractionSet:
    """Positive (user, item) pairs with their confidence and time, users' territory|language, item features."""

    item_ids: np.ndarray
    user_keys: list[str]
    rows: np.ndarray
    cols: np.ndarray
    confidence: np.ndarray
    time: np.ndarray
    features: sp.csr_matrix

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.user_keys), len(self.item_ids)


@dataclass
class Split:
    train: sp.csr_matrix
    test: sp.csr_matrix  # binary, users × items
    users: np.ndarray  # users evaluated: some history before the cut and something new after it
    cold_items: np.ndarray  # bool: no interaction before the cut
    cutoff: float


def time_split(data: InteractionSet, train_share: float = 0.8) -> Split:
    """One global cut in time: pairs that start before it train, pairs that start after it test. A pair
    already seen in training is not a test positive (it would reward remembering)."""
    cutoff = float(np.quantile(data.time, train_share)) if len(data.time) else 0.0
    before = data.time < cutoff
    train = matrix_build(data.rows[before], data.cols[before], data.confidence[before], data.shape)
    test = matrix_build(data.rows[~before], data.cols[~before], np.ones((~before).sum()), data.shape)
    test = test - test.multiply(train != 0)
    test = sp.csr_matrix(test)
    test.eliminate_zeros()
    test.data[:] = 1.0
    users = np.flatnonzero((train.getnnz(axis=1) > 0) & (test.getnnz(axis=1) > 0))
    cold_items = train.getnnz(axis=0) == 0
    return Split(train=train, test=test, users=users, cold_items=cold_items, cutoff=cutoff)


def ndcg_at(top: np.ndarray, relevant: sp.csr_matrix, k: int = 10) -> np.ndarray:
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    hits = _hits(top[:, :k], relevant)
    dcg = (hits * discounts).sum(axis=1)
    ideal = np.array([discounts[: min(n, k)].sum() for n in relevant.getnnz(axis=1)])
    return np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)


def recall_at(top: np.ndarray, relevant: sp.csr_matrix, k: int = 20) -> np.ndarray:
    """Hits in the top k ÷ min(relevant, k)."""
    hits = _hits(top[:, :k], relevant).sum(axis=1)
    possible = np.minimum(relevant.getnnz(axis=1), k)
    return np.divide(hits, possible, out=np.zeros(len(hits)), where=possible > 0)


def coverage_at(top: np.ndarray, n_items: int, k: int = 10) -> float:
    """Share of the catalogue that appears in at least one top k."""
    shown = np.unique(top[:, :k])
    return float((shown >= 0).sum()) / max(n_items, 1)


def _hits(top: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    if top.size == 0:  # no queries (a data set without cold titles in its test period, for one)
        return np.zeros(top.shape)
    rows = np.repeat(np.arange(top.shape[0]), top.shape[1])
    cols = np.where(top >= 0, top, 0).ravel()
    found = np.asarray(relevant[rows, cols]).reshape(top.shape)
    return np.where(top >= 0, found, 0.0)


def paired_bootstrap(
    values: np.ndarray, baseline: np.ndarray, *, rounds: int = 1000, seed: int = 11
) -> tuple[float, float, float]:
    """The ratio of means (model ÷ baseline) and its 95% interval, users resampled in pairs."""
    rng = np.random.default_rng(seed)
    n = len(values)
    if n == 0 or baseline.mean() == 0:
        return float("nan"), float("nan"), float("nan")
    samples = rng.integers(0, n, size=(rounds, n))
    ratios = values[samples].mean(axis=1) / np.maximum(baseline[samples].mean(axis=1), 1e-12)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(values.mean() / baseline.mean()), float(low), float(high)


def rankings(
    model: MatchingModel, train: sp.csr_matrix, users: np.ndarray, user_keys: list[str], *, n: int = 20, seed: int = 3
) -> dict[str, np.ndarray]:
    """Each model's top n for `users` among every title they have not watched in training."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[np.ndarray]] = {name: [] for name in MODELS}
    for start in range(0, len(users), BATCH):
        batch = users[start : start + BATCH]
        user_items = train[batch]
        allowed = user_items.toarray() == 0
        parts = part_scores(
            model, user_items=user_items, popularity_keys=[[user_keys[u]] for u in batch],
            als_query=model.user_factors[batch],
        )  # fmt: skip
        singles = {
            "random": rng.random(allowed.shape, dtype=np.float32),
            "popularity_global": np.broadcast_to(model.popularity_global, allowed.shape),
            "popularity_territory_language": parts["popularity"],
            "item_knn": parts["knn"],
            "als": parts["als"],
            "content": parts["content"],
        }
        for name, scores in singles.items():
            out[name].append(top_n(np.where(allowed, scores, -np.inf).astype(np.float32), n)[0])
        # The blend as the matching job ranks users (recommendations.ranking.users_rank), every title licensed.
        out["blend"].append(
            users_rank(
                model, user_items=user_items, popularity_keys=[[user_keys[u]] for u in batch],
                als_query=model.user_factors[batch], n=n,
            )[0]
        )  # fmt: skip
    return {name: np.vstack(chunks) if chunks else np.zeros((0, n), dtype=int) for name, chunks in out.items()}


@dataclass
class WeightsTried:
    """One point of the blend's grid as measured on the validation period."""

    weights: dict[str, float]
    ndcg: float
    se: float  # standard error of the mean NDCG@10 over validation users
    cold_recall: float
    size: float


def random_recall_expected(allowed: np.ndarray, relevant: sp.csr_matrix, k: int = 20) -> np.ndarray:
    """Each query's expected recall@k under a uniformly random ranking of its allowed items."""
    n_allowed = allowed.sum(axis=1)
    hits = relevant.getnnz(axis=1) * np.minimum(k, n_allowed) / np.maximum(n_allowed, 1)
    possible = np.minimum(relevant.getnnz(axis=1), k)
    return np.divide(hits, possible, out=np.zeros(len(hits)), where=possible > 0)


def blend_choose(
    data: InteractionSet, params: dict[str, Any] | None = None, *, validation_share: float = 0.85
) -> tuple[dict[str, float], dict[str, Any]]:
    """The blend weights chosen on the last part of the training period (fit on the rest), among every
    combination of WEIGHT_GRID over the parts and COLD_WEIGHT_GRID for the cold titles' term whose cold-title
    recall@20 is at least COLD_REACH × a random ranking's (when the validation period has cold titles
    watched): of those within one standard error of the best NDCG@10, the one with the best cold-title
    recall@20. Returns (weights, what was measured)."""
    split = time_split(data, validation_share)
    if len(split.users) < 20:
        return dict(DEFAULT_WEIGHTS), {"validation_users": len(split.users), "chosen_by": "default (too few users)"}
    users = split.users[:BATCH]
    model = matching_model_fit(
        matrix=split.train, item_ids=data.item_ids, user_keys=data.user_keys, features=data.features, params=params
    )
    user_items = split.train[users]
    allowed = user_items.toarray() == 0
    # Each part's candidates as the user ranking takes them (recommendations.ranking.users_candidates).
    found = users_candidates(
        model, user_items=user_items, popularity_keys=[[data.user_keys[u]] for u in users],
        als_query=model.user_factors[users],
    )  # fmt: skip
    reciprocal = {name: matrix.toarray() for name, matrix in found.reciprocal.items()}
    tiebreak = 1e-6 * np.nan_to_num(found.popularity[found.which], neginf=0.0) / found.span
    relevant = split.test[users]
    cold_relevant = sp.csr_matrix(relevant.multiply(split.cold_items[np.newaxis, :].astype(np.float32)))
    cold_relevant.eliminate_zeros()
    cold_users = np.flatnonzero(cold_relevant.getnnz(axis=1) > 0)
    # In a catalogue so small that a random top 20 already holds most of it, the floor is capped at finding
    # every cold title watched (recall 1).
    cold_floor = (
        min(COLD_REACH * float(random_recall_expected(allowed[cold_users], cold_relevant[cold_users]).mean()), 1.0)
        if len(cold_users)
        else 0.0
    )
    results = []
    for combination in itertools.product(WEIGHT_GRID, repeat=len(PARTS)):
        if not any(combination):
            continue
        for cold_weight in COLD_WEIGHT_GRID:
            weights = {**dict(zip(PARTS, combination, strict=True)), "cold": cold_weight}
            fused = sum(w * reciprocal[name] for name, w in weights.items() if w) + tiebreak
            top = top_n(np.where(allowed, fused, -np.inf).astype(np.float32), 20)[0]
            cold_recall = float(recall_at(top[cold_users], cold_relevant[cold_users]).mean()) if len(cold_users) else 0
            ndcg = ndcg_at(top, relevant)
            results.append(
                WeightsTried(weights=weights, ndcg=float(ndcg.mean()), se=float(ndcg.std() / np.sqrt(len(ndcg))),
                             cold_recall=cold_recall, size=sum(combination) + cold_weight)
            )  # fmt: skip
    reaching = [r for r in results if not len(cold_users) or r.cold_recall >= cold_floor]
    pool = reaching or results
    # NDCG@10 first; weights within one standard error of the best are not told apart by it, and among those
    # the one that carries cold titles furthest wins (then the smallest weights).
    leader = max(pool, key=lambda r: r.ndcg)
    close = [r for r in pool if r.ndcg >= leader.ndcg - leader.se]
    best = max(close, key=lambda r: (r.cold_recall, r.ndcg, -r.size))
    return best.weights, {
        "validation_users": len(users),
        "validation_ndcg10": round(best.ndcg, 5),
        "validation_best_ndcg10": round(leader.ndcg, 5),
        "validation_cold_users": len(cold_users),
        "validation_cold_recall20": round(best.cold_recall, 5),
        "validation_cold_floor": round(cold_floor, 5),
        "chosen_by": "grid" if reaching else "grid (no weights reach the cold floor)",
    }


def evaluate(
    data: InteractionSet, params: dict[str, Any] | None = None, *, train_share: float = 0.8, rounds: int = 1000
) -> dict[str, Any]:
    """Every model's NDCG@10, recall@20, coverage@10 (and recall@20 on cold titles) on a global time split,
    each with its paired bootstrap interval against territory × language popularity."""
    split = time_split(data, train_share)
    train_data = InteractionSet(
        item_ids=data.item_ids, user_keys=data.user_keys, rows=data.rows[data.time < split.cutoff],
        cols=data.cols[data.time < split.cutoff], confidence=data.confidence[data.time < split.cutoff],
        time=data.time[data.time < split.cutoff], features=data.features,
    )  # fmt: skip
    weights, chosen = blend_choose(train_data, params)
    model = matching_model_fit(
        matrix=split.train, item_ids=data.item_ids, user_keys=data.user_keys, features=data.features,
        params=params, weights=weights,
    )  # fmt: skip
    tops = rankings(model, split.train, split.users, data.user_keys)
    relevant = split.test[split.users]
    cold_relevant = sp.csr_matrix(relevant.multiply(split.cold_items[np.newaxis, :].astype(np.float32)))
    cold_relevant.eliminate_zeros()
    cold_users = np.flatnonzero(cold_relevant.getnnz(axis=1) > 0)
    per_user = {
        name: {
            "ndcg@10": ndcg_at(top, relevant, 10),
            "recall@20": recall_at(top, relevant, 20),
            "cold_recall@20": recall_at(top[cold_users], cold_relevant[cold_users], 20),
        }
        for name, top in tops.items()
    }
    report: dict[str, Any] = {
        "users": int(data.shape[0]),
        "items": int(data.shape[1]),
        "interactions": len(data.rows),
        "test_users": len(split.users),
        "cold_items": int(split.cold_items.sum()),
        "cold_test_users": len(cold_users),
        "blend_weights": weights,
        "blend_choice": chosen,
        "models": {},
    }
    for name, top in tops.items():
        row: dict[str, Any] = {"coverage@10": coverage_at(top, data.shape[1], 10)}
        for metric, values in per_user[name].items():
            row[metric] = float(values.mean()) if len(values) else float("nan")
            ratio, low, high = paired_bootstrap(values, per_user[BASELINE][metric], rounds=rounds)
            row[f"{metric} vs {BASELINE}"] = [ratio, low, high]
        report["models"][name] = row
    return report
