"""NumPy preprocessing of time-series collections for TS2Vec's ``fit``.

Arrays have layout ``(n_series, n_timesteps, n_channels)`` and a float dtype; NaN marks a
missing value. Variable-length series arrive NaN-padded. Every function leaves its input
untouched and returns a new array (or, with ``copy=False``, the input itself when it
would be unchanged).
"""

from __future__ import annotations

import numpy as np

__all__ = ["centre_observed_span", "drop_all_missing", "split_long_series"]


def _check_collection(x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"x must have shape (n_series, n_timesteps, n_channels), got shape {x.shape}."
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must have a floating-point dtype (NaN = missing), got {x.dtype}.")
    return x


def split_long_series(x, max_length: int, *, copy: bool = True) -> np.ndarray:
    """Cut long series into sections stacked as extra series, as the reference does.

    With ``sections = n_timesteps // max_length``: if ``sections >= 2`` the time axis is
    split into ``sections`` nearly equal parts (``np.array_split``), the shorter ones
    NaN-padded at the end to the first one's length, and the parts are stacked along the
    series axis (all series' first parts, then all second parts, ...). Otherwise ``x`` is
    returned unchanged (a copy unless ``copy=False``).

    A section can still be longer than ``max_length`` (at most ``2 * max_length - 1``,
    e.g. ``7000 // 3000 = 2`` sections of 3500): the reference then crops a random window
    of ``max_length`` timestamps per batch during training, and so should the caller.

    Parameters
    ----------
    x : array-like of shape (n_series, n_timesteps, n_channels)
        Float collection, NaN = missing.
    max_length : int
        The reference's ``max_train_length``.
    copy : bool, default=True
        Whether an unchanged result is a copy. ``False`` returns ``x`` itself when
        nothing changes (``fit`` passes its own fresh array: no second copy of the data).

    Returns
    -------
    ndarray of shape (n_series * sections, ceil(n_timesteps / sections), n_channels)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(7.0).reshape(1, 7, 1)
    >>> split_long_series(x, 3)[..., 0]
    array([[ 0.,  1.,  2.,  3.],
           [ 4.,  5.,  6., nan]])
    """
    x = _check_collection(x)
    if int(max_length) != max_length or max_length < 1:
        raise ValueError(f"max_length must be a positive integer, got {max_length!r}.")
    sections = x.shape[1] // int(max_length)
    if sections < 2:
        return x.copy() if copy else x
    parts = np.array_split(x, sections, axis=1)
    target = parts[0].shape[1]
    padded = [
        np.pad(p, ((0, 0), (0, target - p.shape[1]), (0, 0)), constant_values=np.nan)
        for p in parts
    ]
    return np.concatenate(padded, axis=0)


def centre_observed_span(x, *, copy: bool = True) -> np.ndarray:
    """Shift each series so that its observed span sits in the middle of the time axis.

    A timestamp is padding when all its channels are NaN (the reference's test). If no
    series starts or ends with padding nothing moves; otherwise each series is rolled by
    ``(lead + trail) // 2 - lead`` where ``lead``/``trail`` count its leading/trailing
    padding timestamps, so only padding wraps around. An all-NaN series stays put.

    Parameters
    ----------
    x : array-like of shape (n_series, n_timesteps, n_channels)
        Float collection, NaN = missing.
    copy : bool, default=True
        Whether an unchanged result is a copy. ``False`` returns ``x`` itself when
        nothing changes (``fit`` passes its own fresh array: no second copy of the data).

    Returns
    -------
    ndarray of the same shape

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0, np.nan, np.nan, np.nan, np.nan]])[..., None]
    >>> centre_observed_span(x)[..., 0]
    array([[nan, nan,  1.,  2., nan, nan]])
    """
    x = _check_collection(x)
    n_series, n_timesteps, _ = x.shape
    present = ~np.isnan(x).all(axis=-1)
    if n_timesteps == 0 or (present[:, 0].all() and present[:, -1].all()):
        return x.copy() if copy else x
    # argmax finds the first present timestamp (0 for an all-NaN series: no shift).
    lead = np.argmax(present, axis=1)
    trail = np.argmax(present[:, ::-1], axis=1)
    offset = (lead + trail) // 2 - lead
    source = (np.arange(n_timesteps)[None, :] - offset[:, None]) % n_timesteps
    return x[np.arange(n_series)[:, None], source]


def drop_all_missing(x, *, copy: bool = True) -> np.ndarray:
    """Remove the series whose every value is NaN.

    Parameters
    ----------
    x : array-like of shape (n_series, n_timesteps, n_channels)
        Float collection, NaN = missing.
    copy : bool, default=True
        Whether an unchanged result is a copy. ``False`` returns ``x`` itself when
        nothing changes (``fit`` passes its own fresh array: no second copy of the data).

    Returns
    -------
    ndarray of shape (n_kept, n_timesteps, n_channels)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0], [np.nan]], [[np.nan], [np.nan]]])
    >>> drop_all_missing(x).shape
    (1, 2, 1)
    """
    x = _check_collection(x)
    keep = ~np.isnan(x).all(axis=(1, 2))
    if not copy and keep.all():
        return x
    return x[keep]
