"""NumPy preprocessing of time-series collections for TS2Vec's ``fit``.

:class:`TrainingSeries` (what ``fit`` uses) holds TS2Vec's training sections (long
series split, each section's observed span centred, all-missing sections dropped),
gathered a batch at a time; the tests compare it with the same steps written eagerly on
a whole collection. :func:`fill_missing_timestamps` fills gaps for models that cannot
read them.

Arrays have layout ``(n_series, n_timesteps, n_channels)`` and a float dtype; NaN marks a
missing value. Variable-length series arrive NaN-padded. Every function returns a new
array and leaves its input untouched.
"""

from __future__ import annotations

import numpy as np

from ._preprocessing import _row_blocks

__all__ = ["TrainingSeries", "fill_missing_timestamps"]


class TrainingSeries:
    """TS2Vec's training series, gathered a batch at a time instead of copied whole.

    The sections are those of the reference code's preprocessing: series longer than
    ``max_length`` split into equal sections (NaN-padded), each section's observed span
    moved to the centre of its window when the collection has leading or trailing
    gaps, and the sections with no observed value dropped.

    TS2Vec touches ``batch_size * n_iters`` series (a few thousand), whatever the size
    of the collection, so ``fit`` needs no float32 copy of all of ``X``: one pass over
    ``X`` in blocks of about 64 MB (the preprocessing, with its float32 overflow check)
    keeps only, per section, whether it has an observed timestamp and its leading and
    trailing padding; :meth:`take` then reads, converts, pads and rolls just the
    requested sections. Values are identical to those steps applied to the whole
    collection at once (tested against that eager version).

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
        # As the reference centring on the split collection: move every section only if
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
