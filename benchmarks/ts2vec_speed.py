"""TS2Vec fit speed: skcontrast vs a bare reimplementation vs the reference code, one run.

All three train the same architecture (input linear layer, 11 residual dilated-conv
blocks, 64 -> 320 channels) with the same crops, timestamp masks, hierarchical loss,
AdamW and batch size, for the same number of optimiser steps, on the same data, with the
same number of torch threads. The script prints wall-clock fit times, the ratios to
skcontrast, and the SVM-protocol accuracy each reaches on ECG200 (so speed is compared
at equal accuracy).

* **skcontrast**: :class:`skcontrast.TS2VecEmbedder`.
* **bare**: a straightforward reimplementation written in this file (``nn.Conv1d`` with
  "same" padding, a textbook loss): what one gets without the zero-padding savings.
* **reference**: the official TS2Vec code, when ``--reference PATH`` points at a local
  checkout of github.com/zhihanyue/ts2vec (never committed here).

Examples::

    python benchmarks/ts2vec_speed.py --reference /tmp/ts2vec_ref
    python benchmarks/ts2vec_speed.py --cases ecg200 long --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from skcontrast import TS2VecEmbedder
from skcontrast.datasets import load_ucr
from skcontrast.probes import SVMProbe

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, fit_reference_ts2vec, markdown_table  # noqa: E402


# --------------------------------------------------------------------------- bare baseline
class _BareBlock(nn.Module):
    def __init__(self, c_in, c_out, dilation, final):
        super().__init__()
        self.conv1 = nn.Conv1d(c_in, c_out, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv1d(c_out, c_out, 3, padding=dilation, dilation=dilation)
        self.proj = nn.Conv1d(c_in, c_out, 1) if (c_in != c_out or final) else None

    def forward(self, x):
        res = x if self.proj is None else self.proj(x)
        return self.conv2(F.gelu(self.conv1(F.gelu(x)))) + res


class _BareEncoder(nn.Module):
    def __init__(self, c_in, hidden=64, out=320, depth=10):
        super().__init__()
        self.fc = nn.Linear(c_in, hidden)
        widths = [hidden] * depth + [out]
        self.blocks = nn.Sequential(*[
            _BareBlock(widths[i - 1] if i else hidden, widths[i], 2**i, i == depth)
            for i in range(depth + 1)
        ])
        self.drop = nn.Dropout(0.1)

    def forward(self, x, train=True):
        observed = ~torch.isnan(x).any(-1)
        x = torch.nan_to_num(x) * observed[..., None]
        h = self.fc(x)
        if train:
            h = h * (observed & (torch.rand(observed.shape) < 0.5))[..., None]
        h = self.blocks(h.transpose(1, 2)).transpose(1, 2)
        return self.drop(h) if train else h


def _bare_loss(z1, z2):
    def inst(a, b):
        B = a.shape[0]
        if B == 1:
            return a.new_zeros(())
        z = torch.cat([a, b]).transpose(0, 1)  # T x 2B x D
        sim = z @ z.transpose(1, 2)
        eye = torch.eye(2 * B, dtype=torch.bool)
        logp = sim.masked_fill(eye, -math.inf).log_softmax(-1)
        idx = torch.arange(B)
        return -(logp[:, idx, idx + B].mean() + logp[:, idx + B, idx].mean()) / 2

    def temp(a, b):
        T = a.shape[1]
        if T == 1:
            return a.new_zeros(())
        z = torch.cat([a, b], dim=1)  # B x 2T x D
        sim = z @ z.transpose(1, 2)
        eye = torch.eye(2 * T, dtype=torch.bool)
        logp = sim.masked_fill(eye, -math.inf).log_softmax(-1)
        t = torch.arange(T)
        return -(logp[:, t, t + T].mean() + logp[:, t + T, t].mean()) / 2

    loss, d = 0.0, 0
    while z1.shape[1] > 1:
        loss = loss + 0.5 * inst(z1, z2) + 0.5 * temp(z1, z2)
        d += 1
        z1 = F.max_pool1d(z1.transpose(1, 2), 2).transpose(1, 2)
        z2 = F.max_pool1d(z2.transpose(1, 2), 2).transpose(1, 2)
    if z1.shape[1] == 1:
        loss = loss + 0.5 * inst(z1, z2)
        d += 1
    return loss / d


def fit_bare(x: np.ndarray, n_iters: int, seed: int, batch_size: int = 8):
    """x: (N, T, C). Global torch RNG seeded here: this is a throwaway baseline."""
    torch.manual_seed(seed)
    data = torch.from_numpy(x.astype(np.float32))
    enc = _BareEncoder(x.shape[2])
    swa = torch.optim.swa_utils.AveragedModel(enc)
    swa.update_parameters(enc)
    opt = torch.optim.AdamW(enc.parameters(), lr=1e-3)
    steps = 0
    while steps < n_iters:
        perm = torch.randperm(len(data))
        for lo in range(0, len(data) - batch_size + 1, batch_size):
            xb = data[perm[lo : lo + batch_size]]
            T = xb.shape[1]
            crop_l = int(torch.randint(2, T + 1, ()))
            left = int(torch.randint(0, T - crop_l + 1, ()))
            right = left + crop_l
            eleft = int(torch.randint(0, left + 1, ()))
            eright = int(torch.randint(right, T + 1, ()))
            off = torch.randint(-eleft, T - eright + 1, (len(xb),))
            rows = torch.arange(len(xb))[:, None]
            v1 = xb[rows, (off + eleft)[:, None] + torch.arange(right - eleft)]
            v2 = xb[rows, (off + left)[:, None] + torch.arange(eright - left)]
            z1 = enc(v1)[:, -crop_l:]
            z2 = enc(v2)[:, :crop_l]
            loss = _bare_loss(z1, z2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            swa.update_parameters(enc)
            steps += 1
            if steps >= n_iters:
                break
    swa.eval()

    def encode(xe):
        with torch.no_grad():
            out = swa.module(torch.from_numpy(xe.astype(np.float32)), train=False)
        return out.amax(dim=1).numpy()

    return encode


# --------------------------------------------------------------------------- reference
def fit_reference(path: Path, x: np.ndarray, n_iters: int | None, seed: int,
                  batch_size: int = 8):
    """Train the reference TS2Vec on ``x`` (N, T, C); ``n_iters=None`` is its default rule."""
    model = fit_reference_ts2vec(path, x, seed=seed, n_iters=n_iters, batch_size=batch_size)

    def encode(xe):
        return model.encode(xe.copy(), encoding_window="full_series")

    return encode


# --------------------------------------------------------------------------- cases
def ecg200():
    d = load_ucr("ECG200")
    return d["X_train"], d["y_train"], d["X_test"], d["y_test"]


def long_series(n=16, t=1000, seed=0):
    rng = np.random.RandomState(seed)
    tt = np.linspace(0, 60, t)
    freq = rng.uniform(0.5, 2.0, size=(n, 1, 1))
    X = np.sin(freq * tt) + 0.1 * rng.normal(size=(n, 1, t))
    return X, None, None, None


CASES = {"ecg200": (ecg200, 200), "long": (long_series, 20)}


def time_call(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def fit_ours(X, n_iters, seed):
    return TS2VecEmbedder(n_iters=n_iters, device="cpu", random_state=seed).fit(X).transform


def _ntc(encode):
    # The baselines take (N, T, C); the benchmark's arrays are (N, C, T).
    return lambda X: encode(np.ascontiguousarray(X.transpose(0, 2, 1)))


def svm_accuracy(encode, Xtr, ytr, Xte, yte):
    if ytr is None:
        return float("nan")
    Ztr, Zte = encode(Xtr), encode(Xte)
    return SVMProbe(random_state=0).fit(Ztr, ytr).score(Zte, yte)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", type=Path, default=None,
                        help="local checkout of github.com/zhihanyue/ts2vec")
    parser.add_argument("--cases", nargs="+", default=["ecg200", "long"], choices=list(CASES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-iters", type=int, default=None, help="override the step count")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    rows = []
    for case in args.cases:
        load, default_iters = CASES[case]
        Xtr, ytr, Xte, yte = load()
        n_iters = args.n_iters or default_iters
        x_ntc = np.ascontiguousarray(Xtr.transpose(0, 2, 1))
        # Untimed warm-up of every implementation on this case, so that one-off costs
        # (loading BLAS kernels, first allocations: about 1 s in a fresh process) are not
        # charged to whichever implementation happens to run first.
        fit_ours(Xtr, 2, 0)
        fit_bare(x_ntc, 2, 0)
        if args.reference is not None:
            fit_reference(args.reference, x_ntc, 2, 0)
        for seed in args.seeds:
            runs, encoders = {}, {}
            encoders["skcontrast"], runs["skcontrast"] = time_call(fit_ours, Xtr, n_iters, seed)
            enc, runs["bare"] = time_call(fit_bare, x_ntc, n_iters, seed)
            encoders["bare"] = _ntc(enc)
            if args.reference is not None:
                enc, runs["reference"] = time_call(fit_reference, args.reference, x_ntc,
                                                   n_iters, seed)
                encoders["reference"] = _ntc(enc)
            for name, seconds in runs.items():
                acc = svm_accuracy(encoders[name], Xtr, ytr, Xte, yte)
                rows.append(dict(case=case, shape="x".join(map(str, Xtr.shape)), n_iters=n_iters,
                                 seed=seed, implementation=name, fit_seconds=seconds,
                                 accuracy=acc))
            print(f"{case} seed {seed}: " + ", ".join(f"{k} {v:.1f}s" for k, v in runs.items()),
                  flush=True)
    df = pd.DataFrame(rows)
    summary = df.groupby(["case", "shape", "n_iters", "implementation"], sort=False).agg(
        fit_seconds=("fit_seconds", "mean"), accuracy=("accuracy", "mean"),
        seeds=("seed", "count")).reset_index()
    ours = summary[summary.implementation == "skcontrast"].set_index("case")["fit_seconds"]
    summary["time / skcontrast"] = [s / ours[c] for c, s in
                                    zip(summary["case"], summary["fit_seconds"])]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = (f"TS2Vec fit on CPU, equal steps and settings (batch 8, AdamW 1e-3)\n"
            f"{environment_line()}, peak RSS {peak_mb:.0f} MB\n\n" + markdown_table(summary))
    print("\n" + text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.out / "ts2vec_speed_runs.csv", index=False)
        (args.out / "ts2vec_speed.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
