"""Label-free diagnostics of a representation, and scorers built on them.

Contrastive learning exists for data without labels, so its hyper-parameters should be
choosable without labels too. Each diagnostic here needs only the embeddings (and, for
alignment and the mutual-information bound, pairs of positives made by the embedder's
own augmentation, :meth:`~skcontrast.base.BaseContrastiveEmbedder.positive_pairs`):

* :func:`alignment` and :func:`uniformity` (Wang & Isola, 2020): how close positives
  are, and how evenly the embeddings spread over the unit sphere (lower is better);
* :func:`effective_rank` (Roy & Vetterli, 2007; RankMe, Garrido et al., 2023): how many
  dimensions the embeddings really use; a collapsed representation has a low rank;
* :func:`info_nce_bound`: the InfoNCE lower bound on the mutual information between two
  views, ``log N - L`` (van den Oord et al., 2018).

:func:`make_label_free_scorer` turns each into a scikit-learn scorer (greater is better)
that ``GridSearchCV`` and ``cross_validate`` accept with no ``y``; every embedder's
``score(X)`` is the default one. Whether a score picks what labels would pick is
measured in ``benchmarks/label_free_selection.py`` (see the user guide).
"""

from ._diagnostics import alignment, effective_rank, info_nce_bound, uniformity
from ._scorers import LABEL_FREE_SCORES, label_free_score, make_label_free_scorer

__all__ = [
    "LABEL_FREE_SCORES",
    "alignment",
    "effective_rank",
    "info_nce_bound",
    "label_free_score",
    "make_label_free_scorer",
    "uniformity",
]
