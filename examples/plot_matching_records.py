"""
=====================================
Matching records across two tables
=====================================

Two tables describe the same records with different columns, and nothing links their
rows: no shared key, a different order. Can the rows be paired back up? This example
cuts the scikit-learn digits in two "tables", the top half of each 8 x 8 image and its
bottom half, and matches the halves of 539 test digits from their embeddings:

* :class:`~skcontrast.MultiViewEmbedder` learns one encoder per table (view) on 1,258
  training digits whose halves are known to belong together, with CLIP's symmetric
  cross-view InfoNCE, so that a record's two halves land close together in one space;
* canonical correlation analysis (:class:`~sklearn.cross_decomposition.CCA`), the
  classical answer, finds the linear projections of the two tables that correlate most.

The matching itself is the optimal one-to-one assignment on the cosine similarities
(:func:`~skcontrast.metrics.match_records`, the Hungarian algorithm).
"""

# %%
# Two tables from one
# -------------------
# The test halves are shuffled independently: row ``i`` of table A and row ``i`` of
# table B are different digits, and only ``truth`` (kept aside) says which row of B
# belongs with each row of A.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cross_decomposition import CCA
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skcontrast import MultiViewEmbedder
from skcontrast.metrics import cross_view_retrieval, match_records, positive_rank

X, y = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
top, bottom = list(range(32)), list(range(32, 64))
rng = np.random.RandomState(0)
order_a, order_b = rng.permutation(len(X_test)), rng.permutation(len(X_test))
table_a, table_b = X_test[order_a][:, top], X_test[order_b][:, bottom]
truth = np.argsort(order_b)[order_a]  # the row of table_b that belongs to each row of A

# %%
# Learn a shared space from linked records
# ----------------------------------------
# The training digits are the linked records: one table with both views.
emb = MultiViewEmbedder(views=[top, bottom], random_state=0).fit(X_train)
Z_a, Z_b = emb.transform_view(table_a, 0), emb.transform_view(table_b, 1)

scaler_a, scaler_b = StandardScaler().fit(X_train[:, top]), StandardScaler().fit(
    X_train[:, bottom])
cca = CCA(n_components=8, max_iter=1000).fit(scaler_a.transform(X_train[:, top]),
                                             scaler_b.transform(X_train[:, bottom]))
C_a, C_b = cca.transform(scaler_a.transform(table_a), scaler_b.transform(table_b))

# %%
# Match the rows
# --------------
# ``match_records`` pairs each row of A with one row of B, no row used twice. The
# retrieval scores look at each row of A alone: where does its true partner rank among
# all rows of B? (Scored on the linked order, so row ``i`` of both is one digit.)
results = {}
for name, (A, B) in {"MultiViewEmbedder": (Z_a, Z_b), "CCA": (C_a, C_b)}.items():
    matched = np.mean(match_records(A, B) == truth)
    linked_b = B[truth]  # rows of B reordered so that row i belongs to A[i]
    scores = cross_view_retrieval(A, linked_b, k=(1, 10))
    results[name] = (matched, scores["mrr"], scores["top_10"])
    print(f"{name:18s} matched {matched:.1%}   MRR {scores['mrr']:.3f}   "
          f"top-10 {scores['top_10']:.1%}   positive rank "
          f"{positive_rank(A, linked_b):.3f}")
print(f"chance: matched {1 / len(X_test):.1%}")

# %%
# How far apart are the halves?
# -----------------------------
# On this run MultiViewEmbedder pairs about one top half in five with its own bottom
# half (CCA: one in fourteen; chance: one in 539), and ranks the true partner in the
# top 10 of 539 candidates for about 70 % of the rows. Below, a few top halves (table
# A) with the bottom half it was matched with, and with their own: a wrong match is
# often the bottom half of a digit that shares the top.
pairs = match_records(Z_a, Z_b)
fig, axes = plt.subplots(2, 8, figsize=(8, 2.6))
for j, ax_col in enumerate(axes.T):
    image = np.vstack([table_a[j].reshape(4, 8), table_b[pairs[j]].reshape(4, 8)])
    ax_col[0].imshow(image, cmap="gray_r")
    ax_col[0].set_title("right" if pairs[j] == truth[j] else "wrong", fontsize=8)
    true_image = np.vstack([table_a[j].reshape(4, 8), table_b[truth[j]].reshape(4, 8)])
    ax_col[1].imshow(true_image, cmap="gray_r")
    for ax in ax_col:
        ax.set_xticks([]), ax.set_yticks([])
axes[0, 0].set_ylabel("matched", fontsize=8)
axes[1, 0].set_ylabel("truth", fontsize=8)
fig.suptitle("Top halves (table A) with the bottom half MultiViewEmbedder matched")
fig.tight_layout()
plt.show()

# %%
# The same comparison on the benchmark tables (``benchmarks/multiview_matching.py``,
# with a split of each table's columns fixed in advance) is in
# ``benchmarks/results/multiview_matching.md``.
