"""TS2Vec's hierarchical contrastive loss (Yue et al., 2022).

Both views ``z1``, ``z2`` have shape ``(B, T, D)``: the representations of the ``T``
overlapping timestamps of ``B`` series under two crops. Logits are plain dot products
(no normalisation, temperature 1).

* Instance term: at each timestamp the ``2B`` vectors form one softmax group; the positive
  of ``z1[i, t]`` is ``z2[i, t]`` (and vice versa), the negatives are the other ``2B - 2``
  vectors at that timestamp, itself excluded.
* Temporal term: for each series the ``2T`` vectors form one group; the positive of
  ``z1[i, t]`` is ``z2[i, t]``, the negatives the other timestamps of that series in both
  views.

Both terms are the same computation on different groupings: groups of ``2n`` vectors
``[a; b]`` where row ``r`` of ``a`` is paired with row ``r`` of ``b``; the loss is the mean
over all ``2n`` anchors of ``logsumexp_{j != anchor} s_j - s_positive``. It is computed by
a custom autograd function that

* builds only three of the four ``n x n`` similarity blocks (``b a^T = (a b^T)^T``),
* never materialises a log-softmax tensor, and its backward pass needs two matrix
  products per block pair instead of autograd's four,
* processes the groups in chunks, and keeps the softmax blocks for the backward pass only
  while they fit a memory budget (otherwise it recomputes them chunk by chunk), so the
  temporal term, ``O(B (2T)^2)`` memory in the reference, stays bounded on long series.

The instance groups have ``2B`` vectors at every pooling level, so the hierarchical loss
evaluates the instance terms of all levels in a single call (each group weighted by its
level's mean). On a CPU the whole loss, forward and backward, is 5-15x faster than the
reference formulation (tril/triu logits, log-softmax, fancy indexing).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from ._common import ParametrizedLoss

__all__ = [
    "HierarchicalContrastiveLoss",
    "hierarchical_contrastive_loss",
    "instance_contrastive_loss",
    "temporal_contrastive_loss",
]

# Similarity entries computed at once (per chunk of groups): bounds the transient memory.
_CHUNK_ELEMENTS = 2**24
# Up to this many saved softmax entries the backward pass reuses them instead of
# recomputing the similarities (256 MiB in float32).
_SAVE_ELEMENTS = 2**26


def _check_views(z1: torch.Tensor, z2: torch.Tensor) -> None:
    for name, z in (("z1", z1), ("z2", z2)):
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(z).__name__}.")
        if z.ndim != 3:
            raise ValueError(f"{name} must have shape (batch, n_timesteps, dim), got "
                             f"{tuple(z.shape)}.")
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and "
                         f"{tuple(z2.shape)}.")
    if z1.shape[0] < 1 or z1.shape[1] < 1:
        raise ValueError(f"z1 and z2 need at least one series and one timestamp, got shape "
                         f"{tuple(z1.shape)}.")


def _zero_like_graph(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """A scalar 0 that is part of the autograd graph (its gradient is 0, never NaN)."""
    return z1[:0].sum() + z2[:0].sum()


def _chunk_blocks(a: torch.Tensor, b: torch.Tensor):
    """The three similarity blocks of a chunk, with ``-inf`` on the self-similarities."""
    s11 = torch.bmm(a, a.transpose(1, 2))
    s12 = torch.bmm(a, b.transpose(1, 2))
    s22 = torch.bmm(b, b.transpose(1, 2))
    s11.diagonal(dim1=1, dim2=2).fill_(-math.inf)
    s22.diagonal(dim1=1, dim2=2).fill_(-math.inf)
    return s11, s12, s22


def _chunk_lse(s11, s12, s22):
    """Log-partition of each anchor: rows of ``[s11 s12]`` and of ``[s12^T s22]``."""
    lse_a = torch.logaddexp(torch.logsumexp(s11, dim=2), torch.logsumexp(s12, dim=2))
    lse_b = torch.logaddexp(torch.logsumexp(s12, dim=1), torch.logsumexp(s22, dim=2))
    return lse_a, lse_b


def _chunk_softmax(s11, s12, s22, lse_a, lse_b):
    """The symmetrised softmax blocks the gradient needs (consumes ``s11``, ``s12``, ``s22``).

    With ``G = softmax - onehot(positive)`` over the full ``2n x 2n`` logits and
    ``S = Z Z^T``, ``dZ = (G + G^T) Z``; in blocks this is ``da = k11 a + h b`` and
    ``db = h^T a + k22 b`` with the three matrices returned here.
    """
    p11 = s11.sub_(lse_a[:, :, None]).exp_()
    k11 = p11 + p11.transpose(1, 2)
    del p11
    h = (s12 - lse_a[:, :, None]).exp_()
    h += s12.sub_(lse_b[:, None, :]).exp_()
    h.diagonal(dim1=1, dim2=2).sub_(2.0)
    p22 = s22.sub_(lse_b[:, :, None]).exp_()
    k22 = p22 + p22.transpose(1, 2)
    return k11, h, k22


def _chunks(n_groups: int, n: int):
    size = max(1, _CHUNK_ELEMENTS // max(1, n * n))
    return [(lo, min(lo + size, n_groups)) for lo in range(0, n_groups, size)]


def _group_totals(s11, s12, s22):
    """Per group: the sum over its ``2n`` anchors of ``lse - positive``, and the lses."""
    lse_a, lse_b = _chunk_lse(s11, s12, s22)
    pos = s12.diagonal(dim1=1, dim2=2).sum(1)
    return lse_a.sum(1) + lse_b.sum(1) - 2 * pos, lse_a, lse_b


class _PairedContrast(torch.autograd.Function):
    """Weighted sum over groups of ``sum_anchors logsumexp_{j != anchor} s_j - s_positive``.

    ``a`` and ``b`` are ``(groups, n, D)``; each group holds the ``2n`` vectors
    ``[a_g; b_g]`` and ``a_g[r]``, ``b_g[r]`` are positives of each other (logits are dot
    products). ``weights`` ``(groups,)`` weighs each group's sum; ``1 / (2n * groups)``
    gives the mean over all anchors.
    """

    @staticmethod
    def forward(ctx, a, b, weights):
        n_groups, n, _ = a.shape
        total = a.new_zeros(())
        save = 3 * n_groups * n * n <= _SAVE_ELEMENTS
        saved, lses = [], []
        for lo, hi in _chunks(n_groups, n):
            s11, s12, s22 = _chunk_blocks(a[lo:hi], b[lo:hi])
            group_totals, lse_a, lse_b = _group_totals(s11, s12, s22)
            total += torch.dot(group_totals, weights[lo:hi])
            if save:
                saved.append(_chunk_softmax(s11, s12, s22, lse_a, lse_b))
            else:
                lses.append((lse_a, lse_b))
        ctx.save_for_backward(a, b, weights)
        ctx.saved_blocks = saved
        ctx.lses = lses
        return total

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        a, b, weights = ctx.saved_tensors
        n_groups, n, _ = a.shape
        grad_a = torch.empty_like(a)
        grad_b = torch.empty_like(b)
        for i, (lo, hi) in enumerate(_chunks(n_groups, n)):
            ac, bc = a[lo:hi], b[lo:hi]
            if ctx.saved_blocks:
                k11, h, k22 = ctx.saved_blocks[i]
            else:
                lse_a, lse_b = ctx.lses[i]
                k11, h, k22 = _chunk_softmax(*_chunk_blocks(ac, bc), lse_a, lse_b)
            torch.baddbmm(torch.bmm(k11, ac), h, bc, out=grad_a[lo:hi])
            torch.baddbmm(torch.bmm(k22, bc), h.transpose(1, 2), ac, out=grad_b[lo:hi])
        scale = (weights * grad_out)[:, None, None]
        return grad_a.mul_(scale), grad_b.mul_(scale), None


def _paired_contrast(a: torch.Tensor, b: torch.Tensor, weights=None) -> torch.Tensor:
    """Mean over all anchors (``weights=None``) or weighted sum over groups, see above."""
    n_groups, n, _ = a.shape
    if weights is None:
        weights = a.new_full((n_groups,), 1.0 / (2 * n * n_groups))
    if torch.is_grad_enabled() and (a.requires_grad or b.requires_grad):
        return _PairedContrast.apply(a, b, weights)
    with torch.no_grad():
        total = a.new_zeros(())
        for lo, hi in _chunks(n_groups, n):
            group_totals, _, _ = _group_totals(*_chunk_blocks(a[lo:hi], b[lo:hi]))
            total += torch.dot(group_totals, weights[lo:hi])
        return total


def _contrast_along(z1: torch.Tensor, z2: torch.Tensor, axis: int) -> torch.Tensor:
    """One TS2Vec term: the vectors along ``axis`` of ``(B, T, D)`` views are contrasted.

    ``axis=0`` contrasts the series at each timestamp (instance term), ``axis=1`` the
    timestamps of each series (temporal term). A single vector along ``axis`` leaves no
    negatives: the term is then 0, as in the reference.
    """
    _check_views(z1, z2)
    if z1.shape[axis] == 1:
        return _zero_like_graph(z1, z2)
    if axis == 0:
        z1, z2 = z1.transpose(0, 1), z2.transpose(0, 1)
    return _paired_contrast(z1, z2)


def instance_contrastive_loss(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """TS2Vec's instance-wise contrastive loss.

    At every timestamp ``t`` the anchor ``z1[i, t]`` has positive ``z2[i, t]`` and the
    negatives ``z1[j, t]``, ``z2[j, t]`` for ``j != i`` (symmetrically for ``z2``); the
    loss is ``-log softmax`` of the positive's dot product, averaged over all ``2 B T``
    anchors.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, T, D)
        The two views' representations of the same ``B`` series and ``T`` timestamps.

    Returns
    -------
    torch.Tensor
        Scalar loss. With ``B = 1`` there are no negatives and the loss is 0, as in the
        reference.

    Examples
    --------
    >>> import torch
    >>> z = torch.randn(4, 6, 8)
    >>> float(instance_contrastive_loss(z, z)) > 0
    True
    >>> instance_contrastive_loss(z[:1], z[:1])  # one series: no negatives
    tensor(0.)
    """
    return _contrast_along(z1, z2, axis=0)


def temporal_contrastive_loss(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """TS2Vec's temporal contrastive loss.

    For each series ``i`` the anchor ``z1[i, t]`` has positive ``z2[i, t]`` and the
    negatives ``z1[i, s]``, ``z2[i, s]`` for ``s != t`` (symmetrically for ``z2``): the
    same ``-log softmax`` of the positive's dot product as
    :func:`instance_contrastive_loss`, averaged over all ``2 B T`` anchors, but
    contrasting each series' timestamps instead of the series at each timestamp.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, T, D)
        The two views' representations of the same ``B`` series and ``T`` timestamps.

    Returns
    -------
    torch.Tensor
        Scalar loss; 0 with ``T = 1`` (no negatives), as in the reference.

    Examples
    --------
    >>> import torch
    >>> z = torch.randn(4, 6, 8)
    >>> # Series are not contrasted with each other: the mean of the per-series losses.
    >>> per_series = [temporal_contrastive_loss(z[i:i + 1], z[i:i + 1]) for i in range(4)]
    >>> bool(torch.isclose(temporal_contrastive_loss(z, z), torch.stack(per_series).mean()))
    True
    """
    return _contrast_along(z1, z2, axis=1)


def _max_pool_time(z: torch.Tensor) -> torch.Tensor:
    # Kernel 2, stride 2, the last timestamp of an odd length dropped, as in the reference.
    return F.max_pool1d(z.transpose(1, 2), kernel_size=2).transpose(1, 2)


def _check_hyper(alpha, temporal_unit) -> None:
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}.")
    if int(temporal_unit) != temporal_unit or temporal_unit < 0:
        raise ValueError(f"temporal_unit must be a non-negative integer, got {temporal_unit!r}.")


def hierarchical_contrastive_loss(
    z1: torch.Tensor, z2: torch.Tensor, *, alpha: float = 0.5, temporal_unit: int = 0,
    instance_loss: nn.Module | None = None,
) -> torch.Tensor:
    """TS2Vec's hierarchical contrastive loss.

    Level 0 is the input; each next level max-pools both views over time with kernel 2
    (dropping the last timestamp of an odd length) until one timestamp is left. Every
    level with ``T > 1`` adds ``alpha * instance + (1 - alpha) * temporal``, the temporal
    term only from level ``temporal_unit`` on; the top level (``T = 1``) adds only
    ``alpha * instance``. The sum is divided by the number of levels, the top one
    included, i.e. ``floor(log2(T)) + 1``, whichever terms were skipped (this is how the
    reference counts them).

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, T, D)
        The two views' representations of the same ``B`` series and ``T`` timestamps.
    alpha : float, default=0.5
        Weight of the instance term; ``1 - alpha`` weighs the temporal term. A term whose
        weight is 0 is not computed.
    temporal_unit : int, default=0
        First level at which the temporal term is used.
    instance_loss : torch.nn.Module or None, default=None
        Replaces TS2Vec's instance term: at every level and timestamp ``t``,
        ``instance_loss(z1[:, t], z2[:, t])`` (a loss of :mod:`skcontrast.losses` with
        ``forward(anchors, positives, labels=None)``; the series are the samples),
        averaged over the level's timestamps. ``None``: TS2Vec's own term. A custom
        term is computed one timestamp at a time, so it is slower.

    Returns
    -------
    torch.Tensor
        Scalar loss.

    Examples
    --------
    >>> import torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> z1 = torch.randn(4, 10, 8, generator=gen, requires_grad=True)
    >>> z2 = torch.randn(4, 10, 8, generator=gen)
    >>> loss = hierarchical_contrastive_loss(z1, z2)
    >>> loss.backward()
    >>> z1.grad.shape
    torch.Size([4, 10, 8])
    """
    _check_views(z1, z2)
    _check_hyper(alpha, temporal_unit)
    levels = [(z1, z2)]
    while levels[-1][0].shape[1] > 1:
        levels.append((_max_pool_time(levels[-1][0]), _max_pool_time(levels[-1][1])))
    n_levels = len(levels)  # floor(log2(T)) + 1, the top level (T = 1) included
    n_series = z1.shape[0]
    loss = _zero_like_graph(z1, z2)
    if alpha != 0 and instance_loss is not None:
        for u, v in levels:
            per_timestamp = torch.stack([instance_loss(u[:, t], v[:, t])
                                         for t in range(u.shape[1])])
            loss = loss + alpha / n_levels * per_timestamp.mean()
    elif alpha != 0 and n_series > 1:
        # The instance groups (one per timestamp, 2B vectors) have the same size at every
        # level: all levels go through one call, each group weighted by its level's mean.
        a = torch.cat([u.transpose(0, 1) for u, _ in levels])
        b = torch.cat([v.transpose(0, 1) for _, v in levels])
        weights = torch.cat([
            a.new_full((u.shape[1],), alpha / (n_levels * 2 * n_series * u.shape[1]))
            for u, _ in levels
        ])
        loss = loss + _paired_contrast(a, b, weights)
    if alpha != 1:
        for level, (u, v) in enumerate(levels[:-1]):
            if level >= temporal_unit:
                loss = loss + (1 - alpha) / n_levels * temporal_contrastive_loss(u, v)
    return loss


class HierarchicalContrastiveLoss(ParametrizedLoss):
    """Module wrapper of :func:`hierarchical_contrastive_loss`.

    Parameters
    ----------
    alpha : float, default=0.5
        Weight of the instance term (``1 - alpha`` for the temporal term).
    temporal_unit : int, default=0
        First pooling level at which the temporal term is used.

    Examples
    --------
    >>> import torch
    >>> loss_fn = HierarchicalContrastiveLoss(alpha=0.5)
    >>> z = torch.randn(2, 8, 4)
    >>> loss_fn(z, z).shape
    torch.Size([])
    """

    _hyperparameters = ("alpha", "temporal_unit")

    def __init__(self, alpha: float = 0.5, temporal_unit: int = 0):
        super().__init__()
        _check_hyper(alpha, temporal_unit)
        self.alpha = alpha
        self.temporal_unit = temporal_unit

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        """Return the hierarchical loss of the two views (see the function)."""
        return hierarchical_contrastive_loss(z1, z2, alpha=self.alpha,
                                             temporal_unit=self.temporal_unit)
