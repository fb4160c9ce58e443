"""The TS2Vec SVM probe: an RBF support vector classifier with the paper's C search.

TS2Vec (Yue et al., 2022) reports every classification result with one fixed
protocol, implemented in its ``fit_svm``:

* ``SVC(kernel="rbf", gamma="scale")`` on the raw representation (no scaling);
* if ``n_train // n_classes < 5`` or ``n_train < 50``, fit ``C=inf`` (a hard margin)
  directly: there is too little data for a cross-validated search;
* otherwise a 5-fold ``GridSearchCV`` over
  ``C in {1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000, 10000, inf}``, after subsampling
  the training set to 10,000 rows (stratified) when it is larger.

:class:`SVMProbe` is that protocol as a scikit-learn classifier, so that it drops
into a ``Pipeline`` after any embedder.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, check_cv, train_test_split
from sklearn.svm import SVC
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, _fit_context, validate_data
from .._input import numeric_or_explain
from .._persistence import PersistenceMixin
from ..base import fit_all_or_nothing
from ._checks import check_probe_features, check_probe_labels

__all__ = ["TS2VEC_C_GRID", "SVMProbe"]

#: The C values searched by TS2Vec's ``fit_svm`` (``inf`` is a hard margin).
TS2VEC_C_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0, 10000.0, math.inf)

# TS2Vec's grid search fixes ``max_iter=10_000_000`` on the searched SVCs while its
# small-data branch keeps libsvm's default: no limit, and a hard margin (C=inf) on
# training rows that cannot be separated (identical rows with different labels) never
# converges. The small-data branch is bounded here (a million iterations take about a
# tenth of a second on 20 rows) and says so when it stops early.
_GRID_MAX_ITER = 10_000_000
_SMALL_MAX_ITER = 1_000_000


def _is_small(n_train: int, n_classes: int) -> bool:
    """TS2Vec's rule for skipping the C search (too few rows per class or overall)."""
    return n_train // n_classes < 5 or n_train < 50


def _stratified_subsample(y: np.ndarray, size: int, random_state) -> np.ndarray:
    """Return sorted indices of a stratified subsample of ``size`` rows of ``y``.

    Stratification needs at least two members in every class; with a singleton
    class (where TS2Vec's own call to ``train_test_split`` would crash) we fall
    back to a uniform subsample and say so.
    """
    indices = np.arange(y.shape[0])
    _, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 else None
    if stratify is None:
        warnings.warn(
            "A class has a single training example, so the SVM probe's subsample to "
            f"max_train_size={size} is uniform instead of stratified.",
            UserWarning,
            stacklevel=3,
        )
    chosen, _ = train_test_split(
        indices, train_size=size, stratify=stratify, random_state=random_state
    )
    return np.sort(chosen)


def _fit_hard_margin(X, y) -> SVC:
    """TS2Vec's small-data fit (C=inf), bounded, with a warning that says what happened."""
    svc = SVC(C=math.inf, kernel="rbf", gamma="scale", max_iter=_SMALL_MAX_ITER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        svc.fit(X, y)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        warnings.warn(
            f"SVMProbe's hard-margin SVC (C=inf, TS2Vec's rule for {len(y)} training rows) "
            f"stopped after {_SMALL_MAX_ITER} iterations without converging: the training "
            "rows cannot be separated (e.g. identical rows with different labels), so its "
            "predictions are unreliable. Use more rows, or small_data_rule=False to choose "
            "C by cross-validation.",
            ConvergenceWarning,
            stacklevel=4,
        )
    return svc


class SVMProbe(PersistenceMixin, ClassifierMixin, BaseEstimator):
    """RBF SVM classifier with the TS2Vec evaluation protocol.

    Fits ``SVC(kernel="rbf", gamma="scale")`` on the features as given (TS2Vec does
    not scale them). When the training set is small (``n_train // n_classes < 5``
    or ``n_train < 50``) the SVC is fitted once with ``C=inf``; otherwise ``C`` is
    chosen by a ``cv``-fold grid search over ``C_grid``, on a stratified subsample of
    ``max_train_size`` rows when the training set is larger than that.

    Parameters
    ----------
    C_grid : sequence of float, default=TS2VEC_C_GRID
        Values of ``C`` searched by the grid search, ``inf`` allowed (a hard
        margin; scikit-learn's ``SVC`` accepts ``C=numpy.inf``). The default is
        TS2Vec's ``(1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000, 10000, inf)``.
    cv : int or cross-validation generator, default=5
        Cross-validation of the grid search. An integer means stratified K-fold
        without shuffling, as in TS2Vec.
    max_train_size : int or None, default=10000
        When the grid search runs on more rows than this, it runs on a stratified
        subsample of this size drawn with ``random_state`` (TS2Vec draws it with
        seed 0). ``None`` never subsamples.
    small_data_rule : bool, default=True
        Apply TS2Vec's small-data rule (fit ``C=inf`` without a search when
        ``n_train // n_classes < 5`` or ``n_train < 50``). ``False`` always searches.
    probability : bool, default=False
        Also fit a Platt-scaled calibrator (``CalibratedClassifierCV`` with
        ``method="sigmoid"``, ``ensemble=False``, the best ``C``) so that
        :meth:`predict_proba` is available. This costs ``cv`` extra SVC fits.
        ``predict`` and ``decision_function`` always use the uncalibrated SVC
        (the protocol's accuracy), so ``predict`` may disagree with the argmax of
        ``predict_proba`` on a few points, as with ``SVC(probability=True)``.
        AUROC and AUPRC only need :meth:`decision_function`.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsample to ``max_train_size`` (libsvm itself is deterministic
        here because ``probability`` is never passed to ``SVC``).
    n_jobs : int or None, default=None
        Parallel jobs of the grid search (``None`` means 1).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    best_C_ : float
        The ``C`` of the fitted SVC (``inf`` on the small-data branch).
    estimator_ : sklearn.svm.SVC
        The fitted SVC used by ``predict`` and ``decision_function``.
    grid_search_ : sklearn.model_selection.GridSearchCV or None
        The fitted grid search, or ``None`` when the small-data branch ran.
    calibrator_ : sklearn.calibration.CalibratedClassifierCV or None
        The probability calibrator (``probability=True`` only).
    subsample_indices_ : ndarray of int or None
        Rows of the training set the grid search used, or ``None`` if it used all.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to ``fit``.

    See Also
    --------
    skcontrast.probes.make_knn_probe : ``StandardScaler`` + 1-nearest neighbour.
    skcontrast.probes.make_logistic_probe : ``StandardScaler`` + one-vs-rest logistic.
    skcontrast.probes.evaluate_probes : Fit an embedder and score every probe.

    References
    ----------
    Z. Yue et al., "TS2Vec: Towards Universal Representation of Time Series",
    AAAI 2022, and ``tasks/_eval_protocols.py::fit_svm`` in its official code.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcontrast.probes import SVMProbe
    >>> X, y = make_classification(n_samples=40, n_features=5, random_state=0)
    >>> probe = SVMProbe().fit(X, y)  # 40 < 50 rows: C=inf, no search
    >>> probe.best_C_, probe.grid_search_ is None
    (inf, True)
    >>> X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    >>> probe = SVMProbe().fit(X, y)  # 5-fold search over the TS2Vec grid
    >>> probe.best_C_ in probe.C_grid
    True
    """

    _parameter_constraints: dict = {
        "C_grid": ["array-like"],
        "cv": ["cv_object"],
        "max_train_size": [Interval(Integral, 1, None, closed="left"), None],
        "small_data_rule": ["boolean"],
        "probability": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    #: The grid search's records are not saved by save() (best_C_ and the SVC are).
    _not_saved = ("grid_search_",)

    def __init__(
        self,
        C_grid=TS2VEC_C_GRID,
        cv=5,
        max_train_size=10000,
        small_data_rule=True,
        probability=False,
        random_state=None,
        n_jobs=None,
    ):
        self.C_grid = C_grid
        self.cv = cv
        self.max_train_size = max_train_size
        self.small_data_rule = small_data_rule
        self.probability = probability
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _checked_grid(self) -> list[float]:
        try:
            grid = np.asarray(self.C_grid, dtype=float).ravel()
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"C_grid must be a sequence of positive numbers (inf allowed); got "
                f"{self.C_grid!r}."
            ) from exc
        if grid.size == 0:
            raise ValueError(
                "C_grid is empty; pass at least one positive value of C, e.g. "
                "skcontrast.probes.TS2VEC_C_GRID."
            )
        if np.isnan(grid).any() or (grid <= 0).any():
            raise ValueError(
                f"C_grid must hold positive values (inf allowed); got {self.C_grid!r}."
            )
        return [float(c) for c in grid]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Choose ``C`` with the TS2Vec protocol and fit the SVC.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features (embeddings); used as given, without scaling.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : SVMProbe
            The fitted probe.
        """
        return fit_all_or_nothing(self, self._fit, X, y)

    def _fit(self, X, y):
        check_probe_features(X, "SVMProbe")
        check_probe_labels(y, "SVMProbe")
        X, y = numeric_or_explain(X, "SVMProbe",
                                   lambda X: validate_data(self, X, y, reset=True))
        check_classification_targets(y)
        grid = self._checked_grid()
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"SVMProbe needs at least 2 classes in y; got one class, {classes.tolist()}."
            )
        if not np.ptp(X, axis=0).any():
            raise ValueError(
                "Every training row of X is identical (constant features): an SVM has "
                "nothing to separate. If these are embeddings, the encoder collapsed: "
                "check the embedder's training (loss_curve_, learning_rate)."
            )
        self.classes_ = classes
        n_train, n_classes = X.shape[0], self.classes_.shape[0]
        self.subsample_indices_ = None

        if self.small_data_rule and _is_small(n_train, n_classes):
            self.grid_search_ = None
            self.estimator_ = _fit_hard_margin(X, y)
        else:
            try:  # a bad cv fails here, clearly, rather than inside the grid search
                list(check_cv(self.cv, y, classifier=True).split(X, y))
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"cv must be an int >= 2, a cross-validation splitter or an iterable of "
                    f"(train, test) index arrays that suits the {n_train} training rows; "
                    f"got {self.cv!r} ({exc})."
                ) from exc
            X_search, y_search = X, y
            if self.max_train_size is not None and n_train > self.max_train_size:
                rng = check_random_state(self.random_state)
                seed = int(rng.randint(np.iinfo(np.int32).max))
                self.subsample_indices_ = _stratified_subsample(y, self.max_train_size, seed)
                X_search = X[self.subsample_indices_]
                y_search = y[self.subsample_indices_]
            search = GridSearchCV(
                SVC(kernel="rbf", gamma="scale", max_iter=_GRID_MAX_ITER),
                {"C": grid},
                cv=self.cv,
                n_jobs=self.n_jobs,
                refit=True,
            )
            self.grid_search_ = search.fit(X_search, y_search)
            self.estimator_ = search.best_estimator_
        self.best_C_ = float(self.estimator_.C)

        self.calibrator_ = None
        if self.probability:
            self.calibrator_ = self._fit_calibrator(X, y)

    def _fit_calibrator(self, X, y):
        if self.subsample_indices_ is not None:
            X, y = X[self.subsample_indices_], y[self.subsample_indices_]
        _, counts = np.unique(y, return_counts=True)
        n_splits = self.cv if isinstance(self.cv, Integral) else 5
        # Platt scaling needs every class in every calibration fold.
        n_splits = int(min(n_splits, counts.min()))
        if n_splits < 2:
            raise ValueError(
                "probability=True needs at least 2 training examples of every class "
                "to calibrate the SVM; set probability=False and use "
                "decision_function for ranking metrics such as AUROC."
            )
        calibrator = CalibratedClassifierCV(
            SVC(C=self.best_C_, kernel="rbf", gamma="scale"),
            method="sigmoid",
            cv=n_splits,
            ensemble=False,
        )
        return calibrator.fit(X, y)

    def decision_function(self, X):
        """Signed distances to the SVC's separating surfaces.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the score of ``classes_[1]``; otherwise one-vs-rest
            scores, one column per class of ``classes_``.
        """
        check_is_fitted(self)
        check_probe_features(X, "SVMProbe")
        X = numeric_or_explain(X, "SVMProbe", lambda X: validate_data(self, X, reset=False))
        return self.estimator_.decision_function(X)

    def predict(self, X):
        """Predict class labels with the fitted SVC.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        check_probe_features(X, "SVMProbe")
        X = numeric_or_explain(X, "SVMProbe", lambda X: validate_data(self, X, reset=False))
        return self.estimator_.predict(X)

    def _has_probability(self):
        return self.probability

    @available_if(_has_probability)
    def predict_proba(self, X):
        """Platt-calibrated class probabilities (``probability=True`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        check_probe_features(X, "SVMProbe")
        X = numeric_or_explain(X, "SVMProbe", lambda X: validate_data(self, X, reset=False))
        return self.calibrator_.predict_proba(X)
