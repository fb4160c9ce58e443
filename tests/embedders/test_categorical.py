"""Tabular embedders on DataFrames with categorical columns: one-hot inside, corrupted whole."""

import numpy as np
import pandas as pd
import pytest
import torch

from skcontrast import ExpCLREmbedder, FineTunedClassifier, SCARFEmbedder, SupConEmbedder
from skcontrast.augmentations.corruption import MarginalCorruption

FAST = dict(n_components=8, hidden_size=16, max_epochs=3, batch_size=16, device="cpu",
            random_state=0)


@pytest.fixture
def frame():
    rng = np.random.RandomState(0)
    n = 80
    df = pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "city": pd.Categorical(rng.choice(["paris", "oslo", "rome"], n)),
        "plan": rng.choice(["basic", "pro"], n).astype(object),
        "score": rng.normal(size=n),
        "member": rng.rand(n) > 0.5,
    })
    df.loc[::7, "city"] = None  # a missing category is a category of its own
    y = (df["age"] > 40).astype(int).to_numpy()
    return df, y


def test_categorical_columns_are_one_hot_encoded(frame):
    X, _ = frame
    emb = SCARFEmbedder(**FAST, early_stopping=False).fit(X)
    assert emb.n_features_in_ == 5 and list(emb.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(emb.categorical_features_, [False, True, True, False, False])
    assert emb.categories_[1].tolist() == ["<NA>", "oslo", "paris", "rome"]
    assert emb.categories_[2].tolist() == ["basic", "pro"] and emb.categories_[0] is None
    data = emb.preprocess(X)
    assert data.shape == (80, 1 + 4 + 2 + 1 + 1)
    np.testing.assert_array_equal(data[:, 1:5].sum(axis=1), 1.0)
    np.testing.assert_allclose(data[:, 0], (X["age"] - X["age"].mean()) / X["age"].std(ddof=0),
                               rtol=1e-5)
    np.testing.assert_array_equal(emb._feature_groups(), [0, 1, 1, 1, 1, 2, 2, 3, 4])
    Z = emb.transform(X)
    assert Z.shape == (80, 9 + 8) and np.isfinite(Z).all()
    assert list(emb.get_feature_names_out()[:9]) == [
        "age", "city_<NA>", "city_oslo", "city_paris", "city_rome", "plan_basic", "plan_pro",
        "score", "member"]


def test_unseen_categories_encode_as_zeros(frame):
    X, _ = frame
    emb = SCARFEmbedder(**FAST, early_stopping=False).fit(X)
    new = X.iloc[:3].copy()
    new["plan"] = ["enterprise", "basic", "pro"]
    data = emb.preprocess(new)
    np.testing.assert_array_equal(data[0, 5:7], [0, 0])
    assert np.isfinite(emb.transform(new)).all()


def test_training_views_corrupt_whole_categorical_cells(frame, monkeypatch):
    X, _ = frame
    views = []
    original = MarginalCorruption.forward

    def recording(self, x, *, generator):
        out = original(self, x, generator=generator)
        views.append(out.detach().clone())
        return out

    monkeypatch.setattr(MarginalCorruption, "forward", recording)
    SCARFEmbedder(**FAST, corruption_rate=0.8).fit(X)
    assert views
    for view in views:
        # Every corrupted row is a valid row: each one-hot block still has a single 1.
        torch.testing.assert_close(view[:, 1:5].sum(dim=1), torch.ones(len(view)))
        torch.testing.assert_close(view[:, 5:7].sum(dim=1), torch.ones(len(view)))


@pytest.mark.parametrize("make", [
    lambda: SupConEmbedder(**FAST, n_layers=2, projection_size=8),
    lambda: ExpCLREmbedder(**FAST, expert_features=lambda F: F[["age", "score"]].to_numpy()),
    lambda: FineTunedClassifier(SCARFEmbedder(**FAST), max_epochs=3, random_state=0),
], ids=["supcon", "expclr", "finetune"])
def test_every_tabular_estimator_takes_categorical_frames(frame, make):
    X, y = frame
    model = make().fit(X, y)
    out = model.predict_proba(X) if hasattr(model, "predict_proba") else model.transform(X)
    assert len(out) == 80 and np.isfinite(out).all()


def test_supcon_noise_leaves_one_hot_columns_alone(frame, monkeypatch):
    X, y = frame
    from skcontrast.embedders import supcon as supcon_module

    sigmas = []
    original = supcon_module.gaussian_noise

    def recording(x, sigma, generator):
        sigmas.append(sigma)
        return original(x, sigma, generator)

    monkeypatch.setattr(supcon_module, "gaussian_noise", recording)
    SupConEmbedder(**FAST, n_layers=2, noise_std=0.2).fit(X, y)
    np.testing.assert_allclose(sigmas[0].numpy(), [0.2, 0, 0, 0, 0, 0, 0, 0.2, 0.2])


def test_numeric_frames_take_the_array_path(frame):
    X, _ = frame
    numeric = X[["age", "score"]]
    a = SCARFEmbedder(**FAST).fit(numeric).transform(numeric)
    b = SCARFEmbedder(**FAST).fit(numeric.to_numpy()).transform(numeric.to_numpy())
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("change, error, match", [
    (lambda X: X.to_numpy(), TypeError, "DataFrame with the same columns"),
    (lambda X: X.drop(columns="score"), ValueError, "missing:\n- score"),
    (lambda X: X.assign(plan=np.arange(len(X))), ValueError, "'plan' was categorical"),
    (lambda X: X.assign(age=np.nan), ValueError, "NaN in the numeric column 'age'.*Imputer"),
    (lambda X: X.assign(age=np.inf), ValueError, "infinity in the column 'age'"),
], ids=["array", "columns", "kind", "nan", "inf"])
def test_transform_errors_name_the_column(frame, change, error, match):
    X, _ = frame
    emb = SCARFEmbedder(**FAST, early_stopping=False).fit(X)
    with pytest.raises(error, match=match):
        emb.transform(change(X))


def test_date_columns_are_refused_before_training(frame):
    X, _ = frame
    X = X.assign(when=pd.date_range("2020-01-01", periods=len(X)))
    with pytest.raises(TypeError, match="'when'.*dt.hour"):
        SCARFEmbedder(**FAST).fit(X)
