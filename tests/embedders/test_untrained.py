"""UntrainedEmbedder: the seeded initial encoder, with the embedder's preprocessing."""

import numpy as np
import pandas as pd
import pytest

from skcontrast import SCARFEmbedder, SupConEmbedder, TS2VecEmbedder, UntrainedEmbedder
from skcontrast.callbacks import Callback

FAST = dict(n_components=8, hidden_size=16, max_epochs=2, batch_size=16, early_stopping=False,
            include_input=False, random_state=0)


class NeverTrain(Callback):
    def on_train_begin(self, net, **kwargs):
        raise AssertionError("UntrainedEmbedder must not start training")


def test_encoder_is_the_embedders_initial_encoder(small_tabular):
    X, _ = small_tabular
    control = UntrainedEmbedder(SCARFEmbedder(**FAST, callbacks=[NeverTrain()])).fit(X)
    assert control.embedder_.n_steps_ == 0 and control.embedder_.loss_curve_ == []
    # Adam moves each weight by about the learning rate: at 1e-30 a float32 weight
    # cannot change, so this "trained" embedder keeps its initial weights exactly.
    frozen = SCARFEmbedder(**{**FAST, "learning_rate": 1e-30}).fit(X)
    np.testing.assert_allclose(control.transform(X), frozen.transform(X), rtol=1e-6, atol=1e-7)
    trained = SCARFEmbedder(**FAST).fit(X)
    assert not np.allclose(control.transform(X), trained.transform(X), atol=1e-3)


def test_seeded_and_deterministic(small_tabular):
    X, _ = small_tabular
    a = UntrainedEmbedder(SCARFEmbedder(**FAST)).fit(X).transform(X)
    b = UntrainedEmbedder(SCARFEmbedder(**FAST)).fit(X).transform(X)
    c = UntrainedEmbedder(SCARFEmbedder(**{**FAST, "random_state": 1})).fit(X).transform(X)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_time_series_and_supervised_embedders():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 2, 30))
    X[0, :, 5:9] = np.nan  # missing timestamps are handled as by the embedder itself
    y = np.repeat([0, 1], 6)
    ts = UntrainedEmbedder(TS2VecEmbedder(n_components=6, hidden_size=8, depth=2,
                                          random_state=0)).fit(X)
    Z = ts.transform(X)
    assert Z.shape == (12, 6) and np.isfinite(Z).all()
    sup = UntrainedEmbedder(SupConEmbedder(n_components=5, hidden_size=8, n_layers=1,
                                           random_state=0))
    assert sup.fit(X, y).transform(X).shape == (12, 5)
    with pytest.raises(ValueError, match="y"):
        sup.fit(X)


def test_feature_names_and_pandas_output(small_tabular):
    X, _ = small_tabular
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    control = UntrainedEmbedder(SCARFEmbedder(**FAST)).set_output(transform="pandas").fit(df)
    out = control.transform(df)
    assert list(out.columns) == [f"untrainedembedder{i}" for i in range(8)]
    assert list(control.feature_names_in_) == list(df.columns)
    control.fit(X)  # refit on an array forgets the names
    assert not hasattr(control, "feature_names_in_")


def test_rejects_non_embedders_and_bad_inner_parameters(small_tabular):
    X, _ = small_tabular
    with pytest.raises(TypeError, match="BaseContrastiveEmbedder"):
        UntrainedEmbedder("pca").fit(X)
    with pytest.raises(ValueError, match="corruption_rate"):
        UntrainedEmbedder(SCARFEmbedder(corruption_rate=2.0)).fit(X)
