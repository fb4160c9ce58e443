"""Validation and geometry shared by the classic losses (private).

Every loss Module of the classic family has the signature
``forward(anchors, positives, labels=None)``: ``anchors`` and ``positives`` are two
``(B, d)`` views of the same ``B`` samples (row ``i`` of both is sample ``i``), ``labels``
an optional ``(B,)`` integer tensor. ``labels=None`` means every sample is its own
class, so the only positive of a view is the other view of the same sample. The helpers
here turn such a call into either a labelled batch of ``2B`` rows (:func:`two_view_batch`)
or the anchor/candidate logits of the InfoNCE family (:func:`view_logits`), and
:class:`TwoViewLoss` is the one ``forward`` of those Modules.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def check_number(value, name: str, example: str, *, low: float = 0.0, low_inclusive=False,
                 high: float | None = None) -> float:
    """Validate a real hyper-parameter: a finite int/float in the given range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}; use e.g. {example}.")
    value = float(value)
    ok = math.isfinite(value) and (value >= low if low_inclusive else value > low)
    if high is not None:
        ok = ok and value < high
    if not ok:
        bounds = f"{'>=' if low_inclusive else '>'} {low:g}"
        if high is not None:
            bounds += f" and < {high:g}"
        raise ValueError(f"{name} must be a finite number {bounds}, got {value!r}; "
                         f"use e.g. {example}.")
    return value


def check_positive(value, name: str, example: str) -> float:
    return check_number(value, name, example)


def check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; "
                         f"got {value!r}.")
    return value


def check_matrix(x, name: str, shape: str = "(n_rows, n_dims)", *, nonempty=True) -> None:
    """A 2-D floating-point tensor (``shape`` names its axes in the error message)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}.")
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D {shape}, got shape {tuple(x.shape)}.")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}.")
    if nonempty and x.shape[0] < 1:
        raise ValueError(f"{name} must have at least one row, got shape {tuple(x.shape)}.")


def check_views(anchors, positives) -> None:
    """Both views are float ``(B, d)`` tensors of the same shape and dtype."""
    check_matrix(anchors, "anchors")
    check_matrix(positives, "positives")
    if anchors.shape != positives.shape:
        raise ValueError(
            "anchors and positives must have the same shape (row i of both are two views "
            f"of sample i), got {tuple(anchors.shape)} and {tuple(positives.shape)}."
        )
    if anchors.dtype != positives.dtype:
        raise TypeError(f"anchors and positives must have the same dtype, got {anchors.dtype} "
                        f"and {positives.dtype}.")


def check_labels(labels, n_rows: int, device, *, name: str = "labels") -> torch.Tensor:
    """An integer ``(n_rows,)`` tensor, moved to ``device``."""
    if not isinstance(labels, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(labels).__name__}; "
                        "wrap it with torch.as_tensor(labels).")
    if labels.ndim != 1 or labels.shape[0] != n_rows:
        raise ValueError(f"{name} must have shape ({n_rows},), one label per row, got "
                         f"{tuple(labels.shape)}.")
    if labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"{name} must be an integer tensor, got dtype {labels.dtype}.")
    return labels.to(device)


def check_embeddings(embeddings, labels) -> torch.Tensor:
    """Validate a labelled batch; returns the labels on the embeddings' device."""
    check_matrix(embeddings, "embeddings")
    return check_labels(labels, embeddings.shape[0], embeddings.device)


def sample_ids(anchors: torch.Tensor, labels) -> torch.Tensor:
    """The class of each of the ``B`` samples: ``labels``, or instance ids when None."""
    if labels is None:
        return torch.arange(anchors.shape[0], device=anchors.device)
    return check_labels(labels, anchors.shape[0], anchors.device)


def two_view_batch(anchors, positives, labels):
    """The ``2B`` rows ``[anchors; positives]`` and their labels ``[y; y]``."""
    check_views(anchors, positives)
    ids = sample_ids(anchors, labels)
    return torch.cat([anchors, positives]), torch.cat([ids, ids])


def pairwise_distances(x: torch.Tensor) -> torch.Tensor:
    """Exact Euclidean distance matrix whose gradient is finite at zero distance.

    ``cdist`` without the matrix-product shortcut works from coordinate differences, so
    identical rows are exactly 0 apart (no ``|a|^2 + |b|^2 - 2ab`` round-off), and its
    backward pass gives ``||a - b||`` the gradient 0 at ``a == b`` instead of the NaN of a
    naive ``sqrt`` (the diagonal, and every pair of a collapsed batch, is such a point).
    """
    return torch.cdist(x, x, p=2.0, compute_mode="donot_use_mm_for_euclid_dist")


def connected_zero(*tensors: torch.Tensor) -> torch.Tensor:
    """A scalar 0 in the autograd graph of ``tensors``: ``backward()`` works, grads are 0."""
    return sum((t * 0.0).sum() for t in tensors)


def view_logits(anchors, positives, labels, *, temperature: float, symmetric: bool):
    """Cosine logits of the InfoNCE family for two views.

    Returns ``(positive, negatives, n_negatives)``: the positive logit of each anchor,
    shape ``(n,)``; the matrix of candidate logits with ``-inf`` everywhere except on the
    anchor's negatives, shape ``(n, m)``; and the number of negatives of each anchor.

    * ``symmetric=True`` (SimCLR): the ``n = 2B`` rows of ``[anchors; positives]`` are all
      anchors; the positive of a row is the other view of its sample, the candidates are
      the other ``2B - 1`` rows.
    * ``symmetric=False`` (SCARF): the ``n = B`` anchors are compared with the ``B``
      positives only; the positive of anchor ``i`` is ``positives[i]``.

    Negatives are the candidates of another class: with ``labels=None`` every other
    sample's views (``2B - 2``, resp. ``B - 1``); with labels, the views of samples with a
    different label, so same-label samples are neither positives nor negatives.
    """
    check_views(anchors, positives)
    ids = sample_ids(anchors, labels)
    a = F.normalize(anchors, dim=1)
    p = F.normalize(positives, dim=1)
    batch = anchors.shape[0]
    if symmetric:
        z = torch.cat([a, p])
        ids = torch.cat([ids, ids])
        logits = z @ z.T / temperature
        rows = torch.arange(2 * batch, device=z.device)
        partner = torch.cat([rows[batch:], rows[:batch]])
        positive = logits[rows, partner]
        negative_mask = ids[:, None] != ids[None, :]
    else:
        logits = a @ p.T / temperature
        positive = logits.diagonal()
        negative_mask = ids[:, None] != ids[None, :]
    negatives = logits.masked_fill(~negative_mask, -math.inf)
    return positive, negatives, negative_mask.sum(dim=1)


def softplus(x: torch.Tensor) -> torch.Tensor:
    """``log(1 + e^x)`` to full precision (torch's default switches to ``x`` above 20)."""
    return F.softplus(x, threshold=50.0)


def info_nce_from_logits(positive, negatives, n_negatives) -> torch.Tensor:
    """Mean over anchors of ``-log(e^{s+} / (e^{s+} + sum_neg e^{s}))``.

    Written as ``softplus(logsumexp(negatives) - s+)``, which never overflows. Whether an
    anchor has negatives depends only on the labels of the *other* samples, so either
    every anchor has one or none has (one class in the batch, or a single sample): the
    loss is then ``-log 1 = 0`` for every anchor, returned as a connected zero.
    """
    if not bool((n_negatives > 0).any()):
        return connected_zero(positive)
    return softplus(torch.logsumexp(negatives, dim=1) - positive).mean()


def two_view_info_nce(anchors, positives, labels, *, temperature: float, symmetric: bool):
    """InfoNCE / NT-Xent of two views, with the anchors and negatives of :func:`view_logits`."""
    return info_nce_from_logits(
        *view_logits(anchors, positives, labels, temperature=temperature, symmetric=symmetric)
    )


class ParametrizedLoss(nn.Module):
    """Base of the loss modules: ``repr`` lists the hyper-parameters named in
    ``_hyperparameters``, as ``nn.Module`` does for its layers."""

    #: Attribute names shown by ``repr``, in order.
    _hyperparameters: tuple = ()

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyperparameters)


class TwoViewLoss(ParametrizedLoss):
    """Base of the classic loss Modules: ``forward(anchors, positives, labels=None)``.

    A subclass keeps only its hyper-parameters (validated in ``__init__`` and named in
    ``_hyperparameters``) and names its functional form in ``_loss_function``, which
    :meth:`forward` calls with those hyper-parameters as keyword arguments:

    * ``_stacks_views = False``: ``_loss_function(anchors, positives, labels, **hp)``;
    * ``_stacks_views = True``: ``_loss_function(embeddings, labels, **hp)`` on the ``2B``
      rows ``[anchors; positives]`` and labels ``[y; y]`` of :func:`two_view_batch`.

    A loss that is not such a call overrides :meth:`_loss` instead. The Module adds no
    checks of its own: the inputs are validated by :func:`two_view_batch` and the
    functional form, with the same errors as a direct call of it.
    """

    #: The functional form, wrapped in ``staticmethod``.
    _loss_function = None
    #: Whether ``_loss_function`` takes the stacked ``2B`` rows instead of the two views.
    _stacks_views: bool = False

    def forward(
        self,
        anchors: torch.Tensor,
        positives: torch.Tensor,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Compute the loss.

        Parameters
        ----------
        anchors, positives : torch.Tensor of shape (batch_size, n_dims)
            Two views; row ``i`` of both belongs to sample ``i``.
        labels : torch.Tensor of shape (batch_size,) or None, default=None
            Integer class of each sample; ``None``: every sample is its own class. How
            same-class samples enter the loss is described in the class docstring and
            its functional form.

        Returns
        -------
        loss : torch.Tensor
            Scalar loss, differentiable with respect to ``anchors`` and ``positives``.
        """
        return self._loss(anchors, positives, labels)

    def _loss(self, anchors, positives, labels):
        hyperparameters = {name: getattr(self, name) for name in self._hyperparameters}
        if self._stacks_views:
            embeddings, labels = two_view_batch(anchors, positives, labels)
            return self._loss_function(embeddings, labels, **hyperparameters)
        return self._loss_function(anchors, positives, labels, **hyperparameters)
