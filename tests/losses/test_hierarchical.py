"""TS2Vec's hierarchical loss against explicit Python loops over anchors and timestamps."""

import math

import pytest
import torch

from skcontrast.losses import hierarchical
from skcontrast.losses.hierarchical import (
    HierarchicalContrastiveLoss,
    hierarchical_contrastive_loss,
    instance_contrastive_loss,
    temporal_contrastive_loss,
)


def _anchor_loss(vectors, anchor, positive):
    """-log softmax of the positive among all vectors but the anchor (dot products)."""
    logits = [torch.dot(vectors[anchor], vectors[j]) for j in range(len(vectors)) if j != anchor]
    log_partition = torch.logsumexp(torch.stack(logits), dim=0)
    return log_partition - torch.dot(vectors[anchor], vectors[positive])


def _slow_groups(z1, z2):
    """Mean of ``_anchor_loss`` over all anchors; group ``g`` is ``z1[g]`` and ``z2[g]``,
    the positive of ``z1[g, k]`` is ``z2[g, k]`` and vice versa."""
    n_groups, n, _ = z1.shape
    if n == 1:
        return torch.zeros((), dtype=z1.dtype)
    terms = []
    for g in range(n_groups):
        group = [z1[g, k] for k in range(n)] + [z2[g, k] for k in range(n)]
        for k in range(n):
            terms.append(_anchor_loss(group, k, n + k))
            terms.append(_anchor_loss(group, n + k, k))
    return sum(terms) / len(terms)


def _slow_instance(z1, z2):
    """One group per timestamp: the series at that timestamp."""
    return _slow_groups(z1.transpose(0, 1), z2.transpose(0, 1))


def _slow_temporal(z1, z2):
    """One group per series: its timestamps."""
    return _slow_groups(z1, z2)


def _slow_pool(z):
    return torch.stack(
        [torch.maximum(z[:, 2 * k], z[:, 2 * k + 1]) for k in range(z.shape[1] // 2)], dim=1
    )


def _slow_hierarchical(z1, z2, alpha=0.5, temporal_unit=0):
    total, n_levels = 0.0, 0
    while True:
        total = total + alpha * _slow_instance(z1, z2)
        if z1.shape[1] == 1:  # the top level: instance term only
            n_levels += 1
            break
        if n_levels >= temporal_unit:
            total = total + (1 - alpha) * _slow_temporal(z1, z2)
        n_levels += 1
        z1, z2 = _slow_pool(z1), _slow_pool(z2)
    return total / n_levels


def _views(n_series, n_timesteps, dim, dtype, seed=0, requires_grad=False):
    gen = torch.Generator().manual_seed(seed)
    z1 = torch.randn(n_series, n_timesteps, dim, generator=gen, dtype=dtype)
    z2 = z1 + 0.5 * torch.randn(n_series, n_timesteps, dim, generator=gen, dtype=dtype)
    return z1.requires_grad_(requires_grad), z2.requires_grad_(requires_grad)


TOL = {torch.float32: 1e-5, torch.float64: 1e-10}
SHAPES = [(1, 1, 3), (1, 6, 3), (3, 1, 4), (2, 2, 3), (4, 7, 5), (3, 10, 4)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_instance_and_temporal_match_loops(shape, dtype):
    z1, z2 = _views(*shape, dtype)
    for fast, slow in ((instance_contrastive_loss, _slow_instance),
                       (temporal_contrastive_loss, _slow_temporal)):
        got = fast(z1, z2)
        assert got.dtype == dtype and got.shape == ()
        assert got.item() == pytest.approx(slow(z1, z2).item(), rel=TOL[dtype], abs=TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("alpha, temporal_unit", [(0.5, 0), (0.3, 0), (0.5, 1), (0.8, 2),
                                                  (0.0, 0), (1.0, 0), (0.0, 5)])
def test_hierarchical_matches_loop(shape, dtype, alpha, temporal_unit):
    z1, z2 = _views(*shape, dtype)
    got = hierarchical_contrastive_loss(z1, z2, alpha=alpha, temporal_unit=temporal_unit)
    expected = _slow_hierarchical(z1, z2, alpha, temporal_unit)
    assert got.item() == pytest.approx(float(expected), rel=TOL[dtype], abs=TOL[dtype])


@pytest.mark.parametrize("n_timesteps", [1, 2, 3, 4, 5, 8, 11])
def test_levels_counted_like_the_reference(n_timesteps):
    # The reference divides by every level, the top one (T = 1) included, even when a
    # level contributes nothing: with alpha = 0 the top level adds 0 but still counts.
    z1, z2 = _views(3, n_timesteps, 4, torch.float64)
    terms, a, b = [], z1, z2
    while a.shape[1] > 1:
        terms.append(temporal_contrastive_loss(a, b).item())
        a, b = _slow_pool(a), _slow_pool(b)
    n_levels = math.floor(math.log2(n_timesteps)) + 1
    assert len(terms) + 1 == n_levels
    got = hierarchical_contrastive_loss(z1, z2, alpha=0.0).item()
    assert got == pytest.approx(sum(terms) / n_levels, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("alpha, temporal_unit", [(0.5, 0), (0.25, 1)])
def test_gradients_match_loop(alpha, temporal_unit):
    z1, z2 = _views(3, 7, 3, torch.float64, requires_grad=True)
    fast = torch.autograd.grad(
        hierarchical_contrastive_loss(z1, z2, alpha=alpha, temporal_unit=temporal_unit),
        (z1, z2),
    )
    slow = torch.autograd.grad(_slow_hierarchical(z1, z2, alpha, temporal_unit), (z1, z2))
    for f, s in zip(fast, slow, strict=True):
        torch.testing.assert_close(f, s, rtol=1e-9, atol=1e-12)


def test_recomputing_backward_path_is_identical(monkeypatch):
    z1, z2 = _views(4, 13, 6, torch.float64, requires_grad=True)
    loss = hierarchical_contrastive_loss(z1, z2)
    grads = torch.autograd.grad(loss, (z1, z2))
    # Nothing saved for backward, and tiny chunks: recomputed group by group.
    monkeypatch.setattr(hierarchical, "_SAVE_ELEMENTS", 0)
    monkeypatch.setattr(hierarchical, "_CHUNK_ELEMENTS", 1)
    loss2 = hierarchical_contrastive_loss(z1, z2)
    grads2 = torch.autograd.grad(loss2, (z1, z2))
    torch.testing.assert_close(loss2, loss, rtol=1e-12, atol=0)
    for a, b in zip(grads2, grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-14)


def test_no_grad_value_equals_grad_value():
    z1, z2 = _views(4, 11, 5, torch.float64, requires_grad=True)
    with_grad = hierarchical_contrastive_loss(z1, z2)
    with torch.no_grad():
        without = hierarchical_contrastive_loss(z1, z2)
    assert without.requires_grad is False
    torch.testing.assert_close(without, with_grad.detach(), rtol=1e-12, atol=0)


def test_degenerate_terms_are_zero_and_differentiable():
    z1, z2 = _views(1, 1, 3, torch.float64, requires_grad=True)
    for fn in (instance_contrastive_loss, temporal_contrastive_loss,
               hierarchical_contrastive_loss):
        loss = fn(z1, z2)
        assert loss.item() == 0.0
        grad1, grad2 = torch.autograd.grad(loss, (z1, z2))
        assert torch.all(grad1 == 0) and torch.all(grad2 == 0)


def test_non_contiguous_views_and_inputs_untouched():
    z1, z2 = _views(3, 20, 5, torch.float64)
    wide1, wide2 = torch.cat([z1, z1], dim=1), torch.cat([z2, z2], dim=1)
    before = wide1.clone()
    got = hierarchical_contrastive_loss(wide1[:, 20:], wide2[:, :20])
    assert got.item() == pytest.approx(hierarchical_contrastive_loss(z1, z2).item())
    assert torch.equal(wide1, before)


def test_module_wrapper():
    z1, z2 = _views(3, 8, 4, torch.float64)
    module = HierarchicalContrastiveLoss(alpha=0.3, temporal_unit=1)
    assert "alpha=0.3" in repr(module)
    expected = hierarchical_contrastive_loss(z1, z2, alpha=0.3, temporal_unit=1)
    assert module(z1, z2).item() == expected.item()


@pytest.mark.parametrize("kwargs, match", [({"alpha": 1.5}, "alpha"), ({"alpha": -0.1}, "alpha"),
                                           ({"temporal_unit": -1}, "temporal_unit"),
                                           ({"temporal_unit": 0.5}, "temporal_unit")])
def test_invalid_hyperparameters(kwargs, match):
    z1, z2 = _views(2, 4, 3, torch.float64)
    with pytest.raises(ValueError, match=match):
        hierarchical_contrastive_loss(z1, z2, **kwargs)
    with pytest.raises(ValueError, match=match):
        HierarchicalContrastiveLoss(**kwargs)


def test_invalid_views():
    z1, z2 = _views(2, 4, 3, torch.float64)
    with pytest.raises(ValueError, match="same shape"):
        hierarchical_contrastive_loss(z1, z2[:, :3])
    with pytest.raises(ValueError, match="shape"):
        instance_contrastive_loss(z1[0], z2[0])
    with pytest.raises(TypeError, match="torch.Tensor"):
        temporal_contrastive_loss(z1.numpy(), z2)
