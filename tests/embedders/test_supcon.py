
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from skcontrast import SupConEmbedder
from skcontrast.embedders import supcon as supcon_module

from ._helpers import TrainingSpy

FAST = dict(n_components=8, hidden_size=16, n_layers=2, max_epochs=3, batch_size=16,
            device="cpu", random_state=0)
FAST_TS = dict(n_components=8, hidden_size=8, depth=1, max_epochs=2, batch_size=8,
               device="cpu", random_state=0)


@pytest.fixture
def small_series():
    """24 noisy univariate series of length 32, two classes (slow vs fast sine), (N, 1, T)."""
    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, 32)
    y = np.repeat([0, 1], 12)
    freq = np.where(y == 0, 1.0, 3.0) + rng.uniform(-0.2, 0.2, 24)
    X = np.sin(2 * np.pi * freq[:, None] * t) + 0.1 * rng.normal(size=(24, 32))
    return X[:, None, :], y


@pytest.mark.parametrize("kind", ["tabular", "time_series"])
def test_same_seed_bit_identical_different_seed_different(small_tabular, small_series, kind):
    X, y = small_tabular if kind == "tabular" else small_series
    params = FAST if kind == "tabular" else FAST_TS
    a = SupConEmbedder(**params).fit(X, y).transform(X)
    b = SupConEmbedder(**params).fit(X, y).transform(X)
    c = SupConEmbedder(**{**params, "random_state": 1}).fit(X, y).transform(X)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_global_rngs_untouched(small_tabular, small_series):
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()  # noqa: NPY002
    X, y = small_tabular
    SupConEmbedder(**FAST, balanced_batches=True).fit(X, y).transform(X)
    X, y = small_series
    SupConEmbedder(**FAST_TS).fit(X, y).transform(X)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])  # noqa: NPY002


def test_input_type_auto_and_explicit(small_tabular, small_series):
    X, y = small_tabular
    emb = SupConEmbedder(**FAST).fit(X, y)
    assert emb.input_type_ == "tabular" and emb.n_features_in_ == 6
    assert emb.transform(X).shape == (60, 8)
    assert emb.validation_loss_curve_  # tabular: early stopping by default
    np.testing.assert_allclose(emb.mean_, X.mean(axis=0))

    S, ys = small_series
    emb = SupConEmbedder(**FAST_TS).fit(S, ys)
    assert emb.input_type_ == "time_series" and emb.n_features_in_ == 1
    assert emb.validation_loss_curve_ == [] and emb.n_iter_ == 2  # fixed epochs
    # 2-D univariate series need input_type="time_series"; then they equal the 3-D input.
    emb2 = SupConEmbedder(**FAST_TS, input_type="time_series").fit(S[:, 0], ys)
    assert emb2.input_type_ == "time_series" and emb2.n_features_in_ == 1
    np.testing.assert_array_equal(emb2.transform(S[:, 0]), emb.transform(S))
    # Series of another length embed to the same width.
    assert emb.transform(S[:, :, :20]).shape == (24, 8)


def test_time_series_missing_values(small_series):
    X, y = small_series
    X = X.copy()
    X[::3, :, 5:12] = np.nan
    Z = SupConEmbedder(**FAST_TS).fit(X, y).transform(X)
    assert np.isfinite(Z).all()


@pytest.mark.parametrize("balanced", [False, True])
def test_balanced_batches_in_training(monkeypatch, balanced):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 4))
    y = np.r_[np.zeros(92, int), np.ones(8, int)]
    seen = []
    original = supcon_module.supcon_loss

    def recording(z, labels, **kwargs):
        seen.append(np.bincount(labels.numpy(), minlength=2))
        return original(z, labels, **kwargs)

    monkeypatch.setattr(supcon_module, "supcon_loss", recording)
    SupConEmbedder(**{**FAST, "batch_size": 20}, early_stopping=False,
                   balanced_batches=balanced).fit(X, y)
    counts = np.array(seen)
    assert len(counts) == 3 * 5
    if balanced:
        assert (counts[:, 0] == counts[:, 1]).all()  # 10 rows of each class, 2 views each
    else:
        assert counts[:, 1].sum() == 2 * 3 * 8  # every epoch sees each row once


def test_labels_make_classes_separable(small_tabular):
    X, y = small_tabular
    emb = SupConEmbedder(n_components=16, hidden_size=32, max_epochs=30, batch_size=32,
                         early_stopping=False, random_state=0).fit(X, y)
    assert emb.loss_curve_[-1] < emb.loss_curve_[0]
    Z = emb.transform(X)
    assert LogisticRegression(max_iter=1000).fit(Z, y).score(Z, y) > 0.95


def test_string_labels_and_dataframe(small_tabular):
    X, y = small_tabular
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    emb = SupConEmbedder(**FAST).fit(df, np.where(y == 1, "yes", "no"))
    assert list(emb.classes_) == ["no", "yes"]
    assert list(emb.feature_names_in_) == list(df.columns)


def test_input_never_modified(small_tabular, small_series):
    X, y = small_tabular
    df = pd.DataFrame(X)
    df_copy, y_copy = df.copy(), y.copy()
    SupConEmbedder(**FAST).fit(df, y).transform(df)
    pd.testing.assert_frame_equal(df, df_copy)
    np.testing.assert_array_equal(y, y_copy)
    S, ys = small_series
    S = S.copy()
    S[0, 0, 3] = np.nan
    S_copy = S.copy()
    SupConEmbedder(**FAST_TS).fit(S, ys).transform(S)
    np.testing.assert_array_equal(S, S_copy)


@pytest.mark.parametrize(
    "make_y, match",
    [
        (lambda y: None, "requires y to be passed"),
        (lambda y: np.zeros_like(y), "single class"),
        (lambda y: np.where(np.arange(y.size) == 3, np.nan, y.astype(float)), "NaN"),
        (lambda y: np.full(y.size, np.nan), "no known label"),
        (lambda y: np.where(np.arange(y.size) < 3, y.astype(float), np.nan), "single class"),
        (lambda y: np.linspace(0, 1, y.size), "continuous"),
        (lambda y: y[:-1], "inconsistent numbers of samples"),
    ],
    ids=["missing", "one-class", "nan-dropped", "all-unlabelled", "one-known-class",
         "continuous", "length"],
)
def test_bad_labels_fail_before_training(small_tabular, make_y, match):
    X, y = small_tabular
    spy = TrainingSpy()
    # unlabelled="drop" needs every label; the semi-supervised default accepts NaN.
    params = {**FAST, "unlabelled": "drop"} if match == "NaN" else FAST
    with pytest.raises(ValueError, match=match):
        SupConEmbedder(**params, callbacks=[spy]).fit(X, make_y(y))
    assert spy.started == 0


@pytest.mark.parametrize("kind", ["tabular", "time_series"])
def test_unlabelled_samples_are_classes_of_their_own(small_tabular, small_series, kind,
                                                      monkeypatch):
    X, y = small_tabular if kind == "tabular" else small_series
    y_partial = np.where(np.arange(len(y)) % 3 == 0, y.astype(float), np.nan)
    seen = []
    original = supcon_module.supcon_loss

    def record(z, labels, **kwargs):
        seen.append(labels.clone())
        return original(z, labels, **kwargs)

    monkeypatch.setattr(supcon_module, "supcon_loss", record)
    params = FAST if kind == "tabular" else FAST_TS
    emb = SupConEmbedder(**params).fit(X, y_partial)
    assert emb.n_labelled_ == int((~np.isnan(y_partial)).sum())
    np.testing.assert_array_equal(emb.classes_, [0.0, 1.0])
    for labels in seen:  # both views of a row carry the row's label
        half = labels.numel() // 2
        first = labels[:half]
        assert torch.equal(first, labels[half:])
        known, own = first[first < 2], first[first >= 2]
        # Each unlabelled row has a label no other row of the batch has.
        assert own.unique().numel() == own.numel()
        assert set(known.tolist()) <= {0, 1}
    assert any((labels >= 2).any() for labels in seen)


def test_semi_supervised_uses_every_row_and_drop_only_the_labelled(small_tabular):
    from skcontrast.utils import fit_embedder

    X, y = small_tabular
    y_partial = np.where(np.arange(len(y)) % 4 == 0, y, None).astype(object)
    semi = fit_embedder(SupConEmbedder(**FAST), X, y_partial)
    dropped = fit_embedder(SupConEmbedder(**FAST, unlabelled="drop"), X, y_partial)
    assert semi.n_labelled_ == 15 and dropped.n_labelled_ == 15
    # 60 rows (54 after the validation split) make 4 batches of 16; 15 rows make one.
    assert len(semi.history_[0]["batches"]) == 4
    assert len(dropped.history_[0]["batches"]) == 1
    # With every label known the two modes are the same fit.
    a = SupConEmbedder(**FAST).fit(X, y).transform(X)
    b = SupConEmbedder(**FAST, unlabelled="drop").fit(X, y).transform(X)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="balanced_batches"):
        SupConEmbedder(**FAST, balanced_batches=True).fit(X, y_partial)


@pytest.mark.parametrize(
    "params, make_X, match",
    [
        ({"temperature": 0}, None, "temperature"),
        ({"corruption_rate": 1.0}, None, "corruption_rate"),
        ({"crop_min_fraction": 0.0}, None, "crop_min_fraction"),
        ({"mask_p": 1.0}, None, "mask_p"),
        ({"input_type": "image"}, None, "input_type"),
        ({"input_type": "tabular"}, lambda X: X[:, None, :], "input_type='time_series'"),
        ({}, lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), "NaN"),
        ({"input_type": "time_series"}, lambda X: np.where(np.arange(60)[:, None] == 2,
                                                           np.nan, X), "no observed"),
        ({"input_type": "time_series"}, lambda X: X[:, :1], "too short"),
    ],
)
def test_bad_parameters_and_input_fail_before_training(small_tabular, params, make_X, match):
    X, y = small_tabular
    spy = TrainingSpy()
    X = X if make_X is None else make_X(X)
    with pytest.raises(ValueError, match=match):
        SupConEmbedder(**{**FAST, **params}, callbacks=[spy]).fit(X, y[: len(X)])
    assert spy.started == 0


def test_transform_checks_channels(small_series):
    X, y = small_series
    emb = SupConEmbedder(**FAST_TS).fit(X, y)
    with pytest.raises(ValueError, match="expecting 1 channels"):
        emb.transform(np.repeat(X, 2, axis=1))
    X_empty = X.copy()
    X_empty[0] = np.nan
    with pytest.raises(ValueError, match="no observed timestamp"):
        emb.transform(X_empty)


def test_requires_y_tag():
    assert SupConEmbedder().__sklearn_tags__().target_tags.required
    assert SupConEmbedder(input_type="time_series").__sklearn_tags__().input_tags.allow_nan
    assert not SupConEmbedder().__sklearn_tags__().input_tags.allow_nan


def test_max_epochs_none_uses_a_per_kind_budget(small_series, small_tabular, monkeypatch):
    X, y = small_series
    # Keep the test fast.
    monkeypatch.setattr(SupConEmbedder, "_auto_epochs", {"tabular": 1000, "time_series": 3})
    emb = SupConEmbedder(**{**FAST_TS, "max_epochs": None}).fit(X, y)
    # 24 series in batches of 8: 3 steps per epoch, exactly 3 epochs.
    assert emb.n_iter_ == 3 and emb.n_steps_ == 9
    X, y = small_tabular
    emb = SupConEmbedder(**{**FAST, "max_epochs": None, "n_iter_no_change": 2}).fit(X, y)
    assert emb.n_iter_ < 1000 and emb.n_iter_ - emb.best_epoch_ == 2  # early stopping


def test_identical_views_warn(small_tabular):
    X, y = small_tabular
    with pytest.warns(UserWarning, match="identical"):
        SupConEmbedder(**FAST, corruption_rate=0.0, noise_std=0.0).fit(X, y)


def test_too_few_rows_for_early_stopping_train_without_it(small_tabular):
    X, y = small_tabular
    with pytest.warns(UserWarning, match="without early stopping"):
        emb = SupConEmbedder(**{**FAST, "early_stopping": True},
                             validation_fraction=0.01).fit(X[:20], y[:20])
    assert emb.best_epoch_ is None and emb.n_iter_ == FAST["max_epochs"]
