"""Alignment, uniformity, effective rank and the InfoNCE bound, on embedding matrices."""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils.validation import check_array

__all__ = ["alignment", "effective_rank", "info_nce_bound", "uniformity"]


def _rows(Z, name: str, *, min_samples: int = 1) -> np.ndarray:
    return check_array(Z, dtype=np.float64, input_name=name, ensure_min_samples=min_samples)


def _normalise(Z: np.ndarray) -> np.ndarray:
    # A zero row stays zero (as torch's F.normalize with its eps) instead of becoming NaN.
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    return Z / np.maximum(norms, 1e-12)


def alignment(Z1, Z2, *, alpha: float = 2.0) -> float:
    r"""Mean distance between the ℓ2-normalised embeddings of positive pairs (lower is better).

    .. math:: \mathcal{L}_{align} = \mathbb{E}_{(x, y)\ \mathrm{positive}}
              \lVert f(x) - f(y) \rVert_2^{\alpha}

    (Wang & Isola, 2020), with :math:`f` normalised to the unit sphere, so values lie in
    :math:`[0, 2^\alpha]`.

    Parameters
    ----------
    Z1, Z2 : array-like of shape (n_pairs, n_features)
        Row ``i`` of both are the embeddings of two positive views of sample ``i``.
    alpha : float, default=2.0
        Exponent of the distance (the paper's default 2).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import alignment
    >>> Z = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> alignment(Z, Z), round(alignment(Z, Z[::-1]), 6)  # identical; orthogonal pairs
    (0.0, 2.0)
    """
    Z1, Z2 = _rows(Z1, "Z1"), _rows(Z2, "Z2")
    if Z1.shape != Z2.shape:
        raise ValueError(f"Z1 and Z2 must have the same shape; got {Z1.shape} and {Z2.shape}.")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0; got {alpha!r}.")
    distances = np.linalg.norm(_normalise(Z1) - _normalise(Z2), axis=1)
    return float(np.mean(distances**alpha))


def uniformity(Z, *, t: float = 2.0, chunk_size: int = 2048) -> float:
    r"""Log of the mean Gaussian potential between ℓ2-normalised embeddings (lower is better).

    .. math:: \mathcal{L}_{uniform} = \log \frac{2}{n(n-1)} \sum_{i<j}
              e^{-t \lVert f(x_i) - f(x_j) \rVert_2^2}

    (Wang & Isola, 2020). It is 0 when every embedding is the same point (collapse) and
    lowest when the points spread evenly over the sphere. Computed in blocks of
    ``chunk_size`` rows with a running log-sum-exp: memory stays ``O(chunk_size * n)``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Embeddings (at least 2 rows).
    t : float, default=2.0
        Scale of the potential (the paper's default 2).
    chunk_size : int, default=2048
        Rows per block.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import uniformity
    >>> uniformity(np.ones((4, 3)))  # collapsed: every pair at distance 0
    0.0
    >>> round(uniformity(np.array([[1.0, 0.0], [-1.0, 0.0]])), 3)  # antipodal: d^2 = 4
    -8.0
    """
    Z = _normalise(_rows(Z, "Z", min_samples=2))
    if not t > 0:
        raise ValueError(f"t must be > 0; got {t!r}.")
    n = Z.shape[0]
    running = -np.inf
    for lo in range(0, n, chunk_size):
        block = Z[lo : lo + chunk_size]
        # Pairs (i, j) with i in this block and j > i.
        squared = np.maximum(
            np.sum(block**2, axis=1)[:, None] + np.sum(Z**2, axis=1)[None, :]
            - 2.0 * block @ Z.T, 0.0)
        rows = np.arange(lo, lo + block.shape[0])[:, None]
        upper = np.arange(n)[None, :] > rows
        values = -t * squared[upper]
        if values.size:
            running = np.logaddexp(running, _logsumexp(values))
    return float(running - math.log(n * (n - 1) / 2))


def _logsumexp(values: np.ndarray) -> float:
    top = values.max()
    return float(top + np.log(np.sum(np.exp(values - top))))


def effective_rank(Z, *, center: bool = True) -> float:
    r"""Effective rank of an embedding matrix: the exponential of its spectral entropy.

    .. math:: \operatorname{erank}(Z) = \exp\Big(-\sum_k p_k \log p_k\Big),
              \qquad p_k = \frac{\sigma_k}{\sum_l \sigma_l}

    over the singular values :math:`\sigma_k` of :math:`Z` (Roy & Vetterli, 2007). It
    lies between 1 (one direction carries everything: dimensional collapse) and
    ``min(n_samples, n_features)`` (all directions used equally). RankMe (Garrido et
    al., 2023) found that it tracks downstream accuracy well enough to select
    hyper-parameters of self-supervised models without labels.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Embeddings (at least 2 rows).
    center : bool, default=True
        Subtract the column means first, so that the rank is that of the embeddings'
        covariance (a common offset is not a used dimension). RankMe uses the raw
        matrix (``center=False``).

    Returns
    -------
    float
        The effective rank; 0.0 when every singular value is zero (all embeddings equal
        the mean: complete collapse).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import effective_rank
    >>> round(effective_rank(np.eye(4)[:, :3] * 10, center=False), 6)  # 3 equal directions
    3.0
    >>> effective_rank(np.ones((5, 3)))  # collapsed to a point
    0.0
    """
    Z = _rows(Z, "Z", min_samples=2)
    if center:
        Z = Z - Z.mean(axis=0)
    singular = np.linalg.svd(Z, compute_uv=False)
    total = singular.sum()
    if total <= 0:
        return 0.0
    p = singular[singular > 0] / total
    return float(np.exp(-np.sum(p * np.log(p))))


def info_nce_bound(Z1, Z2, *, temperature: float = 1.0) -> float:
    r"""InfoNCE lower bound on the mutual information between two views, in nats.

    .. math:: I(X; Y) \ge \log N - \mathcal{L}_{InfoNCE}

    (van den Oord et al., 2018), with :math:`\mathcal{L}_{InfoNCE}` the one-directional
    InfoNCE of :func:`~skcontrast.losses.info_nce_loss` from each row of ``Z1`` to its
    positive in ``Z2`` against all ``N`` rows of ``Z2`` (cosine similarities over
    ``temperature``). It cannot exceed :math:`\log N`: compare it between models only on
    the same ``N`` rows.

    Parameters
    ----------
    Z1, Z2 : array-like of shape (n_pairs, n_features)
        Row ``i`` of both are the embeddings of two positive views of sample ``i``.
    temperature : float, default=1.0
        Softmax temperature.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import info_nce_bound
    >>> Z = np.eye(3)
    >>> round(info_nce_bound(Z, Z, temperature=0.01), 6)  # perfect: the bound is log 3
    1.098612
    """
    Z1, Z2 = _rows(Z1, "Z1"), _rows(Z2, "Z2")
    if Z1.shape != Z2.shape:
        raise ValueError(f"Z1 and Z2 must have the same shape; got {Z1.shape} and {Z2.shape}.")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature!r}.")
    logits = _normalise(Z1) @ _normalise(Z2).T / temperature
    top = logits.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    loss = float(np.mean(log_norm - np.diag(logits)))
    return math.log(Z1.shape[0]) - loss
