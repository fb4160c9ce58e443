"""Hard-negative-weighted debiased loss against the formula of Robinson et al. (2021)."""

import math

import pytest
import torch

from skcontrast.losses import (
    HardNegativeLoss,
    debiased_contrastive_loss,
    hard_negative_loss,
    nt_xent_loss,
)

from ._helpers import TOL, anchor_similarities, assert_same_gradients, gradcheck_views, randn, views


def slow_hard_negative(anchors, positives, labels, temperature, tau_plus, beta, symmetric):
    """Weights w_k = e^{β s_k/t} in g = max((Σ w e^{s/t}/Σ w - τ⁺ e^{s+/t})/(1 - τ⁺), e^{-1/t})."""
    losses = []
    for s_pos, sims in anchor_similarities(anchors, positives, labels, symmetric):
        pos = torch.exp(s_pos / temperature)
        weights = [torch.exp(beta * s / temperature) for s in sims]
        weighted_mean = (sum(w * torch.exp(s / temperature) for w, s in zip(weights, sims,
                                                                              strict=True))
                         / sum(weights))
        g = torch.clamp((weighted_mean - tau_plus * pos) / (1 - tau_plus),
                        min=math.exp(-1 / temperature))
        losses.append(-torch.log(pos / (pos + len(sims) * g)))
    return sum(losses) / len(losses)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("temperature", [0.2, 0.5])
@pytest.mark.parametrize("tau_plus", [0.0, 0.1, 0.6])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1, 3]])
def test_matches_slow_loop(dtype, temperature, tau_plus, beta, symmetric, labels):
    a, p = views(6, 4, seed=51, dtype=dtype)
    labels = None if labels is None else torch.tensor(labels)
    criterion = HardNegativeLoss(temperature, tau_plus=tau_plus, beta=beta, symmetric=symmetric)
    loss = criterion(a, p, labels)
    expected = slow_hard_negative(a.double(), p.double(), labels, temperature, tau_plus, beta,
                                  symmetric)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(expected.item(), rel=TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("tau_plus", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("labels", [None, torch.tensor([0, 1, 0, 2, 1])])
def test_beta_zero_is_exactly_the_debiased_loss(dtype, tau_plus, symmetric, labels):
    a, p = views(5, 4, seed=52, dtype=dtype)
    kwargs = {"temperature": 0.3, "tau_plus": tau_plus, "symmetric": symmetric}
    assert torch.equal(hard_negative_loss(a, p, labels, beta=0.0, **kwargs),
                       debiased_contrastive_loss(a, p, labels, **kwargs))


def test_beta_and_tau_plus_zero_is_nt_xent():
    a, p = views(6, 3, seed=53)
    loss = hard_negative_loss(a, p, temperature=0.5, tau_plus=0.0, beta=0.0)
    assert loss.item() == pytest.approx(nt_xent_loss(a, p, 0.5).item(), rel=1e-12)


def test_larger_beta_focuses_on_harder_negatives():
    a, p = views(8, 4, seed=54)
    values = [hard_negative_loss(a, p, tau_plus=0.0, beta=b).item() for b in (0.0, 1.0, 4.0)]
    assert values[0] < values[1] < values[2]


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("tau_plus", [0.0, 0.2])
def test_gradient_matches_autograd_of_slow_formula(symmetric, tau_plus):
    labels = torch.tensor([0, 1, 0, 2])
    assert_same_gradients(
        lambda a, p: hard_negative_loss(a, p, labels, temperature=0.4, tau_plus=tau_plus,
                                        beta=1.5, symmetric=symmetric),
        lambda a, p: slow_hard_negative(a, p, labels, 0.4, tau_plus, 1.5, symmetric),
        *views(4, 3, seed=55),
    )


@pytest.mark.parametrize("symmetric", [True, False])
def test_gradcheck(symmetric):
    assert gradcheck_views(HardNegativeLoss(0.5, tau_plus=0.1, beta=1.0, symmetric=symmetric),
                           *views(3, 3, seed=56))


def test_low_temperature_float32_is_stable():
    a, p = views(6, 4, seed=57, dtype=torch.float32)
    a.requires_grad_()
    loss = hard_negative_loss(a, p, temperature=0.01, tau_plus=0.1, beta=2.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(a.grad).all()
    expected = slow_hard_negative(a.detach().double(), p.double(), None, 0.01, 0.1, 2.0, True)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-4)


def test_no_negative_gives_connected_zero():
    a = randn(1, 3, seed=58).requires_grad_()
    loss = HardNegativeLoss()(a, randn(1, 3, seed=59))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(a.grad, torch.zeros_like(a))


def test_repr_and_attributes():
    criterion = HardNegativeLoss(temperature=0.2, tau_plus=0.05, beta=2, symmetric=False)
    assert (criterion.temperature, criterion.tau_plus, criterion.beta,
            criterion.symmetric) == (0.2, 0.05, 2.0, False)
    assert repr(criterion) == ("HardNegativeLoss(temperature=0.2, tau_plus=0.05, beta=2.0, "
                               "symmetric=False)")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"beta": -1.0}, ValueError, "beta must be a finite number >= 0"),
        ({"beta": math.nan}, ValueError, "beta"),
        ({"beta": "1"}, TypeError, "beta"),
        ({"tau_plus": 1.5}, ValueError, "tau_plus"),
        ({"temperature": -1}, ValueError, "temperature"),
        ({"symmetric": None}, TypeError, "symmetric"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        HardNegativeLoss(**kwargs)
    with pytest.raises(error, match=match):
        hard_negative_loss(torch.ones(2, 2), torch.ones(2, 2), **kwargs)
