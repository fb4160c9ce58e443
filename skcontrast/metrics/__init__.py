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

Cross-view metrics take two views of the same records (row ``i`` of each is a positive
pair) in one embedding space and ask whether the positives stand out by cosine
similarity:

* :func:`positive_rank`: the mean rank of each positive among its row of similarities,
  rescaled so that 1 is perfect and 0.5 is chance;
* :func:`cross_view_retrieval`: mean reciprocal rank, top-k accuracy and the fraction
  of records :func:`match_records` pairs correctly, with ties counted against;
* :func:`match_records`: the one-to-one matching of two tables with no shared key that
  maximises the total similarity;
* :func:`modality_gap` (Liang et al., 2022): the distance between the centroids of two
  views on the unit sphere.
"""

from ._cross_view import cross_view_retrieval, match_records, modality_gap, positive_rank
from ._diagnostics import alignment, effective_rank, info_nce_bound, uniformity
from ._scorers import LABEL_FREE_SCORES, label_free_score, make_label_free_scorer

__all__ = [
    "LABEL_FREE_SCORES",
    "alignment",
    "cross_view_retrieval",
    "effective_rank",
    "info_nce_bound",
    "label_free_score",
    "make_label_free_scorer",
    "match_records",
    "modality_gap",
    "positive_rank",
    "uniformity",
]
