"""``UntrainedEmbedder``: an embedder's encoder at its initial weights, as a control.

A randomly initialised network is a surprisingly strong feature extractor (random
convolutions and random projections keep a lot of the input's geometry), so a
contrastive embedder only earns its training time if it beats the same encoder left
untrained. This wrapper builds that control from any skcontrast embedder: the same
validation, preprocessing (e.g. SCARF's standardisation, TS2Vec's centring and
pooling) and seeded initial weights, with zero optimiser steps.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from .._compat import _fit_context
from .._persistence import PersistenceMixin
from ..base import BaseContrastiveEmbedder, fit_all_or_nothing

__all__ = ["UntrainedEmbedder"]


class UntrainedEmbedder(
    PersistenceMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """The encoder of ``embedder`` at its seeded initial weights, never trained.

    ``fit`` runs everything ``embedder.fit`` runs except the optimisation (the
    embedder's :meth:`~skcontrast.base.BaseContrastiveEmbedder.initialize`): input
    validation, fitted preprocessing, and the construction of the encoder with the
    weights that ``embedder.random_state`` gives it. ``transform`` then embeds with
    that untrained encoder. Use it as the "random encoder" control next to the
    trained embedder: same architecture, same seed, no learning.

    Parameters
    ----------
    embedder : BaseContrastiveEmbedder
        An unfitted skcontrast embedder (:class:`~skcontrast.SCARFEmbedder`,
        :class:`~skcontrast.TS2VecEmbedder`, ...). It is cloned in ``fit``; its
        ``random_state`` seeds the initial weights. Supervised embedders get ``y``.

    Attributes
    ----------
    embedder_ : BaseContrastiveEmbedder
        The fitted clone, with ``n_steps_ == 0``.
    n_features_in_ : int
        Number of features (tabular) or channels (time series) seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to ``fit``.

    See Also
    --------
    skcontrast.SCARFEmbedder, skcontrast.TS2VecEmbedder

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast import SCARFEmbedder, UntrainedEmbedder
    >>> X = np.random.RandomState(0).normal(size=(50, 6))
    >>> control = UntrainedEmbedder(SCARFEmbedder(n_components=8, random_state=0)).fit(X)
    >>> control.transform(X).shape, control.embedder_.n_steps_  # [x, f(x)]: 6 + 8 columns
    ((50, 14), 0)
    """

    _parameter_constraints: dict = {"embedder": [BaseContrastiveEmbedder]}

    def __init__(self, embedder):
        self.embedder = embedder

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Validate ``X``, fit the preprocessing and build the initial encoder.

        Parameters
        ----------
        X : array-like
            Training data, in the layout ``embedder`` expects.
        y : array-like of shape (n_samples,), default=None
            Passed on to ``embedder`` (required by supervised embedders' validation).

        Returns
        -------
        self : object
            The fitted control.
        """
        return fit_all_or_nothing(self, self._fit, X, y)

    def _fit(self, X, y):
        if not isinstance(self.embedder, BaseContrastiveEmbedder):
            raise TypeError(
                "UntrainedEmbedder wraps a skcontrast embedder (SCARFEmbedder, "
                f"TS2VecEmbedder, ...); got {type(self.embedder).__name__}."
            )
        embedder = clone(self.embedder).initialize(X, y)
        self.embedder_ = embedder
        self.n_features_in_ = embedder.n_features_in_
        if hasattr(embedder, "feature_names_in_"):
            self.feature_names_in_ = embedder.feature_names_in_

    def transform(self, X):
        """Embed ``X`` with the untrained encoder.

        Parameters
        ----------
        X : array-like
            Data with the layout and number of features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components), dtype float32
            The embeddings.
        """
        check_is_fitted(self, "embedder_")
        return self.embedder_.transform(X)

    @property
    def _n_features_out(self):
        if not hasattr(self, "embedder_"):
            raise AttributeError("_n_features_out is only defined once fitted")
        return self.embedder_._n_features_out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.embedder.__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.target_tags.required = inner.target_tags.required
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags
