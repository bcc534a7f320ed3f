import numpy as np
import pytest

from recommendations.ranking import blend, top_k_select, top_n


def parts_for_one_query(n_items: int = 40) -> dict[str, np.ndarray]:
    """Items 0..29 watched by others (ranked by every part), items 30..39 cold: content ranks them, item 39
    best among them, yet every watched title is ahead of it in content too."""
    content = np.linspace(2.0, 1.0, n_items, dtype=np.float32)[np.newaxis, :].copy()
    content[0, 39] = 1.5
    watched_only = np.where(np.arange(n_items) < 30, np.linspace(1.0, 0.0, n_items), -np.inf)
    watched_only = watched_only.astype(np.float32)[np.newaxis, :]
    return {"als": watched_only.copy(), "content": content, "popularity": watched_only.copy(), "knn": watched_only}


@pytest.mark.parametrize(("cold_weight", "reaches"), [(0.0, False), (2.0, True)])
def test_cold_titles_reach_the_top_through_the_cold_term_only(cold_weight, reaches):
    # given parts that rank watched titles and a cold title that content likes best among the cold ones
    scores = parts_for_one_query()
    cold = np.arange(40) >= 30
    weights = {"als": 1.0, "content": 1.0, "popularity": 1.0, "knn": 1.0, "cold": cold_weight}

    # when the blend ranks the top 20
    top, _ = blend(scores, weights, np.ones((1, 40), dtype=bool), 20, cold=cold)

    # then cold titles are in it exactly when the cold term has weight, in their content order (39 first)
    cold_shown = [int(i) for i in top[0] if cold[i]]
    assert bool(cold_shown) is reaches
    if reaches:
        assert cold_shown[0] == 39 and cold_shown == [39, *sorted(cold_shown[1:])]


def test_top_k_select_answers_what_a_full_partition_answers():
    # given scores with watched titles at -inf, ties, a row with nothing finite and rows with fewer than k
    rng = np.random.default_rng(11)
    scores = rng.standard_normal((300, 6000)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.05] = -np.inf
    scores[1] = -np.inf
    scores[2, 5:] = -np.inf
    scores[3, :] = np.round(scores[3], 1)  # many ties
    scores[4] = np.sort(scores[4])  # the best all at the end, past the sample's reach
    scores[5, :] = 1.0

    # when each row's best 50 are selected through a threshold, and by partitioning every score
    indices, values = top_k_select(scores, 50)
    expected_indices, expected_values = top_n(scores, 50)

    # then the same scores come out, best first, each at the index it was read from
    assert np.array_equal(values, expected_values)
    assert np.array_equal(indices < 0, expected_indices < 0)
    found = indices >= 0
    assert np.array_equal(np.take_along_axis(scores, np.maximum(indices, 0), axis=1)[found], values[found])
    assert all(len(set(row[row >= 0])) == (row >= 0).sum() for row in indices)


@pytest.mark.parametrize("watched_lookup", ["dense", "binary search"])
def test_users_rank_keeps_to_licensed_unwatched_titles_and_agrees_with_the_dense_blend(watched_lookup, monkeypatch):
    # given a model trained on generated interactions, and titles one organization may show
    import scipy.sparse as sp

    from recommendations import ranking
    from recommendations.ranking import matching_model_fit, part_scores, users_rank

    if watched_lookup == "binary search":
        monkeypatch.setattr(ranking, "_DENSE_WATCHED_CELLS", 0)

    rng = np.random.default_rng(8)
    n_users, n_items = 300, 120
    rows, cols = rng.integers(0, n_users, 3000), (rng.zipf(1.5, 3000) % 100).astype(np.int64)
    matrix = sp.csr_matrix((np.ones(3000, dtype=np.float32), (rows, cols)), shape=(n_users, n_items))
    features = sp.csr_matrix(rng.random((n_items, 30)).astype(np.float32) * (rng.random((n_items, 30)) < 0.2))
    keys = [f"T{u % 3}|en" for u in range(n_users)]
    weights = {"als": 1.0, "content": 1.0, "popularity": 2.0, "knn": 2.0, "cold": 2.0}
    model = matching_model_fit(
        matrix=matrix, item_ids=np.arange(n_items), user_keys=keys, features=features,
        params={"factors": 8, "iterations": 3}, weights=weights,
    )  # fmt: skip
    model.__dict__["content_factors"] = features.toarray()  # exact content: only the candidates differ
    users = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    user_items = matrix[users]
    licensed = np.flatnonzero(rng.random(n_items) < 0.7)

    # when users are ranked with and without the rights filter
    ranked, _ = users_rank(
        model, user_items=user_items, popularity_keys=[[keys[u]] for u in users],
        als_query=model.user_factors[users], n=20, licensed=licensed,
    )  # fmt: skip
    everything, _ = users_rank(
        model, user_items=user_items, popularity_keys=[[keys[u]] for u in users],
        als_query=model.user_factors[users], n=20,
    )  # fmt: skip

    # then only licensed titles nobody in the row watched are ranked
    dense = user_items.toarray()
    shown = ranked[ranked >= 0]
    assert np.isin(shown, licensed).all()
    assert not dense[np.nonzero(ranked >= 0)[0], shown].any()
    # and, over every title, the top 10 is the dense blend's (up to ties at the candidates' edge)
    parts = part_scores(
        model, user_items=user_items, popularity_keys=[[keys[u]] for u in users], als_query=model.user_factors[users]
    )
    reference, _ = blend(parts, weights, dense == 0, 20, cold=~model.interacted)
    overlap = np.mean([len(set(a[:10]) & set(b[:10])) / 10 for a, b in zip(everything, reference, strict=True)])
    assert overlap > 0.97


def users_rank_reference(model, *, user_items, popularity_keys, als_query, n, licensed):
    """users_rank written plainly: dense scores of every part for every title, each row's candidates by a
    full sort (score, then the lower index), the reciprocal ranks summed part by part in float64."""
    from recommendations.ranking import BLEND_CANDIDATES, RRF_K

    weights = model.weights
    n_queries, n_items = user_items.shape
    eligible = np.zeros(n_items, dtype=bool)
    eligible[licensed] = True
    watched = user_items.toarray() != 0
    history = watched.any(axis=1)[:, np.newaxis]
    allowed = eligible[np.newaxis, :] & ~watched
    interacted = model.interacted[np.newaxis, :]
    content = np.asarray(user_items @ model.content_factors, dtype=np.float32) @ model.content_factors.T
    knn = (user_items @ model.knn).toarray()
    parts = {
        "als": (als_query @ model.item_factors.T, allowed & interacted & history),
        "content": (content, allowed & history),
        "cold": (content, allowed & ~interacted & history),
        "knn": (knn, allowed & (knn > 0)),
    }

    def best_first(scores, mask):
        cand = np.flatnonzero(mask & (scores > -np.inf))
        return cand[np.lexsort((cand, -scores[cand]))]

    fused = np.zeros((n_queries, n_items), dtype=np.float64)
    listed = np.zeros((n_queries, n_items), dtype=bool)
    for name in ("als", "content", "cold", "knn"):
        if weights.get(name, 0) <= 0:
            continue
        scores, mask = parts[name]
        for row in range(n_queries):
            for rank, item in enumerate(best_first(scores[row], mask[row])[:BLEND_CANDIDATES], start=1):
                fused[row, item] += weights[name] / (RRF_K + rank)
                listed[row, item] = True
    popularity = model.scores_popularity(popularity_keys)
    for row in range(n_queries):
        # Popularity ranks the licensed titles the row did not watch; the first max(candidates, n) enter.
        order = licensed[np.lexsort((licensed, -popularity[row, licensed]))]
        walk = [item for item in order if not watched[row, item]][: max(BLEND_CANDIDATES, n)]
        for rank, item in enumerate(walk, start=1):
            listed[row, item] = True
            if weights.get("popularity", 0) > 0 and popularity[row, item] > 0 and rank <= BLEND_CANDIDATES:
                fused[row, item] += weights["popularity"] / (RRF_K + rank)
    span = float(np.max(np.where(np.isfinite(popularity), np.abs(popularity), 0))) or 1.0
    tiebreak = (np.float32(1e-6) * np.nan_to_num(popularity, neginf=0.0)) / np.float32(span)
    final = (fused + tiebreak.astype(np.float64)).astype(np.float32)
    indices = np.full((n_queries, n), -1, dtype=np.int64)
    values = np.full((n_queries, n), -np.inf, dtype=np.float32)
    for row in range(n_queries):
        top = best_first(np.where(listed[row], final[row], -np.inf), listed[row])[:n]
        indices[row, : len(top)] = top
        values[row, : len(top)] = final[row, top]
    return indices, values


@pytest.mark.parametrize(
    "weights",
    [
        {"als": 1.0, "content": 1.0, "popularity": 2.0, "knn": 2.0, "cold": 2.0},
        {"als": 0.0, "content": 1.0, "popularity": 0.0, "knn": 0.0, "cold": 1.0},
        {"als": 2.0, "content": 0.0, "popularity": 1.0, "knn": 1.0, "cold": 0.0},
    ],
)
@pytest.mark.parametrize("n", [20, 250])
def test_users_rank_returns_exactly_what_the_plain_reference_returns(weights, n):
    # given a model on random interactions with cold titles, integer factors (every score exact, many ties),
    # users with and without history, and an organization that may show two thirds of the titles
    import scipy.sparse as sp

    from recommendations.ranking import matching_model_fit, users_rank

    rng = np.random.default_rng(21)
    n_users, n_items = 260, 6000
    rows, cols = rng.integers(0, n_users - 10, 6000), (rng.zipf(1.3, 6000) % 5500).astype(np.int64)
    confidence = rng.integers(1, 4, 6000).astype(np.float32)
    matrix = sp.csr_matrix((confidence, (rows, cols)), shape=(n_users, n_items))
    features = sp.csr_matrix(rng.random((n_items, 40)).astype(np.float32) * (rng.random((n_items, 40)) < 0.2))
    keys = [f"T{u % 3}|en" if u % 7 else "XX|xx" for u in range(n_users)]
    model = matching_model_fit(
        matrix=matrix, item_ids=np.arange(n_items), user_keys=keys, features=features,
        params={"factors": 6, "iterations": 2, "knn_neighbours": 30}, weights=weights,
    )  # fmt: skip
    model.item_factors = rng.integers(-3, 4, model.item_factors.shape).astype(np.float32)
    model.__dict__["content_factors"] = rng.integers(-2, 3, (n_items, 5)).astype(np.float32)
    als_query = rng.integers(-3, 4, (n_users, 6)).astype(np.float32)
    licensed = np.flatnonzero(rng.random(n_items) < 0.67)
    assert (~model.interacted[licensed]).sum() > 0 and (matrix.getnnz(axis=1) == 0).sum() == 10

    # when the users are ranked by users_rank and by the plain reference
    arguments = {
        "user_items": matrix, "popularity_keys": [[k] for k in keys], "als_query": als_query, "n": n,
        "licensed": licensed,
    }  # fmt: skip
    indices, values = users_rank(model, **arguments)
    expected_indices, expected_values = users_rank_reference(model, **arguments)

    # then both answer the same titles in the same order with the same scores, bit for bit
    assert np.array_equal(indices, expected_indices)
    assert np.array_equal(values, expected_values)
    assert (indices >= 0).sum() > n_users * min(n, 100) // 2


def test_the_dense_kernel_selects_what_a_full_sort_selects():
    # given scores with watched titles, -inf, ties, -0.0 beside 0.0, rows with nothing or too little finite
    from recommendations.ranking_kernels import dense_select

    rng = np.random.default_rng(5)
    scores = rng.standard_normal((300, 6000)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.05] = -np.inf
    scores[1] = -np.inf
    scores[2, 150:] = -np.inf
    scores[3] = np.round(scores[3], 1)  # many ties
    scores[4] = np.sort(scores[4])  # the best all at the end
    scores[5] = 1.0
    scores[6, ::2], scores[6, 1::2] = -0.0, 0.0
    watched = [rng.choice(6000, 20, replace=False) for _ in range(300)]
    indptr = np.concatenate([[0], np.cumsum([len(w) for w in watched])]).astype(np.int64)
    subset = np.flatnonzero(rng.random(6000) < 0.1)

    # when the kernel selects each row's best 200, and its best 50 among the subset
    block, positions, rows = scores.copy(), np.arange(6000, dtype=np.int64), np.arange(300, dtype=np.int64)
    best, count = np.empty((300, 200), dtype=np.int64), np.empty(300, dtype=np.int64)
    subset_best, subset_count = np.empty((300, 50), dtype=np.int64), np.empty(300, dtype=np.int64)
    dense_select(
        block, indptr, np.concatenate(watched), positions, rows, 200, best, count, subset, 50, subset_best,
        subset_count,
    )  # fmt: skip

    # then each row has what a full sort by (score, then the lower index) has, watched titles left out
    for row in range(300):
        expected = scores[row].copy()
        expected[watched[row]] = -np.inf
        finite = np.flatnonzero(expected > -np.inf)
        order = finite[np.lexsort((finite, -expected[finite]))]
        assert best[row, : count[row]].tolist() == order[:200].tolist()
        in_subset = order[np.isin(order, subset)]
        assert subset_best[row, : subset_count[row]].tolist() == in_subset[:50].tolist()
