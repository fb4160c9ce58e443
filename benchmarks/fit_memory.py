"""Peak memory of ``SCARFEmbedder.fit`` on a memory-mapped table: streamed or copied.

``fit`` computes the standardisation statistics block by block. A numeric table whose
float32 copy would exceed ``stream_above_mib`` (256 MiB, ``skcontrast.set_config``) is streamed:
each batch and each marginal draw of the corruption is read from the map when it is
needed, and only the validation rows are held. A smaller one is preprocessed straight
into its training/validation order one block (about 64 MB of float64) at a time, and
training holds that float32 copy. Both ways give identical fits (tested). This script
writes a ``--rows`` x ``--features`` float64 table to a ``.npy`` file and, in a fresh
process per mode, fits one epoch on its memory map, sampling the process's anonymous
resident memory (``RssAnon``: the arrays and tensors it allocates, not the file's
pages, which are page cache) every 5 ms:

* ``streamed`` (the default for this size);
* ``copied``: the float32 copy, block-wise (``stream_above_mib`` raised past the table);
* ``unblocked``: the copy with the block size limit off too (all of X in one block,
  float64 temporaries of its size).

At commit 0b0e4be (blocked statistics and standardisation, but the split still copied
after preprocessing) this script measured 771 MB block-wise, and its ``whole`` mode
(the behaviour before any blocking) 1,522 MB: ``benchmarks/results/fit_memory.md`` at
that commit.

Run ``python benchmarks/fit_memory.py --out benchmarks/results``.
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
    import torch

    import skcontrast
    from skcontrast import SCARFEmbedder

    torch.set_num_threads(1)
    if mode in ("copied", "unblocked"):
        skcontrast.set_config(stream_above_mib=2**40)
    if mode == "unblocked":
        skcontrast.set_config(block_mib=2**40)
    X = np.load(path, mmap_mode="r")
    seconds, peak = peak_anonymous_mb(
        lambda: SCARFEmbedder(max_epochs=1, early_stopping=False, random_state=0).fit(X))
    print(json.dumps({"mode": mode, "fit_seconds": seconds,
                      "peak_anon_above_start_mb": peak}))


def main(argv=None):
    args = memory_map_arguments(argv, __doc__, child)
    if args is None:
        return
    rows = modes_on_a_memory_map(__file__, args.rows, args.features, np.float64,
                                 ("streamed", "copied", "unblocked"))
    table = pd.DataFrame(rows)
    table["X float64 mb"] = args.rows * args.features * 8 / 2**20
    table["float32 copy mb"] = args.rows * args.features * 4 / 2**20
    text = (f"# SCARFEmbedder.fit on a {args.rows} x {args.features} float64 memory map "
            "(1 epoch, 1 torch thread)\n\n"
            f"`python benchmarks/fit_memory.py --rows {args.rows} --features "
            f"{args.features}`\n\n{environment_line()}\n\n" + markdown_table(table, ".1f")
            + "\n\n`streamed`: batches and marginal draws read from the map (the default "
            "above 256 MiB of float32); `copied`: the float32 copy, built block-wise; "
            "`unblocked`: the copy with the block limit off (every step on all of X "
            "at once, gathering the shuffled split in float64 first). For the behaviour "
            "before blocking, run this script at commit 0b0e4be: its `whole` mode measured "
            "1,522 MB there (and 771 MB with the statistics and standardisation blocked but "
            "the split copied after preprocessing).\n")
    print(text)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "fit_memory.md").write_text(text)


if __name__ == "__main__":
    main()
