"""Tests for the time-series (and tabular Gaussian-noise) augmentations."""

import math

import numpy as np
import pytest
import torch

from skcontrast.augmentations.tabular_noise import gaussian_noise
from skcontrast.augmentations.timeseries import (
    TimeSeriesAugmenter,
    jitter,
    random_crop,
    scaling,
    timestamp_mask,
)

AUGMENTATIONS = {
    "jitter": lambda x, g: jitter(x, 0.1, g),
    "scaling": lambda x, g: scaling(x, 0.2, g),
    "random_crop": lambda x, g: random_crop(x, 0.5, g),
    "timestamp_mask": lambda x, g: timestamp_mask(x, 0.3, g),
    "augmenter": lambda x, g: TimeSeriesAugmenter()(x, g),
    "gaussian_noise": lambda x, g: gaussian_noise(x, 0.1, g),
}


def _series(batch=6, n_timesteps=40, n_channels=3, missing=0.1, seed=0, dtype=torch.float32):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, n_timesteps, n_channels, generator=generator, dtype=dtype)
    holes = torch.rand(batch, n_timesteps, n_channels, generator=generator) < missing
    return x.masked_fill(holes, float("nan"))


def _gen(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", sorted(AUGMENTATIONS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_and_determinism(name, dtype):
    augment = AUGMENTATIONS[name]
    x = _series(dtype=dtype)
    a, b = augment(x, _gen(1)), augment(x, _gen(1))
    assert a.shape == x.shape and a.dtype == dtype
    torch.testing.assert_close(a, b, equal_nan=True)
    c = augment(x, _gen(2))
    assert not torch.equal(torch.nan_to_num(a), torch.nan_to_num(c))


@pytest.mark.parametrize("name", sorted(AUGMENTATIONS))
def test_input_not_mutated_and_global_rng_untouched(name):
    x = _series()
    before = x.clone()
    torch_state = torch.random.get_rng_state()
    # Reading numpy's legacy global state is the point here: nothing may advance it.
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    out = AUGMENTATIONS[name](x, _gen(3))
    assert out is not x
    torch.testing.assert_close(x, before, equal_nan=True)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002


@pytest.mark.parametrize("name", ["jitter", "scaling", "gaussian_noise"])
def test_pointwise_augmentations_keep_nan_exactly(name):
    x = _series(missing=0.2)
    out = AUGMENTATIONS[name](x, _gen(4))
    assert torch.equal(torch.isnan(out), torch.isnan(x))


def test_jitter_and_scaling_statistics():
    x = torch.ones(200, 50, 2)
    noise = jitter(x, 0.5, _gen(5)) - x
    assert noise.std().item() == pytest.approx(0.5, rel=0.05)
    assert noise.mean().item() == pytest.approx(0.0, abs=0.02)
    scaled = scaling(x, 0.2, _gen(6))
    factors = scaled[:, 0, :]
    assert torch.equal(scaled, factors[:, None, :].expand_as(scaled))  # one per (row, channel)
    assert factors.std().item() == pytest.approx(0.2, rel=0.15)
    assert not torch.equal(factors[:, 0], factors[:, 1])
    assert torch.equal(jitter(x, 0.0, _gen(0)), x)


def test_crop_full_window_is_identity():
    x = _series(missing=0.2)
    torch.testing.assert_close(random_crop(x, 1.0, _gen(7)), x, equal_nan=True)


def test_crop_matches_explicit_interpolation():
    x = _series(batch=5, n_timesteps=17, n_channels=2, missing=0.25, dtype=torch.float64)
    out = random_crop(x, 0.4, _gen(8))
    n_timesteps = x.shape[1]
    # Recover each row's window: its first and last output positions are the window ends,
    # which we find by brute force among all windows, checking the explicit rule.
    for b in range(x.shape[0]):
        found = False
        for length in range(2, n_timesteps + 1):
            for start in range(n_timesteps - length + 1):
                expected = torch.empty(n_timesteps, x.shape[2], dtype=x.dtype)
                for k in range(n_timesteps):
                    pos = start + k * (length - 1) / (n_timesteps - 1)
                    lo = min(int(math.floor(pos)), n_timesteps - 1)
                    hi = min(lo + 1, n_timesteps - 1)
                    w = pos - lo
                    near = lo if w < 0.5 else hi
                    for c in range(x.shape[2]):
                        a, z, m = x[b, lo, c].item(), x[b, hi, c].item(), x[b, near, c].item()
                        if math.isnan(m):
                            expected[k, c] = float("nan")
                        elif math.isnan(a):
                            expected[k, c] = z
                        elif math.isnan(z):
                            expected[k, c] = a
                        else:
                            expected[k, c] = a + w * (z - a)
                if torch.allclose(out[b], expected, equal_nan=True, atol=1e-12):
                    found = True
                    break
            if found:
                break
        assert found, f"row {b} is not a linear resampling of any window"


def test_crop_keeps_missing_fraction_and_window_bounds():
    x = _series(batch=50, n_timesteps=100, n_channels=1, missing=0.2)
    out = random_crop(x, 0.8, _gen(9))
    assert abs(out.isnan().float().mean().item() - x.isnan().float().mean().item()) < 0.03
    ramp = torch.arange(100.0).repeat(50, 1)[:, :, None]
    cropped = random_crop(ramp, 0.8, _gen(10))
    lengths = cropped[:, -1, 0] - cropped[:, 0, 0] + 1
    assert (lengths >= 80 - 1e-4).all() and (lengths <= 100 + 1e-4).all()
    assert len(torch.unique(lengths.round())) > 5  # lengths vary across instances


def test_timestamp_mask_masks_whole_timestamps_and_keeps_old_nan():
    x = _series(batch=20, n_timesteps=60, missing=0.05)
    out = timestamp_mask(x, 0.3, _gen(11))
    assert (out.isnan() | ~x.isnan()).all()  # NaN stays NaN
    newly = out.isnan() & ~x.isnan()
    masked_timestamps = newly.any(dim=2)
    # A masked timestamp is NaN in every channel.
    assert out.isnan().all(dim=2)[masked_timestamps].all()
    fraction = masked_timestamps.float().mean().item()
    assert 0.2 < fraction < 0.4
    observed = ~torch.isnan(out)
    torch.testing.assert_close(out[observed], x[observed])


def test_timestamp_mask_never_empties_a_series():
    x = torch.randn(50, 3, 1, generator=_gen(12))
    out = timestamp_mask(x, 0.95, _gen(13))
    assert (~out.isnan()).any(dim=1).all()


def test_augmenter_defaults_and_disabled_steps():
    augment = TimeSeriesAugmenter()
    assert (augment.jitter_sigma, augment.scaling_sigma) == (0.03, 0.1)
    assert (augment.crop_min_fraction, augment.mask_p) == (0.8, 0.1)
    assert "mask_p=0.1" in repr(augment)
    x = _series()
    identity = TimeSeriesAugmenter(0.0, 0.0, 1.0, 0.0)
    out = identity(x, _gen(0))
    assert out is not x
    torch.testing.assert_close(out, x, equal_nan=True)


def test_generator_device_independence():
    # Draws happen on the generator's device: a CPU generator with the same seed gives the
    # same view whatever device the data is on (only CPU can be checked here).
    x = _series()
    a = TimeSeriesAugmenter()(x, _gen(14))
    b = TimeSeriesAugmenter()(x.clone(), _gen(14))
    torch.testing.assert_close(a, b, equal_nan=True)


def test_gaussian_noise_per_feature_sigma():
    x = torch.zeros(4000, 3)
    out = gaussian_noise(x, torch.tensor([0.0, 1.0, 0.1]), _gen(15))
    stds = out.std(dim=0)
    assert stds[0].item() == 0.0
    assert stds[1].item() == pytest.approx(1.0, rel=0.05)
    assert stds[2].item() == pytest.approx(0.1, rel=0.05)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_noise(x, torch.tensor([1.0, 2.0]), _gen(0))
    with pytest.raises(ValueError, match="sigma"):
        gaussian_noise(x, -0.1, _gen(0))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x, g: jitter(x, -0.1, g), ValueError, "sigma"),
        (lambda x, g: scaling(x, float("nan"), g), ValueError, "sigma"),
        (lambda x, g: random_crop(x, 0.0, g), ValueError, "min_fraction"),
        (lambda x, g: random_crop(x, 1.5, g), ValueError, "min_fraction"),
        (lambda x, g: timestamp_mask(x, 1.0, g), ValueError, "p must"),
        (lambda x, g: jitter(x[0], 0.1, g), ValueError, "batch, n_timesteps, n_channels"),
        (lambda x, g: jitter(x.long(), 0.1, g), TypeError, "floating"),
        (lambda x, g: jitter(x, 0.1, None), TypeError, "Generator"),
        (lambda x, g: jitter(x, "0.1", g), TypeError, "sigma"),
        (lambda x, g: TimeSeriesAugmenter(mask_p=1.0), ValueError, "mask_p"),
    ],
)
def test_validation(call, error, match):
    with pytest.raises(error, match=match):
        call(torch.zeros(2, 5, 1), _gen(0))
