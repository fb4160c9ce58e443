"""Peak memory of ``SCARFEmbedder.fit`` on a memory-mapped table: block-wise preprocessing.

``fit`` computes the standardisation statistics and the float32 training copy one block
(about 64 MB of float64) at a time, so a memory-mapped ``.npy`` is never copied whole in
float64. Training itself still holds the float32 preprocessed rows (and the training
split of them). This script writes a ``--rows`` x ``--features`` float64 table to a
``.npy`` file and, in a fresh process per mode, fits one epoch on its memory map,
sampling the process's anonymous resident memory (``RssAnon``: the arrays and tensors it
allocates, not the file's pages, which are page cache) every 5 ms:

* ``block-wise`` (the default);
* ``whole``: the former behaviour, one float64 temporary of the size of X.

Run ``python benchmarks/fit_memory.py --out benchmarks/results``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402


def _anon_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(path: str, mode: str) -> None:
    import torch

    from skcontrast import SCARFEmbedder, _preprocessing

    torch.set_num_threads(1)
    if mode == "whole":
        _preprocessing._BLOCK_BYTES = 2**62
    X = np.load(path, mmap_mode="r")
    before = _anon_mb()
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _anon_mb())
            time.sleep(0.005)

    thread = threading.Thread(target=sample)
    thread.start()
    start = time.perf_counter()
    SCARFEmbedder(max_epochs=1, early_stopping=False, random_state=0).fit(X)
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    print(json.dumps({"mode": mode, "fit_seconds": seconds,
                      "peak_anon_above_start_mb": peak[0] - before}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--out", default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "X.npy"
        X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64,
                                      shape=(args.rows, args.features))
        rng = np.random.default_rng(0)
        for lo in range(0, args.rows, 100_000):
            hi = min(lo + 100_000, args.rows)
            X[lo:hi] = rng.standard_normal((hi - lo, args.features))
        X.flush()
        del X
        for mode in ("block-wise", "whole"):
            out = subprocess.run([sys.executable, __file__, "--child", str(path), mode],
                                 capture_output=True, text=True, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["X float64 mb"] = args.rows * args.features * 8 / 2**20
    table["float32 copy mb"] = args.rows * args.features * 4 / 2**20
    text = (f"# SCARFEmbedder.fit on a {args.rows} x {args.features} float64 memory map "
            "(1 epoch, 1 torch thread)\n\n"
            f"`python benchmarks/fit_memory.py --rows {args.rows} --features "
            f"{args.features}`\n\n{environment_line()}\n\n" + markdown_table(table, ".1f")
            + "\n")
    print(text)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "fit_memory.md").write_text(text)


if __name__ == "__main__":
    main()
