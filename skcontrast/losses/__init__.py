"""Contrastive losses: pure torch, tested against explicit loops."""

from ._registry import LOSSES, make_loss
from .clip import clip_loss
from .contrastive import ContrastiveLoss, contrastive_loss
from .debiased import DebiasedContrastiveLoss, debiased_contrastive_loss
from .expclr import ExpCLRLoss, combine_label_similarity, expclr_loss, expert_similarity
from .hard_negative import HardNegativeLoss, hard_negative_loss
from .hierarchical import (
    HierarchicalContrastiveLoss,
    hierarchical_contrastive_loss,
    instance_contrastive_loss,
    temporal_contrastive_loss,
)
from .info_nce import InfoNCELoss, info_nce_loss
from .npair import NPairLoss, npair_loss
from .nt_xent import NTXentLoss
from .soft_nearest_neighbour import SoftNearestNeighbourLoss, soft_nearest_neighbour_loss
from .softclt import (
    normalised_series_distances,
    soft_hierarchical_contrastive_loss,
    soft_instance_weights,
    soft_temporal_weights,
)
from .supcon import SupConLoss, TwoViewSupConLoss, nt_xent_loss, supcon_loss
from .triplet import TripletLoss, triplet_loss

__all__ = [
    "ContrastiveLoss",
    "DebiasedContrastiveLoss",
    "ExpCLRLoss",
    "HardNegativeLoss",
    "HierarchicalContrastiveLoss",
    "InfoNCELoss",
    "LOSSES",
    "NPairLoss",
    "NTXentLoss",
    "SoftNearestNeighbourLoss",
    "SupConLoss",
    "TripletLoss",
    "TwoViewSupConLoss",
    "clip_loss",
    "combine_label_similarity",
    "contrastive_loss",
    "debiased_contrastive_loss",
    "expclr_loss",
    "expert_similarity",
    "hard_negative_loss",
    "hierarchical_contrastive_loss",
    "info_nce_loss",
    "instance_contrastive_loss",
    "make_loss",
    "normalised_series_distances",
    "npair_loss",
    "nt_xent_loss",
    "soft_hierarchical_contrastive_loss",
    "soft_instance_weights",
    "soft_nearest_neighbour_loss",
    "soft_temporal_weights",
    "supcon_loss",
    "temporal_contrastive_loss",
    "triplet_loss",
]
