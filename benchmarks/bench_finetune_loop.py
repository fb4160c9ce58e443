"""Per-batch cost of fine-tuning: skcontrast's training loop against skorch's NeuralNetClassifier.

The same network (SCARF's 4-layer MLP encoder plus a 2-layer head), the same data, the
same optimiser (Adam with torch's fused kernel), the same batch size and number of
epochs, no validation split: the only difference is the loop around the forward and
backward passes. skorch's loop draws each batch through a ``DataLoader`` that indexes
and collates rows one by one; skcontrast's indexes a tensor once per batch.

    OMP_NUM_THREADS=1 python benchmarks/bench_finetune_loop.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from _common import environment_line
from skorch import NeuralNetClassifier
from torch import nn

from skcontrast._torch_utils import build_module, make_adam, make_generator
from skcontrast._training import TrainingTask, train
from skcontrast.encoders import MLP, ProjectionHead

CASES = [(512, 30, 40), (5_000, 50, 8), (20_000, 50, 3)]  # rows, features, epochs


def _network(n_features: int) -> nn.Module:
    return build_module(
        lambda: nn.Sequential(MLP(n_features, 256), ProjectionHead(256, 2)), make_generator(0)
    )


def time_skorch(X, y, epochs, batch_size) -> float:
    net = NeuralNetClassifier(
        _network(X.shape[1]), criterion=nn.CrossEntropyLoss, optimizer=torch.optim.Adam,
        optimizer__fused=True, lr=1e-3, max_epochs=epochs, batch_size=batch_size,
        train_split=None, iterator_train__shuffle=True, verbose=0,
    )
    start = time.perf_counter()
    net.fit(X, y)
    return time.perf_counter() - start


def time_skcontrast(X, y, epochs, batch_size) -> float:
    module = _network(X.shape[1])
    x, t = torch.from_numpy(X), torch.from_numpy(y)

    def batch_loss(idx, gen):
        return F.cross_entropy(module(x[idx]), t[idx])

    start = time.perf_counter()
    train(TrainingTask(module, len(X), batch_loss), make_adam(module.parameters(), 1e-3),
          batch_size=batch_size, device="cpu", generator=make_generator(0), max_epochs=epochs,
          min_batch_size=1)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--out", help="folder for bench_finetune_loop.md")
    args = parser.parse_args(argv)
    rng = np.random.RandomState(0)
    lines = [
        "# Fine-tuning loop: skcontrast vs skorch, milliseconds per batch",
        "",
        f"`OMP_NUM_THREADS=1 python benchmarks/bench_finetune_loop.py "
        f"{' '.join(sys.argv[1:] if argv is None else argv)}`; best of "
        f"{args.repeats} runs each, batch size {args.batch_size}, the same network, data "
        "and fused Adam.",
        "",
        environment_line(),
        "",
        "| rows | features | epochs | batches | skorch ms/batch | skcontrast ms/batch | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, d, epochs in CASES:
        X = rng.normal(size=(n, d)).astype(np.float32)
        y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
        n_batches = epochs * int(np.ceil(n / args.batch_size))
        time_skorch(X[:256], y[:256], 1, args.batch_size)  # warm-up
        time_skcontrast(X[:256], y[:256], 1, args.batch_size)
        skorch_s = min(time_skorch(X, y, epochs, args.batch_size) for _ in range(args.repeats))
        ours_s = min(time_skcontrast(X, y, epochs, args.batch_size)
                     for _ in range(args.repeats))
        lines.append(
            f"| {n} | {d} | {epochs} | {n_batches} | {1e3 * skorch_s / n_batches:.2f} | "
            f"{1e3 * ours_s / n_batches:.2f} | {skorch_s / ours_s:.2f}x |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        path = Path(args.out) / "bench_finetune_loop.md"
        path.write_text(text)
        print(f"wrote {path}")
    else:
        print(text)


if __name__ == "__main__":
    main()
