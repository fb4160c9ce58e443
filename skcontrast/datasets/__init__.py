"""Datasets: UCR/UEA time series, DARWIN, scikit-learn's toys, synthetic series.

Loaders return raw values in the library's layouts: time series as
``(n_samples, n_channels, n_timesteps)`` float64, tables as ``(n_samples,
n_features)``. Files are looked up locally first (``data_home``, the
``SKCONTRAST_DATA`` folders, the cache, installed offline packages); only
``skcontrast.datasets._base`` touches the network, to fill the cache.
:func:`list_ucr_datasets`, :func:`describe_ucr_datasets` and
:func:`list_tabular_datasets` say what can be loaded without a download.
"""

from ._base import DatasetNotFoundError, DownloadError, get_cache_dir
from ._tabular import list_tabular_datasets, load_darwin, load_tabular, make_ts_classification
from ._ucr import (
    describe_ucr_datasets,
    list_ucr_datasets,
    load_ucr,
    read_ts_file,
    read_tsv_file,
)

__all__ = [
    "DatasetNotFoundError",
    "DownloadError",
    "describe_ucr_datasets",
    "get_cache_dir",
    "list_tabular_datasets",
    "list_ucr_datasets",
    "load_darwin",
    "load_tabular",
    "load_ucr",
    "make_ts_classification",
    "read_ts_file",
    "read_tsv_file",
]
