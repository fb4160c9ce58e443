"""NTXentLoss (symmetric and one-directional) and InfoNCELoss with labels."""

import inspect

import pytest
import torch

from skcontrast.losses import InfoNCELoss, NTXentLoss, info_nce_loss, nt_xent_loss

from ._helpers import TOL, anchor_similarities, assert_same_gradients, gradcheck_views, randn, views


def slow_nt_xent(anchors, positives, labels, temperature, symmetric):
    """InfoNCE written out anchor by anchor.

    Symmetric: every one of the 2B rows is an anchor; its positive is the other view,
    its negatives the rows of samples with another label. One-directional: anchor i
    against the B positives.
    """
    losses = []
    for s_pos, sims in anchor_similarities(anchors, positives, labels, symmetric):
        pos = torch.exp(s_pos / temperature)
        neg = [torch.exp(s / temperature) for s in sims]
        losses.append(-torch.log(pos / (pos + sum(neg))))
    return sum(losses) / len(losses)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1, 3]])
def test_matches_slow_loop(dtype, temperature, symmetric, labels):
    a, p = views(6, 4, seed=31, dtype=dtype)
    labels = None if labels is None else torch.tensor(labels)
    loss = NTXentLoss(temperature, symmetric=symmetric)(a, p, labels)
    expected = slow_nt_xent(a.double(), p.double(), labels, temperature, symmetric)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(expected.item(), rel=TOL[dtype])
    if not symmetric:
        assert InfoNCELoss(temperature)(a, p, labels).item() == pytest.approx(
            loss.item(), rel=TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("temperature", [0.05, 0.5, 2.0])
def test_special_cases_equal_the_existing_functions(dtype, temperature):
    a, p = views(7, 5, seed=32, dtype=dtype)
    tol = TOL[dtype]
    symmetric = NTXentLoss(temperature, symmetric=True)(a, p)
    assert symmetric.item() == pytest.approx(nt_xent_loss(a, p, temperature).item(), rel=tol)
    one_way = NTXentLoss(temperature, symmetric=False)(a, p)
    assert one_way.item() == pytest.approx(
        info_nce_loss(a, p, temperature=temperature).item(), rel=tol)
    # InfoNCELoss without labels is still exactly info_nce_loss.
    assert torch.equal(InfoNCELoss(temperature)(a, p), info_nce_loss(a, p,
                                                                    temperature=temperature))


def test_labels_only_remove_false_negatives():
    # With every sample in its own class the labels change nothing.
    a, p = views(5, 3, seed=33)
    for symmetric in (True, False):
        criterion = NTXentLoss(0.5, symmetric=symmetric)
        assert criterion(a, p, torch.tensor([4, 3, 2, 1, 0])).item() == pytest.approx(
            criterion(a, p).item(), rel=1e-12)
    # A second sample of the anchor's class is removed from its negatives: the loss drops.
    assert NTXentLoss(0.5)(a, p, torch.tensor([0, 0, 1, 2, 3])) < NTXentLoss(0.5)(a, p)


@pytest.mark.parametrize("symmetric", [True, False])
def test_gradient_matches_autograd_of_slow_formula(symmetric):
    labels = torch.tensor([0, 1, 0, 2])
    assert_same_gradients(
        lambda a, p: NTXentLoss(0.3, symmetric=symmetric)(a, p, labels),
        lambda a, p: slow_nt_xent(a, p, labels, 0.3, symmetric),
        *views(4, 3, seed=34),
    )


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("labels", [None, torch.tensor([0, 1, 0])])
def test_gradcheck(symmetric, labels):
    criterion = NTXentLoss(0.5, symmetric=symmetric)
    assert gradcheck_views(lambda x, y: criterion(x, y, labels), *views(3, 3, seed=35))


@pytest.mark.parametrize("symmetric", [True, False])
def test_low_temperature_float32_is_stable(symmetric):
    a, p = views(6, 4, seed=36, dtype=torch.float32)
    a.requires_grad_()
    loss = NTXentLoss(0.01, symmetric=symmetric)(a, p)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(a.grad).all()
    expected = slow_nt_xent(a.detach().double(), p.double(), None, 0.01, symmetric)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-4)


def test_no_negative_gives_connected_zero():
    for symmetric in (True, False):
        a = randn(1, 3, seed=37).requires_grad_()
        p = randn(1, 3, seed=38)
        loss = NTXentLoss(symmetric=symmetric)(a, p)
        loss.backward()
        assert loss.item() == 0.0 and torch.equal(a.grad, torch.zeros_like(a))
        a = randn(3, 3, seed=37).requires_grad_()
        loss = NTXentLoss(symmetric=symmetric)(a, randn(3, 3, seed=38), torch.tensor([2, 2, 2]))
        loss.backward()
        assert loss.item() == 0.0 and torch.equal(a.grad, torch.zeros_like(a))
    # nt_xent_loss also gives 0 for a single sample.
    assert nt_xent_loss(randn(1, 3, seed=1), randn(1, 3, seed=2)).item() == 0.0


def test_interface_and_repr():
    for cls in (NTXentLoss, InfoNCELoss):
        params = list(inspect.signature(cls.forward).parameters)
        assert params == ["self", "anchors", "positives", "labels"]
    assert repr(NTXentLoss()) == "NTXentLoss(temperature=0.5, symmetric=True)"
    assert repr(InfoNCELoss(0.2)) == "InfoNCELoss(temperature=0.2)"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"temperature": 0}, ValueError, "temperature"),
        ({"temperature": -0.5}, ValueError, "temperature"),
        ({"temperature": "0.5"}, TypeError, "temperature"),
        ({"symmetric": "yes"}, TypeError, "symmetric"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        NTXentLoss(**kwargs)


def test_bad_inputs():
    z = randn(4, 2, seed=0)
    with pytest.raises(ValueError, match="same shape"):
        NTXentLoss()(z, z[:2])
    with pytest.raises(ValueError, match="temperature"):
        InfoNCELoss(0.0)
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        InfoNCELoss()(z, z, torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer"):
        NTXentLoss()(z, z, torch.ones(4))
