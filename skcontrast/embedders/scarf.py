"""SCARF: self-supervised contrastive learning with random feature corruption (tabular)."""

from __future__ import annotations

import copy
import math
import warnings
from numbers import Real

import torch
from torch import nn

from .._compat import Interval, StrOptions
from ..augmentations.corruption import MarginalCorruption, n_corrupted_features
from ..base import (
    BaseContrastiveEmbedder,
    EarlyStoppingMixin,
    TabularInputMixin,
    TrainingTask,
    build_module,
    mean_over_chunks,
    random_split,
    take_rows,
)
from ..distributed import check_global_batch, encode_global_batch, world
from ..encoders.mlp import ProjectionHead
from ..losses import LOSSES, make_loss
from ..losses.info_nce import info_nce_loss

__all__ = ["SCARFEmbedder"]


class SCARFEmbedder(TabularInputMixin, EarlyStoppingMixin, BaseContrastiveEmbedder):
    """Tabular embedder pre-trained with SCARF (Bahri et al., ICLR 2022).

    SCARF learns an encoder ``f`` by contrasting each clean training row (the anchor)
    with a corrupted copy of itself (the positive) against the corrupted copies of the
    other rows in the batch. A corrupted copy replaces exactly ``floor(c * M)`` of the
    row's ``M`` features, chosen uniformly per row, by fresh draws from each feature's
    empirical marginal over the training set. ``f`` is a 4-layer ReLU MLP of width 256,
    followed during pre-training by a 2-layer head ``g`` whose ℓ2-normalised output
    enters InfoNCE with temperature 1. The head is then discarded.

    **The representation** :meth:`transform` returns is ``[x, f(x)]``: the preprocessed
    row (standardised numbers, one-hot categories) followed by a 32-wide ``f(x)``. The
    paper returns a 256-wide ``f(x)`` alone (``include_input=False, n_components=256``);
    with few or noisy labels a linear probe on it lost to the same probe on the raw
    features, while the default here ties or beats it on most of the dev tables, and
    the paper's setting stays one parameter away (``benchmarks/tabular_ablation.py``,
    user guide "When does pre-training help?").

    **Categorical columns** of a DataFrame are one-hot encoded inside, and corrupted
    whole: a corrupted categorical cell takes a category drawn from that column's
    empirical marginal, as the paper corrupts before encoding.

    Training uses Adam (learning rate 1e-3) and, as in the paper, early stopping on
    the loss (InfoNCE) of a held-out ``validation_fraction`` of the rows, corrupted once
    so the validation set is fixed; the best weights are kept.

    **Large tables** (a numeric array or memory map whose float32 copy would pass
    256 MiB) are streamed on the CPU: each batch and each marginal draw is read from
    ``X`` when it is needed and only the validation rows are held, so a memory map is
    never copied whole. The fit is identical to one on a copy.

    Parameters
    ----------
    n_components : int, default=32
        Width of ``f(x)``, the encoder's output layer (the paper: 256).
    corruption_rate : float, default=0.6
        Fraction ``c`` of features corrupted per row, in (0, 1); the paper found
        0.5–0.8 stable.
    temperature : float, default=1.0
        Temperature of the loss (for the losses that have one).
    loss : str or torch.nn.Module, default="info_nce"
        The contrastive objective on (clean, corrupted) pairs: SCARF's one-directional
        InfoNCE (``"info_nce"``), another name of :data:`skcontrast.losses.LOSSES`
        (``"nt_xent"``, ``"debiased"``, ``"hard_negative"``, ``"contrastive"``,
        ``"triplet"``, ``"npair"``, ``"soft_nearest_neighbour"``), built with this
        ``temperature``, or a loss Module with ``forward(anchors, positives,
        labels=None)`` (its own hyper-parameters). The user guide's "Choosing the loss"
        says which combinations make sense. Early stopping monitors the same loss.
    hidden_size : int, default=256
        Width of the encoder's hidden layers and of the projection head.
    n_layers : int, default=4
        Number of encoder layers.
    batch_size : int, default=128
        Rows per batch (>= 2); the other rows of a batch are the negatives. Clipped to
        the number of training rows.
    max_epochs : int, default=1000
        Upper bound on epochs; early stopping usually ends training much sooner.
    learning_rate : float, default=1e-3
        Adam learning rate.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows and stop when their loss (the
        chosen ``loss``, InfoNCE by default) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs. Needs at least 2 validation and 2 training rows.
        Without it, training runs ``max_epochs``.
    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping (rounded up).
    n_iter_no_change : int, default=3
        Patience of early stopping, in epochs (3 in the paper).
    tol : float, default=0.0
        Minimum decrease of the validation loss that counts as an improvement.
    standardize : bool, default=True
        Z-score every feature with the training mean and standard deviation before the
        encoder, as the paper does (constant features are only centred). Disable when
        the pipeline already scales the features.
    include_input : bool, default=True
        Return ``[x, f(x)]`` (the preprocessed input, then ``f(x)``) instead of ``f(x)``
        alone (the paper), so that ``transform`` has ``n_encoded + n_components``
        columns.
    inference_batch_size : int, default=4096
        Rows per batch in :meth:`transform`.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available. Resolved in :meth:`fit`.
    n_threads : int or None, default=1
        Torch intra-op threads while fitting and embedding, then restored. 1 never
        collapses beside other busy processes; ``-1``: every CPU of the process;
        ``None``: torch's setting (user guide, "Threads").
    callbacks : list, default=None
        Objects with ``on_train_begin``/``on_epoch_end``/``on_train_end`` hooks, or
        callables ``f(estimator, history) -> stop`` (see :mod:`skcontrast.callbacks`).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the validation split, shuffling and corruption.
        The same integer gives bit-identical embeddings on the CPU
        with the same number of torch threads.
    verbose : int, default=0
        0: silent. 1: a progress bar (steps done / total, loss, time left). 2: one
        log line per epoch to the ``skcontrast`` logger.

    warm_start : bool, default=False
        When fitted, :meth:`fit` continues training the fitted encoder (with its heads
        and optimiser state) for another ``max_epochs`` on data of the same layout,
        keeping the fitted preprocessing; the history goes on. ``False``: every fit starts
        afresh (scikit-learn's ``warm_start`` convention).

    Attributes
    ----------
    encoder_ : torch.nn.Module
        The trained encoder ``f``.
    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation statistics (zeros and ones when ``standardize=False``, and for
        categorical columns).
    categorical_features_ : ndarray of bool, shape (n_features,)
        Which input columns are categorical (DataFrame input).
    categories_ : list of ndarray or None
        The categories of each categorical column (``None`` for numeric ones).
    n_corrupted_features_ : int
        ``floor(corruption_rate * n_features_in_)``.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Names of features seen in :meth:`fit` (DataFrame input only).
    history_, loss_curve_, validation_loss_curve_, n_iter_, n_steps_, best_epoch_, device_
        Training record; see :class:`~skcontrast.base.BaseContrastiveEmbedder`.

    See Also
    --------
    skcontrast.FineTunedClassifier : Fine-tune the encoder with labels, as the paper does.

    References
    ----------
    Bahri, D., Jiang, H., Tay, Y., Metzler, D. "SCARF: Self-Supervised Contrastive
    Learning using Random Feature Corruption". ICLR 2022.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcontrast import SCARFEmbedder
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> emb = SCARFEmbedder(n_components=16, max_epochs=5, random_state=0).fit(X)
    >>> emb.transform(X[:3]).shape  # the 30 standardised features, then f(x)
    (3, 46)
    >>> paper = SCARFEmbedder(n_components=256, include_input=False, max_epochs=5)
    >>> paper.fit(X).transform(X[:3]).shape
    (3, 256)
    """

    _parameter_constraints: dict = {
        **BaseContrastiveEmbedder._parameter_constraints,
        **TabularInputMixin._parameter_constraints,
        **EarlyStoppingMixin._parameter_constraints,
        "corruption_rate": [Interval(Real, 0, 1, closed="neither")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions(set(LOSSES)), nn.Module],
        "early_stopping": ["boolean"],
    }

    def __init__(
        self,
        n_components=32,
        *,
        corruption_rate=0.6,
        temperature=1.0,
        loss="info_nce",
        hidden_size=256,
        n_layers=4,
        batch_size=128,
        max_epochs=1000,
        learning_rate=1e-3,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=3,
        tol=0.0,
        standardize=True,
        include_input=True,
        inference_batch_size=4096,
        device="auto",
        n_threads=1,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.n_components = n_components
        self.corruption_rate = corruption_rate
        self.temperature = temperature
        self.loss = loss
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.standardize = standardize
        self.include_input = include_input
        self.inference_batch_size = inference_batch_size
        self.device = device
        self.n_threads = n_threads
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------ hooks
    def _check_params(self, X, y):
        self._check_validation_size(X.shape[0])
        check_global_batch(self.batch_size)  # data parallel inside a process group
        if n_corrupted_features(X.shape[1], self.corruption_rate) == 0:
            warnings.warn(
                f"corruption_rate={self.corruption_rate} corrupts floor({self.corruption_rate} * "
                f"{X.shape[1]}) = 0 features per row: the two views are identical and the "
                "encoder learns little. Raise corruption_rate or add features.",
                UserWarning,
                stacklevel=6,  # the caller of fit
            )

    def _positive_views(self, data, generator):
        # SCARF's pair: a row and its corruption, from the marginals of the rows given.
        corrupt = MarginalCorruption(data, self.corruption_rate, self._feature_groups())
        return data, corrupt(data, generator=generator)

    def _make_task(self, X, y, generator, device):
        self.n_corrupted_features_ = n_corrupted_features(X.shape[1], self.corruption_rate)
        groups = self._feature_groups()  # one-hot blocks are corrupted whole
        n_valid = self._n_validation(X.shape[0])
        train_idx, valid_idx = random_split(X.shape[0], n_valid, generator)
        n_train = len(train_idx)
        # Large numeric tables are streamed (identical values), see _split_rows.
        train_rows, valid_rows = self._split_rows(X, train_idx, valid_idx, device)
        encoder = build_module(self._build_encoder, generator, device)
        head = build_module(
            lambda: ProjectionHead(self.n_components, self.hidden_size,
                                   hidden_size=self.hidden_size),
            generator, device,
        )
        # The marginals are those of the training rows, never of a batch.
        corrupt = MarginalCorruption(train_rows, self.corruption_rate, groups)

        # A copy: the user's Module (a parameter) is never moved or modified.
        criterion = (None if self.loss == "info_nce" else
                     make_loss(copy.deepcopy(self.loss), temperature=self.temperature).to(device))

        def contrast(clean: torch.Tensor, corrupted: torch.Tensor,
                     shard: bool = False) -> torch.Tensor:
            anchors, positives = encode_global_batch(lambda x: head(encoder(x)), clean,
                                                     corrupted, shard=shard)
            if criterion is None:  # the paper's loss, called directly
                return info_nce_loss(anchors, positives, temperature=self.temperature)
            return criterion(anchors, positives)

        def batch_loss(idx, gen):
            clean = take_rows(train_rows, idx)
            return contrast(clean, corrupt(clean, generator=gen), shard=True)

        validate = None
        if n_valid:
            # Corrupted once from the CPU generator so the validation set is fixed.
            valid_corrupted = MarginalCorruption(train_rows.cpu(), self.corruption_rate, groups)(
                valid_rows.cpu(), generator=generator
            ).to(device)

            def validate():
                loss = mean_over_chunks(
                    lambda lo, hi: contrast(valid_rows[lo:hi], valid_corrupted[lo:hi]),
                    n_valid, self.batch_size, min_rows=2,
                )
                return {"valid_loss": loss}

        # InfoNCE's chance value: each anchor has batch_size candidates.
        chance = math.log(min(self.batch_size, n_train)) if self.loss == "info_nce" else None
        return TrainingTask(nn.ModuleDict({"encoder": encoder, "head": head}),
                            n_train, batch_loss, validate, result=encoder,
                            world_size=world()[1], chance_loss=chance,
                            max_epochs=self.max_epochs, stopping=self._stopping_rule())
