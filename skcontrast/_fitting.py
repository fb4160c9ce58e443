"""The one fit procedure of every estimator that trains a network.

The embedders (:class:`~skcontrast.base.BaseContrastiveEmbedder`) and
:class:`~skcontrast.FineTunedClassifier` build different networks and losses (a
:class:`~skcontrast._training.TrainingTask`), then train them the same way, here:

1. :class:`FitProcedure` turns the seed and the ``device`` parameter into the device and
   the generators every draw of the fit comes from;
2. :meth:`FitProcedure.train` makes the optimiser and the callbacks, continues from the
   state of a previous fit (``warm_start``), runs :func:`~skcontrast._training.train`,
   sets the fitted attributes every such estimator has (``history_``, ``loss_curve_``,
   ``validation_loss_curve_``, ``n_iter_``, ``n_steps_``, ``best_epoch_``,
   ``training_state_``) and checks the run's health (:mod:`skcontrast._health`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from skorch.history import History

from ._health import check_training_health
from ._torch_utils import make_adam, make_generator, resolve_device
from ._training import TrainingResult, TrainingTask, train
from .callbacks import training_callbacks
from .distributed import world

__all__ = ["FitProcedure", "TrainingState", "record_history"]


@dataclass
class TrainingState:
    """What a fit leaves for the next one to continue from (``warm_start=True``).

    Copies on the CPU, so that the fitted estimator pickles and moves between machines
    as before; not written by :meth:`~skcontrast._persistence.PersistenceMixin.save` (a
    saved model is for inference; a loaded one starts a new fit).

    Attributes
    ----------
    module : dict
        ``state_dict`` of everything the optimiser trained (encoder and heads).
    carried : dict or None
        ``state_dict`` of the task's ``carried`` module (TS2Vec's weight average).
    optimizer : dict
        Adam's moments and step count of every parameter it stepped, by the parameter's
        position in the optimiser (the learning rate is the estimator's, as it is when
        the next fit starts).
    """

    module: dict
    carried: dict | None
    optimizer: dict

    @classmethod
    def capture(cls, task: TrainingTask, optimizer: torch.optim.Optimizer) -> TrainingState:
        def cpu(state):  # a copy on the CPU, whatever the device
            return {k: v.detach().to("cpu", copy=True) if torch.is_tensor(v)
                    else copy.deepcopy(v) for k, v in state.items()}

        params = optimizer.param_groups[0]["params"]
        moments = {i: cpu(optimizer.state[p]) for i, p in enumerate(params)
                   if p in optimizer.state}
        return cls(module=cpu(task.module.state_dict()),
                   carried=None if task.carried is None else cpu(task.carried.state_dict()),
                   optimizer=moments)

    def restore(self, task: TrainingTask, optimizer: torch.optim.Optimizer,
                device: torch.device) -> None:
        """Load this state into a freshly built task of the same architecture."""
        task.module.load_state_dict(self.module)
        if self.carried is not None:
            task.carried.load_state_dict(self.carried)
        # Both optimisers of make_adam (skcontrast's fused driver and torch.optim's) keep
        # one group and their per-parameter state in ``state``, keyed by parameter.
        params = optimizer.param_groups[0]["params"]
        for i, values in self.optimizer.items():
            optimizer.state[params[i]] = {k: v.to(params[i].device, copy=True)
                                          for k, v in values.items()}


def record_history(estimator, history: History, n_steps: int, best_epoch: int | None) -> None:
    """Set the fitted attributes that describe a training run from its history."""
    estimator.history_ = history
    estimator.loss_curve_ = [r["train_loss"] for r in history]
    estimator.validation_loss_curve_ = [r["valid_loss"] for r in history if "valid_loss" in r]
    estimator.n_iter_ = len(history)
    estimator.n_steps_ = n_steps
    estimator.best_epoch_ = best_epoch


class FitProcedure:
    """Seeding, device and training of one fit of ``estimator``.

    Reads the estimator's ``device``, ``learning_rate``, ``batch_size``, ``callbacks``
    and ``verbose`` parameters.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted; the fitted attributes are set on it.
    seed : int
        Seed of every draw of the fit (from ``random_state``).

    Attributes
    ----------
    device : torch.device
        Where training runs.
    generator : torch.Generator
        CPU generator of the weights' initialisation, the splits and the epochs' row
        orders: initial weights and splits do not depend on the device.
    device_generator : torch.Generator
        Generator on ``device`` of the augmentations and dropout (``generator`` itself
        on the CPU).
    """

    def __init__(self, estimator, seed: int):
        self.estimator = estimator
        self.device = resolve_device(estimator.device)
        self.generator = make_generator(seed, "cpu")
        self.device_generator = (self.generator if self.device.type == "cpu"
                                 else make_generator(seed, self.device))

    def train(
        self,
        task: TrainingTask,
        *,
        previous: TrainingState | None = None,
        history: History | None = None,
        outputs: Callable[[], np.ndarray] | None = None,
        fix: str = "",
        X=None,
        y=None,
    ) -> TrainingResult:
        """Train ``task``, set the fitted attributes, check the run's health.

        Parameters
        ----------
        task : TrainingTask
            The modules (on :attr:`device`), the batch loss, the validation, the
            budgets (of this call: a continued fit runs them again) and the stopping rule.
        previous : TrainingState or None, default=None
            The state of the fit to continue; ``task`` must have the same architecture.
        history : History or None, default=None
            The history of the fit to continue (its epochs and steps count on).
        outputs : callable or None, default=None
            ``outputs() -> ndarray``: the network's outputs for a few fixed rows, taken
            before and after training to tell a healthy run from one that exploded or
            collapsed without a NaN.
        fix : str, default=""
            What to try when the run was not healthy (the advice of the error).
        X, y : default=None
            The training data, for the callbacks (skorch hands them to
            ``on_train_begin``).

        Returns
        -------
        TrainingResult
        """
        est = self.estimator
        # User callbacks may wrap the optimiser in a torch lr_scheduler: give them a
        # torch.optim one (same kernel, same weights; see make_adam).
        optimizer = make_adam(task.optimised_parameters(), est.learning_rate,
                              decoupled=task.decoupled_weight_decay,
                              torch_optimizer=bool(est.callbacks))
        if previous is not None:
            previous.restore(task, optimizer, self.device)
        before = outputs() if outputs is not None else None
        # Under data parallelism every rank trains the same model: rank 0 reports.
        rank, _ = world()
        callbacks = training_callbacks(est.callbacks, est.verbose if rank == 0 else 0)
        result = train(
            task, optimizer, batch_size=est.batch_size, device=self.device,
            generator=self.generator, device_generator=self.device_generator,
            history=copy.deepcopy(history), max_epochs=task.max_epochs,
            max_steps=task.max_steps, stopping=task.stopping, drop_last=task.drop_last,
            min_batch_size=task.min_batch_size, callbacks=callbacks, estimator=est,
            verbose=est.verbose, X=X, y=y,
        )
        # A continued fit's history goes on from the previous fit's: so do its steps.
        steps_before = est.n_steps_ if history is not None else 0
        record_history(est, result.history, steps_before + result.n_steps, result.best_epoch)
        est.training_state_ = TrainingState.capture(task, optimizer)
        if outputs is not None:
            check_training_health(type(est).__name__, before, outputs(), est.loss_curve_,
                                  task.chance_loss, fix=fix)
        return result
