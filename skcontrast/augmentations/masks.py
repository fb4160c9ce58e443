"""Random keep-masks drawn from an explicit generator: TS2Vec's timestamp mask and dropout.

Both masks are Bernoulli draws. They are made from uniform 32-bit integers compared with
``round(p * 2**32)``, which is exact to ``2**-32`` (finer than ``torch.rand``'s ``2**-24``
float grid) and about a third cheaper on the CPU than ``torch.rand(...) < p``, because the
generator fills 64 bits per draw and each draw serves two mask entries. Dropout on
TS2Vec's ``(batch, time, 320)`` output draws millions of entries per step, so this matters.

Draws happen on the generator's device and are then moved to ``device``: a CPU generator
gives the same masks whether the model runs on the CPU or a GPU.
"""

from __future__ import annotations

import math

import torch

from .._torch_utils import check_generator

__all__ = ["bernoulli_mask", "binomial_timestamp_mask"]

_INT32_MIN = -(2**31)


def bernoulli_mask(
    shape,
    p: float,
    *,
    generator: torch.Generator,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Boolean tensor whose entries are independently ``True`` with probability ``p``.

    Parameters
    ----------
    shape : tuple of int
        Shape of the mask.
    p : float
        Probability of ``True``, in ``[0, 1]``.
    generator : torch.Generator
        Source of randomness (torch's global RNG is never used).
    device : torch.device or str, optional
        Device of the result; defaults to the generator's device.

    Returns
    -------
    torch.Tensor of dtype bool and shape ``shape``

    Examples
    --------
    >>> import torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> m = bernoulli_mask((1000, 100), 0.9, generator=gen)
    >>> m.dtype, abs(m.float().mean().item() - 0.9) < 0.01
    (torch.bool, True)
    """
    check_generator(generator)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p!r}.")
    shape = tuple(int(s) for s in shape)
    if device is None:
        device = generator.device
    if p == 0.0 or p == 1.0:
        return torch.full(shape, p == 1.0, dtype=torch.bool, device=device)
    n = math.prod(shape)
    # 64 uniform bits per draw, read as two uniform int32 values.
    bits = torch.randint(
        -(2**63), 2**63 - 1, ((n + 1) // 2,), generator=generator,
        device=generator.device, dtype=torch.int64,
    )
    uniform = bits.view(torch.int32)[:n]
    # Clamped so that the threshold stays a valid int32 (p within 2**-32 of 1).
    mask = uniform < _INT32_MIN + min(round(p * 2**32), 2**32 - 1)
    return mask.view(shape).to(device)


def binomial_timestamp_mask(
    n_instances: int,
    n_timesteps: int,
    *,
    p: float = 0.5,
    generator: torch.Generator,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """TS2Vec's training mask: keep each (instance, timestamp) independently with prob. ``p``.

    Parameters
    ----------
    n_instances : int
        Number of series in the batch.
    n_timesteps : int
        Number of timestamps.
    p : float, default=0.5
        Keep probability (the reference's ``generate_binomial_mask``).
    generator : torch.Generator
        Source of randomness.
    device : torch.device or str, optional
        Device of the result; defaults to the generator's device.

    Returns
    -------
    torch.Tensor of dtype bool and shape (n_instances, n_timesteps)
        ``True`` where the latent vector is kept.

    Examples
    --------
    >>> import torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> binomial_timestamp_mask(2, 5, generator=gen).shape
    torch.Size([2, 5])
    """
    return bernoulli_mask((n_instances, n_timesteps), p, generator=generator, device=device)
