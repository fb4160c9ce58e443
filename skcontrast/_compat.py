"""The one place where private scikit-learn names are imported.

scikit-learn's parameter-validation machinery (``Interval``, ``StrOptions``,
``_fit_context``) and its feature-name bookkeeping (``_check_feature_names``) are
private API. Keeping every such import here means a scikit-learn release that moves
them breaks one module, not the package.
"""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Options, StrOptions
from sklearn.utils._param_validation import Interval as _SklearnInterval
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


class Interval(_SklearnInterval):
    """scikit-learn's ``Interval`` constraint, refusing booleans.

    ``True`` is an ``int`` (and a ``Real``) in Python, so scikit-learn's constraint
    accepts ``n_components=True`` as 1; a boolean passed for a number is a mistake.
    """

    def is_satisfied_by(self, val):
        if isinstance(val, bool | np.bool_):
            return False
        return super().is_satisfied_by(val)

    def __str__(self):
        return super().__str__().replace("an int", "an int (not a bool)", 1).replace(
            "a float", "a float (not a bool)", 1)
