"""Input checks of the probes: embeddings are numeric tables, labels are classes of one type.

A probe is fitted on an embedder's output. When it gets something else (the raw
DataFrame with its categorical columns, strings, a set, labels mixing numbers and text,
missing labels), scikit-learn and numpy fail deep inside with messages that do not say
what went wrong ("could not convert string to float", "Unknown label type: unknown").
These checks say it first, with the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._input import check_array_like, check_label_types
from .._persistence import PersistenceMixin

__all__ = ["CheckedEmbeddings", "check_probe_features", "check_probe_labels"]


def check_probe_features(X, name: str) -> None:
    """Raise ``TypeError`` unless ``X`` is a table of numbers (what an embedder returns)."""
    check_array_like(X, name)
    if hasattr(X, "toarray"):
        return  # sparse: the estimators say whether they take it
    fix = ("Pass the embedder's output (embedder.transform(X)), or encode the columns as "
           "numbers first (e.g. OneHotEncoder in a ColumnTransformer).")
    if isinstance(X, pd.DataFrame):
        bad = [str(c) for c, dt in X.dtypes.items()
               if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt))]
        if bad:
            shown = ", ".join(repr(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
            raise TypeError(f"{name} needs numeric features (embeddings), but column(s) "
                            f"{shown} of X are not numeric. {fix}")
        return
    try:
        values = np.asarray(X)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} needs X as a table: every row with the same number of features, but "
            "the rows of X have different lengths."
        ) from None
    if values.dtype.kind in "OUSV":
        try:
            values.astype(np.float64)
        except (TypeError, ValueError) as error:
            # numpy's own reason ("float() argument must be a string or a real number,
            # not 'dict'") names the offending value.
            raise TypeError(f"{name} needs numeric features (embeddings), but X holds "
                            f"values that are not numbers (dtype {values.dtype}: {error}). "
                            f"{fix}") from None


def check_probe_labels(y, name: str) -> None:
    """Raise unless ``y`` holds known class labels of one type."""
    if y is None:
        # scikit-learn's wording, which its estimator checks look for.
        raise ValueError(f"{name} is a classifier: it requires y to be passed, but the "
                         "target y is None. Pass the labels of the rows of X.")
    if isinstance(y, set | frozenset | dict | str | bytes) or np.isscalar(y):
        raise TypeError(f"{name} needs y as a 1-D array-like of labels; got "
                        f"{type(y).__name__}.")
    values = column_or_1d(np.asarray(y, dtype=object) if isinstance(y, list) else y, warn=True)
    missing = np.asarray(pd.isna(values), dtype=bool) if values.dtype.kind in "fcO" else None
    if missing is not None and missing.any():
        raise ValueError(
            f"{name} is fitted on labelled rows only, but y contains {int(missing.sum())} "
            "missing label(s) (NaN or None). Drop those rows, or use ProbeClassifier, which "
            "fits the embedder on every row and the probe on the labelled ones."
        )
    if values.dtype == object:
        check_label_types(values, name)


class CheckedEmbeddings(PersistenceMixin, TransformerMixin, BaseEstimator):
    """The first step of the probe pipelines: checks its input, passes it on unchanged.

    ``fit`` checks the features and the labels and records the number of features;
    ``transform`` checks the features and their number.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.probes._checks import CheckedEmbeddings
    >>> step = CheckedEmbeddings().fit(np.zeros((4, 2)), [0, 1, 0, 1])
    >>> step.transform(np.ones((1, 2)))
    array([[1., 1.]])
    >>> step.fit(np.zeros((2, 2)), [1, "a"])
    Traceback (most recent call last):
    ...
    TypeError: The probe needs labels of one type, but y mixes number and str. ...
    """

    _name = "The probe"
    _parameter_constraints: dict = {}

    def fit(self, X, y=None):
        """Check ``X`` (and ``y`` when given); remember the number of features."""
        check_probe_features(X, self._name)
        if y is not None:
            check_probe_labels(y, self._name)
        shape = np.shape(X) if hasattr(X, "shape") else np.asarray(X).shape
        self.n_features_in_ = int(shape[1]) if len(shape) == 2 else None
        return self

    def transform(self, X):
        """Check ``X`` and return it unchanged."""
        check_is_fitted(self, "n_features_in_")
        check_probe_features(X, self._name)
        shape = np.shape(X) if hasattr(X, "shape") else np.asarray(X).shape
        if self.n_features_in_ is not None and len(shape) == 2 and (
                shape[1] != self.n_features_in_):
            raise ValueError(
                f"X has {shape[1]} features, but the probe was fitted on "
                f"{self.n_features_in_}: pass embeddings of the same embedder (the same "
                "columns) as in fit."
            )
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags
