"""The one training loop of skcontrast: batches, early stopping, callbacks, history.

Every estimator that trains a network (the embedders' contrastive pre-training and
:class:`~skcontrast.FineTunedClassifier`'s supervised fine-tuning) describes its problem
as a :class:`TrainingTask` and hands it to :func:`train`. This module knows nothing of
scikit-learn.

The loop speaks skorch's vocabulary, so that skorch users can bring the callbacks they
already use: the history is a :class:`skorch.history.History` (one ``dict`` per epoch with
``epoch``, ``batches``, ``train_loss``, ``valid_loss``, ``dur``...), callbacks get skorch's
hooks (``on_train_begin``, ``on_epoch_begin``, ``on_batch_begin``, ``on_grad_computed``,
``on_batch_end``, ``on_epoch_end``, ``on_train_end``) with a ``net`` that has skorch's
``history``, ``module_``, ``optimizer_`` and ``verbose`` (see :class:`TrainingNet`), and
skorch's own ``EarlyStopping``, ``LRScheduler`` and ``GradientNormClipping`` work as they
do in a ``NeuralNet``.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from skorch.callbacks import EarlyStopping as _SkorchEarlyStopping
from skorch.history import History
from torch import nn

from .distributed import average_gradients

__all__ = [
    "StopTraining",
    "StoppingRule",
    "TrainingDivergedError",
    "TrainingNet",
    "TrainingResult",
    "TrainingTask",
    "mean_over_chunks",
    "train",
]


class TrainingDivergedError(FloatingPointError, ValueError):
    """Raised when the training or validation loss becomes NaN or infinite.

    A ``FloatingPointError`` (what it is) and a ``ValueError`` (what scikit-learn raises
    when ``fit`` cannot proceed with the data and parameters it was given).
    """


class StopTraining(Exception):  # noqa: N818 - a signal, like StopIteration, not an error
    """Raise from a callback hook to end training cleanly.

    Raised in ``on_batch_end`` it ends the epoch after that batch; in ``on_epoch_end``
    (or ``on_epoch_begin``) it ends training after the epoch. The fit then completes
    normally with the weights reached so far (or the best ones, with early stopping).
    Any other exception, ``KeyboardInterrupt`` included, aborts the fit and leaves the
    estimator as it was before ``fit`` was called.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder
    >>> from skcontrast.callbacks import Callback, StopTraining
    >>> class StopBelow(Callback):
    ...     def __init__(self, threshold):
    ...         self.threshold = threshold
    ...     def on_epoch_end(self, net, **kwargs):
    ...         if net.history[-1]["train_loss"] < self.threshold:
    ...             raise StopTraining
    >>> X = np.random.RandomState(0).normal(size=(60, 5))
    >>> emb = SCARFEmbedder(max_epochs=50, early_stopping=False, random_state=0,
    ...                     callbacks=[StopBelow(10.0)]).fit(X)
    >>> emb.n_iter_  # every loss is below 10: stopped after the first epoch
    1
    """


@dataclass
class TrainingTask:
    """What an estimator trains, and how: what ``_make_task`` returns to the fit procedure.

    Attributes
    ----------
    module : nn.Module
        Everything whose parameters are optimised (encoder, heads...).
    n_train : int
        Number of training rows; batches are drawn as index tensors into them.
    batch_loss : callable
        ``batch_loss(indices, generator) -> loss`` for a ``LongTensor`` of row indices.
    validate : callable or None
        ``validate() -> {"valid_loss": ..., ...}`` on a fixed held-out set, run in eval
        mode without gradients after every epoch; its entries are recorded in the
        history (for early stopping and callbacks).
    after_step : callable or None
        Called after every optimiser step (e.g. to update averaged weights).
    result : nn.Module or None
        The module holding the result of training, when it is not ``module`` itself:
        an embedder's encoder (without its projection head) or TS2Vec's averaged
        weights.
    world_size : int
        Processes training together (data parallelism, see
        :mod:`skcontrast.distributed`): every rank gets the same global batch indices,
        batches whose size is not a multiple of ``world_size`` are skipped, and the
        gradients are averaged over the ranks after every backward pass.
    frozen : tuple of nn.Parameter
        Parameters of ``module`` the optimiser leaves at their initial values: those
        the loss cannot see, whose gradient is round-off (Adam would turn it into
        full-size steps in a direction set by the CPU's summation order).
    chance_loss : float or None
        The loss of a model that tells no candidate apart (``ln`` of the number of
        candidates per anchor), when the loss has one: a run whose loss never leaves it
        learned nothing (see :mod:`skcontrast._health`).
    carried : nn.Module or None
        A module outside ``module`` whose state a continued fit (``warm_start``) takes
        over besides ``module``'s and the optimiser's (TS2Vec's weight average).
    max_epochs, max_steps : int or None
        The budgets in epochs and in optimiser steps (at least one is needed).
    stopping : StoppingRule or None
        Early stopping on ``validate``'s records.
    drop_last : bool
        Skip every incomplete last batch of an epoch (TS2Vec's reference does).
    min_batch_size : int
        Skip a last batch with fewer rows (2: a contrastive loss needs a pair).
    decoupled_weight_decay : bool
        Optimise with AdamW (TS2Vec) instead of Adam.
    """

    module: nn.Module
    n_train: int
    batch_loss: Callable[[torch.Tensor, torch.Generator], torch.Tensor]
    validate: Callable[[], dict[str, float]] | None = None
    after_step: Callable[[], None] | None = None
    result: nn.Module | None = None
    world_size: int = 1
    frozen: tuple[nn.Parameter, ...] = ()
    chance_loss: float | None = None
    carried: nn.Module | None = None
    max_epochs: int | None = None
    max_steps: int | None = None
    stopping: StoppingRule | None = None
    drop_last: bool = False
    min_batch_size: int = 2
    decoupled_weight_decay: bool = False

    def optimised_parameters(self) -> list[nn.Parameter]:
        """The parameters of ``module`` that training updates (all but ``frozen``)."""
        frozen = {id(p) for p in self.frozen}
        return [p for p in self.module.parameters() if id(p) not in frozen]

    @property
    def trained(self) -> nn.Module:
        """The module to keep after training."""
        return self.module if self.result is None else self.result


def _valid_loss(record: dict) -> tuple[float, ...]:
    return (record["valid_loss"],)


@dataclass(frozen=True)
class StoppingRule:
    """Early stopping on the validation records, keeping the best epoch's weights.

    An epoch improves on the best one when ``key(record)`` is smaller: for a 1-tuple,
    by more than ``tol``; longer keys compare lexicographically after the first entry
    ties within ``tol``. Training stops after ``patience`` epochs without improvement
    and the weights of the best epoch are restored.

    Parameters
    ----------
    patience : int
        Epochs without improvement before stopping.
    tol : float, default=0.0
        Minimum decrease of the first entry of the key that counts as an improvement.
    key : callable, default=``(record["valid_loss"],)``
        Maps an epoch record to the tuple to minimise, e.g. ``(1 - valid_acc,
        valid_loss)`` for "validation error, ties broken by validation loss".
    """

    patience: int
    tol: float = 0.0
    key: Callable[[dict], tuple[float, ...]] = field(default=_valid_loss)

    def improves(self, key: tuple[float, ...], best: tuple[float, ...] | None) -> bool:
        """Whether ``key`` improves on ``best`` (``None``: nothing yet)."""
        if best is None:
            return True
        if key[0] < best[0] - self.tol:
            return True
        return abs(key[0] - best[0]) <= self.tol and key[1:] < best[1:]


@dataclass
class TrainingResult:
    """What :func:`train` returns."""

    history: History
    n_steps: int
    best_epoch: int | None


class TrainingNet:
    """The ``net`` that callbacks receive: skorch's names for the state of one training run.

    Parameters
    ----------
    estimator : object
        The estimator being fitted (read its parameters here, e.g.
        ``net.estimator.learning_rate``).
    module : nn.Module
        The module being trained, exposed as ``module_``.
    optimizer : torch.optim.Optimizer
        Its optimiser, exposed as ``optimizer_``.
    history : skorch.history.History
        The records of the epochs so far; the last one is being filled.
    verbose : int
        The estimator's ``verbose``.
    max_epochs : int or None, default=None
        The most epochs the run can take (early stopping may end it sooner).
    total_steps : int or None, default=None
        The most optimiser steps the run can take.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder
    >>> seen = []
    >>> def spy(net):  # a plain callable runs at every epoch end
    ...     seen.append((type(net.estimator).__name__, len(net.history),
    ...                  type(net.optimizer_).__name__))
    >>> X = np.random.RandomState(0).normal(size=(40, 5))
    >>> _ = SCARFEmbedder(max_epochs=2, early_stopping=False, callbacks=[spy]).fit(X)
    >>> seen
    [('SCARFEmbedder', 1, 'Adam'), ('SCARFEmbedder', 2, 'Adam')]
    """

    #: skorch's flag: the module and optimiser exist (checkpoints read it before loading).
    initialized_ = True

    def __init__(self, estimator, module, optimizer, history, verbose, max_epochs=None,
                 total_steps=None):
        self.estimator = estimator
        self.module_ = module
        self.optimizer_ = optimizer
        self.history = history
        self.verbose = verbose
        self.max_epochs = max_epochs
        self.total_steps = total_steps

    def get_all_learnable_params(self):
        """``(name, parameter)`` of every trained parameter (skorch's ``Freezer`` reads it)."""
        yield from ((k, p) for k, p in self.module_.named_parameters() if p.requires_grad)

    @property
    def device(self) -> torch.device:
        """The device of the module's parameters (skorch's ``net.device``)."""
        return next(self.module_.parameters()).device

    def save_params(self, f_params=None, f_optimizer=None, f_criterion=None,
                    f_history=None, use_safetensors=False, **kwargs):
        """Write the module's weights, the optimiser's state and the history, as skorch does.

        What skorch's ``Checkpoint`` and ``TrainEndCheckpoint`` call. ``f_params`` and
        ``f_optimizer`` are written with ``torch.save`` (``f_params`` with safetensors when
        ``use_safetensors``); the loss is a function, not a module with state, so
        ``f_criterion`` receives an empty state; ``f_history`` is skorch's JSON history.
        """
        # skorch's checkpoints name the module's file f_module (f_params is its alias).
        f_params = kwargs.pop("f_module", None) if f_params is None else f_params
        unknown = sorted(k for k, v in kwargs.items() if v is not None)
        if unknown:
            raise TypeError(f"save_params got {unknown}: the training net has no such "
                            "module (it has f_params, f_optimizer, f_criterion, f_history).")
        if f_params is not None:
            state = self.module_.state_dict()
            if use_safetensors:
                from safetensors.torch import save_file

                save_file({k: v.contiguous() for k, v in state.items()}, str(f_params))
            else:
                torch.save(state, f_params)
        if f_optimizer is not None:
            if use_safetensors:
                raise ValueError("safetensors cannot store an optimiser's state; save "
                                 "f_optimizer with use_safetensors=False.")
            torch.save(self.optimizer_.state_dict(), f_optimizer)
        if f_criterion is not None and not use_safetensors:
            torch.save({}, f_criterion)
        if f_history is not None:
            self.history.to_file(f_history)

    def load_params(self, f_params=None, f_optimizer=None, f_criterion=None,
                    f_history=None, checkpoint=None, use_safetensors=False, **kwargs):
        """Read what :meth:`save_params` wrote (skorch's ``LoadInitState`` calls it).

        With ``checkpoint`` (a skorch ``Checkpoint``), its files are read: the history
        first, then the weights and optimiser state of its last checkpointed epoch.
        Training then continues from them and the history goes on from the loaded one.
        """
        files = {}
        if checkpoint is not None:
            if f_history is None and checkpoint.f_history is not None:
                self.history = History.from_file(checkpoint.f_history_)
            files.update(checkpoint.get_formatted_files(self))
        files.update({k: v for k, v in kwargs.items() if v is not None})
        if "f_module" in files:  # skorch's name for f_params
            files["f_params"] = files.pop("f_module")
        for key, value in (("f_params", f_params), ("f_optimizer", f_optimizer),
                           ("f_history", f_history)):
            if value is not None:
                files[key] = value
        if files.get("f_history") is not None and checkpoint is None:
            self.history = History.from_file(files["f_history"])
        device = self.device
        if files.get("f_params") is not None:
            if use_safetensors:
                from safetensors.torch import load_file

                state = load_file(str(files["f_params"]), device=str(device))
            else:
                state = torch.load(files["f_params"], map_location=device, weights_only=True)
            self.module_.load_state_dict(state)
        if files.get("f_optimizer") is not None:
            self.optimizer_.load_state_dict(
                torch.load(files["f_optimizer"], map_location=device, weights_only=True))


def _notify(callbacks: Sequence[Any], hook: str, net: TrainingNet, **kwargs) -> bool:
    """Call ``hook`` on every callback; return whether one asked training to stop."""
    stop = False
    for callback in callbacks:
        method = getattr(callback, hook, None)
        if method is None:
            # A plain callable is an on_epoch_end hook: f(net) -> True stops training.
            if hook == "on_epoch_end" and callable(callback):
                stop = bool(callback(net)) or stop
            continue
        try:
            method(net, **kwargs)
        except StopTraining:
            stop = True
        except KeyboardInterrupt:
            # skorch's EarlyStopping ends training by raising KeyboardInterrupt: that one
            # is a stop; any other (Ctrl-C, a callback's own) aborts the fit.
            if not (hook == "on_epoch_end" and isinstance(callback, _SkorchEarlyStopping)):
                raise
            stop = True
    return stop


def _overrides(callback: Any, hook: str) -> bool:
    """Whether ``callback`` does something in ``hook`` (skorch's base class defines no-ops)."""
    method = getattr(type(callback), hook, None)
    if method is None:
        return False
    from skorch.callbacks import Callback

    return method is not getattr(Callback, hook, None)


def _reads_batches(callbacks: Sequence[Any]) -> bool:
    """Whether a callback acts on single batches (then every batch loss is read at once)."""
    return any(_overrides(cb, hook) for cb in callbacks
               for hook in ("on_batch_begin", "on_grad_computed", "on_batch_end"))


def _defer_loss_reads(device: torch.device, callbacks: Sequence[Any]) -> bool:
    """Whether :func:`train` keeps batches on ``device`` and reads losses once per epoch."""
    return device.type != "cpu" and not _reads_batches(callbacks)


def _check_finite(value: float, what: str, epoch: int, step: int) -> None:
    if not math.isfinite(value):
        raise TrainingDivergedError(
            f"The {what} became {value} at epoch {epoch} (optimiser step {step}): training "
            "diverged. Lower learning_rate, standardise the input features, or raise the "
            "temperature."
        )


def train(
    task: TrainingTask,
    optimizer: torch.optim.Optimizer,
    *,
    batch_size: int,
    device: torch.device | str,
    generator: torch.Generator,
    device_generator: torch.Generator | None = None,
    history: History | None = None,
    max_epochs: int | None = None,
    max_steps: int | None = None,
    stopping: StoppingRule | None = None,
    drop_last: bool = False,
    min_batch_size: int = 2,
    callbacks: Sequence[Any] = (),
    estimator: Any = None,
    verbose: int = 0,
    X: Any = None,
    y: Any = None,
) -> TrainingResult:
    """Run mini-batch training until ``max_epochs``/``max_steps``, early stopping or a callback.

    ``task.module`` lives on ``device``. Each epoch visits the training rows in an order
    drawn from ``generator`` (a CPU generator) in batches of ``batch_size``;
    ``device_generator`` (on ``device``; ``generator`` by default, for the CPU) is handed
    to ``task.batch_loss`` for augmentations and dropout. A trailing batch smaller than
    ``min_batch_size`` is skipped (every incomplete trailing batch with ``drop_last``): a
    contrastive loss needs at least two rows. With ``stopping`` and ``task.validate``,
    training stops once the validation records have not improved for
    ``stopping.patience`` epochs and the best weights are restored. A non-finite loss
    raises :class:`TrainingDivergedError` instead of producing NaN weights.

    On an accelerator, each epoch's row order is moved
    there once (``task.batch_loss`` then gets device index tensors) and the batch losses
    are read once per epoch instead of after every step (unless a callback acts on single
    batches), so the host never waits for the device inside an epoch; a non-finite loss
    still raises, at the end of its epoch.

    Parameters
    ----------
    task : TrainingTask
        The modules, the batch loss and the optional validation.
    optimizer : torch.optim.Optimizer
        Optimiser over ``task.module``'s parameters.
    batch_size : int
        Rows per batch (clipped to ``task.n_train``).
    device : torch.device or str
        Where ``task.module`` lives and the batches are computed.
    generator : torch.Generator
        CPU generator of the epochs' row orders.
    device_generator : torch.Generator or None, default=None
        Generator on ``device`` handed to ``task.batch_loss``; ``None``: ``generator``
        (training on the CPU).
    history : skorch.history.History or None, default=None
        The records of an earlier run to continue (continued training): the epochs are
        numbered on from it, ``n_steps`` counts on, and the budgets count the epochs and
        steps of this call only.
    max_epochs, max_steps : int or None
        Budgets in epochs and optimiser steps; at least one must be given.
    stopping : StoppingRule or None, default=None
        Early stopping on ``task.validate``'s records.
    drop_last : bool, default=False
        Skip every incomplete trailing batch.
    min_batch_size : int, default=2
        Skip a trailing batch with fewer rows (2 for contrastive losses).
    callbacks : sequence, default=()
        skorch-style callbacks (objects with some of the ``on_*`` hooks) or plain
        callables ``f(net) -> stop`` run at the end of every epoch.
    estimator : object, default=None
        The estimator being fitted, exposed to callbacks as ``net.estimator``.
    verbose : int, default=0
        Exposed to callbacks as ``net.verbose``.
    X, y : default=None
        The training data (as validated by the estimator), handed to the callbacks'
        ``on_train_begin`` and ``on_train_end`` as skorch does.

    Returns
    -------
    TrainingResult
        The skorch ``History``, the number of optimiser steps of this call and the epoch
        whose weights were kept (``None`` without early stopping).
    """
    if max_epochs is None and max_steps is None:
        raise ValueError("One of max_epochs or max_steps must be given.")
    n = task.n_train
    device = torch.device(device)
    device_generator = generator if device_generator is None else device_generator
    if device_generator.device.type != device.type:
        raise ValueError(f"device_generator is on {device_generator.device}, but training "
                         f"runs on {device}: pass a generator made on the training device.")
    batch_size = min(batch_size, n)
    history = History() if history is None else history
    tail = n % batch_size
    per_epoch = n // batch_size + int(not drop_last and tail >= min_batch_size
                                      and tail % task.world_size == 0)
    epochs_bound = max_epochs if max_steps is None else math.ceil(max_steps / max(per_epoch, 1))
    if max_epochs is not None:
        epochs_bound = min(epochs_bound, max_epochs)
    net = TrainingNet(estimator, task.module, optimizer, history, verbose,
                      max_epochs=epochs_bound, total_steps=epochs_bound * per_epoch
                      if max_steps is None else min(max_steps, epochs_bound * per_epoch))
    for callback in callbacks:
        if hasattr(callback, "initialize"):
            callback.initialize()
    # Only parameters that are optimised are offered to on_grad_computed (e.g. skorch's
    # GradientNormClipping), as skorch does.
    named_parameters = [(k, p) for k, p in task.module.named_parameters() if p.requires_grad]
    minima: dict[str, float] = {}  # for skorch's "<name>_best" flags
    best_key, best_epoch, best_state = None, None, None
    stale, step, epoch = 0, 0, 0
    # On an accelerator, reading a loss waits for the device to finish every queued kernel;
    # the loop then reads the epoch's losses once, at its end, so the host queues the next
    # steps while the device runs (unless a callback needs each batch's loss).
    on_device = _defer_loss_reads(device, callbacks)
    stop = _notify(callbacks, "on_train_begin", net, X=X, y=y)
    # A callback may have loaded an earlier run (skorch's LoadInitState): training goes
    # on from its weights and its history, and its "_best" flags compare with its epochs.
    history = net.history
    steps_before = history[-1]["n_steps"] if len(history) and "n_steps" in history[-1] else 0
    for record in history:
        for name in ("train_loss", "valid_loss"):
            if name in record:
                minima[name] = min(record[name], minima.get(name, record[name]))
    task.module.train()
    while not stop and (max_epochs is None or epoch < max_epochs) and (
        max_steps is None or step < max_steps
    ):
        epoch += 1
        start = time.perf_counter()
        history.new_epoch()
        history.record("epoch", len(history))  # goes on from a loaded history
        stop = _notify(callbacks, "on_epoch_begin", net, dataset_train=None, dataset_valid=None)
        order = torch.randperm(n, generator=generator)
        if on_device:
            # The epoch's order goes to the device once: batch indices then live there and
            # no step copies from pageable host memory (which waits for the device).
            order = (order.pin_memory() if device.type == "cuda" else order).to(
                device, non_blocking=True)
        total, seen, n_batches = 0.0, 0, 0
        pending = []  # (loss on the device, batch size, step) awaiting one read per epoch
        for lo in range(0, n, batch_size):
            idx = order[lo : lo + batch_size]
            if idx.numel() < min_batch_size or (drop_last and idx.numel() < batch_size):
                continue
            if idx.numel() % task.world_size:
                continue  # a global batch must split evenly over the ranks
            if not on_device:
                history.new_batch()
            _notify(callbacks, "on_batch_begin", net, batch=idx, training=True)
            optimizer.zero_grad(set_to_none=True)
            loss = task.batch_loss(idx, device_generator)
            if on_device:
                pending.append((loss.detach(), idx.numel(), step + 1))
            else:
                value = float(loss.detach())
                _check_finite(value, "training loss", epoch, step + 1)
            loss.backward()
            if task.world_size > 1:
                average_gradients(task.module.parameters())
            if callbacks:
                _notify(callbacks, "on_grad_computed", net, named_parameters=named_parameters,
                        X=None, y=None, training=True)
            optimizer.step()
            step += 1
            if task.after_step is not None:
                task.after_step()
            n_batches += 1
            if not on_device:
                history.record_batch("train_loss", value)
                history.record_batch("train_batch_size", idx.numel())
                total += value * idx.numel()
                seen += idx.numel()
                if _notify(callbacks, "on_batch_end", net, batch=idx, training=True,
                           loss=value):
                    stop = True
                    break
            if max_steps is not None and step >= max_steps:
                break
        if pending:
            # One read of the epoch's losses; a non-finite one still raises (naming its
            # step), after the rest of the epoch ran on the queued work.
            values = torch.stack([loss for loss, _, _ in pending]).tolist()
            for value, (_, size, at_step) in zip(values, pending):
                _check_finite(value, "training loss", epoch, at_step)
                history.new_batch()
                history.record_batch("train_loss", value)
                history.record_batch("train_batch_size", size)
                total += value * size
                seen += size
        # skorch's train_loss: the batch losses averaged with the batch sizes as weights.
        history.record("train_loss", total / seen if seen else float("nan"))
        history.record("train_batch_count", n_batches)
        history.record("n_steps", steps_before + step)
        names = ["train_loss"]
        if task.validate is not None:
            task.module.eval()
            with torch.no_grad():
                scores = task.validate()
            task.module.train()
            for name, value in scores.items():
                history.record(name, float(value))
            _check_finite(history[-1]["valid_loss"], "validation loss", epoch, step)
            names.append("valid_loss")
        for name in names:
            value = history[-1][name]
            history.record(f"{name}_best", name not in minima or value < minima[name])
            minima[name] = min(value, minima.get(name, value))
        if stopping is not None and task.validate is not None:
            key = stopping.key(history[-1])
            if stopping.improves(key, best_key):
                best_key, best_epoch, stale = key, epoch, 0
                best_state = copy.deepcopy(task.module.state_dict())
            else:
                stale += 1
        history.record("dur", time.perf_counter() - start)
        stop = _notify(callbacks, "on_epoch_end", net, dataset_train=None,
                       dataset_valid=None) or stop
        if best_state is not None and stale >= stopping.patience:
            break
    if best_state is not None:
        task.module.load_state_dict(best_state)
    task.module.eval()
    _notify(callbacks, "on_train_end", net, X=X, y=y)
    return TrainingResult(history, step, best_epoch)


def mean_over_chunks(
    loss_of: Callable[[int, int], torch.Tensor | float],
    n_rows: int,
    chunk_size: int,
    *,
    min_rows: int = 1,
) -> float:
    """Mean of ``loss_of(lo, hi)`` over consecutive chunks of rows, weighted by chunk size.

    Validation sets are scored in chunks of the training batch size (a contrastive loss
    depends on the batch it is computed in); a trailing chunk smaller than ``min_rows``
    is skipped.

    Examples
    --------
    >>> mean_over_chunks(lambda lo, hi: float(hi - lo), 5, 2)  # chunks of 2, 2 and 1
    1.8
    >>> mean_over_chunks(lambda lo, hi: float(hi - lo), 5, 2, min_rows=2)
    2.0
    """
    losses, sizes = [], []
    for lo in range(0, n_rows, chunk_size):
        hi = min(lo + chunk_size, n_rows)
        if hi - lo < min_rows:
            continue
        losses.append(float(loss_of(lo, hi)))
        sizes.append(hi - lo)
    return float(np.average(losses, weights=sizes))
