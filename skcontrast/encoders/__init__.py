"""Encoders (networks that map a sample to its embedding), pooling and projection heads."""

from .dilated_conv import DilatedConvEncoder, same_pad_conv1d
from .mlp import MLP, InputConcat, ProjectionHead
from .pooling import PooledSeriesEncoder, masked_max, max_pool_over_time

__all__ = [
    "MLP",
    "DilatedConvEncoder",
    "InputConcat",
    "PooledSeriesEncoder",
    "ProjectionHead",
    "masked_max",
    "max_pool_over_time",
    "same_pad_conv1d",
]
