"""Callbacks: hooks into the training loop of every estimator, in skorch's vocabulary.

Every estimator of skcontrast that trains a network (the embedders and
:class:`~skcontrast.FineTunedClassifier`) runs the same loop, and that loop calls
skorch's callback hooks: ``on_train_begin``, ``on_epoch_begin``, ``on_batch_begin``,
``on_grad_computed``, ``on_batch_end``, ``on_epoch_end`` and ``on_train_end``, each as
``hook(net, **kwargs)``. ``net`` is a :class:`~skcontrast._training.TrainingNet` with
skorch's ``history`` (a :class:`skorch.history.History`), ``module_``, ``optimizer_``
and ``verbose``, plus ``estimator``, the estimator being fitted, and skorch's
``save_params``/``load_params``. So skorch's own callbacks listed in
:data:`SUPPORTED_SKORCH_CALLBACKS` work as in a ``NeuralNet`` (``Checkpoint`` writes its
files during ``fit``, ``LoadInitState`` resumes from them); write new ones by
subclassing :class:`Callback` (skorch's base class). Callbacks that score a net's
predictions (``EpochScoring``, ``BatchScoring``) are refused before training: an
embedder's loop makes no predictions.

A plain callable ``f(net)`` is run at the end of every epoch and stops training by
returning ``True``. A hook stops training by raising :class:`StopTraining` (skorch's
``EarlyStopping`` raises ``KeyboardInterrupt``, which the loop understands from it
alone). Any other exception, ``KeyboardInterrupt`` included, aborts ``fit`` and leaves
the estimator as it was.

Examples
--------
>>> import numpy as np
>>> from skorch.callbacks import LRScheduler
>>> from skcontrast import SCARFEmbedder
>>> X = np.random.RandomState(0).normal(size=(60, 5))
>>> emb = SCARFEmbedder(max_epochs=4, early_stopping=False, random_state=0,
...                     callbacks=[LRScheduler("StepLR", step_size=2, gamma=0.5)]).fit(X)
>>> [round(r["train_loss"], 3) > 0 for r in emb.history_]
[True, True, True, True]
"""

from __future__ import annotations

import inspect
import logging
import sys

import numpy as np
from skorch.callbacks import Callback

from ._training import StopTraining, TrainingNet
from .metrics import positive_rank

__all__ = [
    "SUPPORTED_SKORCH_CALLBACKS", "Callback", "EpochLogger", "LossRecorder", "PositiveRank",
    "ProgressBar", "StopTraining", "TrainingNet",
]

#: What the loop records in every epoch; anything else in a record (a callback's metric,
#: FineTunedClassifier's valid_acc) is shown by the progress bar and the epoch log.
_LOOP_KEYS = frozenset({"epoch", "train_loss", "valid_loss", "dur", "n_steps",
                        "train_batch_count", "batches"})


def _extra_metrics(record: dict) -> dict:
    """The numbers of an epoch record that the loop itself does not write."""
    return {k: v for k, v in record.items()
            if k not in _LOOP_KEYS and not k.endswith("_best")
            and isinstance(v, int | float) and not isinstance(v, bool)}

logger = logging.getLogger("skcontrast")


def _enable_verbose_logging() -> None:
    # Library code must not print; with verbose > 0 we make the skcontrast logger
    # visible unless the application already configured logging.
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[skcontrast] %(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


#: The keyword arguments the loop passes to each hook (after ``net``).
HOOK_ARGUMENTS = {
    "on_train_begin": ("X", "y"),
    "on_epoch_begin": ("dataset_train", "dataset_valid"),
    "on_batch_begin": ("batch", "training"),
    "on_grad_computed": ("named_parameters", "X", "y", "training"),
    "on_batch_end": ("batch", "training", "loss"),
    "on_epoch_end": ("dataset_train", "dataset_valid"),
    "on_train_end": ("X", "y"),
}


#: skorch's callbacks that the training loop supports, each tested
#: (``tests/test_callbacks_skorch.py``): checkpoints are written and read back.
SUPPORTED_SKORCH_CALLBACKS = (
    "Checkpoint", "TrainEndCheckpoint", "LoadInitState", "EarlyStopping", "LRScheduler",
    "GradientNormClipping", "Freezer", "PrintLog", "ProgressBar",
)


def check_callbacks(callbacks) -> None:
    """Refuse, before training, callbacks the loop could not call.

    A callback is an object with some of the hooks of :data:`HOOK_ARGUMENTS`, each taking
    ``(net, **kwargs)``, or a plain callable ``f(net)``.

    Raises
    ------
    TypeError
        Naming the callback, the hook and the signature it needs.
    """
    from skorch.callbacks.scoring import ScoringBase

    for callback in callbacks:
        if isinstance(callback, ScoringBase):
            raise TypeError(
                f"{type(callback).__name__} scores a NeuralNet's predictions, and an "
                "embedder's training loop makes none (it minimises a contrastive loss "
                "on unlabelled views). Score the fitted estimator instead (e.g. "
                "GridSearchCV, or skcontrast.probes.evaluate_probes). skorch callbacks "
                f"that work here: {', '.join(SUPPORTED_SKORCH_CALLBACKS)}, and any "
                "callback reading net.history, net.module_ or net.optimizer_."
            )
        hooks = {name: getattr(callback, name) for name in HOOK_ARGUMENTS
                 if callable(getattr(callback, name, None))}
        if not hooks:
            if not callable(callback):
                raise TypeError(
                    f"callbacks must hold skorch-style callbacks (objects with hooks such as "
                    f"on_epoch_end(net, **kwargs); subclass skcontrast.callbacks.Callback) or "
                    f"callables f(net); got {callback!r}."
                )
            hooks = {"__call__": callback}
        for name, hook in hooks.items():
            try:
                signature = inspect.signature(hook)
            except (TypeError, ValueError):  # a builtin: nothing to check
                continue
            kwargs = {k: None for k in HOOK_ARGUMENTS.get(name, ())}
            try:
                signature.bind(None, **kwargs)
            except TypeError as exc:
                expected = (f"{name}(net, **kwargs)" if name != "__call__"
                            else "f(net), run at the end of every epoch")
                raise TypeError(
                    f"The callback {callback!r} cannot be called by the training loop: its "
                    f"{'hook ' + name if name != '__call__' else 'signature'} "
                    f"{signature} does not accept what the loop passes ({exc}). It needs "
                    f"{expected}."
                ) from None


def training_callbacks(callbacks, verbose) -> list:
    """The callbacks of one fit: the user's (checked, see :func:`check_callbacks`), then
    what ``verbose`` asks for.

    ``verbose=1``: a progress bar (:class:`ProgressBar`); ``verbose >= 2``: one log line
    per epoch (:class:`EpochLogger`).
    """
    callbacks = list(callbacks or [])
    check_callbacks(callbacks)
    if verbose == 1:
        callbacks.append(ProgressBar())
    elif verbose:
        _enable_verbose_logging()
        callbacks.append(EpochLogger())
    return callbacks


class ProgressBar(Callback):
    """A tqdm progress bar over the optimiser steps, with the loss and the time left.

    Embedders and :class:`~skcontrast.FineTunedClassifier` show it with ``verbose=1``.
    The total is the most steps the run can take (early stopping may end it sooner, and
    the bar then closes where training stopped); the postfix shows the epoch, the last
    batch loss, with a validation set the last validation loss, and what other
    callbacks record in the epoch (e.g. :class:`PositiveRank`).

    Parameters
    ----------
    file : file-like or None, default=None
        Where tqdm draws (standard error when ``None``).
    mininterval : float, default=0.5
        Seconds between two redraws.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder
    >>> out = io.StringIO()
    >>> X = np.random.RandomState(0).normal(size=(64, 4))
    >>> _ = SCARFEmbedder(max_epochs=3, early_stopping=False, batch_size=16,
    ...                   callbacks=[ProgressBar(file=out)]).fit(X)
    >>> "12/12" in out.getvalue()  # 3 epochs x 4 batches
    True
    """

    def __init__(self, file=None, mininterval: float = 0.5):
        self.file = file
        self.mininterval = mininterval

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.total_steps, unit="step", file=self.file,
                         mininterval=self.mininterval, dynamic_ncols=True,
                         desc=type(net.estimator).__name__)
        self.max_epochs_ = net.max_epochs

    def on_batch_end(self, net, loss=None, **kwargs):
        self.bar_.update(1)
        if loss is not None:
            self.loss_ = loss

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        postfix = {"epoch": f"{record['epoch']}/{self.max_epochs_}",
                   "loss": f"{record['train_loss']:.4f}"}
        if "valid_loss" in record:
            postfix["valid_loss"] = f"{record['valid_loss']:.4f}"
        postfix.update({k: f"{v:.4g}" for k, v in _extra_metrics(record).items()})
        self.bar_.set_postfix(postfix, refresh=False)

    def on_train_end(self, net, **kwargs):
        bar = getattr(self, "bar_", None)
        if bar is None:
            return
        if net.history and bar.n < (bar.total or 0):
            bar.set_postfix_str(f"stopped at epoch {net.history[-1]['epoch']} of "
                                f"{self.max_epochs_} (early stopping)", refresh=False)
        bar.close()
        del self.bar_


class LossRecorder(Callback):
    """Keep a copy of every epoch record, e.g. to plot curves across several fits.

    Attributes
    ----------
    records_ : list of dict
        The epoch records of the last fit (without their per-batch entries).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder
    >>> rec = LossRecorder()
    >>> X = np.random.RandomState(0).normal(size=(40, 5))
    >>> _ = SCARFEmbedder(max_epochs=3, early_stopping=False, random_state=0,
    ...                   callbacks=[rec]).fit(X)
    >>> [r["epoch"] for r in rec.records_]
    [1, 2, 3]
    """

    def on_train_begin(self, net, **kwargs):
        self.records_ = []

    def on_epoch_end(self, net, **kwargs):
        self.records_.append({k: v for k, v in net.history[-1].items() if k != "batches"})


class EpochLogger(Callback):
    """Log one line per epoch (and a summary at the end) to the ``skcontrast`` logger.

    Estimators add it with ``verbose=2``: ``epoch 3/1000  train_loss=...  steps=30/10000``
    (the totals are the most the run can take; early stopping may end it sooner).

    Parameters
    ----------
    every : int, default=1
        Log every ``every``-th epoch (the first one is always logged).

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

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        if record["epoch"] == 1 or record["epoch"] % self.every == 0:
            valid = record.get("valid_loss")
            valid_txt = "" if valid is None else f"  valid_loss={valid:.4f}"
            valid_txt += "".join(f"  {k}={v:.4g}" for k, v in _extra_metrics(record).items())
            best = record.get("valid_loss_best", record.get("train_loss_best", False))
            logger.info(
                "%s epoch %d/%s  train_loss=%.4f%s  steps=%d/%s  %.2fs%s",
                type(net.estimator).__name__, record["epoch"], net.max_epochs,
                record["train_loss"], valid_txt, record["n_steps"], net.total_steps,
                record["dur"], "  *" if best else "",
            )

    def on_train_end(self, net, **kwargs):
        if net.history:
            logger.info(
                "%s finished: %d epochs, %d steps", type(net.estimator).__name__,
                net.history[-1]["epoch"], net.history[-1]["n_steps"],
            )


class PositiveRank(Callback):
    """Record the rank metric of a fixed sample of positive pairs after every epoch.

    The tutorial's reading of how hard the instance-discrimination task still is: for
    each row of the cosine-similarity matrix between two views of ``n_rows`` training
    rows, the rank of the positive pair's similarity
    (:func:`skcontrast.metrics.positive_rank`, normalised: 1 when every positive is the
    most similar candidate, about 0.5 for an encoder that tells nothing apart). The
    views are the embedder's own positive pairs
    (:meth:`~skcontrast.base.BaseContrastiveEmbedder.positive_pairs`: SCARF's corrupted
    copies, TS2Vec's crops, SupCon's augmentations, a multi-view record's first two
    views), drawn with ``random_state`` from the same rows every epoch, so the values
    of successive epochs compare. They are recorded in the history under ``name``
    (next to the loss, so ``loss_curve_`` and ``history_[:, name]`` plot side by side),
    and shown by the progress bar (``verbose=1``) and the epoch log (``verbose=2``).

    Parameters
    ----------
    n_rows : int, default=256
        Training rows in the sample (all of them if fewer): the "batch" of the metric.
    random_state : int, default=0
        Seeds the choice of the rows and the augmentation of their views.
    name : str, default="positive_rank"
        The key of the history.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder
    >>> from skcontrast.callbacks import PositiveRank
    >>> X = np.random.RandomState(0).normal(size=(200, 8))
    >>> emb = SCARFEmbedder(max_epochs=3, early_stopping=False, random_state=0,
    ...                     callbacks=[PositiveRank(n_rows=64)]).fit(X)
    >>> len(emb.history_[:, "positive_rank"]), 0.5 < emb.history_[-1, "positive_rank"] <= 1
    (3, True)
    """

    def __init__(self, n_rows: int = 256, random_state: int = 0, name: str = "positive_rank"):
        self.n_rows = n_rows
        self.random_state = random_state
        self.name = name

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        estimator = net.estimator
        if X is None or not hasattr(estimator, "positive_pairs"):
            raise TypeError(
                f"PositiveRank needs an embedder that makes positive pairs of its training "
                f"rows; {type(estimator).__name__} does not. Use it with the embedders "
                "(SCARF, TS2Vec, SupCon, MultiView), e.g. as FineTunedClassifier's "
                "embedder's callback."
            )
        n = len(X)
        rows = np.sort(np.random.RandomState(self.random_state).choice(
            n, size=min(self.n_rows, n), replace=False))
        self.sample_ = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
        self._score(net)  # an embedder without positive pairs fails here, before training

    def _score(self, net) -> float:
        module = net.module_
        training = module.training
        try:
            Z1, Z2 = net.estimator.positive_pairs(self.sample_, random_state=self.random_state)
        finally:
            module.train(training)  # inference switched the encoder to eval mode
        return positive_rank(Z1, Z2)

    def on_epoch_end(self, net, **kwargs):
        net.history.record(self.name, self._score(net))
