"""The ``loss`` parameters: names, Modules, GridSearchCV, and the defaults kept exact."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from torch import nn

from skcontrast import SCARFEmbedder, SupConEmbedder, TS2VecEmbedder
from skcontrast.losses import (
    LOSSES,
    InfoNCELoss,
    TripletLoss,
    TwoViewSupConLoss,
    hierarchical_contrastive_loss,
    instance_contrastive_loss,
)

FAST = dict(max_epochs=2, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:200], y[:200]


def test_the_default_equals_the_same_loss_given_as_a_module(data):
    X, y = data
    default = SCARFEmbedder(**FAST).fit(X)
    module = SCARFEmbedder(loss=InfoNCELoss(temperature=1.0), **FAST).fit(X)
    np.testing.assert_array_equal(default.transform(X), module.transform(X))
    default = SupConEmbedder(**FAST).fit(X, y)
    module = SupConEmbedder(loss=TwoViewSupConLoss(temperature=0.1), **FAST).fit(X, y)
    np.testing.assert_allclose(default.transform(X), module.transform(X), atol=1e-5)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_named_loss_trains_scarf_and_supcon(data, name):
    X, y = data
    for embedder in (SCARFEmbedder(loss=name, **FAST).fit(X),
                     SupConEmbedder(loss=name, **FAST).fit(X, y)):
        assert np.isfinite(embedder.loss_curve_).all()
        assert np.isfinite(embedder.transform(X)).all()


def test_a_named_loss_takes_the_embedder_temperature(data):
    X, _ = data
    hot = SCARFEmbedder(loss="nt_xent", temperature=0.1, **FAST).fit(X)
    cold = SCARFEmbedder(loss="nt_xent", temperature=1.0, **FAST).fit(X)
    assert hot.loss_curve_[0] != cold.loss_curve_[0]


def test_a_loss_module_is_searchable_and_never_modified(data):
    X, _ = data
    triplet = TripletLoss(margin=0.5)
    search = GridSearchCV(SCARFEmbedder(**FAST), {"loss": ["info_nce", "nt_xent", triplet]},
                          cv=2).fit(X)
    assert len(search.cv_results_["params"]) == 3
    assert triplet.margin == 0.5 and not list(triplet.parameters())


def test_bad_losses_are_refused_before_training(data):
    X, _ = data
    with pytest.raises(ValueError, match="'loss' parameter"):
        SCARFEmbedder(loss="infonce", **FAST).fit(X)
    with pytest.raises(ValueError, match="'instance_loss' parameter"):
        TS2VecEmbedder(instance_loss=lambda a, b: a.sum(), n_iters=1).fit(np.zeros((4, 20)))


class TS2VecInstanceTerm(nn.Module):
    """TS2Vec's own instance term, one timestamp at a time (to test the plumbing)."""

    def forward(self, anchors, positives, labels=None):
        return instance_contrastive_loss(anchors[:, None], positives[:, None])


def test_a_custom_instance_term_is_weighted_like_ts2vec_s_own():
    gen = torch.Generator().manual_seed(0)
    z1 = torch.randn(5, 13, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(5, 13, 4, generator=gen, dtype=torch.float64)
    for alpha in (0.5, 1.0):
        own = hierarchical_contrastive_loss(z1, z2, alpha=alpha)
        custom = hierarchical_contrastive_loss(z1, z2, alpha=alpha,
                                               instance_loss=TS2VecInstanceTerm())
        torch.testing.assert_close(custom, own, rtol=1e-12, atol=1e-12)
    g_own, = torch.autograd.grad(hierarchical_contrastive_loss(z1, z2), z1)
    g_custom, = torch.autograd.grad(
        hierarchical_contrastive_loss(z1, z2, instance_loss=TS2VecInstanceTerm()), z1)
    torch.testing.assert_close(g_custom, g_own, rtol=1e-10, atol=1e-12)


def test_ts2vec_trains_with_another_instance_loss():
    X = np.sin(np.linspace(0, 6, 40))[None, :] * np.arange(1, 9)[:, None]
    emb = TS2VecEmbedder(instance_loss="nt_xent", n_components=8, depth=2, n_iters=3,
                         random_state=0).fit(X)
    default = TS2VecEmbedder(n_components=8, depth=2, n_iters=3, random_state=0).fit(X)
    assert np.isfinite(emb.transform(X)).all()
    assert emb.loss_curve_ != default.loss_curve_
