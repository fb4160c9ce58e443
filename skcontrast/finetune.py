"""Supervised fine-tuning of a contrastively pre-trained encoder (SCARF's protocol).

Fine-tuning runs through the same training loop as pre-training
(:func:`skcontrast._training.train`), so it has the same callbacks (skorch's vocabulary:
``EarlyStopping``, ``LRScheduler``... work as in a skorch ``NeuralNet``), the same
skorch ``History``, the same early stopping and the same divergence checks. A skorch
``NeuralNetClassifier`` was the earlier design; with the same network and optimiser it
spent about 1.2x the time per batch of this loop (``benchmarks/bench_finetune_loop.py``),
mostly in its ``DataLoader``'s row-by-row collation, and it needed a second loop, a
second early-stopping implementation and a second history format.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d
from torch import nn

from ._compat import Interval, Options, _fit_context
from ._fitting import FitProcedure
from ._health import health_rows
from ._inference import run_network
from ._persistence import PersistenceMixin
from ._sampling import stratified_split
from ._torch_utils import build_module, seed_from_random_state, torch_threads
from ._training import StoppingRule, TrainingTask
from .base import BaseContrastiveEmbedder, fit_all_or_nothing, with_partial_labels
from .callbacks import check_callbacks
from .encoders.mlp import ProjectionHead
from .utils import fit_embedder, labelled_subset

__all__ = ["EncoderClassifier", "FineTunedClassifier"]

#: Rows per batch when the classifier runs on many rows (validation, predictions).
_BATCH = 4096


class EncoderClassifier(nn.Module):
    """A representation network followed by a classification head.

    Parameters
    ----------
    encoder : nn.Module
        Maps a batch to ``(batch, embedding_dim)``; called as ``encoder(x, generator)``
        (the networks of :meth:`~skcontrast.base.BaseContrastiveEmbedder.make_network`).
    head : nn.Module
        Maps embeddings to class logits.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.encoders import MLP, ProjectionHead
    >>> net = EncoderClassifier(MLP(4, 8, n_layers=2, hidden_size=8), ProjectionHead(8, 3))
    >>> net(torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    """

    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    @property
    def out_features(self) -> int:
        """Number of classes (the head's outputs)."""
        return self.head.out_features

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.head(self.encoder(x, generator))


def _error_then_loss(record: dict) -> tuple[float, float]:
    return 1.0 - record["valid_acc"], record["valid_loss"]


class FineTunedClassifier(PersistenceMixin, ClassifierMixin, BaseEstimator):
    """Classifier made of a contrastive embedder's encoder plus a head, fine-tuned with labels.

    This is how the SCARF paper evaluates pre-training: the pre-trained encoder ``f``
    and a fresh 2-layer head are trained end to end with cross-entropy, with early
    stopping on the validation error. ``pretrained=False`` trains the same network
    from the encoder's initial (seeded, untrained) weights: the baseline pre-training
    must beat.

    Any skcontrast embedder can be fine-tuned, on the data it embeds (tabular rows or
    time series): its :meth:`~skcontrast.base.BaseContrastiveEmbedder.make_network`
    (the encoder, max-pooled over time for series) gets the head, and its
    :meth:`~skcontrast.base.BaseContrastiveEmbedder.preprocess` prepares the input.
    Supervised embedders (:class:`~skcontrast.SupConEmbedder`) are pre-trained with
    the labels given to :meth:`fit`.

    **Few labels.** ``y`` may mark unlabelled rows with ``None`` or ``NaN``: they
    pre-train the embedder (which learns without labels) and are left out of
    fine-tuning (:func:`~skcontrast.utils.fit_embedder`), the label-efficiency protocol
    of SimCLR and of :func:`~skcontrast.robustness.robustness_curve`.

    Training runs the loop of the embedders (Adam, seeded shuffling, a stratified
    validation split); the best epoch has the lowest validation error, ties broken by
    the lowest validation loss, and its weights are kept. Callbacks speak skorch's
    vocabulary (see :mod:`skcontrast.callbacks`).

    Parameters
    ----------
    embedder : BaseContrastiveEmbedder, default=None
        The contrastive embedder whose encoder is fine-tuned. ``None`` means
        ``SCARFEmbedder()``. Unless ``prefit=True`` it is cloned and pre-trained on the
        ``X`` given to :meth:`fit`, so the whole procedure cross-validates honestly.
    prefit : bool, default=False
        Use ``embedder`` as already fitted (e.g. on a large unlabelled set) instead of
        cloning and fitting it. Its encoder is copied, never modified.
    pretrained : bool, default=True
        Start from the pre-trained encoder weights. ``False`` starts from the encoder's
        initial weights (:meth:`~skcontrast.base.BaseContrastiveEmbedder.initialize`):
        no pre-training is run.
    hidden_size : int, default=256
        Width of the classification head's hidden layer.
    max_epochs : int, default=200
        Maximum fine-tuning epochs.
    batch_size : int, default=128
        Fine-tuning batch size.
    learning_rate : float, default=1e-3
        Adam learning rate.
    validation_fraction : float, default=0.1
        Stratified fraction of rows held out to monitor the validation error. When
        ``ceil(validation_fraction * n_samples)`` is smaller than the number of classes,
        or a class has a single row, nothing is held out and training runs
        ``max_epochs`` on all rows.
    n_iter_no_change : int, default=10
        Early-stopping patience in epochs.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Torch device for fine-tuning.
    n_threads : int or None, default=1
        Torch intra-op threads while fitting (pre-training included) and predicting,
        restored afterwards; ``-1``: every CPU of the process; ``None`` keeps torch's
        setting. See the embedders' ``n_threads``.
    callbacks : list, default=None
        Training callbacks (skorch's vocabulary, see :mod:`skcontrast.callbacks`).
    random_state : int, RandomState instance or None, default=None
        Seeds pre-training (when the embedder's own ``random_state`` is None), the
        head's initialisation, the validation split, shuffling and dropout.
    verbose : int, default=0
        0: silent. 1: a progress bar (steps done / total, loss, time left). 2: one
        log line per epoch to the ``skcontrast`` logger.
    warm_start : bool, default=False
        When fitted, :meth:`fit` continues fine-tuning the fitted network (and its
        optimiser state) for another ``max_epochs``, without pre-training again; the
        history goes on (scikit-learn's ``warm_start`` convention).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    embedder_ : BaseContrastiveEmbedder
        The fitted embedder whose preprocessing and encoder are used.
    module_ : EncoderClassifier
        The fine-tuned network, held in float64 on the CPU for inference (predictions
        then do not depend on the order or the company of the rows).
    history_ : skorch.history.History
        One record per epoch: ``train_loss``, ``valid_loss``, ``valid_acc``...
    loss_curve_ : list of float
        Mean training cross-entropy per epoch (as the embedders' ``loss_curve_``).
    validation_loss_curve_ : list of float
        Validation cross-entropy per epoch (empty without a validation split).
    n_iter_ : int
        Number of epochs run.
    best_epoch_ : int or None
        Epoch whose weights were kept (``None`` without a validation split).
    n_features_in_ : int
        Number of features (tabular) or channels (time series) seen in :meth:`fit`.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcontrast import SCARFEmbedder, FineTunedClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = FineTunedClassifier(SCARFEmbedder(max_epochs=3), max_epochs=5, random_state=0)
    >>> clf.fit(X, y).predict(X[:4]).shape
    (4,)
    """

    #: What a fit keeps for the next one to continue from: not written by ``save``.
    _not_saved = ("training_state_",)

    _parameter_constraints: dict = {
        "embedder": [BaseContrastiveEmbedder, None],
        "prefit": ["boolean"],
        "pretrained": ["boolean"],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "n_threads": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1}),
                      None],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(self, embedder=None, *, prefit=False, pretrained=True, hidden_size=256,
                 max_epochs=200, batch_size=128, learning_rate=1e-3, validation_fraction=0.1,
                 n_iter_no_change=10, device="auto", n_threads=1, callbacks=None,
                 random_state=None, verbose=0, warm_start=False):
        self.embedder = embedder
        self.prefit = prefit
        self.pretrained = pretrained
        self.hidden_size = hidden_size
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.n_threads = n_threads
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def _base_embedder(self) -> BaseContrastiveEmbedder:
        if self.embedder is None:
            from .embedders import SCARFEmbedder

            return SCARFEmbedder()
        return self.embedder

    def _fitted_embedder(self, X, y, rng) -> BaseContrastiveEmbedder:
        embedder = self._base_embedder()
        if self.prefit:
            check_is_fitted(embedder, "encoder_")
            return embedder
        embedder = clone(embedder)
        seed = self._draw_embedder_seed(rng)
        if seed is not None:
            embedder.set_params(random_state=seed)
        if self.pretrained:
            return fit_embedder(embedder, X, y)
        if embedder.__sklearn_tags__().target_tags.required:
            return embedder.initialize(*labelled_subset(X, y))
        return embedder.initialize(X)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Pre-train (unless ``prefit``) and fine-tune on labelled data.

        With ``warm_start=True`` and a fitted classifier, fine-tuning continues from the
        fitted network and optimiser state for another ``max_epochs`` (the embedder is
        not pre-trained again; the classes must be those of the first fit). If fitting
        fails, the classifier is left exactly as it was before the call.

        Parameters
        ----------
        X : array-like
            Training data, in the layout the embedder takes (a table, or series).
        y : array-like of shape (n_samples,)
            Class labels; ``None`` or ``NaN`` for rows without one.

        Returns
        -------
        self : FineTunedClassifier
        """
        warm = self.warm_start and hasattr(self, "module_")
        with torch_threads(self.n_threads):
            return fit_all_or_nothing(self, self._fit, X, y, warm=warm, forget=not warm)

    def _continued_embedder(self, X, labels, rng) -> BaseContrastiveEmbedder:
        """The fitted embedder a warm-started fit continues with, after checking the data."""
        if self.training_state_ is None:
            raise ValueError(
                "warm_start=True continues a fit from its training state, which this "
                "FineTunedClassifier does not have (it was loaded from a file, which keeps "
                "what prediction needs). Fit it with warm_start=False to start afresh."
            )
        if not np.array_equal(labels.classes_, self.classes_):
            raise ValueError(
                f"warm_start=True continues fine-tuning a head for the classes "
                f"{self.classes_.tolist()}, but y has the classes "
                f"{labels.classes_.tolist()}; set warm_start=False to fit afresh."
            )
        self._draw_embedder_seed(rng)  # the first fit's draw: the same seeds follow it
        return self.embedder_

    def _draw_embedder_seed(self, rng) -> int | None:
        """The seed of a cloned embedder without its own ``random_state`` (else ``None``).

        Drawn from ``rng`` in every fit that would clone it, first fit or continued, so
        that the draws after it (the split, the head's weights) are the same.
        """
        if self.prefit or self._base_embedder().random_state is not None:
            return None
        return int(rng.randint(0, 2**31 - 1))

    def _fit(self, X, y, warm=False):
        if self.prefit and not self.pretrained:
            raise ValueError(
                "prefit=True uses the embedder's trained encoder, and pretrained=False asks "
                "for its untrained initial weights: the two contradict. For the "
                "from-scratch control pass pretrained=False with prefit=False."
            )
        if y is None:
            raise ValueError(
                "FineTunedClassifier requires y to be passed, but the target y is None: "
                "fine-tuning trains on class labels."
            )
        y = column_or_1d(y, warn=True)
        if y.dtype.kind in "fc" and np.isinf(y).any():
            raise ValueError("Input y contains infinity: labels must be classes.")
        check_consistent_length(X, y)
        X_labelled, y_labelled = labelled_subset(X, y)
        if len(y_labelled) == 0:
            raise ValueError(
                "Input y contains NaN (or None) for every row: fine-tuning needs labelled "
                "rows (rows without a label only pre-train the embedder)."
            )
        check_classification_targets(y_labelled)
        labels = LabelEncoder().fit(y_labelled)
        codes = labels.transform(y_labelled).astype(np.int64)
        check_callbacks(self.callbacks or [])  # before pre-training, not after it
        rng = check_random_state(self.random_state)
        embedder = (self._continued_embedder(X, labels, rng) if warm
                    else self._fitted_embedder(X, y, rng))
        data = embedder.preprocess(X_labelled)  # the embedder's own validation of X
        procedure = FitProcedure(self, seed_from_random_state(rng))
        generator, device = procedure.generator, procedure.device

        network = embedder.make_network().to(device)
        n_classes = len(labels.classes_)
        head = build_module(
            lambda: ProjectionHead(network.out_features, n_classes, hidden_size=self.hidden_size),
            generator, device,
        )
        module = EncoderClassifier(network, head)

        # A stratified validation split when every class can afford a validation row.
        counts = np.bincount(codes, minlength=n_classes)
        n_valid = int(np.ceil(self.validation_fraction * len(codes)))
        validating = n_valid >= n_classes and counts.min() >= 2
        train_idx, valid_idx = stratified_split(len(codes), n_valid if validating else 0,
                                                generator, codes)
        x = torch.from_numpy(data).to(device)
        targets = torch.from_numpy(codes).to(device)
        train_x, train_y = x[train_idx.to(device)], targets[train_idx.to(device)]

        def batch_loss(idx, gen):
            idx = idx.to(device)
            return F.cross_entropy(module(train_x[idx], gen), train_y[idx])

        validate = None
        if validating:
            valid_x, valid_y = x[valid_idx.to(device)], targets[valid_idx.to(device)]

            def validate():
                logits = torch.cat([module(valid_x[lo : lo + _BATCH])
                                    for lo in range(0, len(valid_x), _BATCH)])
                return {
                    "valid_loss": float(F.cross_entropy(logits, valid_y)),
                    "valid_acc": float((logits.argmax(dim=1) == valid_y).double().mean()),
                }

        # Encoder outputs of a few rows before and after training, for the health check;
        # cross-entropy's chance value: uniform predictions over the classes.
        sample = x[torch.from_numpy(health_rows(len(x))).to(device)]
        task = TrainingTask(
            module, len(train_x), batch_loss, validate, max_epochs=self.max_epochs,
            min_batch_size=1, chance_loss=math.log(n_classes) if n_classes > 1 else None,
            stopping=StoppingRule(self.n_iter_no_change, key=_error_then_loss)
            if validating else None,
        )
        self.classes_ = labels.classes_
        self.embedder_ = embedder
        self.n_features_in_ = embedder.n_features_in_
        if hasattr(embedder, "feature_names_in_"):
            self.feature_names_in_ = embedder.feature_names_in_
        procedure.train(
            task, outputs=lambda: self._network_outputs(network, sample),
            previous=self.training_state_ if warm else None,
            history=self.history_ if warm else None, X=X_labelled, y=codes,
            fix=(f"Lower learning_rate (now {self.learning_rate:g}; 1e-3 is the usual "
                 "value) or clip the gradients with "
                 "callbacks=[skorch.callbacks.GradientNormClipping(1.0)]."))
        # Inference in float64: float32 matrix products give results that depend on a
        # row's position in the batch at the 1e-7 level, and predictions must not depend
        # on the order or the company of the rows.
        self.module_ = module.to("cpu", torch.float64).eval()

    @staticmethod
    def _network_outputs(network, rows) -> np.ndarray:
        training = network.training
        out = run_network(network, rows, rows=_BATCH, device=rows.device, dtype=torch.float64)
        network.train(training)
        return out

    def _module_for_loading(self, name):
        if name != "module_":
            return super()._module_for_loading(name)
        network = self.embedder_.make_network()
        with torch.device("meta"):
            head = ProjectionHead(network.out_features, len(self.classes_),
                                  hidden_size=self.hidden_size)
        return EncoderClassifier(network, head.to_empty(device="cpu"))

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits).

        Parameters
        ----------
        X : array-like
            Data in the layout seen in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "module_")
        data = torch.from_numpy(self.embedder_.preprocess(X).astype(np.float64))
        logits = run_network(self.module_, data, rows=_BATCH, device=torch.device("cpu"),
                             dtype=torch.float64, n_threads=self.n_threads)
        return torch.softmax(torch.from_numpy(logits), dim=1).numpy()

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like
            Data in the layout seen in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "module_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        # Rows without a label pre-train the embedder (see uses_unlabelled_rows).
        tags = with_partial_labels(super().__sklearn_tags__())
        inner = self._base_embedder().__sklearn_tags__()
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.three_d_array = inner.input_tags.three_d_array
        tags.non_deterministic = False
        return tags
