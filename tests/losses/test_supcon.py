"""Tests for the SupCon / NT-Xent losses against an explicit loop over pairs."""

import math

import pytest
import torch
import torch.nn.functional as F

from skcontrast.losses.supcon import SupConLoss, TwoViewSupConLoss, nt_xent_loss, supcon_loss


def _slow_supcon(z, labels, temperature, base_temperature=None):
    """The paper's L_out written as literally as possible, in float64 Python."""
    base_temperature = temperature if base_temperature is None else base_temperature
    z = F.normalize(z.detach().double(), dim=1).tolist()
    labels = labels.tolist()
    n = len(z)

    def dot(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    losses = []
    for i in range(n):
        positives = [p for p in range(n) if p != i and labels[p] == labels[i]]
        if not positives:
            continue
        denominator = sum(math.exp(dot(z[i], z[a]) / temperature) for a in range(n) if a != i)
        total = 0.0
        for p in positives:
            total += math.log(math.exp(dot(z[i], z[p]) / temperature) / denominator)
        losses.append(-(temperature / base_temperature) * total / len(positives))
    return sum(losses) / len(losses) if losses else 0.0


def _normalised(n, d, seed, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(n, d, generator=generator, dtype=dtype), dim=1)


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-5), (torch.float64, 1e-10)])
@pytest.mark.parametrize(
    "labels",
    [
        [0, 1, 2, 0, 1, 2],  # two views, every class has positives
        [0, 0, 1, 2, 3, 3, 0, 0, 1, 2, 3, 3],  # several samples per class
        [0, 1, 2, 3, 4, 0, 5, 1, 6, 7],  # some classes are singletons
        [4, 4, 4, 4, 4],  # a single class
    ],
)
@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0])
def test_matches_explicit_loop(labels, temperature, dtype, tol):
    labels = torch.tensor(labels)
    z = _normalised(len(labels), 5, seed=len(labels)).to(dtype)
    loss = supcon_loss(z, labels, temperature=temperature)
    assert loss.dtype == dtype
    expected = _slow_supcon(z, labels, temperature)
    assert loss.item() == pytest.approx(expected, rel=tol, abs=tol)


def test_base_temperature_scales_loss():
    labels = torch.tensor([0, 1, 0, 1, 2, 2])
    z = _normalised(6, 4, seed=1)
    plain = supcon_loss(z, labels, temperature=0.1)
    scaled = supcon_loss(z, labels, temperature=0.1, base_temperature=0.07)
    assert scaled.item() == pytest.approx(plain.item() * 0.1 / 0.07)
    assert scaled.item() == pytest.approx(_slow_supcon(z, labels, 0.1, 0.07))


def test_unnormalised_input_is_normalised():
    labels = torch.tensor([0, 1, 0, 1])
    z = _normalised(4, 3, seed=2)
    scales = torch.tensor([[2.0], [0.5], [3.0], [10.0]], dtype=z.dtype)
    assert supcon_loss(z * scales, labels).item() == pytest.approx(supcon_loss(z, labels).item())


def test_all_singletons_gives_connected_zero():
    z = _normalised(5, 3, seed=3).requires_grad_()
    loss = supcon_loss(z, torch.arange(5))
    assert torch.isfinite(loss) and loss.item() == 0.0
    loss.backward()
    assert z.grad is not None and torch.equal(z.grad, torch.zeros_like(z))


def test_single_row():
    z = _normalised(1, 3, seed=4).requires_grad_()
    loss = supcon_loss(z, torch.tensor([0]))
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(z.grad).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_large_logits_are_stable(dtype):
    # τ = 0.01 gives logits up to 100: exp() would overflow float32 without the shift.
    labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    z = _normalised(8, 4, seed=5).to(dtype).requires_grad_()
    loss = supcon_loss(z, labels, temperature=0.01)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(z.grad).all()
    assert loss.item() == pytest.approx(_slow_supcon(z, labels, 0.01), rel=1e-4)


def test_identical_rows_of_other_classes_are_finite():
    # A collapsed batch: every cosine is 1, including between classes.
    z = torch.ones(6, 3, dtype=torch.float64, requires_grad=True)
    loss = supcon_loss(z, torch.tensor([0, 0, 1, 1, 2, 2]), temperature=0.01)
    loss.backward()
    assert loss.item() == pytest.approx(math.log(5))
    assert torch.isfinite(z.grad).all()


def test_gradcheck():
    z = _normalised(6, 3, seed=6).requires_grad_()
    labels = torch.tensor([0, 1, 0, 2, 1, 0])
    assert torch.autograd.gradcheck(
        lambda x: supcon_loss(x, labels, temperature=0.5), (z,), eps=1e-6, atol=1e-5
    )


def test_equals_nt_xent_with_instance_ids():
    n = 5
    z1 = _normalised(n, 4, seed=7)
    z2 = _normalised(n, 4, seed=8)
    ids = torch.arange(n)
    via_supcon = supcon_loss(torch.cat([z1, z2]), torch.cat([ids, ids]), temperature=0.3)
    assert nt_xent_loss(z1, z2, 0.3).item() == pytest.approx(via_supcon.item())
    # NT-Xent written out: each anchor's positive is its other view, the negatives are
    # the other 2n - 2 rows.
    z = torch.cat([z1, z2])
    total = 0.0
    for i in range(2 * n):
        p = (i + n) % (2 * n)
        logits = [float(z[i] @ z[a]) / 0.3 for a in range(2 * n) if a != i]
        total += -(float(z[i] @ z[p]) / 0.3 - math.log(sum(math.exp(v) for v in logits)))
    assert nt_xent_loss(z1, z2, 0.3).item() == pytest.approx(total / (2 * n))


def test_module_matches_function_and_does_not_mutate():
    z = _normalised(6, 4, seed=9) * 3.0
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    z_before, labels_before = z.clone(), labels.clone()
    criterion = SupConLoss(temperature=0.2, base_temperature=0.07)
    expected = supcon_loss(z, labels, temperature=0.2, base_temperature=0.07)
    assert criterion(z, labels).item() == pytest.approx(expected.item())
    assert torch.equal(z, z_before) and torch.equal(labels, labels_before)
    assert "temperature=0.2" in repr(criterion)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"temperature": 0.0}, ValueError),
        ({"temperature": -1.0}, ValueError),
        ({"base_temperature": 0.0}, ValueError),
        ({"temperature": "0.1"}, TypeError),
    ],
)
def test_bad_temperatures(kwargs, error):
    with pytest.raises(error, match="temperature"):
        supcon_loss(_normalised(4, 2, seed=0), torch.tensor([0, 0, 1, 1]), **kwargs)


def test_bad_shapes():
    z = _normalised(4, 2, seed=0)
    with pytest.raises(ValueError, match="labels must have shape"):
        supcon_loss(z, torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="2-D"):
        supcon_loss(z[None], torch.tensor([0, 1, 0, 1]))
    with pytest.raises(TypeError, match="integer"):
        supcon_loss(z, torch.tensor([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(TypeError, match="torch.Tensor"):
        supcon_loss(z, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="same shape"):
        nt_xent_loss(z, z[:3])
    with pytest.raises(ValueError, match="temperature"):
        SupConLoss(temperature=0)


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-5), (torch.float64, 1e-10)])
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1]])
@pytest.mark.parametrize("temperature", [0.1, 0.5])
def test_two_view_adapter_matches_explicit_loop(labels, temperature, dtype, tol):
    a = _normalised(5, 4, seed=10, dtype=dtype) * 2.0
    p = _normalised(5, 4, seed=11, dtype=dtype)
    labels = None if labels is None else torch.tensor(labels)
    loss = TwoViewSupConLoss(temperature=temperature)(a, p, labels)
    ids = torch.arange(5) if labels is None else labels
    expected = _slow_supcon(torch.cat([a, p]), torch.cat([ids, ids]), temperature)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(expected, rel=tol)
    if labels is None:
        assert loss.item() == pytest.approx(nt_xent_loss(a, p, temperature).item(), rel=tol)


def test_two_view_adapter_repr_and_errors():
    criterion = TwoViewSupConLoss(temperature=0.2, base_temperature=0.07)
    assert (criterion.temperature, criterion.base_temperature) == (0.2, 0.07)
    assert repr(criterion) == "TwoViewSupConLoss(temperature=0.2, base_temperature=0.07)"
    z = _normalised(3, 2, seed=0)
    assert criterion(z, z).item() == pytest.approx(
        supcon_loss(torch.cat([z, z]), torch.arange(3).repeat(2), temperature=0.2,
                    base_temperature=0.07).item())
    with pytest.raises(ValueError, match="temperature"):
        TwoViewSupConLoss(temperature=0)
    with pytest.raises(ValueError, match="same shape"):
        criterion(z, z[:2])
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        criterion(z, z, torch.tensor([0, 1]))
