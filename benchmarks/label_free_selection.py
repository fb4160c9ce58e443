"""Does label-free selection pick what labels would pick?

For a grid of an embedder's hyper-parameters, every grid point is fitted without labels
on a dataset's training rows; then, on the held-out rows:

* each label-free score of :mod:`skcontrast.metrics` (effective rank, minus alignment,
  minus uniformity, the InfoNCE bound) is computed from the features alone;
* a probe (standardised logistic regression for tables, TS2Vec's SVM protocol for
  series) trained on the training rows' labels (all of them, or a stratified 10 %) gives
  the test accuracy that a search with labels would maximise.

Reported per family, over datasets and seeds: the Spearman rank correlation, across the
grid, between each score and the probe's accuracy; and the accuracy lost by choosing the
grid point with the best score instead of the best accuracy (the "regret"), next to two
references: the regret of the embedder's default parameters and of a grid point drawn at
random (the mean over the grid).

Grids (the issue's): SCARF ``corruption_rate`` x ``batch_size`` x ``loss`` on the tabular
dev sets; TS2Vec ``batch_size`` x ``n_components`` on the series dev sets.

Run ``python benchmarks/label_free_selection.py --help``; the committed results came
from ``OMP_NUM_THREADS=1 python benchmarks/label_free_selection.py --n-jobs 1 --data-home
<folder with Darwin.csv> --out benchmarks/results``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import spearmanr

from skcontrast import SCARFEmbedder, TS2VecEmbedder
from skcontrast.metrics import LABEL_FREE_SCORES, label_free_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    dev_split,
    environment_line,
    markdown_table,
    probe_accuracies,
)

TABLES = ["breast_cancer", "digits", "DARWIN", "attrition", "hmda", "caravan", "email"]
SERIES = ["ECG200", "GunPoint", "ECG5000"]
SCARF_GRID = {"corruption_rate": [0.2, 0.4, 0.6, 0.8], "batch_size": [32, 128, 512],
              "loss": ["info_nce", "nt_xent", "debiased"]}
SCARF_DEFAULT = {"corruption_rate": 0.6, "batch_size": 128, "loss": "info_nce"}
TS2VEC_GRID = {"batch_size": [4, 8, 16], "n_components": [64, 160, 320]}
TS2VEC_DEFAULT = {"batch_size": 8, "n_components": 320}
FRACTIONS = (1.0, 0.1)


def grid_points(grid):
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*grid.values())]


def run_one(family, dataset, seed, params, data_home):
    series = family == "TS2Vec"
    X_train, y_train, X_test, y_test = dev_split(dataset, seed, series=series,
                                                 data_home=data_home)
    if family == "SCARF":
        embedder = SCARFEmbedder(random_state=seed, **params)
    else:
        embedder = TS2VecEmbedder(random_state=seed, **params)
    start = time.perf_counter()
    embedder.fit(X_train)
    fit_seconds = time.perf_counter() - start
    row = {"family": family, "dataset": dataset, "seed": seed, **params,
           "fit_seconds": fit_seconds}
    for score in LABEL_FREE_SCORES:
        row[score] = label_free_score(embedder, X_test, score, random_state=seed)
    Z_train, Z_test = embedder.transform(X_train), embedder.transform(X_test)
    row.update(probe_accuracies(Z_train, y_train, Z_test, y_test, series=series, seed=seed,
                                fractions=FRACTIONS))
    return row


def _spearman(a, b):
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    return float(spearmanr(a, b).statistic)


def summarize(runs: pd.DataFrame, grids: dict, defaults: dict) -> pd.DataFrame:
    """Per family, label fraction and score: mean rank correlation and regret."""
    rows = []
    for (family, dataset, seed), group in runs.groupby(["family", "dataset", "seed"]):
        keys = list(grids[family])
        default = group
        for k, v in defaults[family].items():
            default = default[default[k] == v]
        for fraction in FRACTIONS:
            accuracy = group[f"accuracy@{fraction:.0%}"].to_numpy()
            best = accuracy.max()
            base = {"family": family, "dataset": dataset, "seed": seed,
                    "labels": f"{fraction:.0%}"}
            for score in LABEL_FREE_SCORES:
                values = group[score].to_numpy()
                chosen = accuracy[int(np.argmax(values))]
                rows.append({**base, "selector": score, "spearman": _spearman(values, accuracy),
                             "regret": best - chosen,
                             "chosen": ", ".join(f"{k}={group.iloc[int(np.argmax(values))][k]}"
                                                 for k in keys)})
            rows.append({**base, "selector": "default parameters", "spearman": np.nan,
                         "regret": best - float(default[f"accuracy@{fraction:.0%}"].iloc[0]),
                         "chosen": "default"})
            rows.append({**base, "selector": "random grid point", "spearman": np.nan,
                         "regret": best - float(accuracy.mean()), "chosen": "mean"})
    return pd.DataFrame(rows)


def report(per_run: pd.DataFrame) -> pd.DataFrame:
    out = (per_run.groupby(["family", "labels", "selector"], sort=False)
           .agg(spearman=("spearman", "mean"),
                positive=("spearman", lambda s: f"{int((s > 0).sum())}/{int(s.notna().sum())}"),
                regret=("regret", "mean"), worst_regret=("regret", "max"))
           .reset_index())
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", default=["SCARF", "TS2Vec"])
    parser.add_argument("--tables", nargs="+", default=TABLES)
    parser.add_argument("--series", nargs="+", default=SERIES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--data-home", default=None, help="folder holding Darwin.csv")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default=None, help="write the Markdown and CSV here")
    args = parser.parse_args(argv)

    grids = {"SCARF": SCARF_GRID, "TS2Vec": TS2VEC_GRID}
    defaults = {"SCARF": SCARF_DEFAULT, "TS2Vec": TS2VEC_DEFAULT}
    datasets = {"SCARF": args.tables, "TS2Vec": args.series}
    tasks = [(family, dataset, seed, params)
             for family in args.families for dataset in datasets[family]
             for seed in args.seeds for params in grid_points(grids[family])]
    start = time.perf_counter()
    rows = Parallel(n_jobs=args.n_jobs, verbose=5)(
        delayed(run_one)(*task, args.data_home) for task in tasks)
    wall = time.perf_counter() - start
    runs = pd.DataFrame(rows)
    per_run = summarize(runs, grids, defaults)
    table = report(per_run)
    per_dataset = (per_run.groupby(["family", "dataset", "labels", "selector"], sort=False)
                   [["spearman", "regret"]].mean().reset_index())
    command = "python benchmarks/label_free_selection.py " + " ".join(argv or sys.argv[1:])
    text = "\n".join([
        "# Label-free selection against probe accuracy",
        "",
        f"Command: `OMP_NUM_THREADS=1 {command}`",
        "",
        f"Environment: {environment_line()}; wall time {wall / 60:.1f} min",
        "",
        "Grids: SCARF " + ", ".join(f"{k} {v}" for k, v in SCARF_GRID.items())
        + f" on {', '.join(args.tables)}; TS2Vec "
        + ", ".join(f"{k} {v}" for k, v in TS2VEC_GRID.items())
        + f" on {', '.join(args.series)}; seeds {args.seeds}. Scores on the held-out rows'"
        " features; accuracy of a standardised logistic probe (tables) or TS2Vec's SVM"
        " protocol (series) trained on all or a stratified 10 % of the training labels.",
        "",
        "## Summary over datasets and seeds",
        "",
        "`spearman`: mean rank correlation across the grid between the score and the"
        " accuracy (`positive`: runs where it is > 0). `regret`: accuracy lost by taking"
        " the score's best grid point instead of the accuracy's best (mean, and worst run)."
        " References: the embedder's default parameters, and a grid point drawn at random"
        " (the grid's mean accuracy).",
        "",
        markdown_table(table, floatfmt=".3f"),
        "",
        "## Per dataset (mean over seeds)",
        "",
        markdown_table(per_dataset, floatfmt=".3f"),
        "",
    ])
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "label_free_selection.md").write_text(text)
        runs.to_csv(out / "label_free_selection_runs.csv", index=False)


if __name__ == "__main__":
    main()
