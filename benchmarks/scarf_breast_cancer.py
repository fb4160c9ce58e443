"""SCARF on breast_cancer: frozen-embedding probes and fine-tuning against raw features.

SCARF here runs with the paper's settings (``PAPER``: the 256-wide encoder output alone,
not skcontrast's default ``[x, f(x)]``), to compare with the paper's protocol; the
label-efficiency study of the defaults is the ``tabular_labels`` benchmark config.

Protocol (issue #2): 70/30 stratified splits, one per seed. For each split:

* probes on raw standardised features and on SCARF embeddings (the embedder is fitted
  on the training rows only, without labels): logistic regression and an RBF SVM,
  each after ``StandardScaler``;
* SCARF's own protocol: the pre-trained encoder plus a 2-layer head fine-tuned with
  cross-entropy (:class:`skcontrast.FineTunedClassifier`), against the same network
  trained from scratch on the same split.

``--label-noise 0.3`` relabels that fraction of the training rows uniformly over the
classes (SCARF's label-noise protocol, :func:`skcontrast.robustness.inject_label_noise`,
seeded by the split's seed) before anything is fitted; the test labels stay clean. The
fine-tuned classifiers then early-stop on a validation split of the noisy training rows
(the paper keeps its validation set clean), for both rows alike.

Prints a Markdown table (mean ± std over seeds) and writes it, with the per-seed rows,
to ``--out`` (file names get a ``_noise<percent>`` suffix under label noise).
Run ``python benchmarks/scarf_breast_cancer.py --help``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skcontrast import FineTunedClassifier, SCARFEmbedder
from skcontrast.robustness import inject_label_noise

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment_line, markdown_table  # noqa: E402

PROBES = {
    "logistic": lambda seed: make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
    "svm": lambda seed: make_pipeline(StandardScaler(), SVC()),
}


#: The paper's representation: the encoder's 256-wide output, without the input.
PAPER = dict(n_components=256, include_input=False)

def run_seed(X, y, seed: int, finetune: bool, label_noise: float = 0.0) -> list[dict]:
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    if label_noise:
        ytr, _ = inject_label_noise(ytr, label_noise, random_state=seed)
    rows = []
    start = time.perf_counter()
    scarf = SCARFEmbedder(**PAPER, random_state=seed).fit(Xtr)
    fit_s = time.perf_counter() - start
    Ztr, Zte = scarf.transform(Xtr), scarf.transform(Xte)
    for name, make in PROBES.items():
        rows.append(dict(seed=seed, features="raw", model=name,
                         accuracy=make(seed).fit(Xtr, ytr).score(Xte, yte), seconds=0.0))
        rows.append(dict(seed=seed, features="SCARF", model=name,
                         accuracy=make(seed).fit(Ztr, ytr).score(Zte, yte), seconds=fit_s))
    if finetune:
        for pretrained in (True, False):
            start = time.perf_counter()
            clf = FineTunedClassifier(SCARFEmbedder(**PAPER), pretrained=pretrained,
                                      random_state=seed)
            acc = clf.fit(Xtr, ytr).score(Xte, yte)
            rows.append(dict(seed=seed, features="SCARF" if pretrained else "scratch",
                             model="fine-tuned MLP", accuracy=acc,
                             seconds=time.perf_counter() - start))
    return rows


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby(["model", "features"], sort=False)
    out = g["accuracy"].agg(["mean", "std", "count"]).reset_index()
    out["fit seconds"] = g["seconds"].mean().to_numpy()
    out["accuracy"] = [f"{m:.4f} ± {s:.4f}" for m, s in zip(out["mean"], out["std"])]
    return out[["model", "features", "accuracy", "count", "fit seconds"]].rename(
        columns={"count": "seeds"}
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of splits (seeds 0..n-1)")
    parser.add_argument("--no-finetune", action="store_true", help="skip the fine-tuning rows")
    parser.add_argument("--label-noise", type=float, default=0.0,
                        help="fraction of training labels redrawn uniformly (SCARF protocol)")
    parser.add_argument("--out", type=Path, default=None, help="folder for results (optional)")
    args = parser.parse_args(argv)

    X, y = load_breast_cancer(return_X_y=True)
    rows = []
    for seed in range(args.seeds):
        rows += run_seed(X, y, seed, finetune=not args.no_finetune, label_noise=args.label_noise)
        print(f"seed {seed} done", flush=True)
    df = pd.DataFrame(rows)
    table = markdown_table(summarise(df))
    header = (
        f"SCARF on breast_cancer (569 x 30), 70/30 stratified splits, seeds 0..{args.seeds - 1}"
        + (f", {args.label_noise:.0%} of training labels redrawn uniformly" if args.label_noise
           else "") + "\n"
        f"{environment_line()}\n"
    )
    print("\n" + header + "\n" + table)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = "scarf_breast_cancer" + (
            f"_noise{round(args.label_noise * 100)}" if args.label_noise else "")
        df.to_csv(args.out / f"{stem}_runs.csv", index=False)
        (args.out / f"{stem}.md").write_text(header + "\n" + table + "\n")


if __name__ == "__main__":
    main()
