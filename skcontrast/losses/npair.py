"""Multi-class N-pair loss (Sohn, NeurIPS 2016)."""

from __future__ import annotations

import math

import torch

from ._common import (
    TwoViewLoss,
    check_number,
    check_views,
    connected_zero,
    sample_ids,
    softplus,
)

__all__ = ["NPairLoss", "npair_loss"]


def _check_l2_reg(l2_reg):
    return check_number(l2_reg, "l2_reg", "l2_reg=0.002", low_inclusive=True)


def npair_loss(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    l2_reg: float = 0.002,
) -> torch.Tensor:
    r"""Multi-class N-pair loss of Sohn (2016), with its ℓ2 penalty on the embeddings.

    Each anchor :math:`f_i` is paired with its positive :math:`f_i^+`; the positives of
    the other classes are its negatives. With raw inner products (no normalisation, no
    temperature), the loss is the softmax cross-entropy of the positive among them,

    .. math::

        \mathcal{L} = \frac{1}{B}\sum_{i=1}^{B}
            \log\Bigl(1 + \sum_{k \in N(i)} \exp\bigl(f_i^\top f_k^+ - f_i^\top f_i^+\bigr)\Bigr)
            + \frac{\lambda}{4}\Bigl(\frac{1}{B}\sum_i \|f_i\|^2
            + \frac{1}{B}\sum_i \|f_i^+\|^2\Bigr),

    where :math:`N(i)` are the samples whose label differs from that of ``i``.

    Parameters
    ----------
    anchors, positives : torch.Tensor of shape (batch_size, n_dims)
        Row ``i`` of ``positives`` is the positive of row ``i`` of ``anchors``. They are
        *not* normalised: the N-pair loss works on raw inner products, and the ℓ2
        penalty is what keeps their scale in check.
    labels : torch.Tensor of shape (batch_size,) or None, default=None
        Integer class of each pair. The paper builds batches with one pair per class;
        when two pairs share a label, the positives of the other same-label pairs are
        excluded from an anchor's negatives (they are neither positives nor negatives).
        ``None`` means every pair is its own class (all other ``B - 1`` positives are
        negatives).
    l2_reg : float, default=0.002
        Weight ``λ`` ≥ 0 of the ℓ2 penalty. Sohn (2016) regularises the embedding norms
        to be small because the N-pair loss otherwise decreases by merely scaling the
        embeddings up. The default weight and the scaling ``λ/4 (mean ‖f‖² + mean
        ‖f⁺‖²)`` are those of the widely used TensorFlow reference implementation
        (``npairs_loss(reg_lambda=0.002)``), so that the same ``λ`` means the same.

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor. When no anchor has a negative (``B = 1`` or a single class) the
        cross-entropy term is 0 and only the penalty remains.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import npair_loss
    >>> f = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> # log(1 + e^(0 - 4)) + 0.002 / 4 * (4 + 4)
    >>> round(npair_loss(f, f).item(), 5)
    0.02215
    >>> round(npair_loss(f, f, l2_reg=0.0).item(), 5)
    0.01815
    """
    check_views(anchors, positives)
    ids = sample_ids(anchors, labels)
    l2_reg = _check_l2_reg(l2_reg)
    logits = anchors @ positives.T
    negative_mask = ids[:, None] != ids[None, :]
    positive = logits.diagonal()
    if bool(negative_mask.any()):
        negatives = logits.masked_fill(~negative_mask, -math.inf)
        # Every anchor has a negative here: whether it has one only depends on the labels
        # of the other samples, so it is all anchors or none.
        loss = softplus(torch.logsumexp(negatives, dim=1) - positive).mean()
    else:
        loss = connected_zero(logits)
    penalty = anchors.square().sum(dim=1).mean() + positives.square().sum(dim=1).mean()
    return loss + 0.25 * l2_reg * penalty


class NPairLoss(TwoViewLoss):
    """Multi-class N-pair loss for two views (Module form of :func:`npair_loss`).

    ``forward(anchors, positives, labels=None)``: the positives of the other samples
    (other classes, when ``labels`` is given) are each anchor's negatives.

    Parameters
    ----------
    l2_reg : float, default=0.002
        Weight of the ℓ2 penalty on the embeddings, see :func:`npair_loss`.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import NPairLoss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> criterion = NPairLoss()
    >>> float(criterion(a, a)) < float(criterion(a, a.flip(0)))
    True
    >>> criterion
    NPairLoss(l2_reg=0.002)
    """

    _hyperparameters = ("l2_reg",)
    _loss_function = staticmethod(npair_loss)

    def __init__(self, l2_reg: float = 0.002):
        super().__init__()
        self.l2_reg = _check_l2_reg(l2_reg)
