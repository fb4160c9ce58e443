"""The ROCKET family: the time-series baselines a practitioner reaches for first.

MiniRocket (Dempster, Schmidt & Webb, KDD 2021) and MultiRocket + Hydra (Tan et al.,
2022; Dempster, Schmidt & Webb, 2023) turn each series into thousands of features of
fixed random convolutions, with no training beyond choosing biases from the data, and a
ridge classifier on top: 0.872 and 0.884 mean accuracy over the UCR archive, against
0.830 for TS2Vec. A comparison of contrastive embedders that leaves them out says
nothing. :class:`RocketFeatures` wraps the implementations of **aeon** (BSD, maintained
by the authors' community; ``pip install "skcontrast[baselines]"``) as an unsupervised
transformer with the embedders' conventions, so that it is fitted like them: on every
training series, without labels, then probed on the labelled ones (the ``"ridge"``
probe of :data:`~skcontrast.probes.PROBES` is the classifier of the ROCKET papers).
"""

from __future__ import annotations

import contextlib
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._compat import Interval, StrOptions, _check_feature_names, _fit_context
from ._input import as_3d_series
from ._timeseries import fill_missing_timestamps

__all__ = ["ROCKET_KINDS", "RocketFeatures", "aeon_available", "fill_missing_timestamps"]

#: The feature sets of :class:`RocketFeatures`.
ROCKET_KINDS = ("minirocket", "multirocket", "hydra", "multirocket_hydra")

# aeon's transforms need this many timestamps (MultiRocket convolves the first-order
# difference too, one shorter, with kernels of length 9).
_MIN_TIMESTEPS = 10


def aeon_available() -> bool:
    """Whether aeon, the library behind :class:`RocketFeatures`, can be imported.

    Returns
    -------
    bool

    Examples
    --------
    >>> from skcontrast.baselines import aeon_available
    >>> isinstance(aeon_available(), bool)
    True
    """
    try:
        import aeon  # noqa: F401
    except ImportError:
        return False
    return True


def _import_transforms():
    try:
        from aeon.transformations.collection.convolution_based import (
            HydraTransformer,
            MiniRocket,
            MultiRocket,
        )
    except ImportError as exc:
        raise ImportError(
            "RocketFeatures needs aeon, which provides MiniRocket, MultiRocket and Hydra: "
            'install it with `pip install "skcontrast[baselines]"` (or `pip install aeon`).'
        ) from exc
    return {"minirocket": MiniRocket, "multirocket": MultiRocket, "hydra": HydraTransformer}


def _hydra_scaler(H: np.ndarray):
    """Hydra's scaling of its count features, fitted on ``H``: ``(mean, scale)``.

    From the Hydra paper: square roots of the (non-negative) counts, standardised, with
    zeros kept at zero; a feature that is mostly zero gets a larger scale (``epsilon =
    fraction_of_zeros ** 4 + 1e-8`` added to its standard deviation).
    """
    root = np.sqrt(np.clip(H, 0.0, None))
    epsilon = (root == 0).mean(axis=0) ** 4 + 1e-8
    return root.mean(axis=0), root.std(axis=0, ddof=1) + epsilon


@contextlib.contextmanager
def _global_rngs_restored():
    """aeon seeds numpy's (MiniRocket, MultiRocket) and torch's (Hydra) global generators;
    ``random_state`` must be the only source of randomness and leave them alone."""
    numpy_state = np.random.get_state()  # noqa: NPY002 - saved to be restored, not used
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            np.random.set_state(numpy_state)  # noqa: NPY002


class RocketFeatures(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """MiniRocket, MultiRocket or Hydra features of series, fitted without labels (aeon).

    The transforms of aeon, with the conventions of skcontrast's embedders: series as
    ``(n_samples, n_channels, n_timesteps)`` or 2-D for univariate series, NaN for missing
    timestamps, :meth:`fit` on every training series without labels. The features come
    out scaled as the ROCKET classifiers scale them before their ridge regression, with the
    scaling statistics fitted on the same series: standardised (MiniRocket, MultiRocket),
    or Hydra's square root and sparse standardisation. Put the ``"ridge"`` probe
    (``RidgeClassifierCV`` over ``np.logspace(-3, 3, 10)``) on top for the classifier of
    the papers: ``ProbeClassifier(RocketFeatures(), probe="ridge")``.

    **Missing values and unequal lengths** (which aeon's transforms refuse) are filled,
    not refused: :func:`fill_missing_timestamps` interpolates inside a series and repeats
    the first or last observed value outside (edge padding). Series shorter than the
    training series at :meth:`transform` are NaN-padded at the end first, then filled;
    series shorter than 10 timestamps are edge-padded to 10.

    Parameters
    ----------
    kind : {"minirocket", "multirocket", "hydra", "multirocket_hydra"}, default="minirocket"
        The feature set: MiniRocket (~10,000 features), MultiRocket (~50,000: four
        pooling operators on the series and its first difference), Hydra (competing
        dictionary kernels; 4,096 features per channel group) or MultiRocket and Hydra
        side by side (the features of aeon's ``MultiRocketHydraClassifier``).
    n_jobs : int, default=1
        Threads of aeon's transforms. Keep 1 when processes already share the machine.
    random_state : int, RandomState instance or None, default=None
        Seeds the kernels' random parts (MiniRocket's bias quantiles, Hydra's kernels).
        aeon's own seeding of numpy's and torch's global generators is undone.

    Attributes
    ----------
    n_features_in_ : int
        Number of channels seen in :meth:`fit`.
    n_timesteps_in_ : int
        Length of the series seen in :meth:`fit` (after padding to 10).
    transformers_ : list of aeon transformers
        The fitted aeon transforms, in output order.
    scales_ : list of (mean, scale)
        The scaling of each transform's features.
    n_features_out_ : int
        Number of output features.

    See Also
    --------
    skcontrast.probes.make_ridge_probe : The ridge classifier of the ROCKET papers.
    skcontrast.TS2VecEmbedder : The contrastive embedder these baselines are compared with.

    References
    ----------
    Dempster, A., Schmidt, D. F., Webb, G. I. "MiniRocket: A very fast (almost)
    deterministic transform for time series classification". KDD 2021.

    Tan, C. W., Dempster, A., Bergmeir, C., Webb, G. I. "MultiRocket: multiple pooling
    operators and transformations for fast and effective time series classification".
    Data Mining and Knowledge Discovery, 2022.

    Dempster, A., Schmidt, D. F., Webb, G. I. "Hydra: competing convolutional kernels for
    fast and accurate time series classification". Data Mining and Knowledge Discovery,
    2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.baselines import RocketFeatures
    >>> from skcontrast.probes import ProbeClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = np.sin(np.linspace(0, 6, 50) * rng.choice([1, 3], size=(40, 1)))
    >>> y = np.r_[np.full(20, np.nan), np.zeros(10), np.ones(10)]  # half unlabelled
    >>> rocket = RocketFeatures(random_state=0).fit(X)
    >>> rocket.transform(X).shape
    (40, 9996)
    >>> clf = ProbeClassifier(RocketFeatures(), probe="ridge", random_state=0)
    >>> clf.fit(X, y).n_labelled_
    20
    """

    _parameter_constraints: dict = {
        "kind": [StrOptions(set(ROCKET_KINDS))],
        "n_jobs": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, kind="minirocket", *, n_jobs=1, random_state=None):
        self.kind = kind
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _series(self, X, *, reset: bool) -> np.ndarray:
        _check_feature_names(self, X, reset=reset)
        name = type(self).__name__
        X = as_3d_series(X, estimator_name=name)
        if reset:
            if X.shape[0] < 2:
                raise ValueError(
                    f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while a "
                    f"minimum of 2 is required by {name}."
                )
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} channels, but {name} is expecting "
                f"{self.n_features_in_} channels as input (the layout is (n_samples, "
                "n_channels, n_timesteps))."
            )
        length = max(X.shape[2], _MIN_TIMESTEPS) if reset else self.n_timesteps_in_
        if X.shape[2] > length:
            raise ValueError(
                f"X has series of {X.shape[2]} timestamps, but {name} was fitted on series "
                f"of {length}: the ROCKET transforms need one length. Crop the series to "
                f"{length} timestamps, or fit on series as long as the longest."
            )
        if X.shape[2] < length:
            # NaN-pad at the end: fill_missing_timestamps then repeats the last value.
            X = np.concatenate(
                [X, np.full((*X.shape[:2], length - X.shape[2]), np.nan)], axis=2)
        return fill_missing_timestamps(X)

    def _seed(self) -> int:
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the transforms and their scaling on ``X`` (labels are not used).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
            Training series; NaN marks missing timestamps.
        y : None
            Ignored.

        Returns
        -------
        self : RocketFeatures
        """
        classes = _import_transforms()
        X = self._series(X, reset=True)
        seed = self._seed()
        parts = {"multirocket_hydra": ("hydra", "multirocket")}.get(self.kind, (self.kind,))
        transformers, scales = [], []
        with _global_rngs_restored():
            for part in parts:
                transformer = classes[part](n_jobs=self.n_jobs, random_state=seed)
                F = np.asarray(transformer.fit_transform(X), dtype=np.float64)
                if part == "hydra":
                    scales.append(_hydra_scaler(F))
                else:
                    scaler = StandardScaler().fit(F)
                    scales.append((scaler.mean_, scaler.scale_))
                transformers.append(transformer)
        self.n_timesteps_in_ = X.shape[2]
        self.transformers_ = transformers
        self.scales_ = scales
        self.parts_ = parts
        self.n_features_out_ = sum(len(mean) for mean, _ in scales)
        return self

    def transform(self, X):
        """The scaled features of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
            Series with the channels seen in :meth:`fit`, at most as long.

        Returns
        -------
        features : ndarray of shape (n_samples, ``n_features_out_``)
            float32.
        """
        check_is_fitted(self, "transformers_")
        X = self._series(X, reset=False)
        blocks = []
        with _global_rngs_restored():
            for part, transformer, (mean, scale) in zip(self.parts_, self.transformers_,
                                                          self.scales_):
                F = np.asarray(transformer.transform(X), dtype=np.float64)
                if part == "hydra":
                    root = np.sqrt(np.clip(F, 0.0, None))
                    blocks.append((root - mean) * (root != 0) / scale)
                else:
                    blocks.append((F - mean) / scale)
        return np.concatenate(blocks, axis=1).astype(np.float32)

    @property
    def _n_features_out(self):
        return self.n_features_out_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = []  # float32 features (memory: ~10^4 each)
        tags.non_deterministic = False
        return tags

    def _expected_failed_checks(self):
        reason = (
            "2-D input is a collection of univariate series: n_features_in_ counts channels, "
            "and shorter series at transform are padded, which is valid input"
        )
        return {
            "check_n_features_in": reason,
            "check_n_features_in_after_fitting": reason,
            "check_transformer_general": reason,
        }
