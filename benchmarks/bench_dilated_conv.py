"""Time skcontrast's TS2Vec encoder (and loss) against plain padded implementations.

The baselines are written here, bare, with the reference's maths and costs: the encoder
runs every dilated convolution as ``nn.Conv1d`` over a zero-padded input (channels
first), the loss builds the full ``2n x 2n`` similarity matrices and takes a
log-softmax over their off-diagonal entries. Both sides use the same weights; the script
first checks that they compute the same thing (float64, evaluation mode), then times
forward + backward, interleaving the two implementations so that load on the machine
affects both alike.

Usage::

    python benchmarks/bench_dilated_conv.py                 # encoder, T in 96 140 1000 3000
    python benchmarks/bench_dilated_conv.py --loss          # also the hierarchical loss
    python benchmarks/bench_dilated_conv.py --train-step    # also a whole TS2Vec step
    python benchmarks/bench_dilated_conv.py --optimizer     # also AdamW: foreach vs fused
    python benchmarks/bench_dilated_conv.py --inference     # also transform's forward pass
    python benchmarks/bench_dilated_conv.py --threads 1 --repeats 7

With ``--threads 1`` times are process CPU time (robust to other processes on a shared
machine); otherwise wall-clock time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

import skcontrast
from skcontrast._input import SeriesInputMixin
from skcontrast._torch_utils import build_module, make_adam, make_generator
from skcontrast.augmentations.crops import overlapping_crops
from skcontrast.encoders.dilated_conv import DilatedConvEncoder
from skcontrast.losses.hierarchical import hierarchical_contrastive_loss


class PaddedBlock(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):  # x: (B, C, T)
        b = self.block
        residual = x if b.projector is None else b.projector(x)
        h = F.gelu(x)
        for conv in (b.conv1, b.conv2):
            rf = (conv.kernel_size[0] - 1) * conv.dilation[0] + 1
            h = F.conv1d(h, conv.weight, conv.bias, padding=rf // 2, dilation=conv.dilation)
            if rf % 2 == 0:
                h = h[:, :, :-1]
            if conv is b.conv1:
                h = F.gelu(h)
        return h + residual


class PaddedEncoder(nn.Module):
    """The same network as ``DilatedConvEncoder`` (sharing its weights), padded convs."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.blocks = nn.ModuleList(PaddedBlock(b) for b in encoder.blocks)

    def forward(self, x, generator, window=None):
        enc = self.encoder
        observed = ~torch.isnan(x).any(dim=-1)
        x = torch.where(observed[..., None], x, 0.0)
        h = enc.input_fc(x)
        keep = observed
        if enc.training:
            keep = keep & (torch.rand(observed.shape, generator=generator) < 0.5)
        h = (h * keep[..., None]).transpose(1, 2)
        for block in self.blocks:
            h = block(h)
        h = h.transpose(1, 2)
        if enc.training:
            drop = torch.rand(h.shape, generator=generator) >= enc.dropout
            h = h * drop / (1 - enc.dropout)
        if window is not None:
            h = h[:, window[0]:window[1]]
        return h


def padded_pair_loss(z):
    """Reference-style contrastive term on groups ``z`` of shape (G, 2n, D)."""
    n = z.shape[1] // 2
    sim = z @ z.transpose(1, 2)
    logits = torch.tril(sim, diagonal=-1)[:, :, :-1] + torch.triu(sim, diagonal=1)[:, :, 1:]
    logits = -F.log_softmax(logits, dim=-1)
    i = torch.arange(n)
    return (logits[:, i, n + i - 1].mean() + logits[:, n + i, i].mean()) / 2


def padded_hierarchical_loss(z1, z2, alpha=0.5):
    loss, levels = 0.0, 0
    while z1.shape[1] > 1:
        if z1.shape[0] > 1:
            loss = loss + alpha * padded_pair_loss(torch.cat([z1, z2], 0).transpose(0, 1))
        loss = loss + (1 - alpha) * padded_pair_loss(torch.cat([z1, z2], 1))
        levels += 1
        z1 = F.max_pool1d(z1.transpose(1, 2), 2).transpose(1, 2)
        z2 = F.max_pool1d(z2.transpose(1, 2), 2).transpose(1, 2)
    if z1.shape[0] > 1:
        loss = loss + alpha * padded_pair_loss(torch.cat([z1, z2], 0).transpose(0, 1))
    return loss / (levels + 1)


def timed(fn, clock):
    start = clock()
    fn()
    return clock() - start


def compare(label, fns, repeats, clock):
    times = {name: [] for name in fns}
    for fn in fns.values():  # warm-up
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn, clock))
    base, ours = (times[k] for k in fns)
    ratio_min = min(base) / min(ours)
    ratio_med = statistics.median(base) / statistics.median(ours)
    print(f"{label:<28} baseline {min(base) * 1e3:9.1f} ms   skcontrast {min(ours) * 1e3:9.1f} ms"
          f"   ratio {ratio_min:5.2f}x (median {ratio_med:5.2f}x)", flush=True)


def embed(encoder, x, rows, library):
    """Forward ``x`` in batches of ``rows`` series, forcing one convolution path."""
    with torch.no_grad(), skcontrast.config_context(
            dilated_conv="library" if library else "per_tap"):
        for lo in range(0, x.shape[0], rows):
            encoder(x[lo : lo + rows])


def check_equal(encoder, padded):
    enc64 = encoder.double().eval()
    x = torch.randn(3, 300, encoder.n_channels, dtype=torch.float64)
    x[0, 10] = float("nan")
    with torch.no_grad():
        diff = (enc64(x) - padded.double()(x, None)).abs().max().item()
    encoder.float()
    print(f"max |fast - padded| in float64, eval mode, T=300: {diff:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[96, 140, 1000, 3000])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--loss", action="store_true", help="also time the loss alone")
    parser.add_argument("--train-step", action="store_true",
                        help="also time crops + 2 encoder passes + loss + backward")
    parser.add_argument("--optimizer", action="store_true",
                        help="also time one AdamW step on the encoder's parameters: torch's "
                             "foreach implementation vs skcontrast's make_adam (fused)")
    parser.add_argument("--inference", action="store_true",
                        help="also time the forward pass of transform (no gradient): "
                             "per-tap products on batches of 256 series (baseline) vs the "
                             "library convolution on cache-sized batches (skcontrast)")
    parser.add_argument("--inference-series", type=int, default=64,
                        help="series embedded per --inference timing")
    parser.add_argument("--max-loss-length", type=int, default=1000,
                        help="skip loss/train-step timings above this length (the padded "
                             "loss needs O(B (2T)^2) memory and minutes on a CPU)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    clock = time.process_time if torch.get_num_threads() == 1 else time.perf_counter
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"{'process CPU' if clock is time.process_time else 'wall-clock'} time, "
          f"batch {args.batch_size}, {args.channels} channel(s), min over {args.repeats} runs")

    gen = make_generator(0)
    encoder = build_module(lambda: DilatedConvEncoder(args.channels), gen)
    padded = PaddedEncoder(encoder)
    check_equal(encoder, padded)
    encoder.train()

    print("\nencoder forward + backward (training mode, full output)")
    for n_timesteps in args.lengths:
        x = torch.randn(args.batch_size, n_timesteps, args.channels, generator=gen)
        compare(f"T={n_timesteps}", {
            "baseline": lambda x=x: padded(x, gen).sum().backward(),
            "ours": lambda x=x: encoder(x, generator=gen).sum().backward(),
        }, args.repeats, clock)

    if args.loss:
        print("\nhierarchical loss forward + backward (D=320)")
        for n_timesteps in args.lengths:
            if n_timesteps > args.max_loss_length:
                continue
            z1 = torch.randn(args.batch_size, n_timesteps, 320, generator=gen,
                             requires_grad=True)
            z2 = torch.randn(args.batch_size, n_timesteps, 320, generator=gen,
                             requires_grad=True)
            compare(f"T={n_timesteps}", {
                "baseline": lambda z1=z1, z2=z2: padded_hierarchical_loss(z1, z2).backward(),
                "ours": lambda z1=z1, z2=z2: hierarchical_contrastive_loss(z1, z2).backward(),
            }, args.repeats, clock)

    if args.train_step:
        print("\nTS2Vec step: crops, 2 encoder passes, loss, backward (same crops both sides)")
        for n_timesteps in args.lengths:
            if n_timesteps > args.max_loss_length:
                continue
            x = torch.randn(args.batch_size, n_timesteps, args.channels, generator=gen)
            crops = [overlapping_crops(x, generator=gen) for _ in range(args.repeats + 1)]
            state = {"baseline": 0, "ours": 0}

            def step(name, crops=crops, state=state):
                v1, v2, length = crops[state[name] % len(crops)]
                state[name] += 1
                w1 = (v1.shape[1] - length, v1.shape[1])
                if name == "baseline":
                    z1, z2 = padded(v1, gen, w1), padded(v2, gen, (0, length))
                    padded_hierarchical_loss(z1, z2).backward()
                else:
                    z1 = encoder(v1, generator=gen, window=w1)
                    z2 = encoder(v2, generator=gen, window=(0, length))
                    hierarchical_contrastive_loss(z1, z2).backward()

            compare(f"T={n_timesteps}", {
                "baseline": lambda: step("baseline"),
                "ours": lambda: step("ours"),
            }, args.repeats, clock)

    if args.inference:
        print(f"\ninference forward, no gradient, {args.inference_series} series: per-tap "
              "products in batches of 256 (baseline) vs library convolution in batches of "
              f"<= {SeriesInputMixin._inference_timestamps} timestamps (skcontrast)")
        encoder.eval()
        for n_timesteps in args.lengths:
            x = torch.randn(args.inference_series, n_timesteps, args.channels, generator=gen)
            rows = max(1, SeriesInputMixin._inference_timestamps // n_timesteps)
            compare(f"T={n_timesteps}", {
                "baseline": lambda x=x: embed(encoder, x, 256, library=False),
                "ours": lambda x=x, rows=rows: embed(encoder, x, rows, library=True),
            }, args.repeats, clock)
        encoder.train()

    if args.optimizer:
        print("\nAdamW, 50 steps on the encoder's parameters: foreach (baseline) vs fused")
        params = list(encoder.parameters())
        for p in params:
            p.grad = torch.randn(p.shape, generator=gen)
        optimizers = {
            "baseline": torch.optim.AdamW(params, lr=1e-3, foreach=True),
            "ours": make_adam(params, 1e-3, decoupled=True),
        }

        def fifty_steps(optimizer):
            for _ in range(50):
                optimizer.step()

        compare(f"{len(params)} tensors", {
            name: lambda o=o: fifty_steps(o) for name, o in optimizers.items()
        }, args.repeats, clock)


if __name__ == "__main__":
    main()
