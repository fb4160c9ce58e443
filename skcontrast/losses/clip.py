"""The symmetric cross-view InfoNCE of CLIP (Radford et al., ICML 2021), for two views or more."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["clip_loss"]


def clip_loss(views, *, temperature) -> torch.Tensor:
    r"""Symmetric cross-view InfoNCE: each record's views pulled together, other records' apart.

    For two views of ``B`` records, ℓ2-normalised to :math:`a_i, b_i`, CLIP's loss is the
    mean of the two directions of InfoNCE over the cosine-similarity matrix:

    .. math::

        \mathcal{L} = \frac{1}{2B}\sum_{i=1}^{B}\Big(
            -\log\frac{e^{a_i^\top b_i/\tau}}{\sum_j e^{a_i^\top b_j/\tau}}
            -\log\frac{e^{b_i^\top a_i/\tau}}{\sum_j e^{b_i^\top a_j/\tau}}\Big).

    The candidates of an anchor are the other view's rows only (no same-view negatives,
    unlike NT-Xent). With more than two views the loss is averaged over every ordered
    pair of views (the "full graph" of Contrastive Multiview Coding, Tian et al. 2020),
    so that each view is aligned with each other one.

    Parameters
    ----------
    views : sequence of torch.Tensor of shape (batch_size, dim)
        At least two views; row ``i`` of each is record ``i``. Not normalised: they are
        ℓ2-normalised here.
    temperature : float or torch.Tensor
        Softmax temperature :math:`\tau` > 0; a tensor may require gradients (CLIP learns
        it, through its logarithm).

    Returns
    -------
    loss : torch.Tensor
        Scalar; its chance value (views that tell no record apart) is ``ln(batch_size)``.

    Examples
    --------
    >>> import torch
    >>> z = torch.eye(3)
    >>> round(clip_loss([z, z], temperature=1.0).item(), 4)  # aligned, orthogonal others
    0.5514
    >>> round(clip_loss([z, z.roll(1, 0)], temperature=0.1).item(), 2)  # mismatched
    10.0
    """
    views = list(views)
    if len(views) < 2:
        raise ValueError(f"clip_loss needs at least 2 views, got {len(views)}.")
    shape = views[0].shape
    if len(shape) != 2 or any(v.shape != shape for v in views):
        raise ValueError("clip_loss needs views of one shape (batch_size, dim); got "
                         f"{[tuple(v.shape) for v in views]}.")
    value = float(temperature.detach() if torch.is_tensor(temperature) else temperature)
    if not value > 0:
        raise ValueError(f"temperature must be > 0, got {value}.")
    normalised = [F.normalize(v, dim=1) for v in views]
    targets = torch.arange(shape[0], device=views[0].device)
    total, pairs = 0.0, 0
    for i, anchors in enumerate(normalised):
        for j, candidates in enumerate(normalised):
            if i != j:
                total = total + F.cross_entropy(anchors @ candidates.T / temperature, targets)
                pairs += 1
    return total / pairs
