"""Label noise: SCARF's uniform protocol and symmetric flips."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._input import check_label_types
from ..utils import check_rate
from ._rates import n_selected

__all__ = ["inject_label_noise"]

_MODES = ("uniform", "symmetric")


def inject_label_noise(y, rate, *, mode="uniform", classes=None, random_state=None):
    """Replace the labels of a fraction of the rows with random labels.

    Exactly ``round(rate * n_samples)`` rows are chosen uniformly without
    replacement. With ``mode="uniform"`` (the SCARF protocol) each chosen row gets
    a label drawn uniformly over all ``K`` classes, its true class included, so
    the expected fraction of rows whose label actually changes is
    ``rate * (K - 1) / K``. With ``mode="symmetric"`` each chosen row gets a
    label drawn uniformly over the ``K - 1`` *other* classes, so exactly the
    chosen rows change.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels (integers, strings, ...). A pandas Series gives a Series back.
    rate : float in [0, 1]
        Fraction of rows to relabel. Apply it to the training split only.
    mode : {"uniform", "symmetric"}, default="uniform"
        How the new labels are drawn (see above).
    classes : array-like or None, default=None
        The classes to draw from; defaults to the distinct values of ``y``. Must
        contain every value of ``y``. Pass it when a split may lack a class.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of rows and of the new labels.

    Returns
    -------
    y_noisy : ndarray or pandas.Series of shape (n_samples,)
        A new array (or Series, same index) with the noisy labels.
    mask : ndarray of bool, shape (n_samples,)
        ``True`` for the rows that were chosen (whether or not, in ``"uniform"``
        mode, their label changed).

    References
    ----------
    D. Bahri et al., "SCARF: Self-Supervised Contrastive Learning using Random
    Feature Corruption", ICLR 2022 (30% of training rows relabelled uniformly).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.robustness import inject_label_noise
    >>> y = np.array(["a", "b", "c"] * 10)
    >>> y_noisy, mask = inject_label_noise(y, 0.3, mode="symmetric", random_state=0)
    >>> int(mask.sum()), int((y_noisy != y).sum())  # symmetric: every chosen row changes
    (9, 9)
    >>> y_noisy, mask = inject_label_noise(y, 0.3, random_state=0)
    >>> int(mask.sum()), bool(((y_noisy != y) <= mask).all())  # uniform: some keep theirs
    (9, True)
    """
    rate = check_rate(rate)
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}; got {mode!r}.")
    index = getattr(y, "index", None) if hasattr(y, "iloc") else None
    name = getattr(y, "name", None)
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D (n_samples,); got shape {labels.shape}.")
    if labels.dtype == object:
        check_label_types(labels, "inject_label_noise")
        missing = np.asarray(pd.isna(labels), dtype=bool)
        if missing.any():
            raise ValueError(
                f"inject_label_noise needs a label for every row, but y has "
                f"{int(missing.sum())} missing (None or NaN). Inject the noise before "
                "hiding labels (select_labelled, hide_labels), or drop those rows."
            )

    if classes is None:
        classes = np.unique(labels)
    else:
        classes = np.unique(np.asarray(classes))
        unknown = np.setdiff1d(np.unique(labels), classes)
        if unknown.size:
            raise ValueError(f"classes must contain every label of y; missing {unknown.tolist()}.")
    n_classes = classes.shape[0]
    if mode == "symmetric" and n_classes < 2 and labels.size:
        raise ValueError(
            "mode='symmetric' needs at least 2 classes to flip to another one; got "
            f"{n_classes}. Pass classes=... listing all classes."
        )

    rng = check_random_state(random_state)
    n_samples = labels.shape[0]
    rows = rng.choice(n_samples, size=n_selected(rate, n_samples), replace=False)
    mask = np.zeros(n_samples, dtype=bool)
    mask[rows] = True

    # Widen the dtype when needed, so that e.g. a longer class name is not truncated.
    try:
        dtype = np.result_type(labels.dtype, classes.dtype)
    except TypeError:
        dtype = np.dtype(object)
    y_noisy = labels.astype(dtype, copy=True)
    if rows.size:
        if mode == "uniform":
            new = rng.randint(n_classes, size=rows.size)
        else:
            # An offset in 1..K-1 from the true class index is uniform over the others.
            current = np.searchsorted(classes, labels[rows])
            new = (current + rng.randint(1, n_classes, size=rows.size)) % n_classes
        y_noisy[rows] = classes[new]

    if index is not None:
        y_noisy = pd.Series(y_noisy, index=index, name=name)
    return y_noisy, mask
