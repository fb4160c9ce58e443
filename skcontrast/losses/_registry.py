"""Short names for the two-view loss Modules, and :func:`make_loss`."""

from __future__ import annotations

import inspect

from torch import nn

from .contrastive import ContrastiveLoss
from .debiased import DebiasedContrastiveLoss
from .hard_negative import HardNegativeLoss
from .info_nce import InfoNCELoss
from .npair import NPairLoss
from .nt_xent import NTXentLoss
from .soft_nearest_neighbour import SoftNearestNeighbourLoss
from .supcon import TwoViewSupConLoss
from .triplet import TripletLoss

__all__ = ["LOSSES", "make_loss"]

#: Name -> loss Module class. Every class has
#: ``forward(anchors, positives, labels=None)``.
LOSSES: dict[str, type[nn.Module]] = {
    "contrastive": ContrastiveLoss,
    "debiased": DebiasedContrastiveLoss,
    "hard_negative": HardNegativeLoss,
    "info_nce": InfoNCELoss,
    "npair": NPairLoss,
    "nt_xent": NTXentLoss,
    "soft_nearest_neighbour": SoftNearestNeighbourLoss,
    "supcon": TwoViewSupConLoss,
    "triplet": TripletLoss,
}


def make_loss(loss, **defaults) -> nn.Module:
    """Build a loss Module from a short name, or pass a Module through.

    Parameters
    ----------
    loss : str or torch.nn.Module
        A name of :data:`LOSSES` (``"info_nce"``, ``"nt_xent"``, ``"contrastive"``,
        ``"triplet"``, ``"npair"``, ``"debiased"``, ``"hard_negative"``,
        ``"soft_nearest_neighbour"``, ``"supcon"``), or a Module instance, which is
        returned as is (its own hyper-parameters win; ``defaults`` are ignored). The
        Module must accept ``forward(anchors, positives, labels=None)``.
    **defaults
        Constructor arguments for a loss given by name, e.g. an embedder's
        ``temperature``. Those that the chosen class does not take are ignored, so a
        caller can pass the same defaults whatever the loss (``temperature`` means
        nothing to the triplet loss); invalid values of the ones it takes raise.

    Returns
    -------
    module : torch.nn.Module
        The loss Module.

    Raises
    ------
    ValueError
        If ``loss`` is neither a known name nor a ``torch.nn.Module``; the message lists
        the valid names.

    Examples
    --------
    >>> from skcontrast.losses import TripletLoss, make_loss
    >>> make_loss("nt_xent", temperature=0.2)
    NTXentLoss(temperature=0.2, symmetric=True)
    >>> make_loss("triplet", temperature=0.2)  # temperature is not a triplet parameter
    TripletLoss(margin=0.2, mining='batch_hard', soft_margin=False, squared=True, normalize=True)
    >>> criterion = TripletLoss(margin=0.5)
    >>> make_loss(criterion) is criterion
    True
    """
    if isinstance(loss, nn.Module):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        cls = LOSSES[loss]
        accepted = inspect.signature(cls).parameters
        return cls(**{name: value for name, value in defaults.items() if name in accepted})
    raise ValueError(
        f"loss must be one of {', '.join(map(repr, sorted(LOSSES)))} or a torch.nn.Module "
        f"instance, got {loss!r}."
    )
