"""TS2Vec fidelity on long series: skcontrast against the reference code, side by side.

For each long UCR dev set and seed, both implementations train TS2Vec with the paper's
settings (batch 8, AdamW 1e-3, ``max_train_length=3000``, the step rule 200/600,
``full_series`` max-pooled encodings) on the same raw training series and the same
device, and both embeddings go through the same SVM protocol
(:class:`skcontrast.probes.SVMProbe`, TS2Vec's). The reference is the official code from
a local checkout given with ``--reference`` (github.com/zhihanyue/ts2vec; never committed
here); it seeds numpy's and torch's global generators as its scripts do.

Every run is its own process (``--jobs`` of them at a time, which on a GPU share it:
the fit times are then indicative only). Reported: accuracy per implementation, dataset
and seed, the paired difference (skcontrast - reference) per dataset and over all pairs
with its standard error. Run::

    python benchmarks/ts2vec_long_fidelity.py --reference /path/to/ts2vec --device cuda \\
        --jobs 6 --out benchmarks/results

Each finished run is appended to ``ts2vec_long_fidelity.csv`` as it comes (a run cut
short keeps what it did); ``--summarise`` re-renders the Markdown from that CSV.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, fit_reference_ts2vec, markdown_table  # noqa: E402

DATASETS = ["EthanolLevel", "InlineSkate", "PigCVP", "Mallat", "HandOutlines"]


def _load(name):
    from skcontrast.datasets import load_ucr

    X_train, y_train, X_test, y_test = load_ucr(name, return_X_y=True, download=False)
    return (X_train.astype(np.float32), y_train, X_test.astype(np.float32), y_test)


def _run(name: str, seed: int, implementation: str, device: str, threads: int,
         reference: str | None) -> dict:
    import torch

    torch.set_num_threads(threads)
    from skcontrast import TS2VecEmbedder
    from skcontrast.probes import SVMProbe

    X_train, y_train, X_test, y_test = _load(name)
    start = time.perf_counter()
    if implementation == "skcontrast":
        emb = TS2VecEmbedder(device=device, random_state=seed).fit(X_train)
        fit_seconds = time.perf_counter() - start
        Z_train, Z_test = emb.transform(X_train), emb.transform(X_test)
        n_iters = emb.n_iters_
    else:
        x_train = np.ascontiguousarray(X_train.transpose(0, 2, 1))
        x_test = np.ascontiguousarray(X_test.transpose(0, 2, 1))
        model = fit_reference_ts2vec(reference, x_train, seed=seed, device=device)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        fit_seconds = time.perf_counter() - start
        Z_train = model.encode(x_train.copy(), encoding_window="full_series")
        Z_test = model.encode(x_test.copy(), encoding_window="full_series")
        n_iters = 200 if x_train.size <= 100_000 else 600
    accuracy = SVMProbe().fit(Z_train, y_train).score(Z_test, y_test)
    return dict(dataset=name, shape="x".join(map(str, X_train.shape)), seed=seed,
                implementation=implementation, n_iters=n_iters, fit_seconds=fit_seconds,
                accuracy=float(accuracy))


def summarise(runs: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Per dataset: mean accuracy of each implementation and the paired difference."""
    wide = runs.pivot_table(index=["dataset", "seed"], columns="implementation",
                            values="accuracy").dropna()
    wide["diff"] = wide["skcontrast"] - wide["reference"]
    per = wide.groupby("dataset").agg(
        skcontrast=("skcontrast", "mean"), reference=("reference", "mean"),
        diff=("diff", "mean"), diff_sd=("diff", "std"), seeds=("diff", "count"),
    ).reset_index()
    n = len(wide)
    se = wide["diff"].std(ddof=1) / np.sqrt(n) if n > 1 else float("nan")
    by_seed = wide.groupby("dataset")["diff"].mean()
    line = (f"Over {n} dataset x seed pairs: mean difference {wide['diff'].mean():+.4f} "
            f"(standard error {se:.4f}); skcontrast ahead on {int((by_seed > 0).sum())}, "
            f"behind on {int((by_seed < 0).sum())} of {len(by_seed)} datasets.")
    return per, line


def _write(runs: pd.DataFrame, out: Path | None, header: str) -> None:
    per, line = summarise(runs)
    text = (
        "# TS2Vec on long series: skcontrast vs the reference code\n\n" + header
        + "Both: batch 8, AdamW 1e-3, max_train_length 3000, 200 steps (600 above 10^5 "
        "values), full-series max pooling, TS2Vec's SVM protocol on the embeddings.\n\n"
        + markdown_table(per) + "\n\n" + line + "\n\n## Runs\n\n"
        + markdown_table(runs) + "\n"
    )
    print("\n" + text)
    if out is not None:
        (out / "ts2vec_long_fidelity.md").write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", help="local checkout of github.com/zhihanyue/ts2vec")
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--summarise", type=Path, default=None, metavar="CSV",
                        help="only re-render the Markdown from a runs CSV")
    parser.add_argument("--header", default="",
                        help="with --summarise: where and how the runs were made")
    args = parser.parse_args(argv)
    if args.summarise is not None:
        _write(pd.read_csv(args.summarise), args.out, args.header + "\n\n" * bool(args.header))
        return
    if args.reference is None:
        parser.error("--reference is required to run the comparison")

    reference = str(Path(args.reference).resolve())
    jobs = [(name, seed, impl, args.device, args.threads, reference)
            for name in args.datasets for seed in args.seeds
            for impl in ("skcontrast", "reference")]
    csv = None
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        csv = args.out / "ts2vec_long_fidelity.csv"
        csv.unlink(missing_ok=True)
    rows = []
    # spawn: CUDA cannot be used in forked children.
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        for row in pool.map(_run, *zip(*jobs)):
            print(f"{row['dataset']} seed {row['seed']} {row['implementation']}: "
                  f"{row['accuracy']:.4f} ({row['fit_seconds']:.1f} s)", flush=True)
            rows.append(row)
            if csv is not None:
                pd.DataFrame([row]).to_csv(csv, mode="a", header=len(rows) == 1,
                                           index=False)
    device = args.device
    if device.startswith("cuda"):
        import torch

        device = f"{device} ({torch.cuda.get_device_name()})"
    header = (f"`python benchmarks/ts2vec_long_fidelity.py --reference <checkout> --device "
              f"{args.device} --jobs {args.jobs}`\n\n{environment_line()}; device {device}; "
              f"{args.jobs} runs at a time, {args.threads} torch thread(s) each (fit times "
              "indicative only).\n\n")
    _write(pd.DataFrame(rows), args.out, header)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
