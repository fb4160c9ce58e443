"""TS2Vec's encoder: a stack of residual dilated convolutions, computed without padding waste.

The network is the one of Yue et al. (2022): a per-timestamp ``Linear`` input layer, a
timestamp mask on the latent vectors, ``depth + 1`` residual blocks of kernel-3 convolutions
with dilations ``1, 2, 4, ...`` and "same" zero padding, then dropout. Parameters are stored
as ordinary ``nn.Linear``/``nn.Conv1d`` weights, so a state dict looks like any other
convolutional network's, but the convolutions are not evaluated with ``F.conv1d``.

Why: a "same"-padded convolution with dilation ``d`` reads its side taps at ``t - d`` and
``t + d``. Where that index falls outside ``[0, T)`` the tap multiplies zero padding. For
``d >= T`` *every* side-tap read is padding, so the layer is exactly a ``1 x 1`` convolution
with the centre tap; for ``T/2 <= d < T`` each side tap still reaches ``T - d`` real
timestamps (the claim "``2d >= T`` leaves only the centre tap" is wrong: with ``T = 10`` and
``d = 6`` the outputs ``t = 6 ... 9`` do read ``x[t - 6]``). With TS2Vec's dilations up to
1024 and typical series of a few hundred timestamps, most blocks, including the expensive
320-wide last one, are in that regime, and a padded convolution spends up to two thirds of
its work on zeros. :func:`same_pad_conv1d` computes the identical sum tap by tap, each tap
being one matrix product over exactly the timestamps where it reads real data.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from .._config import get_config
from ..augmentations.masks import bernoulli_mask, binomial_timestamp_mask

__all__ = ["DilatedConvEncoder", "same_pad_conv1d"]


def _geometry(kernel_size: int, dilation: int) -> tuple[int, list[int]]:
    """Return the left padding and the shift ``s_j`` that tap ``j`` reads at.

    As in the reference, the receptive field ``rf = (k - 1) d + 1`` is padded with
    ``rf // 2`` zeros on each side and, when ``rf`` is even, the last output is dropped.
    Either way output ``t`` is ``sum_j W_j x[t + s_j]`` with ``s_j = j d - rf // 2`` and
    ``x`` zero outside ``[0, T)``.
    """
    padding = ((kernel_size - 1) * dilation + 1) // 2
    return padding, [j * dilation - padding for j in range(kernel_size)]


def _rows(shift: int, n_timesteps: int, n_instances: int) -> tuple[slice, slice]:
    """Rows of a time-major ``(T * batch, channels)`` matrix a tap writes and reads.

    A tap with ``shift`` adds ``W x[t + shift]`` to output ``t`` for the timestamps where
    ``t + shift`` is in ``[0, T)``: a contiguous range of timestamps, hence, time-major, a
    contiguous block of rows on both sides.
    """
    dst = (max(0, -shift), n_timesteps - max(0, shift))
    src = (max(0, shift), n_timesteps + min(0, shift))
    return (slice(dst[0] * n_instances, dst[1] * n_instances),
            slice(src[0] * n_instances, src[1] * n_instances))


def _taps(kernel_size: int, dilation: int, n_timesteps: int) -> tuple[tuple[int, int], ...]:
    """The ``(j, shift)`` taps whose reads hit real timestamps (``|shift| < T``)."""
    _, shifts = _geometry(kernel_size, dilation)
    return tuple((j, s) for j, s in enumerate(shifts) if abs(s) < n_timesteps)


class _SamePadConv1d(torch.autograd.Function):
    """Time-major "same" dilated convolution that never multiplies padding.

    ``x`` is ``(time, batch, in)``, contiguous; ``taps`` the ``(j, shift)`` pairs of
    :func:`_taps`. Time-major, the rows a tap reads (and writes) for all instances at once
    form one contiguous block of the ``(time * batch, in)`` matrix, so every tap is a
    single matrix product on views: no padding, no gathering copies, no per-instance
    loop. The centre tap covers all rows and initialises the output. Only the weights of
    the taps in use are copied out of the ``(out, in, k)`` weight (as contiguous
    ``(out, in)`` matrices, a cheap copy that BLAS then reads transposed): for the wide
    last block, which only ever uses its centre tap, that is a third of the weight.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, taps):
        n_timesteps, n_instances, n_in = x.shape
        x2 = x.view(-1, n_in)
        taps = sorted(taps, key=lambda tap: tap[1] != 0)  # the centre tap, if any, first
        has_centre = bool(taps) and taps[0][1] == 0
        # Per tap: its index, its weight as a contiguous (out, in) matrix, the rows it
        # writes and reads.
        plan = [(j, weight[:, :, j].contiguous(), *_rows(s, n_timesteps, n_instances))
                for j, s in taps]
        if has_centre:
            w0 = plan[0][1].t()
            out2 = torch.addmm(bias, x2, w0) if bias is not None else x2 @ w0
        else:
            out2 = x2.new_zeros(x2.shape[0], weight.shape[0])
            if bias is not None:
                out2 += bias
        for _, w, dst, src in plan[has_centre:]:
            out2[dst].addmm_(x2[src], w.t())
        ctx.save_for_backward(x)
        ctx.plan = plan
        ctx.has_centre = has_centre
        ctx.weight_shape = weight.shape
        ctx.has_bias = bias is not None
        return out2.view(n_timesteps, n_instances, -1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        plan, has_centre = ctx.plan, ctx.has_centre
        g2 = grad_out.contiguous().view(-1, ctx.weight_shape[0])
        x2 = x.view(-1, x.shape[-1])
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x2 = None
        if need_x:
            # Start from the centre tap's product (no zero fill) when there is one.
            grad_x2 = torch.mm(g2, plan[0][1]) if has_centre else x2.new_zeros(x2.shape)
            for _, w, dst, src in plan[has_centre:]:
                grad_x2[src].addmm_(g2[dst], w)
        grad_w = None
        if need_w:
            # Taps that only ever read padding get a zero gradient.
            grad_w = x.new_zeros(ctx.weight_shape)
            for j, _, dst, src in plan:
                grad_w[:, :, j] = torch.mm(g2[dst].t(), x2[src])
        ctx.plan = None
        grad_x = grad_x2.view(x.shape) if need_x else None
        grad_b = g2.sum(0) if (need_b and ctx.has_bias) else None
        return grad_x, grad_w, grad_b, None


def _conv_time_major(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                     dilation: int) -> torch.Tensor:
    """:func:`same_pad_conv1d` on a time-major ``(time, batch, in)`` input."""
    taps = _taps(weight.shape[-1], dilation, x.shape[0])
    return _SamePadConv1d.apply(x.contiguous(), weight, bias, taps)


def _library_convs(device: torch.device) -> bool:
    """Whether the encoder uses the device's own convolutions.

    As the ``dilated_conv`` setting says (:func:`skcontrast.set_config`); with
    ``"auto"``, everywhere but on the CPU, and on the CPU too when no gradient is
    recorded: the
    per-tap products pay off in TS2Vec's training steps (short crops, much padding), but
    a forward pass alone is faster with the CPU library convolution (oneDNN, channels
    first); with cache-sized batches, ``transform``'s forward pass runs 1.2-2.0x faster
    than per-tap products on batches of 256 series, from 96 to 10^4 timestamps
    (``benchmarks/bench_dilated_conv.py --inference``).
    """
    choice = get_config()["dilated_conv"]
    if choice != "auto":
        return choice == "library"
    return device.type != "cpu" or not torch.is_grad_enabled()


def _conv_channels_first(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                         dilation: int) -> torch.Tensor:
    """The same convolution on a ``(batch, in, time)`` input, by the device's own kernel.

    On a GPU one library convolution (one launch forward, two backward) costs less than a
    product per tap, whose launches and host-side bookkeeping dominate at TS2Vec's sizes.
    Only a layer whose side taps read nothing but padding is cut down, to its centre tap.
    """
    n_timesteps = x.shape[-1]
    taps = _taps(weight.shape[-1], dilation, n_timesteps)
    if len(taps) == 1 and taps[0][1] == 0:
        j = taps[0][0]
        return F.conv1d(x, weight[:, :, j : j + 1], bias)
    padding, _ = _geometry(weight.shape[-1], dilation)
    out = F.conv1d(x, weight, bias, padding=padding, dilation=dilation)
    return out[..., :n_timesteps]  # an even receptive field gives one extra output


def same_pad_conv1d(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, dilation: int
) -> torch.Tensor:
    """Dilated convolution with TS2Vec's "same" padding, channels-last, without padding waste.

    Mathematically identical to ``F.conv1d`` on ``x.transpose(1, 2)`` with
    ``padding=rf // 2`` (``rf = (k - 1) * dilation + 1``), dropping the last output when
    ``rf`` is even, and transposing back; only the products with zero padding are skipped.
    (:class:`DilatedConvEncoder` keeps its activations time-major, ``(time, batch,
    channels)``, and skips the two transposes done here.)

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_timesteps, in_channels)
        Input, channels last.
    weight : torch.Tensor of shape (out_channels, in_channels, kernel_size)
        ``nn.Conv1d`` weight.
    bias : torch.Tensor of shape (out_channels,) or None
        ``nn.Conv1d`` bias.
    dilation : int
        Spacing between taps.

    Returns
    -------
    torch.Tensor of shape (batch, n_timesteps, out_channels)

    Examples
    --------
    >>> import torch
    >>> import torch.nn.functional as F
    >>> x = torch.randn(2, 5, 3, dtype=torch.float64)
    >>> w = torch.randn(4, 3, 3, dtype=torch.float64)
    >>> padded = F.conv1d(x.transpose(1, 2), w, padding=8, dilation=8).transpose(1, 2)
    >>> torch.allclose(same_pad_conv1d(x, w, None, 8), padded)
    True
    """
    return _conv_time_major(x.transpose(0, 1), weight, bias, dilation).transpose(0, 1)


class _ConvBlock(nn.Module):
    """``GELU -> conv -> GELU -> conv`` plus a residual (projected by a ``1 x 1`` conv)."""

    def __init__(self, in_channels, out_channels, kernel_size, dilation, final):
        super().__init__()
        padding, _ = _geometry(kernel_size, dilation)
        # Stored as ordinary Conv1d modules (padding recorded for readers of the state);
        # their forward is never called, see same_pad_conv1d.
        self.conv1 = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation,
                               padding=padding)
        self.conv2 = nn.Conv1d(out_channels, out_channels, kernel_size, dilation=dilation,
                               padding=padding)
        self.projector = (
            nn.Conv1d(in_channels, out_channels, 1)
            if in_channels != out_channels or final
            else None
        )
        self.dilation = dilation

    def is_pointwise(self, n_timesteps: int) -> bool:
        """Whether, for series of this length, every output reads only its own timestamp."""
        _, shifts = _geometry(self.conv1.kernel_size[0], self.dilation)
        return all(s == 0 or abs(s) >= n_timesteps for s in shifts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` is time-major, ``(time, batch, channels)``; so is the output."""
        if self.projector is None:
            residual = x
        else:
            residual = F.linear(x, self.projector.weight[:, :, 0], self.projector.bias)
        h = _conv_time_major(F.gelu(x), self.conv1.weight, self.conv1.bias, self.dilation)
        h = _conv_time_major(F.gelu(h), self.conv2.weight, self.conv2.bias, self.dilation)
        return h + residual

    def forward_channels_first(self, x: torch.Tensor) -> torch.Tensor:
        """The same block on a ``(batch, channels, time)`` input (the accelerator path)."""
        if self.projector is None:
            residual = x
        else:
            residual = F.conv1d(x, self.projector.weight, self.projector.bias)
        h = _conv_channels_first(F.gelu(x), self.conv1.weight, self.conv1.bias, self.dilation)
        h = _conv_channels_first(F.gelu(h), self.conv2.weight, self.conv2.bias, self.dilation)
        return h + residual


class DilatedConvEncoder(nn.Module):
    """TS2Vec's timestamp-level encoder (Yue et al., 2022).

    ``Linear(n_channels -> hidden_size)`` per timestamp, the latent timestamp mask,
    ``depth + 1`` residual blocks of dilated convolutions (dilation ``2**i`` for block
    ``i``, width ``hidden_size``, the last block ``hidden_size -> n_components`` with a
    ``1 x 1`` projection on its residual), then dropout. The blocks keep their activations
    time-major, ``(time, batch, channels)``, and their convolutions skip the products with
    zero padding (see :class:`_SamePadConv1d`). In a TS2Vec training step on a CPU (crops
    of a few hundred timestamps, most blocks partly in padding) that beats padded
    ``nn.Conv1d`` layers (``benchmarks/bench_dilated_conv.py --train-step``); on full
    series of 1,600 timestamps and more, where little is padding, the library
    convolution is as fast or faster. So the blocks run channels first with the
    device's own convolutions on other devices (one launch each instead of one product
    per tap: a GPU at these sizes is bound by launches) and for inference without
    gradients on the CPU. Both paths compute the same network (tested in float64).

    Every parameter lives in an ``nn.Linear`` or ``nn.Conv1d``, so
    ``skcontrast._torch_utils.build_module`` initialises all of them from a generator.

    Parameters
    ----------
    n_channels : int
        Number of input channels ``C``.
    hidden_size : int, default=64
        Width of the input layer and of the hidden blocks.
    n_components : int, default=320
        Width of the output representation.
    depth : int, default=10
        Number of hidden blocks; the network has ``depth + 1`` blocks in all.
    kernel_size : int, default=3
        Convolution kernel size.
    dropout : float, default=0.1
        Dropout rate on the output, applied in training mode only.

    Examples
    --------
    >>> import torch
    >>> from skcontrast._torch_utils import build_module, make_generator
    >>> gen = make_generator(0)
    >>> enc = build_module(lambda: DilatedConvEncoder(2, depth=3, n_components=16), gen)
    >>> x = torch.randn(4, 30, 2)
    >>> x[0, 5] = float("nan")  # a missing timestamp
    >>> enc.train()(x, generator=gen).shape
    torch.Size([4, 30, 16])
    >>> enc.eval()(x).shape
    torch.Size([4, 30, 16])
    """

    def __init__(
        self,
        n_channels: int,
        hidden_size: int = 64,
        n_components: int = 320,
        depth: int = 10,
        kernel_size: int = 3,
        dropout: float = 0.1,
    ):
        super().__init__()
        for name, value in (("n_channels", n_channels), ("hidden_size", hidden_size),
                            ("n_components", n_components), ("kernel_size", kernel_size)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if int(depth) != depth or depth < 0:
            raise ValueError(f"depth must be a non-negative integer, got {depth!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        self.n_channels = int(n_channels)
        self.hidden_size = int(hidden_size)
        self.n_components = int(n_components)
        self.depth = int(depth)
        self.kernel_size = int(kernel_size)
        self.dropout = float(dropout)
        self.input_fc = nn.Linear(self.n_channels, self.hidden_size)
        widths = [self.hidden_size] * self.depth + [self.n_components]
        self.blocks = nn.ModuleList(
            _ConvBlock(
                widths[i - 1] if i > 0 else self.hidden_size,
                widths[i],
                self.kernel_size,
                dilation=2**i,
                final=i == self.depth,
            )
            for i in range(self.depth + 1)
        )

    def output_biases(self) -> list[nn.Parameter]:
        """The biases added to every output timestamp: the last block's two.

        The last block's output is ``conv2(...) + projector(...)``, and each bias adds
        the same vector to every timestamp of every series, so max-pooling over time
        shifts the pooled representation by it too. A loss that sees only distances
        between representations gives them no gradient but round-off (see
        :class:`~skcontrast.ExpCLREmbedder`, which does not train them).
        """
        last = self.blocks[-1]
        return [last.conv2.bias, last.projector.bias]

    @staticmethod
    def observed_mask(x: torch.Tensor) -> torch.Tensor:
        """Boolean ``(batch, n_timesteps)`` mask of observed timestamps (no channel NaN).

        Useful to pool representations over observed timestamps only.
        """
        return ~torch.isnan(x).any(dim=-1)

    def forward(
        self,
        x: torch.Tensor,
        *,
        mask: str | None = None,
        generator: torch.Generator | None = None,
        window: tuple[int, int] | None = None,
    ) -> torch.Tensor:
        """Encode every timestamp.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_timesteps, n_channels)
            Input series; a timestamp with any NaN channel is missing. Not modified.
        mask : {"binomial", "all_true"} or None, default=None
            Latent timestamp mask. ``"binomial"`` keeps each (instance, timestamp) with
            probability 0.5; ``"all_true"`` keeps all. Missing timestamps are always
            zeroed. ``None`` means ``"binomial"`` in training mode, ``"all_true"`` in
            evaluation mode, as in the reference.
        generator : torch.Generator, optional
            Source of every random draw (the binomial mask and, in training mode, dropout).
            Required when there is one: torch's global RNG is never used.
        window : (int, int), optional
            Return only timestamps ``start:stop``. Equal to slicing the full output, but
            trailing blocks whose receptive field stays within a timestamp (dilation
            ``>= n_timesteps``) and dropout run on the window only. TS2Vec's loss uses
            only the overlap of the two crops, so training passes it here.

        Returns
        -------
        torch.Tensor of shape (batch, n_timesteps or stop - start, n_components)
        """
        if x.ndim != 3 or x.shape[-1] != self.n_channels:
            raise ValueError(
                f"x must have shape (batch, n_timesteps, {self.n_channels}), got "
                f"{tuple(x.shape)}."
            )
        n_instances, n_timesteps, _ = x.shape
        if window is not None:
            start, stop = (int(v) for v in window)
            if not 0 <= start < stop <= n_timesteps:
                raise ValueError(
                    f"window must satisfy 0 <= start < stop <= {n_timesteps}, got {window!r}."
                )
        if mask is None:
            mask = "binomial" if self.training else "all_true"
        if mask not in ("binomial", "all_true"):
            raise ValueError(f"mask must be 'binomial', 'all_true' or None, got {mask!r}.")
        need_dropout = self.training and self.dropout > 0
        if (mask == "binomial" or need_dropout) and not isinstance(generator, torch.Generator):
            raise ValueError(
                "a torch.Generator is required for the binomial timestamp mask and for "
                "dropout in training mode (torch's global RNG is never used)."
            )

        observed = self.observed_mask(x)
        # Zero missing inputs out of place: the caller's tensor is never modified.
        h = self.input_fc(torch.where(observed[..., None], x, torch.zeros((), dtype=x.dtype,
                                                                           device=x.device)))
        keep = observed
        if mask == "binomial":
            keep = keep & binomial_timestamp_mask(
                n_instances, n_timesteps, p=0.5, generator=generator, device=x.device
            )
        h = h * keep[..., None].to(h.dtype)

        # Blocks from `first_pointwise` on only mix channels within a timestamp for this
        # length, so the window can be cut before them.
        first_pointwise = len(self.blocks)
        while first_pointwise > 0 and self.blocks[first_pointwise - 1].is_pointwise(n_timesteps):
            first_pointwise -= 1
        cut = window is not None
        if not _library_convs(h.device):
            # Training on the CPU the blocks run time-major, (time, batch, channels): there
            # every convolution tap is one matrix product on a contiguous block of rows,
            # with no product spent on padding (see _SamePadConv1d).
            h = h.transpose(0, 1).contiguous()
            for i, block in enumerate(self.blocks):
                if cut and i == first_pointwise:
                    h = h[start:stop]
                h = block(h)
            if cut and first_pointwise == len(self.blocks):
                h = h[start:stop]
            h = h.transpose(0, 1).contiguous()
        else:
            # Elsewhere, and for inference, channels first with the device's convolutions
            # (fewer launches on a GPU; a faster forward on a CPU).
            h = h.transpose(1, 2).contiguous()
            for i, block in enumerate(self.blocks):
                if cut and i == first_pointwise:
                    h = h[..., start:stop]
                h = block.forward_channels_first(h)
            if cut and first_pointwise == len(self.blocks):
                h = h[..., start:stop]
            h = h.transpose(1, 2).contiguous()

        if need_dropout:
            keep_out = bernoulli_mask(h.shape, 1.0 - self.dropout, generator=generator,
                                      device=h.device)
            h = h * keep_out.to(h.dtype).mul_(1.0 / (1.0 - self.dropout))
        return h
