"""Helpers shared by the benchmark scripts (no extra dependency such as tabulate)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from skcontrast.benchmark import environment_line as _environment_line


def markdown_table(df: pd.DataFrame, floatfmt: str = ".4f") -> str:
    """Render ``df`` as a GitHub Markdown table."""
    def fmt(v):
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def environment_line() -> str:
    """One line naming the library versions and the machine, for results files."""
    return _environment_line()


def dev_split(name: str, seed: int, *, series: bool, data_home=None):
    """``X_train, y_train, X_test, y_test`` of a dev set.

    Series: the UCR archive's split. Tables: a 70/30 split stratified by class, seeded
    (``"DARWIN"`` is read from ``data_home``).
    """
    from sklearn.model_selection import train_test_split

    from skcontrast.datasets import load_darwin, load_tabular, load_ucr

    if series:
        return load_ucr(name, return_X_y=True)
    X, y = (load_darwin(data_home=data_home, return_X_y=True) if name == "DARWIN"
            else load_tabular(name))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=seed)
    return X_train, y_train, X_test, y_test


def probe_accuracies(Z_train, y_train, Z_test, y_test, *, series: bool, seed: int,
                     fractions=(1.0, 0.1)) -> dict:
    """``{"accuracy@100%": ..., "accuracy@10%": ...}``: a probe on all or a stratified
    fraction of the training labels (TS2Vec's SVM protocol for series, standardised
    logistic regression for tables)."""
    from skcontrast.probes import SVMProbe, make_probe
    from skcontrast.robustness import select_labelled

    scores = {}
    for fraction in fractions:
        keep = (np.arange(len(y_train)) if fraction == 1.0
                else select_labelled(y_train, fraction, random_state=seed))
        probe = SVMProbe() if series else make_probe("logistic", random_state=seed)
        probe.fit(Z_train[keep], np.asarray(y_train)[keep])
        scores[f"accuracy@{fraction:.0%}"] = float(probe.score(Z_test, y_test))
    return scores


def fit_reference_ts2vec(path, x, *, seed: int, n_iters=None, device: str = "cpu",
                         batch_size: int = 8):
    """Train the reference TS2Vec (a local checkout at ``path``) on ``x`` (N, T, C).

    Seeded as the reference's scripts do (Python's, numpy's and torch's global
    generators); ``n_iters=None`` is its own step rule. Returns the fitted model (its
    ``encode(x, encoding_window="full_series")`` gives the embeddings).
    """
    import random
    import sys

    import torch

    sys.path.insert(0, str(path))
    try:
        from ts2vec import TS2Vec  # the reference's module, from the given checkout
    finally:
        sys.path.remove(str(path))
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (the reference draws from numpy's global RNG)
    torch.manual_seed(seed)
    model = TS2Vec(input_dims=x.shape[2], device=device, batch_size=batch_size,
                   max_train_length=3000)
    model.fit(np.array(x, dtype=np.float32), n_iters=n_iters)  # a copy: it edits in place
    return model


def scarf_port_epoch_seconds(path, X, *, epochs: int = 2, batch_size: int = 128,
                             seed: int = 0) -> float:
    """Seconds per epoch of a public SCARF port (a local checkout of
    github.com/clabrugere/pytorch-scarf at ``path``), trained as its README shows.

    The paper's network (a 4-layer, 256-wide encoder and a 2-layer, 256-wide head), Adam
    at 1e-3, corruption rate 0.6, its ``DataLoader(shuffle=True)`` and ``NTXent`` loss;
    one warm-up epoch, then the mean of ``epochs`` timed ones. ``X`` is standardised
    float32, as the port expects.
    """
    import sys
    import time

    import torch
    from torch.utils.data import DataLoader

    sys.path.insert(0, str(path))
    try:  # the port's modules, from the given checkout
        from scarf.dataset import SCARFDataset
        from scarf.loss import NTXent
        from scarf.model import SCARF
    finally:
        sys.path.remove(str(path))
    torch.manual_seed(seed)  # the port draws from torch's global generator
    dataset = SCARFDataset(X, np.zeros(len(X)))
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    model = SCARF(input_dim=X.shape[1], features_low=dataset.features_low,
                  features_high=dataset.features_high, dim_hidden_encoder=256,
                  num_hidden_encoder=4, dim_hidden_head=256, num_hidden_head=2,
                  corruption_rate=0.6)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = NTXent()

    def epoch():
        model.train()
        for x in loader:
            loss = criterion(*model(x))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss.item()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return (time.perf_counter() - start) / epochs


def anonymous_mb() -> float:
    """The process's anonymous resident memory (``RssAnon``, MB): the arrays and tensors
    it allocates, not a memory-mapped file's pages (page cache)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_anonymous_mb(fn) -> tuple[float, float]:
    """Run ``fn()`` sampling :func:`anonymous_mb` every 5 ms from a thread; return its
    seconds and the peak above the level it started at (MB)."""
    import ctypes
    import threading
    import time

    try:  # hand freed heap back to the OS first: earlier work must not hide new memory
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
    before = anonymous_mb()
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], anonymous_mb())
            time.sleep(0.005)

    thread = threading.Thread(target=sample)
    thread.start()
    start = time.perf_counter()
    try:
        fn()
    finally:
        seconds = time.perf_counter() - start
        done.set()
        thread.join()
    return seconds, peak[0] - before


def modes_on_a_memory_map(script: str, rows: int, features: int, dtype, modes) -> list[dict]:
    """Write a ``rows x features`` random table to a temporary ``.npy`` (in pieces, never
    all in memory) and run ``script --child <path> <mode>`` in a fresh process per mode;
    each child prints one JSON line, returned in mode order."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "X.npy"
        mapped = np.lib.format.open_memmap(path, mode="w+", dtype=dtype,
                                           shape=(rows, features))
        rng = np.random.default_rng(0)
        for lo in range(0, rows, 100_000):
            hi = min(lo + 100_000, rows)
            mapped[lo:hi] = rng.standard_normal((hi - lo, features), dtype=dtype)
        mapped.flush()
        del mapped
        for mode in modes:
            out = subprocess.run([sys.executable, script, "--child", str(path), mode],
                                 capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(results[-1], file=sys.stderr, flush=True)
    return results


def memory_map_arguments(argv, doc: str, child):
    """The shared command line of the memory-map scripts (``--rows``, ``--features``,
    ``--out``); runs ``child(path, mode)`` and returns ``None`` in a child process."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--out", default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return None
    return args
