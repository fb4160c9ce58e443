"""NumPy preprocessing of time-series collections for TS2Vec's ``fit``.

The functions are the steps, one at a time on a whole collection; :class:`TrainingSeries`
(what ``fit`` uses) composes them lazily, a batch at a time.

Arrays have layout ``(n_series, n_timesteps, n_channels)`` and a float dtype; NaN marks a
missing value. Variable-length series arrive NaN-padded. Every function returns a new
array and leaves its input untouched.
"""

from __future__ import annotations

import numpy as np

from ._preprocessing import _row_blocks

__all__ = ["TrainingSeries", "centre_observed_span", "drop_all_missing",
           "fill_missing_timestamps", "split_long_series"]


def _check_collection(x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"x must have shape (n_series, n_timesteps, n_channels), got shape {x.shape}."
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must have a floating-point dtype (NaN = missing), got {x.dtype}.")
    return x


def split_long_series(x, max_length: int) -> np.ndarray:
    """Cut long series into sections stacked as extra series, as the reference does.

    With ``sections = n_timesteps // max_length``: if ``sections >= 2`` the time axis is
    split into ``sections`` nearly equal parts (``np.array_split``), the shorter ones
    NaN-padded at the end to the first one's length, and the parts are stacked along the
    series axis (all series' first parts, then all second parts, ...). Otherwise ``x`` is
    returned unchanged (as a copy).

    A section can still be longer than ``max_length`` (at most ``2 * max_length - 1``,
    e.g. ``7000 // 3000 = 2`` sections of 3500): the reference then crops a random window
    of ``max_length`` timestamps per batch during training, and so should the caller.

    Parameters
    ----------
    x : array-like of shape (n_series, n_timesteps, n_channels)
        Float collection, NaN = missing.
    max_length : int
        The reference's ``max_train_length``.

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
        return x.copy()
    parts = np.array_split(x, sections, axis=1)
    target = parts[0].shape[1]
    padded = [
        np.pad(p, ((0, 0), (0, target - p.shape[1]), (0, 0)), constant_values=np.nan)
        for p in parts
    ]
    return np.concatenate(padded, axis=0)


def centre_observed_span(x) -> np.ndarray:
    """Shift each series so that its observed span sits in the middle of the time axis.

    A timestamp is padding when all its channels are NaN (the reference's test). If no
    series starts or ends with padding nothing moves; otherwise each series is rolled by
    ``(lead + trail) // 2 - lead`` where ``lead``/``trail`` count its leading/trailing
    padding timestamps, so only padding wraps around. An all-NaN series stays put.

    Parameters
    ----------
    x : array-like of shape (n_series, n_timesteps, n_channels)
        Float collection, NaN = missing.

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
        return x.copy()
    # argmax finds the first present timestamp (0 for an all-NaN series: no shift).
    lead = np.argmax(present, axis=1)
    trail = np.argmax(present[:, ::-1], axis=1)
    offset = (lead + trail) // 2 - lead
    source = (np.arange(n_timesteps)[None, :] - offset[:, None]) % n_timesteps
    return x[np.arange(n_series)[:, None], source]


def drop_all_missing(x) -> np.ndarray:
    """Remove the series whose every value is NaN.

    Parameters
    ----------
    x : array-like of shape (n_series, n_timesteps, n_channels)
        Float collection, NaN = missing.

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
    return x[keep]


class TrainingSeries:
    """TS2Vec's training series, ``drop_all_missing(centre_observed_span(split_long_series(
    x)))``, gathered a batch at a time instead of copied whole.

    TS2Vec touches ``batch_size * n_iters`` series (a few thousand), whatever the size
    of the collection, so ``fit`` needs no float32 copy of all of ``X``: one pass over
    ``X`` in blocks of about 64 MB (the preprocessing, with its float32 overflow check)
    keeps only, per section, whether it has an observed timestamp and its leading and
    trailing padding; :meth:`take` then reads, converts, pads and rolls just the
    requested sections. Values are identical to the eager functions of this module.

    Parameters
    ----------
    X : array-like of shape (n_series, n_channels, n_timesteps)
        Validated input, any sliceable array (a memory map is never read whole at once).
    preprocess : callable
        Maps a block of ``X`` to the float32 ``(n, n_timesteps, n_channels)`` layout
        (raising on bad values).
    max_length : int or None
        The reference's ``max_train_length`` (``None``: no splitting).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(14.0).reshape(2, 1, 7)
    >>> source = TrainingSeries(x, lambda b: b.transpose(0, 2, 1).astype("float32"), 3)
    >>> len(source), source.n_timesteps
    (4, 4)
    >>> source.take(np.array([1]))[..., 0]  # series 1's first section
    array([[ 7.,  8.,  9., 10.]], dtype=float32)
    """

    def __init__(self, X, preprocess, max_length: int | None):
        self._X = X
        self._preprocess = preprocess
        n_series, _, n_timesteps = X.shape
        sections = 1 if max_length is None else n_timesteps // int(max_length)
        sections = max(sections, 1)
        # np.array_split's bounds: the first n_timesteps % sections parts are one longer.
        sizes = np.full(sections, n_timesteps // sections)
        sizes[: n_timesteps % sections] += 1
        self._bounds = np.concatenate([[0], np.cumsum(sizes)])
        self.n_timesteps = int(sizes[0])
        observed = np.zeros((sections, n_series), dtype=bool)
        lead = np.zeros((sections, n_series), dtype=np.int64)
        trail = np.zeros((sections, n_series), dtype=np.int64)
        for lo, hi in _row_blocks(X):
            present = ~np.isnan(preprocess(X[lo:hi])).all(axis=-1)  # (n, T)
            for k in range(sections):
                part = np.zeros((hi - lo, self.n_timesteps), dtype=bool)
                part[:, : sizes[k]] = present[:, self._bounds[k] : self._bounds[k + 1]]
                observed[k, lo:hi] = part.any(axis=1)
                # argmax: the first observed timestamp (0 when there is none).
                lead[k, lo:hi] = np.argmax(part, axis=1)
                trail[k, lo:hi] = np.argmax(part[:, ::-1], axis=1)
        # As centre_observed_span on the split collection: move every section only if
        # some section (an all-missing one included) starts or ends with padding.
        first = observed & (lead == 0)
        last = observed & (trail == 0)
        offset = (lead + trail) // 2 - lead
        if first.all() and last.all():
            offset[:] = 0
        # Rows in the split collection's order (section-major), all-missing ones dropped.
        kept = np.flatnonzero(observed.ravel())
        self._section, self._series = np.divmod(kept, n_series)
        self._offset = offset.ravel()[kept]

    def __len__(self) -> int:
        return len(self._series)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_sections, n_timesteps, n_channels)`` of the collection :meth:`take` reads."""
        return (len(self), self.n_timesteps, self._X.shape[1])

    def take(self, idx) -> np.ndarray:
        """The float32 ``(len(idx), n_timesteps, n_channels)`` sections at ``idx``."""
        idx = np.asarray(idx, dtype=np.int64)
        series = self._series[idx]
        # Read each distinct series once, in file order (memory maps read sequentially).
        unique, inverse = np.unique(series, return_inverse=True)
        data = self._preprocess(self._X[unique])  # (n_unique, T, C) float32
        if len(self._bounds) == 2:  # not split: a section is its whole series
            out = data[inverse]
        else:
            out = np.full((len(idx), self.n_timesteps, data.shape[2]), np.nan,
                          dtype=np.float32)
            for i, (row, k) in enumerate(zip(inverse, self._section[idx], strict=True)):
                part = data[row, self._bounds[k] : self._bounds[k + 1]]
                out[i, : len(part)] = part
        offset = self._offset[idx]
        for i in np.flatnonzero(offset):
            out[i] = np.roll(out[i], offset[i], axis=0)
        return out


def fill_missing_timestamps(X) -> np.ndarray:
    """Fill NaN timestamps: linearly between observed neighbours, the nearest value at the ends.

    The ROCKET transforms take neither missing values nor series of different lengths.
    A gap inside a series is bridged by a straight line; a series that starts late or
    ends early (how the archive stores unequal lengths: NaN at the end) is extended with
    its first or last observed value (edge padding). Channels are filled independently.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, n_timesteps)
        Series with NaN for missing values. Not modified.

    Returns
    -------
    filled : ndarray of shape (n_samples, n_channels, n_timesteps)
        float64, without NaN.

    Raises
    ------
    ValueError
        If a channel of a series has no observed value (nothing to fill it from).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.baselines import fill_missing_timestamps
    >>> fill_missing_timestamps(np.array([[[np.nan, 1.0, np.nan, 3.0, np.nan]]]))
    array([[[1., 1., 2., 3., 3.]]])
    """
    X = np.asarray(X, dtype=np.float64)
    missing = np.isnan(X)
    if not missing.any():
        return X
    empty = missing.all(axis=2)
    if empty.any():
        series, channel = np.argwhere(empty)[0]
        raise ValueError(
            f"Series {series} has no observed value in channel {channel}: nothing to fill "
            "its missing timestamps from. Drop such series (or channels) first."
        )
    filled = X.copy()
    steps = np.arange(X.shape[2])
    for i, c in zip(*np.nonzero(missing.any(axis=2))):
        x = filled[i, c]
        gap = missing[i, c]
        # np.interp holds the end values constant outside the observed span: edge padding.
        x[gap] = np.interp(steps[gap], steps[~gap], x[~gap])
    return filled
