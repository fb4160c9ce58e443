"""Encoders (networks that map a sample to its embedding) and projection heads."""

from .mlp import MLP, ProjectionHead

__all__ = ["MLP", "ProjectionHead"]
