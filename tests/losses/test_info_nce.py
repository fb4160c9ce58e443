import math

import pytest
import torch

from skcontrast.losses.info_nce import InfoNCELoss, info_nce_loss


def slow_info_nce(anchors, positives, temperature):
    """Textbook InfoNCE with explicit loops over anchors and candidates."""
    total = 0.0
    for i in range(len(anchors)):
        a = anchors[i] / anchors[i].norm()
        sims = [float(a @ (p / p.norm())) / temperature for p in positives]
        total += -(sims[i] - math.log(sum(math.exp(s) for s in sims)))
    return total / len(anchors)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("temperature", [1.0, 0.1])
def test_matches_slow_loop(dtype, temperature):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(7, 5, generator=g, dtype=dtype)
    p = torch.randn(7, 5, generator=g, dtype=dtype)
    expected = slow_info_nce(a.double(), p.double(), temperature)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    assert info_nce_loss(a, p, temperature=temperature).item() == pytest.approx(expected, rel=tol)
    assert InfoNCELoss(temperature)(a, p).item() == pytest.approx(expected, rel=tol)


def test_scale_invariant_and_stable_at_low_temperature():
    g = torch.Generator().manual_seed(1)
    a, p = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    assert info_nce_loss(a, p).item() == pytest.approx(info_nce_loss(10 * a, 0.1 * p).item())
    assert torch.isfinite(info_nce_loss(a, p, temperature=1e-4))


def test_gradient_matches_autograd_of_slow_formula():
    g = torch.Generator().manual_seed(2)
    a = torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    p = torch.randn(3, 4, generator=g, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: info_nce_loss(x, p, temperature=0.5), (a,))


@pytest.mark.parametrize(
    "shapes", [((3, 4), (3, 5)), ((3, 4), (2, 4)), ((3,), (3,))]
)
def test_shape_errors(shapes):
    with pytest.raises(ValueError, match="same shape"):
        info_nce_loss(torch.zeros(shapes[0]), torch.zeros(shapes[1]))


def test_temperature_error():
    with pytest.raises(ValueError, match="temperature"):
        info_nce_loss(torch.ones(2, 2), torch.ones(2, 2), temperature=0)
