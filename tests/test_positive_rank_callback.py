"""The PositiveRank callback: the tutorial's rank metric, per epoch, in the history."""

import logging

import numpy as np
import pytest

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    MultiViewEmbedder,
    SCARFEmbedder,
    TS2VecEmbedder,
)
from skcontrast.callbacks import Callback, PositiveRank
from skcontrast.datasets import make_ts_classification
from skcontrast.metrics import positive_rank

X = np.random.RandomState(0).normal(size=(120, 6))
SERIES, _ = make_ts_classification(n_samples=30, n_timesteps=32, random_state=0)


class ModeSpy(Callback):
    """Whether the module was in training mode after the other callbacks of each epoch."""

    def __init__(self):
        self.modes = []

    def on_epoch_end(self, net, **kwargs):
        self.modes.append(net.module_.training)


@pytest.mark.parametrize("embedder, data", [
    (SCARFEmbedder(max_epochs=3, early_stopping=False, random_state=0), X),
    (MultiViewEmbedder(max_epochs=3, early_stopping=False, random_state=0), X),
    (TS2VecEmbedder(n_iters=6, n_components=8, hidden_size=8, depth=2, random_state=0),
     SERIES),
])
def test_the_last_value_is_the_metric_on_the_same_rows(embedder, data):
    callback, spy = PositiveRank(n_rows=50, random_state=3), ModeSpy()
    emb = embedder.set_params(callbacks=[callback, spy]).fit(data)
    values = emb.history_[:, "positive_rank"]
    assert len(values) == emb.n_iter_ and all(0 <= v <= 1 for v in values)
    assert len(callback.sample_) == min(50, len(data))
    # The fitted encoder is the last epoch's: the metric on the same rows and views.
    Z1, Z2 = emb.positive_pairs(callback.sample_, random_state=3)
    assert values[-1] == positive_rank(Z1, Z2)
    assert spy.modes == [True] * emb.n_iter_  # scoring left the module training


def test_it_is_shown_in_the_epoch_log(caplog):
    with caplog.at_level(logging.INFO, logger="skcontrast"):
        SCARFEmbedder(max_epochs=2, early_stopping=False, random_state=0, verbose=2,
                      callbacks=[PositiveRank(n_rows=40)]).fit(X)
    lines = [r.getMessage() for r in caplog.records if "epoch" in r.getMessage()]
    assert all("positive_rank=" in line for line in lines[:2])


def test_a_small_table_uses_every_row():
    callback = PositiveRank(n_rows=500)
    SCARFEmbedder(max_epochs=1, random_state=0, callbacks=[callback]).fit(X)
    assert len(callback.sample_) == len(X)


@pytest.mark.parametrize("estimator, match", [
    (ExpCLREmbedder(max_epochs=2, random_state=0), "makes no augmented views"),
    (FineTunedClassifier(SCARFEmbedder(max_epochs=1), max_epochs=2, random_state=0),
     "needs an embedder"),
])
def test_estimators_without_positive_pairs_fail_before_training(estimator, match):
    y = (X[:, 0] > 0).astype(int)
    estimator.set_params(callbacks=[PositiveRank()])
    with pytest.raises(TypeError, match=match):
        estimator.fit(X, y)
    assert not hasattr(estimator, "history_")
