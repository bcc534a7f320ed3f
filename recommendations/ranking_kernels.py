"""Compiled kernels of the user ranking (recommendations.ranking.users_rank), one pass per row.

Every ordering here is the same total order: a higher score first and, between equal scores, the lower item
index first. Scores are compared as their float32 bits made order-preserving (`_ordered`: unsigned, larger
is better, -0.0 and 0.0 one value), so that a row's best k are found with few unpredictable branches: a
threshold on those bits found by halving (each step a vectorised count), then each kept candidate's rank
counted against the others. -inf is never a candidate.

- dense_select: the rights-filtered score block of a batch (BLAS's product of the queries and the licensed
  items' factors) → each row's best `k`, what the row watched excluded: one vectorised pass for the peaks
  of groups of scores, then only the groups that can hold one of the k best.
- rows_fuse: per row, the item-kNN part (the sparse product of what the row watched and the kNN matrix,
  accumulated in a dense scratch row), the popularity part and the fill, then the weighted reciprocal-rank
  fusion of every part's candidates with the popularity tie-breaker, and the row's best `n`.

The kernels release the GIL: the caller runs them on ranges of rows in threads, each with its own scratch.
"""

from __future__ import annotations

import numba as nb
import numpy as np

NEG = np.float32(-np.inf)
_LOW = np.uint64(0xFFFFFFFF)
_SIGN = np.uint64(0x80000000)
# The ordered bits of -inf: a finite score's are larger.
_NEG_ORDERED = np.uint64(0x007FFFFF)
# A dense row is read in this many slices (see _peaks).
GROUP = 16
# Halvings of the interval where a dense row's threshold is looked for (see _row_select).
BISECTIONS = 8


@nb.njit(inline="always", cache=True)
def _ordered(bits: np.uint32) -> np.uint64:
    """A float32's bits as an unsigned integer in the floats' order (-0.0 as 0.0)."""
    wide = np.uint64(bits)
    flip = (np.uint64(0) - (wide >> np.uint64(31))) | _SIGN
    ordered = (wide ^ flip) & _LOW
    return ordered + np.uint64(ordered == np.uint64(0x7FFFFFFF))


@nb.njit(inline="always", cache=True)
def _threshold(ordered: np.ndarray, m: int, k: int) -> np.uint64:
    """The largest T with at least k of ordered[:m] ≥ T (0 when m < k): the k-th highest, bit by bit."""
    threshold = np.uint64(0)
    if m < k:
        return threshold
    for bit in range(31, -1, -1):
        trial = threshold | (np.uint64(1) << np.uint64(bit))
        count = 0
        for i in range(m):
            count += ordered[i] >= trial
        if count >= k:
            threshold = trial
    return threshold


@nb.njit(inline="always", cache=True)
def _select(ordered: np.ndarray, index: np.ndarray, m: int, k: int, keys: np.ndarray, out: np.ndarray) -> int:
    """The best min(k, m) of the candidates (ordered[:m], index[:m]) by (score, then lower index): their
    indices into out, best first; returns how many."""
    threshold = _threshold(ordered, m, k)
    kept = 0
    for i in range(m):
        if ordered[i] > threshold:
            keys[kept] = (ordered[i] << np.uint64(32)) | (_LOW - np.uint64(index[i]))
            kept += 1
    if kept < k and m > kept:
        # Ties at the threshold: the lower indices first.
        ties = np.empty(m - kept, dtype=np.int64)
        tied = 0
        for i in range(m):
            if ordered[i] == threshold:
                ties[tied] = index[i]
                tied += 1
        ties = np.sort(ties[:tied])
        for t in range(min(k - kept, tied)):
            keys[kept] = (threshold << np.uint64(32)) | (_LOW - np.uint64(ties[t]))
            kept += 1
    # Each key's place is the number of keys above it (keys are distinct: indices are).
    for i in range(kept):
        key = keys[i]
        above = 0
        for j in range(kept):
            above += keys[j] > key
        out[above] = np.int64(_LOW - (key & _LOW))
    return kept


@nb.njit(inline="always", cache=True)
def _peaks(scores: np.ndarray, peaks: np.ndarray) -> int:
    """The highest score of each group into peaks; returns the number of groups. Group c holds the scores at
    c, c + width, c + 2 × width, ... (GROUP of them, width = ceil(n / GROUP)): so taking the peaks is an
    elementwise maximum of GROUP contiguous slices, which vectorises."""
    n = scores.shape[0]
    width = (n + GROUP - 1) // GROUP
    for c in range(width):
        peaks[c] = scores[c]
    for t in range(1, GROUP):
        start = t * width
        for c in range(min(width, n - start)):
            score = scores[start + c]
            peaks[c] = score if score > peaks[c] else peaks[c]
    return width


@nb.njit(inline="always", cache=True)
def _row_select(
    scores: np.ndarray, bits: np.ndarray, k: int, peaks: np.ndarray, groups: np.ndarray, ordered: np.ndarray,
    index: np.ndarray, keys: np.ndarray, out: np.ndarray,
) -> int:  # fmt: skip
    """The positions of a row's best k scores (float32, and the same as bits), best first, into out.

    The row is split in groups (see _peaks): a value that at least k of the groups' peaks reach is a
    threshold that at least k scores reach (each of those groups holds one), so only the groups whose peak
    reaches it are read again, and only their scores at or above it are candidates."""
    n = scores.shape[0]
    width = _peaks(scores, peaks)
    # A threshold that at least k peaks reach, by halving the interval between the lowest finite peak (or
    # -inf, when fewer than k groups hold a score) and the highest: each step one vectorised count.
    floor, top = np.float32(np.inf), NEG
    for c in range(width):
        peak = peaks[c]
        top = peak if peak > top else top
        floor = peak if peak < floor and peak > NEG else floor
    finite = 0
    for c in range(width):
        finite += peaks[c] > NEG
    if finite < k or floor == np.inf:
        floor = NEG
    else:
        high = top
        for _ in range(BISECTIONS):
            middle = np.float32(floor + (high - floor) * np.float32(0.5))
            if not (floor < middle < high):
                break
            reach = 0
            for c in range(width):
                reach += peaks[c] >= middle
            if reach >= k:
                floor = middle
            else:
                high = middle
    # The groups that reach the threshold (listed without a branch), then their scores that do.
    reached = 0
    for c in range(width):
        groups[reached] = c
        reached += peaks[c] >= floor
    count = 0
    for g in range(reached):
        for j in range(groups[g], n, width):
            index[count] = j
            count += scores[j] >= floor and scores[j] > NEG
    for i in range(count):
        ordered[i] = _ordered(bits[index[i]])
    return _select(ordered, index, count, k, keys, out)


@nb.njit(nogil=True, cache=True)
def dense_select(
    block: np.ndarray,
    watched_indptr: np.ndarray,
    watched_local: np.ndarray,
    items: np.ndarray,
    rows: np.ndarray,
    k: int,
    out: np.ndarray,
    out_count: np.ndarray,
    subset: np.ndarray,
    subset_k: int,
    subset_out: np.ndarray,
    subset_count: np.ndarray,
) -> None:
    """For each row r of `block` (queries × scores of `items`, float32, C order), the positions
    watched_local[watched_indptr[r]:watched_indptr[r + 1]] (-1: not in the block) set to -inf first: the
    items of its best k scores into out[rows[r]], best first (out_count[rows[r]] of them); and, when
    subset_k, its best subset_k among the positions `subset` into subset_out[rows[r]]. The block is
    overwritten."""
    n_rows, n_cols = block.shape
    bits = block.view(np.uint32)
    ordered = np.empty(n_cols + 1, dtype=np.uint64)
    index = np.empty(n_cols + 1, dtype=np.int64)
    keys = np.empty(max(k, subset_k, 1), dtype=np.uint64)
    picked = np.empty(max(k, subset_k, 1), dtype=np.int64)
    peaks = np.empty(n_cols // GROUP + 1, dtype=np.float32)
    groups = np.empty(n_cols // GROUP + 1, dtype=np.int64)
    for r in range(n_rows):
        row = block[r]
        target = rows[r]
        for w in range(watched_indptr[r], watched_indptr[r + 1]):
            if watched_local[w] >= 0:
                row[watched_local[w]] = NEG
        if k:
            found = _row_select(row, bits[r], k, peaks, groups, ordered, index, keys, picked)
            for t in range(found):
                out[target, t] = items[picked[t]]
            out_count[target] = found
        if subset_k:
            found = 0
            for p in range(subset.shape[0]):
                value = _ordered(bits[r, subset[p]])
                if value > _NEG_ORDERED:
                    ordered[found] = value
                    index[found] = subset[p]
                    found += 1
            found = _select(ordered, index, found, subset_k, keys, picked)
            for t in range(found):
                subset_out[target, t] = items[picked[t]]
            subset_count[target] = found


@nb.njit(nogil=True, cache=True)
def rows_fuse(
    watched_indptr: np.ndarray,
    watched_indices: np.ndarray,
    watched_data: np.ndarray,
    eligible: np.ndarray,
    knn_indptr: np.ndarray,
    knn_indices: np.ndarray,
    knn_data: np.ndarray,
    dense: np.ndarray,
    dense_count: np.ndarray,
    dense_weights: np.ndarray,
    weight_knn: float,
    weight_popularity: float,
    popularity_order: np.ndarray,
    popularity_positive: np.ndarray,
    popularity: np.ndarray,
    which: np.ndarray,
    span: float,
    candidates: int,
    rrf_k: float,
    n: int,
    out: np.ndarray,
    out_scores: np.ndarray,
    first: int,
    last: int,
) -> None:
    """Rows first..last-1: each row's best n items (ids into out[r], fused scores into out_scores[r], -1 / -inf
    padding).

    A row's terms are added in this order: the dense parts' candidates (dense[p, r, :dense_count[p, r]],
    item ids best first, weight dense_weights[p]: ALS, content, cold), then the kNN part's best
    `candidates` (weight_knn > 0), then the popularity walk of the row's key (popularity_order[which[r]]:
    the licensed items, most popular first): each item the row did not watch takes the next rank; up to
    rank max(candidates, n) it enters the ranking, with weight_popularity / (rrf_k + rank) when its
    popularity is positive and the rank at most `candidates`, else with 0. A part's term is
    weight / (rrf_k + rank) in float64; the tie-breaker 1e-6 × popularity / span is added in float32 and
    the sum rounded to float32."""
    n_items = eligible.shape[0]
    n_dense = dense.shape[0]
    fill_depth = max(candidates, n)
    tiny = np.float32(1e-6)
    span32 = np.float32(span)
    seen = np.zeros(n_items, dtype=np.bool_)
    knn_score = np.zeros(n_items, dtype=np.float32)
    knn_bits = knn_score.view(np.uint32)
    knn_touched = np.zeros(n_items, dtype=np.bool_)
    knn_list = np.empty(n_items + 1, dtype=np.int64)  # one past the last: the branchless appends write there
    fused = np.zeros(n_items, dtype=np.float64)
    fused_in = np.zeros(n_items, dtype=np.bool_)
    fused_list = np.empty(n_items + 1, dtype=np.int64)
    final = np.zeros(n_items, dtype=np.float32)
    final_bits = final.view(np.uint32)
    ordered = np.empty(n_items + 1, dtype=np.uint64)
    index = np.empty(n_items + 1, dtype=np.int64)
    keys = np.empty(max(candidates, n, 1), dtype=np.uint64)
    best = np.empty(max(candidates, n, 1), dtype=np.int64)
    for r in range(first, last):
        start, stop = watched_indptr[r], watched_indptr[r + 1]
        for w in range(start, stop):
            seen[watched_indices[w]] = True
        listed = 0
        # The dense parts' candidates.
        for p in range(n_dense):
            weight = dense_weights[p]
            for t in range(dense_count[p, r]):
                item = dense[p, r, t]
                fused_list[listed] = item
                listed += not fused_in[item]
                fused_in[item] = True
                fused[item] += weight / (rrf_k + (t + 1))
        # Item-kNN: what the row watched times the kNN matrix, as scipy's sparse product sums it.
        if weight_knn > 0:
            touched = 0
            for w in range(start, stop):
                source, value = watched_indices[w], watched_data[w]
                for e in range(knn_indptr[source], knn_indptr[source + 1]):
                    item = knn_indices[e]
                    knn_list[touched] = item
                    touched += not knn_touched[item]
                    knn_touched[item] = True
                    knn_score[item] += value * knn_data[e]
            count = 0
            for e in range(touched):
                item = knn_list[e]
                score = knn_score[item]
                ordered[count] = _ordered(knn_bits[item])
                index[count] = item
                count += (score > 0) & eligible[item] & (not seen[item])
            found = _select(ordered, index, count, candidates, keys, best)
            for t in range(found):
                item = best[t]
                fused_list[listed] = item
                listed += not fused_in[item]
                fused_in[item] = True
                fused[item] += weight_knn / (rrf_k + (t + 1))
            for e in range(touched):
                item = knn_list[e]
                knn_score[item] = 0
                knn_touched[item] = False
        # Popularity, and the fill.
        order = popularity_order[which[r]]
        positive = popularity_positive[which[r]]
        rank = 0
        for t in range(order.shape[0]):
            item = order[t]
            if item < 0 or rank == fill_depth:
                break
            if seen[item]:
                continue
            rank += 1
            if not fused_in[item]:
                fused_in[item] = True
                fused_list[listed] = item
                listed += 1
            if positive[t] and rank <= candidates:
                fused[item] += weight_popularity / (rrf_k + rank)
            else:
                fused[item] += 0.0
        # The fused score with the tie-breaker, and the row's best n.
        tiebreaks = popularity[which[r]]
        for e in range(listed):
            item = fused_list[e]
            tiebreak = tiebreaks[item]
            if not np.isfinite(tiebreak):
                tiebreak = np.float32(0) if np.isnan(tiebreak) or tiebreak < 0 else np.float32(3.4028235e38)
            final[item] = np.float32(fused[item] + np.float64((tiny * tiebreak) / span32))
            ordered[e] = _ordered(final_bits[item])
            index[e] = item
        found = _select(ordered, index, listed, n, keys, best) if n else 0
        for t in range(found):
            item = best[t]
            out[r, t] = item
            out_scores[r, t] = final[item]
        for t in range(found, n):
            out[r, t] = -1
            out_scores[r, t] = NEG
        for e in range(listed):
            item = fused_list[e]
            fused[item] = 0.0
            fused_in[item] = False
        for w in range(start, stop):
            seen[watched_indices[w]] = False
