"""The ROCKET baselines (aeon) and the probes that make boosting and ridge real baselines."""

import builtins
import importlib

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import RidgeClassifierCV

from skcontrast.baselines import RocketFeatures, aeon_available, fill_missing_timestamps
from skcontrast.probes import (
    RIDGE_ALPHAS,
    GradientBoostingProbe,
    ProbeClassifier,
    make_probe,
    make_ridge_probe,
)

needs_aeon = pytest.mark.skipif(not aeon_available(), reason="needs aeon (skcontrast[baselines])")


def _series(n=30, length=40, seed=0):
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, length)
    y = np.repeat([0, 1], n // 2)
    freq = np.where(y == 0, 2.0, 5.0)
    X = np.sin(2 * np.pi * freq[:, None] * t + rng.uniform(0, 6, (n, 1)))
    return (X + 0.1 * rng.normal(size=X.shape))[:, None, :], y


# --------------------------------------------------------------------- missing values
def test_fill_interpolates_inside_and_repeats_the_edges():
    x = np.array([[[np.nan, np.nan, 1.0, np.nan, 3.0, np.nan]],
                  [[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]]])
    filled = fill_missing_timestamps(x)
    np.testing.assert_array_equal(filled[0, 0], [1.0, 1.0, 1.0, 2.0, 3.0, 3.0])
    np.testing.assert_array_equal(filled[1], x[1])
    assert np.isnan(x[0, 0, 0])  # the input is not modified


def test_fill_matches_a_loop_on_random_gaps():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(5, 2, 30))
    X[rng.uniform(size=X.shape) < 0.3] = np.nan
    X[:, :, 0] = 0.5  # every channel observed somewhere
    filled = fill_missing_timestamps(X)
    for i in range(5):
        for c in range(2):
            seen = np.flatnonzero(~np.isnan(X[i, c]))
            for t in range(30):
                if not np.isnan(X[i, c, t]):
                    assert filled[i, c, t] == X[i, c, t]
                    continue
                left, right = seen[seen < t], seen[seen > t]
                if not len(right):
                    expected = X[i, c, left[-1]]
                else:
                    a, b = left[-1], right[0]
                    expected = X[i, c, a] + (X[i, c, b] - X[i, c, a]) * (t - a) / (b - a)
                assert filled[i, c, t] == pytest.approx(expected)


def test_fill_refuses_an_empty_channel():
    X = np.zeros((3, 2, 5))
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="Series 1 has no observed value in channel 1"):
        fill_missing_timestamps(X)


# --------------------------------------------------------------------- RocketFeatures
@needs_aeon
@pytest.mark.parametrize("kind", ["minirocket", "hydra"])
def test_features_are_seeded_scaled_and_float32(kind):
    X, _ = _series()
    a = RocketFeatures(kind, random_state=0).fit(X)
    Z = a.transform(X)
    assert Z.dtype == np.float32 and Z.shape == (30, a.n_features_out_)
    np.testing.assert_array_equal(Z, RocketFeatures(kind, random_state=0).fit(X).transform(X))
    if kind == "minirocket":  # standardised on the fitted series
        used = Z.std(axis=0) > 0
        np.testing.assert_allclose(Z[:, used].mean(axis=0), 0, atol=1e-4)
        np.testing.assert_allclose(Z[:, used].std(axis=0), 1, rtol=1e-3)
    assert not np.array_equal(Z, RocketFeatures(kind, random_state=1).fit(X).transform(X))


@needs_aeon
def test_hydra_scaling_matches_its_formula():
    from aeon.transformations.collection.convolution_based import HydraTransformer

    X, _ = _series()
    ours = RocketFeatures("hydra", random_state=3).fit(X)
    H = np.asarray(ours.transformers_[0].transform(X), dtype=np.float64)
    root = np.sqrt(np.clip(H, 0, None))
    eps = (root == 0).mean(axis=0) ** 4 + 1e-8
    expected = (root - root.mean(axis=0)) * (root != 0) / (root.std(axis=0, ddof=1) + eps)
    np.testing.assert_allclose(ours.transform(X), expected, rtol=1e-5, atol=1e-5)
    assert isinstance(ours.transformers_[0], HydraTransformer)


@needs_aeon
def test_global_random_generators_are_left_alone():
    X, _ = _series()
    torch_state = torch.random.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    RocketFeatures("hydra", random_state=0).fit(X).transform(X)
    RocketFeatures("minirocket", random_state=0).fit(X).transform(X)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(numpy_state, np.random.get_state()[1])  # noqa: NPY002


@needs_aeon
def test_missing_values_short_series_and_shorter_test_series():
    X, _ = _series(length=40)
    X[0, 0, 30:] = np.nan  # unequal length, stored as trailing NaN
    X[1, 0, 5:8] = np.nan  # a gap
    original = X.copy()
    rocket = RocketFeatures(random_state=0).fit(X)
    np.testing.assert_array_equal(np.isnan(X), np.isnan(original))  # not modified
    assert np.isfinite(rocket.transform(X)).all()
    # A shorter series is padded with its last value: equal to padding it by hand.
    short = X[2:4, :, :25]
    padded = np.concatenate([short, np.repeat(short[:, :, -1:], 15, axis=2)], axis=2)
    np.testing.assert_array_equal(rocket.transform(short), rocket.transform(padded))
    with pytest.raises(ValueError, match="fitted on series of 40"):
        rocket.transform(np.zeros((2, 1, 41)))
    with pytest.raises(ValueError, match="expecting 1 channels"):
        rocket.transform(np.zeros((2, 2, 40)))
    tiny = RocketFeatures(random_state=0).fit(X[:, :, :6])  # padded to 10 timestamps
    assert tiny.n_timesteps_in_ == 10 and np.isfinite(tiny.transform(X[:, :, :6])).all()


@needs_aeon
def test_probe_classifier_fits_the_features_without_labels_and_ridge_on_the_labelled(
        monkeypatch):
    X, y = _series(n=40)
    y_few = np.where(np.arange(40) % 4 == 0, y, np.nan)  # 10 labelled rows
    seen = {}
    fit = RocketFeatures.fit

    def spy(self, X, y=None):
        seen["rocket"] = (len(X), y)
        return fit(self, X, y)

    monkeypatch.setattr(RocketFeatures, "fit", spy)
    clf = ProbeClassifier(RocketFeatures(), probe="ridge", random_state=0).fit(X, y_few)
    assert seen["rocket"] == (40, None)  # every series, no labels
    assert isinstance(clf.probe_[-1], RidgeClassifierCV) and clf.n_labelled_ == 10
    assert clf.score(X, y) > 0.9


def test_robustness_curve_fits_minirocket_like_an_embedder(monkeypatch):
    from skcontrast.robustness import robustness_curve

    X, y = _series(n=40)
    sizes = []
    fit = RocketFeatures.fit

    def spy(self, X, y=None):
        sizes.append((len(X), y))
        return fit(self, X, y)

    monkeypatch.setattr(RocketFeatures, "fit", spy)
    curve = robustness_curve({"MiniRocket": ProbeClassifier(RocketFeatures(), probe="ridge")},
                             X, y, X, y, rates=(0.0,), seeds=[0], label_fractions=(0.25,))
    # The transform sees every training series and no label; the ridge the labelled quarter.
    assert sizes == [(40, None)]
    assert len(curve) == 1 and 0.0 <= curve["score"].iloc[0] <= 1.0


def test_missing_aeon_gives_the_install_command(monkeypatch):
    real_import = builtins.__import__

    def no_aeon(name, *args, **kwargs):
        if name == "aeon" or name.startswith("aeon."):
            raise ImportError("No module named 'aeon'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_aeon)
    baselines = importlib.import_module("skcontrast.baselines")
    assert not baselines.aeon_available()
    with pytest.raises(ImportError, match=r'pip install "skcontrast\[baselines\]"'):
        RocketFeatures().fit(np.zeros((4, 1, 20)))


def test_bad_parameters_fail_before_any_work():
    with pytest.raises(ValueError, match="kind"):
        RocketFeatures(kind="rocket").fit(np.zeros((4, 1, 20)))
    with pytest.raises(ValueError, match="n_jobs"):
        RocketFeatures(n_jobs=0).fit(np.zeros((4, 1, 20)))
    with pytest.raises(ValueError, match="minimum of 2"):
        RocketFeatures().fit(np.zeros((1, 1, 20)))


# --------------------------------------------------------------------- probes
def test_ridge_probe_is_the_rocket_papers_classifier():
    ridge = make_probe("ridge")
    assert [name for name, _ in ridge.steps] == ["check", "ridge"]
    assert isinstance(ridge[-1], RidgeClassifierCV)
    np.testing.assert_array_equal(ridge[-1].alphas, np.logspace(-3, 3, 10))
    np.testing.assert_array_equal(RIDGE_ALPHAS, np.logspace(-3, 3, 10))
    scaled = make_ridge_probe(scale=True)
    assert [name for name, _ in scaled.steps] == ["check", "scaler", "ridge"]


@pytest.mark.parametrize("n, leaf", [(14, 1), (39, 1), (100, 5), (399, 19), (1000, 20)])
def test_gradient_boosting_leaf_follows_the_rows(n, leaf):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int)
    probe = GradientBoostingProbe(max_iter=5, random_state=0).fit(X, y)
    assert probe.min_samples_leaf_ == leaf
    assert probe.estimator_.min_samples_leaf == leaf


def test_gradient_boosting_learns_from_14_rows_where_the_default_cannot():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(214, 4))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    few = np.r_[np.flatnonzero(y == 0)[:7], np.flatnonzero(y == 1)[:7]]
    default = HistGradientBoostingClassifier(random_state=0).fit(X[few], y[few])
    assert np.unique(default.predict(X)).size == 1  # the problem: one class
    probe = GradientBoostingProbe(random_state=0).fit(X[few], y[few])
    assert np.unique(probe.predict(X)).size == 2
    assert probe.score(X[200:], y[200:]) > 0.7
    assert probe.predict_proba(X[:3]).shape == (3, 2)
    assert clone(probe).get_params() == probe.get_params()


def test_gradient_boosting_keeps_missing_values_and_checks_its_input():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    X[::5, 1] = np.nan
    probe = GradientBoostingProbe(random_state=0).fit(X, y)
    assert probe.score(X, y) > 0.8
    with pytest.raises(ValueError, match="3 features"):
        probe.predict(X[:, :2])
    with pytest.raises(ValueError, match="min_samples_leaf"):
        GradientBoostingProbe(min_samples_leaf=0).fit(X, y)
