"""How far a last-bit change moves the pinned embeddings: the basis of the pins' tolerance.

Another CPU computes the same float32 sums in another order (other SIMD widths, other
BLAS kernels), so its results differ from ours in the last bits. This script imitates
that: for every case of ``tests/embedders/pin_cases.py`` it multiplies a random half of
the input values by ``1 + 2**-23`` (one float32 ulp, relative), refits, and records how
far the three pinned quantities move (the first row's first three values, the last
row's last three, and the sum of all embeddings), relative to the values' scale. For
ExpCLR it also perturbs the expert features the same way. Early stopping is a second
way a last-bit change can act: it compares validation losses, so it also records the
smallest relative gap between a validation loss and the best one before it (a gap
below ~1e-6 would let another CPU stop at another epoch).

Run (about a minute, one torch thread)::

    python benchmarks/pin_sensitivity.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.base import clone

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "embedders"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import environment_line, markdown_table  # noqa: E402
from pin_cases import cases  # noqa: E402

from skcontrast.expert_features import time_series_expert_features  # noqa: E402

ULP32 = 2.0**-23


def perturb(A: np.ndarray, seed: int) -> np.ndarray:
    """A copy of ``A`` with a random half of its finite values moved by one float32 ulp."""
    rng = np.random.RandomState(seed)
    out = np.array(A, dtype=np.float64, copy=True)
    chosen = np.isfinite(out) & (rng.uniform(size=out.shape) < 0.5)
    out[chosen] *= 1.0 + ULP32
    return out


def pinned_quantities(Z: np.ndarray) -> np.ndarray:
    return np.concatenate([Z[0, :3], Z[-1, -3:], [Z.sum(dtype=np.float64)]])


def relative_moves(Z0: np.ndarray, Z1: np.ndarray) -> tuple[float, float]:
    """(largest move of a pinned value / largest |embedding value|, relative move of the sum)."""
    q0, q1 = pinned_quantities(Z0), pinned_quantities(Z1)
    values = np.abs(q1[:6] - q0[:6]).max() / np.abs(Z0).max()
    total = abs(q1[6] - q0[6]) / abs(q0[6])
    return float(values), float(total)


def smallest_stopping_gap(estimator) -> float:
    """Smallest |valid_loss - best so far| / |best| over the epochs (inf without validation)."""
    history = getattr(estimator, "history_", [])  # UntrainedEmbedder has none
    losses = [r["valid_loss"] for r in history if "valid_loss" in r]
    gaps = [abs(loss - min(losses[:k])) / abs(min(losses[:k]))
            for k, loss in enumerate(losses) if k > 0]
    return min(gaps) if gaps else float("inf")


def fit_embed(estimator, X, y, X_embed):
    estimator.fit(X) if y is None else estimator.fit(X, y)
    return estimator.transform(X_embed), estimator


def expert_perturbed(estimator, seed):
    """The estimator with its expert features (a callable, or the series default) moved
    by one float32 ulp."""
    base = estimator.expert_features or time_series_expert_features

    def features(X):
        return perturb(np.asarray(base(X), dtype=np.float64), seed)

    return clone(estimator).set_params(expert_features=features)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="perturbations per case")
    parser.add_argument("--out", type=Path, default=None, help="folder for the Markdown file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    rows = []
    for name, (estimator, X, y) in cases().items():
        Z0, fitted = fit_embed(clone(estimator), X, y, X)
        moves = [relative_moves(Z0, fit_embed(clone(estimator), perturb(X, s), y, X)[0])
                 for s in range(args.seeds)]
        row = {"case": name,
               "input: values": max(m[0] for m in moves),
               "input: sum": max(m[1] for m in moves)}
        if name.startswith("expclr") and (estimator.expert_features is not None
                                          or np.ndim(X) == 3):
            moves = [relative_moves(Z0, fit_embed(expert_perturbed(estimator, s), X, y, X)[0])
                     for s in range(args.seeds)]
            row["expert features: values"] = max(m[0] for m in moves)
            row["expert features: sum"] = max(m[1] for m in moves)
        row["closest early-stopping tie"] = smallest_stopping_gap(fitted)
        rows.append(row)
        print(row, flush=True)

    df = pd.DataFrame(rows)
    worst = df.drop(columns=["case", "closest early-stopping tie"]).max().max()
    text = "\n".join([
        "# Pinned embeddings under a last-bit change",
        "",
        f"`python benchmarks/pin_sensitivity.py --seeds {args.seeds}`",
        "",
        environment_line(),
        "",
        f"Each case refitted {args.seeds} times with a random half of its inputs (and, for "
        "ExpCLR, of its expert features) multiplied by 1 + 2^-23 (one float32 ulp). "
        "Columns: the largest move of a pinned value relative to the largest |embedding "
        "value|, and the relative move of the embeddings' sum; the last column is the "
        "smallest relative gap between a validation loss and the best before it (inf: no "
        "early stopping).",
        "",
        markdown_table(df.fillna(np.nan), floatfmt=".1e"),
        "",
        f"Largest move: {worst:.1e}. The pins' tolerance "
        "(`tests/embedders/test_pinned_embeddings.py`) is set from this.",
        "",
    ])
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "pin_sensitivity.md").write_text(text)


if __name__ == "__main__":
    main()
