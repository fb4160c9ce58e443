"""ExpCLR: contrastive learning guided by expert features (time series or tabular rows)."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
import torch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

from .._compat import Interval, StrOptions
from ..base import (
    BaseContrastiveEmbedder,
    EarlyStoppingMixin,
    TabularOrSeriesInputMixin,
    TrainingTask,
    build_module,
    mean_over_chunks,
    stratified_split,
    with_partial_labels,
)
from ..encoders.pooling import PooledSeriesEncoder
from ..expert_features import time_series_expert_features
from ..losses.expclr import combine_label_similarity, expclr_loss, expert_similarity

__all__ = ["ExpCLREmbedder"]


# An expert feature whose training spread is below this (relative to max(1, |mean|)) is
# round-off, not information: e.g. the mean (~1e-9) and standard deviation (1 +- 1e-9)
# of z-normalised series. Scaling it to unit variance would add a pure-noise dimension
# to every expert distance, so it is only centred.
_EXPERT_CONSTANT_TOL = 1e-6


def _missing_labels(y: np.ndarray) -> np.ndarray:
    """Boolean mask of missing labels: NaN (float ``y``) or None/NaN (object ``y``)."""
    if y.dtype.kind in "fcO":
        return np.asarray(pd.isna(y), dtype=bool)
    return np.zeros(y.shape[0], dtype=bool)


class ExpCLREmbedder(TabularOrSeriesInputMixin, EarlyStoppingMixin, BaseContrastiveEmbedder):
    """Embedder trained with ExpCLR: expert features guide the representation.

    ExpCLR (Nonnenmacher et al., ICML 2022) uses no augmentation. Every training
    sample comes with a vector of expert features ``f_i``, standardised on the training
    set; the distance between two representations is trained to follow the distance
    between their expert features. For a batch, with
    ``s_ij = (1 - ||f_i - f_j|| / max_kl ||f_k - f_l||)**2`` (clamped at 0, the
    maximum taken over the batch) and ``D_ij = ||E(x_i) - E(x_j)||`` divided by its row
    mean, the pair term is ``L_ij = ((1 - s_ij) Δ - D_ij)**2`` and the loss is the soft
    maximum ``τ log((1/N²) Σ_ij exp(L_ij / τ))`` (or the plain mean with
    ``quadratic=True``), see :func:`~skcontrast.losses.expclr_loss`. There is no
    projection head: :meth:`transform` returns the encoder's output.

    **Input.** As :class:`~skcontrast.SupConEmbedder`: ``input_type="auto"`` reads 3-D
    input ``(n_samples, n_channels, n_timesteps)`` as time series (TS2Vec's dilated
    convolutional encoder, max-pooled over the observed timestamps; NaN = missing)
    and 2-D input as tabular rows (a ReLU MLP on standardised features). 2-D
    univariate series need ``input_type="time_series"``.

    **Expert features.** ``expert_features=None`` computes, for time series,
    :func:`~skcontrast.expert_features.time_series_expert_features` (17 NaN-aware
    summary statistics per channel: amplitude, shape, trend, roughness, crossing and
    peak rates, spectrum, position of the extremes); for tabular rows, the preprocessed
    features themselves (standardised numbers, one-hot categories): the encoder then
    learns a representation whose distances follow those of the rows, which the label
    information of the semi-supervised mode then bends. Features whose training spread
    is below ``1e-6 * max(1, |mean|)`` are treated as constant (centred, not scaled):
    they are round-off, e.g. the mean and standard deviation of z-normalised series.

    **Semi-supervised mode.** When ``y`` is given to :meth:`fit`, labels are folded
    into the similarity: for a pair whose two labels are both known ``s_ij`` becomes 1
    if they agree and 0 if they differ (:func:`~skcontrast.losses.
    combine_label_similarity`); pairs involving an unlabelled sample keep their
    expert similarity. Missing labels are marked with ``NaN`` (float ``y``) or
    ``None`` (object ``y``). Unlike :mod:`sklearn.semi_supervised`, ``-1`` is *not* a
    missing label: UCR datasets such as ECG200 use -1 as a class.

    **Training.** Adam; for tabular input (``early_stopping="auto"``) training stops
    when the loss on a held-out ``validation_fraction`` of the samples has not
    improved for ``n_iter_no_change`` epochs (best weights kept); for time series it
    runs a fixed number of epochs (20 by default) on all series. That default is
    short on purpose: on ECG200 (100 training series, SVM protocol, 3 seeds, depth 3)
    the accuracy rose from 0.887 for the barely trained encoder (1 epoch) to 0.897 (10
    epochs) and 0.910 (20), then fell to 0.900 (40) and 0.883 (100) as the encoder
    fitted the expert geometry of the few training series ever more closely.

    The loss sees only distances between representations, so the encoder's output
    biases (which add one vector to every representation) are not trained: their
    gradient is round-off, which Adam would scale into full steps in a direction set by
    the CPU's order of summation (embeddings then differed by 1-5 % between CPUs).

    Parameters
    ----------
    n_components : int, default=320
        Width of the representation (the encoder's output), TS2Vec's width. On
        ECG200 a width of 128 did worse (0.87 against 0.90 after 40 epochs, depth 3,
        2 and 3 seeds).
    expert_features : callable or None, default=None
        ``expert_features(X) -> F`` of shape ``(n_samples, n_expert)``, called once in
        :meth:`fit` on the validated training data: a float array ``(n_samples,
        n_channels, n_timesteps)`` with NaN for missing values for time series, the
        raw (unstandardised) ``(n_samples, n_features)`` array for tabular input (a
        DataFrame when it has categorical columns). ``F`` must be finite. ``None``:
        the generic time-series features above, or the preprocessed rows of a table.
    input_type : {"auto", "tabular", "time_series"}, default="auto"
        How to read ``X``, see above.
    delta : float, default=1.0
        Margin ``Δ``: the target (normalised) distance of a maximally dissimilar
        pair. Must be > 0.
    temperature : float, default=1.0
        ``τ`` of the soft maximum over pairs; small values mine the hardest pair.
        Ignored when ``quadratic=True``.
    quadratic : bool, default=False
        Minimise the mean of ``L_ij`` (no hard-pair mining; the paper's ablation).
    squared_similarity : bool, default=True
        Square the expert similarity (the paper's variant), see
        :func:`~skcontrast.losses.expert_similarity`.
    hidden_size : int or None, default=None
        Width of the encoder's hidden layers. ``None`` means 256 for tabular input
        and 64 for time series.
    n_layers : int, default=4
        Number of layers of the tabular MLP encoder.
    depth : int, default=3
        Number of hidden residual blocks of the time-series encoder (dilations 1, 2,
        ..., ``2**depth``, a receptive field of 61 timestamps). TS2Vec (and
        :class:`~skcontrast.SupConEmbedder`) use 10; on ECG200 (5 seeds, defaults
        otherwise) 3 gave 0.908 ± 0.008 and 10 gave 0.882 ± 0.037, at the same cost.
        Raise it for long series whose expert features depend on long-range structure.
    batch_size : int, default=64
        Samples per batch (the loss compares all pairs of a batch).
    max_epochs : int or None, default=None
        Number of epochs (an upper bound with early stopping). ``None``: 20 for time
        series (see above), 1000 for tabular input, where early stopping ends
        training sooner.
    learning_rate : float, default=1e-3
        Adam learning rate.
    early_stopping : bool or "auto", default="auto"
        Stop on the loss of held-out samples. ``"auto"``: on for tabular input, off
        for time series.
    validation_fraction : float, default=0.1
        Fraction of samples held out (rounded up) for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=0.0
        Minimum decrease of the validation loss that counts as an improvement.
    standardize : bool, default=True
        Z-score tabular input features (not the expert features, which are always
        standardised) with the training statistics. Ignored for time series.
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
        Seeds initialisation, the validation split, batches and dropout. The same
        integer gives bit-identical embeddings on the CPU
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
        The trained encoder.
    expert_mean_, expert_scale_ : ndarray of shape (n_expert,)
        Standardisation of the expert features (scale 1 for constant features).
    n_expert_features_ : int
        Number of expert features.
    classes_ : ndarray of shape (n_classes,) or None
        Known class labels seen in :meth:`fit`; None without ``y``.
    n_labelled_ : int
        Number of training samples with a known label (0 without ``y``).
    input_type_ : {"tabular", "time_series"}
        How the training data was read.
    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation of tabular input.
    n_features_in_ : int
        Number of features (tabular) or channels (time series) seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Names of features seen in :meth:`fit` (DataFrame input only).
    history_, loss_curve_, validation_loss_curve_, n_iter_, n_steps_, best_epoch_, device_
        Training record; see :class:`~skcontrast.base.BaseContrastiveEmbedder`.

    See Also
    --------
    skcontrast.SupConEmbedder : Supervised contrastive learning with augmentations.
    skcontrast.expert_features.time_series_expert_features : The default features.

    References
    ----------
    Nonnenmacher, M. T., Oldenburg, L., Steinwart, I., Reeb, D. "Utilizing Expert
    Features for Contrastive Learning of Time-Series Representations". ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import ExpCLREmbedder
    >>> rng = np.random.RandomState(0)
    >>> X = np.cumsum(rng.normal(size=(12, 1, 30)), axis=2)  # 12 random walks
    >>> emb = ExpCLREmbedder(n_components=8, depth=1, max_epochs=2, random_state=0).fit(X)
    >>> emb.transform(X).shape
    (12, 8)

    Tabular rows with a callable, semi-supervised (NaN = unknown label):

    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> y_partial = np.where(rng.rand(150) < 0.8, np.nan, y)
    >>> emb = ExpCLREmbedder(n_components=8, expert_features=lambda X: X[:, 2:],
    ...                      hidden_size=16, max_epochs=3, random_state=0)
    >>> emb.fit(X, y_partial).transform(X[:2]).shape
    (2, 8)
    """

    _parameter_constraints: dict = {
        **BaseContrastiveEmbedder._parameter_constraints,
        **TabularOrSeriesInputMixin._parameter_constraints,
        **EarlyStoppingMixin._parameter_constraints,
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "expert_features": [callable, None],
        "delta": [Interval(Real, 0, None, closed="neither")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "quadratic": ["boolean"],
        "squared_similarity": ["boolean"],
    }

    def __init__(
        self,
        n_components=320,
        *,
        expert_features=None,
        input_type="auto",
        delta=1.0,
        temperature=1.0,
        quadratic=False,
        squared_similarity=True,
        hidden_size=None,
        n_layers=4,
        depth=3,
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
        self.expert_features = expert_features
        self.input_type = input_type
        self.delta = delta
        self.temperature = temperature
        self.quadratic = quadratic
        self.squared_similarity = squared_similarity
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.depth = depth
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

    _auto_epochs = {"tabular": 1000, "time_series": 20}
    #: fit learns from unlabelled rows too (NaN/None labels; see utils.fit_embedder).

    # ------------------------------------------------------------------ hooks
    def _check_params(self, X, y):
        self._check_validation_size(X.shape[0])

    def _validate_y(self, X, y):
        """Validate ``y``; return integer codes (-1 = unknown) or None, set ``classes_``."""
        name = type(self).__name__
        if y is None:
            self.classes_, self.n_labelled_ = None, 0
            return None
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        missing = _missing_labels(y)
        known = y[~missing]
        if known.dtype == object:
            # None/NaN removed: let numpy find the labels' own dtype (str, int...).
            known = np.asarray(known.tolist())
        check_classification_targets(known)
        classes = np.unique(known)
        if classes.size < 2:
            found = "no known label" if classes.size == 0 else f"a single class ({classes[0]!r})"
            raise ValueError(
                f"y has {found}; semi-supervised {name} needs labels of at least 2 classes "
                "(missing labels are NaN or None). Pass y=None for unsupervised training."
            )
        codes = np.full(y.shape[0], -1, dtype=np.int64)
        codes[~missing] = np.searchsorted(classes, known)
        self.classes_, self.n_labelled_ = classes, int((~missing).sum())
        return codes

    def _expert_matrix(self, X) -> np.ndarray:
        """Compute and check the expert features of the training data."""
        name = type(self).__name__
        if self.expert_features is not None:
            func = self.expert_features
        elif self.input_type_ == "time_series":
            func = time_series_expert_features
        else:
            func = self._preprocess  # the standardised rows: already checked and finite
        try:
            F = np.asarray(func(X), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            if self.expert_features is None:
                raise
            raise TypeError(
                f"expert_features must return a numeric array of shape (n_samples, "
                f"n_expert); converting its output failed: {exc}"
            ) from exc
        if F.ndim != 2 or F.shape[1] == 0:
            raise ValueError(
                f"expert_features must return a 2-D array of shape (n_samples, n_expert) "
                f"with n_expert >= 1, got shape {F.shape}. Reshape a single feature with "
                "F.reshape(-1, 1)."
            )
        if F.shape[0] != X.shape[0]:
            raise ValueError(
                f"expert_features returned {F.shape[0]} rows for {X.shape[0]} samples; it "
                "must return one row of expert features per sample."
            )
        bad = ~np.isfinite(F)
        if bad.any():
            rows, cols = np.nonzero(bad)
            raise ValueError(
                f"expert_features returned non-finite values (NaN or infinity) for "
                f"{np.unique(rows).size} sample(s), e.g. row {rows[0]}, column {cols[0]}. "
                f"{name} needs finite expert features: impute them (e.g. with the "
                "training mean) or drop those samples before fitting."
            )
        return F

    def _make_task(self, X, codes, generator, device):
        F = self._expert_matrix(X)
        self.n_expert_features_ = F.shape[1]
        self.expert_mean_ = F.mean(axis=0)
        scale = F.std(axis=0)
        self.expert_scale_ = np.where(
            scale > _EXPERT_CONSTANT_TOL * np.maximum(1.0, np.abs(self.expert_mean_)), scale, 1.0
        )
        expert = (F - self.expert_mean_) / self.expert_scale_
        data = torch.from_numpy(self._preprocess(X)).to(device)
        expert = torch.from_numpy(expert).to(device)
        labels = None if codes is None else torch.from_numpy(codes).to(device)

        n_valid = self._n_validation(X.shape[0])
        train_idx, valid_idx = stratified_split(X.shape[0], n_valid, generator)
        encoder = build_module(self._build_encoder, generator, device)
        embed = PooledSeriesEncoder(encoder) if self.input_type_ == "time_series" else encoder

        def loss_of(rows, gen=None):
            similarity = expert_similarity(expert[rows], squared=self.squared_similarity)
            if labels is not None:
                similarity = combine_label_similarity(similarity, labels[rows],
                                                      labels[rows] >= 0)
            return expclr_loss(
                embed(data[rows], gen), similarity, delta=self.delta,
                temperature=self.temperature, quadratic=self.quadratic,
            )

        train_rows = train_idx.to(device)

        def batch_loss(idx, gen):
            return loss_of(train_rows[idx.to(device)], gen)

        validate = None
        if n_valid:
            valid_rows = valid_idx.to(device)

            def validate():
                loss = mean_over_chunks(lambda lo, hi: loss_of(valid_rows[lo:hi]), n_valid,
                                        self.batch_size)
                return {"valid_loss": loss}

        # The loss sees only distances between representations, so the biases that add
        # one vector to every representation get no gradient but float32 round-off,
        # which Adam scales up to full-size steps: trained, they wandered by ~lr per step
        # in a direction set by the CPU's summation order (1-5 % of the embeddings after
        # a few steps under a last-bit change of the input). They stay at their
        # initial values.
        return TrainingTask(encoder, train_rows.numel(), batch_loss, validate,
                            frozen=tuple(encoder.output_biases()),
                            max_epochs=self._max_epochs(), stopping=self._stopping_rule())

    def __sklearn_tags__(self):
        # y is optional, and may label some rows only: the others still learn from
        # their expert features.
        return with_partial_labels(super().__sklearn_tags__())
