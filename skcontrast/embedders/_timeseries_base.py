"""Input handling shared by the time-series embedders.

Layout: ``(n_samples, n_channels, n_timesteps)``; a 2-D array ``(n_samples,
n_timesteps)`` is a collection of univariate series. NaN marks a missing value; a
timestamp whose any channel is NaN is missing, and series of different lengths arrive
NaN-padded (as the UCR/UEA archives ship them).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import _check_feature_names

from ..base import BaseContrastiveEmbedder

__all__ = ["BaseTimeSeriesEmbedder", "as_3d_series", "validate_series"]


def as_3d_series(X, *, estimator_name: str = "The embedder") -> np.ndarray:
    """Validate a collection of series and return it as float64 ``(N, C, T)``.

    Raises ``TypeError`` for non-numeric input and ``ValueError`` for a wrong number of
    dimensions, infinite values or an empty collection. NaN is allowed (missing).
    The input is never modified (a new array is returned whenever a conversion is
    needed; callers must not write into the result).
    """
    if hasattr(X, "to_numpy"):  # pandas DataFrame of univariate series, one per row
        X = X.to_numpy()
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            "Sparse data was passed for X, but dense data is required: time series are "
            "dense arrays. Use X.toarray() to convert to a dense numpy array."
        )
    if np.iscomplexobj(X):
        raise ValueError("Complex data not supported: pass real-valued time series.")
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{estimator_name} needs numeric time series (float arrays with NaN for missing "
            f"values); could not convert the input: {exc}"
        ) from exc
    if arr.ndim == 2:
        arr = arr[:, np.newaxis, :]
    elif arr.ndim != 3:
        raise ValueError(
            f"{estimator_name} expects an array of shape (n_samples, n_channels, n_timesteps), "
            f"or (n_samples, n_timesteps) for univariate series; got {arr.ndim}-D input of "
            f"shape {arr.shape}. Reshape your data, e.g. X.reshape(1, -1) for a single "
            "univariate series."
        )
    n_samples, n_channels, n_timesteps = arr.shape
    if n_timesteps == 0 and n_channels == 1 and n_samples > 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape=({n_samples}, 0)) while a minimum of 1 is "
            "required: 2-D input holds one series per row, with one column per timestamp."
        )
    if n_samples == 0 or n_channels == 0 or n_timesteps == 0:
        raise ValueError(
            f"Found array with 0 sample(s), channel(s) or timestamp(s) (shape={arr.shape}); "
            f"{estimator_name} needs at least one of each."
        )
    if np.isinf(arr).any():
        raise ValueError(
            "Input X contains infinity. Mark missing values with NaN (supported) and replace "
            "infinite values first."
        )
    return arr


def validate_series(estimator, X, *, reset, min_timesteps, empty_series_at_fit):
    """Validate series for ``estimator`` and set or check ``n_features_in_`` (channels).

    ``reset=True`` (fit) also needs at least 2 series of at least ``min_timesteps``
    timestamps; ``empty_series_at_fit`` says what an all-NaN series means in fit:
    ``"drop"`` (the method drops it; only an all-NaN input is an error) or ``"error"``.
    At transform an all-NaN series is always an error: it has nothing to embed.
    """
    _check_feature_names(estimator, X, reset=reset)
    name = type(estimator).__name__
    arr = as_3d_series(X, estimator_name=name)
    n_samples, n_channels, n_timesteps = arr.shape
    if reset:
        if n_samples < 2:
            raise ValueError(
                f"Found array with {n_samples} sample(s) (shape={arr.shape}) while a "
                "minimum of 2 is required: contrastive training needs several series."
            )
        if n_timesteps < min_timesteps:
            raise ValueError(
                f"Series of length {n_timesteps} (2-D input with {n_timesteps} feature(s)) "
                f"are too short: {name} needs at least {min_timesteps} timestamps."
            )
        estimator.n_features_in_ = n_channels
    elif n_channels != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_channels} channels, but {name} is expecting "
            f"{estimator.n_features_in_} channels as input (the layout is (n_samples, "
            "n_channels, n_timesteps))."
        )
    observed = ~np.isnan(arr).any(axis=1)  # (N, T): missing if any channel is NaN
    if not observed.any():
        raise ValueError("Input X contains only NaN: every timestamp is missing.")
    if reset and empty_series_at_fit == "drop":
        return arr
    empty = np.flatnonzero(~observed.any(axis=1))
    if empty.size:
        raise ValueError(
            f"Series {empty[:5].tolist()} have no observed timestamp (every timestamp "
            f"has a NaN channel), so {name} cannot use them; drop them first."
        )
    return arr


class BaseTimeSeriesEmbedder(BaseContrastiveEmbedder):
    """Base for embedders of time series: validation of the ``(N, C, T)`` layout.

    ``n_features_in_`` is the number of channels: series may have any length at
    :meth:`transform`, but the channels must match those seen in :meth:`fit`.
    """

    #: Smallest series length the method can train on.
    _min_timesteps = 2

    def _validate_X(self, X, *, reset):
        # All-NaN series are dropped from training (as the reference) but cannot be
        # embedded.
        return validate_series(self, X, reset=reset, min_timesteps=self._min_timesteps,
                               empty_series_at_fit="drop")

    def _expected_failed_checks(self):
        reason = (
            "2-D input is a collection of univariate series: n_features_in_ counts channels, "
            "and a different number of timestamps at transform is valid"
        )
        # These checks feed a different number of columns at transform and expect an
        # error; for series that is a different length, which is valid input.
        return {
            "check_n_features_in": reason,
            "check_n_features_in_after_fitting": reason,
            "check_transformer_general": reason,
            "check_transformer_data_not_an_array": reason,
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags
