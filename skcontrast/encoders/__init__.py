"""Encoders (networks that map a sample to its embedding) and projection heads."""

from .dilated_conv import DilatedConvEncoder, same_pad_conv1d
from .mlp import MLP, ProjectionHead

__all__ = ["MLP", "DilatedConvEncoder", "ProjectionHead", "same_pad_conv1d"]
