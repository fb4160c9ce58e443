"""Multi-view contrastive learning for tables (CLIP-style): one encoder per column group."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._compat import Interval
from ..augmentations.corruption import MarginalCorruption
from ..base import (
    BaseContrastiveEmbedder,
    EarlyStoppingMixin,
    TabularInputMixin,
    TrainingTask,
    build_module,
    mean_over_chunks,
    random_split,
)
from ..encoders.mlp import MLP
from ..losses.clip import clip_loss

__all__ = ["MultiViewEmbedder", "MultiViewNetwork", "ViewEncoder"]

#: CLIP clips its learned logit scale 1 / temperature at 100.
_MAX_LOGIT_SCALE = 100.0


class MultiViewNetwork(nn.Module):
    """One encoder per view, each reading its own columns of a preprocessed row.

    ``forward(x)`` returns the views' ℓ2-normalised embeddings side by side,
    ``(batch, n_views * n_components)``; :meth:`views` returns them one by one. The
    network also holds the loss's temperature, as CLIP's model does: learned as
    ``log(1 / temperature)``, with ``1 / temperature`` clipped at 100.

    Parameters
    ----------
    encoders : list of nn.Module
        The encoder of each view, mapping its columns to ``n_components`` values.
    columns : list of sequence of int
        The preprocessed columns each view's encoder reads.
    temperature : float, default=0.1
        The initial temperature.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.encoders import MLP
    >>> net = MultiViewNetwork([MLP(2, 4, n_layers=1), MLP(3, 4, n_layers=1)],
    ...                        [[0, 1], [2, 3, 4]])
    >>> net(torch.zeros(6, 5)).shape, [v.shape[1] for v in net.views(torch.zeros(6, 5))]
    (torch.Size([6, 8]), [4, 4])
    """

    def __init__(self, encoders, columns, temperature: float = 0.1):
        super().__init__()
        self.encoders = nn.ModuleList(encoders)
        self.scale = _LogitScale(temperature)
        self.n_views = len(self.encoders)
        # Plain integers, not tensors: the estimator rebuilds them (view_columns_), and
        # the module's state is its weights alone.
        self.columns = [[int(j) for j in cols] for cols in columns]
        self.n_components = int(self.encoders[0].out_features)
        self.out_features = self.n_views * self.n_components

    def view_columns(self, i: int, device=None) -> torch.Tensor:
        """The preprocessed columns view ``i`` reads, as an index tensor."""
        return torch.as_tensor(self.columns[i], dtype=torch.long, device=device)

    def temperature(self) -> torch.Tensor:
        """The loss's temperature, ``exp(-log_scale)`` with ``log_scale <= log(100)``."""
        return self.scale.temperature()

    def views(self, x: torch.Tensor, generator: torch.Generator | None = None
              ) -> list[torch.Tensor]:
        """Each view's (unnormalised) embedding."""
        return [self.encoders[i](x.index_select(1, self.view_columns(i, x.device)), generator)
                for i in range(self.n_views)]

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.cat([F.normalize(z, dim=1) for z in self.views(x, generator)], dim=1)


class ViewEncoder(nn.Module):
    """A view's encoder: a linear map plus a ReLU MLP, ``linear(x) + mlp(x)``.

    The linear path (a skip connection over the MLP) learns linear relations between
    views, canonical correlation analysis's whole domain, as readily as the MLP learns
    non-linear ones: on the dev tables it raised the cross-view mean reciprocal rank of
    a plain MLP by 0.1 to 0.3 (``benchmarks/multiview_matching.py``).

    Parameters
    ----------
    in_features, out_features : int
        Widths of the view's preprocessed columns and of the shared space.
    n_layers : int, default=2
        Layers of the MLP.
    hidden_size : int, default=256
        Width of its hidden layers.

    Examples
    --------
    >>> import torch
    >>> ViewEncoder(5, 3)(torch.zeros(4, 5)).shape
    torch.Size([4, 3])
    """

    def __init__(self, in_features: int, out_features: int, *, n_layers: int = 2,
                 hidden_size: int = 256):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.mlp = MLP(in_features, out_features, n_layers=n_layers, hidden_size=hidden_size)
        self.in_features, self.out_features = in_features, out_features

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.linear(x) + self.mlp(x, generator)


class _OneView(nn.Module):
    """View ``i`` of a :class:`MultiViewNetwork`: its normalised embedding alone."""

    def __init__(self, network: MultiViewNetwork, i: int):
        super().__init__()
        self.network, self.i = network, i
        self.out_features = network.n_components

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        cols = self.network.view_columns(self.i, x.device)
        return F.normalize(self.network.encoders[self.i](x.index_select(1, cols), generator),
                           dim=1)


class _LogitScale(nn.Module):
    """CLIP's temperature as ``log(1 / temperature)``, clipped at ``log(100)``."""

    def __init__(self, temperature: float):
        super().__init__()
        self.initial = float(temperature)
        self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / self.initial)))

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.log_scale.fill_(math.log(1.0 / self.initial))

    def temperature(self) -> torch.Tensor:
        return torch.exp(-self.log_scale.clamp(max=math.log(_MAX_LOGIT_SCALE)))


class MultiViewEmbedder(TabularInputMixin, EarlyStoppingMixin, BaseContrastiveEmbedder):
    """Tabular embedder trained CLIP-style across views: groups of columns of one table.

    Each view, a group of columns of ``X`` (say demographics, vitals, medications), has
    its own encoder into one shared space, and training pulls a record's views together
    and pushes other records' views apart with the symmetric cross-view InfoNCE of CLIP
    (Radford et al., ICML 2021; :func:`~skcontrast.losses.clip_loss`): for each pair of
    views and each record in a batch, its other view must be told apart from the other
    records' ones, in both directions. With more than two views the loss averages every
    pair of views (Contrastive Multiview Coding's "full graph", Tian et al., 2020).

    A record's views then land close together, so the embedding of one view finds the
    record's other views (:func:`~skcontrast.metrics.cross_view_retrieval`), two tables
    that describe the same records with different columns and no shared key can be
    matched (:func:`~skcontrast.metrics.match_records`), and the joint embedding keeps
    what the views share, which is what a downstream probe often needs.

    **The representation.** :meth:`transform` returns the concatenation of the views'
    ℓ2-normalised embeddings, ``(n_samples, n_views * n_components)``;
    :meth:`transform_views` returns them one by one (all in the shared space, unit rows:
    a dot product between two views is their cosine similarity), and
    :meth:`transform_view` embeds a table holding one view's columns only.

    **Columns.** Each view's numeric columns are standardised and its categorical
    columns (DataFrame ``category``, string or object columns) one-hot encoded, as in
    :class:`~skcontrast.SCARFEmbedder`; columns in no view are ignored. Each encoder is
    a linear map plus a ReLU MLP (:class:`ViewEncoder`: the linear path learns the
    linear relations between views that canonical correlation analysis finds, the MLP
    the others), and ``corruption_rate > 0`` corrupts each view as SCARF does (cells
    redrawn from their column's empirical marginal) before it is encoded, an
    augmentation on top of the cross-view task.

    **Temperature.** CLIP learns it: ``learn_temperature=True`` (the default) trains
    ``log(1 / temperature)`` from ``temperature``, clipping ``1 / temperature`` at 100 as
    CLIP does (``temperature_`` is the value reached); ``learn_temperature=False`` keeps
    ``temperature`` fixed.

    Parameters
    ----------
    views : list of list of (str or int), default=None
        The column groups, at least two, disjoint: column names for a DataFrame, or
        integer positions (for arrays and DataFrames). ``None``: two views, the first
        ``ceil(n_features / 2)`` columns and the rest.
    n_components : int, default=32
        Width of each view's embedding (the shared space).
    temperature : float, default=0.1
        Softmax temperature of the loss (its initial value when learned).
    learn_temperature : bool, default=True
        Learn the temperature, as CLIP does.
    corruption_rate : float, default=0.0
        Fraction of each view's columns corrupted per row before encoding (SCARF's
        augmentation inside each view); 0 disables it.
    hidden_size : int, default=256
        Width of the encoders' hidden layers.
    n_layers : int, default=2
        Layers of the MLP of each view's encoder (:class:`ViewEncoder`: a linear map
        plus that MLP).
    batch_size : int, default=128
        Records per batch; the other records of a batch are the negatives.
    max_epochs : int, default=1000
        Upper bound on epochs; early stopping usually ends training much sooner.
    learning_rate : float, default=1e-3
        Adam learning rate.
    early_stopping : bool, default=True
        Stop when the loss of a held-out ``validation_fraction`` of the records has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, keeping the best weights.
    validation_fraction : float, default=0.1
        Fraction of records held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=0.0
        Minimum decrease of the validation loss that counts as an improvement.
    standardize : bool, default=True
        Z-score the numeric columns with the training statistics.
    inference_batch_size : int, default=4096
        Rows per batch in :meth:`transform`.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available.
    n_threads : int or None, default=1
        Torch intra-op threads while fitting and embedding (see SCARFEmbedder).
    callbacks : list, default=None
        Training callbacks (skorch's vocabulary, see :mod:`skcontrast.callbacks`).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split, shuffling and corruption.
    verbose : int, default=0
        0: silent. 1: a progress bar. 2: one log line per epoch.
    warm_start : bool, default=False
        When fitted, :meth:`fit` continues training (encoders, temperature, optimiser
        state) for another ``max_epochs`` on data of the same layout.

    Attributes
    ----------
    encoder_ : MultiViewNetwork
        The trained encoders.
    view_columns_ : list of ndarray of int
        The input columns of each view.
    temperature_ : float
        The temperature at the end of training (``temperature`` when not learned).
    mean_, scale_, categorical_features_, categories_
        Preprocessing, as in :class:`~skcontrast.SCARFEmbedder`.
    n_features_in_ : int
        Number of columns seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to :meth:`fit`.
    history_, loss_curve_, validation_loss_curve_, n_iter_, n_steps_, best_epoch_, device_
        Training record; see :class:`~skcontrast.base.BaseContrastiveEmbedder`.

    See Also
    --------
    skcontrast.metrics.cross_view_retrieval : Top-k and mean reciprocal rank across views.
    skcontrast.metrics.match_records : One-to-one matching of two tables' records.
    skcontrast.metrics.modality_gap : How far apart the views' embeddings sit.

    References
    ----------
    Radford, A. et al. "Learning Transferable Visual Models From Natural Language
    Supervision". ICML 2021. Tian, Y., Krishnan, D., Isola, P. "Contrastive Multiview
    Coding". ECCV 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import MultiViewEmbedder
    >>> from skcontrast.metrics import cross_view_retrieval
    >>> rng = np.random.RandomState(0)
    >>> latent = rng.normal(size=(300, 3))
    >>> X = np.hstack([latent @ rng.normal(size=(3, 5)), latent @ rng.normal(size=(3, 4))])
    >>> emb = MultiViewEmbedder(views=[range(5), range(5, 9)], n_components=8,
    ...                         max_epochs=20, random_state=0).fit(X)
    >>> emb.transform(X).shape
    (300, 16)
    >>> Z_a, Z_b = emb.transform_views(X)
    >>> cross_view_retrieval(Z_a, Z_b)["mrr"] > 0.3  # chance: about 0.02
    True
    """

    _parameter_constraints: dict = {
        **BaseContrastiveEmbedder._parameter_constraints,
        **{k: v for k, v in TabularInputMixin._parameter_constraints.items()
           if k != "include_input"},
        **EarlyStoppingMixin._parameter_constraints,
        "views": [list, tuple, None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "learn_temperature": ["boolean"],
        "corruption_rate": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        views=None,
        *,
        n_components=32,
        temperature=0.1,
        learn_temperature=True,
        corruption_rate=0.0,
        hidden_size=256,
        n_layers=2,
        batch_size=128,
        max_epochs=1000,
        learning_rate=1e-3,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=0.0,
        standardize=True,
        inference_batch_size=4096,
        device="auto",
        n_threads=1,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.views = views
        self.n_components = n_components
        self.temperature = temperature
        self.learn_temperature = learn_temperature
        self.corruption_rate = corruption_rate
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
        self.inference_batch_size = inference_batch_size
        self.device = device
        self.n_threads = n_threads
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------ views
    def _view_positions(self, n_features: int) -> list[np.ndarray]:
        """The input columns of each view, checked against the fitted layout."""
        name = type(self).__name__
        if self.views is None:
            if n_features < 2:
                raise ValueError(
                    f"{name} with views=None splits the columns into two views, but X has "
                    f"{n_features} feature(s): pass at least 2 columns."
                )
            half = math.ceil(n_features / 2)
            return [np.arange(half), np.arange(half, n_features)]
        if len(self.views) < 2:
            raise ValueError(f"{name} needs at least 2 views (column groups); got "
                             f"{len(self.views)}. Pass views=[columns_a, columns_b, ...].")
        names = getattr(self, "feature_names_in_", None)
        lookup = {} if names is None else {str(c): j for j, c in enumerate(names)}
        out, seen = [], {}
        for v, view in enumerate(self.views):
            if isinstance(view, str | bytes) or not hasattr(view, "__iter__"):
                raise TypeError(f"views[{v}] must be a list of column names or positions, "
                                f"got {view!r}.")
            positions = []
            for column in view:
                if isinstance(column, str):
                    if names is None:
                        raise ValueError(
                            f"views[{v}] names column {column!r}, but X has no column "
                            "names: pass a DataFrame, or integer positions for arrays."
                        )
                    if column not in lookup:
                        raise ValueError(f"views[{v}] names column {column!r}, which X does "
                                         f"not have; its columns are {list(names)[:10]}...")
                    j = lookup[column]
                elif isinstance(column, Integral) and not isinstance(column, bool):
                    if not -n_features <= column < n_features:
                        raise ValueError(f"views[{v}] has position {column}, but X has "
                                         f"{n_features} columns.")
                    j = int(column) % n_features
                else:
                    raise TypeError(f"views[{v}] holds {column!r}: columns are names (str) "
                                    "or integer positions.")
                if j in seen:
                    raise ValueError(
                        f"Column {column!r} is in views[{seen[j]}] and views[{v}]: views must "
                        "be disjoint (a column shared by two views makes matching them "
                        "trivial)."
                    )
                seen[j] = v
                positions.append(j)
            if not positions:
                raise ValueError(f"views[{v}] is empty: every view needs a column.")
            out.append(np.asarray(positions, dtype=np.intp))
        return out

    def _encoded_view_columns(self) -> list[np.ndarray]:
        """The preprocessed (one-hot) columns of each view."""
        groups = self._feature_groups()
        if groups is None:
            return list(self.view_columns_)
        return [np.flatnonzero(np.isin(groups, cols)) for cols in self.view_columns_]

    # ------------------------------------------------------------------ hooks
    def _check_params(self, X, y):
        self._check_validation_size(X.shape[0])
        self._view_positions(X.shape[1])

    def _build_encoder(self) -> nn.Module:
        columns = self._encoded_view_columns()
        return MultiViewNetwork(
            [ViewEncoder(len(cols), self.n_components, n_layers=self.n_layers,
                         hidden_size=self.hidden_size) for cols in columns],
            columns, temperature=self.temperature,
        )

    def _network(self) -> nn.Module:
        return self.encoder_

    def _make_task(self, X, y, generator, device):
        self.view_columns_ = self._view_positions(X.shape[1])
        n_valid = self._n_validation(X.shape[0])
        train_idx, valid_idx = random_split(X.shape[0], n_valid, generator)
        data = torch.from_numpy(self._preprocess(X))
        train_rows = data[train_idx].to(device)
        valid_rows = data[valid_idx].to(device)
        network = build_module(self._build_encoder, generator, device)
        columns = [network.view_columns(i, device) for i in range(network.n_views)]
        corrupt = []
        if self.corruption_rate > 0:
            groups = self._feature_groups()
            for cols in columns:
                sub = None if groups is None else np.unique(
                    groups[cols.cpu().numpy()], return_inverse=True)[1]
                corrupt.append(MarginalCorruption(train_rows[:, cols], self.corruption_rate,
                                                  sub))

        def loss_of(rows, gen=None):
            if gen is None or not corrupt:
                return clip_loss(network.views(rows), temperature=network.temperature())
            # Each view corrupted on its own, then encoded by its own encoder.
            return clip_loss([encoder(c(rows.index_select(1, cols), generator=gen))
                              for encoder, c, cols in zip(network.encoders, corrupt, columns)],
                             temperature=network.temperature())

        def batch_loss(idx, gen):
            return loss_of(train_rows[idx.to(device)], gen)

        validate = None
        if n_valid:
            def validate():
                return {"valid_loss": mean_over_chunks(
                    lambda lo, hi: loss_of(valid_rows[lo:hi]), n_valid, self.batch_size,
                    min_rows=2)}

        return TrainingTask(
            network, len(train_idx), batch_loss, validate,
            frozen=() if self.learn_temperature else (network.scale.log_scale,),
            # Chance: a record's candidates in the other view are the batch's rows.
            chance_loss=math.log(min(self.batch_size, len(train_idx))),
            max_epochs=self.max_epochs, stopping=self._stopping_rule(),
        )

    @property
    def temperature_(self) -> float:
        if not hasattr(self, "encoder_"):
            raise AttributeError("temperature_ is only defined once fitted")
        return float(self.encoder_.temperature().detach())

    # ----------------------------------------------------------- the views out
    def transform_views(self, X) -> list[np.ndarray]:
        """Embed every view of ``X``: one ``(n_samples, n_components)`` array per view.

        All in the shared space, with unit rows: row ``i`` of view ``a`` and row ``j``
        of view ``b`` have cosine similarity ``Z_a[i] @ Z_b[j]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows with the columns seen in :meth:`fit`.

        Returns
        -------
        list of ndarray of shape (n_samples, n_components), dtype float32
        """
        Z = np.asarray(self.transform(X))
        return np.split(Z, self.encoder_.n_views, axis=1)

    def transform_view(self, X, view: int) -> np.ndarray:
        """Embed a table that holds one view's columns only (e.g. one of two tables to match).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_view_columns)
            The columns of ``views[view]``, in that order (a DataFrame may hold more
            columns: those of the view are taken by name).
        view : int
            Which view.

        Returns
        -------
        ndarray of shape (n_samples, n_components), dtype float32
            In the shared space, with unit rows.
        """
        check_is_fitted(self, "encoder_")
        n_views = len(self.view_columns_)
        if isinstance(view, bool) or not isinstance(view, Integral) or not 0 <= view < n_views:
            raise ValueError(f"view must be an integer in [0, {n_views}), got {view!r}.")
        cols = self.view_columns_[view]
        names = getattr(self, "feature_names_in_", None)
        if isinstance(X, pd.DataFrame) and names is not None:
            wanted = [names[j] for j in cols]
            missing = [c for c in wanted if c not in X.columns]
            if missing:
                raise ValueError(f"X lacks the column(s) {missing} of views[{view}].")
            part = X[wanted]
            full = pd.DataFrame({c: self._placeholder(j, len(X)) for j, c in enumerate(names)},
                                index=X.index)
            for c in wanted:
                full[c] = part[c].to_numpy()
        else:
            part = np.asarray(X)
            if part.ndim != 2 or part.shape[1] != len(cols):
                raise ValueError(
                    f"views[{view}] has {len(cols)} column(s); X must be 2-D with as many, "
                    f"got shape {part.shape}."
                )
            full = np.zeros((part.shape[0], self.n_features_in_), dtype=np.float64)
            full[:, cols] = part
            if names is not None:
                full = pd.DataFrame(full, columns=names)
        # Only this view's encoder runs: the other columns are placeholders.
        return self._embed(torch.from_numpy(self.preprocess(full)),
                           _OneView(self.encoder_, view))

    def _placeholder(self, j: int, n_rows: int):
        # A column outside the view: any valid value (its view's encoder is not used).
        if self.categorical_features_[j]:
            return np.full(n_rows, self.categories_[j][0], dtype=object)
        return np.zeros(n_rows)

    def positive_pairs(self, X, *, random_state=None):
        """The first two views' embeddings of every row: a record's positive pair.

        Parameters
        ----------
        X : array-like
            Rows with the columns seen in :meth:`fit`.
        random_state : None
            Unused: the views are the columns, not random augmentations.

        Returns
        -------
        Z1, Z2 : ndarray of shape (n_samples, n_components), dtype float32
        """
        Z = self.transform_views(X)
        return Z[0], Z[1]

    def get_feature_names_out(self, input_features=None):
        """Output names: ``view<v>_<i>`` for component ``i`` of view ``v``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "encoder_")
        return np.asarray([f"view{v}_{i}" for v in range(self.encoder_.n_views)
                           for i in range(self.n_components)], dtype=object)
