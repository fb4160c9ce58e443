"""Robustness: perturb data the way the papers do, and measure how scores degrade.

Perturbations (each returns a new object and never modifies its input):

* :func:`inject_missing_timestamps`: TS2Vec's "irregular" protocol;
* :func:`inject_mcar`: tabular missing completely at random;
* :func:`inject_label_noise`: SCARF's uniform label noise, or symmetric flips;
* :func:`select_labelled` and :func:`hide_labels`: the label-efficiency protocol (keep
  the labels of a stratified fraction of the training rows).

:func:`perturb_split` applies one of them to a train/test split (the single place
where the protocols touch data); :func:`robustness_curve` runs estimators over rates
and seeds;
:func:`summarize_curve` and :func:`plot_robustness_curve` report the result.
"""

from ._curves import (
    PERTURBATIONS,
    is_control,
    perturb_split,
    plot_robustness_curve,
    robustness_curve,
    summarize_curve,
    uses_unlabelled_rows,
)
from ._label_fraction import hide_labels, select_labelled
from ._label_noise import inject_label_noise
from ._missing import inject_mcar, inject_missing_timestamps

__all__ = [
    "PERTURBATIONS",
    "hide_labels",
    "inject_label_noise",
    "inject_mcar",
    "is_control",
    "inject_missing_timestamps",
    "perturb_split",
    "plot_robustness_curve",
    "robustness_curve",
    "select_labelled",
    "summarize_curve",
    "uses_unlabelled_rows",
]
