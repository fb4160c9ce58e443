"""Small public helpers shared by the probes, the robustness protocols and the benchmarks."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = ["check_rate", "flatten_series", "set_random_state"]


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
