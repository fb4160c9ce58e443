"""Bernoulli keep-masks drawn from an explicit generator."""

import pytest
import torch

from skcontrast.augmentations.masks import bernoulli_mask, binomial_timestamp_mask


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_frequency_matches_probability(p):
    mask = bernoulli_mask((400, 500), p, generator=torch.Generator().manual_seed(0))
    assert mask.dtype == torch.bool and mask.shape == (400, 500)
    # 200,000 draws: the standard error is at most 0.0012.
    assert abs(mask.double().mean().item() - p) < 0.006


def test_odd_sizes_extremes_and_devices():
    gen = torch.Generator().manual_seed(0)
    assert bernoulli_mask((3, 5, 7), 0.3, generator=gen).shape == (3, 5, 7)
    assert bernoulli_mask((1,), 0.3, generator=gen).shape == (1,)
    assert bernoulli_mask((4, 4), 1.0, generator=gen).all()
    assert not bernoulli_mask((4, 4), 0.0, generator=gen).any()
    assert bernoulli_mask((4,), 1 - 1e-12, generator=gen).all()
    assert bernoulli_mask((2, 3), 0.5, generator=gen, device="cpu").device.type == "cpu"


def test_deterministic_and_global_rng_untouched():
    state = torch.get_rng_state()
    a = binomial_timestamp_mask(8, 50, generator=torch.Generator().manual_seed(4))
    b = binomial_timestamp_mask(8, 50, generator=torch.Generator().manual_seed(4))
    c = binomial_timestamp_mask(8, 50, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == (8, 50)
    assert torch.equal(torch.get_rng_state(), state)


def test_invalid_arguments():
    with pytest.raises(TypeError, match="Generator"):
        bernoulli_mask((2,), 0.5, generator=None)
    with pytest.raises(ValueError, match="p must be"):
        bernoulli_mask((2,), 1.5, generator=torch.Generator())
