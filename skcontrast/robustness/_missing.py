"""Missing-value injection: TS2Vec's "irregular" protocol and tabular MCAR.

Both functions choose an exact number of cells uniformly without replacement
(rather than masking each cell independently with probability ``rate``), so a
given rate always removes the same amount of data and curves over rates are
not blurred by binomial noise.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ..utils import check_rate
from ._rates import n_selected

__all__ = ["inject_mcar", "inject_missing_timestamps"]


def _choose_cells(n_cells: int, rate: float, random_state) -> np.ndarray:
    """Flat indices of ``round(rate * n_cells)`` distinct cells, uniformly chosen."""
    rng = check_random_state(random_state)
    return rng.choice(n_cells, size=n_selected(rate, n_cells), replace=False)


def _float_copy(X, name: str) -> np.ndarray:
    if hasattr(X, "toarray"):
        raise TypeError(f"{name} is a sparse matrix; pass a dense array ({name}.toarray()).")
    if isinstance(X, set | frozenset | dict | str | bytes) or X is None:
        raise TypeError(f"{name} must be an array of numbers; got {type(X).__name__}.")
    try:
        array = np.asarray(X)
    except ValueError as exc:  # ragged lists
        raise ValueError(
            f"{name} must be a rectangular array of numbers, but its rows have different "
            "lengths; pad them first (skcontrast.utils.pad_series for time series)."
        ) from exc
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold numbers (bool, int or float); got dtype {array.dtype}. "
            "Encode categorical values first."
        )
    # A float copy: NaN needs a float dtype, and the caller's array stays untouched.
    dtype = array.dtype if array.dtype.kind == "f" else np.float64
    return np.array(array, dtype=dtype, copy=True)


def inject_missing_timestamps(X, rate, *, random_state=None, return_mask=False):
    """Mark a fraction of (series, timestamp) cells missing, across all channels.

    This is the "irregular" protocol of TS2Vec (Yue et al., 2022): exactly
    ``round(rate * n_samples * n_timesteps)`` (series, timestamp) cells are chosen
    uniformly without replacement among all such cells, and every channel of a
    chosen cell is set to NaN. Apply it to the training and test sets with
    independent seeds, as the paper does.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
        Time series; 2-D input is read as univariate. May already contain NaN.
    rate : float in [0, 1]
        Fraction of (series, timestamp) cells to remove.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of cells.
    return_mask : bool, default=False
        Also return the boolean mask of the chosen cells.

    Returns
    -------
    X_missing : ndarray, same shape as ``X``
        A new floating-point array (float64 unless ``X`` already is floating point)
        with the chosen cells set to NaN.
    mask : ndarray of bool, shape (n_samples, n_timesteps)
        ``True`` where a cell was chosen. Only returned when ``return_mask=True``.

    Notes
    -----
    Cells that are already missing (e.g. the NaN padding of variable-length UCR
    series) are eligible like any other: the chosen set always has exactly
    ``round(rate * n_samples * n_timesteps)`` cells, but some of them may have
    been missing before, so the fraction of missing cells in the output is at
    most ``rate`` plus the fraction missing in the input. TS2Vec's reference
    (``data_dropout``) behaves the same way and takes ``int(rate * n * T)``
    cells; we round half up instead, which differs by at most one cell.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.robustness import inject_missing_timestamps
    >>> X = np.zeros((4, 2, 10))
    >>> X_missing, mask = inject_missing_timestamps(X, 0.25, random_state=0, return_mask=True)
    >>> int(mask.sum())  # round(0.25 * 4 * 10)
    10
    >>> bool(np.isnan(X_missing).all(axis=1)[mask].all())  # every channel of a chosen cell
    True
    >>> bool(np.isnan(X).any())  # the input is untouched
    False
    """
    rate = check_rate(rate)
    out = _float_copy(X, "X")
    if out.ndim not in (2, 3):
        raise ValueError(
            "X must be 2-D (n_samples, n_timesteps) or 3-D (n_samples, n_channels, "
            f"n_timesteps); got shape {out.shape}."
        )
    n_samples, n_timesteps = out.shape[0], out.shape[-1]
    mask = np.zeros(n_samples * n_timesteps, dtype=bool)
    mask[_choose_cells(n_samples * n_timesteps, rate, random_state)] = True
    mask = mask.reshape(n_samples, n_timesteps)
    if out.ndim == 3:
        out[np.broadcast_to(mask[:, None, :], out.shape)] = np.nan
    else:
        out[mask] = np.nan
    return (out, mask) if return_mask else out


def inject_mcar(X, rate, *, random_state=None, return_mask=False):
    """Remove a fraction of the cells of a table, missing completely at random.

    Exactly ``round(rate * n_samples * n_features)`` cells, chosen uniformly
    without replacement, become NaN.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or pandas.DataFrame
        The table. May already contain missing values.
    rate : float in [0, 1]
        Fraction of cells to remove.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of cells.
    return_mask : bool, default=False
        Also return the boolean mask of the chosen cells.

    Returns
    -------
    X_missing : ndarray or pandas.DataFrame
        A copy of ``X`` of the same type. An ndarray is returned as floating point
        (float64 unless it already is floating point); a DataFrame keeps its
        index and columns, integer columns with a removed cell becoming float.
    mask : ndarray of bool, shape (n_samples, n_features)
        ``True`` where a cell was chosen. Only returned when ``return_mask=True``.

    Notes
    -----
    As in :func:`inject_missing_timestamps`, cells that are already missing are
    eligible, so the output may have fewer new missing cells than the count.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.robustness import inject_mcar
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [5.0, 6.0, 7.0, 8.0]})
    >>> out = inject_mcar(df, 0.5, random_state=0)
    >>> int(out.isna().to_numpy().sum()), int(df.isna().to_numpy().sum())
    (4, 0)
    """
    rate = check_rate(rate)
    if hasattr(X, "iloc") and hasattr(X, "columns"):
        n_samples, n_features = X.shape
        mask = np.zeros(n_samples * n_features, dtype=bool)
        mask[_choose_cells(n_samples * n_features, rate, random_state)] = True
        mask = mask.reshape(n_samples, n_features)
        # DataFrame.mask returns a new frame; the caller's frame is not touched.
        out = X.mask(mask)
        return (out, mask) if return_mask else out
    out = _float_copy(X, "X")
    if out.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features); got shape {out.shape}. For time "
            "series use inject_missing_timestamps."
        )
    mask = np.zeros(out.size, dtype=bool)
    mask[_choose_cells(out.size, rate, random_state)] = True
    mask = mask.reshape(out.shape)
    out[mask] = np.nan
    return (out, mask) if return_mask else out
