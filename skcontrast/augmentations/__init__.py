"""Views for contrastive learning; every random draw takes an explicit ``torch.Generator``."""

from .corruption import MarginalCorruption, corrupt_from_marginals, n_corrupted_features
from .crops import CropParams, overlapping_crops, sample_crop_params, take_per_row
from .masks import bernoulli_mask, binomial_timestamp_mask
from .tabular_noise import gaussian_noise
from .timeseries import TimeSeriesAugmenter, jitter, random_crop, scaling, timestamp_mask

__all__ = [
    "CropParams",
    "MarginalCorruption",
    "TimeSeriesAugmenter",
    "bernoulli_mask",
    "binomial_timestamp_mask",
    "corrupt_from_marginals",
    "gaussian_noise",
    "jitter",
    "n_corrupted_features",
    "overlapping_crops",
    "random_crop",
    "sample_crop_params",
    "scaling",
    "take_per_row",
    "timestamp_mask",
]
