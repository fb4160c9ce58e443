"""CLIP's symmetric cross-view InfoNCE against an explicit loop."""

import math

import pytest
import torch

from skcontrast.losses import clip_loss, info_nce_loss


def slow_clip(views, temperature):
    """Mean over ordered view pairs and anchors of -log softmax of the positive."""
    terms = []
    for i, va in enumerate(views):
        for j, vb in enumerate(views):
            if i == j:
                continue
            for r in range(va.shape[0]):
                a = va[r] / va[r].norm()
                sims = [float(a @ (vb[c] / vb[c].norm())) / temperature
                        for c in range(vb.shape[0])]
                log_denominator = math.log(sum(math.exp(s) for s in sims))
                terms.append(log_denominator - sims[r])
    return sum(terms) / len(terms)


@pytest.mark.parametrize("n_views", [2, 3])
@pytest.mark.parametrize("temperature", [0.1, 1.0])
def test_clip_loss_equals_the_explicit_loop(n_views, temperature):
    gen = torch.Generator().manual_seed(n_views)
    views = [torch.randn(5, 4, generator=gen, dtype=torch.float64) for _ in range(n_views)]
    assert clip_loss(views, temperature=temperature).item() == pytest.approx(
        slow_clip(views, temperature), rel=1e-10)


def test_two_views_are_the_two_directions_of_info_nce():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(6, 3, generator=gen), torch.randn(6, 3, generator=gen)
    both = (info_nce_loss(a, b, temperature=0.5) + info_nce_loss(b, a, temperature=0.5)) / 2
    torch.testing.assert_close(clip_loss([a, b], temperature=0.5), both)


def test_a_learned_temperature_gets_a_gradient():
    gen = torch.Generator().manual_seed(1)
    a, b = torch.randn(8, 3, generator=gen), torch.randn(8, 3, generator=gen)
    log_scale = torch.tensor(math.log(1 / 0.07), requires_grad=True)
    clip_loss([a, b], temperature=1 / log_scale.exp()).backward()
    assert log_scale.grad is not None and torch.isfinite(log_scale.grad)


def test_chance_value_is_log_batch_size():
    same = torch.ones(7, 3)  # every record looks the same: nothing is told apart
    assert clip_loss([same, same], temperature=0.2).item() == pytest.approx(math.log(7))


@pytest.mark.parametrize("views, temperature, match", [
    ([torch.ones(3, 2)], 1.0, "at least 2 views"),
    ([torch.ones(3, 2), torch.ones(4, 2)], 1.0, "of one shape"),
    ([torch.ones(3), torch.ones(3)], 1.0, "of one shape"),
    ([torch.ones(3, 2), torch.ones(3, 2)], 0.0, "temperature must be > 0"),
])
def test_bad_input_is_refused(views, temperature, match):
    with pytest.raises(ValueError, match=match):
        clip_loss(views, temperature=temperature)
