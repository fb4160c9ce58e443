"""SupCon and ExpCLR on ECG200 with the TS2Vec SVM protocol, against their baselines.

Protocol (issue #4): the UCR train/test split of ECG200 (100 + 100 univariate series of
length 96, 2 classes), one embedder fit per seed on the training series, then
:class:`skcontrast.probes.SVMProbe` (RBF SVM, TS2Vec's C search) on the embeddings of
the training series, scored on the test series. Rows:

* ``SupCon (labels)``: :class:`skcontrast.SupConEmbedder` fitted with the labels;
* ``ExpCLR (unsupervised)``: :class:`skcontrast.ExpCLREmbedder` with its default expert
  features, fitted without labels;
* ``expert features``: the SVM on the 17 default expert features themselves,
  standardised exactly as ExpCLR standardises them (features whose spread is
  round-off, here the mean and standard deviation of the z-normalised series, are
  centred only), and ``expert features (StandardScaler)``: scaled by a plain
  ``StandardScaler``, which blows those two round-off columns up to unit variance;
* ``raw series``: the SVM on the series themselves;
* ``TS2Vec``: :class:`skcontrast.TS2VecEmbedder` with its defaults (``--ts2vec``).

Deterministic baselines (expert features, raw series) are the same for every seed.
Prints a Markdown table (mean ± std over seeds, per-seed accuracies, mean fit seconds)
and, with ``--out FOLDER``, writes it and the per-seed rows there. Run
``python benchmarks/supcon_expclr_ecg200.py --help``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.preprocessing import StandardScaler

from skcontrast import ExpCLREmbedder, SupConEmbedder, TS2VecEmbedder
from skcontrast.datasets import load_ucr
from skcontrast.expert_features import time_series_expert_features
from skcontrast.probes import SVMProbe

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402

TARGETS = {"SupCon (labels)": 0.88, "ExpCLR (unsupervised)": 0.82}


def svm_accuracy(Ztr, ytr, Zte, yte) -> float:
    return float(SVMProbe().fit(Ztr, ytr).score(Zte, yte))


def run_embedder(name, make, data, seed, supervised) -> dict:
    start = time.perf_counter()
    emb = make(seed).fit(data.X_train, data.y_train if supervised else None)
    fit_s = time.perf_counter() - start
    acc = svm_accuracy(emb.transform(data.X_train), data.y_train,
                       emb.transform(data.X_test), data.y_test)
    return dict(method=name, seed=seed, accuracy=acc, fit_seconds=fit_s), emb


def run(seeds, ts2vec: bool) -> pd.DataFrame:
    data = load_ucr("ECG200")
    Ftr = time_series_expert_features(data.X_train)
    Fte = time_series_expert_features(data.X_test)
    scaler = StandardScaler().fit(Ftr)
    plain = svm_accuracy(scaler.transform(Ftr), data.y_train, scaler.transform(Fte),
                         data.y_test)
    raw = svm_accuracy(data.X_train[:, 0], data.y_train, data.X_test[:, 0], data.y_test)
    rows = []
    for seed in seeds:
        row, _ = run_embedder("SupCon (labels)", lambda s: SupConEmbedder(random_state=s),
                              data, seed, supervised=True)
        rows.append(row)
        row, emb = run_embedder("ExpCLR (unsupervised)",
                                lambda s: ExpCLREmbedder(random_state=s), data, seed,
                                supervised=False)
        rows.append(row)
        # The embedder's own standardisation of the features it was taught with.
        own = svm_accuracy((Ftr - emb.expert_mean_) / emb.expert_scale_, data.y_train,
                           (Fte - emb.expert_mean_) / emb.expert_scale_, data.y_test)
        rows.append(dict(method="expert features", seed=seed, accuracy=own, fit_seconds=0.0))
        rows.append(dict(method="expert features (StandardScaler)", seed=seed,
                         accuracy=plain, fit_seconds=0.0))
        rows.append(dict(method="raw series", seed=seed, accuracy=raw, fit_seconds=0.0))
        if ts2vec:
            row, _ = run_embedder("TS2Vec", lambda s: TS2VecEmbedder(random_state=s), data,
                                  seed, supervised=False)
            rows.append(row)
        done = ", ".join(f"{r['method']} {r['accuracy']:.2f}" for r in rows if r["seed"] == seed)
        print(f"seed {seed}: {done}", flush=True)
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("method", sort=False)
    out = g["accuracy"].agg(["mean", "std"]).reset_index()
    out["accuracy (mean ± std)"] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(out["mean"], out["std"])]
    out["per seed"] = [" ".join(f"{a:.2f}" for a in g.get_group(m)["accuracy"])
                       for m in out["method"]]
    out["target"] = [f">= {TARGETS[m]:.2f}" if m in TARGETS else "" for m in out["method"]]
    out["fit seconds"] = [f"{s:.1f}" for s in g["fit_seconds"].mean().to_numpy()]
    return out[["method", "accuracy (mean ± std)", "per seed", "target", "fit seconds"]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0..n-1)")
    parser.add_argument("--ts2vec", action="store_true", help="add TS2VecEmbedder rows")
    parser.add_argument("--out", type=Path, default=None, help="folder for results (optional)")
    args = parser.parse_args(argv)

    df = run(range(args.seeds), ts2vec=args.ts2vec)
    summary = summarise(df)
    expclr = df[df.method == "ExpCLR (unsupervised)"].accuracy.mean()
    expert = df[df.method == "expert features"].accuracy.mean()
    header = (
        f"ECG200 (UCR split, 100 train / 100 test), SVM protocol, seeds 0..{args.seeds - 1}, "
        "default parameters\n"
        f"{environment_line()}\n"
        f"ExpCLR - SVM on its own standardised expert features: {expclr - expert:+.3f}\n"
    )
    table = markdown_table(summary)
    print("\n" + header + "\n" + table)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.out / "supcon_expclr_ecg200_runs.csv", index=False)
        (args.out / "supcon_expclr_ecg200.md").write_text(header + "\n" + table + "\n")
    return df


if __name__ == "__main__":
    main()
