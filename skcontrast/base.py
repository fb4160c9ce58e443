"""``BaseContrastiveEmbedder``: the scikit-learn contract shared by every embedder.

The base class owns ``fit``/``transform``, seeding, the device, the training (the fit
procedure it shares with :class:`~skcontrast.FineTunedClassifier`), inference and
persistence. A concrete embedder is its ``__init__``, its docstring and the hooks below:
this list is the whole contract (``tests/test_base.py`` checks that every private name a
shipped embedder shares with the base or a mixin is one of them).

Input hooks: filled by a mixin (:class:`TabularInputMixin`, :class:`SeriesInputMixin`,
or :class:`TabularOrSeriesInputMixin`, which picks one of them by ``input_type``)

``_validate_X(X, *, reset) -> ndarray``
    Check and convert the input; with ``reset=True`` (fit) also set ``n_features_in_``
    (and ``feature_names_in_``).
``_fit_preprocessing(X) -> None``
    Fit and store the preprocessing state (e.g. ``mean_``, ``scale_``).
``_preprocess(X) -> ndarray``
    Turn validated input into the float32 array the encoder consumes.
``_build_encoder() -> nn.Module``
    A fresh, unseeded encoder for ``n_features_in_`` (the caller seeds its weights).
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
    What to train and how (abstract): the modules, the batch loss, the optional
    validation, and the plan (budgets, stopping rule, optimiser variant; see
    :class:`TrainingTask`). The one hook, besides the input ones, that may store fitted
    state derived from the data.
``_positive_views(data, generator) -> (Tensor, Tensor) or None``
    Two views of preprocessed rows that the method treats as a positive pair, used by
    :meth:`positive_pairs` for the label-free diagnostics of :mod:`skcontrast.metrics`.
    Default: ``None`` (the method has no label-free positive pairs; ``TypeError``).

Capabilities are scikit-learn tags (``__sklearn_tags__``): ``input_tags`` for the data
(``allow_nan``, ``three_d_array``), ``target_tags.required`` for supervised methods and,
for methods that learn from rows without a label, ``partial_labels``
(:func:`with_partial_labels`).

Class attributes a mixin reads, with their defaults: :class:`SeriesInputMixin`'s
``_min_timesteps`` (2; the shortest trainable series), ``_empty_series_at_fit``
(``"error"``, or ``"drop"``: what an all-NaN training series means) and
``_inference_timestamps`` (8192; timestamps per CPU inference batch);
:class:`TabularOrSeriesInputMixin`'s ``_auto_epochs`` (epochs per input kind for
``max_epochs=None``); :class:`EarlyStoppingMixin`'s ``_early_stopping_auto()`` (what
``early_stopping="auto"`` means). Persistence: an estimator with networks besides
``encoder_`` says how to rebuild them in ``_module_for_loading(name)`` and lists
attributes not to write in ``_not_saved`` (see :mod:`skcontrast._persistence`).

This module is also the extension API: it exports the input mixins,
:class:`EarlyStoppingMixin`, :class:`TrainingTask`, :class:`StoppingRule`,
:func:`build_module`, the helpers the shipped embedders use for their splits, batches
and validation losses, and the capability tags: everything a new embedder needs (see
"Writing your own embedder" in the user guide).

The query hooks (``_network``, ``_inference_rows``) have no side effects. ``fit`` is
all-or-nothing: if anything raises (bad input, a diverging loss, a
``KeyboardInterrupt``), the estimator is left exactly as it was before the call.
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
from ._fitting import FitProcedure, record_history
from ._health import health_rows
from ._inference import inference_device, row_blocks, run_network
from ._input import SeriesInputMixin, TabularInputMixin, TabularOrSeriesInputMixin, take_rows
from ._persistence import PersistenceMixin
from ._sampling import balanced_draw, random_split, stratified_split
from ._tags import ContrastiveTargetTags, takes_partial_labels, with_partial_labels
from ._torch_utils import (
    build_module,
    make_generator,
    seed_from_random_state,
    torch_threads,
)
from ._training import (
    StoppingRule,
    TrainingDivergedError,
    TrainingTask,
    mean_over_chunks,
)
from .callbacks import check_callbacks
from .encoders.mlp import InputConcat

# Everything an embedder is built from: the base class and the input mixins, the
# training task, and the helpers the shipped embedders use for their splits, batches and
# validation losses (an embedder imports nothing private; tests/test_layers.py).
__all__ = [
    "BaseContrastiveEmbedder",
    "ContrastiveTargetTags",
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
    "takes_partial_labels",
    "with_partial_labels",
]


def fit_all_or_nothing(estimator, fit, *args, forget=True, **kwargs):
    """Run ``fit(*args, **kwargs)`` so that it changes ``estimator`` entirely or not at all.

    With ``forget`` (the default), fitted attributes (names ending in ``_``) of a
    previous fit are removed first, so a successful fit keeps nothing of the previous
    one; ``forget=False`` keeps them for ``fit`` to continue from (``warm_start``). If
    ``fit`` raises anything (``KeyboardInterrupt`` included), ``estimator`` is restored
    to exactly its state before the call, and the exception propagates.

    Returns
    -------
    estimator
    """
    before = dict(vars(estimator))
    try:
        if forget:
            for name in [k for k in vars(estimator)
                         if k.endswith("_") and not k.startswith("__")]:
                delattr(estimator, name)
        fit(*args, **kwargs)
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(before)
        raise
    return estimator


def _learned_columns(embedder, Z: np.ndarray) -> np.ndarray:
    """The columns of ``Z`` the encoder learns (without an ``[x, f(x)]`` input block)."""
    network = embedder._network()
    return Z[:, network.in_features:] if isinstance(network, InputConcat) else Z


def _health_advice(embedder) -> str:
    """What to change when a fit diverged or collapsed (the advice of skcontrast._health)."""
    return (f"Lower learning_rate (now {embedder.learning_rate:g}; 1e-3 is the usual value), "
            "standardize the input, or clip the gradients with "
            "callbacks=[skorch.callbacks.GradientNormClipping(1.0)].")


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

    #: What a fit keeps for the next one to continue from: not written by ``save``.
    _not_saved = ("training_state_",)

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
        "warm_start": ["boolean"],
    }

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

    # --------------------------------------------------------------- contract
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the encoder on ``X`` with the contrastive objective.

        Any previous fit is discarded, unless ``warm_start=True`` and the embedder is
        fitted: training then continues from the fitted encoder, heads and optimiser
        state for another budget (``max_epochs`` or ``n_iters``), on data of the same
        layout, with the fitted preprocessing; the history goes on. If training fails
        (bad input, a diverging loss, an interrupt), the estimator is left exactly as it
        was before the call.

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
        warm = self.warm_start and hasattr(self, "encoder_")
        with torch_threads(self.n_threads):
            return fit_all_or_nothing(self, self._fit, X, y, train_encoder=True, warm=warm,
                                      forget=not warm)

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

    def _fit(self, X, y, *, train_encoder: bool, warm: bool = False) -> None:
        X = self._validate_X(X, reset=True) if not warm else self._validate_warm(X)
        y = self._validate_y(X, y)
        self._check_params(X, y)
        check_callbacks(self.callbacks or [])
        # Every draw of the fit (weights, splits, shuffling, augmentation, masks, dropout)
        # comes from the procedure's generators, seeded from random_state alone.
        procedure = FitProcedure(self, seed_from_random_state(
            check_random_state(self.random_state)))
        if not warm:  # a continued fit keeps the preprocessing its encoder learned on
            self._fit_preprocessing(X)
        task = self._make_task(X, y, procedure.generator, procedure.device)
        self.encoder_, self.device_ = task.trained, str(procedure.device)
        if train_encoder:
            # The embeddings of a few rows before and after training tell a healthy run
            # from one that exploded or collapsed without a NaN (see skcontrast._health).
            idx = health_rows(X.shape[0])
            rows = torch.from_numpy(self._preprocess(X.iloc[idx] if hasattr(X, "iloc")
                                                     else X[idx]))
            procedure.train(task, outputs=lambda: _learned_columns(self, self._embed(rows)),
                            fix=_health_advice(self),
                            previous=self.training_state_ if warm else None,
                            history=self.history_ if warm else None, X=X, y=y)
        else:  # initialize(): the untrained encoder, no epoch, nothing to continue from
            record_history(self, History(), 0, None)
            self.training_state_ = None
        self.encoder_ = task.trained.eval()

    def _validate_warm(self, X):
        """Validate the data of a continued fit: the layout of the first fit, 2 rows."""
        name = type(self).__name__
        # (A pickle of a model fitted before training states were kept has none either.)
        if getattr(self, "training_state_", None) is None:
            raise ValueError(
                f"warm_start=True continues a fit from its training state (the heads and the "
                f"optimiser's moments), which this {name} does not have: it was loaded from "
                "a file (a model file keeps what inference needs) or only initialized. "
                "Fit it with warm_start=False to start afresh."
            )
        try:
            X = self._validate_X(X, reset=False)
        except ValueError as exc:
            raise ValueError(
                f"{exc} With warm_start=True, fit continues the previous fit and needs data "
                "of the same layout; set warm_start=False to fit afresh."
            ) from exc
        if X.shape[0] < 2:
            raise ValueError(f"Found array with {X.shape[0]} sample(s) while a minimum of 2 "
                             "is required: contrastive training needs several rows.")
        return X

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
        device = inference_device(self.device)
        blocks = row_blocks(X, lambda row_values: self._inference_rows(row_values, device))
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

    def _embed(self, data: torch.Tensor, network: nn.Module | None = None) -> np.ndarray:
        # Preprocessed CPU rows through the network (by default _network()) on the device
        # asked for now; the fitted modules stay where they are (see
        # skcontrast._inference.run_network).
        device = inference_device(self.device)
        network = self._network() if network is None else network
        return run_network(network, data, device=device, n_threads=self.n_threads,
                           rows=self._inference_rows(int(np.prod(data.shape[1:])), device))

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

    def _module_for_loading(self, name: str) -> nn.Module:
        if name != "encoder_":
            return super()._module_for_loading(name)
        # Built on the meta device: no weight is drawn, the file's weights fill it.
        with torch.device("meta"):
            encoder = self._build_encoder()
        return encoder.to_empty(device="cpu")

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


def _early_stopping_on(estimator) -> bool:
    """Whether the ``early_stopping`` parameter (``"auto"`` resolved) asks for it."""
    if estimator.early_stopping == "auto":
        return estimator._early_stopping_auto()
    return bool(estimator.early_stopping)


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

    def _n_validation(self, n_samples: int) -> int:
        """Rows held out for early stopping: ``ceil(validation_fraction * n_samples)``.

        0 without early stopping, and when that would leave fewer than 2 validation or
        2 training rows: too few rows to stop on, training then runs ``max_epochs``
        (:meth:`_check_validation_size` warns).
        """
        if not _early_stopping_on(self):
            return 0
        n_valid = math.ceil(self.validation_fraction * n_samples)
        return n_valid if n_valid >= 2 and n_samples - n_valid >= 2 else 0

    def _check_validation_size(self, n_samples: int) -> None:
        """Warn when early stopping is asked for but the data are too few to hold rows out."""
        if _early_stopping_on(self) and self._n_validation(n_samples) == 0:
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
        if not _early_stopping_on(self):
            return None
        return StoppingRule(self.n_iter_no_change, self.tol)
