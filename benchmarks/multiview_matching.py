"""Cross-view matching and the joint embedding's probe accuracy: MultiViewEmbedder
against canonical correlation analysis, PLS and SCARF on all columns.

**Views, by a rule stated before any result.** A table's input columns, in the table's
own order, cut in two: the first ``ceil(M / 2)`` columns are view A, the rest view B
(``MultiViewEmbedder``'s default ``views=None``). Each view is preprocessed on its own,
fitted on the training rows (numbers: mean imputation and standardisation; categories:
most frequent value and one-hot), the table suite's preprocessing.

**Data.** The 7 tuning tables of the table suite (digits, breast_cancer, DARWIN,
attrition, hmda, caravan, email) and a synthetic two-view set with a known shared
latent: 3 latent factors, view A ``tanh`` of 5 random projections of them, view B the
squares of 4 others, Gaussian noise of standard deviation 0.1, the class the sign of the
first factor. ``--confirm`` adds the suite's 14 confirmation tables (never tuned on).

**Protocol.** Per table and seed (3 seeds): a stratified 70/30 split (the synthetic set:
2,000 training and 600 test records); every method is fitted on the training rows
without labels; matching is scored on the test rows (at most 1,000): each test record's
view A queries all test records' view B (:func:`skcontrast.metrics.cross_view_retrieval`:
mean reciprocal rank, top-1, and the fraction of records the optimal one-to-one
assignment pairs with their own other view). Probe: logistic regression
(``make_probe("logistic")``) on the joint embedding of the training rows, accuracy on
the test rows, next to the same probe on the preprocessed features themselves.

**Methods.** ``MultiViewEmbedder`` (its defaults); ``CCA`` and ``PLSCanonical`` of
scikit-learn with ``min(8, width of the narrower view)`` components (the joint
embedding: both views' canonical variates side by side); ``SCARFEmbedder`` on all
columns (``include_input=False``: its 32-wide ``f(x)``), whose view embeddings are
those of rows with the other view's columns set to their training mean (a SCARF model
has no per-view encoder: this is the closest it comes).

Run ``python benchmarks/multiview_matching.py --data-home <folder with Darwin.csv>
--out benchmarks/results`` (resumable: finished units are kept in the CSV).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import environment_line, markdown_table

TUNING = ["synthetic", "digits", "breast_cancer", "DARWIN", "attrition", "hmda", "caravan",
          "email"]
CONFIRMATION = ["biopsy", "cells", "chile", "credit_card", "credit_data", "fgl", "hpc",
                "iris", "mlc_churn", "oj", "olive", "penguins", "swiss_labor", "wine"]
METHODS = ["multiview", "cca", "pls", "scarf"]
MAX_MATCHED = 1000


def synthetic(n: int, seed: int):
    """Two views of a 3-d latent: tanh of 5 projections, squares of 4 others; fixed maps."""
    maps = np.random.RandomState(12345)
    proj_a, proj_b = maps.normal(size=(3, 5)), maps.normal(size=(3, 4))
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n, 3))
    a = np.tanh(latent @ proj_a) + 0.1 * rng.normal(size=(n, 5))
    b = (latent @ proj_b) ** 2 + 0.1 * rng.normal(size=(n, 4))
    X = pd.DataFrame(np.hstack([a, b]), columns=[f"a{i}" for i in range(5)]
                     + [f"b{i}" for i in range(4)])
    return X, (latent[:, 0] > 0).astype(int)


def split(name: str, seed: int, data_home):
    from sklearn.model_selection import train_test_split

    from skcontrast.datasets import load_darwin, load_tabular

    if name == "synthetic":
        X_train, y_train = synthetic(2000, 2 * seed)
        X_test, y_test = synthetic(600, 2 * seed + 1)
        return X_train, y_train, X_test, y_test
    X, y = (load_darwin(data_home=data_home, return_X_y=True) if name == "DARWIN"
            else load_tabular(name))
    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    X_train, X_test, y_train, y_test = train_test_split(
        X, np.asarray(y), test_size=0.3, stratify=y, random_state=seed)
    return X_train, y_train, X_test, y_test


def view_preprocessing():
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler())
    categorical = make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    return make_column_transformer(
        (numeric, make_column_selector(dtype_include="number")),
        (categorical, make_column_selector(dtype_exclude="number")),
    )


def preprocess_views(X_train, X_test):
    """Each half of the columns preprocessed on its own: (train, test) arrays per view."""
    half = math.ceil(X_train.shape[1] / 2)
    out = []
    for cols in (X_train.columns[:half], X_train.columns[half:]):
        pre = view_preprocessing().fit(X_train[cols])
        out.append((pre.transform(X_train[cols]).astype(np.float64),
                    pre.transform(X_test[cols]).astype(np.float64)))
    return out


def run_unit(name: str, seed: int, data_home) -> list[dict]:
    from sklearn.cross_decomposition import CCA, PLSCanonical

    from skcontrast import MultiViewEmbedder, SCARFEmbedder
    from skcontrast.metrics import cross_view_retrieval, modality_gap
    from skcontrast.probes import make_probe

    X_train, y_train, X_test, y_test = split(name, seed, data_home)
    (a_tr, a_te), (b_tr, b_te) = preprocess_views(X_train, X_test)
    joint_tr, joint_te = np.hstack([a_tr, b_tr]), np.hstack([a_te, b_te])
    n_match = min(MAX_MATCHED, len(a_te))
    width_a = a_tr.shape[1]
    views = [list(range(width_a)), list(range(width_a, joint_tr.shape[1]))]

    def probe_accuracy(Z_train, Z_test):
        probe = make_probe("logistic", random_state=seed).fit(Z_train, y_train)
        return float(probe.score(Z_test, y_test))

    rows = []
    base = dict(dataset=name, seed=seed, n_train=len(a_tr), n_matched=n_match,
                width_a=width_a, width_b=b_tr.shape[1],
                raw_probe_accuracy=probe_accuracy(joint_tr, joint_te))
    for method in METHODS:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CCA's convergence chatter on one-hot blocks
            if method == "multiview":
                model = MultiViewEmbedder(views=views, random_state=seed).fit(joint_tr)
                Za, Zb = model.transform_views(joint_te)
                J_tr, J_te = model.transform(joint_tr), model.transform(joint_te)
                extra = {"epochs": model.n_iter_, "temperature": model.temperature_}
            elif method in ("cca", "pls"):
                k = min(8, width_a, b_tr.shape[1])
                cls = CCA if method == "cca" else PLSCanonical
                model = cls(n_components=k, max_iter=1000).fit(a_tr, b_tr)
                Za, Zb = model.transform(a_te, b_te)
                J_tr, J_te = (np.hstack(model.transform(a_tr, b_tr)),
                              np.hstack([Za, Zb]))
                extra = {}
            else:
                model = SCARFEmbedder(include_input=False, random_state=seed).fit(joint_tr)
                masked_a, masked_b = joint_te.copy(), joint_te.copy()
                masked_a[:, width_a:] = joint_tr[:, width_a:].mean(axis=0)
                masked_b[:, :width_a] = joint_tr[:, :width_a].mean(axis=0)
                Za, Zb = model.transform(masked_a), model.transform(masked_b)
                J_tr, J_te = model.transform(joint_tr), model.transform(joint_te)
                extra = {"epochs": model.n_iter_}
        fit_seconds = time.perf_counter() - start
        scores = cross_view_retrieval(Za[:n_match], Zb[:n_match], k=(1, 5))
        rows.append({**base, "method": method, "mrr": scores["mrr"], "top_1": scores["top_1"],
                     "top_5": scores["top_5"], "matched_fraction": scores["matched_fraction"],
                     "modality_gap": modality_gap(Za, Zb),
                     "probe_accuracy": probe_accuracy(J_tr, J_te),
                     "seconds": fit_seconds, **extra})
    # What a matcher that knows nothing scores: ranks uniform over the candidates.
    rows.append({**base, "method": "chance",
                 "mrr": float(np.mean(1.0 / np.arange(1, n_match + 1))),
                 "top_1": 1 / n_match, "top_5": min(5, n_match) / n_match,
                 "matched_fraction": 1 / n_match})
    return rows


def summarise(runs: pd.DataFrame, names: list[str]) -> str:
    runs = runs[runs["dataset"].isin(names)]
    per = runs.groupby(["dataset", "method"])[
        ["mrr", "top_1", "matched_fraction", "probe_accuracy", "raw_probe_accuracy",
         "seconds"]].mean()
    order = [m for m in [*METHODS, "chance"] if m in set(runs["method"])]
    wide = per["mrr"].unstack("method")[order]
    mrr = wide.reset_index().rename(columns={m: f"MRR {m}" for m in order})
    matched = per["matched_fraction"].unstack("method")[order].reset_index()
    probe = per["probe_accuracy"].unstack("method")[[m for m in METHODS if m in order]]
    probe["raw features"] = per["raw_probe_accuracy"].groupby("dataset").first()
    real = [d for d in wide.index if d != "synthetic"]
    mv, cca = wide.loc[real, "multiview"], wide.loc[real, "cca"]
    lines = [
        "Mean reciprocal rank of each record's other view among the test records (3 "
        "seeds; chance = the mean of 1/rank for a uniform rank):", "",
        markdown_table(mrr, ".3f"), "",
        f"On the {len(real)} real tables: MultiViewEmbedder's MRR is {mv.mean():.3f} against "
        f"CCA's {cca.mean():.3f} (ratio {np.exp(np.log(mv / cca).mean()):.1f}x, geometric "
        f"mean), ahead on {int((mv > cca).sum())} of {len(real)}.", "",
        "Fraction of test records the optimal one-to-one assignment pairs with their own "
        "other view:", "",
        markdown_table(matched.rename(columns={m: f"matched {m}" for m in order}), ".3f"), "",
        "Probe accuracy (logistic regression, all training labels) on the joint embedding "
        "and on the preprocessed features:", "",
        markdown_table(probe.reset_index(), ".3f"), "",
        "Fit seconds (mean over seeds):", "",
        markdown_table(per["seconds"].unstack("method")[
            [m for m in METHODS if m in order]].reset_index(), ".1f"),
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None, help="folder holding Darwin.csv")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--confirm", action="store_true",
                        help="also the 14 confirmation tables of the table suite")
    parser.add_argument("--datasets", nargs="+", default=None)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "multiview_matching_runs.csv"
    names = args.datasets or (TUNING + (CONFIRMATION if args.confirm else []))
    done = set()
    if csv.exists():
        old = pd.read_csv(csv)
        done = set(zip(old["dataset"], old["seed"]))
    for name in names:
        if name == "DARWIN" and args.data_home is None:
            print("DARWIN skipped: pass --data-home", flush=True)
            continue
        for seed in args.seeds:
            if (name, seed) in done:
                continue
            rows = pd.DataFrame(run_unit(name, seed, args.data_home))
            rows.to_csv(csv, mode="a", header=not csv.exists(), index=False)
            best = rows.set_index("method")["mrr"]
            print(f"{name} seed {seed}: MRR " + ", ".join(
                f"{m} {v:.3f}" for m, v in best.items()), flush=True)
    runs = pd.read_csv(csv)
    tuning = [n for n in TUNING if n in set(runs["dataset"])]
    confirmation = [n for n in CONFIRMATION if n in set(runs["dataset"])]
    text = [
        "# Multi-view contrastive learning: matching records across column groups", "",
        __doc__.split("\n\n", 1)[1].split("Run ``python")[0].strip(), "",
        f"Environment: {environment_line()}", "",
        "## Tuning tables and the synthetic set", "", summarise(runs, tuning),
    ]
    if confirmation:
        text += ["", "## Confirmation tables (never tuned on)", "",
                 summarise(runs, confirmation)]
    (out / "multiview_matching.md").write_text("\n".join(text) + "\n")
    print((out / "multiview_matching.md").read_text())


if __name__ == "__main__":
    main()
