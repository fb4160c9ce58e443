"""Cross-view metrics against slow, obvious code, and their edge cases and errors."""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse

from skcontrast.metrics import cross_view_retrieval, match_records, modality_gap, positive_rank

FUNCTIONS = [positive_rank, cross_view_retrieval, match_records, modality_gap]


# Slow, obvious versions: plain Python loops over rows and entries.


def slow_cosine(a, b):
    dot = sum(float(x) * float(y) for x, y in zip(a, b))
    na = math.sqrt(sum(float(x) ** 2 for x in a))
    nb = math.sqrt(sum(float(y) ** 2 for y in b))
    return 0.0 if na == 0 or nb == 0 else dot / (na * nb)


def slow_similarities(A, B):
    return [[slow_cosine(a, b) for b in B] for a in A]


def slow_positive_rank(Z1, Z2, normalize=True):
    S = slow_similarities(Z1, Z2)
    n = len(S)
    total = 0.0
    for i in range(n):
        positive = S[i][i]
        smaller = sum(1 for value in S[i] if value < positive)
        ties = sum(1 for value in S[i] if value == positive)  # the positive included
        total += smaller + 0.5 * (ties - 1) + 1
    mean_rank = total / n
    return (mean_rank - 1) / (n - 1) if normalize else mean_rank


def slow_ranks(Z_a, Z_b):
    S = slow_similarities(Z_a, Z_b)
    return [sum(1 for value in S[i] if value >= S[i][i]) for i in range(len(S))]


def slow_best_matching(Z_a, Z_b):
    """Brute force over every one-to-one assignment; match[i] = -1 when row i is left out."""
    S = slow_similarities(Z_a, Z_b)
    n_a, n_b = len(Z_a), len(Z_b)
    best, best_match = -math.inf, None
    if n_a <= n_b:
        for cols in itertools.permutations(range(n_b), n_a):
            total = sum(S[i][cols[i]] for i in range(n_a))
            if total > best:
                best, best_match = total, list(cols)
    else:
        for rows in itertools.permutations(range(n_a), n_b):
            total = sum(S[rows[j]][j] for j in range(n_b))
            if total > best:
                best_match = [-1] * n_a
                for j in range(n_b):
                    best_match[rows[j]] = j
                best = total
    return best, best_match


def slow_modality_gap(Z_a, Z_b):
    def centroid(Z):
        total = [0.0] * len(Z[0])
        for row in Z:
            norm = math.sqrt(sum(float(x) ** 2 for x in row))
            for d, x in enumerate(row):
                total[d] += float(x) / norm if norm > 0 else 0.0
        return [value / len(Z) for value in total]

    ca, cb = centroid(Z_a), centroid(Z_b)
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(ca, cb)))


@pytest.fixture
def views():
    rng = np.random.default_rng(0)
    Z_a = rng.standard_normal((12, 5))
    return Z_a, Z_a + 1.5 * rng.standard_normal((12, 5))


# positive_rank


@pytest.mark.parametrize("normalize", [True, False])
def test_positive_rank_matches_the_loop(views, normalize):
    assert positive_rank(*views, normalize=normalize) == pytest.approx(
        slow_positive_rank(*views, normalize=normalize), rel=1e-12)


def test_positive_rank_averages_ties_like_the_loop():
    # Duplicate rows and integer entries: exact ties inside the rows of the similarities.
    Z1 = np.array([[1, 0], [1, 0], [0, 1], [1, 1], [2, 2]])
    Z2 = np.array([[1, 0], [0, 1], [0, 1], [1, 1], [1, 0]])
    for normalize in (True, False):
        assert positive_rank(Z1, Z2, normalize=normalize) == pytest.approx(
            slow_positive_rank(Z1, Z2, normalize=normalize), rel=1e-12)


def test_positive_rank_raw_scale_is_one_plus_n_minus_one_times_normalised(views):
    n = len(views[0])
    raw = positive_rank(*views, normalize=False)
    assert 1 <= raw <= n
    assert raw == pytest.approx(1 + (n - 1) * positive_rank(*views), rel=1e-12)


def test_positive_rank_of_perfect_views_is_one_and_raw_rank_n(views):
    Z = views[0]
    assert positive_rank(Z, Z) == 1.0
    assert positive_rank(Z, Z, normalize=False) == len(Z)


def test_positive_rank_of_reversed_views_is_worst():
    # Each positive is the opposite direction; every negative is orthogonal or closer.
    Z = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert positive_rank(Z, -Z) == 0.0


def test_positive_rank_of_independent_views_is_about_one_half():
    rng = np.random.default_rng(1)
    Z1, Z2 = rng.standard_normal((400, 8)), rng.standard_normal((400, 8))
    assert positive_rank(Z1, Z2) == pytest.approx(0.5, abs=0.05)


def test_positive_rank_of_constant_views_is_one_half():
    assert positive_rank(np.ones((7, 3)), np.ones((7, 3))) == 0.5


def test_positive_rank_zero_rows_give_no_nan(views):
    Z1, Z2 = views[0].copy(), views[1].copy()
    Z1[3] = 0.0
    Z2[5] = 0.0
    value = positive_rank(Z1, Z2)
    assert math.isfinite(value)
    assert value == pytest.approx(slow_positive_rank(Z1, Z2), rel=1e-12)


# cross_view_retrieval


def test_retrieval_matches_the_loop(views):
    ranks = slow_ranks(*views)
    n = len(ranks)
    result = cross_view_retrieval(*views, k=(1, 3, 5, 12, 50))
    assert set(result) == {"mrr", "top_1", "top_3", "top_5", "top_12", "top_50",
                           "matched_fraction"}
    assert result["mrr"] == pytest.approx(sum(1 / r for r in ranks) / n, rel=1e-12)
    for k in (1, 3, 5, 12, 50):
        assert result[f"top_{k}"] == pytest.approx(sum(1 for r in ranks if r <= k) / n)
    assert result["top_12"] == result["top_50"] == 1.0  # k >= n: every partner is in
    assert result["mrr"] < 1 and result["top_1"] < result["top_3"] < result["top_5"] < 1


def test_retrieval_matched_fraction_is_the_fraction_matching_finds():
    rng = np.random.default_rng(0)
    Z_a = rng.standard_normal((6, 5))
    Z_b = Z_a + 1.5 * rng.standard_normal((6, 5))
    _, best = slow_best_matching(Z_a, Z_b)
    expected = sum(1 for i, j in enumerate(best) if i == j) / 6
    assert 0 < expected < 1  # the check is informative
    assert cross_view_retrieval(Z_a, Z_b)["matched_fraction"] == pytest.approx(expected)
    assert np.mean(match_records(Z_a, Z_b) == np.arange(6)) == pytest.approx(expected)


def test_retrieval_of_perfect_views_is_perfect(views):
    Z = views[0]
    result = cross_view_retrieval(Z, Z)
    assert result == {"mrr": 1.0, "top_1": 1.0, "top_5": 1.0, "top_10": 1.0,
                      "matched_fraction": 1.0}


@pytest.mark.parametrize("n", [2, 5, 9])
def test_retrieval_of_constant_views_is_worst(n):
    # Every similarity ties: ties count against, so each partner ranks last.
    result = cross_view_retrieval(np.full((n, 3), 2.0), np.full((n, 3), 0.5), k=(1, n - 1, n))
    assert result["mrr"] == pytest.approx(1 / n)
    assert result["top_1"] == 0.0 and result[f"top_{n - 1}"] == 0.0
    assert result[f"top_{n}"] == 1.0
    assert result["matched_fraction"] == 0.0


def test_retrieval_counts_round_off_ties_against():
    # Collinear rows of different norms: the cosines are all 1 up to round-off.
    Z_a = np.array([[0.1, 0.3], [0.2, 0.6], [0.7, 2.1], [1.3, 3.9]])
    Z_b = Z_a[::-1] * 3.1
    assert cross_view_retrieval(Z_a, Z_b, k=1) == {"mrr": 0.25, "top_1": 0.0,
                                                   "matched_fraction": 0.0}
    assert positive_rank(Z_a, Z_b) == 0.5


def test_retrieval_accepts_a_single_k_and_numpy_integers(views):
    assert set(cross_view_retrieval(*views, k=3)) == {"mrr", "top_3", "matched_fraction"}
    result = cross_view_retrieval(*views, k=np.array([2, 4]))
    assert set(result) == {"mrr", "top_2", "top_4", "matched_fraction"}
    assert all(type(value) is float for value in result.values())


@pytest.mark.parametrize("k", [0, -1, (1, 0), (5, 2.5), 1.0, True, (1, True), "5", None])
def test_retrieval_refuses_bad_k(views, k):
    with pytest.raises((ValueError, TypeError), match=r"k must be a positive integer"):
        cross_view_retrieval(*views, k=k)


# match_records


@pytest.mark.parametrize("n_a, n_b", [(5, 5), (3, 6), (6, 4), (1, 4), (4, 1)])
def test_match_records_is_the_brute_force_best(n_a, n_b):
    rng = np.random.default_rng(n_a * 10 + n_b)
    Z_a, Z_b = rng.standard_normal((n_a, 3)), rng.standard_normal((n_b, 3))
    match = match_records(Z_a, Z_b)
    best, best_match = slow_best_matching(Z_a, Z_b)
    assert match.shape == (n_a,) and np.issubdtype(match.dtype, np.integer)
    assert match.tolist() == best_match
    S = slow_similarities(Z_a, Z_b)
    assert sum(S[i][j] for i, j in enumerate(match) if j >= 0) == pytest.approx(best)
    assert np.sum(match >= 0) == min(n_a, n_b)
    assert len(set(match[match >= 0].tolist())) == min(n_a, n_b)  # one to one


def test_match_records_recovers_a_shuffled_table(views):
    Z_a = views[0]
    order = np.random.default_rng(2).permutation(len(Z_a))
    match = match_records(Z_a, 5.0 * Z_a[order])
    assert np.array_equal(order[match], np.arange(len(Z_a)))


# modality_gap


def test_modality_gap_matches_the_loop(views):
    Z_a, Z_b = views[0], views[1][:7] + 1.0  # row counts may differ
    assert modality_gap(Z_a, Z_b) == pytest.approx(slow_modality_gap(Z_a, Z_b), rel=1e-12)


def test_modality_gap_of_identical_and_opposite_views(views):
    Z = views[0]
    assert modality_gap(Z, Z) == 0.0
    assert modality_gap(Z, -Z) == pytest.approx(2 * slow_modality_gap(Z, np.zeros_like(Z)))
    cone = np.abs(views[0][:, :1]) * np.array([[0.6, 0.8]])  # one direction, many norms
    assert modality_gap(cone, -cone) == pytest.approx(2.0, rel=1e-12)
    assert modality_gap(cone, -cone[:3]) == pytest.approx(2.0, rel=1e-12)


def test_modality_gap_zero_rows_pull_towards_the_origin():
    Z_a = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert modality_gap(Z_a, np.array([[1.0, 0.0]])) == pytest.approx(0.5)


# Shared properties


def _all_scores(Z_a, Z_b):
    return (positive_rank(Z_a, Z_b), positive_rank(Z_a, Z_b, normalize=False),
            cross_view_retrieval(Z_a, Z_b, k=(1, 2, 3)), match_records(Z_a, Z_b).tolist(),
            modality_gap(Z_a, Z_b))


def _approx_equal(first, second):
    for a, b in zip(first, second):
        if isinstance(a, dict):
            assert a.keys() == b.keys()
            assert all(a[key] == pytest.approx(b[key], rel=1e-12) for key in a)
        else:
            assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("scale_a, scale_b", [(3.7, 1.0), (1.0, 0.01), (250.0, 1e-3)])
def test_scaling_a_view_changes_nothing(views, scale_a, scale_b):
    _approx_equal(_all_scores(*views), _all_scores(views[0] * scale_a, views[1] * scale_b))


def test_lists_and_integer_arrays_are_accepted(views):
    Z_a, Z_b = np.round(views[0] * 10), np.round(views[1] * 10)
    expected = _all_scores(Z_a, Z_b)
    _approx_equal(expected, _all_scores(Z_a.tolist(), Z_b.tolist()))
    _approx_equal(expected, _all_scores(Z_a.astype(np.int32), Z_b.astype(np.int64)))
    _approx_equal(expected, _all_scores(Z_a.astype(np.float32), Z_b))


def test_inputs_are_not_mutated(views):
    Z_a, Z_b = views[0].copy(), views[1].copy()
    Z_a[2] = 0.0  # a zero row: normalising must not write into it either
    Z_a32 = Z_a.astype(np.float32)
    before = (Z_a.copy(), Z_b.copy(), Z_a32.copy())
    _all_scores(Z_a, Z_b)
    _all_scores(Z_a32, Z_b)
    for after, original in zip((Z_a, Z_b, Z_a32), before):
        assert np.array_equal(after, original)


def test_results_are_plain_python_values(views):
    assert type(positive_rank(*views)) is float
    assert type(modality_gap(*views)) is float
    assert all(type(v) is float for v in cross_view_retrieval(*views).values())
    assert isinstance(match_records(*views), np.ndarray)


# Errors


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("bad", [np.ones(4), np.ones((2, 3, 4)), np.float64(1.0)])
def test_wrong_ndim_is_refused(function, bad):
    with pytest.raises(ValueError, match=rf"{function.__name__}: .* must be 2-D.*got shape"):
        function(bad, np.ones((3, 4)))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_mismatched_columns_are_refused(function):
    with pytest.raises(ValueError, match=r"same number of\s+columns .*\(3, 4\) and \(3, 5\)"):
        function(np.ones((3, 4)), np.ones((3, 5)))


@pytest.mark.parametrize("function", [positive_rank, cross_view_retrieval])
def test_mismatched_rows_are_refused_where_rows_are_pairs(function):
    with pytest.raises(ValueError, match=rf"{function.__name__}: .* same number of\s+rows"
                                         r".*\(3, 4\) and \(5, 4\).*match_records"):
        function(np.ones((3, 4)), np.ones((5, 4)))


@pytest.mark.parametrize("function", [match_records, modality_gap])
def test_mismatched_rows_are_allowed_for_separate_tables(function):
    function(np.eye(3), np.eye(3)[:2])


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", [0, 1])
def test_non_finite_values_are_refused(function, value, which):
    Z = [np.ones((3, 2)), np.ones((3, 2))]
    Z[which][1, 0] = value
    name = ("Z1", "Z2")[which] if function is positive_rank else ("Z_a", "Z_b")[which]
    with pytest.raises(ValueError, match=rf"{name} contains NaN or infinity \(first in row 1"):
        function(*Z)


@pytest.mark.parametrize("function", [positive_rank, cross_view_retrieval])
def test_a_single_pair_is_refused(function):
    with pytest.raises(ValueError, match=rf"{function.__name__} needs at least 2 rows"):
        function(np.ones((1, 3)), np.ones((1, 3)))


@pytest.mark.parametrize("function", [match_records, modality_gap])
def test_empty_views_are_refused(function):
    with pytest.raises(ValueError, match=rf"{function.__name__} needs at least 1 rows in Z_b"):
        function(np.ones((2, 3)), np.ones((0, 3)))
    function(np.ones((1, 3)), np.ones((1, 3)))  # one row each is enough


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_columns_are_refused(function):
    with pytest.raises(ValueError, match=r"has no columns"):
        function(np.ones((3, 0)), np.ones((3, 0)))


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("bad", [np.array([["a", "b"], ["c", "d"]]),
                                 np.array([[1 + 1j, 0], [0, 1]]),
                                 np.array([[1.0, "x"], [0.0, 1.0]], dtype=object)])
def test_non_numeric_values_are_refused(function, bad):
    with pytest.raises(TypeError, match=r"must (be numeric|hold numbers)"):
        function(np.ones((2, 2)), bad)


def test_numeric_object_arrays_are_accepted_and_none_is_missing():
    Z = np.array([[1.0, 0], [0, 2]], dtype=object)
    assert positive_rank(Z, Z) == 1.0
    with pytest.raises(ValueError, match=r"Z2 contains NaN or infinity"):
        positive_rank(Z, np.array([[1.0, None], [0, 2]], dtype=object))


def test_ragged_lists_and_sparse_matrices_are_refused():
    with pytest.raises(ValueError, match=r"could not be read as a 2-D array"):
        modality_gap([[1.0, 2.0], [3.0]], np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"sparse matrix.*toarray"):
        modality_gap(scipy.sparse.csr_matrix(np.eye(2)), np.ones((2, 2)))
