
import numpy as np
import pandas as pd
import pytest
import torch

from skcontrast import ExpCLREmbedder
from skcontrast.embedders import expclr as expclr_module
from skcontrast.expert_features import time_series_expert_features
from skcontrast.losses.expclr import expert_similarity

from ._helpers import TrainingSpy

FAST = dict(n_components=8, hidden_size=16, n_layers=2, max_epochs=3, batch_size=16,
            device="cpu", random_state=0)
FAST_TS = dict(n_components=8, hidden_size=8, depth=1, max_epochs=2, batch_size=8,
               device="cpu", random_state=0)


def first_two(X):
    """A picklable expert-feature callable for tabular rows."""
    return X[:, :2]


@pytest.fixture
def small_series():
    """24 noisy univariate random-walk-plus-sine series of length 32, (N, 1, T)."""
    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, 32)
    y = np.repeat([0, 1], 12)
    freq = np.where(y == 0, 1.0, 3.0) + rng.uniform(-0.2, 0.2, 24)
    X = np.sin(2 * np.pi * freq[:, None] * t) + 0.1 * rng.normal(size=(24, 32)).cumsum(1)
    return X[:, None, :], y


@pytest.fixture
def record_similarity(monkeypatch):
    """Record the similarity matrix of every training batch (and its rows' features)."""
    seen = []
    original = expclr_module.expclr_loss

    def recording(representations, similarity, **kwargs):
        seen.append(similarity.clone())
        return original(representations, similarity, **kwargs)

    monkeypatch.setattr(expclr_module, "expclr_loss", recording)
    return seen


@pytest.mark.parametrize("kind", ["tabular", "time_series"])
def test_same_seed_bit_identical_different_seed_different(small_tabular, small_series, kind):
    if kind == "tabular":
        (X, _), params = small_tabular, {**FAST, "expert_features": first_two}
    else:
        (X, _), params = small_series, FAST_TS
    a = ExpCLREmbedder(**params).fit(X).transform(X)
    b = ExpCLREmbedder(**params).fit(X).transform(X)
    c = ExpCLREmbedder(**{**params, "random_state": 1}).fit(X).transform(X)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_global_rngs_untouched(small_series):
    X, y = small_series
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()  # noqa: NPY002
    ExpCLREmbedder(**FAST_TS).fit(X, y).transform(X)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])  # noqa: NPY002


def test_default_expert_features_and_standardisation(small_series):
    X, _ = small_series
    emb = ExpCLREmbedder(**FAST_TS).fit(X)
    F = time_series_expert_features(X)
    assert emb.input_type_ == "time_series" and emb.n_expert_features_ == 17
    np.testing.assert_allclose(emb.expert_mean_, F.mean(axis=0))
    varying = F.std(axis=0) > 1e-6
    np.testing.assert_allclose(emb.expert_scale_[varying], F.std(axis=0)[varying])
    assert emb.classes_ is None and emb.n_labelled_ == 0
    assert emb.transform(X).shape == (24, 8)


def test_round_off_expert_features_are_not_blown_up():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    F = np.c_[X[:, 0], 1e-9 * rng.normal(size=30), 1.0 + 1e-10 * rng.normal(size=30)]
    emb = ExpCLREmbedder(**FAST, expert_features=lambda X: F).fit(X)
    np.testing.assert_array_equal(emb.expert_scale_[1:], [1.0, 1.0])
    assert emb.expert_scale_[0] == pytest.approx(X[:, 0].std())


def _one_float32_ulp(X, seed=0):
    """A copy of X with a random half of its values moved by one float32 ulp (relative)."""
    chosen = np.random.RandomState(seed).uniform(size=X.shape) < 0.5
    return np.where(chosen, X * (1.0 + 2.0**-23), X)


@pytest.mark.parametrize("kind", ["tabular", "time_series"])
def test_output_biases_are_not_trained(small_tabular, small_series, kind):
    # The loss sees only distances, so the biases that translate every representation
    # have a round-off gradient; they keep their initial values. Everything else trains.
    X = small_tabular[0] if kind == "tabular" else small_series[0]
    params = {**(FAST if kind == "tabular" else FAST_TS), "max_epochs": 4}
    trained = ExpCLREmbedder(**params).fit(X)
    initial = ExpCLREmbedder(**params).initialize(X)
    biases = trained.encoder_.output_biases()
    assert len(biases) == (1 if kind == "tabular" else 2)
    for before, after in zip(initial.encoder_.output_biases(), biases):
        assert torch.equal(before, after)
    frozen = {id(p) for p in biases}
    moved = [not torch.equal(a, b) for a, b in zip(initial.encoder_.parameters(),
                                                  trained.encoder_.parameters())
             if id(b) not in frozen]
    assert all(moved)


@pytest.mark.parametrize("kind", ["tabular", "time_series"])
def test_a_last_bit_change_of_the_input_moves_embeddings_by_round_off_only(
        small_tabular, small_series, kind):
    # Another CPU sums in another order: its inputs to training differ in the last bits.
    # While the output biases trained on their round-off gradient, Adam turned one ulp
    # into a 1-5 % move of the embeddings after a few steps (issue 21).
    X = small_tabular[0] if kind == "tabular" else small_series[0]
    params = {**(FAST if kind == "tabular" else FAST_TS), "max_epochs": 6,
              "early_stopping": False}
    if kind == "tabular":
        params["n_layers"] = 3  # the pinned case's depth, where one ulp moved it by 2 %
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        Z = ExpCLREmbedder(**params).fit(X).transform(X)
        Z_ulp = ExpCLREmbedder(**params).fit(_one_float32_ulp(X)).transform(X)
    finally:
        torch.set_num_threads(threads)
    assert np.abs(Z_ulp - Z).max() < 1e-5 * np.abs(Z).max()


def test_tabular_with_callable_and_early_stopping(small_tabular):
    X, _ = small_tabular
    emb = ExpCLREmbedder(**{**FAST, "max_epochs": 30}, expert_features=first_two).fit(X)
    assert emb.input_type_ == "tabular" and emb.n_expert_features_ == 2
    assert len(emb.validation_loss_curve_) == emb.n_iter_
    assert emb.transform(X).shape == (60, 8)


def test_unsupervised_similarity_is_the_expert_one(small_tabular, record_similarity):
    X, _ = small_tabular
    ExpCLREmbedder(**{**FAST, "batch_size": 60}, early_stopping=False,
                   expert_features=first_two).fit(X)
    s = record_similarity[0]
    assert s.shape == (60, 60)
    # A full batch is a permutation of the rows: the similarity values are the expert ones.
    Fz = (X[:, :2] - X[:, :2].mean(0)) / X[:, :2].std(0)
    expected = expert_similarity(torch.from_numpy(Fz))
    np.testing.assert_allclose(np.sort(s.numpy().ravel()), np.sort(expected.numpy().ravel()),
                               atol=1e-12)


def test_labels_override_the_similarity_of_labelled_pairs(small_tabular, record_similarity):
    X, y = small_tabular
    y_partial = np.where(np.arange(60) % 3 == 0, np.nan, y.astype(float))
    ExpCLREmbedder(**{**FAST, "batch_size": 60}, early_stopping=False,
                   expert_features=first_two).fit(X, y_partial)
    Fz = (X[:, :2] - X[:, :2].mean(0)) / X[:, :2].std(0)
    unsupervised_values = np.sort(expert_similarity(torch.from_numpy(Fz)).numpy().ravel())
    s = record_similarity[0].numpy()
    # Entries that are neither 0 nor 1 come from pairs involving an unlabelled sample...
    soft = s[(s > 0) & (s < 1)]
    assert soft.size > 0 and np.isin(soft, unsupervised_values).all()
    # ...and there are exactly as many exact 1s and 0s as labelled same/different pairs
    # (plus the expert ones among the others).
    known = ~np.isnan(y_partial)
    labels = y_partial[known]
    same = (labels[:, None] == labels[None, :]).sum()
    assert (s == 1).sum() >= same
    assert (s == 0).sum() >= (labels[:, None] != labels[None, :]).sum()


def test_fully_labelled_similarity_is_label_agreement(small_tabular, record_similarity):
    X, y = small_tabular
    emb = ExpCLREmbedder(**{**FAST, "batch_size": 60}, early_stopping=False,
                         expert_features=first_two).fit(X, y)
    s = record_similarity[0].numpy()
    assert set(np.unique(s)) == {0.0, 1.0}
    # Rows are a permutation: same-class pairs sum to sum_k n_k^2.
    assert (s == 1).sum() == (np.bincount(y) ** 2).sum()
    assert emb.n_labelled_ == 60 and list(emb.classes_) == [0, 1]


def test_minus_one_is_a_class_not_a_missing_label(small_series):
    X, y = small_series
    emb = ExpCLREmbedder(**FAST_TS).fit(X, np.where(y == 0, -1, 1))
    assert list(emb.classes_) == [-1, 1] and emb.n_labelled_ == 24
    emb = ExpCLREmbedder(**FAST_TS).fit(X, np.array(["a", None, "b", None] * 6, object))
    assert list(emb.classes_) == ["a", "b"] and emb.n_labelled_ == 12


def test_quadratic_changes_the_fit(small_series):
    X, _ = small_series
    a = ExpCLREmbedder(**FAST_TS).fit(X).transform(X)
    b = ExpCLREmbedder(**FAST_TS, quadratic=True).fit(X).transform(X)
    assert not np.allclose(a, b)


def test_input_never_modified(small_series):
    X, y = small_series
    X = X.copy()
    X[1, 0, 4:9] = np.nan
    X_copy = X.copy()
    y_float = y.astype(float)
    y_float[0] = np.nan
    y_copy = y_float.copy()
    ExpCLREmbedder(**FAST_TS).fit(X, y_float).transform(X)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y_float, y_copy)
    df = pd.DataFrame(X[:, 0])
    df_copy = df.copy()
    ExpCLREmbedder(**FAST_TS, input_type="time_series").fit(df).transform(df)
    pd.testing.assert_frame_equal(df, df_copy)


@pytest.mark.parametrize(
    "params, make_y, match",
    [
        ({"expert_features": lambda X: np.where(X[:, :2] > 1.5, np.nan, X[:, :2])}, None,
         "non-finite"),
        ({"expert_features": lambda X: np.where(X[:, :2] > 1.5, np.inf, X[:, :2])}, None,
         "non-finite"),
        ({"expert_features": lambda X: X[:-1, :2]}, None, "59 rows for 60 samples"),
        ({"expert_features": lambda X: X[:, 0]}, None, "2-D array"),
        ({"expert_features": lambda X: [["a"]] * len(X)}, None, "numeric array"),
        ({"expert_features": first_two, "delta": 0}, None, "delta"),
        ({"expert_features": first_two, "delta": -1.0}, None, "delta"),
        ({"expert_features": first_two, "temperature": 0}, None, "temperature"),
        ({"expert_features": "mean"}, None, "expert_features"),
        ({"expert_features": first_two}, lambda y: np.zeros_like(y), "single class"),
        ({"expert_features": first_two}, lambda y: np.full(y.size, np.nan), "no known label"),
        ({"expert_features": first_two}, lambda y: np.r_[y[:-1], np.nan] * 0, "single class"),
        ({"expert_features": first_two}, lambda y: y[:-2], "inconsistent numbers"),
    ],
)
def test_bad_input_fails_before_training(small_tabular, params, make_y, match):
    X, y = small_tabular
    spy = TrainingSpy()
    with pytest.raises((ValueError, TypeError), match=match):
        ExpCLREmbedder(**{**FAST, **params}, callbacks=[spy]).fit(
            X, None if make_y is None else make_y(y)
        )
    assert spy.started == 0


def test_tabular_default_experts_are_the_standardised_rows(small_tabular, monkeypatch):
    X, _ = small_tabular
    from skcontrast.embedders import expclr as expclr_module

    seen = []
    original = expclr_module.expert_similarity

    def recording(features, **kwargs):
        seen.append(features)
        return original(features, **kwargs)

    monkeypatch.setattr(expclr_module, "expert_similarity", recording)
    emb = ExpCLREmbedder(**FAST).fit(X)
    assert emb.n_expert_features_ == X.shape[1]
    standardised = (X - X.mean(axis=0)) / X.std(axis=0)
    # Standardised experts are the standardised rows (up to float32 rounding).
    np.testing.assert_allclose(emb.expert_mean_, 0, atol=1e-6)
    np.testing.assert_allclose(emb.expert_scale_, 1, atol=1e-5)
    rows = {tuple(np.round(r, 4)) for r in standardised}
    assert all(tuple(np.round(r, 4)) in rows for r in seen[0].cpu().numpy())


def test_series_with_an_empty_channel_fails_before_training(small_series):
    X, _ = small_series
    X2 = np.concatenate([X, X], axis=1)
    # Each channel of series 3 is half observed, but no timestamp has both channels.
    X2[3, 0, ::2] = np.nan
    X2[3, 1, 1::2] = np.nan
    spy = TrainingSpy()
    with pytest.raises(ValueError, match="no observed timestamp"):
        ExpCLREmbedder(**FAST_TS, callbacks=[spy]).fit(X2)
    assert spy.started == 0
