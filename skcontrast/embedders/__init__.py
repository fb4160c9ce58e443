"""The public embedders: thin assemblies of encoders, augmentations and losses."""

from .scarf import SCARFEmbedder
from .ts2vec import TS2VecEmbedder

__all__ = ["SCARFEmbedder", "TS2VecEmbedder"]
