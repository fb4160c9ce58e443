"""Triplet loss with batch mining (FaceNet, Schroff et al. 2015; Hermans et al. 2017)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._common import (
    TwoViewLoss,
    check_bool,
    check_choice,
    check_embeddings,
    check_positive,
    connected_zero,
    pairwise_distances,
    softplus,
)

__all__ = ["TripletLoss", "triplet_loss"]

_MINING = ("all", "batch_hard", "semi_hard")


def _check_options(margin, mining, soft_margin, squared, normalize):
    margin = check_positive(margin, "margin", "margin=0.2")
    mining = check_choice(mining, "mining", _MINING)
    soft_margin = check_bool(soft_margin, "soft_margin")
    if soft_margin and mining == "semi_hard":
        raise ValueError(
            "mining='semi_hard' selects negatives inside the margin window, which the "
            "soft-margin loss does not have; use soft_margin=False, or mining='batch_hard' "
            "or 'all' with soft_margin=True."
        )
    return margin, mining, soft_margin, check_bool(squared, "squared"), check_bool(
        normalize, "normalize"
    )


def triplet_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    margin: float = 0.2,
    mining: str = "batch_hard",
    soft_margin: bool = False,
    squared: bool = True,
    normalize: bool = True,
) -> torch.Tensor:
    r"""Triplet loss with margin over the triplets of a batch, with online mining.

    For an anchor ``a``, a positive ``p`` (another row with the same label) and a
    negative ``n`` (a row with a different label), with distance ``D``,

    .. math::

        \ell(a, p, n) = \max\bigl(0,\; D(a, p) - D(a, n) + \alpha\bigr)
        \qquad\text{or, with soft\_margin,}\qquad
        \ell(a, p, n) = \log\bigl(1 + e^{D(a, p) - D(a, n)}\bigr).

    ``D`` is the squared Euclidean distance by default, as in FaceNet (Schroff et al.,
    2015), whose margin ``α = 0.2`` refers to squared distances of ℓ2-normalised
    embeddings; ``squared=False`` uses the plain distance (Hermans et al., 2017).

    Parameters
    ----------
    embeddings : torch.Tensor of shape (n_rows, n_dims)
        The embeddings of a batch (e.g. both views stacked along the first axis).
    labels : torch.Tensor of shape (n_rows,)
        Integer class of each row.
    margin : float, default=0.2
        Margin ``α`` > 0 (FaceNet's value). Unused in the loss when ``soft_margin=True``.
    mining : {"batch_hard", "semi_hard", "all"}, default="batch_hard"
        Which triplets are used:

        - ``"batch_hard"`` (Hermans et al., 2017): per anchor one triplet, its farthest
          positive and its nearest negative; mean over the anchors that have both.
        - ``"semi_hard"`` (FaceNet): per anchor-positive pair one triplet, with the
          nearest negative that is farther than the positive,
          ``D(a, p) < D(a, n)``. It is semi-hard (``D(a, n) < D(a, p) + α``, positive
          loss) or, if even the nearest such negative lies beyond the margin, the pair
          costs 0. Pairs for which *every* negative is at most as far as the positive
          (no semi-hard negative exists) fall back to the farthest negative, as the
          TensorFlow reference implementation does: the least hard of the hard
          negatives, which still gives a loss of at least ``α`` but does not pull the
          model towards the collapse that the hardest negatives cause early in training.
          Mean over the anchor-positive pairs whose anchor has a negative.
        - ``"all"``: every valid triplet; the mean over *all* valid triplets (zero-loss
          ones included).
    soft_margin : bool, default=False
        Use the soft-margin loss ``log(1 + exp(D(a,p) - D(a,n)))`` of Hermans et al.
        instead of the hinge. Not available with ``mining="semi_hard"``, whose window
        is defined by the margin.
    squared : bool, default=True
        Squared Euclidean distance (FaceNet) or plain Euclidean distance.
    normalize : bool, default=True
        ℓ2-normalise the embeddings first (as FaceNet does; the margin is then a
        fixed fraction of the sphere's squared diameter 4).

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor, differentiable with respect to ``embeddings``. A batch without
        any valid triplet (a single class, or no label seen twice) gives a zero that is
        connected to ``embeddings``.

    Notes
    -----
    - Why the mean over *all* valid triplets for ``mining="all"``, not over the active
      ones (positive loss) only: both reductions give every active triplet the same
      weight, so they only differ by a batch-dependent factor, which Adam-type
      optimisers largely cancel; but the mean over all triplets is one fixed objective,
      comparable across batches and monotone in the number of violated triplets, which
      is what early stopping on a validation loss needs. The mean over active triplets
      can stay flat (or grow) while training removes violations.
    - The mining decisions (which positive, which negative) are not differentiated; the
      gradient flows through the distances of the selected triplets.
    - ``"all"`` and ``"semi_hard"`` work on a (number of anchor-positive pairs) by
      (n_rows) matrix: ``n_rows²`` entries for two views of unlabelled samples, about
      ``n_rows³ / n_classes`` with labels.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import triplet_loss
    >>> z = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0]])
    >>> labels = torch.tensor([0, 0, 1, 1])
    >>> # rows 1 and 2 (squared distance 0.08) are nearer each other than their positives (0.4)
    >>> round(triplet_loss(z, labels, mining="batch_hard").item(), 4)  # (0 + .52 + .52 + 0) / 4
    0.26
    >>> round(triplet_loss(z, labels, mining="all").item(), 4)  # 2 of 8 triplets cost 0.52
    0.13
    """
    labels = check_embeddings(embeddings, labels)
    margin, mining, soft_margin, squared, normalize = _check_options(
        margin, mining, soft_margin, squared, normalize
    )
    z = F.normalize(embeddings, dim=1) if normalize else embeddings
    distances = pairwise_distances(z)
    if squared:
        distances = distances.square()
    n_rows = z.shape[0]
    eye = torch.eye(n_rows, dtype=torch.bool, device=z.device)
    same = labels[:, None] == labels[None, :]
    positive_mask, negative_mask = same & ~eye, ~same

    def per_triplet(d_ap, d_an):
        if soft_margin:
            return softplus(d_ap - d_an)
        return (d_ap - d_an + margin).clamp_min(0.0)

    if mining == "batch_hard":
        valid = positive_mask.any(dim=1) & negative_mask.any(dim=1)
        if not bool(valid.any()):
            return connected_zero(z)
        hardest_positive = distances.masked_fill(~positive_mask, -math.inf).max(dim=1).values
        hardest_negative = distances.masked_fill(~negative_mask, math.inf).min(dim=1).values
        return per_triplet(hardest_positive[valid], hardest_negative[valid]).mean()

    # One row per anchor-positive pair (a, p), one column per candidate negative n.
    anchor_index, positive_index = positive_mask.nonzero(as_tuple=True)
    d_ap = distances[anchor_index, positive_index]
    d_an = distances[anchor_index]
    negatives = negative_mask[anchor_index]
    has_negative = negatives.any(dim=1)
    if not bool(has_negative.any()):
        return connected_zero(z)

    if mining == "all":
        losses = per_triplet(d_ap[:, None], d_an)
        n_triplets = negatives.sum().to(losses.dtype)
        return torch.where(negatives, losses, torch.zeros_like(losses)).sum() / n_triplets

    # semi_hard: the choice of the negative is a selection, made without gradient.
    with torch.no_grad():
        farther = negatives & (d_an > d_ap[:, None])
        nearest_farther = d_an.masked_fill(~farther, math.inf).argmin(dim=1)
        farthest = d_an.masked_fill(~negatives, -math.inf).argmax(dim=1)
        chosen = torch.where(farther.any(dim=1), nearest_farther, farthest)
    d_chosen = d_an.gather(1, chosen[:, None]).squeeze(1)
    return per_triplet(d_ap, d_chosen)[has_negative].mean()


class TripletLoss(TwoViewLoss):
    """Triplet loss with batch mining, for two views (Module form).

    ``forward(anchors, positives, labels=None)`` stacks the ``2B`` rows
    ``[anchors; positives]`` with labels ``[labels; labels]`` (instance ids when
    ``labels`` is None, so the only positive of a view is its other view) and returns
    :func:`triplet_loss` of them.

    Parameters
    ----------
    margin : float, default=0.2
        Margin ``α`` > 0.
    mining : {"batch_hard", "semi_hard", "all"}, default="batch_hard"
        Triplet selection, see :func:`triplet_loss`.
    soft_margin : bool, default=False
        Soft-margin loss ``log(1 + exp(D(a,p) - D(a,n)))`` instead of the hinge.
    squared : bool, default=True
        Squared Euclidean distance (FaceNet) or plain Euclidean distance.
    normalize : bool, default=True
        ℓ2-normalise the embeddings first.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import TripletLoss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> criterion = TripletLoss(mining="semi_hard")
    >>> float(criterion(a, a)) < float(criterion(a, a.flip(0)))
    True
    """

    _hyperparameters = ("margin", "mining", "soft_margin", "squared", "normalize")
    _loss_function = staticmethod(triplet_loss)
    _stacks_views = True

    def __init__(
        self,
        margin: float = 0.2,
        mining: str = "batch_hard",
        soft_margin: bool = False,
        squared: bool = True,
        normalize: bool = True,
    ):
        super().__init__()
        (self.margin, self.mining, self.soft_margin, self.squared,
         self.normalize) = _check_options(margin, mining, soft_margin, squared, normalize)
