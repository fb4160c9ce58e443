"""The one place where private scikit-learn names are imported.

scikit-learn's parameter-validation machinery (``Interval``, ``StrOptions``,
``_fit_context``) and its feature-name bookkeeping (``_check_feature_names``) are
private API. Keeping every such import here means a scikit-learn release that moves
them breaks one module, not the package.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import _check_feature_names, validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_feature_names",
    "_fit_context",
    "validate_data",
]
