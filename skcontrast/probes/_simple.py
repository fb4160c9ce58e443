"""The kNN and linear probes of the TS2Vec protocol, and the registry of all probes.

A probe is a small supervised model fitted on frozen embeddings: how well it does
measures how much label information the representation exposes. TS2Vec's
``_eval_protocols.py`` defines three, reproduced here:

* ``"svm"``: :class:`~skcontrast.probes.SVMProbe` (RBF SVM with its C search);
* ``"knn"``: ``StandardScaler`` then 1-nearest-neighbour;
* ``"logistic"``: ``StandardScaler`` then one-vs-rest logistic regression.

plus ``"random_forest"`` and ``"gradient_boosting"``, not probes of any paper's
protocol but the strong raw-feature baselines for tables (SCARF compares against tree
ensembles; gradient-boosted trees must always be shown next to tabular deep learning).
"""

from __future__ import annotations

from numbers import Integral

from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._svm import SVMProbe

__all__ = [
    "PROBES",
    "make_knn_probe",
    "make_logistic_probe",
    "make_gradient_boosting_probe",
    "make_random_forest_probe",
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
        Steps ``"scaler"`` and ``"knn"``, unfitted.

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
    return Pipeline(
        [("scaler", StandardScaler()), ("knn", KNeighborsClassifier(n_neighbors=n_neighbors))]
    )


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
        Steps ``"scaler"`` (when ``scale``) and ``"logistic"`` (a
        ``OneVsRestClassifier``), unfitted.

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
    return Pipeline([*steps, ("logistic", OneVsRestClassifier(logistic))])


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


def make_gradient_boosting_probe(random_state=None) -> HistGradientBoostingClassifier:
    """Return histogram gradient-boosted trees: the strongest raw-feature baseline for tables.

    scikit-learn's defaults (100 iterations, early stopping only above 10,000 rows),
    which handle unscaled and missing features natively.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Seeds the (validation) subsampling.

    Returns
    -------
    probe : sklearn.ensemble.HistGradientBoostingClassifier
        Unfitted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import make_gradient_boosting_probe
    >>> X, y = load_iris(return_X_y=True)
    >>> make_gradient_boosting_probe(random_state=0).fit(X, y).n_iter_
    100
    """
    return HistGradientBoostingClassifier(random_state=random_state)


PROBES = {
    "svm": make_svm_probe,
    "knn": make_knn_probe,
    "logistic": make_logistic_probe,
    "random_forest": make_random_forest_probe,
    "gradient_boosting": make_gradient_boosting_probe,
}
