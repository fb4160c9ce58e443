"""Shared test code for the classic losses: random views, degenerate batches, the written
out anchors and similarities of the InfoNCE family, and gradient comparisons.

The slow reference formulas live in each test module, written from the papers with
explicit Python loops over pairs/triplets on torch scalars (so that autograd of the slow
formula gives a reference gradient too).
"""

import torch

#: Relative tolerance of a loss against its slow formula evaluated in float64, by dtype.
TOL = {torch.float32: 1e-5, torch.float64: 1e-10}


def randn(*shape, seed, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def views(batch, dim, seed, dtype=torch.float64, noise=0.5):
    """Two correlated views of ``batch`` random samples."""
    anchors = randn(batch, dim, seed=seed, dtype=dtype)
    positives = anchors + noise * randn(batch, dim, seed=seed + 1000, dtype=dtype)
    return anchors, positives


def unit(row):
    """ℓ2-normalise a 1-D tensor (the slow loops only see non-zero rows)."""
    return row / torch.sqrt((row * row).sum())


def stack_views(anchors, positives, labels):
    """Rows and labels of the two-view batch, as Python lists."""
    batch = anchors.shape[0]
    ids = list(range(batch)) if labels is None else [int(v) for v in labels]
    return list(anchors) + list(positives), ids + ids


# Degenerate two-view batches: (anchors, positives, labels). Each must give a finite loss
# and finite gradients with every loss Module.
def degenerate_batches(dtype=torch.float64):
    ones = torch.ones(4, 3, dtype=dtype)
    random = randn(4, 3, seed=7, dtype=dtype)
    return {
        "identical_rows": (ones, ones.clone(), None),
        "identical_rows_labelled": (ones, ones.clone(), torch.tensor([0, 1, 0, 1])),
        "one_class": (random, random + 0.1, torch.zeros(4, dtype=torch.long)),
        "single_sample": (randn(1, 3, seed=8, dtype=dtype), randn(1, 3, seed=9, dtype=dtype),
                          None),
        "single_sample_labelled": (randn(1, 3, seed=8, dtype=dtype),
                                   randn(1, 3, seed=9, dtype=dtype), torch.tensor([3])),
        "zero_vectors": (torch.zeros(3, 4, dtype=dtype), torch.zeros(3, 4, dtype=dtype), None),
        "zero_anchor_row": (torch.cat([torch.zeros(1, 3, dtype=dtype), random[1:]]), random,
                            torch.tensor([0, 1, 1, 2])),
        "antipodal": (torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=dtype),
                      torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=dtype), None),
    }


def two_view_rows(anchors, positives, labels, symmetric):
    """The anchors and candidates of a two-view InfoNCE-family loss, written out.

    Returns ``rows, candidates, row_ids, candidate_ids, partner``: unit-normalised rows
    and candidates (symmetric: every view of the ``2B`` against all ``2B``; otherwise
    the anchors against the positives), each one's class id, and the index of each row's
    positive among the candidates.
    """
    batch = len(anchors)
    ids = list(range(batch)) if labels is None else [int(v) for v in labels]
    a = [unit(r) for r in anchors]
    p = [unit(r) for r in positives]
    if symmetric:
        partner = [(r + batch) % (2 * batch) for r in range(2 * batch)]
        return a + p, a + p, ids + ids, ids + ids, partner
    return a, p, ids, ids, list(range(batch))


def anchor_similarities(anchors, positives, labels, symmetric):
    """For each anchor of :func:`two_view_rows`: its cosine similarity to its positive and
    the list of its cosine similarities to its negatives (candidates of another class)."""
    rows, candidates, row_ids, cand_ids, partner = two_view_rows(anchors, positives, labels,
                                                                 symmetric)
    for r in range(len(rows)):
        positive = (rows[r] * candidates[partner[r]]).sum()
        negatives = [(rows[r] * candidates[k]).sum()
                     for k in range(len(candidates)) if cand_ids[k] != row_ids[r]]
        yield positive, negatives


def view_gradients(loss_fn, anchors, positives):
    """Gradients of ``loss_fn(anchors, positives)`` with respect to both views (zeros for a
    view the loss does not depend on)."""
    anchors = anchors.detach().clone().requires_grad_()
    positives = positives.detach().clone().requires_grad_()
    loss = loss_fn(anchors, positives)
    if loss.requires_grad:
        loss.backward()
    return [torch.zeros_like(v) if v.grad is None else v.grad for v in (anchors, positives)]


def assert_same_gradients(fast, slow, anchors, positives, rtol=1e-10, atol=1e-12):
    """``fast(anchors, positives)`` has the gradients of autograd through ``slow``."""
    for fast_grad, slow_grad in zip(view_gradients(fast, anchors, positives),
                                    view_gradients(slow, anchors, positives)):
        torch.testing.assert_close(fast_grad, slow_grad, rtol=rtol, atol=atol)


def gradcheck_views(loss_fn, anchors, positives):
    """``torch.autograd.gradcheck`` of ``loss_fn`` with respect to both (float64) views."""
    inputs = tuple(v.detach().clone().requires_grad_() for v in (anchors, positives))
    return torch.autograd.gradcheck(loss_fn, inputs)
