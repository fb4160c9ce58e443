"""The public embedders: thin assemblies of encoders, augmentations and losses."""

from .scarf import SCARFEmbedder

__all__ = ["SCARFEmbedder"]
