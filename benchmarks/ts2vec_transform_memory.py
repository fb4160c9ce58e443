"""TS2Vec ``transform`` on 100,000 series of length 140: time and peak memory.

``transform`` runs the encoder on ``inference_batch_size`` series at a time, so the
activations stay bounded; what grows with the data is only the input, its float32
channels-last copy (half the float64 input) and the output (``n_samples x 320`` float32).
The script reports the peak resident memory above the baseline reached after building
the input, for two batch sizes, against the size of the input and output arrays.

Example::

    python benchmarks/ts2vec_transform_memory.py --n-samples 100000
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skcontrast import TS2VecEmbedder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=140)
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[256, 1024])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    rng = np.random.RandomState(0)
    emb = TS2VecEmbedder(n_iters=5, random_state=0, device="cpu").fit(
        rng.normal(size=(32, 1, args.length)))
    X = rng.normal(size=(args.n_samples, 1, args.length))
    rows = []
    for bs in args.batch_sizes:
        emb.set_params(inference_batch_size=bs)
        base = rss_mb()
        peak = base
        start = time.perf_counter()
        # Poll the resident size from a thread while transform runs.
        stop = threading.Event()

        def poll(stop=stop):
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, rss_mb())
                time.sleep(0.05)

        t = threading.Thread(target=poll)
        t.start()
        Z = emb.transform(X)
        stop.set()
        t.join()
        seconds = time.perf_counter() - start
        rows.append(dict(n_samples=args.n_samples, length=args.length,
                         inference_batch_size=bs, seconds=seconds,
                         input_mb=X.nbytes / 2**20, output_mb=Z.nbytes / 2**20,
                         peak_rss_above_start_mb=peak - base))
        del Z
    df = pd.DataFrame(rows)
    text = (f"TS2VecEmbedder.transform, default architecture, CPU\n{environment_line()}\n\n"
            + markdown_table(df, floatfmt=".1f"))
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "ts2vec_transform_memory.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
