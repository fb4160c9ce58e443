import copy
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skcontrast import FineTunedClassifier, SCARFEmbedder

FAST_EMB = dict(n_components=8, hidden_size=16, max_epochs=3, batch_size=16,
                early_stopping=False, random_state=0)
FAST_CLF = dict(hidden_size=16, max_epochs=30, batch_size=16, learning_rate=1e-2, random_state=0)


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


def test_pretrained_encoder_is_the_embedders(small_tabular):
    X, y = small_tabular
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB),
                              **{**FAST_CLF, "max_epochs": 1, "learning_rate": 1e-12}).fit(X, y)
    # With a vanishing learning rate the fine-tuned encoder still equals the pre-trained one.
    for a, b in zip(clf.net_.module_.encoder.parameters(), clf.embedder_.encoder_.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-9)


def test_from_scratch_does_not_pretrain(small_tabular):
    X, y = small_tabular
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), pretrained=False, **FAST_CLF).fit(X, y)
    assert not hasattr(clf.embedder_, "encoder_")
    assert clf.score(X, y) > 0.8


def test_prefit_embedder_is_copied_not_modified(small_tabular):
    X, y = small_tabular
    emb = SCARFEmbedder(**FAST_EMB).fit(X)
    before = _params(emb.encoder_)
    clf = FineTunedClassifier(emb, prefit=True, **FAST_CLF).fit(X, y)
    assert clf.embedder_ is emb
    for a, b in zip(before, emb.encoder_.parameters()):
        assert torch.equal(a, b)
    assert clf.score(X, y) > 0.8


def test_prefit_requires_fitted_embedder(small_tabular):
    X, y = small_tabular
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FineTunedClassifier(SCARFEmbedder(**FAST_EMB), prefit=True, **FAST_CLF).fit(X, y)
    emb = SCARFEmbedder(**FAST_EMB).fit(X[:, :4])
    with pytest.raises(ValueError, match="prefit embedder was fitted on 4"):
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


def test_early_stopping_on_validation_accuracy(small_tabular):
    X, y = small_tabular
    clf = FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **{**FAST_CLF, "max_epochs": 300},
                              n_iter_no_change=3).fit(X, y)
    history = clf.net_.history
    assert len(history) < 300
    keys = [(1 - a, loss) for a, loss in zip(history[:, "valid_acc"], history[:, "valid_loss"])]
    best = keys.index(min(keys))
    assert best == len(keys) - 4  # stopped 3 epochs after the best (error, loss)
    # ...and restored the best epoch's weights: recomputing its validation loss agrees.
    stopper = dict(clf.net_.callbacks_)["ValidationErrorStopping"]
    assert stopper.best_epoch_ == best + 1
    Xp, y_idx = clf.embedder_._preprocess(X), np.searchsorted(clf.classes_, y)
    _, valid = clf.net_.train_split(clf.net_.get_dataset(Xp, y_idx), y_idx)
    with torch.no_grad():
        logits = clf.net_.module_(torch.as_tensor(Xp[valid.indices]))
        loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y_idx[valid.indices]))
    assert loss.item() == pytest.approx(keys[best][1], rel=1e-4)


def test_input_not_modified(small_tabular):
    X, y = small_tabular
    X0, y0 = X.copy(), copy.copy(y)
    FineTunedClassifier(SCARFEmbedder(**FAST_EMB), **FAST_CLF).fit(X, y).predict(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
