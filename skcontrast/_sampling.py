"""Row sampling shared by the training tasks: validation splits and class-balanced batches.

Every draw comes from an explicit ``torch.Generator`` (never a global RNG), so a split or
a batch is a pure function of the estimator's ``random_state``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["balanced_draw", "random_split", "stratified_split"]


def random_split(
    n_samples: int, n_valid: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffle the row indices and hold out the first ``n_valid`` of them.

    Parameters
    ----------
    n_samples : int
        Number of rows.
    n_valid : int
        Number of validation rows.
    generator : torch.Generator
        Source of the permutation.

    Returns
    -------
    train, valid : torch.Tensor
        Disjoint ``LongTensor`` s of row indices covering ``range(n_samples)``.

    Examples
    --------
    >>> import torch
    >>> train, valid = random_split(10, 3, torch.Generator().manual_seed(0))
    >>> len(train), len(valid), sorted(torch.cat([train, valid]).tolist()) == list(range(10))
    (7, 3, True)
    """
    order = torch.randperm(n_samples, generator=generator)
    return order[n_valid:], order[:n_valid]


def stratified_split(
    n_samples: int, n_valid: int, generator: torch.Generator, codes: np.ndarray | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random (stratified when ``codes`` is given) train/validation split of row indices.

    Rows are shuffled, grouped by class (random order within each class) and
    ``n_valid`` evenly spaced positions with a random offset are taken: systematic
    sampling, so every class gets ``floor`` or ``ceil`` of its share of the validation
    rows. All draws come from ``generator`` (a CPU generator).

    Parameters
    ----------
    n_samples : int
        Number of rows.
    n_valid : int
        Number of validation rows.
    generator : torch.Generator
        A CPU generator.
    codes : ndarray of int of shape (n_samples,) or None, default=None
        Class codes to stratify on; ``None`` splits without strata.

    Returns
    -------
    train, valid : torch.Tensor
        Disjoint ``LongTensor`` s of row indices covering ``range(n_samples)``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> codes = np.repeat([0, 1], [80, 20])
    >>> train, valid = stratified_split(100, 10, torch.Generator().manual_seed(0), codes)
    >>> np.bincount(codes[valid.numpy()]).tolist()
    [8, 2]
    """
    order = torch.randperm(n_samples, generator=generator)
    if codes is not None:
        grouped = np.argsort(np.asarray(codes)[order.numpy()], kind="stable")
        order = order[torch.from_numpy(grouped)]
    if n_valid == 0:
        return order, order[:0]
    offset = float(torch.rand((), generator=generator, dtype=torch.float64))
    positions = torch.floor(
        (torch.arange(n_valid, dtype=torch.float64) + offset) * (n_samples / n_valid)
    ).long().clamp(max=n_samples - 1)
    in_valid = torch.zeros(n_samples, dtype=torch.bool)
    in_valid[positions] = True
    return order[~in_valid], order[in_valid]


def balanced_draw(
    n_rows: int, members: list[torch.Tensor], generator: torch.Generator
) -> torch.Tensor:
    """Draw ``n_rows`` row indices with the classes as equally represented as possible.

    The classes are visited round-robin in a random order, so each class fills
    ``n_rows // n_classes`` or one more positions; within a class the rows are drawn
    uniformly with replacement (a rare class is oversampled). ``members[k]`` holds the
    CPU row indices of class ``k``. Draws are made on the generator's device.

    Parameters
    ----------
    n_rows : int
        Number of indices to draw.
    members : list of torch.Tensor
        Row indices of each (non-empty) class.
    generator : torch.Generator
        Source of the draws.

    Returns
    -------
    torch.Tensor of shape (n_rows,)
        Row indices (CPU).

    Examples
    --------
    >>> import torch
    >>> members = [torch.arange(0, 9), torch.tensor([9])]
    >>> rows = balanced_draw(10, members, torch.Generator().manual_seed(0))
    >>> int((rows == 9).sum())  # the single row of the rare class fills half the draw
    5
    """
    device = generator.device
    n_classes = len(members)
    class_order = torch.randperm(n_classes, generator=generator, device=device).cpu()
    classes = class_order.repeat(math.ceil(n_rows / n_classes))[:n_rows]
    sizes = torch.tensor([m.numel() for m in members])[classes]
    uniform = torch.rand(n_rows, generator=generator, device=device, dtype=torch.float64).cpu()
    within = torch.floor(uniform * sizes).long().clamp(max=sizes - 1)
    flat = torch.cat(members)
    starts = torch.cumsum(torch.tensor([0] + [m.numel() for m in members]), 0)[:-1]
    return flat[starts[classes] + within]
