"""Pairwise contrastive loss against an explicit loop over pairs."""

import pytest
import torch

from skcontrast.losses import ContrastiveLoss, contrastive_loss

from ._helpers import TOL, assert_same_gradients, gradcheck_views, randn, stack_views, unit, views


def slow_contrastive(rows, labels, margin, normalize):
    """Hadsell et al. per-pair loss, ½ mean over similar + ½ mean over dissimilar pairs."""
    rows = [unit(r) if normalize else r for r in rows]
    similar, dissimilar = [], []
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            d = torch.sqrt(((rows[i] - rows[j]) ** 2).sum())
            if labels[i] == labels[j]:
                similar.append(0.5 * d**2)
            else:
                dissimilar.append(0.5 * torch.clamp(margin - d, min=0.0) ** 2)
    total = torch.zeros((), dtype=rows[0].dtype)
    if similar:
        total = total + sum(similar) / len(similar)
    if dissimilar:
        total = total + sum(dissimilar) / len(dissimilar)
    return total


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("margin", [0.5, 1.0, 1.5])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1, 3]])
def test_module_matches_slow_loop(dtype, margin, normalize, labels):
    scale = 1.0 if normalize else 0.3  # keep the hinge active without normalisation
    a, p = views(6, 4, seed=1, dtype=dtype)
    a, p = scale * a, scale * p
    labels = None if labels is None else torch.tensor(labels)
    loss = ContrastiveLoss(margin=margin, normalize=normalize)(a, p, labels)
    rows, ids = stack_views(a.double(), p.double(), labels)
    expected = slow_contrastive(rows, ids, margin, normalize)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(expected.item(), rel=TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(
    "labels",
    [[0, 1, 2, 0, 1, 2, 3], [0, 1, 2, 3, 4, 5, 6], [5, 5, 5, 5, 5, 5, 5], [0, 0, 1, 1, 1, 2, 9]],
)
def test_function_matches_slow_loop(dtype, labels):
    z = randn(7, 3, seed=2, dtype=dtype)
    loss = contrastive_loss(z, torch.tensor(labels), margin=1.2)
    expected = slow_contrastive(list(z.double()), labels, 1.2, True)
    assert loss.item() == pytest.approx(expected.item(), rel=TOL[dtype], abs=1e-12)


def test_gradient_matches_autograd_of_slow_formula():
    labels = torch.tensor([0, 1, 0, 2])
    assert_same_gradients(
        lambda a, p: ContrastiveLoss(margin=1.0)(a, p, labels),
        lambda a, p: slow_contrastive(*stack_views(a, p, labels), 1.0, True),
        *views(4, 3, seed=3),
    )


@pytest.mark.parametrize("normalize", [True, False])
def test_gradcheck(normalize):
    a, p = views(3, 3, seed=4)
    assert gradcheck_views(ContrastiveLoss(margin=1.0, normalize=normalize), 0.4 * a, 0.4 * p)


def test_pairs_are_balanced_not_swamped():
    # Similar pairs all at distance d, dissimilar pairs all at distance 0: the loss is
    # ½ d² + ½ m² whatever the number of pairs of each kind.
    z = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    assert contrastive_loss(z, torch.tensor([0, 1, 2]), margin=0.7).item() == pytest.approx(
        0.5 * 0.49
    )
    z = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    # similar pairs (0, 2), (1, 3) at 0; dissimilar pairs: 4 at sqrt(2), hinge inactive
    assert contrastive_loss(z, torch.tensor([0, 1, 0, 1]), margin=1.0).item() == 0.0


def test_one_class_and_single_row():
    z = randn(4, 3, seed=5).requires_grad_()
    loss = contrastive_loss(z, torch.zeros(4, dtype=torch.long))
    expected = slow_contrastive(list(z), [0] * 4, 1.0, True)
    assert loss.item() == pytest.approx(expected.item())
    single = randn(1, 3, seed=6).requires_grad_()
    loss = contrastive_loss(single, torch.tensor([0]))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(single.grad, torch.zeros_like(single))


def test_unnormalised_input_is_normalised():
    a, p = views(4, 3, seed=7)
    criterion = ContrastiveLoss()
    assert criterion(3 * a, 0.2 * p).item() == pytest.approx(criterion(a, p).item())


def test_does_not_mutate_inputs_and_repr():
    a, p = views(3, 2, seed=8)
    a0, p0 = a.clone(), p.clone()
    criterion = ContrastiveLoss(margin=0.8, normalize=False)
    criterion(a, p)
    assert torch.equal(a, a0) and torch.equal(p, p0)
    assert criterion.margin == 0.8 and criterion.normalize is False
    assert repr(criterion) == "ContrastiveLoss(margin=0.8, normalize=False)"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"margin": 0.0}, ValueError, "margin"),
        ({"margin": -1.0}, ValueError, "margin"),
        ({"margin": float("inf")}, ValueError, "margin"),
        ({"margin": "1"}, TypeError, "margin"),
        ({"normalize": "yes"}, TypeError, "normalize"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        ContrastiveLoss(**kwargs)
    with pytest.raises(error, match=match):
        contrastive_loss(randn(4, 2, seed=0), torch.tensor([0, 0, 1, 1]), **kwargs)


def test_bad_inputs():
    criterion = ContrastiveLoss()
    z = randn(4, 2, seed=0)
    with pytest.raises(ValueError, match="same shape"):
        criterion(z, z[:3])
    with pytest.raises(ValueError, match="2-D"):
        criterion(z[0], z[0])
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        criterion(z, z, torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer"):
        criterion(z, z, torch.zeros(4))
    with pytest.raises(TypeError, match="torch.Tensor"):
        criterion(z, z, [0, 1, 2, 3])
    with pytest.raises(TypeError, match="floating-point"):
        criterion(z.long(), z.long())
    with pytest.raises(ValueError, match="at least one row"):
        criterion(z[:0], z[:0])
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        contrastive_loss(z, torch.tensor([0, 1, 0]))
