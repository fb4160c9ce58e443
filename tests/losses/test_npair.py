"""Multi-class N-pair loss against an explicit loop over pairs."""

import math

import pytest
import torch

from skcontrast.losses import NPairLoss, npair_loss

from ._helpers import TOL, assert_same_gradients, gradcheck_views, views


def slow_npair(anchors, positives, labels, l2_reg):
    """Sohn (2016), one anchor at a time, plus the λ/4 (mean‖f‖² + mean‖f⁺‖²) penalty."""
    batch = len(anchors)
    ids = list(range(batch)) if labels is None else [int(v) for v in labels]
    total = 0.0
    for i in range(batch):
        own = (anchors[i] * positives[i]).sum()
        others = [torch.exp((anchors[i] * positives[k]).sum() - own)
                  for k in range(batch) if ids[k] != ids[i]]
        total = total + torch.log(1 + sum(others, torch.zeros((), dtype=own.dtype)))
    penalty = (sum((a * a).sum() for a in anchors) / batch
               + sum((p * p).sum() for p in positives) / batch)
    return total / batch + 0.25 * l2_reg * penalty


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("l2_reg", [0.0, 0.002, 0.5])
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1, 3], [4, 4, 4, 4, 4, 4]])
def test_matches_slow_loop(dtype, l2_reg, labels):
    a, p = views(6, 4, seed=21, dtype=dtype)
    labels = None if labels is None else torch.tensor(labels)
    loss = NPairLoss(l2_reg=l2_reg)(a, p, labels)
    expected = slow_npair(a.double(), p.double(), labels, l2_reg)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(expected.item(), rel=TOL[dtype])
    assert npair_loss(a, p, labels, l2_reg=l2_reg).item() == loss.item()


def test_gradient_matches_autograd_of_slow_formula():
    labels = torch.tensor([0, 1, 0, 2, 1])
    assert_same_gradients(lambda a, p: npair_loss(a, p, labels, l2_reg=0.1),
                          lambda a, p: slow_npair(a, p, labels, 0.1), *views(5, 3, seed=22))


@pytest.mark.parametrize("labels", [None, torch.tensor([0, 1, 1])])
def test_gradcheck(labels):
    assert gradcheck_views(lambda x, y: npair_loss(x, y, labels), *views(3, 3, seed=23))


def test_no_normalisation_and_large_logits_are_stable():
    a, p = views(4, 3, seed=24, dtype=torch.float32)
    # Inner products in the hundreds: float32 exp() would overflow without logsumexp.
    # Mismatched pairs (each positive is another anchor's view) give a large loss.
    loss = npair_loss(8 * a, 8 * a.roll(1, 0), l2_reg=0.0)
    assert torch.isfinite(loss) and loss.item() > 88
    expected = slow_npair(8 * a.double(), 8 * a.double().roll(1, 0), None, 0.0)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-4)
    # Scaling matters (no normalisation): unlike InfoNCE the loss is not scale-invariant.
    assert npair_loss(a, p).item() != pytest.approx(npair_loss(2 * a, 2 * p).item())


def test_single_pair_is_only_the_penalty():
    a = torch.tensor([[3.0, 4.0]], requires_grad=True)
    p = torch.tensor([[0.0, 1.0]], requires_grad=True)
    loss = npair_loss(a, p, l2_reg=0.002)
    loss.backward()
    assert loss.item() == pytest.approx(0.25 * 0.002 * (25 + 1))
    torch.testing.assert_close(a.grad, 0.25 * 0.002 * 2 * a.detach())


def test_same_label_pairs_are_not_negatives():
    # Two pairs with the same label: each one's positive is not the other's negative, so
    # with one class the cross-entropy is 0 whatever the geometry.
    a, p = views(2, 3, seed=25)
    assert npair_loss(a, p, torch.tensor([1, 1]), l2_reg=0.0).item() == 0.0
    assert npair_loss(a, p, l2_reg=0.0).item() > 0.0


def test_repr_and_errors():
    assert repr(NPairLoss()) == "NPairLoss(l2_reg=0.002)"
    assert NPairLoss(l2_reg=0).l2_reg == 0.0
    for bad, error in [(-0.1, ValueError), (math.nan, ValueError), ("0.1", TypeError)]:
        with pytest.raises(error, match="l2_reg"):
            NPairLoss(l2_reg=bad)
        with pytest.raises(error, match="l2_reg"):
            npair_loss(torch.ones(2, 2), torch.ones(2, 2), l2_reg=bad)
    with pytest.raises(ValueError, match="same shape"):
        npair_loss(torch.ones(2, 2), torch.ones(3, 2))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        NPairLoss()(torch.ones(2, 2), torch.ones(2, 2), torch.tensor([0, 1, 2]))
    with pytest.raises(TypeError, match="same dtype"):
        npair_loss(torch.ones(2, 2), torch.ones(2, 2, dtype=torch.float64))
