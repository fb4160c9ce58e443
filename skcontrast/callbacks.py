"""Callbacks: hooks into the training loop of every embedder.

A callback is any object with some of the methods ``on_train_begin``,
``on_epoch_end`` and ``on_train_end`` (skorch's vocabulary), or a plain callable,
which is called like ``on_epoch_end``. Pass them to an embedder's ``callbacks``
parameter. ``on_epoch_end`` may return ``True`` to stop training after that epoch.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["Callback", "EpochLogger", "LossRecorder"]

logger = logging.getLogger("skcontrast")


class Callback:
    """Base class for training callbacks; every hook is a no-op by default.

    Hooks receive the estimator being fitted and its ``history``: a list with one
    ``dict`` per finished epoch (keys ``epoch``, ``train_loss``, ``valid_loss``
    (``None`` without a validation set), ``n_steps`` (optimiser steps so far),
    ``seconds``, ``best`` (whether this epoch improved the monitored loss)).

    Examples
    --------
    >>> class StopAtLoss(Callback):
    ...     def __init__(self, threshold):
    ...         self.threshold = threshold
    ...     def on_epoch_end(self, estimator, history):
    ...         return history[-1]["train_loss"] < self.threshold
    >>> StopAtLoss(0.1).on_epoch_end(None, [{"train_loss": 0.05}])
    True
    """

    def on_train_begin(self, estimator: Any, history: list[dict]) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, estimator: Any, history: list[dict]) -> bool | None:
        """Called after every epoch; return ``True`` to stop training."""
        return None

    def on_train_end(self, estimator: Any, history: list[dict]) -> None:
        """Called once after the last epoch (also after early stopping)."""


class LossRecorder(Callback):
    """Keep a copy of every epoch record, e.g. to plot curves across several fits.

    Examples
    --------
    >>> rec = LossRecorder()
    >>> rec.on_epoch_end(None, [{"epoch": 1, "train_loss": 2.0}])
    >>> rec.records_
    [{'epoch': 1, 'train_loss': 2.0}]
    """

    def __init__(self):
        self.records_: list[dict] = []

    def on_train_begin(self, estimator, history):
        self.records_ = []

    def on_epoch_end(self, estimator, history):
        self.records_.append(dict(history[-1]))


class EpochLogger(Callback):
    """Log one line per epoch (and a summary at the end) to the ``skcontrast`` logger.

    Embedders add it automatically when ``verbose > 0``.

    Parameters
    ----------
    every : int, default=1
        Log every ``every``-th epoch (the first and last are always logged).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder
    >>> X = np.random.RandomState(0).normal(size=(40, 5))
    >>> emb = SCARFEmbedder(max_epochs=4, early_stopping=False, random_state=0,
    ...                     callbacks=[EpochLogger(every=2)]).fit(X)
    >>> emb.n_iter_
    4
    """

    def __init__(self, every: int = 1):
        self.every = every

    def on_epoch_end(self, estimator, history):
        rec = history[-1]
        if rec["epoch"] == 1 or rec["epoch"] % self.every == 0:
            valid = rec["valid_loss"]
            valid_txt = "" if valid is None else f"  valid_loss={valid:.4f}"
            logger.info(
                "%s epoch %d  train_loss=%.4f%s  steps=%d  %.2fs%s",
                type(estimator).__name__, rec["epoch"], rec["train_loss"], valid_txt,
                rec["n_steps"], rec["seconds"], "  *" if rec["best"] else "",
            )

    def on_train_end(self, estimator, history):
        if history:
            logger.info(
                "%s finished: %d epochs, %d steps", type(estimator).__name__,
                history[-1]["epoch"], history[-1]["n_steps"],
            )
