import pickle

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skcontrast import TS2VecEmbedder
from skcontrast.datasets import make_ts_classification
from skcontrast.encoders import PooledSeriesEncoder

from ._helpers import TrainingSpy

FAST = dict(n_components=8, hidden_size=8, depth=2, n_iters=4, batch_size=4, device="cpu",
            random_state=0)


@pytest.fixture
def series():
    X, y = make_ts_classification(n_samples=24, n_timesteps=40, n_channels=2, random_state=0)
    return X, y


def test_shapes_2d_and_3d(series):
    X, _ = series
    assert TS2VecEmbedder(**FAST).fit(X).transform(X).shape == (24, 8)
    X2 = X[:, 0, :]
    emb = TS2VecEmbedder(**FAST).fit(X2)
    assert emb.n_features_in_ == 1
    # 2-D input is the same as univariate 3-D input.
    np.testing.assert_array_equal(emb.transform(X2), emb.transform(X2[:, None, :]))
    # Any length at transform.
    assert emb.transform(X2[:, :25]).shape == (24, 8)


def test_deterministic_and_seed_dependent(series):
    X, _ = series
    a = TS2VecEmbedder(**FAST).fit(X).transform(X)
    b = TS2VecEmbedder(**FAST).fit(X).transform(X)
    c = TS2VecEmbedder(**{**FAST, "random_state": 1}).fit(X).transform(X)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_refit_forgets(series):
    X, _ = series
    fresh = TS2VecEmbedder(**FAST).fit(X[:, :, ::-1]).transform(X)
    reused = TS2VecEmbedder(**FAST).fit(X).fit(X[:, :, ::-1]).transform(X)
    np.testing.assert_array_equal(fresh, reused)


def test_global_rng_untouched(series):
    X, _ = series
    state = torch.random.get_rng_state()
    TS2VecEmbedder(**FAST).fit(X).transform(X)
    assert torch.equal(state, torch.random.get_rng_state())


def test_n_iters_auto_rule():
    emb = TS2VecEmbedder()
    assert emb._training_budget(np.zeros((100, 1, 1000))) == (None, 200)  # N*T*C = 100_000
    assert emb._training_budget(np.zeros((100, 1, 1001))) == (None, 600)
    assert emb._training_budget(np.zeros((50, 2, 1001))) == (None, 600)  # elements, not N
    assert TS2VecEmbedder(max_epochs=3)._training_budget(np.zeros((5, 1, 10))) == (3, None)
    assert TS2VecEmbedder(n_iters=7)._training_budget(np.zeros((5, 1, 10))) == (None, 7)
    assert not hasattr(emb, "n_iters_")  # a query hook stores nothing


def test_trains_the_requested_steps_and_loss_decreases(series):
    X, _ = series
    emb = TS2VecEmbedder(**{**FAST, "n_iters": 60}).fit(X)
    assert emb.n_steps_ == 60 and emb.n_iters_ == 60
    # 24 series, batches of 4 with the last incomplete batch dropped: 6 steps per epoch.
    assert emb.n_iter_ == 10
    assert np.mean(emb.loss_curve_[-3:]) < emb.loss_curve_[0]


def test_missing_values_and_variable_length(series):
    X, _ = series
    Xm = X.copy()
    Xm[::3, :, 30:] = np.nan  # shorter series, NaN-padded
    Xm[1, 0, 5] = np.nan  # one channel missing -> the timestamp is missing
    before = Xm.copy()
    emb = TS2VecEmbedder(**FAST, pooling="observed").fit(Xm)
    Z = emb.transform(Xm)
    np.testing.assert_array_equal(Xm, before)  # never mutated
    assert np.isfinite(Z).all()
    # "observed" pooling is the max over observed timestamps of the per-timestamp output;
    # "all" (the reference) also lets the outputs at missing timestamps compete.
    with torch.no_grad():
        h = emb.encoder_(torch.from_numpy(Xm.transpose(0, 2, 1).astype(np.float32))).numpy()
    observed = ~np.isnan(Xm).any(axis=1)
    expected = np.stack([h[i][observed[i]].max(axis=0) for i in range(len(h))])
    np.testing.assert_allclose(Z, expected, rtol=1e-6)
    np.testing.assert_allclose(emb.set_params(pooling="all").transform(Xm), h.max(axis=1),
                               rtol=1e-6)


def test_pooling_options_agree_on_complete_series(series):
    X, _ = series
    emb = TS2VecEmbedder(**FAST).fit(X)
    default = emb.transform(X)
    emb.set_params(pooling="observed")
    np.testing.assert_array_equal(emb.transform(X), default)


def test_multiscale_width_and_first_block_is_full_series(series):
    X, _ = series
    emb = TS2VecEmbedder(**FAST, encoding_window="multiscale").fit(X)
    Z = emb.transform(X)
    assert Z.shape == (24, 8 * 7)
    assert emb.get_feature_names_out().shape == (56,)
    emb.set_params(encoding_window="full_series")
    np.testing.assert_array_equal(Z[:, :8], emb.transform(X))


def test_long_series_are_split_and_cropped():
    X, _ = make_ts_classification(n_samples=6, n_timesteps=130, random_state=1)
    emb = TS2VecEmbedder(**{**FAST, "max_train_length": 40}).fit(X)
    assert emb.transform(X).shape == (6, 8)


def test_transform_is_batched(series, monkeypatch):
    X, _ = series
    emb = TS2VecEmbedder(**FAST, inference_batch_size=5).fit(X)
    full = emb.transform(X)
    sizes = []
    original = PooledSeriesEncoder.forward

    def spy(self, batch, generator=None):
        sizes.append(batch.shape[0])
        return original(self, batch, generator)

    monkeypatch.setattr(PooledSeriesEncoder, "forward", spy)
    np.testing.assert_allclose(emb.transform(X), full, rtol=1e-5, atol=1e-6)
    assert max(sizes) == 5 and sum(sizes) == 24


def test_pipeline_grid_search_2d_and_3d(series):
    X, y = series
    for data in (X, X[:, 0, :]):
        pipe = Pipeline([("emb", TS2VecEmbedder(**FAST)), ("clf", LogisticRegression())])
        grid = GridSearchCV(pipe, {"emb__batch_size": [4, 8], "emb__n_components": [4, 8]},
                            cv=2).fit(data, y)
        assert len(grid.cv_results_["params"]) == 4
        assert grid.predict(data).shape == (24,)


@pytest.mark.parametrize(
    "make_X, exc, match",
    [
        (lambda X: X[..., None], ValueError, "4-D input"),
        (lambda X: X[0, 0], ValueError, "1-D input"),
        (lambda X: np.full_like(X, np.nan), ValueError, "only NaN"),
        (lambda X: np.where(X > 1, np.inf, X), ValueError, "infinity"),
        (lambda X: X[:1], ValueError, "1 sample"),
        (lambda X: X[:, :, :1], ValueError, "too short"),
        (lambda X: X.astype(str).astype(object) + "x", TypeError, "numeric"),
    ],
    ids=["4d", "1d", "all-nan", "inf", "one-sample", "length-1", "strings"],
)
def test_bad_input_before_training(series, make_X, exc, match):
    X, _ = series
    spy = TrainingSpy()
    with pytest.raises(exc, match=match):
        TS2VecEmbedder(**FAST, callbacks=[spy]).fit(make_X(X))
    assert spy.started == 0


def test_bad_input_at_transform(series):
    X, _ = series
    emb = TS2VecEmbedder(**FAST).fit(X)
    with pytest.raises(ValueError, match="X has 1 channels, but TS2VecEmbedder is expecting 2"):
        emb.transform(X[:, :1])
    with pytest.raises(ValueError, match="4-D input"):
        emb.transform(X[..., None])
    Xm = X.copy()
    Xm[3] = np.nan
    with pytest.raises(ValueError, match=r"Series \[3\] have no observed timestamp"):
        emb.transform(Xm)


@pytest.mark.parametrize(
    "params, match",
    [({"n_iters": 0}, "n_iters"), ({"n_iters": "many"}, "n_iters"),
     ({"encoding_window": 5}, "encoding_window"), ({"batch_size": 1}, "batch_size"),
     ({"pooling": "mean"}, "pooling"), ({"temporal_unit": -1}, "temporal_unit")],
)
def test_bad_parameters(series, params, match):
    with pytest.raises(ValueError, match=match):
        TS2VecEmbedder(**{**FAST, **params}).fit(series[0])


def test_all_missing_series_are_dropped_in_fit(series):
    X, _ = series
    Xm = X.copy()
    Xm[0] = np.nan
    emb = TS2VecEmbedder(**FAST).fit(Xm)
    assert np.isfinite(emb.transform(X)).all()


@pytest.mark.gpu
def test_cuda(series):
    X, _ = series
    emb = TS2VecEmbedder(**{**FAST, "device": "cuda"}).fit(X)
    restored = pickle.loads(pickle.dumps(emb))
    np.testing.assert_allclose(restored.transform(X), emb.transform(X), atol=1e-4)


def test_host_counted_average_is_swa():
    # The accelerator path's SWA update (count on the host) is the running mean of the
    # weights (exactly: AveragedModel rounds its weight 1 / (n + 1) to float32).
    from torch.optim.swa_utils import AveragedModel, get_swa_multi_avg_fn

    from skcontrast.embedders.ts2vec import _host_counted_average

    gen = torch.Generator().manual_seed(0)
    model = torch.nn.Linear(3, 2).double()
    plain = AveragedModel(model, multi_avg_fn=get_swa_multi_avg_fn())
    hosted = AveragedModel(model, multi_avg_fn=get_swa_multi_avg_fn())
    plain.update_parameters(model)
    hosted.update_parameters(model)
    snapshots = [[p.detach().clone() for p in model.parameters()]]
    update = _host_counted_average(hosted, model)
    for _ in range(5):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn(p.shape, generator=gen, dtype=p.dtype))
        snapshots.append([p.detach().clone() for p in model.parameters()])
        plain.update_parameters(model)
        update()
    means = [torch.stack(column).mean(0) for column in zip(*snapshots)]
    for got, ref, mean in zip(hosted.module.parameters(), plain.module.parameters(), means,
                              strict=True):
        torch.testing.assert_close(got, mean, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(ref, mean, rtol=1e-6, atol=1e-6)
    assert int(hosted.n_averaged) == int(plain.n_averaged) == 6
