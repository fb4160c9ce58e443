"""Cross-view evaluation: does each record find its own other view among all the others?

Two views of the same records (two augmentations, two modalities, two tables) are
embedded in a shared space; row ``i`` of each view is the same record, a positive pair.
These metrics ask how well the positives stand out by cosine similarity: the rank of
the positive (:func:`positive_rank`), retrieval scores (:func:`cross_view_retrieval`),
a one-to-one record matching (:func:`match_records`) and the distance between the two
views' clouds (:func:`modality_gap`).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import scipy.sparse
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

__all__ = ["cross_view_retrieval", "match_records", "modality_gap", "positive_rank"]

# Cosine similarities are rounded to this many decimals before they are compared, so
# that values equal up to floating-point round-off (collinear rows of different norms,
# a view multiplied by a constant) tie exactly instead of being ordered by noise.
_DECIMALS = 12


def _as_view(function: str, Z, name: str) -> np.ndarray:
    """One view as a 2-D float64 array, or an error that says what is wrong and the fix."""
    if scipy.sparse.issparse(Z):
        raise TypeError(f"{function}: {name} is a sparse matrix; embeddings are dense. "
                        f"Pass {name}.toarray().")
    try:
        array = np.asarray(Z)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{function}: {name} could not be read as a 2-D array ({exc}). Pass "
                         "an array of shape (n_samples, n_dims) whose rows all have the same "
                         "length.") from exc
    if array.dtype.kind == "O":
        # An object array may still hold numbers only (e.g. from a DataFrame of mixed
        # numeric columns): accept it if every entry converts.
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{function}: {name} must hold numbers; it holds objects that are "
                            "not. Pass an array of numeric embeddings.") from exc
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{function}: {name} must be numeric (real numbers); got dtype "
                        f"{array.dtype}. Pass an array of numeric embeddings, not strings or "
                        "complex numbers.")
    if array.ndim != 2:
        raise ValueError(f"{function}: {name} must be 2-D, of shape (n_samples, n_dims); got "
                         f"shape {array.shape}. Reshape one embedding with .reshape(1, -1).")
    if array.shape[1] == 0:
        raise ValueError(f"{function}: {name} has no columns (shape {array.shape}); "
                         "embeddings need at least one dimension.")
    # float64 always: a copy for any other dtype, and never written to, so the caller's
    # array is left as it was.
    array = np.asarray(array, dtype=np.float64)
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"{function}: {name} contains NaN or infinity (first in row {row} of "
                         f"shape {array.shape}). Drop or impute those records in both views "
                         "before evaluating.")
    return array


def _check_views(function: str, Z_a, Z_b, *, names: tuple[str, str] = ("Z_a", "Z_b"),
                 min_rows: int = 1, same_rows: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validate two views for ``function``; return them as 2-D float64 arrays."""
    A, B = _as_view(function, Z_a, names[0]), _as_view(function, Z_b, names[1])
    for array, name in ((A, names[0]), (B, names[1])):
        if array.shape[0] < min_rows:
            raise ValueError(f"{function} needs at least {min_rows} rows in {name}; got shape "
                             f"{array.shape}. Pass the embeddings of more records.")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"{function}: {names[0]} and {names[1]} must have the same number of "
                         f"columns (one shared embedding space); got shapes {A.shape} and "
                         f"{B.shape}. Embed both views with the same encoder, or project them "
                         "into a common space first.")
    if same_rows and A.shape[0] != B.shape[0]:
        raise ValueError(f"{function}: {names[0]} and {names[1]} must have the same number of "
                         f"rows, row i of each being the same record; got shapes {A.shape} and "
                         f"{B.shape}. Pass both views of the same records in the same order "
                         "(use match_records to pair tables of different sizes).")
    return A, B


def _check_k(k) -> tuple[int, ...]:
    values = (k,) if isinstance(k, numbers.Integral) else k
    if not isinstance(values, Iterable) or isinstance(values, (str, bytes)):
        raise TypeError(f"cross_view_retrieval: k must be a positive integer or a sequence of "
                        f"them, such as (1, 5, 10); got {k!r}.")
    values = tuple(values)
    for value in values:
        # bool is an Integral, but k=True is a mistake, not "top 1".
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"cross_view_retrieval: every k must be a positive integer; got "
                             f"{value!r} in k={k!r}. Pass cut-offs such as (1, 5, 10).")
    return tuple(int(value) for value in values)


def _normalise(Z: np.ndarray) -> np.ndarray:
    # A zero row stays zero (similarity 0 to everything) instead of becoming NaN.
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    return Z / np.maximum(norms, 1e-12)


def _cosine(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.round(_normalise(A) @ _normalise(B).T, _DECIMALS)


def positive_rank(Z1, Z2, *, normalize: bool = True) -> float:
    r"""Mean rank of each positive pair's similarity among its row of similarities.

    For the cosine similarity matrix :math:`S_{ij} = \cos(z^{(1)}_i, z^{(2)}_j)`, each
    row ``i`` ranks its ``n`` values in increasing order (ties get the average of their
    ranks, as :func:`scipy.stats.rankdata`); :math:`r_i` is the rank of the positive
    :math:`S_{ii}`, so a positive more similar than every negative has rank ``n``. The
    metric is the mean of :math:`r_i` over the rows, a common "rank metric" of
    contrastive tutorials.

    Scale: with ``normalize=False`` the raw mean rank, in :math:`[1, n]`. With
    ``normalize=True`` (the default) :math:`(\bar r - 1) / (n - 1)`, in :math:`[0, 1]`,
    comparable across ``n``: **1 is perfect** (every positive ranked first), **about 0.5
    is chance** (independent embeddings, or every similarity tied), 0 is the worst
    (every positive ranked last).

    Parameters
    ----------
    Z1, Z2 : array-like of shape (n_samples, n_dims)
        Two views; row ``i`` of both is the same record. At least 2 rows.
    normalize : bool, default=True
        Return the rank rescaled to :math:`[0, 1]` rather than the raw mean rank.

    Returns
    -------
    float

    See Also
    --------
    cross_view_retrieval : Reciprocal rank and top-k accuracy, with ties counted against.

    Notes
    -----
    Similarities equal to 12 decimals are ties. The similarity matrix takes
    ``O(n_samples ** 2)`` memory.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import positive_rank
    >>> Z = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> positive_rank(Z, Z), positive_rank(Z, Z, normalize=False)  # perfect: rank n = 3
    (1.0, 3.0)
    >>> round(positive_rank(Z, Z[[1, 0, 2]]), 4)  # rows 0, 1 swapped: their positives last
    0.3333
    """
    A, B = _check_views("positive_rank", Z1, Z2, names=("Z1", "Z2"), min_rows=2,
                        same_rows=True)
    S = _cosine(A, B)
    mean_rank = float(np.mean(np.diag(rankdata(S, method="average", axis=1))))
    if not normalize:
        return mean_rank
    return (mean_rank - 1.0) / (S.shape[0] - 1)


def cross_view_retrieval(Z_a, Z_b, *, k=(1, 5, 10)) -> dict:
    r"""Retrieve each record's other view among all candidates: MRR, top-k, matching.

    Each row ``i`` of ``Z_a`` is a query; the candidates are all rows of ``Z_b``, ranked
    by cosine similarity, and the right answer is row ``i``. The rank of the answer is
    the number of candidates at least as similar as it (itself included), so 1 when it
    is strictly the most similar.

    Ties are counted against the embedding (the answer ranks after every candidate tied
    with it): otherwise a collapsed embedding, whose similarities are all equal, would
    rank every answer first and score perfectly. Constant embeddings score the worst:
    mean reciprocal rank :math:`1/n`, top-k accuracy 0 for every ``k < n`` and matched
    fraction 0.

    Parameters
    ----------
    Z_a : array-like of shape (n_samples, n_dims)
        The queries, one view; at least 2 rows.
    Z_b : array-like of shape (n_samples, n_dims)
        The candidates, the other view: row ``i`` is the same record as row ``i`` of
        ``Z_a``. Same shape as ``Z_a``.
    k : int or sequence of int, default=(1, 5, 10)
        Cut-offs of the top-k accuracies; positive. A ``k`` of at least ``n_samples``
        gives 1.0.

    Returns
    -------
    dict
        ``"mrr"``: the mean over queries of the reciprocal rank of the answer, in
        :math:`(0, 1]`; ``"top_<k>"`` for each ``k``: the fraction of queries whose
        answer has rank at most ``k``; ``"matched_fraction"``: the fraction of rows that
        :func:`match_records` assigns to their own other view when it pairs the two
        views one to one.

    See Also
    --------
    match_records : The one-to-one assignment behind ``"matched_fraction"``.
    positive_rank : The mean rank of the positives, ties averaged.

    Notes
    -----
    :func:`scipy.optimize.linear_sum_assignment` breaks ties between equally good
    assignments by position, which would favour the true partners (they share a
    position); for ``"matched_fraction"`` the candidates are handed to it rotated by one
    row, so that a constant embedding matches no row rather than all of them.
    Similarities equal to 12 decimals are ties. Memory is ``O(n_samples ** 2)`` and the
    matching takes ``O(n_samples ** 3)`` time.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import cross_view_retrieval
    >>> Z = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> cross_view_retrieval(Z, Z, k=(1, 2))
    {'mrr': 1.0, 'top_1': 1.0, 'top_2': 1.0, 'matched_fraction': 1.0}
    >>> cross_view_retrieval(np.ones((3, 2)), np.ones((3, 2)), k=1)  # collapsed: worst
    {'mrr': 0.3333333333333333, 'top_1': 0.0, 'matched_fraction': 0.0}
    """
    ks = _check_k(k)
    A, B = _check_views("cross_view_retrieval", Z_a, Z_b, min_rows=2, same_rows=True)
    S = _cosine(A, B)
    n = S.shape[0]
    ranks = np.sum(S >= np.diag(S)[:, None], axis=1)
    scores = {"mrr": float(np.mean(1.0 / ranks))}
    for cutoff in ks:
        scores[f"top_{cutoff}"] = float(np.mean(ranks <= cutoff))
    # Rotated candidates: rotated row j is row (j + 1) % n of Z_b (see Notes).
    rotated = match_records(A, np.roll(B, -1, axis=0))
    match = (rotated + 1) % n
    scores["matched_fraction"] = float(np.mean(match == np.arange(n)))
    return scores


def match_records(Z_a, Z_b) -> np.ndarray:
    """Pair the records of two tables with no shared key, one to one, by their embeddings.

    The assignment maximises the total cosine similarity of the matched pairs
    (:func:`scipy.optimize.linear_sum_assignment` with ``maximize=True``). Each row of
    the smaller table is matched to exactly one row of the larger; no row is used twice.

    Parameters
    ----------
    Z_a : array-like of shape (n_a, n_dims)
        Embeddings of the records of the first table.
    Z_b : array-like of shape (n_b, n_dims)
        Embeddings of the records of the second table, in the same space (same number
        of columns); ``n_b`` may differ from ``n_a``.

    Returns
    -------
    ndarray of int of shape (n_a,)
        ``match[i]`` is the row of ``Z_b`` matched to row ``i`` of ``Z_a``, or -1 when
        row ``i`` is left unmatched (only possible when ``n_a > n_b``).

    See Also
    --------
    cross_view_retrieval : Scores this matching when row ``i`` of both is the same record.

    Notes
    -----
    When several assignments have the same total similarity, which one is returned is
    up to the solver. Similarities are rounded to 12 decimals first. Memory is
    ``O(n_a * n_b)`` and time about ``O(n_a * n_b * min(n_a, n_b))``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import match_records
    >>> Z_a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> match_records(Z_a, Z_a[[2, 0, 1]])  # the rows of Z_b are a permutation of Z_a's
    array([1, 2, 0])
    >>> match_records(Z_a, np.array([[0.0, 2.0]]))  # one candidate: only the best row gets it
    array([-1,  0, -1])
    """
    A, B = _check_views("match_records", Z_a, Z_b)
    rows, cols = linear_sum_assignment(_cosine(A, B), maximize=True)
    match = np.full(A.shape[0], -1, dtype=np.intp)
    match[rows] = cols
    return match


def modality_gap(Z_a, Z_b) -> float:
    r"""Distance between the centroids of two views on the unit sphere (the modality gap).

    .. math:: \Big\lVert \frac{1}{n_a} \sum_i \frac{a_i}{\lVert a_i \rVert}
              - \frac{1}{n_b} \sum_j \frac{b_j}{\lVert b_j \rVert} \Big\rVert_2

    (Liang et al., "Mind the Gap", NeurIPS 2022). Multi-modal contrastive models tend to
    embed each modality in its own cone of the sphere; the gap measures how far apart
    the cones are. It is 0 when the two views' centroids coincide (e.g. identical views)
    and at most 2 (each view collapsed to a point, the two points antipodal).

    Parameters
    ----------
    Z_a : array-like of shape (n_a, n_dims)
        Embeddings of the first view.
    Z_b : array-like of shape (n_b, n_dims)
        Embeddings of the second view, in the same space (same number of columns);
        ``n_b`` may differ from ``n_a``.

    Returns
    -------
    float

    Notes
    -----
    A zero row stays zero after normalisation, and so pulls its view's centroid towards
    the origin.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import modality_gap
    >>> Z = np.array([[1.0, 0.0], [0.0, 3.0]])
    >>> modality_gap(Z, Z), modality_gap(Z, -Z)  # identical views; opposite views
    (0.0, 1.4142135623730951)
    >>> modality_gap(np.array([[2.0, 0.0]]), np.array([[-1.0, 0.0], [-5.0, 0.0]]))
    2.0
    """
    A, B = _check_views("modality_gap", Z_a, Z_b)
    gap = _normalise(A).mean(axis=0) - _normalise(B).mean(axis=0)
    return float(np.linalg.norm(gap))
