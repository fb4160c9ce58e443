"""Additive Gaussian noise: a simple random view of tabular rows for SupCon.

SCARF's marginal corruption lives in :mod:`skcontrast.augmentations.corruption`; this is
the simpler alternative for standardised numerical features, where a small
perturbation of every feature is a plausible "same sample" view.
"""

from __future__ import annotations

import torch

from .._torch_utils import check_generator

__all__ = ["gaussian_noise"]


def gaussian_noise(
    x: torch.Tensor, sigma: float | torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Add i.i.d. Gaussian noise to every entry of ``x``.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Floating-point rows (any shape is accepted; the last axis is the features).
        NaN entries stay NaN.
    sigma : float or torch.Tensor of shape (n_features,)
        Noise standard deviation, a single value or one per feature (e.g. a fraction of
        each feature's training standard deviation when the data is not standardised).
        Must be >= 0.
    generator : torch.Generator
        Source of randomness; drawn on its own device, then moved to ``x``'s, so a CPU
        generator gives the same noise on any device.

    Returns
    -------
    x_noisy : torch.Tensor
        New tensor, same shape, dtype and device as ``x``.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.augmentations.tabular_noise import gaussian_noise
    >>> x = torch.zeros(3, 2)
    >>> gaussian_noise(x, 0.1, torch.Generator().manual_seed(0)).shape
    torch.Size([3, 2])
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}.")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}.")
    check_generator(generator)
    if isinstance(sigma, torch.Tensor):
        if x.ndim == 0 or sigma.shape not in ((), (x.shape[-1],)):
            raise ValueError(
                f"sigma must be a scalar or have shape ({x.shape[-1] if x.ndim else 1},), "
                f"got {tuple(sigma.shape)}."
            )
        sigma = sigma.to(device=x.device, dtype=x.dtype)
        if not bool(torch.isfinite(sigma).all()) or bool((sigma < 0).any()):
            raise ValueError("sigma must be finite and >= 0 for every feature.")
    else:
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)):
            raise TypeError(f"sigma must be a float or a tensor, got {sigma!r}.")
        if not (sigma >= 0 and sigma != float("inf")):
            raise ValueError(f"sigma must be finite and >= 0, got {sigma!r}.")
    noise = torch.randn(x.shape, generator=generator, device=generator.device, dtype=x.dtype)
    return x + sigma * noise.to(x.device)
