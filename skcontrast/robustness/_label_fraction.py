"""The label-efficiency protocol: keep the labels of a stratified fraction of the rows.

Pre-training without labels exists for the regime where labels are few: an embedder is
fitted on *all* training rows without their labels, and probes (or fine-tuning) see only
the labelled subset. :func:`select_labelled` chooses that subset; :func:`hide_labels`
removes every other label, so that no label of an unlabelled row can reach any model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ..utils import check_rate

__all__ = ["hide_labels", "select_labelled"]


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` across classes in proportion to ``counts`` (largest remainders)."""
    exact = total * counts / counts.sum()
    alloc = np.floor(exact).astype(int)
    remainder = total - alloc.sum()
    # Ties go to the larger class, then to the earlier one: deterministic.
    order = np.lexsort((np.arange(len(counts)), -counts, -(exact - alloc)))
    alloc[order[:remainder]] += 1
    return alloc


def select_labelled(y, fraction, *, min_per_class=2, random_state=None) -> np.ndarray:
    """Choose the rows whose labels are kept: stratified, nested across fractions, seeded.

    ``round(fraction * n_samples)`` rows are split across the classes in proportion to
    their sizes (largest remainders); a class then gets at least ``min_per_class`` rows
    (all of its rows if it has fewer), so small fractions of imbalanced data keep a few
    more rows than the fraction says. Within a class the rows are the first ones
    of a random permutation drawn from ``random_state``, so for one seed the subset of a
    smaller fraction is contained in the subset of a larger one, and a curve over
    fractions is not blurred by redrawing. ``fraction=1`` keeps every row.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The true labels (of the training split).
    fraction : float in (0, 1]
        Fraction of the rows to keep labelled.
    min_per_class : int, default=2
        Smallest number of labelled rows per class (SimCLR's label subsets are class
        balanced; probes need at least one row of every class, and their inner
        cross-validation more).
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations.

    Returns
    -------
    labelled : ndarray of bool, shape (n_samples,)
        ``True`` for the rows that keep their label.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.robustness import select_labelled
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> small = select_labelled(y, 0.05, random_state=0)
    >>> large = select_labelled(y, 0.2, random_state=0)
    >>> np.bincount(y[small]).tolist(), np.bincount(y[large]).tolist()
    ([5, 2], [18, 2])
    >>> bool((large >= small).all())  # nested
    True
    """
    fraction = check_rate(fraction, "fraction")
    if fraction == 0:
        raise ValueError("fraction must be > 0: at least some rows need a label.")
    if isinstance(min_per_class, bool) or not isinstance(min_per_class, int | np.integer) or (
            min_per_class < 1):
        raise ValueError(f"min_per_class must be an integer >= 1; got {min_per_class!r}.")
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D (n_samples,); got shape {labels.shape}.")
    if pd.isna(labels).any():
        raise ValueError("y contains missing labels; pass the fully labelled training split.")
    n_samples = labels.shape[0]
    if fraction == 1.0:
        return np.ones(n_samples, dtype=bool)
    rng = check_random_state(random_state)
    classes, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes, minlength=len(classes))
    total = min(int(math.floor(fraction * n_samples + 0.5)), n_samples)
    keep = np.minimum(np.maximum(_allocate(counts, total), min_per_class), counts)
    labelled = np.zeros(n_samples, dtype=bool)
    for k in range(len(classes)):
        rows = np.flatnonzero(codes == k)
        labelled[rows[rng.permutation(rows.size)[: keep[k]]]] = True
    return labelled


def hide_labels(y, labelled):
    """Remove the labels of the rows that are not ``labelled``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The true labels.
    labelled : array-like of bool, shape (n_samples,)
        Rows that keep their label (:func:`select_labelled`).

    Returns
    -------
    y_partial : ndarray of shape (n_samples,)
        A new array: float labels keep their dtype with ``NaN`` for the hidden ones,
        any other labels become an object array with ``None``. The hidden labels are
        gone, not masked: nothing downstream can read them.
        :func:`skcontrast.utils.labelled_subset` gives back the labelled rows with the
        labels' own dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.robustness import hide_labels
    >>> hide_labels(np.array(["a", "b", "c"]), [True, False, True]).tolist()
    ['a', None, 'c']
    """
    labels = np.asarray(y)
    labelled = np.asarray(labelled, dtype=bool)
    if labelled.shape != labels.shape:
        raise ValueError(
            f"labelled must have the shape of y {labels.shape}; got {labelled.shape}."
        )
    if labels.dtype.kind == "f":
        return np.where(labelled, labels, np.nan)
    out = np.empty(labels.shape, dtype=object)
    out[labelled] = labels[labelled]
    return out
