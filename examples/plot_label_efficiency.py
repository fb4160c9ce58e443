"""
=============================================
Label efficiency: pre-train on every row
=============================================

Self-supervised pre-training is worth its cost when labels are **few**: the embedder
learns from every row without looking at a label, and only the final classifier needs
labelled rows. This example runs that protocol (SimCLR's 1 % / 10 % subsets) on the
digits table:

1. fit :class:`~skcontrast.SCARFEmbedder` once on *all* training rows, without labels;
2. keep the labels of a stratified 1 %, 5 %, 10 % or 100 % of the training rows
   (:func:`~skcontrast.robustness.select_labelled`), and remove the others
   (:func:`~skcontrast.robustness.hide_labels`);
3. fit a logistic regression on the embeddings of the labelled rows only.

It is compared with a logistic regression on the raw features of the same labelled
rows and with the *untrained* encoder in the same representation
(:class:`~skcontrast.UntrainedEmbedder`), the control that tells what the contrastive
training itself adds.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast import SCARFEmbedder, UntrainedEmbedder
from skcontrast.datasets import load_tabular
from skcontrast.robustness import hide_labels, select_labelled
from skcontrast.utils import labelled_subset

X, y = load_tabular("digits")  # 1797 images of 8x8 pixels, 10 classes
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print("training rows:", len(y_train), "test rows:", len(y_test))

# %%
# The labelled subsets
# --------------------
# ``select_labelled`` takes ``round(fraction * n)`` rows split across the classes in
# proportion, with at least ``min_per_class=2`` per class; for one seed the smaller
# subsets are nested in the larger ones, so the curve is not blurred by redrawing.
fractions = [0.01, 0.05, 0.1, 1.0]
for fraction in fractions:
    labelled = select_labelled(y_train, fraction, random_state=0)
    print(f"{fraction:>5.0%}: {labelled.sum():4d} labelled rows, "
          f"per class {np.bincount(y_train[labelled]).tolist()}")

# %%
# Pre-train once, probe at every fraction
# ---------------------------------------
# The embedders never see a label, so each one is fitted once per seed and its
# embeddings are reused at every fraction. SCARF trains with its defaults (early
# stopping ends it after 14 to 27 epochs here). The probe on the embeddings is a plain
# ``LogisticRegression``: the embeddings ``[x, f(x)]`` already start with the input
# standardised on *all* training rows. The raw baseline standardises with the
# labelled rows, the only ones it has.
seeds = [0, 1, 2]
rows = []
for seed in seeds:
    embedders = {
        "SCARF + logistic": SCARFEmbedder(random_state=seed).fit(X_train),
        "untrained encoder + logistic": UntrainedEmbedder(
            SCARFEmbedder(random_state=seed)).fit(X_train),
    }
    embedded = {name: (emb.transform(X_train), emb.transform(X_test))
                for name, emb in embedders.items()}
    for fraction in fractions:
        labelled = select_labelled(y_train, fraction, random_state=seed)
        y_few = hide_labels(y_train, labelled)  # None for the hidden labels
        X_few, y_known = labelled_subset(X_train, y_few)
        raw = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        scores = {"raw features + logistic": raw.fit(X_few, y_known).score(X_test, y_test)}
        for name, (Z_train, Z_test) in embedded.items():
            Z_few, _ = labelled_subset(Z_train, y_few)
            probe = LogisticRegression(max_iter=1000).fit(Z_few, y_known)
            scores[name] = probe.score(Z_test, y_test)
        for name, score in scores.items():
            rows.append({"model": name, "fraction": fraction, "seed": seed,
                         "n_labelled": len(y_known), "accuracy": score})
results = pd.DataFrame(rows)
table = results.pivot_table(index="fraction", columns="model", values="accuracy",
                            aggfunc="mean")
print(table.round(3).to_string())

# %%
# Paired differences: for each seed the models saw exactly the same labelled rows.
wide = results.pivot_table(index=["fraction", "seed"], columns="model", values="accuracy")
gain = wide["SCARF + logistic"] - wide["raw features + logistic"]
print("SCARF minus raw, per fraction (mean, seeds won / lost):")
for fraction, g in gain.groupby(level="fraction"):
    print(f"  {fraction:>5.0%}: {g.mean():+.3f}  ({(g > 0).sum()}/{(g < 0).sum()})")

# %%
# Plot: accuracy against the labelled fraction
# --------------------------------------------
fig, ax = plt.subplots(figsize=(7, 4.2))
styles = {"SCARF + logistic": "-o", "untrained encoder + logistic": ":^",
          "raw features + logistic": "--s"}
summary = results.groupby(["model", "fraction"])["accuracy"].agg(["mean", "std"])
for name, style in styles.items():
    s = summary.loc[name]
    ax.errorbar(s.index, s["mean"], yerr=s["std"], fmt=style, capsize=3, label=name)
ax.set_xscale("log")
ax.set_xticks(fractions, [f"{f:.0%}" for f in fractions])
ax.set_xlabel("labelled fraction of the 1257 training rows (log scale)")
ax.set_ylabel("test accuracy (mean +/- std, 3 seeds)")
ax.set_title("Label efficiency on digits")
ax.legend()
fig.tight_layout()

# %%
# What it shows
# -------------
# Accuracy climbs from about 0.67 with 20 labelled rows (1 %, two per class) to 0.97
# with all 1257. SCARF's embeddings are ahead of raw features at every fraction, but
# by little: +0.009 at 1 % (2 seeds won, 1 lost), +0.014 at 5 %, +0.019 at 10 % and
# +0.005 at 100 % (all 3 seeds won), the gaps at 1 % and 5 % smaller than the
# seed-to-seed spread (std 0.066 and 0.022). The untrained encoder scores 0.668,
# 0.857, 0.913 and 0.972: like raw features at 1 % and 100 %, close to SCARF at 10 %.
# Part of the gain at 5-10 % therefore comes from the representation itself (the
# input standardised with the statistics of all rows, plus extra features) rather
# than from contrastive training, which is why a random-encoder control belongs in
# every such comparison.
#
# The same protocol is packaged: :class:`~skcontrast.probes.ProbeClassifier` is
# "embedder on every row, probe on the labelled ones" as one classifier (pass ``y``
# with ``NaN``/``None`` for the unlabelled rows), and
# :func:`~skcontrast.robustness.robustness_curve` with ``label_fractions=(0.01, 0.1,
# 1.0)`` runs it for several estimators and seeds (refitting the embedder at every
# fraction, which is exact but slower than the reuse above).
plt.show()
