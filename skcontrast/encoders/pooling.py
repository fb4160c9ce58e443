"""Pooling over time: from per-timestamp representations to one vector per series.

TS2Vec's encoder (and the series encoders of SupCon and ExpCLR) output one vector per
timestamp; a series is represented by their maximum over time, optionally over the
segments of a temporal pyramid. :class:`PooledSeriesEncoder` packages an encoder and its
pooling as the single module that maps a batch of series to their embeddings.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .dilated_conv import DilatedConvEncoder

__all__ = ["PYRAMID", "PooledSeriesEncoder", "masked_max", "max_pool_over_time"]

#: Segments per level of the "multiscale" temporal pyramid: 1 + 2 + 4 pooled vectors.
PYRAMID = (1, 2, 4)


def masked_max(h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Max over time of ``h`` restricted to the timestamps where ``keep`` is true.

    Parameters
    ----------
    h : torch.Tensor of shape (batch, n_timesteps, n_components)
        Per-timestamp representations.
    keep : torch.Tensor of bool, shape (batch, n_timesteps)
        Timestamps the maximum runs over. A row whose ``keep`` is all ``False`` gets the
        dtype's minimum; callers that can meet such rows fall back to all timestamps
        (see :func:`max_pool_over_time`).

    Returns
    -------
    torch.Tensor of shape (batch, n_components)

    Examples
    --------
    >>> import torch
    >>> h = torch.tensor([[[1.0], [5.0], [3.0]]])
    >>> masked_max(h, torch.tensor([[True, False, True]]))
    tensor([[3.]])
    """
    fill = torch.finfo(h.dtype).min
    return torch.where(keep[..., None], h, torch.full((), fill, dtype=h.dtype,
                                                      device=h.device)).amax(dim=1)


def _with_fallback(keep: torch.Tensor) -> torch.Tensor:
    # A row (or segment) with no kept timestamp pools over all of them (zeros in, finite
    # out) rather than returning the float minimum.
    return keep | ~keep.any(dim=1, keepdim=True)


def max_pool_over_time(
    h: torch.Tensor, keep: torch.Tensor, *, window: str = "full_series"
) -> torch.Tensor:
    """Pool per-timestamp representations ``h`` ``(B, T, D)`` into one vector per series.

    Parameters
    ----------
    h : torch.Tensor of shape (batch, n_timesteps, n_components)
        Per-timestamp representations.
    keep : torch.Tensor of bool, shape (batch, n_timesteps)
        Timestamps the maximum runs over (e.g. the observed ones). A series, or a
        pyramid segment, with none falls back to all its timestamps.
    window : {"full_series", "multiscale"}, default="full_series"
        ``"full_series"``: the max over the whole series, ``(B, D)``. ``"multiscale"``:
        the maxima over the series, its halves and its quarters (TS2Vec's temporal
        pyramid), concatenated, ``(B, 7 * D)``.

    Returns
    -------
    torch.Tensor of shape (batch, n_components) or (batch, 7 * n_components)

    Examples
    --------
    >>> import torch
    >>> h = torch.arange(8.0).reshape(1, 4, 2)
    >>> keep = torch.ones(1, 4, dtype=torch.bool)
    >>> max_pool_over_time(h, keep).tolist()
    [[6.0, 7.0]]
    >>> max_pool_over_time(h, keep, window="multiscale").shape
    torch.Size([1, 14])
    """
    if window == "full_series":
        return masked_max(h, _with_fallback(keep))
    if window != "multiscale":
        raise ValueError(f"window must be 'full_series' or 'multiscale', got {window!r}.")
    n_timesteps = h.shape[1]
    pooled = []
    for n_segments in PYRAMID:
        bounds = np.linspace(0, n_timesteps, n_segments + 1)
        for k in range(n_segments):
            lo = int(math.floor(bounds[k]))
            hi = max(int(math.ceil(bounds[k + 1])), lo + 1)
            pooled.append(masked_max(h[:, lo:hi], _with_fallback(keep[:, lo:hi])))
    return torch.cat(pooled, dim=1)


class PooledSeriesEncoder(nn.Module):
    """A per-timestamp series encoder followed by max-pooling over time.

    Maps a batch ``(batch, n_timesteps, n_channels)`` (NaN = missing) to
    ``(batch, out_features)``: the encoder runs without a latent timestamp mask
    (``mask="all_true"``), then :func:`max_pool_over_time` pools its output.

    Parameters
    ----------
    encoder : DilatedConvEncoder
        The per-timestamp encoder (its parameters are this module's).
    pooling : {"observed", "all"}, default="observed"
        Pool over the observed timestamps only, or over all of them (TS2Vec's
        reference, where the encoder's outputs at missing timestamps take part).
    window : {"full_series", "multiscale"}, default="full_series"
        See :func:`max_pool_over_time`.

    Examples
    --------
    >>> import torch
    >>> from skcontrast._torch_utils import build_module, make_generator
    >>> from skcontrast.encoders import DilatedConvEncoder
    >>> net = build_module(lambda: PooledSeriesEncoder(
    ...     DilatedConvEncoder(1, hidden_size=8, n_components=4, depth=2)), make_generator(0))
    >>> net.eval()(torch.randn(3, 20, 1)).shape, net.out_features
    (torch.Size([3, 4]), 4)
    """

    def __init__(self, encoder: DilatedConvEncoder, *, pooling: str = "observed",
                 window: str = "full_series"):
        super().__init__()
        if pooling not in ("observed", "all"):
            raise ValueError(f"pooling must be 'observed' or 'all', got {pooling!r}.")
        if window not in ("full_series", "multiscale"):
            raise ValueError(f"window must be 'full_series' or 'multiscale', got {window!r}.")
        self.encoder = encoder
        self.pooling = pooling
        self.window = window

    @property
    def out_features(self) -> int:
        """Width of the pooled representation."""
        factor = sum(PYRAMID) if self.window == "multiscale" else 1
        return self.encoder.n_components * factor

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        h = self.encoder(x, mask="all_true", generator=generator)
        if self.pooling == "observed":
            keep = DilatedConvEncoder.observed_mask(x)
        else:
            keep = torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
        return max_pool_over_time(h, keep, window=self.window)

    def extra_repr(self) -> str:
        return f"pooling={self.pooling!r}, window={self.window!r}"
