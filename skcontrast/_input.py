"""Input handling of the embedders: tabular rows, time series, or either.

Each mixin fills the input hooks of :class:`~skcontrast.base.BaseContrastiveEmbedder`
for one kind of data, and declares (in its ``_parameter_constraints``) the parameters it
reads:

* :class:`TabularInputMixin`: 2-D numeric finite rows, z-scored with the training
  statistics, encoded by a ReLU MLP;
* :class:`SeriesInputMixin`: ``(n_samples, n_channels, n_timesteps)`` series (2-D input
  is a collection of univariate series; NaN = missing), encoded per timestamp by
  TS2Vec's dilated convolutions and max-pooled over time;
* :class:`TabularOrSeriesInputMixin`: either, by the ``input_type`` parameter.

Mix them in before the base class: ``class MyEmbedder(TabularInputMixin,
BaseContrastiveEmbedder)``.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._compat import Interval, StrOptions, _check_feature_names, validate_data
from ._config import stream_above_bytes
from ._preprocessing import (
    MISSING_CATEGORY,
    StandardizedRows,
    encode_mixed,
    encoded_groups,
    preprocess_in_order,
    standardization_stats,
    standardize_float32,
)
from .encoders.dilated_conv import DilatedConvEncoder
from .encoders.mlp import MLP, InputConcat
from .encoders.pooling import PooledSeriesEncoder
from .utils import pad_series

__all__ = [
    "SeriesInputMixin",
    "TabularInputMixin",
    "TabularOrSeriesInputMixin",
    "as_3d_series",
    "check_array_like",
    "check_label_types",
    "check_numeric_frame",
    "input_ndim",
    "take_rows",
    "validate_series",
]


def input_ndim(X) -> int:
    """Number of dimensions of ``X`` without converting it (a DataFrame is 2-D)."""
    if hasattr(X, "ndim"):
        return int(X.ndim)
    try:
        return np.asarray(X).ndim
    except (TypeError, ValueError):  # e.g. ragged nested lists: validation will say why
        return 2


def check_numeric_frame(X, name: str) -> None:
    """Name the non-numeric columns of a DataFrame, with the fix, before sklearn's generic error."""
    if isinstance(X, pd.DataFrame):
        bad = [
            str(c) for c, dt in X.dtypes.items()
            if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt))
        ]
        if bad:
            shown = ", ".join(repr(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
            raise ValueError(
                f"{name} needs numeric features, but column(s) {shown} are not numeric. "
                "Encode them first, e.g. with sklearn.preprocessing.OneHotEncoder or "
                "OrdinalEncoder inside a ColumnTransformer in the Pipeline."
            )


def check_label_types(labels, name: str) -> None:
    """Refuse labels that mix types (numbers and text): they cannot be sorted into classes.

    Missing labels (``None``, ``NaN``) are left to the caller, which knows whether
    they mean "unlabelled".
    """
    values = np.asarray(labels, dtype=object).ravel() if np.ndim(labels) else ()
    kinds = sorted({"number" if isinstance(v, int | float | np.number) and
                    not isinstance(v, bool | np.bool_) else type(v).__name__
                    for v in values if not (v is None or (isinstance(v, float) and v != v))})
    if len(kinds) > 1:
        raise TypeError(
            f"{name} needs labels of one type, but y mixes {' and '.join(kinds)}. "
            "Convert them to one, e.g. np.asarray(y).astype(str)."
        )


def check_array_like(X, name: str) -> None:
    """Refuse, with the fix, inputs that are not tables of numbers before numpy guesses.

    Sets, dicts and strings are not array-like; structured arrays, date/time arrays and
    complex numbers are not features. Sparse matrices are left to the validation that
    follows (it says they are not supported and how to densify them).
    """
    if hasattr(X, "toarray"):
        return
    if isinstance(X, pd.DataFrame) and X.columns.duplicated().any():
        duplicated = sorted({str(c) for c in X.columns[X.columns.duplicated()]})
        raise ValueError(
            f"{name} needs distinct column names; {duplicated} appear more than once. "
            "Rename or drop the duplicates."
        )
    if isinstance(X, set | frozenset | dict | str | bytes) or X is None or np.isscalar(X):
        raise TypeError(
            f"{name} needs X as an array-like of rows (a numpy array, a list of rows, a "
            f"pandas DataFrame); got {type(X).__name__}."
        )
    dtype = getattr(X, "dtype", None)
    if not isinstance(dtype, np.dtype):
        return
    if dtype.names is not None:
        raise TypeError(
            f"{name} does not take structured (record) arrays: pass a pandas DataFrame "
            "(pd.DataFrame(X)) or a plain 2-D array of numbers."
        )
    if dtype.kind in "mM":
        raise TypeError(
            f"{name} cannot use date/time values as they are: convert them to numbers "
            "first (e.g. seconds or days since a reference date, or the hour of the day)."
        )
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} needs real numbers.")


def numeric_or_explain(X, name: str, convert):
    """``convert(X)``, with numpy's "could not convert" turned into the fix."""
    try:
        return convert(X)
    except ValueError as exc:
        text = str(exc)
        if "inhomogeneous" in text or "with a sequence" in text:
            raise ValueError(
                f"{name} needs X as a table: every row with the same number of features, "
                "but the rows of X have different lengths. Pad or truncate them (for time "
                "series, skcontrast.utils.pad_series NaN-pads them)."
            ) from exc
        if "contains NaN" in text:
            # scikit-learn's generic message suggests supervised models that accept NaN;
            # an embedder needs the imputer in front of it.
            raise ValueError(
                f"Input X contains NaN. {name} does not accept missing values in a table: "
                "impute them first, e.g. make_pipeline(SimpleImputer(), "
                f"{name}()) with sklearn.impute.SimpleImputer (or pass a DataFrame whose "
                "missing values are in categorical columns: there they are a category)."
            ) from exc
        if "convert" not in text and "could not" not in text:
            raise
        raise ValueError(
            f"{name} needs numeric features, but X holds values that are not numbers "
            f"({text}). Encode them first (e.g. OneHotEncoder in a ColumnTransformer), or "
            f"pass a pandas DataFrame: {name} one-hot encodes its text and categorical "
            "columns itself."
        ) from exc


def as_3d_series(X, *, estimator_name: str = "The embedder") -> np.ndarray:
    """Validate a collection of series and return it as float64 ``(N, C, T)``.

    Raises ``TypeError`` for non-numeric input and ``ValueError`` for a wrong number of
    dimensions, infinite values or an empty collection. NaN is allowed (missing). A list
    of series of different lengths is NaN-padded at the end
    (:func:`~skcontrast.utils.pad_series`). The input is never modified (a new array is
    returned whenever a conversion is needed; callers must not write into the result).
    """
    if hasattr(X, "to_numpy"):  # pandas DataFrame of univariate series, one per row
        X = X.to_numpy()
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            "Sparse data was passed for X, but dense data is required: time series are "
            "dense arrays. Use X.toarray() to convert to a dense numpy array."
        )
    check_array_like(X, estimator_name)
    if isinstance(X, list | tuple) and _ragged(X):
        X = pad_series(X)
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{estimator_name} needs numeric time series (float arrays with NaN for missing "
            f"values); could not read the input: {exc}"
        ) from exc
    check_array_like(arr, estimator_name)
    try:
        arr = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{estimator_name} needs numeric time series (float arrays with NaN for missing "
            f"values); could not convert the input: {exc}"
        ) from exc
    if arr.ndim == 2:
        arr = arr[:, np.newaxis, :]
    elif arr.ndim != 3:
        raise ValueError(
            f"{estimator_name} expects an array of shape (n_samples, n_channels, n_timesteps), "
            f"or (n_samples, n_timesteps) for univariate series; got {arr.ndim}-D input of "
            f"shape {arr.shape}. Reshape your data, e.g. X.reshape(1, -1) for a single "
            "univariate series."
        )
    n_samples, n_channels, n_timesteps = arr.shape
    if n_channels > n_timesteps > 0:
        warnings.warn(
            f"X has shape {arr.shape}: read as {n_channels} channels of {n_timesteps} "
            f"timestamps each, since skcontrast's layout is (n_samples, n_channels, "
            "n_timesteps). If your series are (n_samples, n_timesteps, n_channels), pass "
            "X.transpose(0, 2, 1).",
            UserWarning, stacklevel=4,
        )
    if n_timesteps == 0 and n_channels == 1 and n_samples > 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape=({n_samples}, 0)) while a minimum of 1 is "
            "required: 2-D input holds one series per row, with one column per timestamp."
        )
    if n_samples == 0 or n_channels == 0 or n_timesteps == 0:
        raise ValueError(
            f"Found array with 0 sample(s), channel(s) or timestamp(s) (shape={arr.shape}); "
            f"{estimator_name} needs at least one of each."
        )
    if np.isinf(arr).any():
        raise ValueError(
            "Input X contains infinity. Mark missing values with NaN (supported) and replace "
            "infinite values first."
        )
    return arr


def _ragged(series) -> bool:
    """Whether a list holds series of different lengths (the last axis differs)."""
    try:
        lengths = {np.shape(item)[-1] for item in series if np.ndim(item) >= 1}
    except (TypeError, ValueError, IndexError):
        return False
    return len(lengths) > 1


def validate_series(estimator, X, *, reset, min_timesteps, empty_series_at_fit):
    """Validate series for ``estimator`` and set or check ``n_features_in_`` (channels).

    ``reset=True`` (fit) also needs at least 2 series of at least ``min_timesteps``
    timestamps; ``empty_series_at_fit`` says what an all-NaN series means in fit:
    ``"drop"`` (the method drops it; only an all-NaN input is an error) or ``"error"``.
    At transform an all-NaN series is always an error: it has nothing to embed.
    """
    _check_feature_names(estimator, X, reset=reset)
    name = type(estimator).__name__
    arr = as_3d_series(X, estimator_name=name)
    n_samples, n_channels, n_timesteps = arr.shape
    if reset:
        if n_samples < 2:
            raise ValueError(
                f"Found array with {n_samples} sample(s) (shape={arr.shape}) while a "
                "minimum of 2 is required: contrastive training needs several series."
            )
        if n_timesteps < min_timesteps:
            raise ValueError(
                f"Series of length {n_timesteps} (2-D input with {n_timesteps} feature(s)) "
                f"are too short: {name} needs at least {min_timesteps} timestamps."
            )
        estimator.n_features_in_ = n_channels
    elif n_channels != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_channels} channels, but {name} is expecting "
            f"{estimator.n_features_in_} channels as input (the layout is (n_samples, "
            "n_channels, n_timesteps))."
        )
    observed = ~np.isnan(arr).any(axis=1)  # (N, T): missing if any channel is NaN
    if not observed.any():
        raise ValueError("Input X contains only NaN: every timestamp is missing.")
    if reset and empty_series_at_fit == "drop":
        return arr
    empty = np.flatnonzero(~observed.any(axis=1))
    if empty.size:
        raise ValueError(
            f"Series {empty[:5].tolist()} have no observed timestamp (every timestamp "
            f"has a NaN channel), so {name} cannot use them; drop them first."
        )
    return arr


def _column_kind(column: pd.Series, name: str, estimator: str) -> bool:
    """Whether a DataFrame column is categorical (``True``) or numeric (``False``)."""
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise TypeError(
            f"{estimator} cannot use the date/time column {name!r} as it is: convert it to "
            "numbers first (e.g. df[col].dt.hour, or the days since a reference date) or "
            "drop it."
        )
    if pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    ):
        return False
    if pd.api.types.is_complex_dtype(dtype):
        raise TypeError(f"{estimator} does not support the complex column {name!r}.")
    return True


def _has_categorical_columns(X, estimator: str) -> bool:
    return isinstance(X, pd.DataFrame) and any(
        _column_kind(X[c], str(c), estimator) for c in X.columns
    )


def take_rows(rows, idx: torch.Tensor) -> torch.Tensor:
    """The rows ``idx`` of the training rows, whether held as a tensor or streamed.

    A tabular embedder's training rows are a tensor, or, for data too large to copy, a
    streamed view that reads and standardises the requested rows on the CPU when asked.

    Parameters
    ----------
    rows : torch.Tensor or streamed rows
        The training rows (``TabularInputMixin._training_rows``).
    idx : torch.Tensor
        Row indices (on any device).

    Returns
    -------
    batch : torch.Tensor

    Examples
    --------
    >>> import torch
    >>> from skcontrast.base import take_rows
    >>> take_rows(torch.arange(6.0).reshape(3, 2), torch.tensor([2, 0]))
    tensor([[4., 5.],
            [0., 1.]])
    """
    if isinstance(rows, torch.Tensor):
        return rows[idx.to(rows.device)]
    return torch.from_numpy(rows.rows(idx.cpu().numpy()))


def _validate_mixed_frame(estimator, X, *, reset) -> pd.DataFrame:
    """A DataFrame with categorical columns: numbers as float64, categories as str."""
    name = type(estimator).__name__
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"{name} was fitted on a DataFrame with categorical columns; pass a "
            f"DataFrame with the same columns, not a {type(X).__name__}."
        )
    _check_feature_names(estimator, X, reset=reset)
    n_samples, n_columns = X.shape
    if reset:
        if n_samples < 2:
            raise ValueError(
                f"Found array with {n_samples} sample(s) (shape={X.shape}) while a "
                "minimum of 2 is required."
            )
        estimator.n_features_in_ = n_columns
    else:
        if n_columns != estimator.n_features_in_:
            raise ValueError(
                f"X has {n_columns} features, but {name} is expecting "
                f"{estimator.n_features_in_} features as input."
            )
        if n_samples < 1:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
                "is required."
            )
    columns = {}
    for j, column in enumerate(X.columns):
        values = X[column]
        categorical = _column_kind(values, str(column), name)
        if not reset and categorical != estimator.categorical_features_[j]:
            was = "categorical" if estimator.categorical_features_[j] else "numeric"
            raise ValueError(
                f"Column {column!r} was {was} in fit; pass the same kind of column."
            )
        if categorical:
            text = values.astype(object).where(values.notna(), MISSING_CATEGORY)
            columns[j] = text.astype(str).to_numpy(dtype=object)
            continue
        numbers = values.to_numpy(dtype=np.float64)
        if np.isnan(numbers).any():
            raise ValueError(
                f"Input X contains NaN in the numeric column {column!r}. {name} does not "
                "accept missing numbers: impute them first, e.g. with "
                "sklearn.impute.SimpleImputer in a ColumnTransformer of the Pipeline "
                "(missing categories are fine: they are a category of their own)."
            )
        if np.isinf(numbers).any():
            raise ValueError(f"Input X contains infinity in the column {column!r}.")
        columns[j] = numbers
    frame = pd.DataFrame(columns)
    frame.columns = list(X.columns)
    return frame


def _encoded_width(estimator) -> int:
    groups = estimator._feature_groups()
    return estimator.n_features_in_ if groups is None else len(groups)


def _encoded_feature_names(estimator) -> list[str]:
    """Names of the preprocessed input columns: a column's name, or name_category."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        names = [f"x{j}" for j in range(estimator.n_features_in_)]
    out = []
    for name, categories in zip(names, estimator.categories_):
        if categories is None:
            out.append(str(name))
        else:
            out += [f"{name}_{category}" for category in categories]
    return out


class TabularInputMixin:
    """Tabular rows: validation, standardisation and an MLP encoder.

    Numeric features are z-scored with the training statistics (``standardize``).
    A DataFrame may also hold **categorical columns** (pandas ``category``, strings,
    objects): each is one-hot encoded with the categories seen in ``fit`` (missing
    values are a category of their own, a category unseen in ``fit`` encodes as all
    zeros). :meth:`_feature_groups` tells which encoded columns belong to which input
    column, so that augmentations act on whole input columns (SCARF's corruption
    replaces a categorical cell by another category, never one indicator at a time).

    With ``include_input=True`` the representation is ``[x, f(x)]``: the preprocessed
    input (standardised numbers, one-hot categories) followed by the encoder's output
    (:class:`~skcontrast.encoders.InputConcat`), so that a linear probe never loses the
    raw signal.

    Reads the parameters ``n_components``, ``hidden_size``, ``n_layers``,
    ``standardize`` and ``include_input``; fits ``mean_``, ``scale_`` (per input column;
    0 and 1 for categorical ones), ``categorical_features_`` (a boolean mask) and
    ``categories_`` (the sorted categories of each categorical column, ``None`` for
    numeric ones).
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        "include_input": ["boolean"],
    }

    def _streams_rows(self, X, device) -> bool:
        """Whether fit reads the training rows from ``X`` on demand (no float32 copy).

        For a numeric array (a memory map included) on the CPU whose float32 copy would
        exceed ``stream_above_mib`` (:func:`skcontrast.set_config`). Both ways give
        identical values, hence identical fits.
        """
        return (device.type == "cpu" and isinstance(X, np.ndarray)
                and 4 * X.size > stream_above_bytes())

    def _split_rows(self, X, train_idx, valid_idx, device):
        """The preprocessed training and validation rows of a split.

        Validation rows are a tensor on ``device``. Training rows are one too, or, for a
        table streamed (:meth:`_streams_rows`), a
        :class:`~skcontrast._preprocessing.StandardizedRows` read from ``X`` on demand:
        index them with :func:`take_rows`, corrupt from them as from a tensor.
        """
        if self._streams_rows(X, device):
            return (StandardizedRows(X, train_idx.numpy(), self.mean_, self.scale_),
                    torch.from_numpy(preprocess_in_order(self._preprocess, X,
                                                         valid_idx.numpy())))
        # Preprocessed straight into split order: one float32 copy of X, not two.
        data = torch.from_numpy(preprocess_in_order(
            self._preprocess, X, torch.cat([train_idx, valid_idx]).numpy())).to(device)
        return data[: len(train_idx)], data[len(train_idx):]

    def _validate_X(self, X, *, reset):
        name = type(self).__name__
        check_array_like(X, name)
        if input_ndim(X) == 3:
            raise ValueError(
                f"{name} takes tables of shape (n_samples, n_features), but X is 3-D "
                f"(shape {np.shape(X)}): time series? Use TS2VecEmbedder (or SupConEmbedder "
                "/ ExpCLREmbedder, which read 3-D input as series), or flatten them into "
                "rows with skcontrast.utils.flatten_series(X)."
            )
        mixed = (_has_categorical_columns(X, name) if reset
                 else bool(self.categorical_features_.any()))
        if mixed:
            return _validate_mixed_frame(self, X, reset=reset)
        check_numeric_frame(X, name)
        return numeric_or_explain(X, name, lambda X: validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
        ))

    def _fit_preprocessing(self, X):
        if not isinstance(X, pd.DataFrame):
            self.mean_, self.scale_ = standardization_stats(X, self.standardize)
            self.categorical_features_ = np.zeros(X.shape[1], dtype=bool)
            self.categories_ = [None] * X.shape[1]
            return
        name = type(self).__name__
        kinds = np.array([_column_kind(X[c], str(c), name) for c in X.columns])
        numeric = X.loc[:, ~kinds].to_numpy(dtype=np.float64)
        mean, scale = np.zeros(len(kinds)), np.ones(len(kinds))
        if numeric.shape[1]:
            mean[~kinds], scale[~kinds] = standardization_stats(numeric, self.standardize)
        self.mean_, self.scale_ = mean, scale
        self.categorical_features_ = kinds
        self.categories_ = [np.unique(X[c].to_numpy(dtype=str)) if cat else None
                            for c, cat in zip(X.columns, kinds)]

    def _preprocess(self, X):
        if not isinstance(X, pd.DataFrame):
            return standardize_float32(X, self.mean_, self.scale_)
        kinds = self.categorical_features_
        numeric = X.loc[:, ~kinds].to_numpy(dtype=np.float64)
        categorical = [X[c].to_numpy() for c, cat in zip(X.columns, kinds) if cat]
        return encode_mixed(numeric, categorical, kinds, self.mean_, self.scale_,
                            self.categories_)

    def _feature_groups(self) -> np.ndarray | None:
        """Input column of each encoded column, or ``None`` when there are no categories."""
        if not self.categorical_features_.any():
            return None
        return encoded_groups(self.categorical_features_, self.categories_)

    def _hidden_size(self) -> int:
        return self.hidden_size

    def _build_encoder(self) -> nn.Module:
        return MLP(_encoded_width(self), self.n_components, n_layers=self.n_layers,
                   hidden_size=self._hidden_size())

    def _inference_rows(self, row_values: int, device: torch.device) -> int:
        return self.inference_batch_size

    def _network(self) -> nn.Module:
        if self.include_input:
            return InputConcat(self.encoder_, _encoded_width(self))
        return self.encoder_

    def get_feature_names_out(self, input_features=None):
        """Output feature names: the input's, then ``<class name><i>`` for ``f(x)``.

        Without ``include_input`` only the ``<class name><i>`` names.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: the names come from ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "encoder_")
        prefix = type(self).__name__.lower()
        inputs = _encoded_feature_names(self) if self._uses_input_block() else []
        learned = [f"{prefix}{i}" for i in range(self._n_features_out - len(inputs))]
        return np.asarray(inputs + learned, dtype=object)

    def _uses_input_block(self) -> bool:
        return bool(self.include_input)


class SeriesInputMixin:
    """Time series: validation of the ``(N, C, T)`` layout and a pooled dilated-conv encoder.

    ``n_features_in_`` is the number of channels: series may have any length at
    :meth:`transform`, but the channels must match those seen in :meth:`fit`. Reads the
    parameters ``n_components``, ``hidden_size`` and ``depth``.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "depth": [Interval(Integral, 0, None, closed="left")],
    }

    #: Smallest series length the method can train on.
    _min_timesteps = 2
    #: Timestamps (series x length) per inference batch on the CPU. A batch of 8,192
    #: timestamps keeps a 64-wide activation at 2 MB, in cache; 256 series of 10^4
    #: timestamps make every activation 650 MB, and the memory-bound steps (GELU,
    #: residuals, copies) slow down. With the library convolution, this batching runs
    #: transform's forward pass 1.2-2.0x faster than before from 96 to 10^4 timestamps
    #: (``benchmarks/bench_dilated_conv.py --inference``), in bounded memory.
    _inference_timestamps = 8192
    #: What an all-NaN training series means: "drop" it (TS2Vec) or an "error".
    _empty_series_at_fit = "error"

    def _validate_X(self, X, *, reset):
        return validate_series(self, X, reset=reset, min_timesteps=self._min_timesteps,
                               empty_series_at_fit=self._empty_series_at_fit)

    def _fit_preprocessing(self, X):
        """Nothing to fit: series enter the encoder as they are (NaN = missing)."""

    def _preprocess(self, X):
        # (N, C, T) -> (N, T, C): the encoder works per timestamp. NaN stays NaN.
        with np.errstate(over="ignore"):
            out = np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float32)
        if np.isinf(out).any():  # the input is finite: an inf here is a float32 overflow
            raise ValueError(
                "X holds values too large for float32 (|x| > 3.4e38), the precision the "
                "encoder computes in. Rescale the series (e.g. z-normalise each one)."
            )
        return out

    def _inference_rows(self, row_values: int, device: torch.device) -> int:
        # A row is a (T, C) series. A GPU keeps the user's batch: it wants large ones.
        if device.type != "cpu":
            return self.inference_batch_size
        n_timesteps = row_values // max(self.n_features_in_, 1)
        return max(1, min(self.inference_batch_size,
                          self._inference_timestamps // max(n_timesteps, 1)))

    def _hidden_size(self) -> int:
        return self.hidden_size

    def _build_encoder(self) -> nn.Module:
        return DilatedConvEncoder(self.n_features_in_, hidden_size=self._hidden_size(),
                                  n_components=self.n_components, depth=self.depth)

    def _feature_groups(self) -> None:
        """Series have no categorical input columns."""
        return None

    def _streams_rows(self, X, device) -> bool:
        """Series are never streamed by the tabular machinery."""
        return False

    def _uses_input_block(self) -> bool:
        return False

    def _network(self) -> nn.Module:
        # No latent timestamp mask (TS2Vec's augmentation); the max runs over the
        # observed timestamps.
        return PooledSeriesEncoder(self.encoder_, pooling="observed")

    def _expected_failed_checks(self):
        reason = (
            "2-D input is a collection of univariate series: n_features_in_ counts channels, "
            "and a different number of timestamps at transform is valid"
        )
        # These checks feed a different number of columns at transform and expect an
        # error; for series that is a different length, which is valid input.
        return {
            "check_n_features_in": reason,
            "check_n_features_in_after_fitting": reason,
            "check_transformer_general": reason,
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags


#: Widths of the hidden layers when ``hidden_size=None``: SCARF's MLP, TS2Vec's encoder.
_DEFAULT_HIDDEN = {"tabular": 256, "time_series": 64}


def _by_input_type(name: str):
    """A method running :class:`TabularInputMixin`'s or :class:`SeriesInputMixin`'s
    ``name``, as the fitted ``input_type_`` says."""
    def method(self, *args, **kwargs):
        kind = SeriesInputMixin if self.input_type_ == "time_series" else TabularInputMixin
        return getattr(kind, name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"``{name}`` of :class:`TabularInputMixin` or "
                      ":class:`SeriesInputMixin`, by ``input_type_``.")
    return method


class TabularOrSeriesInputMixin(TabularInputMixin, SeriesInputMixin):
    """Tabular rows or time series, by the ``input_type`` parameter.

    ``input_type="tabular"`` uses :class:`TabularInputMixin`, ``"time_series"``
    :class:`SeriesInputMixin`, and ``"auto"`` reads 3-D input as time series and anything
    else as tabular. The resolved kind is stored in ``input_type_``, and every input hook
    is then the one of that kind's mixin. ``hidden_size=None`` means 256 for tabular
    input (SCARF's MLP) and 64 for time series (TS2Vec's encoder). Series never drop an
    all-NaN training sample (every sample may carry a label), and ignore
    ``include_input``.

    Training defaults per kind, for embedders that also use
    :class:`~skcontrast.base.EarlyStoppingMixin`: ``max_epochs=None`` runs
    ``_auto_epochs[input_type_]`` epochs (:meth:`_max_epochs`), and
    ``early_stopping="auto"`` is on for tabular input and off for series (labelled
    series are typically too few to hold some out, and the loss of a handful of held-out
    series is too noisy to stop on).
    """

    #: Epochs run with ``max_epochs=None``, per input kind.
    _auto_epochs = {"tabular": 1000, "time_series": 50}

    _parameter_constraints: dict = {
        **TabularInputMixin._parameter_constraints,
        **SeriesInputMixin._parameter_constraints,
        "input_type": [StrOptions({"auto", "tabular", "time_series"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    # Every input hook, and the helpers the embedders call, of the kind fitted.
    _fit_preprocessing = _by_input_type("_fit_preprocessing")
    _preprocess = _by_input_type("_preprocess")
    _build_encoder = _by_input_type("_build_encoder")
    _network = _by_input_type("_network")
    _inference_rows = _by_input_type("_inference_rows")
    _feature_groups = _by_input_type("_feature_groups")
    _streams_rows = _by_input_type("_streams_rows")
    _uses_input_block = _by_input_type("_uses_input_block")

    def _hidden_size(self) -> int:
        return _DEFAULT_HIDDEN[self.input_type_] if self.hidden_size is None else self.hidden_size

    def _early_stopping_auto(self) -> bool:
        return self.input_type_ == "tabular"

    def _max_epochs(self) -> int:
        """``max_epochs``, or the kind's ``_auto_epochs`` for ``max_epochs=None``."""
        if self.max_epochs is None:
            return self._auto_epochs[self.input_type_]
        return self.max_epochs

    def _validate_X(self, X, *, reset):
        if reset:
            kind = self.input_type
            if kind == "auto":
                kind = "time_series" if input_ndim(X) == 3 else "tabular"
            self.input_type_ = kind
        if self.input_type_ == "time_series":
            return SeriesInputMixin._validate_X(self, X, reset=reset)
        if input_ndim(X) == 3:
            raise ValueError(
                f"{type(self).__name__} with input_type='tabular' needs 2-D input (n_samples, "
                "n_features), got a 3-D array. For time series use "
                "input_type='time_series' or 'auto'."
            )
        return TabularInputMixin._validate_X(self, X, reset=reset)

    def _expected_failed_checks(self):
        if self.input_type != "time_series":
            return {}
        return SeriesInputMixin._expected_failed_checks(self)

    def __sklearn_tags__(self):
        # Skip SeriesInputMixin's tags: they depend on input_type here.
        tags = super(SeriesInputMixin, self).__sklearn_tags__()
        # NaN (missing timestamps) is only accepted in time series; "auto" reads the
        # 2-D arrays of the common checks as tabular.
        tags.input_tags.allow_nan = self.input_type == "time_series"
        tags.input_tags.three_d_array = self.input_type != "tabular"
        return tags
