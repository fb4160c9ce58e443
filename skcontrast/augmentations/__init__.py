from .tabular_noise import gaussian_noise as gaussian_noise
from .timeseries import TimeSeriesAugmenter as TimeSeriesAugmenter
from .timeseries import jitter as jitter
from .timeseries import random_crop as random_crop
from .timeseries import scaling as scaling
from .timeseries import timestamp_mask as timestamp_mask
