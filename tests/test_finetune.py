import copy
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from skorch.callbacks import EarlyStopping, LRScheduler

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    SCARFEmbedder,
    SupConEmbedder,
    TrainingDivergedError,
    TS2VecEmbedder,
    UntrainedEmbedder,
)
from skcontrast.callbacks import Callback
from skcontrast.datasets import make_ts_classification

FAST_EMB = dict(n_components=8, hidden_size=16, max_epochs=3, batch_size=16,
                early_stopping=False, device="cpu", random_state=0)
FAST_CLF = dict(hidden_size=16, max_epochs=30, batch_size=16, learning_rate=1e-2, device="cpu",
                random_state=0)


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


class EpochSnapshots(Callback):
    """The trained module's weights at the end of every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.states = []

    def on_epoch_end(self, net, **kwargs):
        self.states.append(copy.deepcopy(net.module_.state_dict()))


def test_pretrained_encoder_is_the_embedders(small_tabular):
    X, y = small_tabular
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB),
                              **{**FAST_CLF, "max_epochs": 1, "learning_rate": 1e-12}).fit(X, y)
    # With a vanishing learning rate the fine-tuned encoder still equals the pre-trained one.
    for a, b in zip(clf.module_.encoder.parameters(), clf.embedder_.encoder_.parameters()):
        torch.testing.assert_close(a.float(), b, rtol=0, atol=1e-9)


def test_from_scratch_starts_from_the_untrained_encoder(small_tabular):
    X, y = small_tabular
    tiny = {**FAST_CLF, "max_epochs": 1, "learning_rate": 1e-12}
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), pretrained=False, **tiny).fit(X, y)
    assert clf.embedder_.n_steps_ == 0
    control = UntrainedEmbedder(SCARFEmbedder(**FAST_EMB)).fit(X).embedder_
    for a, b in zip(clf.module_.encoder.parameters(), control.encoder_.parameters()):
        torch.testing.assert_close(a.float(), b, rtol=0, atol=1e-9)
    trained = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), pretrained=False,
                                  **FAST_CLF).fit(X, y)
    assert trained.score(X, y) > 0.8


def test_prefit_embedder_is_copied_not_modified(small_tabular):
    X, y = small_tabular
    emb = SCARFEmbedder(**FAST_EMB).fit(X)
    before = _params(emb.encoder_)
    clf = FineTunedClassifier(emb, prefit=True, **FAST_CLF).fit(X, y)
    assert clf.embedder_ is emb
    for a, b in zip(before, emb.encoder_.parameters()):
        assert torch.equal(a, b)
    assert clf.score(X, y) > 0.8


def test_prefit_requires_a_fitted_embedder_with_matching_features(small_tabular):
    X, y = small_tabular
    with pytest.raises(NotFittedError):
        FineTunedClassifier(SCARFEmbedder(**FAST_EMB), prefit=True, **FAST_CLF).fit(X, y)
    emb = SCARFEmbedder(**FAST_EMB).fit(X[:, :4])
    with pytest.raises(ValueError, match="X has 6 features, but SCARFEmbedder is expecting 4"):
        FineTunedClassifier(emb, prefit=True, **FAST_CLF).fit(X, y)


def test_deterministic_and_picklable(small_tabular):
    X, y = small_tabular
    a = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **FAST_CLF).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict_proba(X), a.predict_proba(X))


def test_string_labels_and_multiclass():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(loc=c * 3, size=(30, 5)) for c in range(3)])
    y = np.repeat(np.array(["a", "b", "c"]), 30)
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **FAST_CLF).fit(X, y)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    assert clf.predict_proba(X).shape == (90, 3)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)
    assert clf.score(X, y) > 0.9


def test_early_stopping_on_validation_error_then_loss(small_tabular):
    X, y = small_tabular
    snapshots = EpochSnapshots()
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **{**FAST_CLF, "max_epochs": 300},
                              n_iter_no_change=3, callbacks=[snapshots]).fit(X, y)
    history = clf.history_
    assert len(history) < 300 and clf.n_iter_ == len(history)
    keys = [(1 - a, loss) for a, loss in zip(history[:, "valid_acc"], history[:, "valid_loss"])]
    best = keys.index(min(keys))
    assert best == len(keys) - 4  # stopped 3 epochs after the best (error, loss)
    assert clf.best_epoch_ == best + 1
    # ...and kept the best epoch's weights.
    kept = clf.module_.state_dict()
    for name, value in snapshots.states[best].items():
        torch.testing.assert_close(kept[name], value.double(), rtol=0, atol=0)


def test_too_few_rows_to_validate_trains_all_epochs():
    X = np.random.RandomState(0).normal(size=(12, 3))
    y = np.r_[np.zeros(11, int), 1]  # a class with a single row: nothing can be held out
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **{**FAST_CLF, "max_epochs": 4}).fit(X, y)
    assert clf.n_iter_ == 4 and clf.best_epoch_ is None
    assert "valid_loss" not in clf.history_[-1]


def test_input_not_modified(small_tabular):
    X, y = small_tabular
    X0, y0 = X.copy(), copy.copy(y)
    FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **FAST_CLF).fit(X, y).predict(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_supervised_embedder_is_pretrained_with_the_labels(small_tabular):
    X, y = small_tabular
    emb = SupConEmbedder(n_components=8, hidden_size=16, n_layers=2, projection_size=8,
                         max_epochs=2, batch_size=16, random_state=0)
    clf = FineTunedClassifier(emb, **FAST_CLF).fit(X, y)
    np.testing.assert_array_equal(clf.embedder_.classes_, [0, 1])
    assert clf.embedder_.n_steps_ > 0 and clf.score(X, y) > 0.8


@pytest.mark.parametrize("embedder", [
    TS2VecEmbedder(n_components=8, hidden_size=8, depth=2, n_iters=4, random_state=0),
    SupConEmbedder(input_type="time_series", n_components=8, hidden_size=8, depth=1,
                   projection_size=8, max_epochs=2, random_state=0),
    ExpCLREmbedder(n_components=8, hidden_size=8, depth=1, max_epochs=2, random_state=0),
], ids=["ts2vec", "supcon", "expclr"])
def test_time_series_embedders_are_fine_tuned(embedder):
    X, y = make_ts_classification(n_samples=40, n_timesteps=30, random_state=0)
    X[::4, :, 3:9] = np.nan  # missing timestamps reach the encoder as NaN
    clf = FineTunedClassifier(embedder, **{**FAST_CLF, "max_epochs": 15}).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2) and np.isfinite(proba).all()
    assert clf.n_features_in_ == 1
    assert clf.score(X, y) > 0.6
    with pytest.raises(ValueError, match="channels"):
        clf.predict(np.zeros((3, 2, 30)))


@pytest.mark.parametrize("embedder, match", [
    (PCA(2), "embedder"),
    (UntrainedEmbedder(SCARFEmbedder()), "embedder"),
])
def test_embedders_that_cannot_be_fine_tuned_are_refused_before_training(
        small_tabular, embedder, match):
    X, y = small_tabular
    with pytest.raises(ValueError, match=match):
        FineTunedClassifier(embedder).fit(X, y)


def test_interrupt_during_refit_keeps_the_previous_model(small_tabular):
    X, y = small_tabular
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **FAST_CLF).fit(X, y)
    before = clf.predict_proba(X)
    state = dict(vars(clf))

    def interrupt(net):
        raise KeyboardInterrupt

    clf.set_params(callbacks=[interrupt])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X[:, ::-1] * 2, 1 - y)
    assert {k: id(v) for k, v in vars(clf).items() if k != "callbacks"} == {
        k: id(v) for k, v in state.items() if k != "callbacks"}
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_diverging_fine_tuning_raises(small_tabular):
    X, y = small_tabular

    class Poison(Callback):
        def on_epoch_end(self, net, **kwargs):
            with torch.no_grad():
                net.module_.head[0].weight[0, 0] = float("nan")

    with pytest.raises(TrainingDivergedError, match="diverged"):
        FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **FAST_CLF, callbacks=[Poison()]).fit(X, y)
    assert not hasattr(FineTunedClassifier(), "module_")


def test_skorch_callbacks_work(small_tabular):
    X, y = small_tabular
    clf = FineTunedClassifier(
        SCARFEmbedder(**FAST_EMB), **{**FAST_CLF, "max_epochs": 200},
        callbacks=[EarlyStopping(monitor="valid_loss", patience=2, sink=lambda *_: None),
                   LRScheduler("StepLR", step_size=1, gamma=0.5, event_name="event_lr")],
    ).fit(X, y)
    assert clf.n_iter_ < 200
    lrs = clf.history_[:, "event_lr"]
    np.testing.assert_allclose(lrs, [1e-2 * 0.5**k for k in range(len(lrs))])


def test_verbose_logs_epochs(small_tabular, caplog):
    X, y = small_tabular
    with caplog.at_level("INFO", logger="skcontrast"):
        FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **{**FAST_CLF, "max_epochs": 2},
                            verbose=2).fit(X, y)
    assert "FineTunedClassifier epoch 1" in caplog.text


def test_prefit_and_from_scratch_contradict(small_tabular):
    X, y = small_tabular
    emb = SCARFEmbedder(**FAST_EMB).fit(X)
    with pytest.raises(ValueError, match="contradict.*prefit=False"):
        FineTunedClassifier(emb, prefit=True, pretrained=False, **FAST_CLF).fit(X, y)


def test_loss_curves_are_recorded_like_the_embedders(small_tabular):
    X, y = small_tabular
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **FAST_CLF).fit(X, y)
    assert clf.loss_curve_ == [r["train_loss"] for r in clf.history_]
    assert len(clf.loss_curve_) == clf.n_iter_
    assert all(np.isfinite(clf.loss_curve_))
