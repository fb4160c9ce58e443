"""Probes: small supervised models that measure what an embedding exposes.

The three probes of the TS2Vec evaluation protocol (an RBF SVM with its C search,
a standardised 1-nearest-neighbour, a standardised one-vs-rest logistic
regression), the ROCKET papers' ridge classifier, random-forest and gradient-boosting
baselines, and helpers that fit an embedder once and score them all.
"""

from ._classifier import ProbeClassifier
from ._evaluate import (
    cross_validate_probes,
    evaluate_probes,
    make_probe,
    probe_scores,
    score_probes,
)
from ._simple import (
    PROBES,
    RIDGE_ALPHAS,
    GradientBoostingProbe,
    make_gradient_boosting_probe,
    make_knn_probe,
    make_logistic_probe,
    make_random_forest_probe,
    make_ridge_probe,
    make_svm_probe,
)
from ._svm import TS2VEC_C_GRID, SVMProbe

__all__ = [
    "PROBES",
    "RIDGE_ALPHAS",
    "GradientBoostingProbe",
    "ProbeClassifier",
    "TS2VEC_C_GRID",
    "SVMProbe",
    "cross_validate_probes",
    "evaluate_probes",
    "make_gradient_boosting_probe",
    "make_knn_probe",
    "make_logistic_probe",
    "make_probe",
    "make_random_forest_probe",
    "make_ridge_probe",
    "make_svm_probe",
    "probe_scores",
    "score_probes",
]
