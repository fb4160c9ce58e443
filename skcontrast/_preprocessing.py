"""Tabular preprocessing shared by the MLP embedders: standardisation, one-hot categories."""

from __future__ import annotations

import numpy as np

from ._config import block_bytes

__all__ = [
    "MISSING_CATEGORY",
    "StandardizedRows",
    "categorical_codes",
    "encode_mixed",
    "encoded_groups",
    "preprocess_in_order",
    "standardization_stats",
    "standardize_float32",
]


def standardization_stats(X: np.ndarray, standardize: bool) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales of the training rows (zeros and ones when not standardising).

    Constant columns are only centred: dividing by a spread of ~0 would blow them up.

    Examples
    --------
    >>> import numpy as np
    >>> mean, scale = standardization_stats(np.array([[1.0, 5.0], [3.0, 5.0]]), True)
    >>> mean.tolist(), scale.tolist()
    ([2.0, 5.0], [1.0, 1.0])
    """
    if not standardize:
        return np.zeros(X.shape[1]), np.ones(X.shape[1])
    blocks = _row_blocks(X)
    if len(blocks) == 1:
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
    else:
        # Large inputs (memory maps): two passes of one block at a time, never a
        # float64 temporary of the size of X.
        n = X.shape[0]
        mean = sum(np.asarray(X[lo:hi], dtype=np.float64).sum(axis=0) for lo, hi in blocks) / n
        scale = np.sqrt(sum(((np.asarray(X[lo:hi], dtype=np.float64) - mean) ** 2).sum(axis=0)
                            for lo, hi in blocks) / n)
    return mean, np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)


def _row_blocks(X, n_rows: int | None = None) -> list[tuple[int, int]]:
    """Ranges of ``n_rows`` (default: all of X's) rows of X's width, about
    ``block_mib`` (:func:`skcontrast.set_config`) of float64 each (one range for
    small inputs)."""
    n = X.shape[0] if n_rows is None else n_rows
    width = max(1, int(np.prod(X.shape[1:])))
    rows = max(1, block_bytes() // (8 * width))
    return [(lo, min(lo + rows, n)) for lo in range(0, n, rows)] or [(0, 0)]


def standardize_float32(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(X - mean) / scale`` as float32; a ``ValueError`` if it overflows float32.

    Examples
    --------
    >>> import numpy as np
    >>> standardize_float32(np.array([[1.0, 3.0]]), np.array([1.0, 1.0]), np.array([1.0, 2.0]))
    array([[0., 1.]], dtype=float32)
    """
    out = np.empty(X.shape, dtype=np.float32)
    # Block by block: a float64 temporary of one block, not of all of X (memory maps).
    with np.errstate(over="ignore"):
        for lo, hi in _row_blocks(X):
            out[lo:hi] = (X[lo:hi] - mean) / scale
    if not np.isfinite(out).all():
        raise ValueError(
            "X holds values too large for float32 once preprocessed (|x| > 3.4e38). "
            "Rescale the features or keep standardize=True."
        )
    return out


class StandardizedRows:
    """``standardize_float32(X, mean, scale)[order]``, read from ``X`` on demand.

    What SCARF trains on when the float32 copy of a numeric table would be large: a
    batch's rows (:meth:`rows`) and the corruption's marginal draws (:meth:`values`, one
    element per drawn row and column) are read and standardised when they are needed, so
    a memory map is never copied whole. Values are identical to indexing the eager copy.
    One block-wise pass at construction raises the eager copy's float32-overflow error
    before any training.

    Parameters
    ----------
    X : ndarray or memory map of shape (n_samples, n_features)
        Validated numeric rows.
    order : array-like of int
        The rows of ``X``, in the order wanted (e.g. a shuffled training split).
    mean, scale : ndarray of shape (n_features,)
        Standardisation statistics.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> rows = StandardizedRows(X, [2, 0], np.zeros(2), np.full(2, 2.0))
    >>> rows.shape
    (2, 2)
    >>> rows.rows(np.array([1, 0]))
    array([[0. , 0.5],
           [2. , 2.5]], dtype=float32)
    >>> rows.values(np.array([[0, 1]]))  # column 0 of order[0], column 1 of order[1]
    array([[2. , 0.5]], dtype=float32)
    """

    def __init__(self, X, order, mean: np.ndarray, scale: np.ndarray):
        self._X = X
        self._order = np.asarray(order, dtype=np.int64)
        self._mean, self._scale = mean, scale
        self.shape = (len(self._order), X.shape[1])
        for lo, hi in _row_blocks(X):
            standardize_float32(X[lo:hi], mean, scale)  # raises on float32 overflow

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, idx) -> np.ndarray:
        """Rows ``order[idx]``, standardised, float32 ``(len(idx), n_features)``."""
        rows = self._order[np.asarray(idx, dtype=np.int64)]
        by_row = np.argsort(rows, kind="stable")  # read in file order
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        out[by_row] = standardize_float32(self._X[rows[by_row]], self._mean, self._scale)
        return out

    def values(self, source_rows) -> np.ndarray:
        """Element ``[i, j]``: column ``j`` of row ``order[source_rows[i, j]]``, standardised."""
        rows = self._order[np.asarray(source_rows, dtype=np.int64)]
        return standardize_float32(self._X[rows, np.arange(self.shape[1])], self._mean,
                                   self._scale)

    def cpu(self) -> StandardizedRows:
        """Itself: the rows are read on the host (the tensor method callers use)."""
        return self


#: The category that missing values (None, NaN) of a categorical column become.
MISSING_CATEGORY = "<NA>"


def categorical_codes(column, categories: np.ndarray) -> np.ndarray:
    """Index of each value of ``column`` in ``categories``; -1 for a category not in it.

    ``column`` holds strings (missing values already replaced by
    :data:`MISSING_CATEGORY`); ``categories`` is sorted.

    Examples
    --------
    >>> import numpy as np
    >>> categorical_codes(np.array(["b", "z", "a"], dtype=object), np.array(["a", "b"]))
    array([ 1, -1,  0])
    """
    values = np.asarray(column, dtype=str)
    position = np.clip(np.searchsorted(categories, values), 0, max(len(categories) - 1, 0))
    found = len(categories) > 0
    known = (categories[position] == values) if found else np.zeros(len(values), dtype=bool)
    return np.where(known, position, -1)


def encode_mixed(numeric: np.ndarray, categorical: list, is_categorical: np.ndarray,
                 mean: np.ndarray, scale: np.ndarray, categories: list) -> np.ndarray:
    """The float32 matrix the encoder consumes: z-scored numbers, one-hot categories.

    Columns keep their order; a numeric column becomes one standardised column, a
    categorical column ``len(categories[j])`` indicator columns (all zero for a category
    unseen in training).

    Parameters
    ----------
    numeric : ndarray of shape (n_samples, n_numeric)
        The numeric columns, float64.
    categorical : list of ndarray
        The categorical columns, as strings.
    is_categorical : ndarray of bool, shape (n_columns,)
        Which columns are categorical.
    mean, scale : ndarray of shape (n_columns,)
        Standardisation of the numeric columns (ignored for categorical ones).
    categories : list of (ndarray or None)
        Sorted categories of each categorical column (``None`` for numeric ones).

    Returns
    -------
    ndarray of shape (n_samples, n_encoded), float32
    """
    n_samples = numeric.shape[0] if numeric.size else len(categorical[0])
    widths = [len(c) if cat else 1 for c, cat in zip(categories, is_categorical)]
    out = np.zeros((n_samples, sum(widths)), dtype=np.float32)
    numeric_cols = np.flatnonzero(~is_categorical)
    if numeric_cols.size:
        standardized = standardize_float32(numeric, mean[numeric_cols], scale[numeric_cols])
    start, k_num, k_cat = 0, 0, 0
    for j, width in enumerate(widths):
        if is_categorical[j]:
            codes = categorical_codes(categorical[k_cat], categories[j])
            rows = np.flatnonzero(codes >= 0)
            out[rows, start + codes[rows]] = 1.0
            k_cat += 1
        else:
            out[:, start] = standardized[:, k_num]
            k_num += 1
        start += width
    return out


def encoded_groups(is_categorical: np.ndarray, categories: list) -> np.ndarray:
    """For each encoded column, the index of the input column it encodes.

    Examples
    --------
    >>> import numpy as np
    >>> encoded_groups(np.array([False, True, False]), [None, np.array(["a", "b"]), None])
    array([0, 1, 1, 2])
    """
    widths = [len(c) if cat else 1 for c, cat in zip(categories, is_categorical)]
    return np.repeat(np.arange(len(widths)), widths)


def preprocess_in_order(preprocess, X, order) -> np.ndarray:
    """``preprocess(X)[order]``, computed one block of rows at a time.

    A training split (the rows of ``X`` in a shuffled order) is built without holding
    both the preprocessed ``X`` and its reordered copy, and without a float64 temporary
    of all of ``X``: one block of rows (about ``block_mib`` of float64) is gathered
    and preprocessed at a time. ``preprocess`` must act row by row (fitted state only).

    Parameters
    ----------
    preprocess : callable
        Maps validated rows (an array, or a DataFrame) to an array with one row each.
    X : ndarray, memory map or DataFrame
        Validated input.
    order : array-like of int
        Row indices, in the order wanted.

    Returns
    -------
    ndarray of shape (len(order), ...)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> preprocess_in_order(lambda rows: rows * 10, X, [2, 0]).tolist()
    [[40.0, 50.0], [0.0, 10.0]]
    """
    import pandas as pd

    order = np.asarray(order, dtype=np.int64)
    out = None
    for lo, hi in _row_blocks(X, len(order)):
        rows = order[lo:hi]
        # Read in increasing row order (cheap on a memory map), then put back in order.
        by_row = np.argsort(rows, kind="stable")
        block = X.iloc[rows[by_row]] if isinstance(X, pd.DataFrame) else X[rows[by_row]]
        part = preprocess(block)[np.argsort(by_row, kind="stable")]
        if out is None:
            out = np.empty((len(order),) + part.shape[1:], dtype=part.dtype)
        out[lo:hi] = part
    return out
