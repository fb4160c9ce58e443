"""The public embedders: thin assemblies of encoders, augmentations and losses."""

from .expclr import ExpCLREmbedder
from .multiview import MultiViewEmbedder
from .scarf import SCARFEmbedder
from .supcon import SupConEmbedder
from .ts2vec import TS2VecEmbedder
from .untrained import UntrainedEmbedder

__all__ = [
    "ExpCLREmbedder",
    "MultiViewEmbedder",
    "SCARFEmbedder",
    "SupConEmbedder",
    "TS2VecEmbedder",
    "UntrainedEmbedder",
]
