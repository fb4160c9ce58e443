"""Fit time with torch's default threads against ``n_threads=1``, alone and side by side.

On a machine with few cores, torch's intra-op thread pool (one thread per core by
default) slows down sharply when another process keeps the cores busy: its threads wait
on each other at every parallel region. Two user fits side by side hit that. This script
times the same fit, in one process:

* alone, with torch's default thread count and with ``n_threads=1``;
* beside a second process running the same fit in a loop, both with the default, and
  both with ``n_threads=1`` (the realistic case: two fits launched alike).

Cases: SCARF on digits (20 epochs, no early stopping) and TS2Vec on ECG200 (40 steps;
random series of the same shape when the offline UCR archive is not installed). Each
timing is the median of ``--repeats`` fits after one untimed warm-up fit.

Run it *without* ``OMP_NUM_THREADS`` (that would pin the default to one thread)::

    python benchmarks/threads_contention.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402

CASES = ("SCARF digits", "TS2Vec ECG200")


def make_fit(case: str, n_threads):
    """A zero-argument function running one fit of ``case``."""
    if case == "SCARF digits":
        from sklearn.datasets import load_digits

        from skcontrast import SCARFEmbedder

        X, _ = load_digits(return_X_y=True)
        return lambda: SCARFEmbedder(max_epochs=20, early_stopping=False,
                                     n_threads=n_threads, random_state=0).fit(X)
    from skcontrast import TS2VecEmbedder
    from skcontrast.datasets import load_ucr

    try:
        X = load_ucr("ECG200", download=False)["X_train"]
    except Exception:  # the archive is optional: same shape, random values
        X = np.random.RandomState(0).normal(size=(100, 1, 96))
    return lambda: TS2VecEmbedder(n_iters=40, n_threads=n_threads, random_state=0).fit(X)


def _threads_arg(value: str):
    return None if value == "default" else int(value)


def compete(case: str, threads: str) -> None:
    """Run the fit forever (the busy neighbour); the parent kills this process."""
    fit = make_fit(case, _threads_arg(threads))
    while True:
        fit()


def time_fit(case: str, threads: str, repeats: int, neighbour: bool) -> float:
    fit = make_fit(case, _threads_arg(threads))
    fit()  # warm-up: one-off start-up costs are not what is measured here
    other = None
    if neighbour:
        other = subprocess.Popen([sys.executable, __file__, "--compete", case, threads],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3.0)  # let the neighbour import and start fitting
    try:
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            fit()
            seconds.append(time.perf_counter() - start)
    finally:
        if other is not None:
            other.kill()
            other.wait()
    return float(np.median(seconds))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compete", nargs=2, metavar=("CASE", "THREADS"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if args.compete:
        compete(*args.compete)
        return
    if os.environ.get("OMP_NUM_THREADS"):
        print("warning: OMP_NUM_THREADS is set; torch's default is then not one thread "
              "per core", file=sys.stderr)
    default = torch.get_num_threads()
    rows = []
    for case in CASES:
        for neighbour in (False, True):
            for threads in ("default", "1"):
                seconds = time_fit(case, threads, args.repeats, neighbour)
                rows.append({"case": case,
                             "setting": "beside a busy process" if neighbour else "alone",
                             "n_threads": f"None ({default})" if threads == "default" else 1,
                             "fit seconds": seconds})
                print(rows[-1], file=sys.stderr)
    runs = pd.DataFrame(rows)
    base = runs.groupby("case")["fit seconds"].transform("first")  # alone, default
    runs["vs alone, default"] = runs["fit seconds"] / base
    command = "python benchmarks/threads_contention.py " + " ".join(argv or sys.argv[1:])
    text = "\n".join([
        "# Fit time with torch's default threads and with n_threads=1",
        "",
        f"Command: `{command}` (no OMP_NUM_THREADS)",
        "",
        f"Environment: {environment_line()} (the thread count above is the process "
        f"default; the table sets it per fit); {os.cpu_count()} logical CPUs",
        "",
        "Median of " + str(args.repeats) + " fits after a warm-up. 'beside a busy "
        "process': a second process runs the same fit in a loop, with the same "
        "n_threads.",
        "",
        markdown_table(runs, floatfmt=".2f"),
        "",
    ])
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "threads_contention.md").write_text(text)


if __name__ == "__main__":
    main()
