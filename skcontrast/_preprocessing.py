"""Tabular standardisation shared by the MLP embedders (SCARF, SupCon, ExpCLR rows)."""

from __future__ import annotations

import numpy as np

__all__ = ["standardization_stats", "standardize_float32"]


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
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    return mean, np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)


def standardize_float32(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(X - mean) / scale`` as float32; a ``ValueError`` if it overflows float32.

    Examples
    --------
    >>> import numpy as np
    >>> standardize_float32(np.array([[1.0, 3.0]]), np.array([1.0, 1.0]), np.array([1.0, 2.0]))
    array([[0., 1.]], dtype=float32)
    """
    with np.errstate(over="ignore"):
        out = ((X - mean) / scale).astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError(
            "X holds values too large for float32 once preprocessed (|x| > 3.4e38). "
            "Rescale the features or keep standardize=True."
        )
    return out
