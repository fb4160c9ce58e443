"""Contrastive loss with hard negative sampling (Robinson, Chuang, Sra & Jegelka, ICLR 2021)."""

from __future__ import annotations

import torch

from ._common import TwoViewLoss, check_bool
from .debiased import _check_beta, _check_tau_plus, _check_temperature, debiased_view_loss

__all__ = ["HardNegativeLoss", "hard_negative_loss"]


def hard_negative_loss(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    temperature: float = 0.5,
    tau_plus: float = 0.1,
    beta: float = 1.0,
    symmetric: bool = True,
) -> torch.Tensor:
    r"""InfoNCE with importance-weighted hard negatives of Robinson et al. (2021).

    The debiased estimator of :func:`~skcontrast.losses.debiased_contrastive_loss`, with
    the plain mean over the negatives replaced by a mean weighted towards the hard ones
    (those most similar to the anchor): with weights
    :math:`w_k \propto e^{\beta s_k / t}`,

    .. math::

        g = \max\Bigl(\frac{\sum_k w_k e^{s_k/t} / \sum_k w_k - \tau^+ e^{s_+/t}}{1 - \tau^+},
            \; e^{-1/t}\Bigr), \qquad
        \ell = -\log\frac{e^{s_+/t}}{e^{s_+/t} + N g},

    averaged over the anchors. ``β = 0`` gives uniform weights, i.e. exactly the
    debiased loss; ``β = 0`` and ``τ⁺ = 0`` give InfoNCE.

    Parameters
    ----------
    anchors, positives : torch.Tensor of shape (batch_size, n_dims)
        Two views; row ``i`` of both belongs to sample ``i``. ℓ2-normalised here.
    labels : torch.Tensor of shape (batch_size,) or None, default=None
        Integer class of each sample. With labels, the views of *other* samples with the
        same label are removed from the negatives (the positive stays the other view).
        ``None``: every sample is its own class.
    temperature : float, default=0.5
        Temperature ``t`` > 0 (0.5 in the paper's CIFAR experiments).
    tau_plus : float, default=0.1
        Class prior ``τ⁺`` in ``[0, 1)`` of the debiasing term.
    beta : float, default=1.0
        Concentration ``β`` ≥ 0 of the weights on hard negatives (tuned per dataset in
        the paper; larger values focus the loss on fewer, harder negatives).
    symmetric : bool, default=True
        ``True``: all ``2B`` rows are anchors with ``2B - 2`` negatives each (the setting
        of the paper's code); ``False``: the ``B`` anchors against the ``B`` positives.

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor. A batch in which no anchor has a negative (``B = 1``, or a single
        class) gives a zero connected to the inputs.

    Notes
    -----
    The weights are differentiated through, as in the paper's code (the weighted mean
    is a function of the similarities). Computed in log space: the weighted mean is
    ``exp(logsumexp((1 + β) s/t) - logsumexp(β s/t))``.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import debiased_contrastive_loss, hard_negative_loss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(8, 4, generator=generator)
    >>> p = a + 0.3 * torch.randn(8, 4, generator=generator)
    >>> uniform = hard_negative_loss(a, p, beta=0.0)
    >>> bool(torch.isclose(uniform, debiased_contrastive_loss(a, p)))
    True
    >>> bool(hard_negative_loss(a, p, beta=1.0) > uniform)  # hard negatives weigh more
    True
    """
    return debiased_view_loss(anchors, positives, labels, temperature=temperature,
                              tau_plus=tau_plus, beta=beta, symmetric=symmetric)


class HardNegativeLoss(TwoViewLoss):
    """Hard-negative-weighted debiased InfoNCE for two views (Module form).

    Module form of :func:`hard_negative_loss`.

    Parameters
    ----------
    temperature : float, default=0.5
        Temperature ``t`` > 0.
    tau_plus : float, default=0.1
        Class prior ``τ⁺`` in ``[0, 1)``.
    beta : float, default=1.0
        Concentration ``β`` ≥ 0 on hard negatives; 0 gives the debiased loss.
    symmetric : bool, default=True
        Both views as anchors (SimCLR, ``2B - 2`` negatives) or the anchors only.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import HardNegativeLoss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> criterion = HardNegativeLoss(beta=0.5)
    >>> float(criterion(a, a)) < float(criterion(a, a.flip(0)))
    True
    >>> criterion
    HardNegativeLoss(temperature=0.5, tau_plus=0.1, beta=0.5, symmetric=True)
    """

    _hyperparameters = ("temperature", "tau_plus", "beta", "symmetric")
    _loss_function = staticmethod(hard_negative_loss)

    def __init__(
        self,
        temperature: float = 0.5,
        tau_plus: float = 0.1,
        beta: float = 1.0,
        symmetric: bool = True,
    ):
        super().__init__()
        self.temperature = _check_temperature(temperature)
        self.tau_plus = _check_tau_plus(tau_plus)
        self.beta = _check_beta(beta)
        self.symmetric = check_bool(symmetric, "symmetric")
