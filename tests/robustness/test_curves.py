"""robustness_curve perturbs the right split, seeds estimators, and reports tidy results."""

import matplotlib

matplotlib.use("Agg")

import joblib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from skcontrast.robustness import (  # noqa: E402
    is_control,
    plot_robustness_curve,
    robustness_curve,
    summarize_curve,
)


class Recorder(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; logs what it was fitted and scored on.

    The log lives on the class because robustness_curve fits clones.
    """

    log: list = []

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        type(self).log.append(
            {"X_fit": np.array(X), "y_fit": np.array(y), "random_state": self.random_state}
        )
        return self

    def predict(self, X):
        type(self).log[-1]["X_score"] = np.array(X)
        return np.full(len(X), self.majority_)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X_train, X_test = rng.normal(size=(40, 2, 10)), rng.normal(size=(30, 2, 10))
    y_train, y_test = np.arange(40) % 3, np.arange(30) % 3
    return X_train, y_train, X_test, y_test


@pytest.fixture(autouse=True)
def clear_log():
    Recorder.log = []
    yield
    Recorder.log = []


def test_label_noise_touches_training_labels_only(data):
    X_train, y_train, X_test, y_test = data
    copies = [a.copy() for a in data]
    df = robustness_curve(
        {"rec": Recorder()}, X_train, y_train, X_test, y_test, rates=(0.0, 0.5), seeds=[0, 1]
    )
    assert len(df) == 4 and len(Recorder.log) == 4
    for entry, (_, row) in zip(Recorder.log, df.iterrows(), strict=True):
        np.testing.assert_array_equal(entry["X_fit"], X_train)
        np.testing.assert_array_equal(entry["X_score"], X_test)
        n_changed = int((entry["y_fit"] != y_train).sum())
        assert n_changed == 0 if row["rate"] == 0 else 0 < n_changed <= 20
        assert entry["random_state"] == row["seed"]
    # The caller's arrays, test labels included, are untouched.
    for original, copy in zip(data, copies, strict=True):
        np.testing.assert_array_equal(original, copy)
    # The score is the accuracy of the (noisy-label) majority on the clean test labels.
    for entry, score in zip(Recorder.log, df["score"], strict=True):
        classes, counts = np.unique(entry["y_fit"], return_counts=True)
        assert score == pytest.approx(np.mean(y_test == classes[np.argmax(counts)]))


def test_label_noise_never_applies_to_test(data):
    with pytest.raises(ValueError, match="training labels only"):
        robustness_curve({"rec": Recorder()}, *data, apply_to=("train", "test"))


def test_missing_timestamps_perturb_both_splits_independently(data):
    X_train, y_train, X_test, y_test = data
    robustness_curve(
        {"rec": Recorder()},
        X_train,
        y_train,
        X_test,
        y_test,
        perturbation="missing_timestamps",
        rates=(0.3,),
        seeds=[0],
    )
    (entry,) = Recorder.log
    fit_mask = np.isnan(entry["X_fit"]).all(axis=1)
    score_mask = np.isnan(entry["X_score"]).all(axis=1)
    assert fit_mask.sum() == 120 and score_mask.sum() == 90  # 0.3 * 40 * 10, 0.3 * 30 * 10
    np.testing.assert_array_equal(entry["y_fit"], y_train)
    assert not np.isnan(X_train).any() and not np.isnan(X_test).any()


def test_apply_to_train_only(data):
    robustness_curve(
        {"rec": Recorder()},
        *data,
        perturbation="missing_timestamps",
        rates=(0.5,),
        seeds=[0],
        apply_to=("train",),
    )
    (entry,) = Recorder.log
    assert np.isnan(entry["X_fit"]).any() and not np.isnan(entry["X_score"]).any()


def test_same_perturbation_for_every_estimator_and_seeded(data):
    robustness_curve(
        {"a": Recorder(), "b": Recorder()},
        *data,
        perturbation="missing_timestamps",
        rates=(0.2,),
        seeds=[0, 1],
    )
    a0, b0, a1, b1 = Recorder.log
    np.testing.assert_array_equal(np.isnan(a0["X_fit"]), np.isnan(b0["X_fit"]))
    assert not np.array_equal(np.isnan(a0["X_fit"]), np.isnan(a1["X_fit"]))
    assert [e["random_state"] for e in Recorder.log] == [0, 0, 1, 1]


def test_random_state_set_on_nested_steps():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 4)), np.arange(60) % 2
    pipe = make_pipeline(SimpleImputer(), LogisticRegression(random_state=123))
    df = robustness_curve(
        {"lr": pipe}, X[:40], y[:40], X[40:], y[40:], perturbation="mcar", rates=(0.1,), seeds=[7]
    )
    assert df["seed"].tolist() == [7]
    assert pipe.get_params()["logisticregression__random_state"] == 123  # not mutated


def test_results_columns_reproducible_and_parallel(data):
    kwargs = dict(rates=(0.0, 0.2), seeds=range(2))
    estimators = {"dummy": DummyClassifier(strategy="stratified")}
    first = robustness_curve(estimators, *data, **kwargs)
    assert list(first.columns) == [
        "estimator",
        "perturbation",
        "rate",
        "label_fraction",
        "seed",
        "score",
        "fit_seconds",
    ]
    # Threads: process workers would spend seconds importing the package.
    with joblib.parallel_config(backend="threading"):
        again = robustness_curve(estimators, *data, n_jobs=2, **kwargs)
    pd.testing.assert_series_equal(first["score"], again["score"])


def test_argument_errors(data):
    with pytest.raises(ValueError, match="rate"):
        robustness_curve({"rec": Recorder()}, *data, rates=(0.1, 1.2))
    with pytest.raises(ValueError, match="perturbation"):
        robustness_curve({"rec": Recorder()}, *data, perturbation="blur")
    with pytest.raises(TypeError, match="dict"):
        robustness_curve([Recorder()], *data)
    with pytest.raises(ValueError, match="seeds"):
        robustness_curve({"rec": Recorder()}, *data, seeds=[0.5])
    with pytest.raises(ValueError, match="apply_to"):
        robustness_curve({"rec": Recorder()}, *data, perturbation="mcar", apply_to=("val",))
    assert Recorder.log == []  # nothing was fitted before the arguments were checked


def test_summarize_curve():
    df = pd.DataFrame(
        {
            "estimator": ["b", "b", "a", "a", "b", "b"],
            "rate": [0.5, 0.5, 0.0, 0.0, 0.0, 0.0],
            "seed": [0, 1, 0, 1, 0, 1],
            "score": [0.5, 0.7, 1.0, 0.8, 0.9, 0.9],
        }
    )
    summary = summarize_curve(df)
    assert list(summary.columns) == ["estimator", "rate", "mean", "std", "n"]
    assert summary[["estimator", "rate"]].values.tolist() == [
        ["b", 0.0],
        ["b", 0.5],
        ["a", 0.0],
    ]
    np.testing.assert_allclose(summary["mean"], [0.9, 0.6, 0.9])
    np.testing.assert_allclose(summary["std"], [0.0, np.std([0.5, 0.7], ddof=1), np.sqrt(0.02)])
    assert summary["n"].tolist() == [2, 2, 2]
    with pytest.raises(ValueError, match="columns"):
        summarize_curve(df.drop(columns="score"))


def test_plot_returns_axes(data):
    df = robustness_curve({"rec": Recorder()}, *data, rates=(0.0, 0.3), seeds=[0, 1])
    ax = plot_robustness_curve(summarize_curve(df))
    assert isinstance(ax, matplotlib.axes.Axes)
    (bars,) = ax.containers  # one error-bar line for the one estimator
    assert len(bars.lines[0].get_xdata()) == 2  # one point per rate
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.3"]
    _, given = plt.subplots()
    assert plot_robustness_curve(df, ax=given) is given  # raw results are summarised
    plt.close("all")


def test_controls_are_dashed_and_panels_can_share_a_legend():
    summary = pd.DataFrame({
        "estimator": ["SCARF", "SCARF", "raw features", "raw features"],
        "rate": [0.0, 0.5, 0.0, 0.5], "mean": [0.9, 0.7, 0.8, 0.75],
        "std": [0.01, 0.02, 0.0, 0.0], "n": [3] * 4,
    })
    ax = plot_robustness_curve(summary, legend=False)
    assert ax.get_legend() is None
    styles = {c.get_label(): c.lines[0].get_linestyle() for c in ax.containers}
    assert styles == {"SCARF": "-", "raw features": "--"}
    # The two lines' points are shifted sideways so their error bars do not overlap.
    x_scarf, x_raw = (c.lines[0].get_xdata() for c in ax.containers)
    assert np.all(x_scarf < x_raw)
    assert is_control("untrained encoder") and not is_control("SCARF")
    plt.close("all")
