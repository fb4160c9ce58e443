"""Debiased contrastive loss against the formula of Chuang et al. (2020), written out."""

import math

import pytest
import torch

from skcontrast.losses import (
    DebiasedContrastiveLoss,
    debiased_contrastive_loss,
    info_nce_loss,
    nt_xent_loss,
)

from ._helpers import TOL, anchor_similarities, assert_same_gradients, gradcheck_views, randn, views


def slow_debiased(anchors, positives, labels, temperature, tau_plus, symmetric):
    """g = max((mean_neg e^{s/t} - τ⁺ e^{s+/t}) / (1 - τ⁺), e^{-1/t}), anchor by anchor."""
    losses = []
    for s_pos, sims in anchor_similarities(anchors, positives, labels, symmetric):
        pos = torch.exp(s_pos / temperature)
        neg = [torch.exp(s / temperature) for s in sims]
        n = len(neg)
        g = (sum(neg) / n - tau_plus * pos) / (1 - tau_plus)
        g = torch.clamp(g, min=math.exp(-1 / temperature))
        losses.append(-torch.log(pos / (pos + n * g)))
    return sum(losses) / len(losses)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("temperature", [0.2, 0.5, 1.0])
@pytest.mark.parametrize("tau_plus", [0.0, 0.1, 0.3, 0.9])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1, 3]])
def test_matches_slow_loop(dtype, temperature, tau_plus, symmetric, labels):
    a, p = views(6, 4, seed=41, dtype=dtype)
    labels = None if labels is None else torch.tensor(labels)
    criterion = DebiasedContrastiveLoss(temperature, tau_plus=tau_plus, symmetric=symmetric)
    loss = criterion(a, p, labels)
    expected = slow_debiased(a.double(), p.double(), labels, temperature, tau_plus, symmetric)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(expected.item(), rel=TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0])
def test_tau_plus_zero_is_info_nce_with_the_same_negatives(dtype, temperature):
    a, p = views(7, 5, seed=42, dtype=dtype)
    tol = TOL[dtype]
    # Symmetric: the 2B - 2 other views of the batch, as in the paper's code = NT-Xent.
    symmetric = debiased_contrastive_loss(a, p, temperature=temperature, tau_plus=0.0)
    assert symmetric.item() == pytest.approx(nt_xent_loss(a, p, temperature).item(), rel=tol)
    # One-directional: the B - 1 other positives = SCARF's InfoNCE.
    one_way = debiased_contrastive_loss(a, p, temperature=temperature, tau_plus=0.0,
                                        symmetric=False)
    assert one_way.item() == pytest.approx(info_nce_loss(a, p, temperature=temperature).item(),
                                           rel=tol)


def test_clamp_is_active_and_exact():
    # Identical views (s+ = 1) and orthogonal negatives (s = 0) with a large prior: the
    # estimate (1 - τ⁺ e^{1/t}) / (1 - τ⁺) is negative, so g = e^{-1/t}.
    z = torch.eye(3, dtype=torch.float64).requires_grad_()
    t, tau_plus = 0.5, 0.5
    loss = debiased_contrastive_loss(z, z, temperature=t, tau_plus=tau_plus)
    n = 4  # 2B - 2 negatives
    expected = -math.log(math.exp(1 / t) / (math.exp(1 / t) + n * math.exp(-1 / t)))
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    assert loss.item() == pytest.approx(
        slow_debiased(z.detach(), z.detach(), None, t, tau_plus, True).item(), rel=1e-12)
    loss.backward()
    assert torch.isfinite(z.grad).all()


def test_debiasing_lowers_the_loss():
    a, p = views(8, 4, seed=43)
    values = [debiased_contrastive_loss(a, p, tau_plus=tp).item() for tp in (0.0, 0.05, 0.1)]
    assert values[0] > values[1] > values[2]


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("tau_plus", [0.0, 0.2])
def test_gradient_matches_autograd_of_slow_formula(symmetric, tau_plus):
    labels = torch.tensor([0, 1, 0, 2])
    assert_same_gradients(
        lambda a, p: debiased_contrastive_loss(a, p, labels, temperature=0.4, tau_plus=tau_plus,
                                               symmetric=symmetric),
        lambda a, p: slow_debiased(a, p, labels, 0.4, tau_plus, symmetric),
        *views(4, 3, seed=44),
    )


@pytest.mark.parametrize("symmetric", [True, False])
def test_gradcheck(symmetric):
    assert gradcheck_views(DebiasedContrastiveLoss(0.5, tau_plus=0.1, symmetric=symmetric),
                           *views(3, 3, seed=45))


@pytest.mark.parametrize("tau_plus", [0.0, 0.1, 0.5])
def test_low_temperature_float32_is_stable(tau_plus):
    # e^{1/t} = e^{100} overflows float32: everything must stay in log space.
    a, p = views(6, 4, seed=46, dtype=torch.float32)
    a.requires_grad_()
    loss = debiased_contrastive_loss(a, p, temperature=0.01, tau_plus=tau_plus)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(a.grad).all()
    expected = slow_debiased(a.detach().double(), p.double(), None, 0.01, tau_plus, True)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-4)


def test_no_negative_gives_connected_zero():
    a = randn(2, 3, seed=47).requires_grad_()
    loss = DebiasedContrastiveLoss()(a, randn(2, 3, seed=48), torch.tensor([1, 1]))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(a.grad, torch.zeros_like(a))


def test_repr_and_attributes():
    criterion = DebiasedContrastiveLoss(temperature=0.2, tau_plus=0, symmetric=False)
    assert (criterion.temperature, criterion.tau_plus, criterion.symmetric) == (0.2, 0.0, False)
    assert repr(criterion) == ("DebiasedContrastiveLoss(temperature=0.2, tau_plus=0.0, "
                               "symmetric=False)")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"tau_plus": 1.0}, ValueError, r"tau_plus must be a finite number >= 0 and < 1"),
        ({"tau_plus": -0.1}, ValueError, "tau_plus"),
        ({"tau_plus": "0.1"}, TypeError, "tau_plus"),
        ({"temperature": 0.0}, ValueError, "temperature"),
        ({"temperature": math.inf}, ValueError, "temperature"),
        ({"symmetric": 1}, TypeError, "symmetric"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        DebiasedContrastiveLoss(**kwargs)
    with pytest.raises(error, match=match):
        debiased_contrastive_loss(torch.ones(2, 2), torch.ones(2, 2), **kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        DebiasedContrastiveLoss()(torch.ones(3, 2), torch.ones(3, 3))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        DebiasedContrastiveLoss()(torch.ones(3, 2), torch.ones(3, 2), torch.tensor([0, 1]))
