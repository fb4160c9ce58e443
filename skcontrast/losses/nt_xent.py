"""NT-Xent / InfoNCE for two views, in its symmetric (SimCLR) and one-directional (SCARF) forms."""

from __future__ import annotations

from ._common import TwoViewLoss, check_bool, check_positive, two_view_info_nce

__all__ = ["NTXentLoss"]


class NTXentLoss(TwoViewLoss):
    r"""NT-Xent (normalised-temperature cross-entropy) loss for two views of a batch.

    Both views are ℓ2-normalised, so ``s`` is the cosine similarity. For an anchor
    ``i`` with positive ``i⁺`` and negatives ``N(i)``,

    .. math::

        \ell_i = -\log\frac{\exp(s_{i i^+}/\tau)}
            {\exp(s_{i i^+}/\tau) + \sum_{k \in N(i)} \exp(s_{ik}/\tau)},

    and the loss is the mean of :math:`\ell_i` over the anchors.

    * ``symmetric=True`` (SimCLR, Chen et al. 2020): the ``2B`` rows of both views are
      anchors, each one's positive is the other view of its sample and its negatives
      are the other ``2B - 2`` rows. With ``labels=None`` this is exactly
      :func:`~skcontrast.losses.nt_xent_loss`.
    * ``symmetric=False`` (one-directional, SCARF): only the ``B`` anchors are anchors,
      compared with the ``B`` positives; the negatives of anchor ``i`` are the other
      ``B - 1`` positives. With ``labels=None`` this is exactly
      :func:`~skcontrast.losses.info_nce_loss`.

    Parameters
    ----------
    temperature : float, default=0.5
        Softmax temperature ``τ`` (SimCLR uses 0.5 for large batches, SCARF 1.0).
    symmetric : bool, default=True
        Anchor both views (SimCLR) or the ``anchors`` only (SCARF), see above.

    Notes
    -----
    With ``labels`` the loss stays a single-positive loss (the other view), but the
    views of other samples *with the same label* are removed from the negatives: they
    are not negatives, and treating them as such is the false-negative problem that the
    supervised losses avoid. If no anchor has a negative (one class, or ``B = 1``) the
    loss is a zero connected to the inputs. For the supervised loss that also *pulls
    together* same-label samples use :class:`~skcontrast.losses.TwoViewSupConLoss`.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import NTXentLoss, info_nce_loss, nt_xent_loss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> p = a + 0.1 * torch.randn(4, 3, generator=generator)
    >>> bool(torch.isclose(NTXentLoss(0.5)(a, p), nt_xent_loss(a, p, 0.5)))
    True
    >>> one_way = NTXentLoss(temperature=1.0, symmetric=False)
    >>> bool(torch.isclose(one_way(a, p), info_nce_loss(a, p, temperature=1.0)))
    True
    >>> one_way
    NTXentLoss(temperature=1.0, symmetric=False)
    """

    _hyperparameters = ("temperature", "symmetric")
    _loss_function = staticmethod(two_view_info_nce)

    def __init__(self, temperature: float = 0.5, symmetric: bool = True):
        super().__init__()
        self.temperature = check_positive(temperature, "temperature", "temperature=0.5")
        self.symmetric = check_bool(symmetric, "symmetric")
