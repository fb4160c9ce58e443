"""
==================================
Saving and loading a fitted model
==================================

Pre-training takes time; you want to do it once and reuse the model elsewhere.
``estimator.save(path)`` writes any skcontrast estimator to a file and
:func:`skcontrast.load` reads it back, transforming and predicting bit-identically.

Unlike a pickle, which can run arbitrary code when it is loaded, a skcontrast model file
is **plain data**: a NumPy ``.npz`` archive read with ``allow_pickle=False``, holding a
JSON manifest (format version, class names, parameters, fitted attributes, a checksum)
and numeric arrays (fitted arrays and network weights). Loading builds only
skcontrast's own estimators (and the scikit-learn pieces of its probes), from that data,
so opening a model file from someone else cannot execute their code.
"""

# %%
# Fit and save
# ------------
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

import skcontrast
from skcontrast import SCARFEmbedder
from skcontrast.datasets import load_tabular
from skcontrast.plotting import plot_embedding
from skcontrast.probes import ProbeClassifier

X, y = load_tabular("digits")
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
embedder = SCARFEmbedder(random_state=0).fit(X_train)

tmp = tempfile.TemporaryDirectory()  # removed at the end of the example
folder = Path(tmp.name)
path = embedder.save(folder / "scarf_digits.skc")
print(path.name, f"{path.stat().st_size / 1e3:.0f} kB")

# %%
# Load and compare
# ----------------
# The loaded embedder gives exactly the same embeddings, bit for bit, and keeps its
# fitted attributes (training history included).
loaded = skcontrast.load(path)
Z, Z_loaded = embedder.transform(X_test), loaded.transform(X_test)
print(type(loaded).__name__, Z.shape, "identical:", np.array_equal(Z, Z_loaded))
print("epochs:", loaded.n_iter_, "best epoch:", loaded.best_epoch_,
      "parameters equal:", loaded.get_params() == embedder.get_params())

# %%
# Classifiers save the same way: here a logistic probe on the embedder fitted above
# (``prefit=True``), saved and loaded with its fitted scaler and logistic regression.
clf = ProbeClassifier(embedder, "logistic", prefit=True, random_state=0).fit(X_train, y_train)
clf_loaded = skcontrast.load(clf.save(folder / "probe.skc"))
print(f"test accuracy {clf.score(X_test, y_test):.3f}, loaded "
      f"{clf_loaded.score(X_test, y_test):.3f}, same probabilities: "
      f"{np.array_equal(clf.predict_proba(X_test), clf_loaded.predict_proba(X_test))}")

# %%
# What is in the file
# -------------------
# NumPy opens it without pickle: a manifest (JSON text stored as bytes) and numbered
# arrays.
with np.load(path, allow_pickle=False) as archive:
    arrays = {name: archive[name] for name in archive.files}
manifest = json.loads(arrays["__manifest__"].tobytes())
print(len(arrays) - 1, "arrays;", "manifest keys:", sorted(manifest))
print("format version", manifest["format_version"], "- class", manifest["estimator"]["class"])

# %%
# A file modified after saving is refused (the checksum covers the manifest and the
# arrays): change one weight and try to load it.
tampered = dict(arrays)
weight = next(k for k in arrays if k != "__manifest__" and arrays[k].ndim == 2)
tampered[weight] = arrays[weight] + 1.0
np.savez(folder / "tampered.skc.npz", **tampered)
try:
    skcontrast.load(folder / "tampered.skc.npz")
except skcontrast.ModelFileError as error:
    print("ModelFileError:", str(error).replace(str(folder), "<folder>"))

# %%
# Plot: the embeddings before and after the round trip
# ----------------------------------------------------
# :func:`~skcontrast.plotting.plot_embedding` projects the test embeddings to 2-D with
# PCA; the two panels are the same picture because the arrays are identical. We plot
# the 32 learned columns ``f(x)`` (the last ``n_components`` of the output): the first
# 64 columns are the standardised pixels, and a few pixels that are almost always 0 in
# the training images reach more than 80 standard deviations on some test images,
# which would dominate a PCA of the whole output.
n_learned = embedder.n_components
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
plot_embedding(Z[:, -n_learned:], y_test, ax=axes[0], s=8,
               title="fitted embedder: f(x), PCA")
plot_embedding(Z_loaded[:, -n_learned:], y_test, ax=axes[1], s=8,
               title="after save() and load(): f(x), PCA")
axes[0].get_legend().remove()
fig.tight_layout()
plt.show()

tmp.cleanup()
