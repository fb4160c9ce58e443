"""What every embedder does the same way, tested once for all: pickling, cloning, a grid
search inside a pipeline, and continued training (``warm_start``)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    MultiViewEmbedder,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
)
from skcontrast.callbacks import Callback
from skcontrast.datasets import make_ts_classification

_TAB = dict(n_components=8, hidden_size=16, batch_size=16, random_state=0)
_TS = dict(n_components=8, hidden_size=8, depth=2, batch_size=8, random_state=0)

#: name -> (embedder, data kind, a parameter to grid-search with two values)
CASES = {
    "scarf": (SCARFEmbedder(**_TAB, max_epochs=3), "tabular",
              ("corruption_rate", [0.3, 0.6])),
    "supcon_tabular": (SupConEmbedder(**_TAB, max_epochs=3), "tabular",
                       ("temperature", [0.1, 0.5])),
    "supcon_series": (SupConEmbedder(**_TS, max_epochs=2), "series",
                      ("temperature", [0.1, 0.5])),
    "expclr_tabular": (ExpCLREmbedder(**_TAB, max_epochs=3),
                       "tabular", ("delta", [0.5, 2.0])),
    "expclr_series": (ExpCLREmbedder(**_TS, max_epochs=2), "series", ("delta", [0.5, 2.0])),
    "ts2vec": (TS2VecEmbedder(**_TS, n_iters=4), "series", ("alpha", [0.2, 0.8])),
    "multiview": (MultiViewEmbedder(**_TAB, max_epochs=3), "tabular",
                  ("temperature", [0.1, 0.5])),
}


def data(kind):
    if kind == "tabular":
        rng = np.random.RandomState(0)
        X = rng.normal(size=(60, 6))
        return X, (X[:, 0] + X[:, 1] > 0).astype(int)
    return make_ts_classification(n_samples=24, n_timesteps=32, n_channels=1,
                                  random_state=0)


def fit(embedder, X, y):
    return embedder.fit(X, y) if embedder.__sklearn_tags__().target_tags.required \
        else embedder.fit(X)


@pytest.mark.parametrize("name", CASES)
def test_pickle_round_trip_and_clone(name):
    embedder, kind, _ = CASES[name]
    X, y = data(kind)
    emb = fit(clone(embedder), X, y)
    restored = pickle.loads(pickle.dumps(emb))
    np.testing.assert_array_equal(restored.transform(X), emb.transform(X))
    cloned = clone(emb)
    assert not hasattr(cloned, "encoder_") and cloned.get_params() == emb.get_params()


@pytest.mark.parametrize("name", CASES)
def test_grid_search_in_a_pipeline(name):
    embedder, kind, (param, values) = CASES[name]
    X, y = data(kind)
    pipe = Pipeline([("emb", clone(embedder)), ("clf", LogisticRegression(max_iter=500))])
    grid = GridSearchCV(pipe, {f"emb__{param}": values}, cv=2).fit(X, y)
    assert len(grid.cv_results_["params"]) == 2
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.best_estimator_.named_steps["emb"].n_iter_ >= 1
    assert grid.predict(X).shape == y.shape


# ------------------------------------------------------------------ warm start
class StartSpy(Callback):
    """The module's weights and the optimiser's second moments when each fit starts."""

    def __init__(self):
        self.starts = []

    def on_train_begin(self, net, **kwargs):
        state = net.optimizer_.state
        self.starts.append({
            "module": {k: v.detach().clone() for k, v in net.module_.state_dict().items()},
            "moments": sum(float(s["exp_avg_sq"].sum()) for s in state.values()),
        })


def _budget(embedder):
    return {"n_iters": 4} if isinstance(embedder, TS2VecEmbedder) else {"max_epochs": 4}


@pytest.mark.filterwarnings("ignore::skcontrast.TrainingCollapseWarning")
@pytest.mark.parametrize("name", CASES)
def test_warm_start_continues_where_the_first_fit_ended(name):
    embedder, kind, _ = CASES[name]
    X, y = data(kind)
    params = dict(_budget(embedder), warm_start=True, learning_rate=1e-2)
    if hasattr(embedder, "early_stopping"):
        params["early_stopping"] = False
    spy = StartSpy()
    emb = fit(clone(embedder).set_params(**params, callbacks=[spy]), X, y)
    first, end = list(emb.loss_curve_), emb.training_state_
    steps, epochs = emb.n_steps_, emb.n_iter_
    fit(emb, X, y)  # continues
    assert emb.n_iter_ == 2 * epochs and emb.n_steps_ == 2 * steps
    assert emb.loss_curve_[:epochs] == first  # the history goes on
    assert [r["epoch"] for r in emb.history_] == list(range(1, 2 * epochs + 1))
    # The second fit starts from the weights and the optimiser moments where the first
    # ended, so its loss goes on from there, below a fresh model's first epoch.
    second = spy.starts[1]
    assert second["module"].keys() == end.module.keys()
    for key, value in end.module.items():
        torch.testing.assert_close(second["module"][key], value, rtol=0, atol=0)
    assert second["moments"] == pytest.approx(
        sum(float(v["exp_avg_sq"].sum()) for v in end.optimizer.values()))
    fresh = fit(clone(embedder).set_params(**{**params, "warm_start": False}), X, y)
    assert emb.loss_curve_[epochs] < fresh.loss_curve_[0]
    # ...and is the same continuation when repeated (same random_state).
    again = fit(clone(embedder).set_params(**params), X, y)
    fit(again, X, y)
    np.testing.assert_array_equal(again.transform(X), emb.transform(X))


@pytest.mark.parametrize("name", ["scarf", "supcon_series", "multiview"])
def test_warm_start_refuses_a_new_layout_and_stays_all_or_nothing(name):
    embedder, kind, _ = CASES[name]
    X, y = data(kind)
    emb = fit(clone(embedder).set_params(warm_start=True), X, y)
    before = emb.transform(X)
    history = list(emb.loss_curve_)
    wider = np.concatenate([X, X[:, :1]], axis=1)  # one more column (or channel)
    with pytest.raises(ValueError, match="warm_start=True.*same layout"):
        fit(emb, wider, y)
    assert emb.loss_curve_ == history
    np.testing.assert_array_equal(emb.transform(X), before)


def test_warm_start_after_loading_says_the_state_was_not_saved(tmp_path):
    import skcontrast

    X, _ = data("tabular")
    emb = SCARFEmbedder(**_TAB, max_epochs=2, warm_start=True).fit(X)
    loaded = skcontrast.load(emb.save(tmp_path / "m.skc"))
    assert loaded.training_state_ is None
    with pytest.raises(ValueError, match="loaded from a file"):
        loaded.fit(X)
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))


def test_without_warm_start_every_fit_starts_afresh():
    X, _ = data("tabular")
    emb = SCARFEmbedder(**_TAB, max_epochs=2).fit(X)
    Z = emb.transform(X)
    emb.fit(X)
    assert emb.n_iter_ <= 2
    np.testing.assert_array_equal(emb.transform(X), Z)


def test_fine_tuning_warm_start_continues_without_pre_training_again():
    X, y = data("tabular")
    clf = FineTunedClassifier(SCARFEmbedder(**_TAB, max_epochs=2), max_epochs=3,
                              validation_fraction=0.2, n_iter_no_change=100,
                              warm_start=True, random_state=0).fit(X, y)
    embedder, first = clf.embedder_, list(clf.loss_curve_)
    clf.fit(X, y)
    assert clf.embedder_ is embedder  # the pre-trained encoder is not trained again
    assert clf.n_iter_ == 6 and clf.loss_curve_[:3] == first
    fresh = FineTunedClassifier(SCARFEmbedder(**_TAB, max_epochs=2), max_epochs=3,
                                random_state=0).fit(X, y)
    assert abs(clf.loss_curve_[3] - first[-1]) < abs(fresh.loss_curve_[0] - first[-1])
    with pytest.raises(ValueError, match="classes"):
        clf.fit(X, np.where(y == 1, 2, y) + (np.arange(len(y)) % 3 == 0))
    assert clf.n_iter_ == 6
