"""scikit-learn's own estimator checks on every public estimator, constructed with its defaults.

Only the training length is shortened (max_epochs / n_iters): every other parameter is
the default a user gets. Time-series embedders declare the checks that feed a different
number of columns at transform (a different series length, which is valid input).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    MultiViewEmbedder,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
    UntrainedEmbedder,
)
from skcontrast.baselines import RocketFeatures, aeon_available
from skcontrast.probes import GradientBoostingProbe, ProbeClassifier, SVMProbe

ESTIMATORS = [
    SCARFEmbedder(max_epochs=2, random_state=0),
    TS2VecEmbedder(n_iters=2, random_state=0),
    SupConEmbedder(max_epochs=2, random_state=0),
    ExpCLREmbedder(max_epochs=2, random_state=0),
    MultiViewEmbedder(max_epochs=2, random_state=0),
    # Not a default: 2-D check data read as univariate series of n_features timestamps.
    SupConEmbedder(input_type="time_series", max_epochs=2, random_state=0),
    ExpCLREmbedder(input_type="time_series", max_epochs=2, random_state=0),
    UntrainedEmbedder(SCARFEmbedder(random_state=0)),
    UntrainedEmbedder(SupConEmbedder(random_state=0)),
    FineTunedClassifier(SCARFEmbedder(max_epochs=2), max_epochs=5, random_state=0),
    ProbeClassifier(SCARFEmbedder(max_epochs=2), random_state=0),
    SVMProbe(random_state=0),
    GradientBoostingProbe(random_state=0),
]
if aeon_available():  # the ROCKET baselines need the optional aeon (skcontrast[baselines])
    ESTIMATORS.append(RocketFeatures(random_state=0))


def _expected_failed_checks(estimator):
    if isinstance(estimator, UntrainedEmbedder):
        estimator = estimator.embedder
    return getattr(estimator, "_expected_failed_checks", lambda: {})()


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
