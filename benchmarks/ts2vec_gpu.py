"""TS2Vec on a GPU: ECG200, 200 optimiser steps, skcontrast against the reference code.

Times, on one CUDA device and in one run:

* the **first fit in a fresh process** (a subprocess that imports skcontrast and fits once:
  what a ``GridSearchCV`` worker or a script pays, CUDA context creation excluded and
  reported apart);
* **warm fits** (after one untimed warm-up fit in this process), one per seed, with the
  SVM-protocol test accuracy of each, for every variant of skcontrast named in
  ``--variants`` and for the reference code when ``--reference`` points at a local
  checkout of github.com/zhihanyue/ts2vec (never committed here);
* with ``--profile``, a torch profiler table of one warm skcontrast fit (where the time
  goes: kernel time against host time, launches per step).

Run on a machine with a GPU::

    python benchmarks/ts2vec_gpu.py --reference /path/to/ts2vec --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, fit_reference_ts2vec, markdown_table  # noqa: E402

# Variant name -> TS2VecEmbedder keyword arguments (besides device, n_iters, random_state).
VARIANTS = {
    "fp32": {},
    "bf16": {"precision": "bf16"},
}

_FIRST_FIT = """
import json, sys, time
import torch
t0 = time.perf_counter(); torch.zeros(1, device="cuda"); torch.cuda.synchronize()
context = time.perf_counter() - t0
import numpy as np
from skcontrast import TS2VecEmbedder
from skcontrast.datasets import load_ucr
X = load_ucr("ECG200", split="train", return_X_y=True, download=False)[0]
kwargs = json.loads(sys.argv[1])
t0 = time.perf_counter()
TS2VecEmbedder(device="cuda", n_iters=200, random_state=0, **kwargs).fit(X)
torch.cuda.synchronize()
first = time.perf_counter() - t0
t0 = time.perf_counter()
TS2VecEmbedder(device="cuda", n_iters=200, random_state=0, **kwargs).fit(X)
torch.cuda.synchronize()
print(json.dumps({"context_s": context, "first_fit_s": first,
                  "second_fit_s": time.perf_counter() - t0}))
"""


def _ecg200():
    from skcontrast.datasets import load_ucr

    return load_ucr("ECG200", return_X_y=True, download=False)


def _timed(fn):
    torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    torch.cuda.synchronize()
    return out, time.perf_counter() - start


def fit_ours(X, seed, n_iters, kwargs):
    from skcontrast import TS2VecEmbedder

    return TS2VecEmbedder(device="cuda", n_iters=n_iters, random_state=seed, **kwargs).fit(X)


def fit_reference(path, X, seed, n_iters):
    x = np.ascontiguousarray(X.transpose(0, 2, 1))
    return fit_reference_ts2vec(path, x, seed=seed, n_iters=n_iters, device="cuda")


def _accuracy(Z_train, y_train, Z_test, y_test):
    from skcontrast.probes import SVMProbe

    return float(SVMProbe().fit(Z_train, y_train).score(Z_test, y_test))


def profile_fit(X, kwargs, n_iters=20):
    from torch.profiler import ProfilerActivity, profile

    fit_ours(X, 0, 5, kwargs)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        fit_ours(X, 0, n_iters, kwargs)
        torch.cuda.synchronize()
    events = prof.key_averages()
    launches = sum(e.count for e in events if e.key in ("cudaLaunchKernel",
                                                        "cuLaunchKernel", "cudaLaunchKernelExC"))
    table = events.table(sort_by="self_cuda_time_total", row_limit=20)
    cpu_table = events.table(sort_by="self_cpu_time_total", row_limit=30)
    return launches / n_iters, table, cpu_table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-iters", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-first", action="store_true",
                        help="skip the fresh-process first fits")
    parser.add_argument("--label", default="skcontrast",
                        help="name of this skcontrast checkout in the tables")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        raise SystemExit("needs a CUDA device")
    from skcontrast import TS2VecEmbedder

    params = TS2VecEmbedder().get_params()
    variants = {v: VARIANTS[v] for v in args.variants if set(VARIANTS[v]) <= set(params)}
    X_train, y_train, X_test, y_test = _ecg200()

    first_rows = []
    for name, kwargs in ({} if args.skip_first else variants).items():
        out = subprocess.run([sys.executable, "-c", _FIRST_FIT, json.dumps(kwargs)],
                             capture_output=True, text=True, check=True)
        first_rows.append({"implementation": f"{args.label} {name}",
                           **json.loads(out.stdout.strip().splitlines()[-1])})
        print(first_rows[-1], flush=True)

    rows = []
    for name, kwargs in variants.items():
        fit_ours(X_train, 0, 2, kwargs)  # warm-up
        for seed in args.seeds:
            emb, seconds = _timed(lambda: fit_ours(X_train, seed, args.n_iters, kwargs))  # noqa: B023
            acc = _accuracy(emb.transform(X_train), y_train, emb.transform(X_test), y_test)
            rows.append(dict(implementation=f"{args.label} {name}", seed=seed,
                             fit_seconds=seconds, accuracy=acc))
            print(rows[-1], flush=True)
    if args.reference is not None:
        fit_reference(args.reference, X_train, 0, 2)
        for seed in args.seeds:
            model, seconds = _timed(lambda: fit_reference(args.reference, X_train, seed,  # noqa: B023
                                                          args.n_iters))
            enc = lambda X: model.encode(  # noqa: E731, B023
                np.ascontiguousarray(X.transpose(0, 2, 1)).astype(np.float32),
                encoding_window="full_series")
            acc = _accuracy(enc(X_train), y_train, enc(X_test), y_test)
            rows.append(dict(implementation="reference", seed=seed, fit_seconds=seconds,
                             accuracy=acc))
            print(rows[-1], flush=True)
    runs = pd.DataFrame(rows)
    summary = runs.groupby("implementation", sort=False).agg(
        fit_seconds=("fit_seconds", "median"), accuracy=("accuracy", "mean"),
        accuracy_sd=("accuracy", "std"), seeds=("seed", "count")).reset_index()
    if "reference" in set(summary.implementation):
        ref = summary.set_index("implementation").loc["reference", "fit_seconds"]
        summary["reference / this"] = ref / summary["fit_seconds"]
    text = (
        f"# TS2Vec on a GPU: ECG200, {args.n_iters} steps\n\n"
        f"`python benchmarks/ts2vec_gpu.py{' --reference <checkout>' if args.reference else ''}`"
        f"\n\n{environment_line()}; {torch.cuda.get_device_name()}\n\n"
        "## First fit in a fresh process (seed 0; CUDA context creation apart)\n\n"
        + markdown_table(pd.DataFrame(first_rows), ".3f")
        + "\n\n## Warm fits (median seconds over seeds; mean test accuracy, SVM protocol)\n\n"
        + markdown_table(summary) + "\n"
    )
    if args.profile:
        per_step, table, cpu_table = profile_fit(X_train, variants[next(iter(variants))])
        text += (f"\n## Profile of one warm fit (20 steps)\n\nkernel launches per step: "
                 f"{per_step:.0f}\n\n```\n{table}\n```\n\n```\n{cpu_table}\n```\n")
    print("\n" + text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        runs.to_csv(args.out / "ts2vec_gpu.csv", index=False)
        (args.out / "ts2vec_gpu.md").write_text(text)


if __name__ == "__main__":
    main()
