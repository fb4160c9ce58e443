"""Pairwise contrastive loss with a margin (Hadsell, Chopra & LeCun, CVPR 2006)."""

from __future__ import annotations

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

__all__ = ["ContrastiveLoss", "contrastive_loss"]


def contrastive_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    margin: float = 1.0,
    normalize: bool = True,
) -> torch.Tensor:
    r"""Pairwise contrastive loss with margin of Hadsell, Chopra & LeCun (2006).

    Similar pairs are pulled together, dissimilar pairs pushed apart until they are at
    least ``margin`` apart. With :math:`d_{ij}` the Euclidean distance, :math:`P` the
    unordered pairs ``i < j`` with equal labels and :math:`N` those with different labels,

    .. math::

        \mathcal{L} = \frac{1}{2}\,\frac{1}{|P|}\sum_{(i,j) \in P} d_{ij}^2
            + \frac{1}{2}\,\frac{1}{|N|}\sum_{(i,j) \in N} \max(0, m - d_{ij})^2 .

    The factors ½ are those of the paper's per-pair loss
    ``½ d²`` (similar) and ``½ max(0, m - d)²`` (dissimilar).

    Parameters
    ----------
    embeddings : torch.Tensor of shape (n_rows, n_dims)
        The embeddings of a batch (e.g. both views stacked along the first axis).
    labels : torch.Tensor of shape (n_rows,)
        Integer class of each row; rows with equal labels form the similar pairs.
    margin : float, default=1.0
        Margin ``m`` > 0: dissimilar pairs farther apart than ``m`` cost nothing.
    normalize : bool, default=True
        ℓ2-normalise the embeddings first (recommended), see Notes.

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor, differentiable with respect to ``embeddings``.

    Notes
    -----
    - Reduction: the mean over the similar pairs and the mean over the dissimilar pairs
      are taken *separately* and weighted ½ each. A mean over all pairs would let the
      dissimilar pairs swamp the similar ones: with two views of ``B`` unlabelled samples
      there are ``B`` similar pairs but ``2B(B - 1)`` dissimilar ones, so the pull term
      would get a weight of about ``1 / (2B)``. If the batch has no similar pair (or no
      dissimilar pair, e.g. a single class) that term is absent (0); if it has neither
      (a single row) the loss is a zero that is connected to ``embeddings``.
    - Normalisation: without it the pull term can always be lowered by shrinking the
      whole embedding, and the margin means nothing until the encoder has learned a
      scale that matches it. On the unit sphere distances lie in ``[0, 2]`` with
      ``d² = 2 - 2 cos``, so the margin is a fixed angle: ``m = 1`` pushes dissimilar
      pairs apart only while their cosine similarity exceeds ``0.5`` (60°). Random
      directions in many dimensions are nearly orthogonal (``d ≈ √2 > 1``), so only
      really confusable pairs are pushed, and ``m ≥ 2`` could never be satisfied.
      ``F.normalize``'s ``eps`` keeps zero vectors finite (they map to 0).
    - Distances are computed from coordinate differences, so their gradient is finite
      (0) at zero distance, e.g. for a collapsed batch.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import contrastive_loss
    >>> z = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> # the similar pair coincides, the dissimilar pairs are sqrt(2) > 1 apart
    >>> contrastive_loss(z, torch.tensor([0, 0, 1]))
    tensor(0.)
    >>> round(contrastive_loss(z, torch.tensor([0, 1, 1])).item(), 4)  # 0.5*2 + 0.5*0.5
    1.25
    """
    labels = check_embeddings(embeddings, labels)
    margin = check_positive(margin, "margin", "margin=1.0")
    normalize = check_bool(normalize, "normalize")
    z = F.normalize(embeddings, dim=1) if normalize else embeddings
    distances = pairwise_distances(z)
    n_rows = z.shape[0]
    upper = torch.ones(n_rows, n_rows, dtype=torch.bool, device=z.device).triu(1)
    same = labels[:, None] == labels[None, :]
    loss = connected_zero(z)
    similar, dissimilar = same & upper, ~same & upper
    if bool(similar.any()):
        loss = loss + 0.5 * distances[similar].square().mean()
    if bool(dissimilar.any()):
        loss = loss + 0.5 * (margin - distances[dissimilar]).clamp_min(0.0).square().mean()
    return loss


class ContrastiveLoss(TwoViewLoss):
    """Pairwise contrastive loss with margin, for two views (Module form).

    ``forward(anchors, positives, labels=None)`` stacks the ``2B`` rows
    ``[anchors; positives]`` with labels ``[labels; labels]`` (instance ids when
    ``labels`` is None, so the only similar pair of a view is its other view) and
    returns :func:`contrastive_loss` of them.

    Parameters
    ----------
    margin : float, default=1.0
        Margin ``m`` > 0 for the dissimilar pairs.
    normalize : bool, default=True
        ℓ2-normalise the embeddings first, see :func:`contrastive_loss`.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import ContrastiveLoss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> criterion = ContrastiveLoss(margin=1.0)
    >>> float(criterion(a, a)) < float(criterion(a, a.flip(0)))
    True
    >>> criterion
    ContrastiveLoss(margin=1.0, normalize=True)
    """

    _hyperparameters = ("margin", "normalize")
    _loss_function = staticmethod(contrastive_loss)
    _stacks_views = True

    def __init__(self, margin: float = 1.0, normalize: bool = True):
        super().__init__()
        self.margin = check_positive(margin, "margin", "margin=1.0")
        self.normalize = check_bool(normalize, "normalize")
