"""Fit an embedder once, then score several probes on its embeddings.

The published protocols report three numbers per probe: accuracy, AUROC and AUPRC.
Ranking metrics need a continuous score, and the binary case is where
TS2Vec's reference code goes wrong (it passes a two-column score matrix to
``roc_auc_score``), so the rules are spelled out in :func:`probe_scores`.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import softmax
from sklearn.base import clone, is_classifier
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils import flatten_series
from ._simple import PROBES

__all__ = [
    "cross_validate_probes",
    "evaluate_probes",
    "make_probe",
    "probe_scores",
    "score_probes",
]

_SCORE_COLUMNS = ["probe", "accuracy", "auroc", "auprc", "probe_fit_seconds", "n_features"]
_COLUMNS = [*_SCORE_COLUMNS[:4], "fit_seconds", "transform_seconds", *_SCORE_COLUMNS[4:]]


def _continuous_scores(probe, X) -> np.ndarray:
    """Scores of a fitted classifier, in the layout the rules below need.

    Binary: one column, the score of ``classes_[1]``; ``decision_function`` is
    preferred (it is what an SVM has without calibration), ``predict_proba[:, 1]``
    otherwise. Multiclass: a probability matrix, from ``predict_proba`` when the
    probe has it, else the softmax of ``decision_function``.
    """
    n_classes = len(probe.classes_)
    if n_classes == 2:
        if hasattr(probe, "decision_function"):
            scores = np.asarray(probe.decision_function(X), dtype=float)
            return scores.ravel() if scores.ndim == 1 else scores[:, -1]
        return np.asarray(probe.predict_proba(X), dtype=float)[:, 1]
    if hasattr(probe, "predict_proba"):
        return np.asarray(probe.predict_proba(X), dtype=float)
    if hasattr(probe, "decision_function"):
        return softmax(np.asarray(probe.decision_function(X), dtype=float), axis=1)
    raise TypeError(
        f"{type(probe).__name__} has neither predict_proba nor decision_function, so "
        "AUROC and AUPRC cannot be computed; use a probe that scores its predictions."
    )


def probe_scores(probe, X, y) -> dict[str, float]:
    """Accuracy, AUROC and AUPRC of a fitted classifier.

    Parameters
    ----------
    probe : classifier
        A fitted classifier with ``classes_`` and ``predict_proba`` or
        ``decision_function``.
    X : array-like of shape (n_samples, n_features)
        Evaluation features.
    y : array-like of shape (n_samples,)
        True labels.

    Returns
    -------
    scores : dict
        ``{"accuracy": ..., "auroc": ..., "auprc": ...}``.

    Notes
    -----
    *Binary* (two classes in ``probe.classes_``): the positive class is
    ``classes_[1]``; AUROC is ``roc_auc_score(y == classes_[1], s)`` and AUPRC is
    ``average_precision_score(y == classes_[1], s)``, ``s`` being
    ``decision_function(X)`` when the probe has it and ``predict_proba(X)[:, 1]``
    otherwise (both rank the rows the same way for the probes of this package).

    *Multiclass*: ``P`` is ``predict_proba(X)``, or the softmax of the one-vs-rest
    ``decision_function(X)`` when there is no ``predict_proba``. AUROC is the
    one-vs-rest macro average of ``roc_auc_score(y == c, P[:, c])`` and AUPRC the
    macro average of ``average_precision_score(y == c, P[:, c])``, over the
    classes ``c`` of ``probe.classes_``. When every class occurs in ``y`` these
    equal ``roc_auc_score(y, P, multi_class="ovr")`` and
    ``average_precision_score(label_binarize(y, classes=classes_), P)``. A class
    absent from ``y`` (or present in every row) has no defined curve and is left
    out of the average; when no class is left the metric is ``nan``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcontrast.probes import probe_scores
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=1000).fit(X, y)
    >>> {k: round(v, 2) for k, v in probe_scores(clf, X, y).items()}
    {'accuracy': 0.97, 'auroc': 1.0, 'auprc': 1.0}
    """
    check_is_fitted(probe)
    y = np.asarray(y)
    classes = np.asarray(probe.classes_)
    accuracy = float(accuracy_score(y, probe.predict(X)))
    scores = _continuous_scores(probe, X)
    if scores.ndim == 1:
        targets = [(y == classes[1], scores)]
    else:
        targets = [(y == c, scores[:, k]) for k, c in enumerate(classes)]
    aurocs, auprcs = [], []
    for positive, score in targets:
        n_positive = int(positive.sum())
        if n_positive == 0 or n_positive == positive.shape[0]:
            continue  # no ROC or PR curve without both positives and negatives
        aurocs.append(roc_auc_score(positive, score))
        auprcs.append(average_precision_score(positive, score))
    return {
        "accuracy": accuracy,
        "auroc": float(np.mean(aurocs)) if aurocs else float("nan"),
        "auprc": float(np.mean(auprcs)) if auprcs else float("nan"),
    }


def make_probe(name: str, random_state=None, **params):
    """Build the probe registered as ``name`` in :data:`~skcontrast.probes.PROBES`.

    Parameters
    ----------
    name : str
        A key of :data:`~skcontrast.probes.PROBES`: ``"svm"``, ``"knn"``,
        ``"logistic"``, ``"ridge"``, ``"random_forest"`` or ``"gradient_boosting"``.
    random_state : int, RandomState instance or None, default=None
        Passed to the factory when it takes one (unless ``params`` sets it).
    **params
        Other parameters of the factory.

    Returns
    -------
    probe : classifier
        An unfitted scikit-learn classifier.

    Examples
    --------
    >>> from skcontrast.probes import make_probe
    >>> make_probe("svm", random_state=0)
    SVMProbe(random_state=0)
    """
    if not isinstance(name, str) or name not in PROBES:
        raise ValueError(
            f"Unknown probe {name!r}; use one of {sorted(PROBES)} or pass an unfitted "
            "scikit-learn classifier."
        )
    factory = PROBES[name]
    signature = inspect.signature(factory).parameters
    if "random_state" in signature or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.values()
    ):
        params.setdefault("random_state", random_state)
    return factory(**params)


def _resolve_probes(probes, random_state) -> list[tuple[str, object]]:
    """Turn names, estimators or a name->estimator mapping into (name, unfitted probe)."""
    if isinstance(probes, str):
        probes = (probes,)
    items = probes.items() if isinstance(probes, Mapping) else [(None, p) for p in probes]
    resolved = []
    for name, probe in items:
        if isinstance(probe, str):
            resolved.append((name or probe, make_probe(probe, random_state)))
        elif is_classifier(probe):
            resolved.append((name or type(probe).__name__, clone(probe)))
        else:
            raise TypeError(
                f"A probe must be one of {sorted(PROBES)} or a scikit-learn classifier; "
                f"got {probe!r}."
            )
    if not resolved:
        raise ValueError("probes is empty; pass at least one probe, e.g. ('svm',).")
    names = [name for name, _ in resolved]
    if len(set(names)) != len(names):
        raise ValueError(f"Probe names must be unique; got {names}. Pass a dict to name them.")
    return resolved


def _check_inputs(embedder, X_train, y_train, X_test, y_test) -> None:
    """Name bad inputs of :func:`evaluate_probes` before anything is fitted."""
    from ._checks import check_probe_features, check_probe_labels

    name = "evaluate_probes"
    for labels in (y_train, y_test):
        check_probe_labels(labels, name)
    if _is_passthrough(embedder):  # otherwise X is the embedder's to validate
        for X in (X_train, X_test):
            check_probe_features(X, name)
    for split, X, y in (("train", X_train, y_train), ("test", X_test, y_test)):
        n_rows, n_labels = len(X), len(y)
        if n_rows == 0:
            raise ValueError(f"{name} needs at least one row in X_{split}; it is empty.")
        if n_rows != n_labels:
            raise ValueError(f"{name}: X_{split} has {n_rows} rows but y_{split} has "
                             f"{n_labels} labels; pass one label per row.")
    _check_training_labels(y_train)


def _check_training_labels(y) -> None:
    classes = np.unique(np.asarray(y))
    if classes.size < 2:
        raise ValueError(
            f"y_train holds a single class ({classes.tolist()}): probes need at least 2 "
            "classes to be trained and scored."
        )


def _is_passthrough(embedder) -> bool:
    return embedder is None or (isinstance(embedder, str) and embedder == "passthrough")


def score_probes(
    Z_train, y_train, Z_test, y_test, probes=("svm", "knn", "logistic"), *, random_state=None
) -> pd.DataFrame:
    """Fit probes on given training features and score them on the test features.

    The features are used as they are (embeddings computed elsewhere, or raw
    features); :func:`evaluate_probes` fits an embedder first.

    Parameters
    ----------
    Z_train : array-like of shape (n_train, n_features)
        Training features.
    y_train : array-like of shape (n_train,)
        Training labels.
    Z_test : array-like of shape (n_test, n_features)
        Test features.
    y_test : array-like of shape (n_test,)
        Test labels.
    probes : sequence or dict, default=("svm", "knn", "logistic")
        Probe names from :data:`~skcontrast.probes.PROBES`, unfitted classifiers,
        or a dict mapping a row name to either.
    random_state : int, RandomState instance or None, default=None
        Passed to the probes built from names.

    Returns
    -------
    results : pandas.DataFrame
        One row per probe, columns ``probe``, ``accuracy``, ``auroc``, ``auprc``
        (see :func:`probe_scores`), ``probe_fit_seconds`` and ``n_features``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import score_probes
    >>> X, y = load_iris(return_X_y=True)
    >>> score_probes(X[::2], y[::2], X[1::2], y[1::2], ("knn",))["accuracy"].round(2).tolist()
    [0.96]
    """
    resolved = _resolve_probes(probes, random_state)
    _check_training_labels(y_train)
    rows = []
    for name, probe in resolved:
        start = time.perf_counter()
        probe.fit(Z_train, y_train)
        probe_fit_seconds = time.perf_counter() - start
        rows.append({
            "probe": name,
            **probe_scores(probe, Z_test, y_test),
            "probe_fit_seconds": probe_fit_seconds,
            "n_features": int(np.shape(Z_train)[1]),
        })
    return pd.DataFrame(rows, columns=_SCORE_COLUMNS)


def evaluate_probes(
    embedder,
    X_train,
    y_train,
    X_test,
    y_test,
    probes=("svm", "knn", "logistic"),
    *,
    supervised=False,
    random_state=None,
) -> pd.DataFrame:
    """Fit an embedder on the training split and score probes on its embeddings.

    ``clone(embedder)`` is fitted once on ``X_train``; both splits are transformed;
    each probe is fitted on the training embeddings and scored on the test ones.

    Parameters
    ----------
    embedder : estimator, "passthrough" or None
        An unfitted transformer (an skcontrast embedder, a ``Pipeline``...).
        ``None`` or ``"passthrough"`` evaluates the raw features; raw time series
        of shape ``(n, channels, timesteps)`` are flattened to ``(n, channels *
        timesteps)``.
    X_train : array-like
        Training inputs, in the layout the embedder expects.
    y_train : array-like of shape (n_samples,)
        Training labels.
    X_test : array-like
        Test inputs, same layout.
    y_test : array-like of shape (n_samples,)
        Test labels.
    probes : sequence or dict, default=("svm", "knn", "logistic")
        Probe names from :data:`~skcontrast.probes.PROBES`, unfitted classifiers,
        or a dict mapping a row name to either.
    supervised : bool, default=False
        Pass ``y_train`` to the embedder's ``fit`` (SupCon-style embedders).
    random_state : int, RandomState instance or None, default=None
        Passed to the probes built from names (the SVM subsample, the logistic
        regression). The embedder keeps its own ``random_state``.

    Returns
    -------
    results : pandas.DataFrame
        One row per probe, columns ``probe``, ``accuracy``, ``auroc``, ``auprc``,
        ``fit_seconds`` (embedder fit), ``transform_seconds`` (both splits),
        ``probe_fit_seconds`` and ``n_features`` (embedding width). The metrics
        follow :func:`probe_scores`.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import train_test_split
    >>> from skcontrast.probes import evaluate_probes
    >>> X, y = load_iris(return_X_y=True)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    >>> res = evaluate_probes(None, X_tr, y_tr, X_te, y_te, random_state=0)
    >>> res["probe"].tolist()
    ['svm', 'knn', 'logistic']
    >>> bool((res["accuracy"] > 0.8).all())
    True
    """
    _resolve_probes(probes, random_state)  # bad probes fail before the embedder trains
    _check_inputs(embedder, X_train, y_train, X_test, y_test)
    fit_seconds = transform_seconds = 0.0
    if _is_passthrough(embedder):
        Z_train, Z_test = flatten_series(X_train), flatten_series(X_test)
    else:
        fitted = clone(embedder)
        start = time.perf_counter()
        if supervised:
            fitted.fit(X_train, y_train)
        else:
            fitted.fit(X_train)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        Z_train, Z_test = fitted.transform(X_train), fitted.transform(X_test)
        transform_seconds = time.perf_counter() - start
    scores = score_probes(Z_train, y_train, Z_test, y_test, probes, random_state=random_state)
    scores["fit_seconds"] = fit_seconds
    scores["transform_seconds"] = transform_seconds
    return scores[_COLUMNS]


def _take(X, indices):
    # Row selection that works for arrays of any rank and for pandas objects.
    return X.iloc[indices] if hasattr(X, "iloc") else np.asarray(X)[indices]


def cross_validate_probes(
    embedder,
    X,
    y,
    *,
    cv=5,
    probes=("svm", "knn", "logistic"),
    supervised=False,
    random_state=None,
) -> pd.DataFrame:
    """Run :func:`evaluate_probes` on every fold of a stratified cross-validation.

    Parameters
    ----------
    embedder : estimator, "passthrough" or None
        As in :func:`evaluate_probes`; refitted (cloned) on every training fold.
    X : array-like
        All inputs.
    y : array-like of shape (n_samples,)
        Class labels.
    cv : int or cross-validation generator, default=5
        An integer means ``StratifiedKFold(cv, shuffle=True)`` seeded from
        ``random_state``; a splitter object is used as given.
    probes : sequence or dict, default=("svm", "knn", "logistic")
        As in :func:`evaluate_probes`.
    supervised : bool, default=False
        Pass the training labels to the embedder's ``fit``.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and the probes.

    Returns
    -------
    results : pandas.DataFrame
        The rows of :func:`evaluate_probes` for every fold, with a leading
        ``fold`` column (0-based).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.probes import cross_validate_probes
    >>> X, y = load_iris(return_X_y=True)
    >>> res = cross_validate_probes(None, X, y, cv=3, probes=("knn",), random_state=0)
    >>> res[["fold", "probe"]].values.tolist()
    [[0, 'knn'], [1, 'knn'], [2, 'knn']]
    """
    y_array = np.asarray(y)
    rng = check_random_state(random_state)
    if isinstance(cv, int | np.integer) and not isinstance(cv, bool):
        splitter = StratifiedKFold(
            n_splits=int(cv), shuffle=True, random_state=int(rng.randint(np.iinfo(np.int32).max))
        )
    else:
        splitter = check_cv(cv, y_array, classifier=True)
    probe_seed = int(rng.randint(np.iinfo(np.int32).max))
    frames = []
    for fold, (train, test) in enumerate(splitter.split(np.zeros(len(y_array)), y_array)):
        result = evaluate_probes(
            embedder,
            _take(X, train),
            _take(y, train),
            _take(X, test),
            _take(y, test),
            probes,
            supervised=supervised,
            random_state=probe_seed,
        )
        result.insert(0, "fold", fold)
        frames.append(result)
    return pd.concat(frames, ignore_index=True)
