"""Random views of time series for supervised contrastive learning (SupCon).

Every function takes a tensor of layout ``(batch, n_timesteps, n_channels)`` (the
layout of the TS2Vec encoder), returns a *new* tensor of the same shape and dtype, and
draws its randomness from an explicit ``torch.Generator``, never from torch's global
RNG. NaN marks a missing cell and stays NaN: jitter and scaling leave it alone, the
crop resamples the missing-value mask together with the values, and the timestamp mask
*adds* missing timestamps that the encoder then treats like any other missing data.

Random numbers are drawn on the generator's device and then moved to the data, so a
CPU generator gives the same views whether the batch lives on the CPU or a GPU.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from .._torch_utils import check_generator

__all__ = [
    "TimeSeriesAugmenter",
    "jitter",
    "random_crop",
    "scaling",
    "timestamp_mask",
]


def _check_series(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}.")
    if x.ndim != 3:
        raise ValueError(
            "x must have shape (batch, n_timesteps, n_channels), got shape "
            f"{tuple(x.shape)}; add a channel axis with x[..., None] for univariate series."
        )
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor (NaN = missing), got {x.dtype}.")



def _check_real(value, name, *, low, high=math.inf, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}.")
    return value


def _randn(shape, generator, like):
    """Standard normal draws on the generator's device, returned on ``like``'s."""
    draw = torch.randn(shape, generator=generator, device=generator.device, dtype=like.dtype)
    return draw.to(like.device)


def _rand(shape, generator, device, dtype=torch.float64):
    draw = torch.rand(shape, generator=generator, device=generator.device, dtype=dtype)
    return draw.to(device)


def jitter(x: torch.Tensor, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """Add i.i.d. Gaussian noise ``N(0, sigma**2)`` to every cell.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_timesteps, n_channels)
        Floating-point series; NaN cells stay NaN.
    sigma : float
        Noise standard deviation (>= 0), in the units of ``x``.
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    x_jittered : torch.Tensor
        New tensor, same shape, dtype and device as ``x``.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.augmentations.timeseries import jitter
    >>> x = torch.zeros(2, 5, 1)
    >>> out = jitter(x, 0.1, torch.Generator().manual_seed(0))
    >>> out.shape
    torch.Size([2, 5, 1])
    """
    _check_series(x)
    check_generator(generator)
    sigma = _check_real(sigma, "sigma", low=0.0)
    return x + sigma * _randn(x.shape, generator, x)


def scaling(x: torch.Tensor, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """Multiply each (instance, channel) by a random factor drawn from ``N(1, sigma**2)``.

    One factor per instance and channel, shared by all timestamps, so the shape of the
    signal is kept and only its amplitude changes (as a different electrode gain would).

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_timesteps, n_channels)
        Floating-point series; NaN cells stay NaN.
    sigma : float
        Standard deviation of the factors (>= 0).
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    x_scaled : torch.Tensor
        New tensor, same shape, dtype and device as ``x``.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.augmentations.timeseries import scaling
    >>> x = torch.ones(1, 4, 2)
    >>> out = scaling(x, 0.1, torch.Generator().manual_seed(0))
    >>> bool((out[0, 0] == out[0, 3]).all())  # constant over time
    True
    """
    _check_series(x)
    check_generator(generator)
    sigma = _check_real(sigma, "sigma", low=0.0)
    factors = 1.0 + sigma * _randn((x.shape[0], 1, x.shape[2]), generator, x)
    return x * factors


def random_crop(x: torch.Tensor, min_fraction: float, generator: torch.Generator) -> torch.Tensor:
    """Take a random window of each series and stretch it back to the full length.

    For each instance a window length ``L`` is drawn uniformly among the integers in
    ``[ceil(min_fraction * T), T]`` and its start uniformly among the valid positions;
    the window is then resampled at ``T`` evenly spaced points with linear
    interpolation. A window of full length returns the series unchanged.

    Missing values are resampled as a mask: an output cell is missing exactly when the
    input cell *nearest* to its position is missing, so the fraction of missing cells
    is kept (rather than growing around every NaN). An observed output cell next to a
    missing input cell takes the value of its observed neighbour.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_timesteps, n_channels)
        Floating-point series, NaN = missing.
    min_fraction : float in (0, 1]
        Smallest window length as a fraction of ``n_timesteps``. The stretch factor is
        at most ``1 / min_fraction``.
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    x_cropped : torch.Tensor
        New tensor, same shape, dtype and device as ``x``.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.augmentations.timeseries import random_crop
    >>> x = torch.arange(10.0).reshape(1, 10, 1)
    >>> out = random_crop(x, 0.5, torch.Generator().manual_seed(0))
    >>> out.shape
    torch.Size([1, 10, 1])
    >>> bool((out.diff(dim=1) >= 0).all())  # a stretched piece of a ramp is a ramp
    True
    """
    _check_series(x)
    check_generator(generator)
    min_fraction = _check_real(min_fraction, "min_fraction", low=0.0, high=1.0, low_open=True)
    batch, n_timesteps, n_channels = x.shape
    if n_timesteps < 2 or batch == 0:
        return x.clone()
    device = x.device
    # Window of at least 2 points so that interpolation has something to work with.
    min_length = min(n_timesteps, max(2, math.ceil(min_fraction * n_timesteps - 1e-9)))
    n_lengths = n_timesteps - min_length + 1
    draws = _rand((batch, 2), generator, device)
    lengths = (min_length + torch.floor(draws[:, 0] * n_lengths)).clamp(max=n_timesteps)
    starts = torch.floor(draws[:, 1] * (n_timesteps - lengths + 1)).clamp(
        max=n_timesteps - lengths
    )
    # Positions in float64 so that a full-length window lands exactly on the integers.
    steps = torch.arange(n_timesteps, device=device, dtype=torch.float64)
    positions = starts[:, None] + steps[None, :] * (lengths[:, None] - 1) / (n_timesteps - 1)
    lower = positions.floor().long().clamp(0, n_timesteps - 1)
    upper = (lower + 1).clamp(max=n_timesteps - 1)
    weight = (positions - lower).to(x.dtype)[:, :, None]
    nearest = torch.where(weight[:, :, 0] < 0.5, lower, upper)

    def take(index):
        return torch.gather(x, 1, index[:, :, None].expand(batch, n_timesteps, n_channels))

    left, right, closest = take(lower), take(upper), take(nearest)
    # Fill each side's NaN with the other side, so an observed neighbour is used alone.
    left_filled = torch.where(torch.isnan(left), right, left)
    right_filled = torch.where(torch.isnan(right), left, right)
    values = left_filled + weight * (right_filled - left_filled)
    return torch.where(torch.isnan(closest), closest, values)


def timestamp_mask(x: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """Make a random fraction of timestamps missing (all channels set to NaN).

    Each (instance, timestamp) is masked independently with probability ``p``. An
    instance whose every fully observed timestamp would be masked is left unmasked,
    so no view becomes entirely missing (an encoder cannot represent an empty series).

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_timesteps, n_channels)
        Floating-point series, NaN = missing.
    p : float in [0, 1)
        Masking probability per timestamp.
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    x_masked : torch.Tensor
        New tensor, same shape, dtype and device as ``x``, with more NaN.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.augmentations.timeseries import timestamp_mask
    >>> out = timestamp_mask(torch.zeros(4, 100, 2), 0.3, torch.Generator().manual_seed(0))
    >>> 0.1 < out.isnan().float().mean().item() < 0.5
    True
    """
    _check_series(x)
    check_generator(generator)
    p = _check_real(p, "p", low=0.0, high=1.0, high_open=True)
    batch, n_timesteps, _ = x.shape
    if p == 0.0 or batch == 0 or n_timesteps == 0:
        return x.clone()
    mask = _rand((batch, n_timesteps), generator, x.device) < p
    fully_observed = ~torch.isnan(x).any(dim=2)
    emptied = fully_observed.any(dim=1) & ~(fully_observed & ~mask).any(dim=1)
    mask = mask & ~emptied[:, None]
    return x.masked_fill(mask[:, :, None], float("nan"))


class TimeSeriesAugmenter(nn.Module):
    """Compose crop, scaling, jitter and timestamp masking into one random view.

    The steps run in that order: the crop first (it changes the time axis), then the
    amplitude changes, and the mask last so that masked cells are exactly NaN rather
    than interpolated or perturbed. A step whose parameter is 0 (or
    ``crop_min_fraction=1``) is skipped.

    The defaults suit z-normalised, ECG-like signals (unit variance per series):

    - ``jitter_sigma=0.03``: 3 % of the signal's standard deviation, about the level
      of sensor noise; larger jitter starts to blur narrow waves such as the QRS
      complex that carry the class information.
    - ``scaling_sigma=0.1``: ±10 % amplitude, the order of gain and electrode-contact
      variation between recordings.
    - ``crop_min_fraction=0.8``: windows of at least 80 % of the series stretched by at
      most 1.25x, the order of heart-rate variation, so a beat-length window keeps its
      main deflections.
    - ``mask_p=0.1``: 10 % of timestamps missing, so the encoder learns to rely on
      context (and copes with missing data at test time) without losing the shape.

    The module has no parameters; it is a module only so that it composes with other
    ``torch.nn`` building blocks.

    Parameters
    ----------
    jitter_sigma : float, default=0.03
        See :func:`jitter`.
    scaling_sigma : float, default=0.1
        See :func:`scaling`.
    crop_min_fraction : float, default=0.8
        See :func:`random_crop`; 1 disables cropping.
    mask_p : float, default=0.1
        See :func:`timestamp_mask`.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.augmentations.timeseries import TimeSeriesAugmenter
    >>> augment = TimeSeriesAugmenter()
    >>> x = torch.randn(8, 96, 1, generator=torch.Generator().manual_seed(0))
    >>> view = augment(x, torch.Generator().manual_seed(1))
    >>> view.shape
    torch.Size([8, 96, 1])
    """

    def __init__(
        self,
        jitter_sigma: float = 0.03,
        scaling_sigma: float = 0.1,
        crop_min_fraction: float = 0.8,
        mask_p: float = 0.1,
    ):
        super().__init__()
        self.jitter_sigma = _check_real(jitter_sigma, "jitter_sigma", low=0.0)
        self.scaling_sigma = _check_real(scaling_sigma, "scaling_sigma", low=0.0)
        self.crop_min_fraction = _check_real(
            crop_min_fraction, "crop_min_fraction", low=0.0, high=1.0, low_open=True
        )
        self.mask_p = _check_real(mask_p, "mask_p", low=0.0, high=1.0, high_open=True)

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Return one random view of ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_timesteps, n_channels)
            Floating-point series, NaN = missing. Not modified.
        generator : torch.Generator
            Source of randomness for every step.

        Returns
        -------
        view : torch.Tensor
            New tensor, same shape, dtype and device as ``x``.
        """
        _check_series(x)
        check_generator(generator)
        out = x
        if self.crop_min_fraction < 1.0:
            out = random_crop(out, self.crop_min_fraction, generator)
        if self.scaling_sigma > 0.0:
            out = scaling(out, self.scaling_sigma, generator)
        if self.jitter_sigma > 0.0:
            out = jitter(out, self.jitter_sigma, generator)
        if self.mask_p > 0.0:
            out = timestamp_mask(out, self.mask_p, generator)
        return out.clone() if out is x else out

    def extra_repr(self) -> str:
        return (
            f"jitter_sigma={self.jitter_sigma}, scaling_sigma={self.scaling_sigma}, "
            f"crop_min_fraction={self.crop_min_fraction}, mask_p={self.mask_p}"
        )
