"""TS2Vec: universal time-series representations by hierarchical contrastive learning."""

from __future__ import annotations

import copy
from numbers import Integral, Real

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_swa_multi_avg_fn

from .._compat import Interval, StrOptions
from .._timeseries import TrainingSeries, fill_missing_timestamps
from ..augmentations.crops import overlapping_crops
from ..base import (
    BaseContrastiveEmbedder,
    SeriesInputMixin,
    TrainingTask,
    build_module,
)
from ..encoders.pooling import PooledSeriesEncoder
from ..losses import LOSSES, make_loss
from ..losses.hierarchical import hierarchical_contrastive_loss
from ..losses.softclt import soft_hierarchical_contrastive_loss, soft_instance_weights

__all__ = ["TS2VecEmbedder"]


def _host_counted_average(averaged: AveragedModel, model: nn.Module):
    """The SWA update of ``averaged`` from ``model`` with the count kept on the host.

    ``AveragedModel.update_parameters`` keeps its count in a CPU tensor and copies it to
    the device at every update, which makes the host wait for the device at every step;
    this is the same update, ``avg += (p - avg) / (n + 1)``, with the count read on the
    host.
    """
    averaged_params = list(averaged.module.parameters())
    params = list(model.parameters())

    @torch.no_grad()
    def update():
        # The count stays a CPU tensor: reading it never waits for the device.
        torch._foreach_lerp_(averaged_params, params, 1.0 / (int(averaged.n_averaged) + 1))
        averaged.n_averaged += 1

    return update


class _SeriesDistances:
    """SoftCLT's normalised distances between training series, a batch at a time.

    The Euclidean distances between the (preprocessed, gap-filled) training series are
    computed once in blocks to find the reference's normalisers, the smallest
    off-diagonal distance and each column's largest (``O(N^2 T)`` time, ``O(N)`` memory);
    a batch's distances are then computed on the fly. Holds a float32 copy of the series.
    """

    _BLOCK = 512

    def __init__(self, series: np.ndarray, device):
        # (N, T, C) with NaN -> (N, T * C), gaps interpolated, edges repeated.
        filled = fill_missing_timestamps(np.transpose(series, (0, 2, 1)))
        self.rows = torch.from_numpy(filled.reshape(len(filled), -1).astype(np.float32)).to(
            device)
        n = len(self.rows)
        smallest, column_max = torch.inf, torch.zeros(n, device=device)
        for lo in range(0, n, self._BLOCK):
            block = torch.cdist(self.rows[lo:lo + self._BLOCK], self.rows)
            column_max = torch.maximum(column_max, block.max(dim=0).values)
            rows = torch.arange(lo, min(lo + self._BLOCK, n), device=device)
            block[rows - lo, rows] = torch.inf
            smallest = min(smallest, float(block.min()))
        self.smallest = smallest
        self.span = torch.where(column_max - smallest > 0, column_max - smallest,
                                torch.ones_like(column_max))

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        """The normalised ``(B, B)`` distances of the series ``idx`` (0 on the diagonal)."""
        rows = self.rows[idx]
        scaled = ((torch.cdist(rows, rows) - self.smallest) / self.span[idx][None, :])
        return scaled.clamp_min(0.0).fill_diagonal_(0.0)


class TS2VecEmbedder(SeriesInputMixin, BaseContrastiveEmbedder):
    """Time-series embedder trained with TS2Vec (Yue et al., AAAI 2022).

    A dilated-convolution encoder maps every timestamp to a vector. It is trained on two
    overlapping random crops of each series (each with its own random latent timestamp
    mask) so that the representations of the shared timestamps agree, through a
    hierarchical loss: an instance-wise and a temporal contrastive term at every level
    of a max-pooling pyramid over time. Inference uses the stochastic-weight-averaged
    (SWA) encoder and max-pools its output over the series.

    Input layout: ``(n_samples, n_channels, n_timesteps)``; a 2-D array is a collection
    of univariate series. NaN marks a missing value: a timestamp whose any channel is
    NaN is missing. Series of different lengths are passed NaN-padded. Series may have
    a different length at :meth:`transform`; the number of channels must match.

    What :meth:`fit` does, as the reference implementation: all-NaN series are dropped;
    series longer than ``max_train_length`` are cut into ``T // max_train_length``
    sections; if some series miss leading/trailing timestamps every series is shifted
    so its observed span is centred; each batch is cropped to ``max_train_length``
    timestamps at a random offset; AdamW runs ``n_iters`` steps on batches of
    ``batch_size`` series (incomplete last batch dropped). On the CPU each batch is read
    from ``X`` when it is drawn, so ``fit`` makes no copy of the collection (a memory map
    stays on disk but for one pass in blocks); on a GPU the series are moved to the
    device once.

    Parameters
    ----------
    n_components : int, default=320
        Width of the representation (the encoder's output channels).
    hidden_size : int, default=64
        Width of the hidden convolutional blocks.
    depth : int, default=10
        Number of hidden residual blocks (dilations 1, 2, ..., 2**depth).
    batch_size : int, default=8
        Series per batch (the paper's scripts use 8).
    learning_rate : float, default=1e-3
        AdamW learning rate.
    n_iters : int or "auto", default="auto"
        Optimiser steps. ``"auto"`` is the reference rule: 200 if
        ``n_samples * n_timesteps * n_channels <= 100_000`` else 600, unless
        ``max_epochs`` is given (then epochs alone bound training).
    max_epochs : int, default=None
        Upper bound on epochs (passes over the training series).
    max_train_length : int or None, default=3000
        Longer series are split into sections and batches are cropped to this length.
    temporal_unit : int, default=0
        The temporal term of the loss is skipped at pyramid levels below this one;
        crops are at least ``2 ** (temporal_unit + 1)`` long.
    alpha : float, default=0.5
        Weight of the instance term against the temporal term.
    instance_loss : str or torch.nn.Module, default="ts2vec"
        The instance-wise term of the hierarchical loss: TS2Vec's own (``"ts2vec"``:
        at each timestamp, each series against the other series of both views, dot
        products, no temperature), a name of :data:`skcontrast.losses.LOSSES` (with its
        default hyper-parameters), or a loss Module with ``forward(anchors, positives,
        labels=None)``, applied at every level and timestamp to the two views'
        representations (slower: one call per timestamp). The temporal term is
        TS2Vec's.
    soft_instance_tau : float or None, default=None
        SoftCLT (Lee et al., ICLR 2024): soft instance-wise targets. A series' other
        series become soft positives with weight ``2 * soft_instance_alpha *
        sigmoid(-soft_instance_tau * D)``, ``D`` their normalised Euclidean distance as
        raw series (see :mod:`skcontrast.losses.softclt`). ``None``: TS2Vec's hard
        targets. The paper tunes it per dataset over 0.1 to 40; computing ``D`` costs
        ``O(N^2 T)`` once per fit and a float32 copy of the series.
    soft_temporal_tau : float or None, default=None
        SoftCLT's soft temporal targets: timestamps ``k`` apart weigh ``2 * sigmoid(
        -soft_temporal_tau * k)`` (sharper by 2 at every pyramid level). ``None``:
        TS2Vec's hard targets. The paper tunes it per dataset over 0.1 to 2.5.
    soft_instance_alpha : float, default=0.5
        SoftCLT's ``alpha``: the largest weight of a soft positive (at distance 0).
    encoding_window : {"full_series", "multiscale"}, default="full_series"
        ``"full_series"`` max-pools over the whole series (``n_components`` features).
        ``"multiscale"`` concatenates max-pools over the whole series, its halves and
        its quarters (a temporal pyramid, ``7 * n_components`` features).
    pooling : {"all", "observed"}, default="all"
        Timestamps the max-pooling runs over. ``"all"`` is the reference: the encoder's
        outputs at missing timestamps take part. ``"observed"`` skips missing timestamps
        (a deviation from the paper); on ECG200 with 20 % and 40 % of timestamps
        missing it measured the same as ``"all"`` (0.826 vs 0.826 and 0.806 vs 0.796,
        5 seeds; ``benchmarks/results/ts2vec_ecg200.md``), so the paper's behaviour is
        the default. Both are identical on complete series.
    inference_batch_size : int, default=256
        Most series per batch in :meth:`transform` (memory stays bounded). On the CPU,
        long series go fewer at a time, about 8,192 timestamps per batch (faster: the
        activations stay in cache); the embeddings do not depend on the batching.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Torch device, resolved in :meth:`fit`.
    n_threads : int or None, default=1
        Torch intra-op threads while fitting and embedding, then restored. 1 never
        collapses beside other busy processes; ``-1``: every CPU of the process;
        ``None``: torch's setting (user guide, "Threads").
    callbacks : list, default=None
        Training callbacks (see :mod:`skcontrast.callbacks`).
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, crops, masks and dropout. The same integer
        gives bit-identical embeddings on the CPU
        with the same number of torch threads.
    verbose : int, default=0
        0: silent. 1: a progress bar (steps done / total, loss, time left). 2: one
        log line per epoch to the ``skcontrast`` logger.

    warm_start : bool, default=False
        When fitted, :meth:`fit` continues training the fitted encoder (with its weight
        average and optimiser state) for another ``n_iters`` steps (or ``max_epochs``)
        on series with the same channels; the history goes on. ``False``: every fit
        starts afresh (scikit-learn's ``warm_start`` convention).

    Attributes
    ----------
    encoder_ : torch.nn.Module
        The SWA-averaged encoder used by :meth:`transform`.
    n_features_in_ : int
        Number of channels seen in :meth:`fit`.
    n_iters_ : int or None
        The step budget used (after resolving ``"auto"``).
    history_, loss_curve_, n_iter_, n_steps_, device_
        Training record; see :class:`~skcontrast.base.BaseContrastiveEmbedder`.

    References
    ----------
    Yue, Z., Wang, Y., Duan, J., Yang, T., Huang, C., Tong, Y., Xu, B. "TS2Vec: Towards
    Universal Representation of Time Series". AAAI 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import TS2VecEmbedder
    >>> X = np.sin(np.linspace(0, 6, 50))[None, None, :] * np.arange(1, 9)[:, None, None]
    >>> emb = TS2VecEmbedder(n_components=16, depth=3, n_iters=5, random_state=0).fit(X)
    >>> emb.transform(X).shape
    (8, 16)
    """

    _parameter_constraints: dict = {
        **BaseContrastiveEmbedder._parameter_constraints,
        **SeriesInputMixin._parameter_constraints,
        "n_iters": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_train_length": [Interval(Integral, 2, None, closed="left"), None],
        "temporal_unit": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "instance_loss": [StrOptions({"ts2vec"} | set(LOSSES)), nn.Module],
        "soft_instance_tau": [Interval(Real, 0, None, closed="neither"), None],
        "soft_temporal_tau": [Interval(Real, 0, None, closed="neither"), None],
        "soft_instance_alpha": [Interval(Real, 0, 1, closed="right")],
        "encoding_window": [StrOptions({"full_series", "multiscale"})],
        "pooling": [StrOptions({"observed", "all"})],
    }

    # The reference drops all-NaN series from training (they cannot be embedded).
    _empty_series_at_fit = "drop"

    def __init__(
        self,
        n_components=320,
        *,
        hidden_size=64,
        depth=10,
        batch_size=8,
        learning_rate=1e-3,
        n_iters="auto",
        max_epochs=None,
        max_train_length=3000,
        temporal_unit=0,
        alpha=0.5,
        instance_loss="ts2vec",
        soft_instance_tau=None,
        soft_temporal_tau=None,
        soft_instance_alpha=0.5,
        encoding_window="full_series",
        pooling="all",
        inference_batch_size=256,
        device="auto",
        n_threads=1,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.n_components = n_components
        self.hidden_size = hidden_size
        self.depth = depth
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_iters = n_iters
        self.max_epochs = max_epochs
        self.max_train_length = max_train_length
        self.temporal_unit = temporal_unit
        self.alpha = alpha
        self.instance_loss = instance_loss
        self.soft_instance_tau = soft_instance_tau
        self.soft_temporal_tau = soft_temporal_tau
        self.soft_instance_alpha = soft_instance_alpha
        self.encoding_window = encoding_window
        self.pooling = pooling
        self.inference_batch_size = inference_batch_size
        self.device = device
        self.n_threads = n_threads
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    @property
    def _min_timesteps(self):
        # The shortest crop has 2 ** (temporal_unit + 1) timestamps.
        return 2 ** (self.temporal_unit + 1)

    def _check_params(self, X, y):
        soft = self.soft_instance_tau is not None or self.soft_temporal_tau is not None
        if soft and self.instance_loss != "ts2vec":
            raise ValueError(
                "soft_instance_tau / soft_temporal_tau (SoftCLT) soften TS2Vec's own loss; "
                f"they cannot be combined with instance_loss={self.instance_loss!r}. Use "
                "instance_loss='ts2vec', or set both soft parameters to None."
            )

    def _n_iters(self, X) -> int | None:
        """The step budget: ``n_iters``, or the reference's rule for ``"auto"``."""
        if self.n_iters != "auto":
            return int(self.n_iters)
        if self.max_epochs is None:
            return 200 if X.size <= 100_000 else 600
        return None

    def _training_budget(self, X) -> tuple[int | None, int | None]:
        """``(max_epochs, max_steps)``: ``max_epochs`` and the step budget."""
        return self.max_epochs, self._n_iters(X)

    def _network(self):
        return PooledSeriesEncoder(self.encoder_, pooling=self.pooling,
                                   window=self.encoding_window)

    def _training_series(self, X) -> TrainingSeries:
        """The sections TS2Vec trains on (split, centred, all-missing ones dropped),
        gathered a batch at a time: ``X`` is never copied whole."""
        source = TrainingSeries(X, self._preprocess, self.max_train_length)
        if len(source) < 2:
            raise ValueError(
                "Fewer than 2 series have an observed timestamp; TS2Vec needs at least 2."
            )
        return source

    def _positive_views(self, data, generator):
        # TS2Vec's contextual views: two overlapping random crops of each series.
        view1, view2, _ = overlapping_crops(data, temporal_unit=self.temporal_unit,
                                            generator=generator)
        return view1, view2

    def _make_task(self, X, y, generator, device):
        self.n_iters_ = self._n_iters(X)
        source = self._training_series(X)
        if device.type == "cpu":
            # Batches are read from X as they are drawn: no copy of all the series.
            def take(idx):
                return torch.from_numpy(source.take(idx.cpu().numpy()))
        else:
            # Resident on the device: no step waits for a host-to-device copy.
            resident = torch.from_numpy(source.take(np.arange(len(source)))).to(device)

            def take(idx):
                return resident[idx.to(device)]
        encoder = build_module(self._build_encoder, generator, device)
        # As in the reference, the average starts from the initial weights and then takes
        # every optimiser step with equal weight; inference uses it.
        averaged = AveragedModel(encoder, multi_avg_fn=get_swa_multi_avg_fn())
        averaged.update_parameters(encoder)
        after_step = lambda: averaged.update_parameters(encoder)  # noqa: E731
        if device.type != "cpu":
            after_step = _host_counted_average(averaged, encoder)
        max_len = self.max_train_length
        # A copy: the user's Module (a parameter) is never moved or modified.
        instance_loss = (None if self.instance_loss == "ts2vec"
                         else make_loss(copy.deepcopy(self.instance_loss)).to(device))
        soft = self.soft_instance_tau is not None or self.soft_temporal_tau is not None
        distances = (None if self.soft_instance_tau is None else
                     _SeriesDistances(source.take(np.arange(len(source))), device))

        def batch_loss(idx, gen):
            x = take(idx)
            n_timesteps = x.shape[1]
            # Scalars (crop positions) come from the CPU generator, so that on an
            # accelerator no step waits for a value to come back from the device; on the
            # CPU it is the same generator as `gen`.
            if max_len is not None and n_timesteps > max_len:
                offset = int(torch.randint(n_timesteps - max_len + 1, (), generator=generator))
                x = x[:, offset : offset + max_len]
            view1, view2, overlap = overlapping_crops(
                x, temporal_unit=self.temporal_unit, generator=generator, device_generator=gen
            )
            # Only the overlapping timestamps enter the loss: the encoder can skip the rest.
            z1 = encoder(view1, mask="binomial", generator=gen,
                         window=(view1.shape[1] - overlap, view1.shape[1]))
            z2 = encoder(view2, mask="binomial", generator=gen, window=(0, overlap))
            if soft:
                weights = (None if distances is None else soft_instance_weights(
                    distances(idx.to(device)), self.soft_instance_tau,
                    self.soft_instance_alpha))
                return soft_hierarchical_contrastive_loss(
                    z1, z2, instance_weights=weights, temporal_tau=self.soft_temporal_tau,
                    alpha=self.alpha, temporal_unit=self.temporal_unit,
                )
            return hierarchical_contrastive_loss(
                z1, z2, alpha=self.alpha, temporal_unit=self.temporal_unit,
                instance_loss=instance_loss,
            )

        max_epochs, max_steps = self._training_budget(X)
        # AdamW, and incomplete last batches skipped, as in the reference.
        return TrainingTask(
            encoder, len(source), batch_loss, after_step=after_step,
            result=averaged.module, carried=averaged, max_epochs=max_epochs,
            max_steps=max_steps, drop_last=True, decoupled_weight_decay=True,
        )
