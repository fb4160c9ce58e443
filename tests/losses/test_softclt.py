"""SoftCLT's soft hierarchical loss against explicit loops over anchors, candidates and levels."""

import math

import numpy as np
import pytest
import torch

from skcontrast import TS2VecEmbedder
from skcontrast.losses import hierarchical_contrastive_loss
from skcontrast.losses.softclt import (
    normalised_series_distances,
    soft_hierarchical_contrastive_loss,
    soft_instance_weights,
    soft_temporal_weights,
)


def _weighted_anchor(vectors, anchor, weights):
    """sum_j w_j * (-log softmax_j) over all vectors but the anchor."""
    others = [j for j in range(len(vectors)) if j != anchor]
    logits = torch.stack([torch.dot(vectors[anchor], vectors[j]) for j in others])
    log_partition = torch.logsumexp(logits, dim=0)
    return sum(weights[j] * (log_partition - logits[k]) for k, j in enumerate(others))


def _slow_groups(z1, z2, weight):
    """Mean of ``_weighted_anchor`` over all anchors; group ``g`` is ``z1[g]`` and ``z2[g]``,
    and ``weight(k, m)`` weighs candidate ``m`` of anchor ``k`` (positions in ``z1[g]``)."""
    n_groups, n, _ = z1.shape
    total = 0.0
    for g in range(n_groups):
        group = [z1[g, k] for k in range(n)] + [z2[g, k] for k in range(n)]
        for a in range(2 * n):
            weights = [weight(a % n, c % n) for c in range(2 * n)]
            total = total + _weighted_anchor(group, a, weights)
    return total / (2 * n * n_groups)


def _slow_instance(z1, z2, W):
    """One group per timestamp (the series), weighted by ``W``."""
    return _slow_groups(z1.transpose(0, 1), z2.transpose(0, 1), lambda i, j: W[i, j])


def _slow_temporal(z1, z2, tau):
    """One group per series (its timestamps), weighted by the timestamps' distance."""

    def weight(t, s):
        w = 2.0 / (1.0 + math.exp(tau * abs(t - s)))
        return 0.0 if w < 1e-6 else w

    return _slow_groups(z1, z2, weight)


def _slow_hierarchical(z1, z2, W, tau, alpha=0.5):
    loss, levels, level = 0.0, 0, 0
    while True:
        levels += 1
        loss = loss + alpha * (_slow_instance(z1, z2, W) if z1.shape[0] > 1 else 0.0)
        if z1.shape[1] == 1:
            break
        loss = loss + (1 - alpha) * _slow_temporal(z1, z2, tau * 2**level)
        pool = torch.nn.functional.max_pool1d
        z1 = pool(z1.transpose(1, 2), 2).transpose(1, 2)
        z2 = pool(z2.transpose(1, 2), 2).transpose(1, 2)
        level += 1
    return loss / levels


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_soft_loss_equals_the_explicit_loops(dtype):
    gen = torch.Generator().manual_seed(0)
    z1 = torch.randn(3, 5, 4, generator=gen, dtype=dtype)
    z2 = torch.randn(3, 5, 4, generator=gen, dtype=dtype)
    W = soft_instance_weights(torch.rand(3, 3, generator=gen, dtype=dtype), tau=2.0)
    fast = soft_hierarchical_contrastive_loss(z1, z2, instance_weights=W, temporal_tau=0.7)
    slow = _slow_hierarchical(z1.double(), z2.double(), W.double(), 0.7)
    rtol = 1e-5 if dtype == torch.float32 else 1e-10
    assert float(fast) == pytest.approx(float(slow), rel=rtol)


def test_hard_targets_give_ts2vecs_loss_and_gradient():
    gen = torch.Generator().manual_seed(1)
    z1 = torch.randn(4, 9, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(4, 9, 3, generator=gen, dtype=torch.float64)
    soft = soft_hierarchical_contrastive_loss(z1, z2, instance_weights=torch.eye(4,
                                              dtype=torch.float64), temporal_tau=1e9)
    (g_soft,) = torch.autograd.grad(soft, z1)
    hard = hierarchical_contrastive_loss(z1, z2)
    (g_hard,) = torch.autograd.grad(hard, z1)
    assert soft.item() == pytest.approx(hard.item(), rel=1e-12)
    torch.testing.assert_close(g_soft, g_hard)
    # With neither option the hard path itself is used.
    neither = soft_hierarchical_contrastive_loss(z1, z2)
    assert neither.item() == pytest.approx(hard.item())


def test_weights_follow_the_papers_formulas():
    D = torch.tensor([[0.0, 0.2], [0.5, 0.0]])
    W = soft_instance_weights(D, tau=3.0, alpha=0.4)
    expected = [[1.0, 0.8 / (1 + math.exp(0.6))], [0.8 / (1 + math.exp(1.5)), 1.0]]
    torch.testing.assert_close(W, torch.tensor(expected))
    T = soft_temporal_weights(40, tau=0.5)
    assert T[0, 0] == 1.0 and T[0, 1] == pytest.approx(2 / (1 + math.exp(0.5)))
    assert T[0, 39] == 0.0  # 2 sigmoid(-19.5) < 1e-6


def test_normalised_distances_follow_the_reference_scaling():
    rng = np.random.RandomState(0)
    series = rng.normal(size=(6, 10))
    d = np.sqrt(((series[:, None] - series[None]) ** 2).sum(-1))
    g = d[~np.eye(6, dtype=bool)].min()
    expected = np.zeros_like(d)
    for j in range(6):
        top = max(d[k, j] for k in range(6))
        for i in range(6):
            if i != j:
                expected[i, j] = (d[i, j] - g) / (top - g)
    got = normalised_series_distances(torch.from_numpy(d))
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)


def test_bad_arguments():
    z = torch.zeros(3, 4, 2)
    with pytest.raises(ValueError, match=r"instance_weights must have shape \(3, 3\)"):
        soft_hierarchical_contrastive_loss(z, z, instance_weights=torch.eye(2))
    with pytest.raises(ValueError, match="temporal_tau"):
        soft_hierarchical_contrastive_loss(z, z, temporal_tau=0.0)
    with pytest.raises(ValueError, match="square"):
        normalised_series_distances(torch.zeros(2, 3))


def _series(n=16, length=40):
    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, length)
    X = np.sin(2 * np.pi * rng.choice([1, 3], n)[:, None] * t) + 0.1 * rng.normal(size=(n, length))
    return X


FAST = dict(n_components=8, hidden_size=8, depth=2, n_iters=4, batch_size=4, device="cpu",
            random_state=0)


def test_ts2vec_soft_options_train_and_are_seeded(monkeypatch):
    from skcontrast.embedders import ts2vec

    X = _series()
    seen = []
    original = ts2vec.soft_hierarchical_contrastive_loss

    def spy(z1, z2, **kwargs):
        seen.append(kwargs)
        return original(z1, z2, **kwargs)

    monkeypatch.setattr(ts2vec, "soft_hierarchical_contrastive_loss", spy)
    params = dict(FAST, soft_instance_tau=5.0, soft_temporal_tau=1.0)
    a = TS2VecEmbedder(**params).fit(X).transform(X)
    b = TS2VecEmbedder(**params).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert len(seen) == 2 * 4 and seen[0]["temporal_tau"] == 1.0
    W = seen[0]["instance_weights"]
    assert W.shape == (4, 4) and torch.all(W.diagonal() == 1) and torch.all(W <= 1)
    hard = TS2VecEmbedder(**FAST).fit(X).transform(X)
    assert not np.allclose(a, hard)


def test_ts2vec_batch_distances_are_the_normalised_full_matrix():
    from skcontrast.embedders.ts2vec import _SeriesDistances

    rng = np.random.RandomState(1)
    series = rng.normal(size=(9, 12, 2)).astype(np.float32)
    series[3, 10:] = np.nan  # a shorter series: edge-padded before the distance
    distances = _SeriesDistances(series, torch.device("cpu"))
    filled = series.copy()
    filled[3, 10:] = filled[3, 9]
    flat = torch.from_numpy(filled.reshape(9, -1))
    full = normalised_series_distances(torch.cdist(flat, flat))
    idx = torch.tensor([4, 0, 3, 8])
    torch.testing.assert_close(distances(idx), full[idx][:, idx], rtol=1e-5, atol=1e-5)


def test_soft_options_refuse_another_instance_loss():
    with pytest.raises(ValueError, match="SoftCLT"):
        TS2VecEmbedder(**FAST, soft_temporal_tau=1.0, instance_loss="nt_xent").fit(_series())
