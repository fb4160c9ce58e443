"""Performance suite: fit and transform time, throughput and peak memory, side by side.

One command, every case in a fresh process (so each peak memory and the start-up cost
are that case's own), one torch thread unless ``--threads`` says otherwise:

* **start-up**: the first fit in a fresh process minus an identical second fit (the
  one-off cost every ``GridSearchCV`` worker pays);
* **SCARF**: rows x features grid, 2 epochs each (no early stopping, so the work per row
  is fixed), fit and transform;
* **TS2Vec**: series count and length grids, 20 optimiser steps (fixed work per step,
  which scales with the crop length, not the number of series), and ``transform`` of
  every series (which scales with both);
* **SupCon** (tabular) and **ExpCLR** (series), one mid-size case each.

Reported per case: seconds, rows (or series) per second, the peak resident memory of the
process (``ru_maxrss``, imports included), and per family the scaling exponent ``b`` of
``seconds ~ size**b`` fitted on the grid (1 = linear). GPU memory is reported when
``--device cuda`` runs on a GPU.

With ``--reference PATH`` (a local checkout of github.com/zhihanyue/ts2vec, never
committed) the reference TS2Vec runs the same TS2Vec cases side by side, each in its own
fresh process too, plus ECG200-sized 200-step fits of both (100 series of 96 steps; the
first fit of a fresh process, start-up included: the issue's speed target). With
``--scarf-port PATH`` (a local checkout of github.com/clabrugere/pytorch-scarf, never
committed) SCARF's seconds per epoch are compared with that public port's, both with the
paper's network. ``--large`` adds 1,000,000 SCARF rows, 100,000 series and series of
10,000 steps. Run::

    python benchmarks/perf/run.py --reference /path/to/ts2vec \
        --scarf-port /path/to/pytorch-scarf --large --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import (  # noqa: E402
    environment_line,
    fit_reference_ts2vec,
    markdown_table,
    scarf_port_epoch_seconds,
)

SCARF_GRID = [(n, d) for d in (50, 500) for n in (1_000, 10_000, 100_000)]
TS2VEC_N = [(n, 200) for n in (100, 400, 1_600, 10_000)]
ECG200_SIZE = (100, 96)  # the 200-step comparison with the reference
TS2VEC_T = [(100, t) for t in (100, 400, 1_600)]
SCARF_PORT_GRID = [(2_000, 50), (10_000, 50), (10_000, 500)]


def _case(kind: str, n: int, d: int, device: str) -> dict:
    import torch

    from skcontrast import ExpCLREmbedder, SCARFEmbedder, SupConEmbedder, TS2VecEmbedder

    rng = np.random.default_rng(0)
    if kind == "startup":
        X = rng.standard_normal((256, 20)).astype(np.float32)
        make = lambda: SCARFEmbedder(max_epochs=1, early_stopping=False,  # noqa: E731
                                     device=device, random_state=0)
        start = time.perf_counter()
        make().fit(X)
        first = time.perf_counter() - start
        start = time.perf_counter()
        make().fit(X)
        second = time.perf_counter() - start
        return {"fit s": first, "transform s": second, "start-up s": first - second}
    if kind == "SCARF epoch":
        # Seconds per epoch with the paper's network, batches of 128: a 1-epoch fit
        # subtracted from a 3-epoch fit (a first fit has warmed the process up).
        X = rng.standard_normal((n, d)).astype(np.float32)
        seconds = []
        for epochs in (1, 1, 3):
            embedder = SCARFEmbedder(n_components=256, include_input=False, batch_size=128,
                                     max_epochs=epochs, early_stopping=False,
                                     device=device, random_state=0)
            start = time.perf_counter()
            embedder.fit(X)
            seconds.append(time.perf_counter() - start)
        return {"fit s": (seconds[2] - seconds[1]) / 2, "transform s": np.nan}
    if kind == "SCARF port epoch":
        X = rng.standard_normal((n, d)).astype(np.float32)
        return {"fit s": scarf_port_epoch_seconds(os.environ["SKCONTRAST_SCARF_PORT"], X),
                "transform s": np.nan}
    if kind in ("SCARF", "SupCon"):
        X = rng.standard_normal((n, d)).astype(np.float32)
        y = rng.integers(0, 2, n)
        cls = SCARFEmbedder if kind == "SCARF" else SupConEmbedder
        embedder = cls(max_epochs=2, early_stopping=False, device=device, random_state=0)
        fit_args = (X,) if kind == "SCARF" else (X, y)
    elif kind.startswith("reference"):
        # The reference TS2Vec (path in SKCONTRAST_TS2VEC_REFERENCE), same data and steps.
        x = rng.standard_normal((n, d, 1)).astype(np.float32)
        start = time.perf_counter()
        model = fit_reference_ts2vec(os.environ["SKCONTRAST_TS2VEC_REFERENCE"], x, seed=0,
                                     n_iters=200 if kind.endswith("200") else 20,
                                     device=device)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        model.encode(x, encoding_window="full_series")
        return {"fit s": fit_s, "transform s": time.perf_counter() - start}
    else:
        X = rng.standard_normal((n, 1, d)).astype(np.float32)
        y = rng.integers(0, 2, n)
        if kind == "TS2Vec 200":
            embedder = TS2VecEmbedder(n_iters=200, device=device, random_state=0)
            fit_args = (X,)
        elif kind == "TS2Vec":
            embedder = TS2VecEmbedder(n_iters=20, device=device, random_state=0)
            fit_args = (X,)
        else:
            embedder = ExpCLREmbedder(max_epochs=2, device=device, random_state=0)
            fit_args = (X, y)
    start = time.perf_counter()
    embedder.fit(*fit_args)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    embedder.transform(X)
    transform_s = time.perf_counter() - start
    row = {"fit s": fit_s, "transform s": transform_s}
    if torch.cuda.is_available() and device.startswith("cuda"):
        row["peak GPU MB"] = torch.cuda.max_memory_allocated() / 2**20
    return row


def child(kind, n, d, device, threads):
    import torch

    torch.set_num_threads(int(threads))
    row = _case(kind, int(n), int(d), device)
    row["peak host MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(json.dumps(row))


def _exponent(sizes, seconds):
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None)
    parser.add_argument("--reference", default=None,
                        help="local checkout of github.com/zhihanyue/ts2vec")
    parser.add_argument("--scarf-port", default=None,
                        help="local checkout of github.com/clabrugere/pytorch-scarf")
    parser.add_argument("--large", action="store_true",
                        help="add 1,000,000 SCARF rows and 10,000-step series")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    scarf_grid, ts2vec_n, ts2vec_t = list(SCARF_GRID), list(TS2VEC_N), list(TS2VEC_T)
    if args.large:
        scarf_grid.append((1_000_000, 50))
        ts2vec_n.append((100_000, 200))
        ts2vec_t.append((100, 10_000))
    cases = [("startup", 0, 0)]
    cases += [("SCARF", n, d) for n, d in scarf_grid]
    cases += [("TS2Vec", n, t) for n, t in ts2vec_n + ts2vec_t]
    cases += [("SupCon", 10_000, 50), ("ExpCLR", 400, 200)]
    env = dict(os.environ)
    if args.reference is not None:
        env["SKCONTRAST_TS2VEC_REFERENCE"] = str(Path(args.reference).resolve())
        cases += [("reference", n, t) for n, t in ts2vec_t]
        cases += [("TS2Vec 200", *ECG200_SIZE), ("reference 200", *ECG200_SIZE)]
    if args.scarf_port is not None:
        env["SKCONTRAST_SCARF_PORT"] = str(Path(args.scarf_port).resolve())
        cases += [(kind, n, d) for n, d in SCARF_PORT_GRID
                  for kind in ("SCARF epoch", "SCARF port epoch")]
    rows = []
    wall = time.perf_counter()
    for kind, n, d in cases:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(n), str(d), args.device,
             str(args.threads)], capture_output=True, text=True, check=True, env=env)
        row = {"case": kind, "n": n, "width or length": d,
               **json.loads(out.stdout.strip().splitlines()[-1])}
        if kind != "startup":
            row["fit rows/s"] = n / row["fit s"] if kind in (
                "SCARF", "SupCon", "ExpCLR", "SCARF epoch", "SCARF port epoch") else np.nan
            row["transform rows/s"] = n / row["transform s"]
        rows.append(row)
        print(row, file=sys.stderr)
    wall = time.perf_counter() - wall
    table = pd.DataFrame(rows)
    scaling = []
    for d in (50, 500):
        part = table[(table["case"] == "SCARF") & (table["width or length"] == d)]
        scaling.append({"family": f"SCARF, {d} features", "in": "rows",
                        "fit b": _exponent(part["n"], part["fit s"]),
                        "transform b": _exponent(part["n"], part["transform s"])})
    ts = table[table["case"] == "TS2Vec"]
    by_n = ts[ts["width or length"] == 200]
    by_t = ts[(ts["n"] == 100) & (ts["width or length"] <= 1_600)]
    scaling.append({"family": "TS2Vec, T=200", "in": "series",
                    "fit b": _exponent(by_n["n"], by_n["fit s"]),
                    "transform b": _exponent(by_n["n"], by_n["transform s"])})
    scaling.append({"family": "TS2Vec, N=100", "in": "length",
                    "fit b": _exponent(by_t["width or length"], by_t["fit s"]),
                    "transform b": _exponent(by_t["width or length"], by_t["transform s"])})
    side_by_side = []
    if args.reference is not None:
        ref = table[table["case"].str.startswith("reference")]
        for _, r in ref.iterrows():
            ours = table[(table["case"] == r["case"].replace("reference", "TS2Vec"))
                         & (table["n"] == r["n"])
                         & (table["width or length"] == r["width or length"])].iloc[0]
            side_by_side.append({
                "case": r["case"].replace("reference", "TS2Vec"), "n": r["n"],
                "length": r["width or length"], "skcontrast fit s": ours["fit s"],
                "reference fit s": r["fit s"], "fit: reference / skcontrast":
                r["fit s"] / ours["fit s"], "transform: reference / skcontrast":
                r["transform s"] / ours["transform s"]})
    port = []
    for _, r in table[table["case"] == "SCARF port epoch"].iterrows():
        ours = table[(table["case"] == "SCARF epoch") & (table["n"] == r["n"])
                     & (table["width or length"] == r["width or length"])].iloc[0]
        port.append({"rows": r["n"], "features": r["width or length"],
                     "skcontrast s/epoch": ours["fit s"], "port s/epoch": r["fit s"],
                     "port / skcontrast": r["fit s"] / ours["fit s"]})
    shown = list(argv or sys.argv[1:])
    for path, name in ((args.reference, "zhihanyue/ts2vec"),
                       (args.scarf_port, "clabrugere/pytorch-scarf")):
        if path is not None:  # a local path: shown as what it is
            shown[shown.index(path)] = f"<checkout of {name}>"
    command = "python benchmarks/perf/run.py " + " ".join(shown)
    text = "\n".join([
        "# Performance suite",
        "",
        f"Command: `{command}`",
        "",
        f"Environment: {environment_line()}; {args.threads} torch thread(s) per case, "
        f"device {args.device}; wall time {wall / 60:.1f} min",
        "",
        "Each case runs in a fresh process. `startup`: first fit of a process minus an "
        "identical second fit (its `fit s` and `transform s` columns are those two fits). "
        "SCARF/SupCon: 2 epochs, no early stopping; TS2Vec: 20 steps (its fit does not "
        "grow with the number of series); ExpCLR: 2 epochs. Peak host memory includes "
        "the imports (the `startup` row: torch, scikit-learn and skcontrast loaded, a tiny fit).",
        "",
        markdown_table(table, floatfmt=".3g"),
        "",
        "## Scaling exponents (seconds ~ size^b on the grid)",
        "",
        markdown_table(pd.DataFrame(scaling), floatfmt=".2f"),
        "",
    ] + ([
        "## TS2Vec against the reference code (each fit the first of a fresh process)",
        "",
        "`TS2Vec` rows: 20 steps (fixed work per step); `TS2Vec 200`: 200 steps on "
        "ECG200-sized data (100 x 96), start-up included.",
        "",
        markdown_table(pd.DataFrame(side_by_side), floatfmt=".3g"),
        "",
    ] if side_by_side else []) + ([
        "## SCARF against a public port (seconds per epoch, the first epoch excluded)",
        "",
        "Both with the paper's network (4-layer, 256-wide encoder; 2-layer, 256-wide "
        "head), batches of 128, Adam at 1e-3, corruption rate 0.6. The port "
        "(github.com/clabrugere/pytorch-scarf) is trained as its README shows (a shuffling "
        "`DataLoader` over its `SCARFDataset`, its `NTXent`); it also draws corrupted "
        "values from a uniform over each feature's range, not from the empirical marginal "
        "as the paper (and skcontrast) do. `SCARF epoch` rows: a 3-epoch fit minus a "
        "1-epoch fit, halved.",
        "",
        markdown_table(pd.DataFrame(port), floatfmt=".3g"),
        "",
    ] if port else []))
    print(text)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "perf.md").write_text(text)


if __name__ == "__main__":
    main()
