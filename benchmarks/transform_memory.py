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

import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    environment_line,
    markdown_table,
    memory_map_arguments,
    modes_on_a_memory_map,
)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def child(path: str, mode: str) -> None:
    import torch

    import skcontrast
    from skcontrast import SCARFEmbedder

    torch.set_num_threads(1)
    X = np.load(path, mmap_mode="r")
    embedder = SCARFEmbedder(max_epochs=2, random_state=0).fit(np.asarray(X[:2000]))
    if mode == "whole":
        skcontrast.set_config(block_mib=2**40)
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
    args = memory_map_arguments(argv, __doc__, child)
    if args is None:
        return
    input_mb = args.rows * args.features * 4 / 2**20
    rows = [{**row, "input MB (on disk)": input_mb} for row in modes_on_a_memory_map(
        __file__, args.rows, args.features, np.float32, ("block-wise", "whole"))]
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
