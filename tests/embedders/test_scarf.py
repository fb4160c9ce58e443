import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast import SCARFEmbedder, TrainingDivergedError
from skcontrast.callbacks import Callback, LossRecorder

from ._helpers import TrainingSpy

FAST = dict(n_components=8, hidden_size=16, max_epochs=3, batch_size=16, device="cpu",
            random_state=0)


def test_same_seed_bit_identical_different_seed_different(small_tabular):
    X, _ = small_tabular
    a = SCARFEmbedder(**FAST).fit(X).transform(X)
    b = SCARFEmbedder(**FAST).fit(X).transform(X)
    c = SCARFEmbedder(**{**FAST, "random_state": 1}).fit(X).transform(X)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_global_rngs_untouched(small_tabular):
    X, _ = small_tabular
    # Reading the legacy global state is the point: it must not change.
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()  # noqa: NPY002
    SCARFEmbedder(**FAST).fit(X).transform(X)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])  # noqa: NPY002


def test_refit_forgets_previous_fit(small_tabular):
    X, _ = small_tabular
    X2 = X[:, ::-1] * 3.0
    fresh = SCARFEmbedder(**FAST).fit(X2).transform(X2)
    reused = SCARFEmbedder(**FAST).fit(X).fit(X2).transform(X2)
    assert np.array_equal(fresh, reused)


def test_fit_attributes_and_shapes(small_tabular):
    X, _ = small_tabular
    emb = SCARFEmbedder(**{**FAST, "max_epochs": 50, "n_iter_no_change": 2}).fit(X)
    Z = emb.transform(X)
    assert Z.shape == (60, 6 + 8) and Z.dtype == np.float32
    # include_input: the standardised row first, then f(x).
    np.testing.assert_allclose(Z[:, :6], (X - X.mean(axis=0)) / X.std(axis=0), rtol=1e-5,
                               atol=1e-6)
    assert SCARFEmbedder(**FAST, include_input=False).fit(X).transform(X).shape == (60, 8)
    assert emb.n_features_in_ == 6
    assert emb.n_corrupted_features_ == 3
    assert len(emb.loss_curve_) == emb.n_iter_ == len(emb.validation_loss_curve_)
    # Early stopping: stopped 2 epochs after the best one and kept the best weights.
    assert emb.n_iter_ < 50
    assert emb.n_iter_ - emb.best_epoch_ == 2
    assert emb.validation_loss_curve_[emb.best_epoch_ - 1] == min(emb.validation_loss_curve_)
    assert emb.n_steps_ > 0 and emb.device_ == "cpu"
    np.testing.assert_allclose(emb.mean_, X.mean(axis=0))


def test_standardisation_makes_scale_irrelevant(small_tabular):
    X, _ = small_tabular
    a = SCARFEmbedder(**FAST).fit(X).transform(X)
    b = SCARFEmbedder(**FAST).fit(X * 1000 + 5).transform(X * 1000 + 5)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_training_reduces_the_loss(breast_cancer):
    X, _ = breast_cancer
    emb = SCARFEmbedder(max_epochs=8, early_stopping=False, random_state=0).fit(X)
    assert emb.loss_curve_[-1] < emb.loss_curve_[0] - 0.3


def test_training_beats_the_untrained_control():
    # An untrained random MLP is a strong feature extractor (0.95 with a logistic probe on
    # breast_cancer), so "useful" means: better than the same encoder left untrained.
    X, y = load_digits(return_X_y=True)
    trained = untrained = 0.0
    for seed in range(3):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y,
                                              random_state=seed)
        for fitted, total in ((SCARFEmbedder(random_state=seed).fit(Xtr), "trained"),
                              (SCARFEmbedder(random_state=seed).initialize(Xtr), "untrained")):
            probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
            score = probe.fit(fitted.transform(Xtr), ytr).score(fitted.transform(Xte), yte)
            if total == "trained":
                trained += score / 3
            else:
                untrained += score / 3
    assert trained > untrained


def test_grid_search_pipeline_refits(breast_cancer):
    X, y = breast_cancer
    pipe = Pipeline([
        ("scarf", SCARFEmbedder(n_components=16, hidden_size=32, max_epochs=2, random_state=0)),
        ("clf", LogisticRegression(max_iter=500)),
    ])
    grid = GridSearchCV(
        pipe, {"scarf__corruption_rate": [0.3, 0.6, 0.9], "scarf__batch_size": [32, 128]},
        cv=3, n_jobs=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 6
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.best_estimator_.named_steps["scarf"].n_iter_ >= 1
    assert grid.score(X, y) > 0.8


def test_pandas_output_survives_pickling(small_tabular):
    X, _ = small_tabular
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    emb = SCARFEmbedder(**FAST).set_output(transform="pandas")
    out = emb.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [*df.columns, *[f"scarfembedder{i}" for i in range(8)]]
    assert list(emb.feature_names_in_) == list(df.columns)
    restored = pickle.loads(pickle.dumps(emb))
    pd.testing.assert_frame_equal(restored.transform(df), out)  # the output setting too


def test_inference_is_batched_and_batch_size_invariant(small_tabular):
    X, _ = small_tabular
    emb = SCARFEmbedder(**FAST).fit(X)
    full = emb.transform(X)
    emb.set_params(inference_batch_size=7)
    np.testing.assert_allclose(emb.transform(X), full, rtol=1e-5, atol=1e-6)


def test_callbacks_and_verbose(small_tabular, caplog):
    X, _ = small_tabular
    recorder, calls = LossRecorder(), []

    def stop_after_two(net):
        calls.append(len(net.history))
        return len(net.history) == 2

    with caplog.at_level("INFO", logger="skcontrast"):
        emb = SCARFEmbedder(**{**FAST, "max_epochs": 10}, callbacks=[recorder, stop_after_two],
                            verbose=2).fit(X)
    assert emb.n_iter_ == 2 and calls == [1, 2]
    assert [r["epoch"] for r in recorder.records_] == [1, 2]
    assert "epoch 1" in caplog.text and "train_loss" in caplog.text


def test_input_never_modified(small_tabular):
    X, _ = small_tabular
    X_copy = X.copy()
    df = pd.DataFrame(X)
    df_copy = df.copy()
    emb = SCARFEmbedder(**FAST).fit(X)
    emb.transform(X)
    SCARFEmbedder(**FAST).fit(df).transform(df)
    np.testing.assert_array_equal(X, X_copy)
    pd.testing.assert_frame_equal(df, df_copy)


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), "NaN.*imput"),
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X), "infinity"),
        (lambda X: X[:0], "0 sample"),
        (lambda X: X[:1], "1 sample"),
        (lambda X: pd.DataFrame({"a": X[:, 0], "b": np.nan}).assign(c=["x"] * len(X)),
         "NaN in the numeric column 'b'"),
        (lambda X: X[:, :0], "0 feature"),
    ],
    ids=["nan", "inf", "empty", "one-sample", "nan-in-mixed-frame", "no-features"],
)
def test_bad_input_fails_before_training(small_tabular, make_X, match):
    X, _ = small_tabular
    spy = TrainingSpy()
    with pytest.raises(ValueError, match=match):
        SCARFEmbedder(**FAST, callbacks=[spy]).fit(make_X(X))
    assert spy.started == 0


@pytest.mark.parametrize(
    "params, match",
    [
        ({"corruption_rate": 0.0}, "corruption_rate"),
        ({"corruption_rate": 1.0}, "corruption_rate"),
        ({"corruption_rate": -0.2}, "corruption_rate"),
        ({"batch_size": 1}, "batch_size"),
        ({"temperature": 0}, "temperature"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"device": "tpu"}, "tpu"),
    ],
)
def test_bad_parameters_fail_before_training(small_tabular, params, match):
    X, _ = small_tabular
    spy = TrainingSpy()
    with pytest.raises(ValueError, match=match):
        SCARFEmbedder(**{**FAST, **params}, callbacks=[spy]).fit(X)
    assert spy.started == 0


def test_cuda_requested_without_cuda(small_tabular):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available")
    with pytest.raises(ValueError, match="no such CUDA device; available: \\['cpu'"):
        SCARFEmbedder(**{**FAST, "device": "cuda"}).fit(small_tabular[0])


def test_too_few_rows_for_early_stopping_train_without_it():
    X = np.random.RandomState(0).normal(size=(5, 4))
    with pytest.warns(UserWarning, match="without early stopping"):
        emb = SCARFEmbedder(**FAST).fit(X)
    assert emb.n_iter_ == FAST["max_epochs"] and emb.best_epoch_ is None
    assert emb.validation_loss_curve_ == []
    assert SCARFEmbedder(**FAST, early_stopping=False).fit(X).transform(X).shape == (5, 4 + 8)


def test_wrong_number_of_features_at_transform(small_tabular):
    X, _ = small_tabular
    emb = SCARFEmbedder(**FAST).fit(X)
    with pytest.raises(ValueError, match="X has 5 features, but SCARFEmbedder is expecting 6"):
        emb.transform(X[:, :5])


def test_zero_corrupted_features_warns():
    X = np.random.RandomState(0).normal(size=(30, 1))
    with pytest.warns(UserWarning, match="0 features") as record:
        SCARFEmbedder(**FAST).fit(X)
    assert record[0].filename == __file__  # the warning points at the caller's fit


def test_diverging_loss_raises_instead_of_nan(small_tabular, monkeypatch):
    from skcontrast.encoders import mlp

    created = []
    original = mlp.MLP.__init__

    def recording_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(mlp.MLP, "__init__", recording_init)
    X, _ = small_tabular

    class Poison(Callback):
        """Simulate a blow-up: after an epoch one encoder weight becomes infinite."""

        def on_epoch_end(self, net, **kwargs):
            with torch.no_grad():
                created[0][0].weight[0, 0] = float("inf")

    with pytest.raises(TrainingDivergedError, match="diverged.*learning_rate"):
        SCARFEmbedder(**{**FAST, "max_epochs": 5}, callbacks=[Poison()]).fit(X)


def test_float32_overflow_is_an_input_error(small_tabular):
    X, _ = small_tabular
    with pytest.raises(ValueError, match="float32"):
        SCARFEmbedder(**FAST, standardize=False).fit(X * 1e39)


@pytest.mark.gpu
def test_cuda_fit_transform_and_cpu_unpickle(small_tabular):
    X, _ = small_tabular
    emb = SCARFEmbedder(**{**FAST, "device": "cuda"}).fit(X)
    assert emb.device_.startswith("cuda")
    restored = pickle.loads(pickle.dumps(emb))
    assert all(p.device.type == "cpu" for p in restored.__getstate__()["encoder_"].parameters())
    np.testing.assert_allclose(restored.transform(X), emb.transform(X), atol=1e-4)
