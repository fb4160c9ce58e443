"""The training loop shared by every embedder: batches, early stopping, callbacks, history.

This module knows nothing of scikit-learn. An embedder describes its problem as a
:class:`ContrastiveTask` (the modules to train, a loss for a batch of row indices and,
optionally, a validation loss) and :func:`train` runs it.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = ["ContrastiveTask", "TrainingDivergedError", "TrainingResult", "train"]


class TrainingDivergedError(FloatingPointError):
    """Raised when the training or validation loss becomes NaN or infinite."""


@dataclass
class ContrastiveTask:
    """What an embedder hands to :func:`train`.

    Attributes
    ----------
    modules : nn.Module
        Everything whose parameters are optimised (encoder, heads...).
    n_train : int
        Number of training rows; batches are drawn as index tensors into them.
    batch_loss : callable
        ``batch_loss(indices, generator) -> loss`` for a ``LongTensor`` of row indices.
    validation_loss : callable or None
        ``validation_loss() -> float`` on a fixed held-out set, for early stopping.
    after_step : callable or None
        Called after every optimiser step (e.g. to update averaged weights).
    """

    modules: nn.Module
    n_train: int
    batch_loss: Callable[[torch.Tensor, torch.Generator], torch.Tensor]
    validation_loss: Callable[[], float] | None = None
    after_step: Callable[[], None] | None = None
    extras: dict = field(default_factory=dict)


@dataclass
class TrainingResult:
    history: list[dict]
    n_steps: int
    best_epoch: int | None
    stopped_early: bool


def _check_finite(value: float, what: str, epoch: int, step: int) -> None:
    if not torch.isfinite(torch.as_tensor(value)):
        raise TrainingDivergedError(
            f"The {what} became {value} at epoch {epoch} (optimiser step {step}): training "
            "diverged. Lower learning_rate, standardise the input features, or raise the "
            "temperature."
        )


def _call(callback: Any, hook: str, estimator: Any, history: list[dict]) -> bool:
    if hook == "on_epoch_end" and callable(callback) and not hasattr(callback, hook):
        return bool(callback(estimator, history))
    method = getattr(callback, hook, None)
    return bool(method(estimator, history)) if method is not None else False


def train(
    task: ContrastiveTask,
    optimizer: torch.optim.Optimizer,
    *,
    batch_size: int,
    generator: torch.Generator,
    device_generator: torch.Generator | None = None,
    max_epochs: int | None = None,
    max_steps: int | None = None,
    n_iter_no_change: int | None = None,
    tol: float = 0.0,
    restore_best: bool = True,
    drop_last: bool = False,
    callbacks: Sequence[Any] = (),
    estimator: Any = None,
) -> TrainingResult:
    """Run mini-batch training until ``max_epochs``/``max_steps`` or early stopping.

    Each epoch visits the training rows in an order drawn from ``generator`` (a CPU
    generator) in batches of ``batch_size``; ``device_generator`` (on the training
    device, defaulting to ``generator``) is handed to ``task.batch_loss`` for
    augmentations. A trailing batch of a single row is skipped (every incomplete trailing
    batch with ``drop_last``), since a contrastive loss needs at least two rows. With
    ``task.validation_loss`` and ``n_iter_no_change``, training stops once the
    validation loss has not improved by more than ``tol`` for ``n_iter_no_change``
    consecutive epochs, and the best weights are restored. A non-finite loss raises
    :class:`TrainingDivergedError` instead of producing NaN weights.
    """
    if max_epochs is None and max_steps is None:
        raise ValueError("One of max_epochs or max_steps must be given.")
    n = task.n_train
    device_generator = generator if device_generator is None else device_generator
    batch_size = min(batch_size, n)
    history: list[dict] = []
    best_loss, best_epoch, best_state, stale = float("inf"), None, None, 0
    step, epoch, stopped_early = 0, 0, False
    for cb in callbacks:
        _call(cb, "on_train_begin", estimator, history)
    task.modules.train()
    while (max_epochs is None or epoch < max_epochs) and (max_steps is None or step < max_steps):
        epoch += 1
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        total, n_batches = 0.0, 0
        for lo in range(0, n, batch_size):
            idx = order[lo : lo + batch_size]
            if idx.numel() < 2 or (drop_last and idx.numel() < batch_size):
                continue
            optimizer.zero_grad(set_to_none=True)
            loss = task.batch_loss(idx, device_generator)
            value = float(loss.detach())
            _check_finite(value, "training loss", epoch, step + 1)
            loss.backward()
            optimizer.step()
            step += 1
            if task.after_step is not None:
                task.after_step()
            total += value
            n_batches += 1
            if max_steps is not None and step >= max_steps:
                break
        record = {
            "epoch": epoch,
            "train_loss": total / max(n_batches, 1),
            "valid_loss": None,
            "n_steps": step,
            "seconds": 0.0,
            "best": False,
        }
        monitored = record["train_loss"]
        if task.validation_loss is not None:
            task.modules.eval()
            with torch.no_grad():
                monitored = record["valid_loss"] = float(task.validation_loss())
            task.modules.train()
            _check_finite(monitored, "validation loss", epoch, step)
        if monitored < best_loss - tol:
            best_loss, best_epoch, stale = monitored, epoch, 0
            record["best"] = True
            if task.validation_loss is not None and restore_best:
                best_state = copy.deepcopy(task.modules.state_dict())
        else:
            stale += 1
        record["seconds"] = time.perf_counter() - start
        history.append(record)
        stop = False
        for cb in callbacks:
            stop = _call(cb, "on_epoch_end", estimator, history) or stop
        if stop:
            break
        if n_iter_no_change is not None and task.validation_loss is not None:
            if stale >= n_iter_no_change:
                stopped_early = True
                break
    if best_state is not None:
        task.modules.load_state_dict(best_state)
    task.modules.eval()
    for cb in callbacks:
        _call(cb, "on_train_end", estimator, history)
    return TrainingResult(history, step, best_epoch, stopped_early)
