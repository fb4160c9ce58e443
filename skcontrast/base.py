"""``BaseContrastiveEmbedder``: the scikit-learn contract shared by every embedder.

The base class owns ``fit``/``transform``, validation, seeding, the device and
pickling. A concrete embedder fills four small hooks:

``_validate_X(X, reset)``
    Check and convert the input (tabular by default; time-series embedders override).
``_make_task(X, y, generator, device)``
    Build the modules to train and the loss of a batch (a :class:`ContrastiveTask`);
    store any fitted preprocessing state on ``self``.
``_preprocess(X)``
    Turn validated input into the float32 array the encoder consumes.
``_encode(batch)``
    Map a batch tensor to its embeddings (eval mode, no grad).

and may set the class attribute ``_optimizer`` (``"adam"`` or ``"adamw"``).
"""

from __future__ import annotations

import copy
import logging
import sys
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._compat import Interval, _fit_context, validate_data
from ._torch_utils import make_adam, make_generator, resolve_device, seed_from_random_state
from ._training import ContrastiveTask, TrainingDivergedError, train
from .callbacks import EpochLogger

__all__ = ["BaseContrastiveEmbedder"]

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


class BaseContrastiveEmbedder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta
):
    """Base class for embedders whose encoder is trained with a contrastive loss.

    Not meant to be instantiated: use :class:`~skcontrast.SCARFEmbedder` and friends.

    Fitted attributes shared by every embedder
    -------------------------------------------
    encoder_ : torch.nn.Module
        The trained encoder, in eval mode (on ``device_``).
    device_ : str
        The device that trained the encoder.
    n_features_in_ : int
        Number of features (tabular) or channels (time series) seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to ``fit``.
    history_ : list of dict
        One record per epoch: ``train_loss``, ``valid_loss``, ``n_steps``, ``seconds``...
    loss_curve_ : list of float
        Mean training loss per epoch.
    validation_loss_curve_ : list of float
        Validation loss per epoch (empty without early stopping).
    n_iter_ : int
        Number of epochs run.
    n_steps_ : int
        Number of optimiser steps taken.
    best_epoch_ : int or None
        Epoch whose weights were kept by early stopping.
    """

    _parameter_constraints: dict = {
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "inference_batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: Optimiser used by :meth:`fit`: ``"adam"`` (SCARF) or ``"adamw"`` (TS2Vec).
    _optimizer = "adam"
    #: Whether each epoch skips its incomplete last batch (TS2Vec's reference does).
    _drop_last = False

    # ------------------------------------------------------------------ hooks
    def _validate_X(self, X, *, reset: bool) -> np.ndarray:
        """Validate tabular input: 2-D, numeric, finite, at least 2 rows when fitting."""
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
        )

    @abstractmethod
    def _make_task(
        self, X: np.ndarray, y, generator: torch.Generator, device: torch.device
    ) -> ContrastiveTask:
        """Build modules and losses; store fitted preprocessing state on ``self``."""

    @abstractmethod
    def _preprocess(self, X: np.ndarray) -> np.ndarray:
        """Map validated input to the float32 array the encoder consumes."""

    def _encode(self, batch: torch.Tensor) -> torch.Tensor:
        """Embed one batch with the fitted encoder (called under ``no_grad``, eval mode)."""
        return self.encoder_(batch)

    def _check_params(self, X: np.ndarray, y) -> None:
        """Cross-parameter checks that need the data (raise ``ValueError``)."""

    def _max_steps(self, X: np.ndarray) -> int | None:
        """Optimiser-step budget, for embedders that count steps instead of epochs."""
        return None

    def _n_iter_no_change(self) -> int | None:
        return getattr(self, "n_iter_no_change", None) if getattr(
            self, "early_stopping", False
        ) else None

    def _embedding_width(self) -> int:
        return self.n_components

    # --------------------------------------------------------------- contract
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the encoder on ``X`` with the contrastive objective.

        Any previous fit is discarded.

        Parameters
        ----------
        X : array-like
            Training data (see the embedder's documentation for the layout).
        y : array-like of shape (n_samples,), default=None
            Ignored by self-supervised embedders; required by supervised ones.

        Returns
        -------
        self : object
            The fitted embedder.
        """
        return self._fit(X, y)

    def _fit(self, X, y=None, *, train_encoder: bool = True):
        """Validate, build the task and (unless ``train_encoder=False``) train it.

        ``train_encoder=False`` keeps the encoder at its seeded initial weights, with
        every fitted preprocessing step in place: the "untrained encoder" control of
        :class:`~skcontrast.UntrainedEmbedder`.
        """
        X = self._validate_X(X, reset=True)
        self._check_params(X, y)
        device = resolve_device(self.device)
        seed = seed_from_random_state(check_random_state(self.random_state))
        # Every draw during training (shuffling, augmentation, masks, dropout) comes from
        # this generator; weights are initialised from a CPU generator inside _make_task
        # so that the initial weights do not depend on the device.
        generator = make_generator(seed, "cpu")
        device_generator = generator if device.type == "cpu" else make_generator(seed, device)
        task = self._make_task(X, y, generator, device)
        if not train_encoder:
            self._finalize(task)
            self.device_ = str(device)
            self.history_, self.loss_curve_, self.validation_loss_curve_ = [], [], []
            self.n_iter_ = self.n_steps_ = 0
            self.best_epoch_ = None
            return self
        optimizer = make_adam(task.modules.parameters(), self.learning_rate,
                              decoupled=self._optimizer == "adamw")
        callbacks = list(self.callbacks or [])
        if self.verbose:
            _enable_verbose_logging()
            callbacks.append(EpochLogger())
        result = train(
            task,
            optimizer,
            batch_size=self.batch_size,
            generator=generator,
            device_generator=device_generator,
            max_epochs=self.max_epochs,
            max_steps=self._max_steps(X),
            n_iter_no_change=self._n_iter_no_change(),
            tol=getattr(self, "tol", 0.0),
            callbacks=callbacks,
            estimator=self,
            drop_last=self._drop_last,
        )
        self._finalize(task)
        self.device_ = str(device)
        self.history_ = result.history
        self.loss_curve_ = [r["train_loss"] for r in result.history]
        self.validation_loss_curve_ = [
            r["valid_loss"] for r in result.history if r["valid_loss"] is not None
        ]
        self.n_iter_ = len(result.history)
        self.n_steps_ = result.n_steps
        self.best_epoch_ = result.best_epoch
        return self

    @property
    def _n_features_out(self):
        # Derived, not stored: inference-time parameters (e.g. TS2Vec's encoding_window)
        # may change the width after fit. Unfitted -> AttributeError -> NotFittedError.
        if not hasattr(self, "encoder_"):
            raise AttributeError("_n_features_out is only defined once fitted")
        return self._embedding_width()

    def _finalize(self, task: ContrastiveTask) -> None:
        """Keep what inference needs; by default the task's ``encoder`` module."""
        self.encoder_ = task.modules["encoder"].eval()

    def transform(self, X):
        """Embed ``X`` with the trained encoder.

        Inference runs in batches of ``inference_batch_size`` rows, so memory stays
        bounded whatever the number of samples.

        Parameters
        ----------
        X : array-like
            Data with the layout and number of features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components), dtype float32
            The embeddings.
        """
        check_is_fitted(self, "encoder_")
        X = self._validate_X(X, reset=False)
        data = self._preprocess(X)
        device = self._inference_device()
        out = np.empty((data.shape[0], self._n_features_out), dtype=np.float32)
        self.encoder_.eval()
        with torch.no_grad():
            for lo in range(0, data.shape[0], self.inference_batch_size):
                batch = torch.from_numpy(data[lo : lo + self.inference_batch_size]).to(device)
                out[lo : lo + batch.shape[0]] = self._encode(batch).float().cpu().numpy()
        if not np.isfinite(out).all():
            raise TrainingDivergedError(
                "The encoder produced non-finite embeddings; the input may lie far outside "
                "the training range, or the model diverged. Refit with a lower learning_rate."
            )
        return out

    def _inference_device(self) -> torch.device:
        target = torch.device(self.device_)
        if target.type == "cuda" and not torch.cuda.is_available():
            # A model fitted on a GPU and unpickled on a CPU-only machine runs on the CPU.
            target = torch.device("cpu")
        for name, module in self._torch_modules():
            current = next(iter(module.parameters()), None)
            if current is not None and current.device != target:
                setattr(self, name, module.to(target))
        return target

    def _torch_modules(self):
        return [(k, v) for k, v in vars(self).items() if isinstance(v, nn.Module)]

    def __getstate__(self):
        state = super().__getstate__()
        # Portable pickles: a model trained on a GPU loads on a CPU-only machine.
        for key, value in list(state.items()):
            if isinstance(value, nn.Module) and any(
                t.device.type != "cpu" for t in [*value.parameters(), *value.buffers()]
            ):
                state[key] = copy.deepcopy(value).cpu()
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Embeddings are computed in float32 whatever the input dtype.
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags
