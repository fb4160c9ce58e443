"""SoftCLT: TS2Vec's hierarchical loss with soft instance and temporal assignments.

Lee, Park and Lee (ICLR 2024) replace the hard 0/1 targets of TS2Vec's two terms by soft
ones. Every anchor still has its own positive with weight 1, but its other candidates
are no longer plain negatives: each enters the cross-entropy with a weight that says how
much it should also count as a positive.

* **Instance term**, at each timestamp, over the ``2B`` vectors of both views: the
  weight of series ``j`` for anchor series ``i`` (in either view) is
  ``w_I(i, j) = 2 alpha sigmoid(-tau_I D(i, j))`` with ``D`` a normalised distance
  between the *raw* series, and ``w_I(i, i) = 1`` (the other view of the anchor).
* **Temporal term**, for each series, over the ``2T`` vectors of both views: the weight
  of timestamp ``t'`` for anchor timestamp ``t`` is ``w_T(t, t') = 2 sigmoid(-tau_T
  |t - t'|)`` (1 for ``t' = t``, weights below 1e-6 set to 0); at pyramid level ``d`` the
  sharpness is ``tau_T * 2**d`` (pooled timestamps are ``2**d`` apart).

Each term is ``sum_anchors sum_candidates w * (-log softmax)`` over all ``2B`` (``2T``)
anchors, divided by ``2BT`` as TS2Vec's mean is; the weights are not renormalised.
With ``w_I = I`` and ``tau_T = inf`` both terms are TS2Vec's. The soft terms are plain
autograd (the hard ones keep :mod:`~skcontrast.losses.hierarchical`'s fused kernels).

The normalised distance (the reference's preprocessing of its distance matrix): the
diagonal of the raw-series distance matrix is set to its smallest off-diagonal entry
``g``, then each column is min-max scaled, ``D(i, j) = (d(i, j) - g) / (max_k d(k, j) -
g)``; :func:`normalised_series_distances` computes it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._common import check_number
from .hierarchical import _check_views, _max_pool_time, _zero_like_graph
from .hierarchical import instance_contrastive_loss as _hard_instance
from .hierarchical import temporal_contrastive_loss as _hard_temporal

__all__ = [
    "normalised_series_distances",
    "soft_hierarchical_contrastive_loss",
    "soft_instance_weights",
    "soft_temporal_weights",
]


def normalised_series_distances(distances: torch.Tensor) -> torch.Tensor:
    """SoftCLT's normalisation of a raw-series distance matrix (see the module docstring).

    Parameters
    ----------
    distances : torch.Tensor of shape (N, N)
        Distances between the raw series (symmetric, zero diagonal).

    Returns
    -------
    torch.Tensor of shape (N, N)
        ``(d(i, j) - g) / (max_k d(k, j) - g)`` off the diagonal (0 where a column's range
        is 0), 0 on the diagonal; not symmetric in general.

    Examples
    --------
    >>> import torch
    >>> d = torch.tensor([[0.0, 1.0, 3.0], [1.0, 0.0, 2.0], [3.0, 2.0, 0.0]])
    >>> normalised_series_distances(d)
    tensor([[0.0000, 0.0000, 1.0000],
            [0.0000, 0.0000, 0.5000],
            [1.0000, 1.0000, 0.0000]])
    """
    n = distances.shape[0]
    if distances.ndim != 2 or distances.shape[1] != n or n < 2:
        raise ValueError(f"distances must be a square (N, N) matrix with N >= 2, got shape "
                         f"{tuple(distances.shape)}.")
    off = ~torch.eye(n, dtype=torch.bool, device=distances.device)
    smallest = distances[off].min()
    largest = torch.where(off, distances, smallest).max(dim=0).values
    return _normalise(distances, smallest, largest, off)


def _normalise(distances, smallest, column_max, off_diagonal):
    span = column_max - smallest
    scaled = (distances - smallest) / torch.where(span > 0, span, torch.ones_like(span))
    return torch.where(off_diagonal, scaled.clamp_min(0.0), torch.zeros_like(scaled))


def soft_instance_weights(normalised: torch.Tensor, tau: float, alpha: float = 0.5
                          ) -> torch.Tensor:
    """SoftCLT's instance-wise soft assignments: ``2 alpha sigmoid(-tau D)``, 1 on the diagonal.

    Parameters
    ----------
    normalised : torch.Tensor of shape (B, B)
        Normalised raw-series distances of the batch (:func:`normalised_series_distances`).
    tau : float
        Sharpness ``tau_I`` (> 0): larger values keep only the closest series as soft
        positives.
    alpha : float, default=0.5
        Upper bound of an off-diagonal weight (reached at distance 0), in (0, 1].

    Returns
    -------
    torch.Tensor of shape (B, B)

    Examples
    --------
    >>> import torch
    >>> soft_instance_weights(torch.tensor([[0.0, 0.0], [1.0, 0.0]]), tau=2.0)
    tensor([[1.0000, 0.5000],
            [0.1192, 1.0000]])
    """
    tau = check_number(tau, "tau", "tau=1.0")
    alpha = check_number(alpha, "alpha", "alpha=0.5", high=1.0 + 1e-12)
    weights = 2.0 * alpha * torch.sigmoid(-tau * normalised)
    return weights.fill_diagonal_(1.0)


def soft_temporal_weights(n_timesteps: int, tau: float, *, device=None, dtype=None
                          ) -> torch.Tensor:
    """SoftCLT's temporal soft assignments ``2 sigmoid(-tau |t - t'|)`` (below 1e-6: 0).

    Parameters
    ----------
    n_timesteps : int
        ``T``.
    tau : float
        Sharpness ``tau_T`` (> 0).
    device, dtype : optional
        Of the returned tensor.

    Returns
    -------
    torch.Tensor of shape (T, T)
        1 on the diagonal.

    Examples
    --------
    >>> soft_temporal_weights(3, tau=1.0)
    tensor([[1.0000, 0.5379, 0.2384],
            [0.5379, 1.0000, 0.5379],
            [0.2384, 0.5379, 1.0000]])
    """
    tau = check_number(tau, "tau", "tau=1.0")
    steps = torch.arange(n_timesteps, device=device, dtype=dtype or torch.float32)
    lag = (steps[:, None] - steps[None, :]).abs()
    weights = 2.0 * torch.sigmoid(-tau * lag)
    return torch.where(weights < 1e-6, torch.zeros_like(weights), weights)


def _soft_paired(a: torch.Tensor, b: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``sum over groups and anchors of sum_j w_j (-log softmax_j)`` for groups ``[a_g; b_g]``.

    ``a``, ``b``: ``(G, n, D)``; ``weights``: ``(n, n)``, shared by the groups: anchor ``r``
    of either half weighs candidate ``c`` of either half by ``weights[r, c]`` (self
    excluded).
    """
    z = torch.cat([a, b], dim=1)  # (G, 2n, D)
    n = a.shape[1]
    logits = torch.bmm(z, z.transpose(1, 2))
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_mask, -math.inf)
    log_prob = F.log_softmax(logits, dim=-1).masked_fill(self_mask, 0.0)
    full = weights.repeat(2, 2).masked_fill(self_mask, 0.0).to(z.dtype)
    return -(log_prob * full).sum()


def soft_hierarchical_contrastive_loss(
    z1: torch.Tensor, z2: torch.Tensor, *, instance_weights: torch.Tensor | None = None,
    temporal_tau: float | None = None, alpha: float = 0.5, temporal_unit: int = 0,
) -> torch.Tensor:
    """TS2Vec's hierarchical loss with SoftCLT's soft assignments.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, T, D)
        The two views' representations of the same ``B`` series and ``T`` timestamps.
    instance_weights : torch.Tensor of shape (B, B) or None, default=None
        Soft instance assignments (:func:`soft_instance_weights`); ``None``: TS2Vec's hard
        instance term.
    temporal_tau : float or None, default=None
        ``tau_T`` of the soft temporal assignments (sharpness ``tau_T * 2**level``);
        ``None``: TS2Vec's hard temporal term.
    alpha : float, default=0.5
        Weight of the instance term (``1 - alpha`` for the temporal term): TS2Vec's
        ``alpha``, SoftCLT's ``lambda``.
    temporal_unit : int, default=0
        First pyramid level with a temporal term.

    Returns
    -------
    torch.Tensor
        Scalar loss; equal to
        :func:`~skcontrast.losses.hierarchical_contrastive_loss` when both soft options
        are ``None``.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import hierarchical_contrastive_loss
    >>> gen = torch.Generator().manual_seed(0)
    >>> z1, z2 = torch.randn(4, 8, 3, generator=gen), torch.randn(4, 8, 3, generator=gen)
    >>> hard = soft_hierarchical_contrastive_loss(z1, z2, instance_weights=torch.eye(4))
    >>> torch.allclose(hard, hierarchical_contrastive_loss(z1, z2))
    True
    >>> soft = soft_hierarchical_contrastive_loss(z1, z2, temporal_tau=1.0)
    >>> bool(soft > hard)  # soft targets add weighted terms
    True
    """
    _check_views(z1, z2)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}.")
    n_series = z1.shape[0]
    if instance_weights is not None and tuple(instance_weights.shape) != (n_series, n_series):
        raise ValueError(f"instance_weights must have shape ({n_series}, {n_series}) to match "
                         f"the batch, got {tuple(instance_weights.shape)}.")
    if temporal_tau is not None:
        temporal_tau = check_number(temporal_tau, "temporal_tau", "temporal_tau=1.0")
    loss = _zero_like_graph(z1, z2)
    level, n_levels = 0, 0
    u, v = z1, z2
    while True:
        n_levels += 1
        n_timesteps = u.shape[1]
        if alpha != 0:
            if instance_weights is None:
                term = _hard_instance(u, v)
            elif n_series == 1:
                term = _zero_like_graph(u, v)
            else:
                # Groups are timestamps: (T, B, D).
                term = _soft_paired(u.transpose(0, 1), v.transpose(0, 1), instance_weights)
                term = term / (2 * n_series * n_timesteps)
            loss = loss + alpha * term
        if n_timesteps == 1:
            break
        if alpha != 1 and level >= temporal_unit:
            if temporal_tau is None:
                term = _hard_temporal(u, v)
            else:
                weights = soft_temporal_weights(n_timesteps, temporal_tau * 2**level,
                                                device=u.device, dtype=u.dtype)
                term = _soft_paired(u, v, weights) / (2 * n_series * n_timesteps)
            loss = loss + (1 - alpha) * term
        u, v = _max_pool_time(u), _max_pool_time(v)
        level += 1
    return loss / n_levels
