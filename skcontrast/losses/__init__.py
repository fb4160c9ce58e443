"""Contrastive losses: pure torch, tested against explicit loops."""

from .expclr import ExpCLRLoss, combine_label_similarity, expclr_loss, expert_similarity
from .hierarchical import (
    HierarchicalContrastiveLoss,
    hierarchical_contrastive_loss,
    instance_contrastive_loss,
    temporal_contrastive_loss,
)
from .info_nce import InfoNCELoss, info_nce_loss
from .supcon import SupConLoss, nt_xent_loss, supcon_loss

__all__ = [
    "ExpCLRLoss",
    "HierarchicalContrastiveLoss",
    "InfoNCELoss",
    "SupConLoss",
    "combine_label_similarity",
    "expclr_loss",
    "expert_similarity",
    "hierarchical_contrastive_loss",
    "info_nce_loss",
    "instance_contrastive_loss",
    "nt_xent_loss",
    "supcon_loss",
    "temporal_contrastive_loss",
]
