"""The matching model's parts and how they are blended.

- ALS: implicit-feedback matrix factorisation (the `implicit` package) on the confidence matrix.
- Content: a user's (or a channel audience's) profile in the content feature space, against every title.
- Popularity by territory × language, shrunk towards the territory's and the global popularity.
- Item-kNN (cosine on co-occurrence): a baseline, and the "nearest titles its audience watched" of reasons.
- Random: the floor of the evaluation.

They are blended by rank (weighted reciprocal rank over each part's top candidates), with weights chosen by
offline evaluation (recommendations.evaluation.blend_choose), never by hand. Titles nobody has watched yet
have no ALS, kNN or popularity rank, so plain rank fusion never lifts them into a top 20; the blend gives
them one more term instead, their content rank among the cold titles alone (weight "cold", chosen by the
same evaluation under the constraint that cold titles reach rankings).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController, threadpool_limits

DEFAULT_PARAMS: dict[str, Any] = {
    "factors": 32,
    "regularization": 0.05,
    "alpha": 2.0,
    "iterations": 12,
    "knn_neighbours": 50,
    "popularity_shrinkage": 50.0,
    "seed": 7,
}
PARTS = ("als", "content", "popularity", "knn")
DEFAULT_WEIGHTS = {"als": 1.0, "content": 1.0, "popularity": 1.0, "knn": 0.0, "cold": 1.0}
BLEND_CANDIDATES = 200
RRF_K = 20.0
# Dimensions of the dense content embedding the user ranking scores with (see content_embed).
CONTENT_FACTORS = 64
NEG = np.float32(-np.inf)


def matrix_build(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """The users × items confidence matrix; pairs given twice are summed."""
    matrix = sp.csr_matrix((values.astype(np.float32), (rows, cols)), shape=shape, dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def als_fit(matrix: sp.csr_matrix, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """User and item factors of implicit's ALS on `matrix` (users × items confidences)."""
    from implicit.cpu.als import AlternatingLeastSquares

    # implicit parallelises over users itself; OpenBLAS threads inside each solve only contend with it.
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=params["factors"],
            regularization=params["regularization"],
            alpha=params["alpha"],
            iterations=params["iterations"],
            random_state=params["seed"],
        )
        model.fit(matrix, show_progress=False)
    return np.asarray(model.user_factors), np.asarray(model.item_factors)


def als_fold_in(item_factors: np.ndarray, user_rows: sp.csr_matrix, params: dict[str, Any]) -> np.ndarray:
    """Factors of users the model has not seen, from their interactions, without retraining (one
    least-squares solve per user against the trained item factors)."""
    from implicit.cpu.als import AlternatingLeastSquares

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=item_factors.shape[1], regularization=params["regularization"], alpha=params["alpha"]
        )
        model.item_factors = item_factors.astype(np.float32)
        model.user_factors = np.zeros((0, item_factors.shape[1]), dtype=np.float32)
        return np.asarray(model.recalculate_user(np.arange(user_rows.shape[0]), sp.csr_matrix(user_rows)))


def knn_build(matrix: sp.csr_matrix, neighbours: int) -> sp.csr_matrix:
    """Item × item cosine similarity on who watched what, keeping each item's `neighbours` nearest."""
    binary = matrix.copy().astype(np.float32)
    binary.data[:] = 1.0
    norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    scaled = binary @ sp.diags(1.0 / norms)
    similarity = sp.csr_matrix(scaled.T @ scaled, dtype=np.float32)
    similarity.setdiag(0)
    similarity.eliminate_zeros()
    rows, cols, vals = [], [], []
    for item in range(similarity.shape[0]):
        start, end = similarity.indptr[item], similarity.indptr[item + 1]
        if start == end:
            continue
        data, indices = similarity.data[start:end], similarity.indices[start:end]
        keep = np.argsort(-data)[:neighbours]
        rows.extend([item] * len(keep))
        cols.extend(indices[keep])
        vals.extend(data[keep])
    return sp.csr_matrix((vals, (rows, cols)), shape=similarity.shape, dtype=np.float32)


@dataclass
class MatchingModel:
    """Everything serving needs, aligned on `item_ids` (the titles the model knows, by drama id)."""

    item_ids: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    features: sp.csr_matrix
    interacted: np.ndarray  # items with at least one training interaction
    popularity_global: np.ndarray
    popularity_keys: list[str]
    popularity_table: np.ndarray  # keys × items, shrunk
    knn: sp.csr_matrix
    params: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {int(item): index for index, item in enumerate(self.item_ids)}
        self.key_position = {key: index for index, key in enumerate(self.popularity_keys)}

    @cached_property
    def content_factors(self) -> np.ndarray:
        """items × CONTENT_FACTORS: the content features' leading singular directions (see content_embed)."""
        return content_embed(self.features, CONTENT_FACTORS, seed=int(self.params.get("seed", 7)))

    def popularity_rows(self, keys: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(distinct popularity rows, which row each query uses): scores_popularity without one dense row per
        query."""
        distinct: dict[tuple[str, ...], int] = {}
        which = np.array([distinct.setdefault(tuple(k), len(distinct)) for k in keys], dtype=np.int64)
        rows = self.scores_popularity([list(k) for k in distinct])
        return rows, which

    # -- parts ------------------------------------------------------------------------------------------
    def scores_als(self, query: np.ndarray) -> np.ndarray:
        """queries × items; titles without interactions have no ALS score (-inf)."""
        scores = np.atleast_2d(query).astype(np.float32) @ self.item_factors.T
        scores[:, ~self.interacted] = NEG
        return scores

    def scores_content(self, profiles: sp.csr_matrix) -> np.ndarray:
        return np.asarray((profiles @ self.features.T).todense(), dtype=np.float32)

    def profiles_of(self, user_items: sp.csr_matrix) -> sp.csr_matrix:
        """Content profiles: the confidence-weighted sum of the feature vectors of what each user watched."""
        return sp.csr_matrix(user_items @ self.features)

    def scores_popularity(self, keys: list[list[str]]) -> np.ndarray:
        """For each query, the mean popularity over its territory|language keys (falling back to the
        territory's, then the global popularity when a key is unknown)."""
        out = np.zeros((len(keys), len(self.item_ids)), dtype=np.float32)
        for row, query_keys in enumerate(keys):
            found = [self.key_position[k] for k in query_keys if k in self.key_position]
            if not found:
                found = [
                    self.key_position[k.split("|")[0] + "|"]
                    for k in query_keys
                    if k.split("|")[0] + "|" in self.key_position
                ]
            out[row] = self.popularity_table[found].mean(axis=0) if found else self.popularity_global
        return out

    def scores_knn(self, user_items: sp.csr_matrix) -> np.ndarray:
        return np.asarray((user_items @ self.knn).todense(), dtype=np.float32)

    # -- artifact ---------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            item_ids=self.item_ids,
            user_factors=self.user_factors,
            item_factors=self.item_factors,
            interacted=self.interacted,
            popularity_global=self.popularity_global,
            popularity_keys=np.array(self.popularity_keys, dtype=str),
            popularity_table=self.popularity_table,
            features_data=self.features.data,
            features_indices=self.features.indices,
            features_indptr=self.features.indptr,
            features_shape=np.array(self.features.shape),
            knn_data=self.knn.data,
            knn_indices=self.knn.indices,
            knn_indptr=self.knn.indptr,
            knn_shape=np.array(self.knn.shape),
            params_keys=np.array(list(self.params), dtype=str),
            params_values=np.array([float(v) for v in self.params.values()]),
            weights_keys=np.array(list(self.weights), dtype=str),
            weights_values=np.array(list(self.weights.values()), dtype=float),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, payload: bytes) -> MatchingModel:
        """Raises ValueError (or OSError, KeyError) on a corrupt artifact."""
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            features = sp.csr_matrix(
                (data["features_data"], data["features_indices"], data["features_indptr"]),
                shape=tuple(data["features_shape"]),
            )
            knn = sp.csr_matrix(
                (data["knn_data"], data["knn_indices"], data["knn_indptr"]), shape=tuple(data["knn_shape"])
            )
            params: dict[str, Any] = {}
            for key, value in zip(data["params_keys"], data["params_values"], strict=True):
                params[str(key)] = int(value) if float(value).is_integer() else float(value)
            return cls(
                item_ids=data["item_ids"],
                user_factors=data["user_factors"],
                item_factors=data["item_factors"],
                features=features,
                interacted=data["interacted"],
                popularity_global=data["popularity_global"],
                popularity_keys=[str(k) for k in data["popularity_keys"]],
                popularity_table=data["popularity_table"],
                knn=knn,
                params=params,
                weights={str(k): float(v) for k, v in zip(data["weights_keys"], data["weights_values"], strict=True)},
            )


def popularity_build(
    matrix: sp.csr_matrix, user_keys: list[str], shrinkage: float
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Global popularity (share of users who watched each item) and, per territory|language and per
    territory| key, the same share shrunk towards the broader one by `shrinkage` pseudo-users."""
    binary = matrix.copy()
    binary.data[:] = 1.0
    n_users = max(matrix.shape[0], 1)
    global_share = np.asarray(binary.sum(axis=0)).ravel().astype(np.float32) / n_users
    territories = [key.split("|")[0] + "|" for key in user_keys]
    keys = sorted(set(user_keys) | set(territories))
    table = np.zeros((len(keys), matrix.shape[1]), dtype=np.float32)
    key_users: dict[str, list[int]] = {}
    for user, (key, territory) in enumerate(zip(user_keys, territories, strict=True)):
        key_users.setdefault(key, []).append(user)
        if territory != key:
            key_users.setdefault(territory, []).append(user)
    position = {key: index for index, key in enumerate(keys)}
    for key in sorted(keys, key=lambda k: k.endswith("|"), reverse=True):  # territories first
        users = key_users.get(key, [])
        counts = np.asarray(binary[users].sum(axis=0)).ravel() if users else np.zeros(matrix.shape[1])
        prior = global_share if key.endswith("|") else table[position[key.split("|")[0] + "|"]]
        table[position[key]] = (counts + shrinkage * prior) / (len(users) + shrinkage)
    return global_share, keys, table


def matching_model_fit(
    *,
    matrix: sp.csr_matrix,
    item_ids: np.ndarray,
    user_keys: list[str],
    features: sp.csr_matrix,
    params: dict[str, Any] | None = None,
    weights: dict[str, float] | None = None,
) -> MatchingModel:
    """Train every part on `matrix` (users × items confidences, items aligned with `item_ids` and the rows
    of `features`); `user_keys` are each user's territory|language."""
    params = {**DEFAULT_PARAMS, **(params or {})}
    if matrix.nnz:
        user_factors, item_factors = als_fit(matrix, params)
    else:
        user_factors = np.zeros((matrix.shape[0], params["factors"]), dtype=np.float32)
        item_factors = np.zeros((matrix.shape[1], params["factors"]), dtype=np.float32)
    popularity_global, keys, table = popularity_build(matrix, user_keys, params["popularity_shrinkage"])
    return MatchingModel(
        item_ids=item_ids,
        user_factors=user_factors.astype(np.float32),
        item_factors=item_factors.astype(np.float32),
        features=features,
        interacted=np.asarray((matrix != 0).sum(axis=0)).ravel() > 0,
        popularity_global=popularity_global,
        popularity_keys=keys,
        popularity_table=table,
        knn=knn_build(matrix, params["knn_neighbours"]),
        params=params,
        weights=dict(weights or DEFAULT_WEIGHTS),
    )


def part_scores(
    model: MatchingModel,
    *,
    user_items: sp.csr_matrix,
    popularity_keys: list[list[str]],
    als_query: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every part's scores (queries × items) for queries described by what they watched (`user_items`,
    queries × items), their territory|language keys and, when known, their ALS factors (else folded in)."""
    if als_query is None:
        als_query = (
            als_fold_in(model.item_factors, user_items, model.params)
            if user_items.nnz
            else np.zeros((user_items.shape[0], model.item_factors.shape[1]), dtype=np.float32)
        )
    scores = {
        "als": model.scores_als(als_query),
        "content": model.scores_content(model.profiles_of(user_items)),
        "popularity": model.scores_popularity(popularity_keys),
        "knn": model.scores_knn(user_items),
    }
    # A query with no history has no ALS, content or kNN signal: popularity alone ranks for it.
    empty = np.asarray(user_items.getnnz(axis=1)).ravel() == 0
    for name in ("als", "content", "knn"):
        scores[name][empty] = NEG
    return scores


def reciprocal_ranks(scores: np.ndarray, allowed: np.ndarray, candidates: int = BLEND_CANDIDATES) -> sp.csr_matrix:
    """queries × items: 1 / (RRF_K + rank) for each query's top `candidates` allowed items (scores of -inf
    are never candidates)."""
    masked = np.where(allowed, scores, NEG)
    n_queries, n_items = masked.shape
    take = min(candidates, n_items)
    if take == 0:
        return sp.csr_matrix((n_queries, n_items), dtype=np.float32)
    top = np.argpartition(-masked, take - 1, axis=1)[:, :take]
    top_scores = np.take_along_axis(masked, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_scores = np.take_along_axis(top_scores, order, axis=1)
    ranks = np.broadcast_to(np.arange(1, take + 1, dtype=np.float32), top.shape)
    values = np.where(np.isfinite(top_scores), 1.0 / (RRF_K + ranks), 0.0).astype(np.float32)
    rows = np.repeat(np.arange(n_queries), take)
    matrix = sp.csr_matrix((values.ravel(), (rows, top.ravel())), shape=(n_queries, n_items), dtype=np.float32)
    matrix.eliminate_zeros()
    return matrix


# Parts whose score is a share or a similarity: 0 means the part knows nothing of the title (nobody watched
# it, nothing near it was watched), and such a title must not collect a rank from it.
NONNEGATIVE_PARTS = ("popularity", "knn")


def part_signal(name: str, scores: np.ndarray) -> np.ndarray:
    """The scores a part ranks by: those of a non-negative part that are 0 become -inf (no rank)."""
    if name in NONNEGATIVE_PARTS:
        return np.where(scores > 0, scores, NEG)
    return scores


def cold_reciprocal_ranks(scores: dict[str, np.ndarray], allowed: np.ndarray, cold: np.ndarray) -> sp.csr_matrix:
    """The cold titles' term of the blend: 1 / (RRF_K + rank) of each cold title by content score among the
    allowed cold titles only (a query without history has no content score, hence no term)."""
    allowed = np.broadcast_to(allowed, scores["content"].shape)
    return reciprocal_ranks(scores["content"], allowed & cold[np.newaxis, :])


def blend(
    scores: dict[str, np.ndarray],
    weights: dict[str, float],
    allowed: np.ndarray,
    n: int,
    cold: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top `n` allowed items per query by weighted reciprocal rank; ties (and queries the parts cannot rank)
    fall back on popularity. `cold` marks titles without training interactions: they get the "cold" weight
    times their content rank among cold titles. Returns (indices, fused scores), queries × n, -1 where fewer
    items are allowed."""
    allowed = np.broadcast_to(allowed, next(iter(scores.values())).shape)
    fused = np.zeros(allowed.shape, dtype=np.float32)
    for name, weight in weights.items():
        if weight > 0 and name in scores:
            fused += weight * reciprocal_ranks(part_signal(name, scores[name]), allowed).toarray()
    if cold is not None and weights.get("cold", 0) > 0 and cold.any():
        fused += weights["cold"] * cold_reciprocal_ranks(scores, allowed, cold).toarray()
    # A popularity tie-breaker far below one rank step.
    tiebreak = scores.get("popularity", np.zeros_like(fused))
    span = np.nanmax(np.where(np.isfinite(tiebreak), np.abs(tiebreak), 0)) or 1.0
    ranked = np.where(allowed, fused + 1e-6 * np.nan_to_num(tiebreak, neginf=0) / span, NEG)
    return top_n(ranked, n)


def top_n(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of each row's n best finite scores, best first (-1 / -inf padding)."""
    n_queries, n_items = scores.shape
    take = min(n, n_items)
    if take == 0:
        return np.full((n_queries, n), -1), np.full((n_queries, n), NEG)
    top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_scores = np.take_along_axis(top_scores, order, axis=1)
    top = np.where(np.isfinite(top_scores), top, -1)
    if take < n:
        top = np.pad(top, ((0, 0), (0, n - take)), constant_values=-1)
        top_scores = np.pad(top_scores, ((0, 0), (0, n - take)), constant_values=NEG)
    return top, top_scores


# -- the user ranking: candidates per part, fused by reciprocal rank ---------------------------------------
def content_embed(features: sp.csr_matrix, dims: int, *, seed: int = 7) -> np.ndarray:
    """items × dims dense vectors whose dot products approximate those of the content features (their
    leading singular directions, by a randomised SVD): scoring every user against every title then costs a
    dense multiply, not a sparse product over tens of thousands of feature columns."""
    n_items, n_features = features.shape
    rank = min(dims, n_items, n_features)
    if rank == 0 or features.nnz == 0:
        return np.zeros((n_items, max(rank, 1)), dtype=np.float32)
    rng = np.random.default_rng(seed)
    matrix = sp.csr_matrix(features, dtype=np.float32)
    sample = np.asarray(matrix @ rng.standard_normal((n_features, min(rank + 10, n_items)), dtype=np.float32))
    for _ in range(3):  # power iterations: the spectrum of tf-idf features decays slowly
        basis = np.linalg.qr(sample)[0]
        sample = np.asarray(matrix @ np.asarray(matrix.T @ basis))
    basis = np.linalg.qr(sample)[0]
    small = np.asarray(matrix.T @ basis).T  # (rank + 10) × features
    left, values, _ = np.linalg.svd(small, full_matrices=False)
    return np.ascontiguousarray((basis @ left[:, :rank]) * values[:rank], dtype=np.float32)


@dataclass
class UserCandidates:
    """Each part's top candidates for a batch of queries, as (query rows, items, ranks) triplets (rank among
    the items the query may be shown, less what it watched; ranks beyond the part's candidates are absent),
    the items that fill a ranking in popularity order when the parts propose too few, and the popularity
    tie-breaker."""

    parts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    fill: tuple[np.ndarray, np.ndarray]
    shape: tuple[int, int]
    popularity: np.ndarray  # distinct popularity rows × items
    which: np.ndarray  # the popularity row of each query
    span: float

    @property
    def reciprocal(self) -> dict[str, sp.csr_matrix]:
        """Each part's candidates as a queries × items matrix of 1 / (RRF_K + rank)."""
        return {
            name: sp.csr_matrix(
                ((1.0 / (RRF_K + ranks)).astype(np.float32), (rows, cols)), shape=self.shape, dtype=np.float32
            )
            for name, (rows, cols, ranks) in self.parts.items()
        }


_EMPTY = np.zeros(0, dtype=np.int64)
# Past this many query × item cells (e.g. 2,000 × 32,000), what each query watched is looked up by binary
# search rather than in a dense boolean matrix.
_DENSE_WATCHED_CELLS = 64_000_000


class _Watched:
    """What each query of a batch watched, asked for many (query, item) pairs at once: a boolean matrix when
    the batch is small enough (one gather per lookup), else sorted row × n_items + item keys searched."""

    def __init__(self, watched: sp.csr_matrix) -> None:
        watched.sort_indices()
        self.n_items = watched.shape[1]
        self.counts = np.diff(watched.indptr)
        self.indptr, self.indices = watched.indptr, watched.indices
        self.dense: np.ndarray | None = None
        self.keys = _EMPTY
        if watched.shape[0] * watched.shape[1] <= _DENSE_WATCHED_CELLS:
            self.dense = np.zeros(watched.shape, dtype=bool)
            self.dense[np.repeat(np.arange(watched.shape[0]), self.counts), watched.indices] = True
        else:
            rows = np.repeat(np.arange(watched.shape[0], dtype=np.int64), self.counts)
            self.keys = rows * self.n_items + watched.indices  # sorted: CSR rows in order, columns sorted

    def of(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in `block`, item) of every item the queries `block` (query rows) watched."""
        starts, ends = self.indptr[block], self.indptr[block + 1]
        lengths = ends - starts
        positions = np.repeat(np.arange(len(block)), lengths)
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return positions, self.indices[np.repeat(starts, lengths) + offsets].astype(np.int64)

    def seen(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            return self.dense[rows, cols]
        if not len(self.keys):
            return np.zeros(np.shape(cols), dtype=bool)
        keys = np.asarray(rows, dtype=np.int64) * self.n_items + cols
        return self.keys[np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)] == keys


# The dense parts score queries in blocks of this many rows (a block of scores: rows × licensed items).
_DENSE_BLOCK = 1024
# A row's k best are looked for among the scores above a threshold read off every SAMPLE_STRIDE-th score,
# set so that about THRESHOLD_MARGIN × k scores pass it (rows where fewer than k do are selected in full).
SAMPLE_STRIDE = 8
THRESHOLD_MARGIN = 1.5


def top_k_select(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of each row's k best finite scores, best first (-1 / -inf padding), as top_n()
    answers, in time close to one pass over the scores: a threshold per row from a strided sample of its
    scores keeps a few times k candidates, which alone are partitioned and sorted."""
    n_rows, n_cols = scores.shape
    if n_rows == 0 or n_cols <= SAMPLE_STRIDE * THRESHOLD_MARGIN * k * 2:
        return top_n(scores, k)
    sample = scores[:, ::SAMPLE_STRIDE]
    depth = min(sample.shape[1] - 1, int(THRESHOLD_MARGIN * k / SAMPLE_STRIDE))
    threshold = np.partition(sample, sample.shape[1] - 1 - depth, axis=1)[:, sample.shape[1] - 1 - depth]
    flat = np.flatnonzero(scores >= threshold[:, np.newaxis])  # row-major: grouped by row
    if not len(flat):
        return top_n(scores, k)
    rows = flat // n_cols
    counts = np.bincount(rows, minlength=n_rows)
    short = np.flatnonzero(counts < k)  # a threshold set too high (or a row with few finite scores)
    starts = np.cumsum(counts) - counts
    width = max(int(counts.max()), k)
    padded = np.full(n_rows * width, NEG, dtype=scores.dtype)
    padded[rows * width + np.arange(len(flat)) - np.repeat(starts, counts)] = scores.ravel()[flat]
    top, top_scores = top_n(padded.reshape(n_rows, width), k)
    # A candidate's slot in its row's run of `flat` gives back its column.
    picked = flat[np.minimum(starts[:, np.newaxis] + np.maximum(top, 0), len(flat) - 1)]
    indices = np.where(top >= 0, picked - np.arange(n_rows)[:, np.newaxis] * n_cols, -1)
    if len(short):
        indices[short], top_scores[short] = top_n(scores[short], k)
    return indices, top_scores


def _dense_candidates(
    query: np.ndarray, factors: np.ndarray, items: np.ndarray, watched: _Watched, rows: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query rows, items, ranks) of the k best of `items` by query · factors for the queries `rows`, their
    watched items left out: the scores of a block of queries against the licensed items only (the rights
    mask applied before the multiply, never after), the watched set to -inf, then top_k_select."""
    take = min(k, len(items))
    if take == 0 or len(rows) == 0:
        return _EMPTY, _EMPTY, _EMPTY
    local = np.ascontiguousarray(factors[items], dtype=np.float32)
    position = np.full(watched.n_items, -1, dtype=np.int64)
    position[items] = np.arange(len(items))
    found_rows, found_cols, found_ranks = [], [], []
    for start in range(0, len(rows), _DENSE_BLOCK):
        block = rows[start : start + _DENSE_BLOCK]
        scores = np.ascontiguousarray(query[block], dtype=np.float32) @ local.T
        seen_rows, seen_cols = watched.of(block)
        seen_local = position[seen_cols]
        scores[seen_rows[seen_local >= 0], seen_local[seen_local >= 0]] = NEG
        best, best_scores = top_k_select(scores, take)
        valid = np.isfinite(best_scores) & (best >= 0)
        ranks = np.broadcast_to(np.arange(1, take + 1), best.shape)
        found_rows.append(np.broadcast_to(block[:, np.newaxis], best.shape)[valid])
        found_cols.append(items[best[valid]])
        found_ranks.append(ranks[valid])
    return (np.concatenate(found_rows).astype(np.int64), np.concatenate(found_cols).astype(np.int64),
            np.concatenate(found_ranks))  # fmt: skip


def _rowwise_best(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, ranks, values) of each row's k highest values among entries grouped by row (rows
    ascending): the entries are laid side by side per row and partitioned per row, never sorted as a whole."""
    if not len(rows) or k <= 0:
        return _EMPTY, _EMPTY, _EMPTY, np.zeros(0, dtype=np.float32)
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    padded = np.full((n_rows, int(counts.max())), -np.inf, dtype=values.dtype)
    padded_cols = np.full(padded.shape, -1, dtype=np.int64)
    position = np.arange(len(rows)) - starts[rows]
    padded[rows, position] = values
    padded_cols[rows, position] = cols
    top, top_scores = top_n(padded, k)
    valid = top >= 0
    best_cols = np.take_along_axis(padded_cols, np.maximum(top, 0), axis=1)
    ranks = np.broadcast_to(np.arange(1, top.shape[1] + 1), top.shape)
    best_rows = np.broadcast_to(np.arange(n_rows)[:, np.newaxis], top.shape)
    return best_rows[valid].astype(np.int64), best_cols[valid], ranks[valid], top_scores[valid]


def _sparse_candidates(
    scores: sp.csr_matrix, eligible: np.ndarray, watched: _Watched, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query rows, items, ranks) of each row's k best positive scores of a sparse queries × items matrix,
    among `eligible` items not watched."""
    n_rows = scores.shape[0]
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(scores.indptr))
    cols = scores.indices.astype(np.int64)
    keep = (scores.data > 0) & eligible[cols]
    keep[keep] = ~watched.seen(rows[keep], cols[keep])
    best_rows, best_cols, ranks, _values = _rowwise_best(rows[keep], cols[keep], scores.data[keep], n_rows, k)
    return best_rows, best_cols, ranks


def users_candidates(
    model: MatchingModel,
    *,
    user_items: sp.csr_matrix,
    popularity_keys: list[list[str]],
    als_query: np.ndarray,
    licensed: np.ndarray | None = None,
    n: int = 0,
    candidates: int = BLEND_CANDIDATES,
    parts: tuple[str, ...] = (*PARTS, "cold"),
) -> UserCandidates:
    """Every part's top `candidates` for queries described by what they watched (`user_items`), their
    territory|language keys and ALS factors, among `licensed` (item indices the queries' organization may
    show; None: every item) less what each watched. ALS and content score the licensed items only, in blocks
    (_dense_candidates: the multiply, then top_k_select); kNN and popularity by their (sparse, or shared per key) scores. The cold term ranks
    cold licensed titles by content among themselves. `n`: how many items a ranking needs (the fill).

    The offline evaluation's blend grid takes its candidates from here; the job ranks through users_rank,
    which finds the same candidates in compiled kernels and orders exact ties by the lower item index (the
    selections here may order exact ties otherwise)."""
    n_queries, n_items = user_items.shape
    shape = (n_queries, n_items)
    eligible = np.ones(n_items, dtype=bool) if licensed is None else np.zeros(n_items, dtype=bool)
    if licensed is not None:
        eligible[licensed] = True
    items = np.flatnonzero(eligible)
    watched_matrix = sp.csr_matrix(user_items)
    watched = _Watched(watched_matrix)
    history = np.flatnonzero(watched.counts > 0)
    found: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    if "als" in parts:
        found["als"] = _dense_candidates(
            als_query, model.item_factors, items[model.interacted[items]], watched, history, candidates
        )
    if "content" in parts or "cold" in parts:
        content_query = np.asarray(watched_matrix @ model.content_factors, dtype=np.float32)
        if "content" in parts:
            found["content"] = _dense_candidates(
                content_query, model.content_factors, items, watched, history, candidates
            )
        if "cold" in parts:
            found["cold"] = _dense_candidates(
                content_query, model.content_factors, items[~model.interacted[items]], watched, history, candidates
            )
    if "knn" in parts:
        found["knn"] = _sparse_candidates(sp.csr_matrix(watched_matrix @ model.knn), eligible, watched, candidates)
    popularity, which = model.popularity_rows(popularity_keys)
    finite = np.where(np.isfinite(popularity), np.abs(popularity), 0)
    span = float(finite.max()) if finite.size else 0.0
    # Popularity is one ranking per key: each query's list is its key's best items less what it watched.
    longest = int(watched.counts.max()) if n_queries else 0
    depth = min(max(candidates, n) + longest, len(items))
    pop_rows, pop_cols, pop_ranks, pop_positive = [], [], [], []
    for key in range(len(popularity)):
        queries = np.flatnonzero(which == key)
        if not len(queries) or depth == 0:
            continue
        row = popularity[key, items]
        best = items[np.argsort(-row, kind="stable")[:depth]]
        cols = np.broadcast_to(best, (len(queries), depth))
        rows = np.broadcast_to(queries[:, np.newaxis], cols.shape)
        fresh = ~watched.seen(rows, cols)
        ranks = np.cumsum(fresh, axis=1)
        keep = fresh & (ranks <= max(candidates, n))
        pop_rows.append(rows[keep])
        pop_cols.append(cols[keep])
        pop_ranks.append(ranks[keep])
        pop_positive.append(popularity[key, cols[keep]] > 0)
    fill_rows = np.concatenate(pop_rows) if pop_rows else _EMPTY
    fill_cols = np.concatenate(pop_cols) if pop_cols else _EMPTY
    fill_ranks = np.concatenate(pop_ranks) if pop_ranks else _EMPTY
    positive = np.concatenate(pop_positive) if pop_positive else np.zeros(0, dtype=bool)
    if "popularity" in parts:
        ranked = positive & (fill_ranks <= candidates)
        found["popularity"] = (fill_rows[ranked], fill_cols[ranked], fill_ranks[ranked])
        # The fill need not list again what the popularity part proposes.
        fill_rows, fill_cols = fill_rows[~ranked], fill_cols[~ranked]
    return UserCandidates(
        parts=found, fill=(fill_rows.astype(np.int64), fill_cols.astype(np.int64)), shape=shape,
        popularity=popularity, which=which, span=span or 1.0,
    )  # fmt: skip


def users_rank(
    model: MatchingModel,
    *,
    user_items: sp.csr_matrix,
    popularity_keys: list[list[str]],
    als_query: np.ndarray,
    n: int,
    licensed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The users' rankings as the matching job stores them and the offline evaluation measures them: top `n`
    of the titles their organization may show somewhere (`licensed`, item indices; None: all) less what
    they watched, by the blend's weighted reciprocal rank over each weighted part's top BLEND_CANDIDATES
    candidates, the titles that fill a ranking in popularity order added with no rank term, ties broken by
    popularity. Returns (indices, fused scores), queries × n, -1 / -inf where fewer.

    Every ordering is by score, then by the lower item index. ALS and content score the licensed items only
    (the rights mask applied before the multiply): BLAS multiplies a tile of queries by the licensed items'
    factors and ranking_kernels.dense_select takes each row's best in one pass, its watched items excluded;
    ranking_kernels.rows_fuse then does the kNN part, the popularity walk and the fusion row by row."""
    from recommendations import ranking_kernels

    weights = model.weights
    n_queries, n_items = user_items.shape
    eligible = np.ones(n_items, dtype=bool) if licensed is None else np.zeros(n_items, dtype=bool)
    if licensed is not None:
        eligible[licensed] = True
    items = np.flatnonzero(eligible)
    watched = sp.csr_matrix(user_items, dtype=np.float32, copy=True)
    watched.sort_indices()
    history = np.flatnonzero(np.diff(watched.indptr) > 0)
    candidates = BLEND_CANDIDATES
    dense_names = [name for name in ("als", "content", "cold") if weights.get(name, 0) > 0]
    dense = np.empty((len(dense_names), n_queries, candidates), dtype=np.int64)  # valid up to dense_count
    dense_count = np.zeros((len(dense_names), n_queries), dtype=np.int64)
    if len(history):
        # What the history rows watched, in the rows' order (rows without history hold no entries).
        history_indptr = np.append(watched.indptr[history], watched.indptr[-1]).astype(np.int64)
        if "als" in dense_names:
            slot = dense_names.index("als")
            _dense_best(
                query=als_query[history], factors=model.item_factors, items=items[model.interacted[items]],
                watched_indptr=history_indptr, watched_indices=watched.indices, k=candidates,
                out=dense[slot], out_count=dense_count[slot], rows=history,
            )  # fmt: skip
        if "content" in dense_names or "cold" in dense_names:
            content_query = np.asarray(watched @ model.content_factors, dtype=np.float32)[history]
            cold = dense_names.index("cold") if "cold" in dense_names else None
            if "content" in dense_names:
                slot = dense_names.index("content")
                _dense_best(
                    query=content_query, factors=model.content_factors, items=items,
                    watched_indptr=history_indptr, watched_indices=watched.indices, k=candidates,
                    out=dense[slot], out_count=dense_count[slot], rows=history,
                    subset=np.flatnonzero(~model.interacted[items]) if cold is not None else None,
                    subset_out=dense[cold] if cold is not None else None,
                    subset_count=dense_count[cold] if cold is not None else None,
                )  # fmt: skip
            elif cold is not None:
                _dense_best(
                    query=content_query, factors=model.content_factors, items=items[~model.interacted[items]],
                    watched_indptr=history_indptr, watched_indices=watched.indices, k=candidates,
                    out=dense[cold], out_count=dense_count[cold], rows=history,
                )  # fmt: skip
    popularity, which = model.popularity_rows(popularity_keys)
    finite = np.where(np.isfinite(popularity), np.abs(popularity), 0)
    span = float(finite.max()) if finite.size else 0.0
    # Popularity is one ranking per key: each row walks its key's most popular licensed items, skipping
    # what it watched, so no key's order need be longer than the fill plus the longest history.
    longest = int(np.diff(watched.indptr).max()) if n_queries else 0
    depth = min(max(candidates, n) + longest, len(items))
    popularity_order = np.full((len(popularity), depth), -1, dtype=np.int64)
    for key in range(len(popularity)):
        popularity_order[key] = items[_stable_best(popularity[key, items], depth)]
    popularity_positive = np.take_along_axis(popularity, np.maximum(popularity_order, 0), axis=1) > 0
    indices = np.empty((n_queries, n), dtype=np.int64)
    values = np.empty((n_queries, n), dtype=np.float32)
    knn = model.knn
    arguments = (
        watched.indptr.astype(np.int64), watched.indices.astype(np.int64), watched.data, eligible,
        knn.indptr, knn.indices, knn.data.astype(np.float32, copy=False),
        dense, dense_count, np.array([float(weights[name]) for name in dense_names], dtype=np.float64),
        float(max(weights.get("knn", 0.0), 0.0)), float(max(weights.get("popularity", 0.0), 0.0)),
        popularity_order, popularity_positive, np.ascontiguousarray(popularity, dtype=np.float32),
        which.astype(np.int64), span or 1.0, candidates, RRF_K, n, indices, values,
    )  # fmt: skip
    _in_threads(lambda first, last: ranking_kernels.rows_fuse(*arguments, first, last), n_queries)
    return indices, values


def _stable_best(values: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` highest values, highest first, ties by position: a stable argsort's first
    `depth`, sorting only the values at or above the depth-th highest."""
    if depth >= len(values):
        return np.argsort(-values, kind="stable")
    if depth == 0:
        return _EMPTY
    cut = np.partition(values, len(values) - depth)[len(values) - depth]
    near = np.flatnonzero(values >= cut)
    return near[np.argsort(-values[near], kind="stable")][:depth]


# Rows of queries multiplied at a time: a tile of scores (rows × licensed items, float32) stays in cache
# between the multiply and the selection.
DENSE_TILE = 64
_tiles = threading.local()


def _tile_buffer(rows: int, cols: int) -> np.ndarray:
    """A rows × cols float32 scratch array of this thread, reused across calls (its pages are touched once)."""
    buffer = getattr(_tiles, "buffer", None)
    if buffer is None or buffer.size < rows * cols:
        buffer = np.empty(rows * cols, dtype=np.float32)
        _tiles.buffer = buffer
    return buffer[: rows * cols].reshape(rows, cols)


def _dense_best(
    *,
    query: np.ndarray,
    factors: np.ndarray,
    items: np.ndarray,
    watched_indptr: np.ndarray,
    watched_indices: np.ndarray,
    k: int,
    out: np.ndarray,
    out_count: np.ndarray,
    rows: np.ndarray,
    subset: np.ndarray | None = None,
    subset_out: np.ndarray | None = None,
    subset_count: np.ndarray | None = None,
) -> None:
    """Into out[rows] (item ids, best first) and out_count[rows]: each query's best k of `items` by
    query · factors, what it watched (watched_indices[watched_indptr[i]:watched_indptr[i + 1]] for query
    i) excluded; and, given `subset` (positions in `items`), its best k among those into subset_out."""
    from recommendations import ranking_kernels

    take = min(k, len(items))
    subset_take = min(k, len(subset)) if subset is not None else 0
    if take == 0 and subset_take == 0:
        return
    local = np.ascontiguousarray(factors[items], dtype=np.float32)
    position = np.full(int(max(watched_indices.max(initial=0) + 1, items.max(initial=0) + 1)), -1, dtype=np.int64)
    position[items] = np.arange(len(items))
    watched_local = position[watched_indices]
    query = np.ascontiguousarray(query, dtype=np.float32)
    items = items.astype(np.int64, copy=False)
    rows = rows.astype(np.int64, copy=False)
    n_rows = len(query)
    subset = np.zeros(0, dtype=np.int64) if subset is None else subset.astype(np.int64)
    if subset_out is None or subset_count is None:
        subset_take, subset_out, subset_count = 0, out[:0], out_count[:0]

    def rows_select(first: int, last: int) -> None:
        # Multiply a tile and select from it while it is in cache, each thread on its own rows.
        for start in range(first, last, DENSE_TILE):
            stop = min(start + DENSE_TILE, last)
            tile = _tile_buffer(stop - start, len(items))
            np.matmul(query[start:stop], local.T, out=tile)
            ranking_kernels.dense_select(
                tile, watched_indptr[start : stop + 1], watched_local, items, rows[start:stop], take, out,
                out_count, subset, subset_take, subset_out, subset_count,
            )  # fmt: skip

    # One BLAS thread per tile: the rows are already split over the cores.
    with _blas_controller().limit(limits=1, user_api="blas"):
        _in_threads(rows_select, n_rows)


_pool: tuple[int, ThreadPoolExecutor] | None = None


@cache
def _blas_controller() -> ThreadpoolController:
    """The process's BLAS libraries, found once (threadpool_limits looks them up again on every call)."""
    return ThreadpoolController()


def _in_threads(work: Callable[[int, int], None], n_rows: int) -> None:
    """work(first, last) over rows 0..n_rows-1 split in one contiguous range per core, in threads (the
    kernels release the GIL); the first error is raised."""
    global _pool
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers == 1 or n_rows < 2 * DENSE_TILE:
        work(0, n_rows)
        return
    if _pool is None or _pool[0] != os.getpid():  # a pool's threads do not survive a fork
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ranking"))
    bounds = [n_rows * part // workers for part in range(workers + 1)]
    for future in [_pool[1].submit(work, bounds[part], bounds[part + 1]) for part in range(workers)]:
        future.result()
