"""Small public helpers shared by the probes, the robustness protocols and the benchmarks."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

__all__ = [
    "check_rate",
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
    (:class:`~skcontrast.ExpCLREmbedder`, whose class sets ``_fits_unlabelled_rows``)
    get the partial labels; supervised ones (their tags require ``y``, e.g.
    :class:`~skcontrast.SupConEmbedder`) get the labelled rows only.

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
    if y is None:
        return embedder.fit(X)
    if getattr(type(embedder), "_fits_unlabelled_rows", False):
        return embedder.fit(X, y)
    if embedder.__sklearn_tags__().target_tags.required:
        return embedder.fit(*labelled_subset(X, y))
    return embedder.fit(X)
