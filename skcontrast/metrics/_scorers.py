"""Label-free scores as scikit-learn scorers ``scorer(estimator, X, y=None)``, greater is better."""

from __future__ import annotations

from sklearn.pipeline import Pipeline

from ._diagnostics import alignment, effective_rank, info_nce_bound, uniformity

__all__ = ["LABEL_FREE_SCORES", "label_free_score", "make_label_free_scorer"]

#: The label-free scores, each oriented so that greater is better.
LABEL_FREE_SCORES = ("effective_rank", "alignment", "uniformity", "info_nce_bound")
_NEEDS_PAIRS = {"alignment", "info_nce_bound"}


def _embedder_and_input(estimator, X):
    """The embedder to score and its input: the last embedder step of a Pipeline."""
    if isinstance(estimator, Pipeline):
        positions = [i for i, (_, step) in enumerate(estimator.steps)
                     if hasattr(step, "positive_pairs")]
        if not positions:
            raise TypeError(
                "A label-free score needs a skcontrast embedder in the Pipeline; none of its "
                f"steps ({[name for name, _ in estimator.steps]}) is one."
            )
        k = positions[-1]
        if k:
            X = estimator[:k].transform(X)
        return estimator[k], X
    if not hasattr(estimator, "transform"):
        raise TypeError(
            f"A label-free score needs a transformer; {type(estimator).__name__} has no "
            "transform method."
        )
    return estimator, X


def label_free_score(estimator, X, score: str = "effective_rank", *, random_state=None,
                     temperature=None) -> float:
    """One label-free score of a fitted embedder (or a Pipeline holding one) on ``X``.

    Every score is oriented so that greater is better: ``"effective_rank"`` (of the
    embeddings of ``X``), ``"alignment"`` (minus the alignment of positive pairs),
    ``"uniformity"`` (minus the uniformity) and ``"info_nce_bound"`` (``log N - L`` on
    positive pairs). Positive pairs are two views of each row of ``X`` made by the
    embedder's own augmentation
    (:meth:`~skcontrast.base.BaseContrastiveEmbedder.positive_pairs`).

    Parameters
    ----------
    estimator : fitted embedder or Pipeline
        In a Pipeline, the last step with ``positive_pairs`` is scored, on ``X``
        transformed by the steps before it (later steps are ignored).
    X : array-like
        Held-out data.
    score : str, default="effective_rank"
        One of :data:`LABEL_FREE_SCORES`.
    random_state : int, RandomState instance or None, default=None
        Seed of the augmentation that makes positive pairs; ``None`` uses the
        embedder's own ``random_state``.
    temperature : float or None, default=None
        Temperature of ``"info_nce_bound"``; ``None`` uses the embedder's
        ``temperature`` if it has one, else 1.0.

    Returns
    -------
    float

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcontrast import SCARFEmbedder
    >>> from skcontrast.metrics import label_free_score
    >>> X, _ = load_breast_cancer(return_X_y=True)
    >>> emb = SCARFEmbedder(max_epochs=5, random_state=0).fit(X[:400])
    >>> label_free_score(emb, X[400:]) > 1
    True
    """
    if score not in LABEL_FREE_SCORES:
        raise ValueError(f"score must be one of {LABEL_FREE_SCORES}; got {score!r}.")
    embedder, X = _embedder_and_input(estimator, X)
    if score == "effective_rank":
        return effective_rank(embedder.transform(X))
    if score == "uniformity":
        return -uniformity(embedder.transform(X))
    Z1, Z2 = embedder.positive_pairs(X, random_state=random_state)
    if score == "alignment":
        return -alignment(Z1, Z2)
    if temperature is None:
        temperature = getattr(embedder, "temperature", 1.0)
    return info_nce_bound(Z1, Z2, temperature=temperature)


class _LabelFreeScorer:
    """A picklable scorer; its repr names the score (GridSearchCV prints scorers)."""

    def __init__(self, score, random_state, temperature):
        self.score = score
        self.random_state = random_state
        self.temperature = temperature

    def __call__(self, estimator, X, y=None, **kwargs):
        return label_free_score(estimator, X, self.score, random_state=self.random_state,
                                temperature=self.temperature)

    def __repr__(self):
        return f"make_label_free_scorer({self.score!r})"


def make_label_free_scorer(score: str = "effective_rank", *, random_state=None,
                           temperature=None):
    """A scikit-learn scorer of :func:`label_free_score`: pass it as ``scoring=``.

    ``GridSearchCV(embedder, grid, scoring=make_label_free_scorer("alignment"))`` then
    needs no labels; ``scoring={"rank": make_label_free_scorer(), ...}`` records several.

    Parameters
    ----------
    score : str, default="effective_rank"
        One of :data:`LABEL_FREE_SCORES`.
    random_state : int, RandomState instance or None, default=None
        Seed of the augmentation that makes positive pairs (``None``: the embedder's).
    temperature : float or None, default=None
        Temperature of ``"info_nce_bound"`` (``None``: the embedder's, else 1.0).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``, greater is better.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skcontrast import SCARFEmbedder
    >>> from skcontrast.metrics import make_label_free_scorer
    >>> X, _ = load_breast_cancer(return_X_y=True)
    >>> search = GridSearchCV(SCARFEmbedder(max_epochs=3, random_state=0),
    ...                       {"corruption_rate": [0.3, 0.6]}, cv=2,
    ...                       scoring=make_label_free_scorer("alignment")).fit(X)
    >>> sorted(search.best_params_)
    ['corruption_rate']
    """
    if score not in LABEL_FREE_SCORES:
        raise ValueError(f"score must be one of {LABEL_FREE_SCORES}; got {score!r}.")
    return _LabelFreeScorer(score, random_state, temperature)
