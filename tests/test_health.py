"""Collapse and explosion without NaN are reported (issue 21): raised or warned, with the fix."""

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer

from skcontrast import (
    FineTunedClassifier,
    SCARFEmbedder,
    SupConEmbedder,
    TrainingCollapseWarning,
    TrainingDivergedError,
)
from skcontrast._health import check_training_health, health_rows

X, y = load_breast_cancer(return_X_y=True)
RNG = np.random.RandomState(0)
Z = RNG.normal(size=(60, 8))


def test_a_diverged_fit_without_nan_is_refused_and_leaves_the_estimator_as_it_was():
    # The case: a flat loss of ln(128) and embeddings up to 5.5e20, no NaN.
    emb = SCARFEmbedder(max_epochs=3, random_state=0, device="cpu").fit(X[:100])
    before = emb.transform(X[:5])
    emb.set_params(learning_rate=10, standardize=False, max_epochs=1000)
    with pytest.raises(TrainingDivergedError, match=r"grew .* times.*Lower learning_rate"):
        emb.fit(X * 1e6)
    np.testing.assert_array_equal(emb.transform(X[:5]), before)  # the old fit is intact


def test_healthy_fits_pass_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingCollapseWarning)
        SCARFEmbedder(max_epochs=5, random_state=0, device="cpu").fit(X)
        SupConEmbedder(max_epochs=5, random_state=0, device="cpu").fit(X, y)
        check_training_health("E", Z, 3 * Z, [2.0, 1.5, 1.0], chance_loss=2.0, fix="")


def test_growth_threshold_and_non_finite_embeddings():
    check_training_health("E", Z, 9e3 * Z, [1.0], fix="")  # below 1e4: kept
    with pytest.raises(TrainingDivergedError, match="1.1e\\+04 times"):
        check_training_health("E", Z, 1.1e4 * Z, [1.0], fix="do this")
    bad = Z.copy()
    bad[3, 2] = np.inf
    with pytest.raises(TrainingDivergedError, match="non-finite embeddings. do this"):
        check_training_health("E", Z, bad, [1.0], fix="do this")


def test_rank_collapse_warns():
    direction = RNG.normal(size=8)
    collapsed = np.outer(RNG.normal(size=60), direction) + 1e-6 * RNG.normal(size=(60, 8))
    with pytest.warns(TrainingCollapseWarning, match=r"effective rank fell from .* to 1.0"):
        check_training_health("E", Z, collapsed, [3.0, 2.0, 1.0], fix="")
    # Data that was rank 1 to begin with is not a collapse.
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingCollapseWarning)
        check_training_health("E", collapsed, collapsed, [3.0, 2.0, 1.0], fix="")


def test_a_loss_stuck_at_chance_warns():
    chance = math.log(128)
    stuck = [chance * (1 + 1e-4 * k) for k in range(5)]
    with pytest.warns(TrainingCollapseWarning, match=r"chance value \(4.852"):
        check_training_health("E", Z, Z, stuck, chance_loss=chance, fix="")
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingCollapseWarning)
        # It moved, or it is not at chance, or too few epochs to tell: no warning.
        check_training_health("E", Z, Z, [chance, chance - 0.3, chance - 0.3], chance_loss=chance,
                              fix="")
        check_training_health("E", Z, Z, [3.0, 3.0, 3.0], chance_loss=chance, fix="")
        check_training_health("E", Z, Z, [chance, chance], chance_loss=chance, fix="")
        # A short run still learning (SCARF, 3 epochs on 90 rows: 4.499, 4.491, 4.467).
        check_training_health("E", Z, Z, [4.499, 4.491, 4.467], chance_loss=math.log(90),
                              fix="")


def test_the_checked_rows_are_spread_over_the_data():
    np.testing.assert_array_equal(health_rows(5), np.arange(5))
    rows = health_rows(10_000)
    assert len(rows) == 256 and rows[0] == 0 and rows[-1] == 9_999
    assert np.all(np.diff(rows) > 0)


def test_each_embedder_reports_its_chance_value(monkeypatch):
    from skcontrast import _fitting

    seen = []
    original = _fitting.check_training_health

    def record(name, before, after, losses, chance_loss, *, fix):
        seen.append((name, chance_loss))
        return original(name, before, after, losses, chance_loss, fix=fix)

    monkeypatch.setattr(_fitting, "check_training_health", record)
    SCARFEmbedder(max_epochs=1, batch_size=32, random_state=0, device="cpu").fit(X)
    SupConEmbedder(max_epochs=1, batch_size=32, random_state=0, device="cpu").fit(X, y)
    assert seen == [("SCARFEmbedder", pytest.approx(math.log(32))),
                    ("SupConEmbedder", pytest.approx(math.log(63)))]


def test_fine_tuning_checks_its_encoder_and_chance_too(monkeypatch):
    from skcontrast import _fitting

    seen = []
    original = _fitting.check_training_health

    def record(name, before, after, losses, chance_loss, *, fix):
        seen.append((name, before.shape, chance_loss))
        return original(name, before, after, losses, chance_loss, fix=fix)

    monkeypatch.setattr(_fitting, "check_training_health", record)
    FineTunedClassifier(SCARFEmbedder(max_epochs=1), max_epochs=2, random_state=0,
                        device="cpu").fit(X, y)
    # One health check, shared by every fit: the pre-training's, then fine-tuning's.
    assert [entry[0] for entry in seen] == ["SCARFEmbedder", "FineTunedClassifier"]
    name, shape, chance = seen[-1]
    assert name == "FineTunedClassifier" and shape[0] == 256
    assert chance == pytest.approx(math.log(2))
    # A diverging fine-tuning run is refused the same way.
    with pytest.raises(TrainingDivergedError, match="FineTunedClassifier"):
        FineTunedClassifier(SCARFEmbedder(max_epochs=1, standardize=False), max_epochs=20,
                            learning_rate=50, random_state=0, device="cpu").fit(X * 1e6, y)
    assert torch.get_num_threads() >= 1
