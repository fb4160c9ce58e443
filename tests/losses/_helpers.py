"""Shared test data for the classic losses: random views and degenerate batches.

The slow reference formulas live in each test module, written from the papers with
explicit Python loops over pairs/triplets on torch scalars (so that autograd of the slow
formula gives a reference gradient too).
"""

import torch


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
