"""Tests for the ExpCLR loss against explicit loops over pairs."""

import math

import pytest
import torch

from skcontrast.losses.expclr import (
    ExpCLRLoss,
    combine_label_similarity,
    expclr_loss,
    expert_similarity,
)


def _norm(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def _slow_similarity(features, squared=True, max_distance=None):
    f = features.double().tolist()
    n = len(f)
    if max_distance is None:
        max_distance = max(_norm(f[k], f[m]) for k in range(n) for m in range(n))
    s = [[max(0.0, 1.0 - _norm(f[i], f[j]) / max_distance) for j in range(n)] for i in range(n)]
    if squared:
        s = [[v * v for v in row] for row in s]
    return s


def _slow_pair_losses(representations, similarity, delta, normalize):
    e = representations.detach().double().tolist()
    s = similarity.double().tolist()
    n = len(e)
    pairs = []
    for i in range(n):
        row_mean = sum(_norm(e[i], e[j]) for j in range(n)) / n
        for j in range(n):
            d = _norm(e[i], e[j])
            if normalize:
                d = d / row_mean
            pairs.append(((1.0 - s[i][j]) * delta - d) ** 2)
    return pairs


def _slow_expclr(representations, similarity, delta=1.0, temperature=1.0, normalize=True):
    pairs = _slow_pair_losses(representations, similarity, delta, normalize)
    return temperature * math.log(sum(math.exp(p / temperature) for p in pairs) / len(pairs))


def _randn(*shape, seed, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("squared", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_similarity_matches_loop(squared, dtype):
    features = _randn(7, 4, seed=0, dtype=dtype)
    s = expert_similarity(features, squared=squared)
    assert s.dtype == dtype and s.shape == (7, 7)
    expected = torch.tensor(_slow_similarity(features, squared), dtype=dtype)
    torch.testing.assert_close(s, expected)
    assert torch.allclose(s.diagonal(), torch.ones(7, dtype=dtype))
    assert s.min().item() == pytest.approx(0.0, abs=1e-6)  # the farthest pair


def test_similarity_with_fixed_max_distance_is_clamped():
    features = _randn(6, 3, seed=1)
    s = expert_similarity(features, max_distance=1.0)
    expected = torch.tensor(_slow_similarity(features, True, 1.0), dtype=s.dtype)
    torch.testing.assert_close(s, expected)
    assert (s >= 0).all() and (s == 0).any()


def test_similarity_identical_features_and_no_grad():
    s = expert_similarity(torch.ones(4, 3))
    assert torch.equal(s, torch.ones(4, 4))
    features = _randn(4, 3, seed=2).requires_grad_()
    assert not expert_similarity(features).requires_grad


def test_similarity_rejects_non_finite():
    features = _randn(4, 3, seed=2)
    features[1, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        expert_similarity(features)
    with pytest.raises(ValueError, match="max_distance"):
        expert_similarity(_randn(4, 3, seed=2), max_distance=0.0)


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-5), (torch.float64, 1e-10)])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("delta, temperature", [(1.0, 1.0), (0.5, 0.2), (2.0, 5.0)])
def test_loss_matches_loop(dtype, tol, normalize, delta, temperature):
    representations = _randn(6, 5, seed=3, dtype=dtype)
    similarity = expert_similarity(_randn(6, 3, seed=4, dtype=dtype))
    loss = expclr_loss(
        representations,
        similarity,
        delta=delta,
        temperature=temperature,
        normalize_distances=normalize,
    )
    assert loss.dtype == dtype
    expected = _slow_expclr(representations, similarity, delta, temperature, normalize)
    assert loss.item() == pytest.approx(expected, rel=tol, abs=tol)


@pytest.mark.parametrize("normalize", [True, False])
def test_quadratic_is_mean_of_pair_terms(normalize):
    representations = _randn(5, 4, seed=5)
    similarity = expert_similarity(_randn(5, 2, seed=6))
    pairs = _slow_pair_losses(representations, similarity, 1.0, normalize)
    loss = expclr_loss(representations, similarity, quadratic=True, normalize_distances=normalize)
    assert loss.item() == pytest.approx(sum(pairs) / len(pairs))


def test_temperature_limits():
    representations = _randn(6, 4, seed=7)
    similarity = expert_similarity(_randn(6, 3, seed=8))
    pairs = _slow_pair_losses(representations, similarity, 1.0, True)
    n_pairs = len(pairs)
    hardest, mean = max(pairs), sum(pairs) / n_pairs
    # tau * log(mean exp(L / tau)) lies in [max L - tau log N^2, max L]: it tends to the
    # hardest pair as tau -> 0 ...
    for tau in (1e-2, 1e-3, 1e-4):
        loss = expclr_loss(representations, similarity, temperature=tau).item()
        assert hardest - tau * math.log(n_pairs) - 1e-9 <= loss <= hardest + 1e-9
    assert expclr_loss(representations, similarity, temperature=1e-4).item() == pytest.approx(
        hardest, abs=1e-3
    )
    # ... and to the mean quadratic loss as tau -> infinity.
    assert expclr_loss(representations, similarity, temperature=1e6).item() == pytest.approx(
        mean, rel=1e-5
    )
    losses = [expclr_loss(representations, similarity, temperature=t).item() for t in (0.1, 1, 10)]
    assert losses[0] >= losses[1] >= losses[2] >= mean


def test_perfect_fit_is_zero():
    # Representations whose normalised distances equal (1 - s) * delta exactly: collinear
    # points with s built from the same geometry and normalize_distances=False.
    representations = torch.tensor([[0.0], [0.3], [1.0]], dtype=torch.float64)
    similarity = 1.0 - torch.cdist(representations, representations)
    loss = expclr_loss(representations, similarity, normalize_distances=False)
    assert loss.item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("normalize", [True, False])
def test_gradients_finite_with_duplicate_rows(dtype, normalize):
    base = _randn(4, 3, seed=9, dtype=dtype)
    representations = torch.cat([base, base[:2]]).requires_grad_()
    similarity = expert_similarity(_randn(6, 2, seed=10, dtype=dtype))
    for quadratic in (False, True):
        loss = expclr_loss(
            representations, similarity, normalize_distances=normalize, quadratic=quadratic
        )
        (grad,) = torch.autograd.grad(loss, representations)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()


def test_collapsed_representations_are_finite():
    representations = torch.ones(5, 3, requires_grad=True)
    similarity = expert_similarity(_randn(5, 2, seed=11, dtype=torch.float32))
    loss = expclr_loss(representations, similarity)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(representations.grad).all()
    single = expclr_loss(torch.ones(1, 3), torch.ones(1, 1))
    assert single.item() == 0.0


def test_gradcheck():
    representations = _randn(5, 3, seed=12).requires_grad_()
    similarity = expert_similarity(_randn(5, 2, seed=13))
    assert torch.autograd.gradcheck(
        lambda e: expclr_loss(e, similarity, temperature=0.5), (representations,)
    )


def test_scale_invariance_with_normalised_distances():
    representations = _randn(5, 3, seed=14)
    similarity = expert_similarity(_randn(5, 2, seed=15))
    a = expclr_loss(representations, similarity)
    b = expclr_loss(representations * 7.5, similarity)
    assert a.item() == pytest.approx(b.item())


def test_combine_label_similarity():
    similarity = expert_similarity(_randn(5, 2, seed=16))
    before = similarity.clone()
    labels = torch.tensor([0, 1, 0, -1, 1])
    mask = torch.tensor([True, True, True, False, True])
    combined = combine_label_similarity(similarity, labels, mask)
    assert torch.equal(similarity, before)  # not mutated
    for i in range(5):
        for j in range(5):
            if mask[i] and mask[j]:
                assert combined[i, j].item() == float(labels[i] == labels[j])
            else:
                assert combined[i, j].item() == similarity[i, j].item()
    with pytest.raises(TypeError, match="bool"):
        combine_label_similarity(similarity, labels, mask.long())
    with pytest.raises(ValueError, match="shape"):
        combine_label_similarity(similarity, labels[:4], mask)


def test_module_matches_functions():
    representations = _randn(6, 4, seed=17)
    features = _randn(6, 3, seed=18)
    labels = torch.tensor([0, 1, 1, 0, 2, 2])
    mask = torch.tensor([True, False, True, True, False, True])
    criterion = ExpCLRLoss(delta=0.8, temperature=0.5, squared_similarity=False)
    similarity = combine_label_similarity(
        expert_similarity(features, squared=False), labels, mask
    )
    expected = expclr_loss(representations, similarity, delta=0.8, temperature=0.5)
    assert criterion(representations, features, labels, mask).item() == pytest.approx(
        expected.item()
    )
    unsupervised = expclr_loss(
        representations, expert_similarity(features, squared=False), delta=0.8, temperature=0.5
    )
    assert criterion(representations, features).item() == pytest.approx(unsupervised.item())
    with pytest.raises(ValueError, match="label_mask"):
        criterion(representations, features, label_mask=mask)


@pytest.mark.parametrize("name", ["delta", "temperature"])
@pytest.mark.parametrize("value", [0.0, -1.0, float("inf")])
def test_non_positive_hyperparameters_raise(name, value):
    representations = _randn(3, 2, seed=19)
    similarity = torch.eye(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=name):
        expclr_loss(representations, similarity, **{name: value})
    with pytest.raises(ValueError, match=name):
        ExpCLRLoss(**{name: value})


def test_bad_shapes():
    with pytest.raises(ValueError, match="similarity must have shape"):
        expclr_loss(_randn(3, 2, seed=0), torch.eye(4, dtype=torch.float64))
    with pytest.raises(ValueError, match="2-D"):
        expclr_loss(_randn(3, 2, 2, seed=0), torch.eye(3, dtype=torch.float64))
    with pytest.raises(TypeError, match="floating"):
        expert_similarity(torch.ones(3, 2, dtype=torch.long))
