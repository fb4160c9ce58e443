"""scikit-learn's own estimator checks on every public estimator, with fast settings."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
    UntrainedEmbedder,
)

FAST_SCARF = dict(n_components=8, hidden_size=16, max_epochs=3, batch_size=16,
                  early_stopping=False, random_state=0)
FAST_TABULAR = dict(n_components=8, hidden_size=16, n_layers=2, max_epochs=3, batch_size=16,
                    early_stopping=False, random_state=0)
# 2-D check data read as univariate series of n_features timestamps.
FAST_SERIES = dict(input_type="time_series", n_components=8, hidden_size=8, depth=1,
                   max_epochs=2, batch_size=8, random_state=0)

ESTIMATORS = [
    SCARFEmbedder(**FAST_SCARF),
    TS2VecEmbedder(n_components=8, hidden_size=8, depth=2, n_iters=3, batch_size=8,
                   random_state=0),
    SupConEmbedder(**FAST_TABULAR),
    SupConEmbedder(**FAST_SERIES),
    # np.abs: a picklable expert-feature callable that works for any number of features.
    ExpCLREmbedder(expert_features=np.abs, **FAST_TABULAR),
    ExpCLREmbedder(**FAST_SERIES),
    UntrainedEmbedder(SCARFEmbedder(**FAST_SCARF)),
    UntrainedEmbedder(SupConEmbedder(**FAST_TABULAR)),
    FineTunedClassifier(SCARFEmbedder(**FAST_SCARF), hidden_size=16, max_epochs=20,
                        batch_size=16, learning_rate=1e-2, random_state=0),
]


def _expected_failed_checks(estimator):
    if isinstance(estimator, UntrainedEmbedder):
        estimator = estimator.embedder
    return getattr(estimator, "_expected_failed_checks", lambda: {})()


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
