"""Fit time by thread setting: alone, beside a busy process, beside another torch fit.

On a machine with few cores, torch's intra-op thread pool (one thread per core by
default) slows down sharply when another process keeps a core busy: its threads wait on
each other at every parallel region. This script measures the thread settings of a fit
in the three situations a user meets, **interleaved** (every round times every
setting in every situation, so slow drifts of the machine hit all of them alike):

* alone on a quiet machine;
* beside one busy single-threaded process (a numpy loop holding one core);
* beside another torch process running a default-constructed fit in a loop.

Settings: the embedders' default (``n_threads`` as constructed), ``n_threads=1`` and
every CPU of the process (``n_threads=-1``). Cases: SCARF on digits (20 epochs, no
early stopping) and TS2Vec on ECG200 (40 steps; random series of the same shape when
the offline UCR archive is not installed). Each timing is the median over ``--rounds``
rounds, after one untimed warm-up fit per setting.

The issue's criteria are printed below the table: beside a busy process, the default
takes at most 1.2x the ``n_threads=1`` fit; alone, at most 1.3x the best setting.
Run it on an otherwise quiet machine, *without* ``OMP_NUM_THREADS``::

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402

CASES = ("SCARF digits", "TS2Vec ECG200")


def make_fit(case: str, threads: str):
    """A zero-argument function running one fit of ``case`` with the thread ``setting``."""
    kwargs = {} if threads == "default" else {"n_threads": int(threads)}
    if case == "SCARF digits":
        from sklearn.datasets import load_digits

        from skcontrast import SCARFEmbedder

        X, _ = load_digits(return_X_y=True)
        return lambda: SCARFEmbedder(max_epochs=20, early_stopping=False,
                                     random_state=0, **kwargs).fit(X)
    from skcontrast import TS2VecEmbedder
    from skcontrast.datasets import load_ucr

    try:
        X = load_ucr("ECG200", download=False)["X_train"]
    except Exception:  # the archive is optional: same shape, random values
        X = np.random.RandomState(0).normal(size=(100, 1, 96))
    return lambda: TS2VecEmbedder(n_iters=40, random_state=0, **kwargs).fit(X)


def busy_numpy() -> None:
    """Hold one core forever with single-threaded numpy work (the busy neighbour)."""
    x = np.random.RandomState(0).normal(size=1_000_000)
    while True:
        np.sin(x, out=x)


def busy_torch(case: str) -> None:
    """Run a default-constructed fit of ``case`` forever (another torch user)."""
    fit = make_fit(case, "default")
    while True:
        fit()


NEIGHBOURS = ("alone", "beside a busy process", "beside a torch fit")
SETTINGS = ("default", "1", "-1")


def start_neighbour(neighbour: str, case: str):
    if neighbour == "alone":
        return None
    flag = ["--busy-numpy"] if neighbour == "beside a busy process" else [
        "--busy-torch", case]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1") if neighbour == "beside a busy process" else None
    other = subprocess.Popen([sys.executable, __file__, *flag], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4.0)  # let it import and start working
    return other


def measure(case: str, rounds: int) -> pd.DataFrame:
    fits = {setting: make_fit(case, setting) for setting in SETTINGS}
    for fit in fits.values():
        fit()  # warm-up: one-off start-up costs are not what is measured here
    rows = []
    for round_ in range(rounds):
        for neighbour in NEIGHBOURS:
            other = start_neighbour(neighbour, case)
            try:
                for setting in SETTINGS:
                    start = time.perf_counter()
                    fits[setting]()
                    rows.append({"case": case, "situation": neighbour,
                                 "n_threads": setting, "round": round_,
                                 "seconds": time.perf_counter() - start})
                    print(rows[-1], file=sys.stderr)
            finally:
                if other is not None:
                    other.kill()
                    other.wait()
    return pd.DataFrame(rows)


def criteria(table: pd.DataFrame) -> pd.DataFrame:
    """The issue's two ratios per case and situation."""
    rows = []
    for (case, situation), part in table.groupby(["case", "situation"], sort=False):
        by = part.set_index("n_threads")["fit seconds"]
        if situation == "alone":
            ratio, against, limit = by["default"] / by.min(), "best setting", 1.3
        else:
            ratio, against, limit = by["default"] / by["1"], "n_threads=1", 1.2
        rows.append({"case": case, "situation": situation,
                     "default / " + "x": ratio, "against": against, "limit": limit,
                     "met": "yes" if ratio <= limit else "no"})
    out = pd.DataFrame(rows).rename(columns={"default / x": "default / against"})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy-numpy", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--busy-torch", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if args.busy_numpy:
        busy_numpy()
        return
    if args.busy_torch:
        busy_torch(args.busy_torch)
        return
    if os.environ.get("OMP_NUM_THREADS"):
        print("warning: OMP_NUM_THREADS is set; n_threads=None then means that count",
              file=sys.stderr)
    from skcontrast import SCARFEmbedder
    from skcontrast._torch_utils import available_cpus

    default = SCARFEmbedder().n_threads
    runs = pd.concat([measure(case, args.rounds) for case in CASES], ignore_index=True)
    table = (runs.groupby(["case", "situation", "n_threads"], sort=False)["seconds"]
             .median().rename("fit seconds").reset_index())
    names = {"default": f"default ({default})", "1": "1",
             "-1": f"-1 (all {available_cpus()} CPUs)"}
    checks = criteria(table)
    shown = table.assign(n_threads=table["n_threads"].map(names))
    command = "python benchmarks/threads_contention.py " + " ".join(argv or sys.argv[1:])
    text = "\n".join([
        "# Fit time by thread setting, alone and beside other work",
        "",
        f"Command: `{command}` (no OMP_NUM_THREADS), on an otherwise quiet machine.",
        "",
        f"Environment: {environment_line()}; {os.cpu_count()} logical CPUs",
        "",
        f"Median of {args.rounds} interleaved rounds (each round times every setting in "
        "every situation) after a warm-up fit per setting. 'beside a busy process': a "
        "single-threaded numpy loop holds one core; 'beside a torch fit': another "
        "process runs the same fit, default-constructed, in a loop.",
        "",
        markdown_table(shown, floatfmt=".2f"),
        "",
        "## The criteria of issue 21",
        "",
        markdown_table(checks, floatfmt=".2f"),
        "",
    ])
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "threads_contention.md").write_text(text)


if __name__ == "__main__":
    main()
