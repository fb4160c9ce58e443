"""Every loss of ``skcontrast.losses`` as the objective of SCARF, SupCon and TS2Vec.

For each embedder and each ``loss`` (TS2Vec: ``instance_loss``), fitted with the
embedder's defaults otherwise, per dataset and seed:

* the test accuracy of a probe trained on the embeddings of all, or a stratified 10 %,
  of the training labels (standardised logistic regression for tables, TS2Vec's SVM
  protocol for series);
* the effective rank of the learned part of the embedding (``f(x)``, without SCARF's
  input columns), to spot collapse: a rank near 1 means every row maps to (nearly) one
  direction;
* the fit time (one torch thread; a comparison within the table, not a speed benchmark).

The raw features (series: the raw series) with the same probes are the reference rows.

Tables: 70/30 stratified splits (seeded); series: the UCR split. SCARF is fitted
without labels, SupCon with the training labels (all of them: the 10 % column then
probes a SupCon fitted on every label, so read SupCon's 100 % column).

Run ``python benchmarks/loss_family.py --help``; the committed results came from
``OMP_NUM_THREADS=1 python benchmarks/loss_family.py --n-jobs 1 --out benchmarks/results``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.preprocessing import OneHotEncoder

from skcontrast import SCARFEmbedder, SupConEmbedder, TS2VecEmbedder
from skcontrast.losses import LOSSES
from skcontrast.metrics import effective_rank

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    dev_split,
    environment_line,
    markdown_table,
    probe_accuracies,
)

TABLES = ["breast_cancer", "digits", "attrition"]
SERIES = ["ECG200"]
# TS2Vec's instance term is computed per timestamp for a custom loss: the triplet and
# soft-nearest-neighbour losses' pairwise distances make that too slow to be useful.
TS2VEC_LOSSES = ["ts2vec", "info_nce", "nt_xent", "debiased", "hard_negative", "npair"]


class _RawFeatures(TransformerMixin, BaseEstimator):
    """The raw features as floats (categorical DataFrame columns one-hot encoded)."""

    def fit(self, X, y=None):
        if isinstance(X, pd.DataFrame):
            onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
            self.encoder_ = make_column_transformer(
                (onehot, make_column_selector(dtype_exclude="number")),
                remainder="passthrough").fit(X)
        else:
            self.encoder_ = None
        self.n_components = self.transform(X[:1]).shape[1]
        return self

    def transform(self, X):
        Z = X if self.encoder_ is None else self.encoder_.transform(X)
        Z = np.asarray(Z, dtype=np.float64)
        return Z.reshape(len(Z), -1)  # series: (n, channels, T) -> (n, channels * T)


def run_one(embedder_name, loss, dataset, seed):
    series = dataset in SERIES
    X_train, y_train, X_test, y_test = dev_split(dataset, seed, series=series)
    if embedder_name == "raw":  # the reference every loss is read against
        embedder = _RawFeatures()
    elif embedder_name == "SCARF":
        embedder = SCARFEmbedder(loss=loss, random_state=seed)
    elif embedder_name == "SupCon":
        embedder = SupConEmbedder(loss=loss, random_state=seed)
    else:
        embedder = TS2VecEmbedder(instance_loss=loss, random_state=seed)
    start = time.perf_counter()
    embedder.fit(X_train, y_train if embedder_name == "SupCon" else None)
    fit_seconds = time.perf_counter() - start
    Z_train, Z_test = embedder.transform(X_train), embedder.transform(X_test)
    learned = Z_test[:, -embedder.n_components:]  # SCARF's f(x), without its input columns
    row = {"embedder": embedder_name, "loss": loss, "dataset": dataset, "seed": seed,
           "effective_rank": (np.nan if embedder_name == "raw"  # raw scales: not comparable
                              else effective_rank(learned)), "fit_seconds": fit_seconds}
    row.update(probe_accuracies(Z_train, y_train, Z_test, y_test, series=series, seed=seed))
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--tables", nargs="+", default=TABLES)
    parser.add_argument("--series", nargs="+", default=SERIES)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    tasks = [("raw", "-", d, s) for d in [*args.tables, *args.series] for s in args.seeds]
    tasks += [(e, loss, d, s) for e in ("SCARF", "SupCon") for loss in sorted(LOSSES)
              for d in args.tables for s in args.seeds]
    tasks += [("TS2Vec", loss, d, s) for loss in TS2VEC_LOSSES for d in args.series
              for s in args.seeds]
    start = time.perf_counter()
    runs = pd.DataFrame(Parallel(n_jobs=args.n_jobs, verbose=5)(
        delayed(run_one)(*task) for task in tasks))
    wall = time.perf_counter() - start
    metrics = ["accuracy@100%", "accuracy@10%", "effective_rank", "fit_seconds"]
    per_dataset = runs.groupby(["embedder", "loss", "dataset"], sort=False)[metrics].mean()
    overall = per_dataset.groupby(["embedder", "loss"], sort=False).mean().reset_index()
    command = "python benchmarks/loss_family.py " + " ".join(argv or sys.argv[1:])
    text = "\n".join([
        "# The loss family as the objective of SCARF, SupCon and TS2Vec",
        "",
        f"Command: `OMP_NUM_THREADS=1 {command}`",
        "",
        f"Environment: {environment_line()}; wall time {wall / 60:.1f} min",
        "",
        f"Tables {args.tables} (SCARF, SupCon), series {args.series} (TS2Vec's instance "
        f"term), seeds {args.seeds}; every other parameter at the embedder's default. "
        "Accuracy: standardised logistic probe (tables) or TS2Vec's SVM protocol "
        "(series) on all or a stratified 10 % of the training labels. effective_rank: of "
        "the learned part of the test embeddings (collapse: near 1).",
        "",
        "## Mean over datasets (and seeds)",
        "",
        markdown_table(overall, floatfmt=".3f"),
        "",
        "## Per dataset (mean over seeds)",
        "",
        markdown_table(per_dataset.reset_index(), floatfmt=".3f"),
        "",
    ])
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "loss_family.md").write_text(text)
        runs.to_csv(out / "loss_family_runs.csv", index=False)


if __name__ == "__main__":
    main()
