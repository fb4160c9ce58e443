"""``BaseContrastiveEmbedder``: the scikit-learn contract shared by every embedder.

The base class owns ``fit``/``transform``, seeding, the device, the training loop and
pickling. A concrete embedder is its ``__init__``, its docstring and a few hooks. The
base class calls them in this order, and declares each one below (abstract, or with the
default written here):

Input hooks (filled by a mixin of :mod:`skcontrast._input`: tabular, series or either)

``_validate_X(X, *, reset) -> ndarray``
    Check and convert the input; with ``reset=True`` (fit) also set ``n_features_in_``
    (and ``feature_names_in_``).
``_fit_preprocessing(X) -> None``
    Fit and store the preprocessing state (e.g. ``mean_``, ``scale_``).
``_preprocess(X) -> ndarray``
    Turn validated input into the float32 array the encoder consumes.
``_build_encoder() -> nn.Module``
    A fresh, unseeded encoder for ``n_features_in_`` (the base seeds its weights).
``_network() -> nn.Module``
    The module :meth:`transform` applies to preprocessed batches; by default
    ``encoder_`` itself (series mixins add max-pooling over time).
``_inference_rows(row_values, device) -> int``
    Rows per inference batch for rows of ``row_values`` float values. Default:
    ``inference_batch_size`` (series mixins batch fewer long series on the CPU).

Method hooks

``_validate_y(X, y) -> ndarray or None``
    Validate the targets; supervised embedders return integer class codes and set
    ``classes_``. Default: ``y`` is ignored.
``_check_params(X, y) -> None``
    Checks of the parameters against the data (``ValueError``, warnings); stores
    nothing.
``_make_task(X, y, generator, device) -> TrainingTask``
    Build the modules, the batch loss and the optional validation of
    :func:`skcontrast._training.train` (abstract). The one hook, besides the input ones,
    that may store fitted state derived from the data.
``_training_budget(X) -> (max_epochs, max_steps)``
    Epoch and optimiser-step budgets. Default: ``(self.max_epochs, None)``.
``_stopping_rule() -> StoppingRule or None``
    Early stopping on the task's validation records. Default: none
    (:class:`EarlyStoppingMixin` provides the usual one).
``_health_fix() -> str``
    What to try when a finished fit diverged or collapsed without a NaN (the advice in
    the messages of :mod:`skcontrast._health`). Default: lower ``learning_rate``,
    standardise, clip gradients.
``_positive_views(data, generator) -> (Tensor, Tensor) or None``
    Two views of preprocessed rows that the method treats as a positive pair, used by
    :meth:`positive_pairs` for the label-free diagnostics of :mod:`skcontrast.metrics`.
    Default: ``None`` (the method has no label-free positive pairs; ``TypeError``).

Class attributes: ``_optimizer`` (``"adam"`` or ``"adamw"``), ``_drop_last`` and
``_data_parallel`` (the task shards its batches over a ``torch.distributed`` process
group; see :mod:`skcontrast.distributed`).

This module is also the extension API: it exports the input mixins
(:class:`TabularInputMixin`, :class:`SeriesInputMixin`,
:class:`TabularOrSeriesInputMixin`), :class:`EarlyStoppingMixin`, :class:`TrainingTask`,
:class:`StoppingRule` and :func:`build_module`, everything a new embedder needs (see
"Writing your own embedder" in the user guide).

The query hooks (``_training_budget``, ``_stopping_rule``, ``_network``,
``_inference_rows``) have no side effects. ``fit`` is all-or-nothing: if anything raises
(bad input, a diverging loss, a ``KeyboardInterrupt``), the estimator is left exactly as
it was before the call.
"""

from __future__ import annotations

import copy
import math
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch.history import History
from torch import nn

from ._compat import Interval, Options, _fit_context
from ._config import block_bytes
from ._health import check_training_health, health_rows
from ._input import SeriesInputMixin, TabularInputMixin, TabularOrSeriesInputMixin, take_rows
from ._persistence import PersistenceMixin
from ._sampling import balanced_draw, random_split, stratified_split
from ._torch_utils import (
    build_module,
    make_adam,
    make_generator,
    resolve_device,
    seed_from_random_state,
    torch_threads,
)
from ._training import (
    StoppingRule,
    TrainingDivergedError,
    TrainingTask,
    mean_over_chunks,
    train,
)
from .callbacks import check_callbacks, training_callbacks
from .distributed import world
from .encoders.mlp import InputConcat

# Everything an embedder is built from: the base class and the input mixins, the
# training task, and the helpers the shipped embedders use for their splits, batches and
# validation losses (an embedder imports nothing private; tests/test_layers.py).
__all__ = [
    "BaseContrastiveEmbedder",
    "EarlyStoppingMixin",
    "SeriesInputMixin",
    "StoppingRule",
    "TabularInputMixin",
    "TabularOrSeriesInputMixin",
    "TrainingTask",
    "balanced_draw",
    "build_module",
    "fit_all_or_nothing",
    "mean_over_chunks",
    "random_split",
    "stratified_split",
    "take_rows",
]


def fit_all_or_nothing(estimator, fit, *args, **kwargs):
    """Run ``fit(*args, **kwargs)`` so that it changes ``estimator`` entirely or not at all.

    Fitted attributes (names ending in ``_``) of a previous fit are removed first, so a
    successful fit keeps nothing of the previous one. If ``fit`` raises anything
    (``KeyboardInterrupt`` included), ``estimator`` is restored to exactly its state
    before the call, and the exception propagates.

    Returns
    -------
    estimator
    """
    before = dict(vars(estimator))
    try:
        for name in [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]:
            delattr(estimator, name)
        fit(*args, **kwargs)
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(before)
        raise
    return estimator


class BaseContrastiveEmbedder(
    PersistenceMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class for embedders whose encoder is trained with a contrastive loss.

    Not meant to be instantiated: use :class:`~skcontrast.SCARFEmbedder` and friends,
    or see "Writing your own embedder" in the user guide.

    Attributes
    ----------
    encoder_ : torch.nn.Module
        The trained encoder, in eval mode (on ``device_``).
    device_ : str
        The device that trained the encoder.
    n_features_in_ : int
        Number of features (tabular) or channels (time series) seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to ``fit``.
    history_ : skorch.history.History
        One record per epoch (skorch's format): ``epoch``, ``train_loss``,
        ``valid_loss`` (with a validation set), ``n_steps``, ``dur``, ``batches``...
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
        "n_threads": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1}),
                      None],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: Optimiser used by :meth:`fit`: ``"adam"`` (SCARF) or ``"adamw"`` (TS2Vec).
    _optimizer = "adam"
    #: Whether each epoch skips its incomplete last batch (TS2Vec's reference does).
    _drop_last = False
    #: Whether ``_make_task`` trains data-parallel inside a ``torch.distributed`` process
    #: group (shards each global batch, gathers embeddings, sets ``world_size``).
    _data_parallel = False

    # ------------------------------------------------------------ input hooks
    @abstractmethod
    def _validate_X(self, X, *, reset: bool) -> np.ndarray:
        """Check and convert ``X``; with ``reset`` also set ``n_features_in_``."""

    @abstractmethod
    def _fit_preprocessing(self, X: np.ndarray) -> None:
        """Fit and store the preprocessing state on the validated training data."""

    @abstractmethod
    def _preprocess(self, X: np.ndarray) -> np.ndarray:
        """Map validated input to the float32 array the encoder consumes."""

    @abstractmethod
    def _build_encoder(self) -> nn.Module:
        """A fresh encoder for ``n_features_in_``; its weights are seeded by the caller."""

    def _network(self) -> nn.Module:
        """The module :meth:`transform` applies to preprocessed batches (no side effects)."""
        return self.encoder_

    # ----------------------------------------------------------- method hooks
    def _validate_y(self, X: np.ndarray, y) -> np.ndarray | None:
        """Validate the targets; self-supervised embedders ignore ``y``."""
        return None

    def _check_params(self, X: np.ndarray, y) -> None:
        """Check the parameters against the data (raise ``ValueError``, warn); store nothing."""

    @abstractmethod
    def _make_task(
        self, X: np.ndarray, y, generator: torch.Generator, device: torch.device
    ) -> TrainingTask:
        """Build the modules, batch loss and validation of the training run."""

    def _training_budget(self, X: np.ndarray) -> tuple[int | None, int | None]:
        """``(max_epochs, max_steps)`` for the training loop (no side effects)."""
        return self.max_epochs, None

    def _stopping_rule(self) -> StoppingRule | None:
        """Early stopping on the task's validation records, or ``None`` (no side effects)."""
        return None

    # --------------------------------------------------------------- contract
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the encoder on ``X`` with the contrastive objective.

        Any previous fit is discarded. If training fails (bad input, a diverging loss,
        an interrupt), the estimator is left exactly as it was before the call.

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
        with torch_threads(self.n_threads):
            return fit_all_or_nothing(self, self._fit, X, y, train_encoder=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def initialize(self, X, y=None):
        """Fit everything but the encoder's training: the untrained control.

        Runs :meth:`fit`'s validation and fitted preprocessing and builds the encoder
        with the initial weights ``random_state`` gives it, then takes no optimiser
        step. :meth:`transform` then embeds with the untrained encoder, the
        random-encoder control that training has to beat (see
        :class:`~skcontrast.UntrainedEmbedder` for a pipeline step doing this).

        Parameters
        ----------
        X : array-like
            Training data.
        y : array-like of shape (n_samples,), default=None
            Targets, validated as :meth:`fit` would.

        Returns
        -------
        self : object
            The embedder, with ``n_steps_ == 0``.
        """
        with torch_threads(self.n_threads):
            return fit_all_or_nothing(self, self._fit, X, y, train_encoder=False)

    def _fit(self, X, y, *, train_encoder: bool) -> None:
        X = self._validate_X(X, reset=True)
        y = self._validate_y(X, y)
        self._check_params(X, y)
        check_callbacks(self.callbacks or [])
        rank, world_size = world()
        if train_encoder and self._data_parallel and self.batch_size % world_size:
            raise ValueError(
                f"batch_size={self.batch_size} is the global batch, split evenly over the "
                f"{world_size} processes of the torch.distributed group: use a multiple of "
                f"{world_size}."
            )
        device = resolve_device(self.device)
        seed = seed_from_random_state(check_random_state(self.random_state))
        # Every draw during training (shuffling, augmentation, masks, dropout) comes from
        # this generator; weights are initialised from a CPU generator inside _make_task
        # so that the initial weights do not depend on the device.
        generator = make_generator(seed, "cpu")
        device_generator = generator if device.type == "cpu" else make_generator(seed, device)
        self._fit_preprocessing(X)
        task = self._make_task(X, y, generator, device)
        history, n_steps, best_epoch = History(), 0, None  # initialize(): no epochs
        if train_encoder:
            # The embeddings of a few rows before training, to tell a healthy run from one
            # that exploded or collapsed without a NaN (see skcontrast._health).
            idx = health_rows(X.shape[0])
            rows = torch.from_numpy(self._preprocess(X.iloc[idx] if hasattr(X, "iloc")
                                                     else X[idx]))
            self.encoder_, self.device_ = task.trained, str(device)
            before = self._learned_columns(self._embed(rows))
            max_epochs, max_steps = self._training_budget(X)
            # User callbacks may wrap the optimiser in a torch lr_scheduler: give them a
            # torch.optim one (same kernel, same weights; see make_adam).
            optimizer = make_adam(task.optimised_parameters(), self.learning_rate,
                                  decoupled=self._optimizer == "adamw",
                                  torch_optimizer=bool(self.callbacks))
            # Under data parallelism every rank trains the same model: rank 0 reports.
            callbacks = training_callbacks(self.callbacks, self.verbose if rank == 0 else 0)
            result = train(
                task, optimizer, batch_size=self.batch_size, generator=generator,
                device_generator=device_generator, max_epochs=max_epochs,
                max_steps=max_steps, stopping=self._stopping_rule(),
                drop_last=self._drop_last, callbacks=callbacks, estimator=self,
                verbose=self.verbose,
            )
            history, n_steps, best_epoch = result.history, result.n_steps, result.best_epoch
        self.encoder_ = task.trained.eval()
        self.device_ = str(device)
        self.history_ = history
        self.loss_curve_ = [r["train_loss"] for r in history]
        self.validation_loss_curve_ = [r["valid_loss"] for r in history if "valid_loss" in r]
        self.n_iter_ = len(history)
        self.n_steps_ = n_steps
        self.best_epoch_ = best_epoch
        if train_encoder:
            check_training_health(type(self).__name__, before,
                                  self._learned_columns(self._embed(rows)),
                                  self.loss_curve_, task.chance_loss, fix=self._health_fix())

    def _learned_columns(self, Z: np.ndarray) -> np.ndarray:
        """The columns of ``Z`` the encoder learns (without an ``[x, f(x)]`` input block)."""
        network = self._network()
        return Z[:, network.in_features:] if isinstance(network, InputConcat) else Z

    def _health_fix(self) -> str:
        """What to change when a fit diverged or collapsed (see skcontrast._health)."""
        return (f"Lower learning_rate (now {self.learning_rate:g}; 1e-3 is the usual value), "
                "standardize the input, or clip the gradients with "
                "callbacks=[skorch.callbacks.GradientNormClipping(1.0)].")

    @property
    def _n_features_out(self):
        # Derived, not stored: inference-time parameters (e.g. TS2Vec's encoding_window)
        # may change the width after fit. Unfitted -> AttributeError -> NotFittedError.
        if not hasattr(self, "encoder_"):
            raise AttributeError("_n_features_out is only defined once fitted")
        return self._network().out_features

    def preprocess(self, X) -> np.ndarray:
        """Validate ``X`` and return what the network of :meth:`make_network` consumes.

        Parameters
        ----------
        X : array-like
            Data with the layout and number of features seen in ``fit``.

        Returns
        -------
        data : ndarray of dtype float32
            ``(n_samples, n_features)`` standardised rows, or ``(n_samples,
            n_timesteps, n_channels)`` series (time-major, NaN = missing).
        """
        check_is_fitted(self, "encoder_")
        return self._preprocess(self._validate_X(X, reset=False))

    def make_network(self) -> nn.Module:
        """A copy of the fitted network that maps :meth:`preprocess` output to embeddings.

        The module is what :meth:`transform` applies (the encoder, plus max-pooling over
        time for series), deep-copied to the CPU in eval mode: training it leaves this
        embedder untouched. ``forward(x, generator=None)`` takes a float32 batch and an
        optional ``torch.Generator`` for dropout in training mode; ``out_features`` is
        the embedding width. :class:`~skcontrast.FineTunedClassifier` fine-tunes it.

        Returns
        -------
        network : torch.nn.Module
        """
        check_is_fitted(self, "encoder_")
        return copy.deepcopy(self._network()).cpu().eval()

    def transform(self, X):
        """Embed ``X`` with the trained encoder.

        Inference runs in batches of ``inference_batch_size`` rows, and a large
        sliceable input (an array, a ``np.load(..., mmap_mode="r")`` memory map, a Dask
        array, a DataFrame) is validated and preprocessed one block of about 64 MiB at a
        time (``block_mib``, see :func:`skcontrast.config_context`), so memory beyond the
        output stays bounded whatever the number of samples (the embeddings are exactly
        those of a single pass).

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
        blocks = self._row_blocks(X)
        if blocks is None:
            out = self._embed(torch.from_numpy(self.preprocess(X)))
        else:  # validate and preprocess one block at a time: no copy of all of X
            out = np.empty((len(X), self._network().out_features), dtype=np.float32)
            for lo, hi in blocks:
                block = X.iloc[lo:hi] if hasattr(X, "iloc") else X[lo:hi]
                out[lo:hi] = self._embed(torch.from_numpy(self.preprocess(block)))
        if not np.isfinite(out).all():
            raise TrainingDivergedError(
                "The encoder produced non-finite embeddings; the input may lie far outside "
                "the training range, or the model diverged. Refit with a lower learning_rate."
            )
        return out

    def _row_blocks(self, X):
        """Row ranges for a block-wise :meth:`transform`, or ``None`` to take X whole.

        Only sliceable inputs with a shape (arrays, memory maps, Dask arrays,
        DataFrames) larger than one block are split. Blocks are whole multiples of
        inference batches (:meth:`_inference_rows`), so the batches, hence the embeddings,
        are exactly those of a single pass.
        """
        shape = getattr(X, "shape", None)
        if shape is None or len(shape) < 2 or not hasattr(X, "__getitem__"):
            return None
        try:
            n_rows, row_values = int(shape[0]), int(np.prod(shape[1:]))
        except (TypeError, ValueError):  # unknown sizes (e.g. a lazy array)
            return None
        rows = max(1, block_bytes() // max(4 * row_values, 1))
        batch = self._inference_rows(row_values, self._inference_device())
        rows = max(1, rows // batch) * batch
        if n_rows <= rows:
            return None
        return [(lo, min(lo + rows, n_rows)) for lo in range(0, n_rows, rows)]

    def positive_pairs(self, X, *, random_state=None):
        """Embeddings of two positive views of every row, made by the method's augmentation.

        The views are those the embedder trains on: SCARF pairs each row with a
        corrupted copy (features redrawn from the marginals of the rows of ``X``),
        SupCon draws two augmented views, TS2Vec two overlapping random crops (each
        max-pooled over its own timestamps). They feed the label-free diagnostics of
        :mod:`skcontrast.metrics` (alignment, the InfoNCE bound) on held-out data.

        Parameters
        ----------
        X : array-like
            Data with the layout and number of features seen in ``fit``.
        random_state : int, RandomState instance or None, default=None
            Seed of the augmentation; ``None`` uses the embedder's ``random_state``.

        Returns
        -------
        Z1, Z2 : ndarray of shape (n_samples, n_components), dtype float32
            Row ``i`` of both embeds a view of row ``i`` of ``X``.

        Raises
        ------
        TypeError
            If the method has no augmentation (ExpCLR's positives come from expert
            features, not from views).
        """
        data = torch.from_numpy(self.preprocess(X))
        if random_state is None:
            random_state = self.random_state
        seed = seed_from_random_state(check_random_state(random_state))
        views = self._positive_views(data, make_generator(seed, "cpu"))
        if views is None:
            raise TypeError(
                f"{type(self).__name__} makes no augmented views, so it has no positive "
                "pairs: use a score computed from the embeddings alone (effective_rank, "
                "uniformity)."
            )
        return tuple(self._embed(view) for view in views)

    def _positive_views(self, data: torch.Tensor, generator: torch.Generator):
        """Hook: two views of preprocessed rows (CPU tensors) forming positive pairs.

        Return ``None`` when the method has no label-free notion of a positive pair.
        """
        return None

    def _inference_rows(self, row_values: int, device: torch.device) -> int:
        """Hook: rows per inference batch, for rows of ``row_values`` float values.

        ``inference_batch_size``; series embedders cap it for long series on the CPU.
        """
        return self.inference_batch_size

    def _embed(self, data: torch.Tensor) -> np.ndarray:
        """Embed a preprocessed CPU tensor in batches of :meth:`_inference_rows` rows.

        On another device than the fitted modules' (the ``device`` parameter changed
        after fitting), the network runs with copies of its weights there
        (``torch.func.functional_call``): the fitted estimator is left as it was.
        """
        device = self._inference_device()
        network = self._network().eval()
        tensors = dict(network.named_parameters())
        tensors.update(network.named_buffers())
        moved = None
        if any(t.device != device for t in tensors.values()):
            moved = {k: t.to(device) for k, t in tensors.items()}
        out = np.empty((data.shape[0], network.out_features), dtype=np.float32)
        rows = self._inference_rows(int(np.prod(data.shape[1:])), device)
        with torch.no_grad(), torch_threads(self.n_threads):
            for lo in range(0, data.shape[0], rows):
                batch = data[lo : lo + rows].to(device)
                result = (network(batch) if moved is None
                          else torch.func.functional_call(network, moved, (batch,)))
                out[lo : lo + batch.shape[0]] = result.float().cpu().numpy()
        return out

    def score(self, X, y=None):
        """Label-free score of the embeddings of ``X``: their effective rank (greater is better).

        What ``GridSearchCV(embedder, grid)`` and ``cross_validate(embedder, X)`` use
        when given no ``scoring`` and no labels. The effective rank
        (:func:`skcontrast.metrics.effective_rank`) counts the dimensions the
        embeddings really use: it drops when a representation collapses. Other label-free
        scores: :func:`skcontrast.metrics.make_label_free_scorer`. How well each picks
        what a probe with labels would pick is measured in the user guide ("Choosing
        hyper-parameters without labels").

        Parameters
        ----------
        X : array-like
            Held-out data with the layout seen in ``fit``.
        y : None
            Ignored (label-free).

        Returns
        -------
        score : float
        """
        from .metrics import label_free_score

        return label_free_score(self, X, "effective_rank")

    def _inference_device(self) -> torch.device:
        """Where :meth:`transform` runs: the ``device`` parameter as it is now.

        ``set_params(device=...)`` after fitting moves inference there, never the fitted
        modules (see :meth:`_embed`). A GPU named on a machine without one (a model
        fitted on a GPU and loaded on a CPU) falls back to the CPU.
        """
        try:
            return resolve_device(self.device)
        except ValueError:
            if str(self.device).startswith("cuda") and not torch.cuda.is_available():
                return torch.device("cpu")
            raise

    def _module_for_loading(self, name: str) -> nn.Module:
        if name != "encoder_":
            return super()._module_for_loading(name)
        # Built on the meta device: no weight is drawn, the file's weights fill it.
        with torch.device("meta"):
            encoder = self._build_encoder()
        return encoder.to_empty(device="cpu")

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


class EarlyStoppingMixin:
    """Early stopping on a held-out fraction of the training rows.

    Reads the parameters ``early_stopping`` (a bool, or ``"auto"`` where the class
    allows it: see :meth:`_early_stopping_auto`), ``validation_fraction``,
    ``n_iter_no_change`` and ``tol``. The embedder's :meth:`_make_task` holds out
    :meth:`_n_validation` rows and returns a ``validate`` function; training stops when
    their loss has not improved by ``tol`` for ``n_iter_no_change`` epochs, and the best
    weights are kept.
    """

    _parameter_constraints: dict = {
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def _early_stopping_auto(self) -> bool:
        """What ``early_stopping="auto"`` means once the input is validated."""
        return True

    def _uses_early_stopping(self) -> bool:
        if self.early_stopping == "auto":
            return self._early_stopping_auto()
        return bool(self.early_stopping)

    def _n_validation(self, n_samples: int) -> int:
        """Rows held out for early stopping: ``ceil(validation_fraction * n_samples)``.

        0 without early stopping, and when that would leave fewer than 2 validation or
        2 training rows: too few rows to stop on, training then runs ``max_epochs``
        (:meth:`_check_validation_size` warns).
        """
        if not self._uses_early_stopping():
            return 0
        n_valid = math.ceil(self.validation_fraction * n_samples)
        return n_valid if n_valid >= 2 and n_samples - n_valid >= 2 else 0

    def _check_validation_size(self, n_samples: int) -> None:
        """Warn when early stopping is asked for but the data are too few to hold rows out."""
        if self._uses_early_stopping() and self._n_validation(n_samples) == 0:
            n_valid = math.ceil(self.validation_fraction * n_samples)
            warnings.warn(
                f"early stopping would hold out ceil(validation_fraction * n_samples) = "
                f"{n_valid} of {n_samples} samples, but at least 2 validation and 2 training "
                f"samples are needed: training runs max_epochs={self.max_epochs} without "
                "early stopping. Pass more samples, raise validation_fraction, or set "
                "early_stopping=False to silence this warning.",
                UserWarning,
                stacklevel=7,  # the caller of fit
            )

    def _stopping_rule(self) -> StoppingRule | None:
        if not self._uses_early_stopping():
            return None
        return StoppingRule(self.n_iter_no_change, self.tol)
