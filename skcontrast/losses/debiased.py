"""Debiased contrastive loss (Chuang, Robinson, Lin, Torralba & Jegelka, NeurIPS 2020)."""

from __future__ import annotations

import math

import torch

from ._common import (
    TwoViewLoss,
    check_bool,
    check_number,
    check_positive,
    connected_zero,
    softplus,
    view_logits,
)

__all__ = ["DebiasedContrastiveLoss", "debiased_contrastive_loss"]


def _check_tau_plus(tau_plus):
    return check_number(tau_plus, "tau_plus", "tau_plus=0.1", low_inclusive=True, high=1.0)


def _check_temperature(temperature):
    return check_positive(temperature, "temperature", "temperature=0.5")


def _check_beta(beta):
    return check_number(beta, "beta", "beta=1.0", low_inclusive=True)


def debiased_from_logits(positive, negatives, n_negatives, *, temperature, tau_plus, beta):
    """Debiased (``beta=0``) or hard-negative (``beta>0``) loss from the view logits.

    ``positive`` and ``negatives`` are the logits ``s / t`` of :func:`view_logits`
    (``-inf`` off the negatives). Everything is computed in log space, so that small
    temperatures (``e^{1/t}`` beyond the float range) stay finite.
    """
    if not bool((n_negatives > 0).any()):
        # No anchor has a negative (one class, or a single sample): nothing to contrast.
        return connected_zero(positive)
    n = n_negatives.to(positive.dtype)
    if beta == 0:
        # log of the plain mean of e^{s/t} over the negatives.
        log_mean = torch.logsumexp(negatives, dim=1) - torch.log(n)
    else:
        # Importance weights w ∝ e^{β s/t}: log( Σ w e^{s/t} / Σ w ).
        log_mean = torch.logsumexp((1.0 + beta) * negatives, dim=1) - torch.logsumexp(
            beta * negatives, dim=1
        )
    if tau_plus == 0:
        log_g = log_mean
    else:
        # log((mean - τ⁺ e^{s+/t}) / (1 - τ⁺)); the shift cancels exactly (detaching it
        # changes nothing), it only keeps exp() in range. A non-positive difference means
        # the estimate is below the clamp anyway: -inf, then clamped below.
        shift = torch.maximum(log_mean, positive).detach()
        difference = torch.exp(log_mean - shift) - tau_plus * torch.exp(positive - shift)
        is_positive = difference > 0
        safe = torch.where(is_positive, difference, torch.ones_like(difference))
        log_g = torch.where(
            is_positive,
            shift + torch.log(safe) - math.log1p(-tau_plus),
            torch.full_like(difference, -math.inf),
        )
    # Clamp at e^{-1/t}, the smallest value e^{s/t} can take for a cosine s >= -1.
    floor = torch.full_like(log_g, -1.0 / temperature)
    log_g = torch.where(log_g > floor, log_g, floor)
    # -log(e^{s+/t} / (e^{s+/t} + N g)) = softplus(log N + log g - s+/t).
    return softplus(torch.log(n) + log_g - positive).mean()


def debiased_view_loss(anchors, positives, labels, *, temperature, tau_plus, beta, symmetric):
    """:func:`debiased_from_logits` of two views, with the hyper-parameters validated."""
    temperature = _check_temperature(temperature)
    tau_plus = _check_tau_plus(tau_plus)
    beta = _check_beta(beta)
    symmetric = check_bool(symmetric, "symmetric")
    positive, negatives, n_negatives = view_logits(
        anchors, positives, labels, temperature=temperature, symmetric=symmetric
    )
    return debiased_from_logits(
        positive, negatives, n_negatives, temperature=temperature, tau_plus=tau_plus, beta=beta
    )


def debiased_contrastive_loss(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    temperature: float = 0.5,
    tau_plus: float = 0.1,
    symmetric: bool = True,
) -> torch.Tensor:
    r"""Debiased contrastive loss of Chuang et al. (2020).

    Without labels some "negatives" of InfoNCE are in fact of the anchor's class. With
    the class prior ``τ⁺`` (the probability that a random sample has the anchor's
    class), the debiased estimator corrects the negatives' term: for an anchor with
    positive similarity :math:`s_+`, ``N`` negatives with similarities :math:`s_k`
    (cosines of ℓ2-normalised embeddings) and temperature ``t``,

    .. math::

        g = \max\Bigl(\frac{\frac{1}{N}\sum_{k} e^{s_k/t} - \tau^+ e^{s_+/t}}{1 - \tau^+},
            \; e^{-1/t}\Bigr), \qquad
        \ell = -\log\frac{e^{s_+/t}}{e^{s_+/t} + N g},

    and the loss is the mean of :math:`\ell` over the anchors. With ``τ⁺ = 0`` it is
    InfoNCE with the same negatives (the clamp is then inactive, since ``s ≥ -1``).

    Parameters
    ----------
    anchors, positives : torch.Tensor of shape (batch_size, n_dims)
        Two views; row ``i`` of both belongs to sample ``i``. ℓ2-normalised here.
    labels : torch.Tensor of shape (batch_size,) or None, default=None
        Integer class of each sample. With labels, the views of *other* samples with the
        same label are removed from the negatives (the positive stays the other view);
        the bias correction is then usually unnecessary (use ``tau_plus=0``).
        ``None``: every sample is its own class.
    temperature : float, default=0.5
        Temperature ``t`` > 0 (0.5 in the paper's CIFAR-10 experiments).
    tau_plus : float, default=0.1
        Class prior ``τ⁺`` in ``[0, 1)`` (0.1 suits 10 balanced classes).
    symmetric : bool, default=True
        ``True``: the setting of the paper's code (SimCLR): all ``2B`` rows are anchors,
        each with the other view as positive and the other ``N = 2B - 2`` rows as
        negatives. ``False``: one-directional, the ``B`` anchors against the ``B``
        positives (``N = B - 1``), as in SCARF's InfoNCE.

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor. A batch in which no anchor has a negative (``B = 1``, or a single
        class) gives a zero connected to the inputs.

    Notes
    -----
    The computation runs in log space (``logsumexp`` and a detached shift), so that
    ``e^{s/t}`` never overflows even for ``t = 0.01`` in float32; the result and its
    gradient equal those of the formula above. Where the clamp is active its gradient is
    zero, as with ``torch.clamp`` in the reference code.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import debiased_contrastive_loss, nt_xent_loss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(8, 4, generator=generator)
    >>> p = a + 0.3 * torch.randn(8, 4, generator=generator)
    >>> plain = debiased_contrastive_loss(a, p, tau_plus=0.0, temperature=0.5)
    >>> bool(torch.isclose(plain, nt_xent_loss(a, p, temperature=0.5)))
    True
    >>> bool(debiased_contrastive_loss(a, p, tau_plus=0.1) < plain)
    True
    """
    return debiased_view_loss(anchors, positives, labels, temperature=temperature,
                              tau_plus=tau_plus, beta=0.0, symmetric=symmetric)


class DebiasedContrastiveLoss(TwoViewLoss):
    """Debiased contrastive loss for two views (Module form).

    Module form of :func:`debiased_contrastive_loss`.

    Parameters
    ----------
    temperature : float, default=0.5
        Temperature ``t`` > 0.
    tau_plus : float, default=0.1
        Class prior ``τ⁺`` in ``[0, 1)``; 0 gives InfoNCE / NT-Xent.
    symmetric : bool, default=True
        Both views as anchors (SimCLR, ``2B - 2`` negatives) or the anchors only.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import DebiasedContrastiveLoss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> criterion = DebiasedContrastiveLoss(tau_plus=0.1)
    >>> float(criterion(a, a)) < float(criterion(a, a.flip(0)))
    True
    >>> criterion
    DebiasedContrastiveLoss(temperature=0.5, tau_plus=0.1, symmetric=True)
    """

    _hyperparameters = ("temperature", "tau_plus", "symmetric")
    _loss_function = staticmethod(debiased_contrastive_loss)

    def __init__(self, temperature: float = 0.5, tau_plus: float = 0.1, symmetric: bool = True):
        super().__init__()
        self.temperature = _check_temperature(temperature)
        self.tau_plus = _check_tau_plus(tau_plus)
        self.symmetric = check_bool(symmetric, "symmetric")
