"""Soft nearest neighbour loss (Frosst, Papernot & Hinton, ICML 2019)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._common import (
    TwoViewLoss,
    check_bool,
    check_embeddings,
    check_positive,
    connected_zero,
    pairwise_distances,
)

__all__ = ["SoftNearestNeighbourLoss", "soft_nearest_neighbour_loss"]


def soft_nearest_neighbour_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 1.0,
    normalize: bool = True,
) -> torch.Tensor:
    r"""Soft nearest neighbour loss of Frosst, Papernot & Hinton (2019).

    The negative log-probability that a row's stochastic nearest neighbour (picked with
    probability :math:`\propto e^{-d^2/T}` among the other rows) has the row's label:

    .. math::

        \mathcal{L} = -\frac{1}{|A|}\sum_{i \in A}
            \log\frac{\sum_{j \ne i,\, y_j = y_i} e^{-d_{ij}^2/T}}
                     {\sum_{k \ne i} e^{-d_{ik}^2/T}},

    with :math:`d` the Euclidean distance and :math:`A` the rows that have at least one
    other row with the same label. Computed with ``logsumexp``.

    Parameters
    ----------
    embeddings : torch.Tensor of shape (n_rows, n_dims)
        The embeddings of a batch (e.g. both views stacked along the first axis).
    labels : torch.Tensor of shape (n_rows,)
        Integer class of each row.
    temperature : float, default=1.0
        Temperature ``T`` > 0. Small values make the neighbour choice nearly hard.
    normalize : bool, default=True
        ℓ2-normalise the embeddings first. The paper applies the loss to raw hidden
        representations, where ``T`` must follow their scale; on the unit sphere
        ``d² = 2 - 2 cos`` and ``e^{-d²/T} ∝ e^{cos/(T/2)}``, so the loss is the
        "inside the log" supervised contrastive loss with cosine temperature ``T / 2``
        (``T = 1`` matches SimCLR's 0.5), and ``T`` keeps its meaning whatever the
        encoder's scale.

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor, differentiable with respect to ``embeddings``.

    Notes
    -----
    A row whose label occurs nowhere else in the batch has an empty numerator (its
    ``log`` is ``-inf``); such rows are left out of the mean (the paper's ``1/b`` then
    counts only the rows in :math:`A`). If no row has a same-label partner the loss is a
    zero connected to ``embeddings``. With two views of every sample, every row has one.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import soft_nearest_neighbour_loss
    >>> z = torch.tensor([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]])
    >>> # each row's partner is at distance 0, the other class at distance 2
    >>> round(soft_nearest_neighbour_loss(z, torch.tensor([0, 0, 1, 1])).item(), 6)
    0.035976
    >>> round(soft_nearest_neighbour_loss(z, torch.tensor([0, 1, 0, 1])).item(), 4)
    4.036
    """
    labels = check_embeddings(embeddings, labels)
    temperature = check_positive(temperature, "temperature", "temperature=1.0")
    normalize = check_bool(normalize, "normalize")
    z = F.normalize(embeddings, dim=1) if normalize else embeddings
    n_rows = z.shape[0]
    eye = torch.eye(n_rows, dtype=torch.bool, device=z.device)
    partner_mask = (labels[:, None] == labels[None, :]) & ~eye
    has_partner = partner_mask.any(dim=1)
    if not bool(has_partner.any()):
        return connected_zero(z)
    logits = -pairwise_distances(z).square() / temperature
    # Only the rows with a partner: the others would give logsumexp(all -inf) = -inf,
    # whose gradient is NaN even when the row is masked out afterwards.
    logits, partner_mask, others = logits[has_partner], partner_mask[has_partner], ~eye[has_partner]
    log_numerator = torch.logsumexp(logits.masked_fill(~partner_mask, -math.inf), dim=1)
    log_denominator = torch.logsumexp(logits.masked_fill(~others, -math.inf), dim=1)
    return (log_denominator - log_numerator).mean()


class SoftNearestNeighbourLoss(TwoViewLoss):
    """Soft nearest neighbour loss for two views (Module form).

    ``forward(anchors, positives, labels=None)`` stacks the ``2B`` rows
    ``[anchors; positives]`` with labels ``[labels; labels]`` (instance ids when
    ``labels`` is None, so a view's only same-class row is its other view) and returns
    :func:`soft_nearest_neighbour_loss` of them.

    Parameters
    ----------
    temperature : float, default=1.0
        Temperature ``T`` > 0.
    normalize : bool, default=True
        ℓ2-normalise the embeddings first.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import SoftNearestNeighbourLoss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> criterion = SoftNearestNeighbourLoss(temperature=0.5)
    >>> float(criterion(a, a)) < float(criterion(a, a.flip(0)))
    True
    >>> criterion
    SoftNearestNeighbourLoss(temperature=0.5, normalize=True)
    """

    _hyperparameters = ("temperature", "normalize")
    _loss_function = staticmethod(soft_nearest_neighbour_loss)
    _stacks_views = True

    def __init__(self, temperature: float = 1.0, normalize: bool = True):
        super().__init__()
        self.temperature = check_positive(temperature, "temperature", "temperature=1.0")
        self.normalize = check_bool(normalize, "normalize")
