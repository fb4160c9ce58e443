"""Small public helpers shared by the probes, the robustness protocols and the benchmarks."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ._tags import takes_partial_labels

__all__ = [
    "check_rate",
    "pad_series",
    "flatten_series",
    "fit_embedder",
    "labelled_subset",
    "set_random_state",
]


def set_random_state(estimator, seed: int):
    """Set every parameter whose name ends in ``random_state`` (nested ones too) to ``seed``.

    This is how the robustness curves and the benchmark runner seed a whole pipeline
    (an embedder, its probe, a fine-tuned classifier's embedder) from one run seed.

    Parameters
    ----------
    estimator : estimator
        A scikit-learn estimator (a ``Pipeline``, an embedder...). Modified in place.
    seed : int
        The seed.

    Returns
    -------
    estimator
        The same object.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcontrast import SCARFEmbedder
    >>> pipe = set_random_state(make_pipeline(SCARFEmbedder(), LogisticRegression()), 3)
    >>> pipe.get_params()["scarfembedder__random_state"]
    3
    """
    params = estimator.get_params(deep=True)
    seeded = {key: seed for key in params if key.endswith("random_state")}
    return estimator.set_params(**seeded) if seeded else estimator


def flatten_series(X) -> np.ndarray:
    """Raw features for a probe: series ``(n, channels, timesteps)`` become flat rows.

    2-D input is returned as an array unchanged; 3-D input is reshaped to ``(n,
    channels * timesteps)`` (channel by channel). The raw-feature baseline of the
    benchmarks is a probe fitted on this.

    Parameters
    ----------
    X : array-like
        A table ``(n, features)`` or series ``(n, channels, timesteps)``.

    Returns
    -------
    ndarray of shape (n, n_flat_features)

    Examples
    --------
    >>> import numpy as np
    >>> flatten_series(np.zeros((4, 2, 5))).shape
    (4, 10)
    """
    X = np.asarray(X)
    return X.reshape(X.shape[0], -1) if X.ndim > 2 else X


def check_rate(rate, name: str = "rate") -> float:
    """Return ``rate`` as a float in [0, 1], or raise an error naming the problem.

    Parameters
    ----------
    rate : float
        A fraction.
    name : str, default="rate"
        How the error message calls it.

    Returns
    -------
    float

    Examples
    --------
    >>> check_rate(0.25)
    0.25
    """
    if isinstance(rate, bool) or not isinstance(rate, Real | np.floating | np.integer):
        raise TypeError(f"{name} must be a real number in [0, 1]; got {rate!r}.")
    rate = float(rate)
    if not math.isfinite(rate) or not 0.0 <= rate <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1] (a fraction, e.g. 0.2 for 20%); got {rate!r}.")
    return rate


def labelled_subset(X, y):
    """The rows of ``X`` and ``y`` that have a label (``y`` not None or NaN).

    Parameters
    ----------
    X : array-like or DataFrame
        Inputs (rows along the first axis; series and DataFrames too).
    y : array-like of shape (n_samples,)
        Partially labelled targets, e.g. from :func:`hide_labels`.

    Returns
    -------
    X_labelled : array-like
        The labelled rows of ``X`` (same type).
    y_labelled : ndarray
        Their labels, with the labels' own dtype (ints stay ints).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.utils import labelled_subset
    >>> X = np.arange(6).reshape(3, 2)
    >>> X_l, y_l = labelled_subset(X, np.array([1, None, 0], dtype=object))
    >>> X_l.tolist(), y_l.tolist(), y_l.dtype.kind
    ([[0, 1], [4, 5]], [1, 0], 'i')
    """
    y = np.asarray(y)
    known = ~np.asarray(pd.isna(y), dtype=bool)
    rows = np.flatnonzero(known)
    if known.all():
        X_labelled = X  # untouched: whatever it is, its validation happens downstream
    elif hasattr(X, "iloc"):
        X_labelled = X.iloc[rows]
    elif hasattr(X, "shape") and hasattr(X, "__getitem__"):
        X_labelled = X[rows]  # arrays, sparse matrices, memory maps
    elif isinstance(X, list | tuple):
        X_labelled = [X[i] for i in rows]  # e.g. series of different lengths
    else:
        X_labelled = np.asarray(X)[rows]
    y_labelled = y[rows]
    if y_labelled.dtype == object:
        # None removed: let numpy find the labels' own dtype (int, str...).
        y_labelled = np.asarray(y_labelled.tolist())
    return X_labelled, y_labelled


def fit_embedder(embedder, X, y=None):
    """Fit an embedder on every row it can learn from, the way the label-efficiency protocol says.

    Rows whose label is missing (``None`` or ``NaN`` in ``y``) still carry their
    features. Self-supervised embedders are fitted on every row without labels;
    embedders that use labels where they are known and train on unlabelled rows too
    (:class:`~skcontrast.ExpCLREmbedder`, :class:`~skcontrast.SupConEmbedder` with
    ``unlabelled="instance"``: their tags say ``partial_labels``) get the partial
    labels; supervised ones (their tags require ``y``, e.g.
    ``SupConEmbedder(unlabelled="drop")``) get the labelled rows only.

    Parameters
    ----------
    embedder : transformer
        An unfitted embedder (fitted in place).
    X : array-like
        Every training row.
    y : array-like of shape (n_samples,) or None, default=None
        Labels, ``None``/``NaN`` where unknown; ``None`` when there are none.

    Returns
    -------
    embedder
        The fitted embedder.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder
    >>> from skcontrast.utils import fit_embedder
    >>> X = np.random.RandomState(0).normal(size=(40, 4))
    >>> y = np.array([0, 1, None, None] * 10, dtype=object)
    >>> fit_embedder(SCARFEmbedder(max_epochs=2, random_state=0), X, y).n_features_in_
    4
    """
    # y is always passed (None for self-supervised fits): wrappers such as scikit-learn's
    # FrozenEstimator require it positionally.
    if y is None:
        return embedder.fit(X, None)
    # A pipeline (imputation, scaling... then the embedder) learns as its last step does.
    final = embedder[-1] if isinstance(embedder, Pipeline) else embedder
    if takes_partial_labels(final):
        return embedder.fit(X, y)
    if final.__sklearn_tags__().target_tags.required:
        return embedder.fit(*labelled_subset(X, y))
    return embedder.fit(X, None)


def pad_series(series, length=None) -> np.ndarray:
    """Stack series of different lengths into one ``(n, n_channels, length)`` array, NaN-padded.

    Each series is a 1-D array ``(n_timesteps,)`` (univariate) or a 2-D array
    ``(n_channels, n_timesteps)``; shorter ones are padded with NaN at the end, which
    the time-series embedders read as missing timestamps (as the UCR/UEA archives ship
    variable-length series). The time-series embedders call it themselves on a list of
    series of different lengths.

    Parameters
    ----------
    series : sequence of array-like
        The series, all with the same number of channels.
    length : int or None, default=None
        The common length; ``None`` means the longest series. A series longer than
        ``length`` is an error.

    Returns
    -------
    ndarray of shape (n_series, n_channels, length), float64

    Examples
    --------
    >>> from skcontrast.utils import pad_series
    >>> X = pad_series([[1.0, 2.0, 3.0], [4.0]])
    >>> X.shape, X[1, 0].tolist()
    ((2, 1, 3), [4.0, nan, nan])
    """
    if isinstance(series, np.ndarray) or not hasattr(series, "__len__") or isinstance(
            series, str | bytes):
        raise TypeError("pad_series takes a list (or tuple) of series.")
    arrays = []
    for i, item in enumerate(series):
        if hasattr(item, "toarray") or isinstance(item, set | dict | str | bytes):
            raise TypeError(f"Series {i} is a {type(item).__name__}, not an array of numbers.")
        try:
            arr = np.asarray(item, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"Series {i} is not a numeric 1-D or 2-D array (numbers, NaN for missing "
                "values)."
            ) from exc
        if arr.ndim == 1:
            arr = arr[np.newaxis, :]
        if arr.ndim != 2:
            raise ValueError(
                f"Series {i} has shape {arr.shape}; each series must be 1-D (n_timesteps,) "
                "or 2-D (n_channels, n_timesteps)."
            )
        arrays.append(arr)
    if not arrays:
        raise ValueError("pad_series got no series.")
    channels = {a.shape[0] for a in arrays}
    if len(channels) > 1:
        raise ValueError(
            f"The series have different numbers of channels {sorted(channels)}; pad_series "
            "only pads the time axis."
        )
    longest = max(a.shape[1] for a in arrays)
    length = longest if length is None else int(length)
    if longest > length:
        raise ValueError(f"A series has {longest} timestamps, more than length={length}.")
    out = np.full((len(arrays), arrays[0].shape[0], length), np.nan)
    for i, a in enumerate(arrays):
        out[i, :, : a.shape[1]] = a
    return out

