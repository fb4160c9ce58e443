"""Peak memory of ``TS2VecEmbedder`` ``fit`` and ``transform`` on a memory map of series.

A ``--rows`` x ``--features`` float64 ``.npy`` (``--features`` is the series length: a
2-D array is a collection of univariate series) is written in pieces, then, in a fresh
process per mode, the process's anonymous resident memory (``RssAnon``: the arrays and
tensors it allocates, not the file's pages, which are page cache) is sampled every 5 ms:

* ``fit``: 20 optimiser steps on the memory map. ``fit`` reads the map once in blocks
  (the preprocessing checks and each section's padding), then each batch's series as it
  is drawn: it holds no copy of the series (at commit 88f923b it held a float32 one,
  half the float64 input: 1,298 MB at the peak for 10^5 x 1,000);
* ``transform``: embedding every series of the memory map with a model fitted on its
  first 256 series (not counted). ``transform`` validates and preprocesses one block of
  about 64 MB at a time, so only the output (``rows x 320`` float32) grows with the data.

Run ``python benchmarks/series_memory.py --rows 100000 --features 1000 --out
benchmarks/results``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    environment_line,
    markdown_table,
    memory_map_arguments,
    modes_on_a_memory_map,
    peak_anonymous_mb,
)


def child(path: str, mode: str) -> None:
    from skcontrast import TS2VecEmbedder

    X = np.load(path, mmap_mode="r")
    embedder = TS2VecEmbedder(n_iters=20, device="cpu", random_state=0)
    if mode == "transform":
        embedder.fit(np.asarray(X[:256]))
    work = (lambda: embedder.fit(X)) if mode == "fit" else (lambda: embedder.transform(X))
    seconds, peak = peak_anonymous_mb(work)
    print(json.dumps({"mode": mode, "seconds": seconds, "peak_anon_above_start_mb": peak}))


def main(argv=None):
    args = memory_map_arguments(argv, __doc__, child)
    if args is None:
        return
    rows = modes_on_a_memory_map(__file__, args.rows, args.features, np.float64,
                                 ("fit", "transform"))
    table = pd.DataFrame(rows)
    table["X float64 mb"] = args.rows * args.features * 8 / 2**20
    table["float32 copy mb"] = args.rows * args.features * 4 / 2**20
    table["output mb"] = args.rows * 320 * 4 / 2**20
    text = (f"# TS2VecEmbedder on {args.rows} series of length {args.features}, a float64 "
            "memory map (CPU, torch's default threads)\n\n"
            f"`python benchmarks/series_memory.py --rows {args.rows} --features "
            f"{args.features}`\n\n{environment_line()}\n\n" + markdown_table(table, ".1f")
            + "\n\n`fit`: 20 steps (batches read from the map as drawn; the `float32 copy "
            "mb` column is the copy fit no longer makes); `transform`: every series, with a "
            "model fitted beforehand on 256 of them.\n")
    print(text)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "series_memory.md").write_text(text)


if __name__ == "__main__":
    main()
