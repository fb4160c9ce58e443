"""The kNN and linear probes of the TS2Vec protocol, and the registry of all probes.

A probe is a small supervised model fitted on frozen embeddings: how well it does
measures how much label information the representation exposes. TS2Vec's
``_eval_protocols.py`` defines three, reproduced here:

* ``"svm"``: :class:`~skcontrast.probes.SVMProbe` (RBF SVM with its C search);
* ``"knn"``: ``StandardScaler`` then 1-nearest-neighbour;
* ``"logistic"``: ``StandardScaler`` then one-vs-rest logistic regression.

plus ``"random_forest"`` and ``"gradient_boosting"``, not probes of any paper's
protocol but the strong raw-feature baselines for tables (SCARF compares against tree
ensembles; gradient-boosted trees must always be shown next to tabular deep learning),
and ``"ridge"``, the classifier of the ROCKET papers (MiniRocket, MultiRocket, Hydra),
for :class:`~skcontrast.baselines.RocketFeatures`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import Interval, StrOptions, _fit_context
from .._input import numeric_or_explain
from ._checks import CheckedEmbeddings, check_probe_features, check_probe_labels
from ._svm import SVMProbe

__all__ = [
    "PROBES",
    "GradientBoostingProbe",
    "make_knn_probe",
    "make_logistic_probe",
    "make_gradient_boosting_probe",
    "make_random_forest_probe",
    "make_ridge_probe",
    "make_svm_probe",
]


def make_svm_probe(**params) -> SVMProbe:
    """Return the TS2Vec SVM probe, :class:`SVMProbe`.

    Parameters
    ----------
    **params
        Parameters of :class:`SVMProbe` (``C_grid``, ``cv``, ``max_train_size``,
        ``small_data_rule``, ``probability``, ``random_state``, ``n_jobs``).

    Returns
    -------
    probe : SVMProbe
        An unfitted probe.

    Examples
    --------
    >>> from skcontrast.probes import make_svm_probe
    >>> make_svm_probe(random_state=0)
    SVMProbe(random_state=0)
    """
    return SVMProbe(**params)


def make_knn_probe(n_neighbors: int = 1) -> Pipeline:
    """Return TS2Vec's kNN probe: ``StandardScaler`` then a 1-nearest-neighbour vote.

    Parameters
    ----------
    n_neighbors : int, default=1
        Number of neighbours (TS2Vec uses 1).

    Returns
    -------
    probe : sklearn.pipeline.Pipeline
        Steps ``"check"`` (input checks with clear messages), ``"scaler"`` and ``"knn"``,
        unfitted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import make_knn_probe
    >>> X, y = load_iris(return_X_y=True)
    >>> float(make_knn_probe().fit(X, y).score(X, y))  # 1-NN recalls its training set
    1.0
    """
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, Integral) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be a positive integer; got {n_neighbors!r}.")
    return Pipeline([("check", CheckedEmbeddings()), ("scaler", StandardScaler()),
                     ("knn", KNeighborsClassifier(n_neighbors=n_neighbors))])


def make_logistic_probe(random_state=None, max_iter: int = 1_000_000, C: float = 1.0,
                        scale: bool = True) -> Pipeline:
    """Return TS2Vec's linear probe: ``StandardScaler`` then one-vs-rest logistic regression.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Passed to ``LogisticRegression`` (TS2Vec uses 0; lbfgs does not use it,
        but other solvers set through ``set_params`` do).
    max_iter : int, default=1_000_000
        Iteration cap of lbfgs; TS2Vec's value, large so that the probe converges
        rather than warns.
    C : float, default=1.0
        Inverse L2-regularisation strength (TS2Vec keeps the default).
    scale : bool, default=True
        Standardise the features first (TS2Vec's protocol). ``False`` fits the
        logistic regression on the features as they come, as a
        ``make_pipeline(embedder, LogisticRegression())`` does: with few labels it is the
        better probe of skcontrast's tabular embeddings, whose standardised input block
        then keeps the weight it has (the user guide, "When does pre-training help?").

    Returns
    -------
    probe : sklearn.pipeline.Pipeline
        Steps ``"check"`` (input checks with clear messages), ``"scaler"`` (when
        ``scale``) and ``"logistic"`` (a ``OneVsRestClassifier``), unfitted.

    Notes
    -----
    TS2Vec asks for ``LogisticRegression(multi_class="ovr")``; scikit-learn removed
    that option, and ``OneVsRestClassifier`` is its documented replacement: one
    binary model per class, probabilities normalised across classes.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import make_logistic_probe
    >>> X, y = load_iris(return_X_y=True)
    >>> probe = make_logistic_probe(random_state=0).fit(X, y)
    >>> len(probe.named_steps["logistic"].estimators_)  # one binary model per class
    3
    """
    logistic = LogisticRegression(C=C, max_iter=max_iter, random_state=random_state)
    steps = [("scaler", StandardScaler())] if scale else []
    return Pipeline([("check", CheckedEmbeddings()), *steps,
                     ("logistic", OneVsRestClassifier(logistic))])


#: Factories of the three TS2Vec probes, by name. Each takes keyword arguments
#: and returns an unfitted classifier.
def make_random_forest_probe(random_state=None, n_estimators: int = 500) -> RandomForestClassifier:
    """Return a random forest: the raw-feature baseline of the benchmark tables.

    Not part of TS2Vec's protocol. Trees ignore feature scales, so no scaler.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Seeds the bootstrap and the feature draws.
    n_estimators : int, default=500
        Number of trees; enough for the score to settle on small tables.

    Returns
    -------
    probe : sklearn.ensemble.RandomForestClassifier
        Unfitted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import make_random_forest_probe
    >>> X, y = load_iris(return_X_y=True)
    >>> make_random_forest_probe(random_state=0).fit(X, y).n_estimators
    500
    """
    return RandomForestClassifier(n_estimators=n_estimators, random_state=random_state)


class GradientBoostingProbe(ClassifierMixin, BaseEstimator):
    """Histogram gradient-boosted trees whose smallest leaf follows the number of rows.

    scikit-learn's ``HistGradientBoostingClassifier`` needs 20 rows in every leaf by
    default: fitted on 14 labelled rows it cannot split once and predicts one class
    (chance AUROC). Here ``min_samples_leaf="auto"`` sets the leaf size from the rows the
    probe is fitted on, ``clip(n_rows // 20, 1, 20)``: 1 row up to 39 rows, 5 at 100,
    scikit-learn's 20 from 400 rows on. Everything else is scikit-learn's default (100
    iterations, learning rate 0.1, 31 leaves, native missing values).

    Parameters
    ----------
    min_samples_leaf : int or "auto", default="auto"
        Smallest number of rows in a leaf; ``"auto"``: see above.
    max_iter : int, default=100
        Boosting iterations.
    learning_rate : float, default=0.1
        Shrinkage.
    random_state : int, RandomState instance or None, default=None
        Seeds the trees' (validation) subsampling.

    Attributes
    ----------
    estimator_ : sklearn.ensemble.HistGradientBoostingClassifier
        The fitted model.
    min_samples_leaf_ : int
        The leaf size used.
    n_iter_ : int
        Boosting iterations done.
    classes_ : ndarray of shape (n_classes,)
        The classes seen in :meth:`fit`.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import GradientBoostingProbe
    >>> X, y = load_iris(return_X_y=True)
    >>> few = [0, 1, 2, 3, 4, 50, 51, 52, 53, 54, 100, 101, 102, 103, 104]  # 5 per class
    >>> probe = GradientBoostingProbe(random_state=0).fit(X[few], y[few])
    >>> probe.min_samples_leaf_, float(probe.score(X, y)) > 0.8
    (1, True)
    """

    _parameter_constraints: dict = {
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, min_samples_leaf="auto", max_iter=100, learning_rate=0.1,
                 random_state=None):
        self.min_samples_leaf = min_samples_leaf
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the trees on ``(X, y)``, with the leaf size for ``len(y)`` rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features; NaN is allowed (the trees route missing values).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : GradientBoostingProbe
        """
        name = type(self).__name__
        check_probe_features(X, name)
        check_probe_labels(y, name)
        X, y = numeric_or_explain(X, name, lambda X: validate_data(
            self, X, y, ensure_all_finite="allow-nan"))
        leaf = self.min_samples_leaf
        if leaf == "auto":
            leaf = int(np.clip(X.shape[0] // 20, 1, 20))
        self.estimator_ = HistGradientBoostingClassifier(
            min_samples_leaf=leaf, max_iter=self.max_iter, learning_rate=self.learning_rate,
            random_state=self.random_state,
        ).fit(X, y)
        self.min_samples_leaf_ = leaf
        self.n_iter_ = self.estimator_.n_iter_
        self.classes_ = self.estimator_.classes_
        return self

    def _fitted_features(self, X):
        check_is_fitted(self, "estimator_")
        name = type(self).__name__
        check_probe_features(X, name)
        return numeric_or_explain(X, name, lambda X: validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan"))

    def predict(self, X):
        """Predicted classes of ``X``."""
        X = self._fitted_features(X)
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        """Class probabilities of ``X``, shape ``(n_samples, n_classes)``."""
        X = self._fitted_features(X)
        return self.estimator_.predict_proba(X)

    def decision_function(self, X):
        """The trees' raw scores of ``X`` (log-odds)."""
        X = self._fitted_features(X)
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def make_gradient_boosting_probe(random_state=None, **params) -> GradientBoostingProbe:
    """Return gradient-boosted trees sized for the rows they see: :class:`GradientBoostingProbe`.

    The strongest raw-feature baseline for tables with many labels, configured so that
    it is a real one with few (scikit-learn's default leaf of 20 rows cannot split 14).

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Seeds the (validation) subsampling.
    **params
        Other parameters of :class:`GradientBoostingProbe`.

    Returns
    -------
    probe : GradientBoostingProbe
        Unfitted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import make_gradient_boosting_probe
    >>> X, y = load_iris(return_X_y=True)
    >>> make_gradient_boosting_probe(random_state=0).fit(X, y).min_samples_leaf_
    7
    """
    return GradientBoostingProbe(random_state=random_state, **params)


#: The regularisation strengths of the ROCKET papers' ridge classifier.
RIDGE_ALPHAS = np.logspace(-3, 3, 10)


def make_ridge_probe(scale: bool = False, alphas=None):
    """Return the classifier of the ROCKET papers: ``RidgeClassifierCV`` over 10 alphas.

    MiniRocket, MultiRocket and Hydra classify with a ridge regression whose
    regularisation is chosen by efficient leave-one-out cross-validation over
    ``np.logspace(-3, 3, 10)``. Their features come scaled
    (:class:`~skcontrast.baselines.RocketFeatures` scales its own), so by default no
    scaler; ``scale=True`` standardises first, like TS2Vec's probes, for other
    embeddings.

    Parameters
    ----------
    scale : bool, default=False
        Put a ``StandardScaler`` (fitted on the probe's rows) first.
    alphas : array-like or None, default=None
        Regularisation strengths; ``None``: ``np.logspace(-3, 3, 10)``.

    Returns
    -------
    probe : sklearn.pipeline.Pipeline
        Steps ``"check"`` (input checks with clear messages), ``"scaler"`` (when
        ``scale``) and ``"ridge"``, unfitted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import make_ridge_probe
    >>> X, y = load_iris(return_X_y=True)
    >>> probe = make_ridge_probe(scale=True).fit(X, y)
    >>> float(probe.score(X, y)) > 0.8
    True
    """
    ridge = RidgeClassifierCV(alphas=RIDGE_ALPHAS if alphas is None else np.asarray(alphas))
    steps = [("scaler", StandardScaler())] if scale else []
    return Pipeline([("check", CheckedEmbeddings()), *steps, ("ridge", ridge)])


PROBES = {
    "svm": make_svm_probe,
    "knn": make_knn_probe,
    "logistic": make_logistic_probe,
    "random_forest": make_random_forest_probe,
    "gradient_boosting": make_gradient_boosting_probe,
    "ridge": make_ridge_probe,
}
