"""TS2Vec on ECG200: SVM-protocol accuracy over seeds, with and without missing timestamps.

Protocol (TS2Vec, Yue et al. 2022): UCR ECG200 (train 100 / test 100, univariate,
length 96), default ``TS2VecEmbedder`` parameters, representations max-pooled over the
series, RBF SVM with the paper's C grid (``skcontrast.probes.SVMProbe``). For the
"irregular" protocol a fraction ``r`` of (instance, timestamp) cells is set to NaN in
the training and in the test set independently (``inject_missing_timestamps``, seeded
per seed and split), then training and evaluation run as usual.

Rows: skcontrast with ``pooling="observed"`` (default) and ``pooling="all"`` (the
reference's pooling), and — with ``--reference PATH`` to a local checkout of
github.com/zhihanyue/ts2vec (never committed) — the reference code under the same data,
seeds and protocol (its global RNGs seeded with the seed).

Example::

    python benchmarks/ts2vec_ecg200.py --rates 0 0.4 --seeds 0 1 2 3 4 --out benchmarks/results
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skcontrast import TS2VecEmbedder
from skcontrast.datasets import load_ucr
from skcontrast.probes import SVMProbe
from skcontrast.robustness import inject_missing_timestamps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402
from ts2vec_speed import fit_reference  # noqa: E402


def run(variant, Xtr, ytr, Xte, yte, seed, reference):
    start = time.perf_counter()
    if variant == "reference":
        encode = fit_reference(reference, np.ascontiguousarray(Xtr.transpose(0, 2, 1)), None,
                               seed)

        def transform(X):
            return encode(np.ascontiguousarray(X.transpose(0, 2, 1)))
    else:
        transform = TS2VecEmbedder(pooling=variant, device="cpu", random_state=seed).fit(
            Xtr).transform
    fit_s = time.perf_counter() - start
    acc = SVMProbe(random_state=0).fit(transform(Xtr), ytr).score(transform(Xte), yte)
    return acc, fit_s


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", nargs="+", type=float, default=[0.0, 0.2, 0.4])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--variants", nargs="+", default=["all", "observed"])
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--from-csv", type=Path, default=None,
                        help="re-summarise a runs CSV written by an earlier run instead")
    args = parser.parse_args(argv)
    variants = list(args.variants) + (["reference"] if args.reference else [])
    if args.from_csv is not None:
        df = pd.read_csv(args.from_csv)
        report(df, sorted(df["seed"].unique().tolist()), args.out)
        return

    data = load_ucr("ECG200")
    rows = []
    for rate in args.rates:
        for seed in args.seeds:
            Xtr, Xte = data["X_train"], data["X_test"]
            if rate > 0:
                Xtr = inject_missing_timestamps(Xtr, rate, random_state=10_000 + seed)
                Xte = inject_missing_timestamps(Xte, rate, random_state=20_000 + seed)
            for variant in variants:
                acc, fit_s = run(variant, Xtr, data["y_train"], Xte, data["y_test"], seed,
                                 args.reference)
                rows.append(dict(missing_rate=rate, seed=seed, variant=variant, accuracy=acc,
                                 fit_seconds=fit_s))
                print(f"rate {rate} seed {seed} {variant}: {acc:.2f} ({fit_s:.1f}s)", flush=True)
    report(pd.DataFrame(rows), args.seeds, args.out)


def report(df: pd.DataFrame, seeds, out: Path | None) -> None:
    g = df.groupby(["missing_rate", "variant"], sort=False)
    summary = g["accuracy"].agg(["mean", "std", "count"]).reset_index()
    summary["per seed"] = g["accuracy"].apply(lambda s: " ".join(f"{v:.2f}" for v in s)).values
    summary["fit seconds"] = g["fit_seconds"].mean().values
    label = {"observed": "skcontrast (pooling='observed')",
             "all": "skcontrast (pooling='all', default, as reference)",
             "reference": "reference code"}
    summary["variant"] = summary["variant"].map(label)
    text = (f"TS2Vec on ECG200, SVM protocol, seeds {seeds}\n{environment_line()}\n\n"
            + markdown_table(summary))
    print("\n" + text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        df.to_csv(out / "ts2vec_ecg200_runs.csv", index=False)
        (out / "ts2vec_ecg200.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
