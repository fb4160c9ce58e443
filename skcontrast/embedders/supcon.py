"""SupCon: supervised contrastive learning of tabular rows and time series."""

from __future__ import annotations

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d
from torch import nn

from .._compat import Interval, StrOptions
from ..augmentations.corruption import MarginalCorruption, n_corrupted_features
from ..augmentations.tabular_noise import gaussian_noise
from ..augmentations.timeseries import TimeSeriesAugmenter
from ..base import (
    BaseContrastiveEmbedder,
    EarlyStoppingMixin,
    TabularOrSeriesInputMixin,
    TrainingTask,
    balanced_draw,
    build_module,
    mean_over_chunks,
    stratified_split,
    take_rows,
    with_partial_labels,
)
from ..distributed import check_global_batch, encode_global_batch, world
from ..encoders.mlp import ProjectionHead
from ..encoders.pooling import PooledSeriesEncoder
from ..losses import LOSSES, make_loss
from ..losses.supcon import supcon_loss

__all__ = ["SupConEmbedder"]



class SupConEmbedder(TabularOrSeriesInputMixin, EarlyStoppingMixin, BaseContrastiveEmbedder):
    """Embedder trained with supervised contrastive learning (Khosla et al., NeurIPS 2020).

    Every training sample gives two random views. In a batch, each view is pulled
    towards all other views of its class (its own second view included) and pushed
    away from the views of other classes, through the ``L_out`` SupCon loss on the
    ℓ2-normalised output of a projection head, with temperature ``temperature``.
    The head is discarded after training; :meth:`transform` returns the encoder's
    output. :meth:`fit` needs the class labels ``y``.

    **Unlabelled samples** (``NaN`` or ``None`` in ``y``; ``unlabelled="instance"``) are
    each their own class: their only positive is their other view, so the loss is
    SupCon on the labelled samples and SimCLR's NT-Xent on the others, in one objective
    (the SupCon paper's reading of the unsupervised case). This is the semi-supervised
    protocol of :class:`~skcontrast.probes.ProbeClassifier` and
    :func:`~skcontrast.utils.fit_embedder`: every row is used, labels where known.

    **Input.** ``input_type="auto"`` reads 3-D input ``(n_samples, n_channels,
    n_timesteps)`` as time series and 2-D input as tabular rows. Univariate series
    given as a 2-D ``(n_samples, n_timesteps)`` array need
    ``input_type="time_series"``.

    - *Tabular* rows are z-scored with the training statistics (``standardize``) and
      encoded by a ReLU MLP (``n_layers`` layers, as SCARF's encoder). A view
      replaces ``floor(corruption_rate * n_features)`` features of the row by draws
      from their empirical marginals over the training rows (SCARF's corruption),
      then adds Gaussian noise of standard deviation ``noise_std`` (in units of the
      standardised features); either step is skipped when its parameter is 0.
    - *Time series* (NaN = missing) are encoded per timestamp by TS2Vec's dilated
      convolutional encoder, whose output is max-pooled over the observed timestamps.
      A view is a random crop stretched back to full length, then amplitude scaling,
      jitter and random timestamp masking (:class:`~skcontrast.augmentations.
      TimeSeriesAugmenter`).

    **Training.** Adam with learning rate ``learning_rate``. For tabular input
    (``early_stopping="auto"``) a stratified ``validation_fraction`` of the rows is
    held out, its two views drawn once, and training stops when their SupCon loss has
    not improved for ``n_iter_no_change`` epochs (the best weights are kept), as in
    SCARF. For time series training runs a fixed number of epochs (50 by default) on
    all series: the labelled series of a typical UCR problem are too few to hold some
    out, and the validation loss of a handful of series is too noisy to stop on. A
    large numeric table (a float32 copy past 256 MiB) is streamed on the CPU, as by
    :class:`~skcontrast.SCARFEmbedder`: batches and marginal draws are read from ``X``
    when needed, with a fit identical to one on a copy.

    **Anchors without positives** cannot occur: every anchor's own second view is a
    positive (the loss itself ignores such anchors, see
    :func:`~skcontrast.losses.supcon_loss`).

    Parameters
    ----------
    n_components : int, default=320
        Width of the representation (the encoder's output), TS2Vec's width.
    input_type : {"auto", "tabular", "time_series"}, default="auto"
        How to read ``X``, see above.
    temperature : float, default=0.1
        SupCon temperature ``τ`` (0.1 in the paper); passed to a loss given by name.
    loss : str or torch.nn.Module, default="supcon"
        The objective on the two views and their labels: SupCon's ``L_out``
        (``"supcon"``), another name of :data:`skcontrast.losses.LOSSES` (the
        label-aware ones: ``"soft_nearest_neighbour"``, ``"triplet"``,
        ``"contrastive"``; with the pair losses ``"nt_xent"``, ``"debiased"``,
        ``"hard_negative"``, ``"npair"``, same-class rows stop being negatives), or a
        loss Module with ``forward(anchors, positives, labels=None)``. See the user
        guide's "Choosing the loss".
    projection_size : int, default=128
        Output width of the projection head (discarded after training).
    hidden_size : int or None, default=None
        Width of the hidden layers of the encoder and of the projection head. ``None``
        means 256 for tabular input (SCARF's MLP) and 64 for time series (TS2Vec's
        encoder).
    n_layers : int, default=4
        Number of layers of the tabular MLP encoder.
    depth : int, default=10
        Number of hidden residual blocks of the time-series encoder (dilations 1, 2,
        ..., ``2**depth``), TS2Vec's 10. On ECG200 (96 timestamps, 5 seeds, defaults
        otherwise) it gave 0.910 ± 0.022 against 0.886 ± 0.022 with depth 3, at the
        same cost (the 320-wide last block dominates it). ExpCLR prefers 3.
    corruption_rate : float, default=0.3
        Tabular views: fraction of features replaced by marginal draws, in [0, 1).
        Lower than SCARF's 0.6, since the second view is corrupted too (on
        breast_cancer, 3 splits, 0, 0.3 and 0.6 differed by less than split noise).
    noise_std : float, default=0.1
        Tabular views: standard deviation of the Gaussian noise added to every
        standardised feature (>= 0).
    jitter_sigma : float, default=0.03
        Time-series views: standard deviation of the additive noise.
    scaling_sigma : float, default=0.1
        Time-series views: standard deviation of the per-channel amplitude factor.
    crop_min_fraction : float, default=0.8
        Time-series views: shortest crop as a fraction of the series length, in
        (0, 1]; 1 disables cropping.
    mask_p : float, default=0.1
        Time-series views: probability that a timestamp is masked (made missing).
    balanced_batches : bool, default=False
        Draw every batch with all classes equally represented (round-robin over the
        classes in a random order, rows of each class drawn with replacement), so
        rare classes take part in every batch. An epoch still has
        ``n_samples / batch_size`` batches. Needs every label.
    unlabelled : {"instance", "drop"}, default="instance"
        What a missing label (``NaN``/``None``) means. ``"instance"``: the sample is its
        own class (semi-supervised, see above); :func:`~skcontrast.utils.fit_embedder`
        then fits on every row. ``"drop"``: every label is required (missing ones are
        an error), and :func:`~skcontrast.utils.fit_embedder` fits on the labelled rows
        only.
    batch_size : int, default=64
        Samples per batch (two views each). Clipped to the number of training samples.
    max_epochs : int or None, default=None
        Number of epochs (an upper bound with early stopping). ``None``: 50 for time
        series, a compromise on cost (on ECG200 with depth 3, 40 to 100 epochs gave
        0.897 to 0.920 over 3 seeds, with no clear trend), 1000 for tabular input,
        where early stopping ends training sooner.
    learning_rate : float, default=1e-3
        Adam learning rate.
    early_stopping : bool or "auto", default="auto"
        Stop on the validation SupCon loss (see above). ``"auto"``: on for tabular
        input, off for time series.
    validation_fraction : float, default=0.1
        Fraction of samples held out (stratified, rounded up) for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=0.0
        Minimum decrease of the validation loss that counts as an improvement.
    standardize : bool, default=True
        Z-score tabular features with the training mean and standard deviation.
        Ignored for time series.
    include_input : bool, default=False
        Tabular input: return ``[x, f(x)]``, the preprocessed row followed by the
        encoder's output, so that a linear probe never loses the raw features (what
        :class:`~skcontrast.SCARFEmbedder` does by default). Ignored for time series.
    inference_batch_size : int, default=256
        Most samples per batch in :meth:`transform`. On the CPU, long series go fewer
        at a time, about 8,192 timestamps per batch (faster: the activations stay in
        cache).
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available.
    n_threads : int or None, default=1
        Torch intra-op threads while fitting and embedding, then restored. 1 never
        collapses beside other busy processes; ``-1``: every CPU of the process;
        ``None``: torch's setting (user guide, "Threads").
    callbacks : list, default=None
        Training callbacks (see :mod:`skcontrast.callbacks`).
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, the validation split, batches, views and dropout. The
        same integer gives bit-identical embeddings on the CPU
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
        The trained encoder (without the projection head).
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in :meth:`fit` (the known ones).
    n_labelled_ : int
        Number of training samples with a known label.
    input_type_ : {"tabular", "time_series"}
        How the training data was read.
    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation statistics (tabular input only).
    n_features_in_ : int
        Number of features (tabular) or channels (time series) seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Names of features seen in :meth:`fit` (DataFrame input only).
    history_, loss_curve_, validation_loss_curve_, n_iter_, n_steps_, best_epoch_, device_
        Training record; see :class:`~skcontrast.base.BaseContrastiveEmbedder`.

    See Also
    --------
    skcontrast.SCARFEmbedder : Self-supervised tabular embedder (no labels).
    skcontrast.TS2VecEmbedder : Self-supervised time-series embedder (no labels).

    References
    ----------
    Khosla, P., Teterwak, P., Wang, C., Sarna, A., Tian, Y., Isola, P., Maschinot, A.,
    Liu, C., Krishnan, D. "Supervised Contrastive Learning". NeurIPS 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast import SupConEmbedder
    >>> X, y = load_iris(return_X_y=True)
    >>> emb = SupConEmbedder(n_components=8, hidden_size=16, projection_size=8,
    ...                      max_epochs=3, random_state=0).fit(X, y)
    >>> emb.transform(X[:2]).shape
    (2, 8)

    Univariate series as a 2-D array:

    >>> import numpy as np
    >>> t = np.linspace(0, 1, 40)
    >>> X = np.array([np.sin(2 * np.pi * f * t) for f in (1, 1.2, 3, 3.3, 1.1, 3.1)])
    >>> emb = SupConEmbedder(n_components=8, input_type="time_series", hidden_size=8,
    ...                      depth=1, projection_size=8, max_epochs=2,
    ...                      random_state=0).fit(X, [0, 0, 1, 1, 0, 1])
    >>> emb.transform(X).shape
    (6, 8)
    """

    _parameter_constraints: dict = {
        **BaseContrastiveEmbedder._parameter_constraints,
        **TabularOrSeriesInputMixin._parameter_constraints,
        **EarlyStoppingMixin._parameter_constraints,
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions(set(LOSSES)), nn.Module],
        "projection_size": [Interval(Integral, 1, None, closed="left")],
        "corruption_rate": [Interval(Real, 0, 1, closed="left")],
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "jitter_sigma": [Interval(Real, 0, None, closed="left")],
        "scaling_sigma": [Interval(Real, 0, None, closed="left")],
        "crop_min_fraction": [Interval(Real, 0, 1, closed="right")],
        "mask_p": [Interval(Real, 0, 1, closed="left")],
        "balanced_batches": ["boolean"],
        "unlabelled": [StrOptions({"instance", "drop"})],
    }

    def __init__(
        self,
        n_components=320,
        *,
        input_type="auto",
        temperature=0.1,
        loss="supcon",
        projection_size=128,
        hidden_size=None,
        n_layers=4,
        depth=10,
        corruption_rate=0.3,
        noise_std=0.1,
        jitter_sigma=0.03,
        scaling_sigma=0.1,
        crop_min_fraction=0.8,
        mask_p=0.1,
        balanced_batches=False,
        unlabelled="instance",
        batch_size=64,
        max_epochs=None,
        learning_rate=1e-3,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=0.0,
        standardize=True,
        include_input=False,
        inference_batch_size=256,
        device="auto",
        n_threads=1,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.n_components = n_components
        self.input_type = input_type
        self.temperature = temperature
        self.loss = loss
        self.projection_size = projection_size
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.depth = depth
        self.corruption_rate = corruption_rate
        self.noise_std = noise_std
        self.jitter_sigma = jitter_sigma
        self.scaling_sigma = scaling_sigma
        self.crop_min_fraction = crop_min_fraction
        self.mask_p = mask_p
        self.balanced_batches = balanced_batches
        self.unlabelled = unlabelled
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
    def _validate_y(self, X, y):
        name = type(self).__name__
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None: supervised "
                "contrastive learning needs class labels (NaN or None for unlabelled "
                "samples). Without any label use SCARFEmbedder (tabular) or TS2VecEmbedder "
                "(time series)."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        missing = np.asarray(pd.isna(y), dtype=bool) if y.dtype.kind in "fcO" else (
            np.zeros(y.shape[0], dtype=bool))
        if missing.any() and self.unlabelled == "drop":
            raise ValueError(
                f"y contains NaN or None (unlabelled samples), but {name}(unlabelled='drop') "
                "needs the label of every sample. Drop the unlabelled samples, or use "
                "unlabelled='instance' (each unlabelled sample is its own class)."
            )
        known = y[~missing]
        if known.dtype == object:
            known = np.asarray(known.tolist())  # None/NaN removed: the labels' own dtype
        check_classification_targets(known)
        classes = np.unique(known)
        if classes.size < 2:
            found = "no known label" if classes.size == 0 else f"a single class ({classes[0]!r})"
            raise ValueError(
                f"y has {found}; {name} contrasts classes and needs labels of at least 2. "
                "Pass labels of several classes, or use a self-supervised embedder "
                "(SCARFEmbedder, TS2VecEmbedder)."
            )
        if missing.any() and self.balanced_batches:
            raise ValueError(
                "balanced_batches=True draws batches class by class and cannot draw "
                "unlabelled samples; use balanced_batches=False with partly labelled y."
            )
        self.classes_ = classes
        self.n_labelled_ = int((~missing).sum())
        # An unlabelled sample is a class of its own: its only positive is its other view
        # (SupCon reduces to SimCLR's NT-Xent there).
        codes = np.empty(y.shape[0], dtype=np.int64)
        codes[~missing] = np.searchsorted(classes, known)
        codes[missing] = classes.size + np.arange(int(missing.sum()))
        return codes

    def _check_params(self, X, y):
        self._check_validation_size(X.shape[0])
        check_global_batch(self.batch_size)  # data parallel inside a process group
        if (self.input_type_ == "tabular" and self.noise_std == 0
                and n_corrupted_features(X.shape[1], self.corruption_rate) == 0):
            warnings.warn(
                f"noise_std=0 and corruption_rate={self.corruption_rate} corrupts "
                f"floor({self.corruption_rate} * {X.shape[1]}) = 0 features: the two views of "
                "a row are identical, so only the labels shape the embedding. Raise "
                "corruption_rate or noise_std.",
                UserWarning,
                stacklevel=6,  # the caller of fit
            )

    def _make_augmenter(self, reference: torch.Tensor):
        """Return ``view(x, generator)``: one random view of a batch."""
        if self.input_type_ == "time_series":
            return TimeSeriesAugmenter(
                jitter_sigma=self.jitter_sigma,
                scaling_sigma=self.scaling_sigma,
                crop_min_fraction=self.crop_min_fraction,
                mask_p=self.mask_p,
            )
        # The marginals are those of the training rows, never of a batch; one-hot blocks
        # of categorical features are corrupted whole, and get no Gaussian noise.
        groups = self._feature_groups()
        corrupt = (
            MarginalCorruption(reference, self.corruption_rate, groups)
            if n_corrupted_features(self.n_features_in_, self.corruption_rate) > 0
            else None
        )
        noise = self.noise_std
        if groups is not None:
            numeric = ~torch.as_tensor(self.categorical_features_[groups])
            noise = self.noise_std * numeric.to(reference.dtype)

        def view(x, generator):
            if corrupt is not None:
                x = corrupt(x, generator=generator)
            if self.noise_std > 0:
                x = gaussian_noise(x, noise, generator)
            return x

        return view

    def _positive_views(self, data, generator):
        view = self._make_augmenter(data)
        return view(data, generator), view(data, generator)

    def _make_task(self, X, codes, generator, device):
        labels = torch.from_numpy(codes.astype(np.int64))
        n_valid = self._n_validation(X.shape[0])
        # The unlabelled samples (codes past the classes) form one stratum.
        strata = np.minimum(codes, len(self.classes_))
        train_idx, valid_idx = stratified_split(X.shape[0], n_valid, generator, strata)
        # Large numeric tables are streamed (identical values), see _split_rows.
        train_x, valid_x = self._split_rows(X, train_idx, valid_idx, device)
        n_train = len(train_idx)
        train_y = labels[train_idx].to(device)

        encoder = build_module(self._build_encoder, generator, device)
        head = build_module(
            lambda: ProjectionHead(self.n_components, self.projection_size,
                                   hidden_size=self._hidden_size()),
            generator, device,
        )
        embed = PooledSeriesEncoder(encoder) if self.input_type_ == "time_series" else encoder
        view = self._make_augmenter(train_x)

        # A copy: the user's Module (a parameter) is never moved or modified.
        criterion = (None if self.loss == "supcon" else
                     make_loss(copy.deepcopy(self.loss), temperature=self.temperature).to(device))

        def contrast(v1, v2, y_batch, gen=None, shard=False):
            anchors, positives, y_batch = encode_global_batch(
                lambda x: head(embed(x, gen)), v1, v2, y_batch, shard=shard)
            z = torch.cat([anchors, positives])
            if criterion is None:  # the paper's loss, called directly
                return supcon_loss(z, torch.cat([y_batch, y_batch]),
                                   temperature=self.temperature)
            return criterion(anchors, positives, y_batch)

        members = None
        if self.balanced_batches:
            train_codes = labels[train_idx]
            members = [torch.nonzero(train_codes == k).ravel()
                       for k in range(len(self.classes_))]
            members = [m for m in members if m.numel()]

        def batch_loss(idx, gen):
            if members is not None:
                # The loop's shuffled indices only fix the batch size; rows are redrawn
                # class-balanced from the same generator.
                idx = balanced_draw(idx.numel(), members, gen)
            x = take_rows(train_x, idx)
            return contrast(view(x, gen), view(x, gen), train_y[idx.to(device)], gen,
                            shard=True)

        validate = None
        if n_valid:
            valid_x = valid_x.cpu()
            valid_y = labels[valid_idx].to(device)
            # Views drawn once from the CPU generator so the validation set is fixed.
            valid_view = self._make_augmenter(train_x.cpu())
            v1 = valid_view(valid_x, generator).to(device)
            v2 = valid_view(valid_x, generator).to(device)

            def validate():
                loss = mean_over_chunks(
                    lambda lo, hi: contrast(v1[lo:hi], v2[lo:hi], valid_y[lo:hi]),
                    n_valid, self.batch_size,
                )
                return {"valid_loss": loss}

        # SupCon's chance value: each of the 2B views has 2B - 1 candidates.
        chance = (math.log(2 * min(self.batch_size, n_train) - 1) if self.loss == "supcon"
                  else None)
        return TrainingTask(nn.ModuleDict({"encoder": encoder, "head": head}),
                            n_train, batch_loss, validate, result=encoder,
                            world_size=world()[1], chance_loss=chance,
                            max_epochs=self._max_epochs(), stopping=self._stopping_rule())

    def __sklearn_tags__(self):
        # y is required; with unlabelled="instance" it may mark rows without a label.
        tags = with_partial_labels(super().__sklearn_tags__(), self.unlabelled == "instance")
        tags.target_tags.required = True
        return tags
