"""The capability skcontrast adds to scikit-learn's estimator tags: partial labels.

scikit-learn's :class:`~sklearn.utils.TargetTags` say whether ``fit`` needs ``y``; they
have no word for "``y`` may mark rows as unlabelled (``None`` or ``NaN``), and those rows
are learned from too" (semi-supervised SupCon, ExpCLR, the probe and fine-tuning
classifiers). :class:`ContrastiveTargetTags` adds that field, so the capability is read
from ``__sklearn_tags__`` like any other, and scikit-learn's own checks, which test the
fields they know with ``isinstance``, accept the subclass.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sklearn.utils import Tags, TargetTags, get_tags

__all__ = ["ContrastiveTargetTags", "takes_partial_labels", "with_partial_labels"]


@dataclass(slots=True)
class ContrastiveTargetTags(TargetTags):
    """scikit-learn's target tags, plus ``partial_labels``.

    Attributes
    ----------
    partial_labels : bool, default=False
        ``fit`` takes ``y`` with missing labels (``None`` or ``NaN``) and learns from
        those rows too; otherwise the label-efficiency protocols give the estimator the
        labelled rows only (:func:`skcontrast.utils.fit_embedder`).
    """

    partial_labels: bool = False


def with_partial_labels(tags: Tags, partial_labels: bool = True) -> Tags:
    """``tags`` with its target tags extended by ``partial_labels`` (changed in place)."""
    known = {f.name: getattr(tags.target_tags, f.name) for f in fields(TargetTags)}
    tags.target_tags = ContrastiveTargetTags(**known, partial_labels=bool(partial_labels))
    return tags


def takes_partial_labels(estimator) -> bool:
    """Whether ``estimator``'s tags say ``fit`` learns from rows without a label."""
    target = get_tags(estimator).target_tags
    return isinstance(target, ContrastiveTargetTags) and target.partial_labels
