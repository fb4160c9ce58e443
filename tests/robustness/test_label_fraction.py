"""The label-efficiency protocol: stratified nested subsets, and no label of an unlabelled row
ever reaches a model."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression

from skcontrast.benchmark import _config as config_module
from skcontrast.benchmark import load_config, run_benchmark
from skcontrast.probes import PROBES, ProbeClassifier
from skcontrast.robustness import hide_labels, perturb_split, robustness_curve, select_labelled
from skcontrast.utils import labelled_subset


def _slow_select(y, fraction, min_per_class, rng):
    """The subset by a loop: proportional shares, largest remainders, then the minimum."""
    classes, counts = np.unique(y, return_counts=True)
    total = int(np.floor(fraction * len(y) + 0.5))
    exact = {c: total * n / len(y) for c, n in zip(classes, counts)}
    alloc = {c: int(np.floor(v)) for c, v in exact.items()}
    left = total - sum(alloc.values())
    by_remainder = sorted(classes, key=lambda c: (-(exact[c] - alloc[c]),
                                                  -counts[list(classes).index(c)],
                                                  list(classes).index(c)))
    for c in by_remainder[:left]:
        alloc[c] += 1
    mask = np.zeros(len(y), dtype=bool)
    for c, n in zip(classes, counts):
        rows = np.flatnonzero(y == c)
        keep = min(max(alloc[c], min_per_class), n)
        mask[rows[rng.permutation(len(rows))[:keep]]] = True
    return mask


@pytest.mark.parametrize("fraction", [0.01, 0.05, 0.1, 0.5, 0.99])
def test_select_labelled_matches_a_loop(fraction):
    y = np.repeat(["a", "b", "c"], [700, 250, 50])
    got = select_labelled(y, fraction, min_per_class=3, random_state=7)
    expected = _slow_select(y, fraction, 3, np.random.RandomState(7))
    np.testing.assert_array_equal(got, expected)


def test_select_labelled_is_stratified_nested_and_seeded():
    y = np.repeat([0, 1], [950, 50])
    masks = [select_labelled(y, f, random_state=0) for f in (0.01, 0.1, 0.5, 1.0)]
    for small, large in zip(masks, masks[1:]):
        assert (large >= small).all()
    assert np.bincount(y[masks[0]]).tolist() == [10, 2]  # 1 %: 9.5 -> 10 and the minimum
    assert np.bincount(y[masks[1]]).tolist() == [95, 5]
    assert masks[-1].all()
    assert not np.array_equal(masks[1], select_labelled(y, 0.1, random_state=1))


@pytest.mark.parametrize("kwargs, match", [
    ({"fraction": 0.0}, "> 0"), ({"fraction": 1.5}, r"\[0, 1\]"),
    ({"fraction": 0.1, "min_per_class": 0}, "min_per_class"),
])
def test_select_labelled_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_labelled(np.arange(10) % 2, **kwargs)


def test_hide_labels_removes_them():
    y = np.array([3, 1, 2, 1])
    partial = hide_labels(y, [True, False, True, False])
    assert partial.tolist() == [3, None, 2, None]
    X_l, y_l = labelled_subset(np.arange(8).reshape(4, 2), partial)
    assert X_l.tolist() == [[0, 1], [4, 5]] and y_l.dtype.kind == "i"
    floats = hide_labels(np.array([0.5, 1.5]), [False, True])
    assert np.isnan(floats[0]) and floats[1] == 1.5


def test_perturb_split_hides_every_unlabelled_label_and_noises_only_labelled_ones():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 3)), np.arange(200) % 2
    data = (X, y, X[:20], y[:20])
    X_tr, y_tr, _, y_te = perturb_split(data, "label_noise", 0.5, seed=3, label_fraction=0.1,
                                        noise_mode="symmetric")
    labelled = select_labelled(y, 0.1, random_state=np.random.SeedSequence(
        [3, 0x1ABE1]).generate_state(1)[0])
    assert X_tr is X and (y_te == y[:20]).all()
    assert all(v is None for v in y_tr[~labelled])
    known = y_tr[labelled].astype(int)
    assert (known != y[labelled]).sum() == 10  # half of the 20 labelled rows flipped
    # The same seed gives the same labelled rows at every rate (nested across fractions).
    _, y_clean, _, _ = perturb_split(data, "label_noise", 0.0, seed=3, label_fraction=0.1)
    assert np.array_equal(pd.isna(y_clean), pd.isna(y_tr))


# ----------------------------------------------------------------- no leak
class SpyEmbedder(TransformerMixin, BaseEstimator):
    """Records what fit receives; embeds a row as its row id (column 0 of X)."""

    seen = []

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        SpyEmbedder.seen.append((np.asarray(X)[:, 0].copy(), None if y is None else
                                 np.asarray(y, dtype=object).copy()))
        return self

    def transform(self, X):
        return np.asarray(X)[:, :1]


class SpyProbe(ClassifierMixin, BaseEstimator):
    """Records the rows (ids) and labels it is fitted on; predicts the majority class."""

    seen = []

    def fit(self, X, y):
        SpyProbe.seen.append((np.asarray(X)[:, 0].copy(), np.asarray(y).copy()))
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict_proba(self, X):
        return np.tile((self.classes_ == self.majority_).astype(float), (len(X), 1))

    def predict(self, X):
        return np.full(len(X), self.majority_)


def _ids_and_labels(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = np.column_stack([np.arange(n, dtype=float), rng.normal(size=(n, 2))])
    return X, rng.randint(0, 3, size=n)


def test_no_unlabelled_label_reaches_the_embedder_or_the_probe_in_the_runner(monkeypatch):
    X, y = _ids_and_labels()
    truth = dict(zip(X[:, 0], y))
    monkeypatch.setitem(config_module._EMBEDDERS, "SpyEmbedder", SpyEmbedder)
    monkeypatch.setitem(PROBES, "spy", lambda random_state=None: SpyProbe())
    monkeypatch.setattr("skcontrast.benchmark._runner.load_tabular", lambda name: (X, y))
    SpyEmbedder.seen.clear()
    SpyProbe.seen.clear()
    config = load_config({
        "name": "leak", "datasets": [{"loader": "tabular", "name": "ids"}],
        "perturbation": {"kind": "label_noise", "rates": [0.0]}, "seeds": [0],
        "label_fraction": [0.05, 1.0], "probes": ["spy"],
        "embedders": {"spy": {"estimator": "SpyEmbedder"}},
    })
    run_benchmark(config, progress=False)
    (train_ids, labels_given), = SpyEmbedder.seen  # fitted once, without labels
    assert labels_given is None and len(train_ids) == 210  # every training row
    few, every = SpyProbe.seen
    for ids, labels in (few, every):
        assert all(truth[i] == label for i, label in zip(ids, labels))
    assert len(every[0]) == 210
    expected = select_labelled(np.array([truth[i] for i in train_ids]), 0.05,
                               random_state=np.random.SeedSequence([0, 0x1ABE1])
                               .generate_state(1)[0])
    assert sorted(few[0]) == sorted(train_ids[expected]) and len(few[0]) == 11


def test_no_unlabelled_label_reaches_models_in_robustness_curves():
    X, y = _ids_and_labels()
    SpyEmbedder.seen.clear()
    SpyProbe.seen.clear()
    robustness_curve({"probe": ProbeClassifier(SpyEmbedder(), SpyProbe()),
                      "baseline": SpyProbe()},
                     X[:200], y[:200], X[200:], y[200:], rates=(0.0,), seeds=(0,),
                     label_fractions=(0.1,))
    (ids, given), = SpyEmbedder.seen
    assert len(ids) == 200 and given is None  # pre-trained on every row, no labels
    probe_rows, baseline_rows = SpyProbe.seen
    for rows, labels in (probe_rows, baseline_rows):
        assert len(rows) == 20 and (y[rows.astype(int)] == labels).all()
    np.testing.assert_array_equal(probe_rows[0], baseline_rows[0])  # the same labelled rows


def test_plain_estimators_get_the_labelled_rows_only():
    X, y = _ids_and_labels()
    df = robustness_curve({"logistic": LogisticRegression(max_iter=5000)}, X[:200], y[:200],
                          X[200:], y[200:], rates=(0.0, 0.2), seeds=(0, 1),
                          label_fractions=(0.05, 1.0))
    assert set(df["label_fraction"]) == {0.05, 1.0} and len(df) == 8


def test_a_frozen_prefit_embedder_survives_cloning_in_robustness_curves():
    from sklearn.datasets import load_digits
    from sklearn.exceptions import NotFittedError
    from sklearn.frozen import FrozenEstimator

    from skcontrast import SCARFEmbedder
    from skcontrast.probes import ProbeClassifier
    from skcontrast.robustness import robustness_curve

    X, y = load_digits(return_X_y=True)
    emb = SCARFEmbedder(max_epochs=2, random_state=0).fit(X)
    encoder = [p.detach().clone() for p in emb.encoder_.parameters()]
    results = robustness_curve({"frozen": ProbeClassifier(FrozenEstimator(emb))},
                               X[:600], y[:600], X[600:900], y[600:900],
                               rates=(0.0,), seeds=[0])
    assert results["score"].iloc[0] > 0.8
    assert all(torch.equal(a, b) for a, b in zip(encoder, emb.encoder_.parameters()))
    with pytest.raises(NotFittedError, match="FrozenEstimator"):
        robustness_curve({"prefit": ProbeClassifier(emb, prefit=True)}, X[:600], y[:600],
                         X[600:900], y[600:900], rates=(0.0,), seeds=[0])
