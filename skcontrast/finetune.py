"""Supervised fine-tuning of a contrastively pre-trained encoder (SCARF's protocol)."""

from __future__ import annotations

import copy
import logging
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback
from torch import nn

from ._compat import HasMethods, Interval, _fit_context, validate_data
from ._torch_utils import (
    build_module,
    make_generator,
    reset_parameters,
    resolve_device,
    seed_from_random_state,
)

__all__ = ["EncoderClassifier", "FineTunedClassifier", "ValidationErrorStopping"]

logger = logging.getLogger("skcontrast")


class ValidationErrorStopping(Callback):
    """skorch callback: early stopping on validation error, ties broken by validation loss.

    SCARF fine-tunes "with early stopping on validation error". On small validation sets
    the error plateaus after a few epochs; breaking ties with the validation loss keeps
    training while the model still becomes more confident on held-out rows, instead of
    freezing the first epoch that reached the plateau. The best epoch's weights are
    restored at the end of training.

    Parameters
    ----------
    patience : int
        Epochs without improvement of ``(error, loss)`` before stopping.
    """

    def __init__(self, patience: int = 10):
        self.patience = patience

    def initialize(self):
        self.best_key_, self.best_epoch_, self.best_state_, self.stale_ = None, None, None, 0
        return self

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        key = (1.0 - record["valid_acc"], record["valid_loss"])
        if self.best_key_ is None or key < self.best_key_:
            self.best_key_, self.best_epoch_, self.stale_ = key, record["epoch"], 0
            self.best_state_ = copy.deepcopy(net.module_.state_dict())
        else:
            self.stale_ += 1
            if self.stale_ >= self.patience:
                raise KeyboardInterrupt  # skorch's documented way to end training early

    def on_train_end(self, net, **kwargs):
        if self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
        # The copy is only needed during training; do not carry it in pickles.
        self.best_state_ = None


class EncoderClassifier(nn.Module):
    """An encoder followed by a ReLU MLP head that outputs class logits.

    Parameters
    ----------
    encoder : nn.Module
        Maps a batch to ``(batch, embedding_dim)``.
    embedding_dim : int
        Output width of ``encoder``.
    n_classes : int
        Number of logits.
    hidden_size : int, default=256
        Width of the head's hidden layer.
    n_layers : int, default=2
        Number of ``Linear`` layers of the head (SCARF uses 2).

    Examples
    --------
    >>> import torch
    >>> net = EncoderClassifier(torch.nn.Linear(4, 8), 8, 3)
    >>> net(torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    """

    def __init__(self, encoder: nn.Module, embedding_dim: int, n_classes: int, *,
                 hidden_size: int = 256, n_layers: int = 2):
        super().__init__()
        from .encoders.mlp import ProjectionHead

        self.encoder = encoder
        self.head = ProjectionHead(embedding_dim, n_classes, n_layers=n_layers,
                                   hidden_size=hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


class FineTunedClassifier(ClassifierMixin, BaseEstimator):
    """Classifier made of a contrastive embedder's encoder plus a head, fine-tuned with labels.

    This is how the SCARF paper evaluates pre-training: the pre-trained encoder ``f``
    and a fresh 2-layer head are trained end to end with cross-entropy, with early
    stopping on the validation accuracy. ``pretrained=False`` trains the same network
    from a random initialisation: the baseline pre-training must beat.

    Training runs through skorch's :class:`~skorch.NeuralNetClassifier` (its
    ``EarlyStopping`` callback and validation split), seeded from ``random_state``
    through explicit generators.

    Parameters
    ----------
    embedder : estimator, default=None
        A contrastive embedder exposing an encoder, e.g.
        :class:`~skcontrast.SCARFEmbedder`. ``None`` means ``SCARFEmbedder()``.
        Unless ``prefit=True`` it is cloned and pre-trained on the ``X`` given to
        :meth:`fit` (labels unused), so the whole procedure cross-validates honestly.
    prefit : bool, default=False
        Use ``embedder`` as already fitted (e.g. on a large unlabelled set) instead of
        cloning and fitting it. Its encoder is copied, never modified.
    pretrained : bool, default=True
        Start from the pre-trained encoder weights. ``False`` re-initialises the same
        architecture randomly (no pre-training is run).
    hidden_size : int, default=256
        Width of the classification head's hidden layer.
    max_epochs : int, default=200
        Maximum fine-tuning epochs.
    batch_size : int, default=128
        Fine-tuning batch size.
    learning_rate : float, default=1e-3
        Adam learning rate.
    validation_fraction : float, default=0.1
        Stratified fraction of rows held out to monitor validation accuracy.
    n_iter_no_change : int, default=10
        Early-stopping patience in epochs. The best epoch has the lowest validation
        error, ties broken by the lowest validation loss; its weights are kept.
    device : str, default="auto"
        Torch device for fine-tuning.
    random_state : int, RandomState instance or None, default=None
        Seeds pre-training (when the embedder's own ``random_state`` is None),
        initialisation, the validation split and shuffling.
    verbose : int, default=0
        skorch's per-epoch table when > 0.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    embedder_ : estimator
        The fitted embedder whose preprocessing and encoder architecture are used.
    net_ : skorch.NeuralNetClassifier
        The fine-tuned network (encoder + head).
    n_features_in_ : int
        Number of features seen in :meth:`fit`.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcontrast import SCARFEmbedder, FineTunedClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = FineTunedClassifier(SCARFEmbedder(max_epochs=3), max_epochs=5, random_state=0)
    >>> clf.fit(X, y).predict(X[:4]).shape
    (4,)
    """

    _parameter_constraints: dict = {
        "embedder": [HasMethods(["fit", "transform"]), None],
        "prefit": ["boolean"],
        "pretrained": ["boolean"],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, embedder=None, *, prefit=False, pretrained=True, hidden_size=256,
                 max_epochs=200, batch_size=128, learning_rate=1e-3, validation_fraction=0.1,
                 n_iter_no_change=10, device="auto", random_state=None, verbose=0):
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
        self.random_state = random_state
        self.verbose = verbose

    def _fitted_embedder(self, X, rng):
        if self.embedder is None:
            from .embedders import SCARFEmbedder

            embedder = SCARFEmbedder()
        else:
            embedder = self.embedder
        if self.prefit:
            check_is_fitted(embedder, "encoder_")
            if embedder.n_features_in_ != X.shape[1]:
                raise ValueError(
                    f"X has {X.shape[1]} features but the prefit embedder was fitted on "
                    f"{embedder.n_features_in_}."
                )
            return embedder
        embedder = clone(embedder)
        if "random_state" in embedder.get_params() and embedder.random_state is None:
            embedder.set_params(random_state=int(rng.randint(0, 2**31 - 1)))
        if self.pretrained:
            return embedder.fit(X)
        # From scratch: only the preprocessing statistics, no contrastive training.
        validate_data(embedder, X, reset=True, dtype=[np.float64, np.float32])
        embedder._fit_preprocessing(X)
        return embedder

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Pre-train (unless ``prefit``) and fine-tune on labelled data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : FineTunedClassifier
        """
        from skorch import NeuralNetClassifier
        from skorch.dataset import ValidSplit

        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], ensure_min_samples=2)
        check_classification_targets(y)
        encoder_labels = LabelEncoder().fit(y)
        self.classes_ = encoder_labels.classes_
        y_idx = encoder_labels.transform(y).astype(np.int64)
        rng = check_random_state(self.random_state)
        self.embedder_ = self._fitted_embedder(X, rng)
        seed = seed_from_random_state(rng)
        generator = make_generator(seed)
        device = resolve_device(self.device)

        if self.pretrained:
            encoder = copy.deepcopy(self.embedder_.encoder_).cpu()
        else:
            encoder = build_module(
                lambda: self.embedder_._build_encoder(X.shape[1]), generator, "cpu"
            )
        module = build_module(
            lambda: EncoderClassifier(nn.Identity(), self.embedder_._embedding_width(),
                                      len(self.classes_), hidden_size=self.hidden_size),
            generator, "cpu",
        )
        module.encoder = encoder  # keep the (pre-trained) encoder weights, fresh head
        reset_parameters(module.head, generator)

        # Stratified validation split when every class can afford a validation row.
        counts = np.bincount(y_idx)
        n_valid = int(np.ceil(self.validation_fraction * len(y_idx)))
        can_validate = n_valid >= len(counts) and counts.min() >= 2
        callbacks = []
        train_split = None
        if can_validate:
            train_split = ValidSplit(self.validation_fraction, stratified=True,
                                     random_state=int(rng.randint(0, 2**31 - 1)))
            callbacks.append(ValidationErrorStopping(self.n_iter_no_change))
        self.net_ = NeuralNetClassifier(
            module,
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=self.learning_rate,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=callbacks,
            iterator_train__shuffle=True,
            iterator_train__generator=make_generator(seed + 1),
            classes=np.arange(len(self.classes_)),
            device=str(device),
            verbose=self.verbose,
        )
        self.net_.fit(self.embedder_._preprocess(X), y_idx)
        return self

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        # Inference in float64 on a copy of the network: float32 GEMMs give results that
        # depend on a row's position in the batch at the 1e-7 level, and predictions must
        # not depend on the order or the company of the rows.
        module = copy.deepcopy(self.net_.module_).to("cpu", torch.float64).eval()
        data = self.embedder_._preprocess(X).astype(np.float64)
        with torch.no_grad():
            logits = torch.cat([module(torch.from_numpy(data[lo : lo + 4096]))
                                for lo in range(0, len(data), 4096)])
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "net_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
