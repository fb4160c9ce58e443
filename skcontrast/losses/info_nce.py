"""InfoNCE between anchors and positives, with the other positives as negatives (SCARF)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._common import TwoViewLoss, check_positive, two_view_info_nce

__all__ = ["InfoNCELoss", "info_nce_loss"]


def info_nce_loss(
    anchors: torch.Tensor, positives: torch.Tensor, *, temperature: float = 1.0
) -> torch.Tensor:
    r"""InfoNCE from each anchor to its positive against the batch's other positives.

    For ``B`` anchors :math:`z_i` and positives :math:`z'_i` (both ℓ2-normalised
    here, so the logits are cosine similarities),

    .. math::

        \mathcal{L} = -\frac{1}{B}\sum_{i=1}^{B}
            \log\frac{\exp(\cos(z_i, z'_i)/\tau)}{\sum_{j=1}^{B}\exp(\cos(z_i, z'_j)/\tau)}.

    This is the loss of SCARF (Bahri et al., 2022): anchors are clean rows, positives
    their corrupted views, and the corrupted views of the other rows are the negatives.

    Parameters
    ----------
    anchors, positives : torch.Tensor of shape (batch_size, dim)
        Row ``i`` of ``positives`` is the positive of row ``i`` of ``anchors``.
        They need not be normalised: both are ℓ2-normalised here.
    temperature : float, default=1.0
        Softmax temperature :math:`\tau`; SCARF uses 1.0.

    Returns
    -------
    loss : torch.Tensor
        Scalar mean loss over the batch.

    Examples
    --------
    >>> import torch
    >>> z = torch.eye(3)
    >>> round(info_nce_loss(z, z).item(), 4)  # perfect alignment, orthogonal negatives
    0.5514
    """
    if anchors.ndim != 2 or anchors.shape != positives.shape:
        raise ValueError(
            "anchors and positives must be 2-D tensors of the same shape, got "
            f"{tuple(anchors.shape)} and {tuple(positives.shape)}."
        )
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}.")
    anchors = F.normalize(anchors, dim=1)
    positives = F.normalize(positives, dim=1)
    logits = anchors @ positives.T / temperature
    # cross_entropy applies a max-shifted log-softmax, so large logits cannot overflow.
    targets = torch.arange(anchors.shape[0], device=anchors.device)
    return F.cross_entropy(logits, targets)


class InfoNCELoss(TwoViewLoss):
    """Module form of :func:`info_nce_loss`.

    Parameters
    ----------
    temperature : float, default=1.0
        Softmax temperature.

    Notes
    -----
    ``forward(anchors, positives, labels=None)`` follows the interface of the other
    loss Modules. With ``labels=None`` it is exactly :func:`info_nce_loss`; with labels,
    the positives of other samples with the same label as anchor ``i`` are removed from
    its negatives (the loss stays single-positive). It is
    :class:`~skcontrast.losses.NTXentLoss` with ``symmetric=False``.

    Examples
    --------
    >>> import torch
    >>> loss = InfoNCELoss(temperature=0.5)
    >>> z = torch.eye(2)
    >>> float(loss(z, z)) < float(loss(z, z.flip(0)))
    True
    """

    _hyperparameters = ("temperature",)

    def __init__(self, temperature: float = 1.0):
        super().__init__()
        self.temperature = check_positive(temperature, "temperature", "temperature=1.0")

    def _loss(self, anchors, positives, labels):
        if labels is None:
            return info_nce_loss(anchors, positives, temperature=self.temperature)
        return two_view_info_nce(
            anchors, positives, labels, temperature=self.temperature, symmetric=False
        )
