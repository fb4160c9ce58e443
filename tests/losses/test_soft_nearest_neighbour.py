"""Soft nearest neighbour loss against the formula of Frosst et al. (2019), written out."""

import math

import pytest
import torch

from skcontrast.losses import SoftNearestNeighbourLoss, soft_nearest_neighbour_loss

from ._helpers import TOL, assert_same_gradients, gradcheck_views, randn, stack_views, unit, views


def slow_snn(rows, labels, temperature, normalize):
    """-log(Σ_{j≠i, same} e^{-d²/T} / Σ_{k≠i} e^{-d²/T}), mean over rows with a partner."""
    rows = [unit(r) if normalize else r for r in rows]
    n = len(rows)
    terms = []
    for i in range(n):
        same = [j for j in range(n) if j != i and labels[j] == labels[i]]
        if not same:
            continue

        def kernel(j, i=i):
            return torch.exp(-((rows[i] - rows[j]) ** 2).sum() / temperature)

        numerator = sum(kernel(j) for j in same)
        denominator = sum(kernel(k) for k in range(n) if k != i)
        terms.append(-torch.log(numerator / denominator))
    if not terms:
        return torch.zeros((), dtype=rows[0].dtype)
    return sum(terms) / len(terms)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0, 4.0])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1, 3]])
def test_module_matches_slow_loop(dtype, temperature, normalize, labels):
    a, p = views(6, 4, seed=61, dtype=dtype)
    scale = 1.0 if normalize else 0.5
    a, p = scale * a, scale * p
    labels = None if labels is None else torch.tensor(labels)
    loss = SoftNearestNeighbourLoss(temperature, normalize=normalize)(a, p, labels)
    rows, ids = stack_views(a.double(), p.double(), labels)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(slow_snn(rows, ids, temperature, normalize).item(),
                                        rel=TOL[dtype])


@pytest.mark.parametrize("labels", [[0, 1, 2, 0, 1, 5, 6], [0, 0, 0, 0, 0, 0, 0],
                                    [0, 1, 2, 3, 4, 5, 6]])
def test_function_matches_slow_loop_with_singletons(labels):
    z = randn(7, 3, seed=62)
    loss = soft_nearest_neighbour_loss(z, torch.tensor(labels), temperature=0.7)
    assert loss.item() == pytest.approx(slow_snn(list(z), labels, 0.7, True).item(),
                                        rel=1e-10, abs=1e-12)


def test_gradient_matches_autograd_of_slow_formula():
    labels = torch.tensor([0, 1, 0, 2])
    assert_same_gradients(
        lambda a, p: SoftNearestNeighbourLoss(0.5)(a, p, labels),
        lambda a, p: slow_snn(*stack_views(a, p, labels), 0.5, True),
        *views(4, 3, seed=63),
    )


@pytest.mark.parametrize("normalize", [True, False])
def test_gradcheck(normalize):
    assert gradcheck_views(SoftNearestNeighbourLoss(1.0, normalize=normalize),
                           *views(3, 3, seed=64))


def test_low_temperature_is_stable():
    # e^{-d²/T} underflows to 0 for every pair at T = 1e-3 in float32: logsumexp must
    # keep both the numerator and the denominator finite.
    a, p = views(5, 3, seed=65, dtype=torch.float32)
    a.requires_grad_()
    loss = SoftNearestNeighbourLoss(1e-3)(a, p)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(a.grad).all()


def test_normalised_snn_is_inside_the_log_supcon():
    # On the unit sphere -d²/T = (2 cos - 2)/T: the loss is a softmax over cosines with
    # temperature T / 2.
    z = randn(6, 3, seed=66)
    labels = [0, 1, 0, 1, 2, 2]
    u = torch.nn.functional.normalize(z, dim=1)
    cos = u @ u.T
    total = 0.0
    for i in range(6):
        same = [j for j in range(6) if j != i and labels[j] == labels[i]]
        others = [k for k in range(6) if k != i]
        total -= math.log(sum(math.exp(cos[i, j] / 0.25) for j in same)
                          / sum(math.exp(cos[i, k] / 0.25) for k in others))
    loss = soft_nearest_neighbour_loss(z, torch.tensor(labels), temperature=0.5)
    assert loss.item() == pytest.approx(total / 6, rel=1e-10)


def test_no_partner_gives_connected_zero():
    z = randn(4, 3, seed=67).requires_grad_()
    loss = soft_nearest_neighbour_loss(z, torch.arange(4))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(z.grad, torch.zeros_like(z))


def test_repr_and_errors():
    criterion = SoftNearestNeighbourLoss(temperature=2, normalize=False)
    assert (criterion.temperature, criterion.normalize) == (2.0, False)
    assert repr(criterion) == "SoftNearestNeighbourLoss(temperature=2.0, normalize=False)"
    for kwargs, error in [({"temperature": 0.0}, ValueError), ({"temperature": "1"}, TypeError),
                          ({"normalize": 0}, TypeError)]:
        with pytest.raises(error, match=next(iter(kwargs))):
            SoftNearestNeighbourLoss(**kwargs)
        with pytest.raises(error, match=next(iter(kwargs))):
            soft_nearest_neighbour_loss(torch.ones(2, 2), torch.tensor([0, 0]), **kwargs)
    with pytest.raises(ValueError, match="same shape"):
        SoftNearestNeighbourLoss()(torch.ones(2, 2), torch.ones(1, 2))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        soft_nearest_neighbour_loss(torch.ones(2, 2), torch.tensor([0]))
