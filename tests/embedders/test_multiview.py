"""MultiViewEmbedder: CLIP-style training across column groups of one table."""

import numpy as np
import pandas as pd
import pytest
import torch

from skcontrast import MultiViewEmbedder, SCARFEmbedder
from skcontrast.losses import clip_loss
from skcontrast.metrics import cross_view_retrieval

from ._helpers import TrainingSpy

FAST = dict(n_components=8, hidden_size=32, n_layers=2, max_epochs=15, random_state=0)


def two_views(n=240, seed=0, noise=0.1):
    """Two column groups driven by one 3-d latent (non-linearly), plus noise."""
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n, 3))
    a = np.tanh(latent @ rng.normal(size=(3, 5))) + noise * rng.normal(size=(n, 5))
    b = (latent @ rng.normal(size=(3, 4))) ** 2 + noise * rng.normal(size=(n, 4))
    return np.hstack([a, b])


X = two_views()
VIEWS = [list(range(5)), list(range(5, 9))]


@pytest.fixture(scope="module")
def fitted():
    # The default network, trained to early stopping (about 30 epochs here).
    return MultiViewEmbedder(views=VIEWS, random_state=0).fit(X)


def test_transform_is_the_normalised_views_side_by_side(fitted):
    Z = fitted.transform(X)
    assert Z.shape == (240, 64) and Z.dtype == np.float32
    Z_a, Z_b = fitted.transform_views(X)
    np.testing.assert_array_equal(np.hstack([Z_a, Z_b]), Z)
    np.testing.assert_allclose(np.linalg.norm(Z_a, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(Z_b, axis=1), 1, atol=1e-5)
    assert list(fitted.get_feature_names_out()[[0, 32]]) == ["view0_0", "view1_0"]
    assert [list(c) for c in fitted.view_columns_] == VIEWS


def test_the_label_free_score_is_the_effective_rank(fitted):
    from skcontrast.metrics import effective_rank

    assert fitted.score(X) == pytest.approx(effective_rank(fitted.transform(X)))
    assert 1 < fitted.score(X) <= 64


def test_training_aligns_the_views_far_beyond_the_untrained_encoders(fitted):
    untrained = MultiViewEmbedder(views=VIEWS, random_state=0).initialize(X)
    trained = cross_view_retrieval(*fitted.transform_views(X))["mrr"]
    control = cross_view_retrieval(*untrained.transform_views(X))["mrr"]
    assert trained > 0.25 and trained > 5 * control  # chance: about 0.025
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]


def test_one_table_per_view_embeds_as_the_joint_table(fitted):
    Z_a, Z_b = fitted.transform_views(X)
    np.testing.assert_allclose(fitted.transform_view(X[:, 5:], 1), Z_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fitted.transform_view(X[:, :5], 0), Z_a, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="views\\[1\\] has 4 column"):
        fitted.transform_view(X[:, :5], 1)
    with pytest.raises(ValueError, match="view must be an integer in \\[0, 2\\)"):
        fitted.transform_view(X[:, :5], 2)


def test_dataframes_by_name_with_categories():
    rng = np.random.RandomState(1)
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(9)])
    frame["kind"] = pd.Categorical(rng.choice(["x", "y", "z"], len(frame)))
    views = [["c0", "c1", "c2", "kind"], ["c5", "c6", "c7", "c8"]]
    emb = MultiViewEmbedder(views=views, corruption_rate=0.3, **FAST).fit(frame)
    assert [list(c) for c in emb.view_columns_] == [[0, 1, 2, 9], [5, 6, 7, 8]]
    assert len(emb.encoder_.columns[0]) == 3 + 3  # "kind" one-hot encoded
    Z_a, _ = emb.transform_views(frame)
    np.testing.assert_allclose(emb.transform_view(frame[views[0]], 0), Z_a, rtol=1e-5,
                               atol=1e-6)
    out = emb.set_output(transform="pandas").transform(frame)
    assert isinstance(out, pd.DataFrame) and out.shape == (240, 16)


def test_default_views_split_the_columns_in_halves():
    emb = MultiViewEmbedder(max_epochs=2, random_state=0).fit(X)
    assert [list(c) for c in emb.view_columns_] == [list(range(5)), list(range(5, 9))]
    assert emb.transform(X).shape == (240, 64)


def test_three_views_average_every_pair():
    views = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    emb = MultiViewEmbedder(views=views, **{**FAST, "max_epochs": 2}).fit(X)
    assert len(emb.transform_views(X)) == 3
    net = emb.encoder_
    x = torch.from_numpy(emb.preprocess(X[:20]))
    with torch.no_grad():
        views_out = net.views(x)
        expected = np.mean([float(clip_loss([views_out[i], views_out[j]],
                                            temperature=net.temperature()))
                            for i in range(3) for j in range(3) if i < j])
        assert float(clip_loss(views_out, temperature=net.temperature())) == pytest.approx(
            expected, rel=1e-6)


def test_temperature_is_learned_or_fixed():
    learned = MultiViewEmbedder(views=VIEWS, **FAST).fit(X)
    fixed = MultiViewEmbedder(views=VIEWS, learn_temperature=False, **FAST).fit(X)
    assert fixed.temperature_ == pytest.approx(0.1)
    assert learned.temperature_ != pytest.approx(0.1)
    assert learned.temperature_ >= 0.01  # CLIP's clip of the logit scale at 100


def test_same_seed_same_embeddings_and_corruption_changes_them():
    a = MultiViewEmbedder(views=VIEWS, **FAST).fit(X).transform(X)
    b = MultiViewEmbedder(views=VIEWS, **FAST).fit(X).transform(X)
    c = MultiViewEmbedder(views=VIEWS, corruption_rate=0.4, **FAST).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_positive_pairs_are_the_first_two_views(fitted):
    Z1, Z2 = fitted.positive_pairs(X)
    Z_a, Z_b = fitted.transform_views(X)
    np.testing.assert_array_equal(Z1, Z_a)
    np.testing.assert_array_equal(Z2, Z_b)


def test_it_fine_tunes_like_any_embedder():
    from skcontrast import FineTunedClassifier

    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    clf = FineTunedClassifier(MultiViewEmbedder(views=VIEWS, **FAST), max_epochs=5,
                              random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.6


@pytest.mark.parametrize("views, exc, match", [
    ([[0, 1, 2]], ValueError, "at least 2 views"),
    ([[0, 1], [1, 2]], ValueError, "must be disjoint"),
    ([[0, 1], []], ValueError, "views\\[1\\] is empty"),
    ([[0, 1], [9]], ValueError, "position 9, but X has 9 columns"),
    ([[0, 1], ["c3"]], ValueError, "X has no column names"),
    ([[0, 1], [2.5]], TypeError, "names \\(str\\) or integer positions"),
    ([[0, 1], "abc"], TypeError, "must be a list of column names"),
])
def test_bad_views_are_refused_before_training(views, exc, match):
    spy = TrainingSpy()
    emb = MultiViewEmbedder(views=views, callbacks=[spy], **FAST)
    with pytest.raises(exc, match=match):
        emb.fit(X)
    assert spy.started == 0 and not hasattr(emb, "encoder_")


def test_unknown_names_and_a_single_column_are_refused():
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(9)])
    with pytest.raises(ValueError, match="names column 'nope'"):
        MultiViewEmbedder(views=[["c0"], ["nope"]], **FAST).fit(frame)
    with pytest.raises(ValueError, match="1 feature"):
        MultiViewEmbedder(**FAST).fit(X[:, :1])


def test_the_input_is_not_modified():
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(9)])
    copy = frame.copy()
    MultiViewEmbedder(views=[["c0", "c1"], ["c5", "c6"]], **FAST).fit(frame)
    pd.testing.assert_frame_equal(frame, copy)


def test_beats_scarf_on_all_columns_at_matching():
    # The views' shared space is what cross-view matching needs; SCARF on all columns
    # has no view-to-view space at all (each half is embedded with the other half zeroed).
    mv = MultiViewEmbedder(views=VIEWS, **FAST).fit(X)
    scarf = SCARFEmbedder(n_components=8, include_input=False, max_epochs=15,
                          random_state=0).fit(X)
    half_a, half_b = X.copy(), X.copy()
    half_a[:, 5:], half_b[:, :5] = X[:, 5:].mean(0), X[:, :5].mean(0)
    scarf_mrr = cross_view_retrieval(scarf.transform(half_a), scarf.transform(half_b))["mrr"]
    assert cross_view_retrieval(*mv.transform_views(X))["mrr"] > scarf_mrr
