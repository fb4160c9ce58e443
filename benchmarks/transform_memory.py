"""Peak memory of ``transform`` on a memory-mapped table: block by block against whole.

``transform`` validates and preprocesses sliceable inputs (arrays, memory maps, Dask
arrays, DataFrames) one block of about 64 MB at a time, so its peak is the output plus
one block, not a float32 copy of all of ``X`` on top. This script writes a
``--rows`` x ``--features`` float32 table to a ``.npy`` file, fits ``SCARFEmbedder`` on
its first 2,000 rows, and in a fresh process per mode embeds the whole memory map,
reporting the peak of the arrays it allocates (numpy's buffers, traced by
``tracemalloc``; torch's per-batch activations, a few MB, are not included), the peak
resident memory above the process's level just before ``transform`` (``ru_maxrss``,
which also counts the pages of the memory-mapped file read so far: the file's size, as
page cache the system can reclaim), the output's size and the time:

* ``block-wise`` (the default);
* ``whole``: the former behaviour, the whole input validated and preprocessed at once.

Run ``python benchmarks/transform_memory.py --out benchmarks/results``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def child(path: str, mode: str) -> None:
    import torch

    from skcontrast import SCARFEmbedder
    from skcontrast.base import BaseContrastiveEmbedder

    torch.set_num_threads(1)
    X = np.load(path, mmap_mode="r")
    embedder = SCARFEmbedder(max_epochs=2, random_state=0).fit(np.asarray(X[:2000]))
    if mode == "whole":
        BaseContrastiveEmbedder._transform_block_bytes = 2**62
    before = _rss_mb()
    tracemalloc.start()  # numpy registers its buffers with tracemalloc
    start = time.perf_counter()
    Z = embedder.transform(X)
    seconds = time.perf_counter() - start
    _, arrays_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # KiB -> MiB
    print(json.dumps({"mode": mode, "peak arrays MB": arrays_peak / 2**20,
                      "peak RSS above start MB": peak - before,
                      "output MB": Z.nbytes / 2**20, "seconds": seconds}))


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
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "X.npy"
        mapped = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                           shape=(args.rows, args.features))
        rng = np.random.default_rng(0)
        for lo in range(0, args.rows, 100_000):  # written in pieces: never all in memory
            hi = min(lo + 100_000, args.rows)
            mapped[lo:hi] = rng.standard_normal((hi - lo, args.features), np.float32)
        mapped.flush()
        del mapped
        input_mb = args.rows * args.features * 4 / 2**20
        for mode in ("block-wise", "whole"):
            out = subprocess.run([sys.executable, __file__, "--child", str(path), mode],
                                 capture_output=True, text=True, check=True)
            rows.append({**json.loads(out.stdout.strip().splitlines()[-1]),
                         "input MB (on disk)": input_mb})
            print(rows[-1], file=sys.stderr)
    table = pd.DataFrame(rows)
    command = "python benchmarks/transform_memory.py " + " ".join(argv or sys.argv[1:])
    text = "\n".join([
        "# Peak memory of transform on a memory-mapped table",
        "",
        f"Command: `{command}`",
        "",
        f"Environment: {environment_line()}",
        "",
        f"SCARFEmbedder (defaults, fitted on 2,000 rows) embeds a {args.rows:,} x "
        f"{args.features} float32 memory map; one torch thread; a fresh process per mode.",
        "",
        markdown_table(table, floatfmt=".1f"),
        "",
    ])
    print(text)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "transform_memory.md").write_text(text)


if __name__ == "__main__":
    main()
