"""TS2Vec's overlapping random crops ("contextual consistency").

Per batch, with ``T`` timestamps, draw (all bounds inclusive)

* the overlap length ``l ~ U{2**(temporal_unit + 1), ..., T}``,
* its start ``a ~ U{0, ..., T - l}`` (end ``b = a + l``),
* a left extension ``a1 ~ U{0, ..., a}`` and a right extension ``b2 ~ U{b, ..., T}``,
* per series an offset ``o ~ U{-a1, ..., T - b2}``.

View 1 is ``x[o + a1 : o + b]`` and view 2 is ``x[o + a : o + b2]``: both contain the
``l`` timestamps ``x[o + a : o + b]``, the last ``l`` of view 1 and the first ``l`` of
view 2, each in a different context. The offset bounds keep every window inside the
series, so no padding is ever needed.

The draws come from an explicit ``torch.Generator``, in the order listed above.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["CropParams", "overlapping_crops", "sample_crop_params", "take_per_row"]


class CropParams(NamedTuple):
    """The random quantities of one pair of overlapping crops.

    Parameters
    ----------
    overlap_length : int
        Length ``l`` of the shared part.
    overlap_start : int
        Start ``a`` of the shared part (before the offset).
    overlap_end : int
        End ``b = a + l`` of the shared part (exclusive).
    view1_start : int
        Start ``a1 <= a`` of view 1; view 1 ends at ``b``.
    view2_end : int
        End ``b2 >= b`` of view 2 (exclusive); view 2 starts at ``a``.
    offsets : torch.Tensor of shape (n_instances,)
        Per-series shift ``o`` (int64, on the generator's device).

    Examples
    --------
    >>> import torch
    >>> p = CropParams(4, 2, 6, 1, 8, torch.tensor([0, -1]))
    >>> p.overlap_end - p.view1_start  # length of view 1
    5
    """

    overlap_length: int
    overlap_start: int
    overlap_end: int
    view1_start: int
    view2_end: int
    offsets: torch.Tensor


def _randint(low: int, high: int, generator: torch.Generator) -> int:
    """One integer uniform on ``{low, ..., high}`` (inclusive)."""
    return int(torch.randint(low, high + 1, (), generator=generator, device=generator.device))


def sample_crop_params(
    n_instances: int,
    n_timesteps: int,
    *,
    temporal_unit: int = 0,
    generator: torch.Generator,
    device_generator: torch.Generator | None = None,
) -> CropParams:
    """Draw the crop positions of one batch, as TS2Vec does.

    Parameters
    ----------
    n_instances : int
        Number of series in the batch (one offset each).
    n_timesteps : int
        Length ``T`` of the series.
    temporal_unit : int, default=0
        The overlap is at least ``2**(temporal_unit + 1)`` long, so that the hierarchical
        loss still has a temporal term at level ``temporal_unit``.
    generator : torch.Generator
        Source of the four scalar draws (a CPU generator keeps them free of device
        round trips).
    device_generator : torch.Generator or None, default=None
        Source of the per-series offsets, which are returned on its device; defaults to
        ``generator``.

    Returns
    -------
    CropParams

    Examples
    --------
    >>> import torch
    >>> p = sample_crop_params(3, 50, generator=torch.Generator().manual_seed(0))
    >>> p.overlap_end - p.overlap_start == p.overlap_length
    True
    >>> p.offsets.shape
    torch.Size([3])
    """
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}.")
    if int(temporal_unit) != temporal_unit or temporal_unit < 0:
        raise ValueError(f"temporal_unit must be a non-negative integer, got {temporal_unit!r}.")
    if int(n_instances) != n_instances or n_instances < 1:
        raise ValueError(f"n_instances must be a positive integer, got {n_instances!r}.")
    min_length = 2 ** (int(temporal_unit) + 1)
    if n_timesteps < min_length:
        raise ValueError(
            f"series of {n_timesteps} timestamps are too short for temporal_unit="
            f"{temporal_unit}: the overlap needs at least {min_length} timestamps."
        )
    length = _randint(min_length, n_timesteps, generator)
    start = _randint(0, n_timesteps - length, generator)
    end = start + length
    view1_start = _randint(0, start, generator)
    view2_end = _randint(end, n_timesteps, generator)
    device_generator = generator if device_generator is None else device_generator
    if not isinstance(device_generator, torch.Generator):
        raise TypeError("device_generator must be a torch.Generator, got "
                        f"{type(device_generator).__name__}.")
    offsets = torch.randint(
        -view1_start, n_timesteps - view2_end + 1, (int(n_instances),),
        generator=device_generator, device=device_generator.device,
    )
    return CropParams(length, start, end, view1_start, view2_end, offsets)


def take_per_row(x: torch.Tensor, starts, length: int) -> torch.Tensor:
    """Window ``x[i, starts[i] : starts[i] + length]`` of every series, stacked.

    Parameters
    ----------
    x : torch.Tensor of shape (n_instances, n_timesteps, ...)
        Batch of series. Not modified.
    starts : array-like of int, shape (n_instances,)
        Start of each window; every window must lie inside its series.
    length : int
        Window length.

    Returns
    -------
    torch.Tensor of shape (n_instances, length, ...)
        A new tensor (a gather, not a view).

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(12.0).reshape(2, 6, 1)
    >>> take_per_row(x, torch.tensor([0, 3]), 2)[..., 0].tolist()
    [[0.0, 1.0], [9.0, 10.0]]
    """
    starts = torch.as_tensor(starts, dtype=torch.int64).to(x.device)
    n_instances, n_timesteps = x.shape[0], x.shape[1]
    if starts.shape != (n_instances,):
        raise ValueError(f"starts must have shape ({n_instances},), got {tuple(starts.shape)}.")
    if length < 1 or length > n_timesteps:
        raise ValueError(f"length must be in [1, {n_timesteps}], got {length}.")
    if n_instances and (int(starts.min()) < 0 or int(starts.max()) + length > n_timesteps):
        raise ValueError("every window must lie inside its series (0 <= start and "
                         f"start + length <= {n_timesteps}).")
    return _gather_windows(x, starts, length)


def _gather_windows(x: torch.Tensor, starts: torch.Tensor, length: int) -> torch.Tensor:
    """:func:`take_per_row` without its checks (which read ``starts`` back to the host)."""
    index = starts[:, None] + torch.arange(length, device=x.device)
    return x[torch.arange(x.shape[0], device=x.device)[:, None], index]


def overlapping_crops(
    x: torch.Tensor, *, temporal_unit: int = 0, generator: torch.Generator,
    device_generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Two overlapping random crops of every series in the batch.

    Parameters
    ----------
    x : torch.Tensor of shape (n_instances, n_timesteps, n_channels)
        Batch of series. Not modified.
    temporal_unit : int, default=0
        See :func:`sample_crop_params`.
    generator, device_generator : torch.Generator
        Sources of the crop positions and of the per-series offsets, see
        :func:`sample_crop_params`.

    Returns
    -------
    view1 : torch.Tensor of shape (n_instances, b - a1, n_channels)
        Its last ``overlap_length`` timestamps are the shared part.
    view2 : torch.Tensor of shape (n_instances, b2 - a, n_channels)
        Its first ``overlap_length`` timestamps are the shared part.
    overlap_length : int

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4, 40, 2)
    >>> v1, v2, l = overlapping_crops(x, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(v1[:, v1.shape[1] - l:], v2[:, :l])
    True
    """
    if x.ndim < 2:
        raise ValueError(f"x must have shape (n_instances, n_timesteps, ...), got "
                         f"{tuple(x.shape)}.")
    p = sample_crop_params(x.shape[0], x.shape[1], temporal_unit=temporal_unit,
                           generator=generator, device_generator=device_generator)
    # The windows lie inside the series by construction: no checks that would read the
    # offsets back from the device.
    offsets = p.offsets.to(x.device)
    view1 = _gather_windows(x, offsets + p.view1_start, p.overlap_end - p.view1_start)
    view2 = _gather_windows(x, offsets + p.overlap_start, p.view2_end - p.overlap_start)
    return view1, view2, p.overlap_length
