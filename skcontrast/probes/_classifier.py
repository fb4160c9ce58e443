"""``ProbeClassifier``: an embedder pre-trained on every row, a probe on the labelled ones."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from .._compat import HasMethods, _fit_context
from .._input import check_array_like
from .._persistence import PersistenceMixin
from ..base import fit_all_or_nothing, with_partial_labels
from ..utils import fit_embedder, labelled_subset, set_random_state
from ._evaluate import make_probe
from ._simple import PROBES

__all__ = ["ProbeClassifier"]


def _probe_has(method):
    def check(self):
        probe = self.probe_ if hasattr(self, "probe_") else self._make_probe(0)
        return hasattr(probe, method)

    return check


class ProbeClassifier(PersistenceMixin, ClassifierMixin, BaseEstimator):
    """A classifier made of an embedder fitted on every row and a probe on the labelled ones.

    The label-efficiency protocol as one estimator: :meth:`fit` takes every training
    row, with ``None`` or ``NaN`` as the label of the unlabelled ones. The embedder
    learns from every row (self-supervised embedders without labels, ExpCLR with the
    known ones, supervised embedders from the labelled rows:
    :func:`~skcontrast.utils.fit_embedder`); the probe is fitted on the embeddings of
    the labelled rows. With every row labelled it is simply ``make_pipeline(embedder,
    probe)``. Use it in :func:`~skcontrast.robustness.robustness_curve` to compare
    embedders at a few labels with baselines that only see the labelled rows.

    Parameters
    ----------
    embedder : transformer, default=None
        An unfitted embedder (any transformer; cloned in :meth:`fit`). ``None`` means
        ``SCARFEmbedder()``.
    probe : str or classifier, default="logistic"
        A name of :data:`~skcontrast.probes.PROBES` or an unfitted classifier (cloned).
    prefit : bool, default=False
        Use ``embedder`` as already fitted (e.g. on a large unlabelled set): only the
        probe is fitted. ``clone`` (hence ``GridSearchCV``, ``cross_validate``,
        :func:`~skcontrast.robustness.robustness_curve`) returns an unfitted copy of
        the embedder; there, pass ``sklearn.frozen.FrozenEstimator(embedder)`` instead,
        which survives cloning and is never refitted.
    random_state : int, RandomState instance or None, default=None
        Seeds every ``*random_state`` of the embedder (unless ``prefit``) and the probe.

    Attributes
    ----------
    embedder_ : transformer
        The fitted embedder.
    probe_ : classifier
        The fitted probe.
    classes_ : ndarray of shape (n_classes,)
        The classes of the labelled rows.
    n_labelled_ : int
        Number of labelled rows the probe was fitted on.

    See Also
    --------
    skcontrast.FineTunedClassifier : Fine-tune the embedder's encoder instead.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcontrast import SCARFEmbedder
    >>> from skcontrast.probes import ProbeClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> y_few = np.where(np.arange(len(y)) % 10 == 0, y, np.nan)  # 10 % labelled
    >>> clf = ProbeClassifier(SCARFEmbedder(max_epochs=3), random_state=0).fit(X, y_few)
    >>> clf.n_labelled_, clf.predict(X[:3]).shape
    (57, (3,))
    """

    _parameter_constraints: dict = {
        "embedder": [HasMethods(["fit", "transform"]), None],
        "probe": [str, HasMethods(["fit", "predict"])],
        "prefit": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, embedder=None, probe="logistic", *, prefit=False, random_state=None):
        self.embedder = embedder
        self.probe = probe
        self.prefit = prefit
        self.random_state = random_state

    def _make_probe(self, seed):
        if isinstance(self.probe, str):
            return make_probe(self.probe, seed)
        if not is_classifier(self.probe):
            raise TypeError(
                f"probe must be one of {sorted(PROBES)} or a scikit-learn classifier; "
                f"got {self.probe!r}."
            )
        return set_random_state(clone(self.probe), seed)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the embedder on every row and the probe on the labelled rows.

        Parameters
        ----------
        X : array-like
            Every training row, in the embedder's layout.
        y : array-like of shape (n_samples,)
            Labels; ``None`` or ``NaN`` for the unlabelled rows.

        Returns
        -------
        self : ProbeClassifier
        """
        return fit_all_or_nothing(self, self._fit, X, y)

    def _fit(self, X, y):
        check_array_like(X, "ProbeClassifier")
        if y is None:  # scikit-learn's wording, which its estimator checks look for
            raise ValueError("ProbeClassifier requires y to be passed, but the target y is "
                             "None. Pass the labels, with None or NaN for unlabelled rows.")
        if isinstance(y, set | frozenset | dict | str):
            raise TypeError(f"ProbeClassifier needs y as a 1-D array-like of labels (None or "
                            f"NaN for the unlabelled rows); got {type(y).__name__}.")
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        X_labelled, y_labelled = labelled_subset(X, y)
        if len(y_labelled) == 0:
            raise ValueError(
                "Input y contains NaN (or None) for every row: the probe needs labelled "
                "rows. Label some rows, or use the embedder alone."
            )
        probe = self._make_probe(seed)  # a bad probe fails before the embedder trains
        if self.prefit:
            try:
                check_is_fitted(self.embedder)
            except NotFittedError as exc:
                raise NotFittedError(
                    f"prefit=True but the embedder is not fitted ({exc}). If this "
                    "ProbeClassifier was cloned (GridSearchCV, cross_validate, "
                    "robustness_curve clone their estimators), the clone holds an unfitted "
                    "copy: wrap the fitted embedder in sklearn.frozen.FrozenEstimator instead "
                    "of passing prefit=True."
                ) from exc
            embedder = self.embedder
        else:
            if self.embedder is None:
                from ..embedders import SCARFEmbedder

                embedder = SCARFEmbedder()
            else:
                embedder = clone(self.embedder)
            embedder = fit_embedder(set_random_state(embedder, seed), X, y)
        self.probe_ = probe.fit(embedder.transform(X_labelled), y_labelled)
        self.embedder_ = embedder
        self.classes_ = self.probe_.classes_
        self.n_labelled_ = len(y_labelled)
        if hasattr(embedder, "n_features_in_"):
            self.n_features_in_ = embedder.n_features_in_

    def _embed(self, X):
        check_is_fitted(self, "probe_")
        return self.embedder_.transform(X)

    def predict(self, X):
        """Predicted classes.

        Parameters
        ----------
        X : array-like
            Rows in the embedder's layout.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        Z = self._embed(X)
        return self.probe_.predict(Z)

    @available_if(_probe_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the probe.

        Parameters
        ----------
        X : array-like
            Rows in the embedder's layout.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._embed(X)
        return self.probe_.predict_proba(Z)

    @available_if(_probe_has("decision_function"))
    def decision_function(self, X):
        """Decision scores of the probe (only when the probe has ``decision_function``).

        Parameters
        ----------
        X : array-like
            Rows in the embedder's layout.

        Returns
        -------
        scores : ndarray
        """
        Z = self._embed(X)
        return self.probe_.decision_function(Z)

    def __sklearn_tags__(self):
        # Rows without a label pre-train the embedder; the probe fits the labelled ones.
        return with_partial_labels(super().__sklearn_tags__())
