"""SCARF's feature corruption: replace a fixed number of features by draws from their marginals."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["MarginalCorruption", "corrupt_from_marginals", "n_corrupted_features"]


def n_corrupted_features(n_features: int, corruption_rate: float) -> int:
    """Number of features SCARF corrupts per row: ``floor(corruption_rate * n_features)``.

    Parameters
    ----------
    n_features : int
        Number of features ``M``.
    corruption_rate : float
        Fraction ``c`` of features to corrupt.

    Returns
    -------
    int
        ``floor(c * M)``.

    Examples
    --------
    >>> n_corrupted_features(10, 0.6), n_corrupted_features(3, 0.3)
    (6, 0)
    """
    # The small epsilon keeps e.g. 0.6 * 10 = 5.999999999 from flooring to 5.
    return int(math.floor(corruption_rate * n_features + 1e-9))


def corrupt_from_marginals(
    x: torch.Tensor,
    reference: torch.Tensor,
    corruption_rate: float,
    *,
    generator: torch.Generator,
    groups: torch.Tensor | None = None,
) -> torch.Tensor:
    """Corrupt exactly ``floor(c * M)`` features of each row with empirical-marginal draws.

    For every row independently, ``q = floor(corruption_rate * M)`` distinct features are
    chosen uniformly at random; each chosen value is replaced by the value of that same
    feature in a uniformly drawn row of ``reference`` (the training set), i.e. a fresh
    draw from the feature's empirical marginal. Draws are independent across features,
    so corrupted rows are not copies of one reference row (the paper's ablation found
    joint sampling worse).

    With ``groups``, a feature is a *group* of encoded columns (a categorical feature
    one-hot encoded, as the paper encodes them): the ``M`` features are the groups, and
    a corrupted feature copies all its columns from one reference row, so a one-hot
    block is replaced by another valid one (a category drawn from the feature's
    marginal), never one indicator at a time.

    Parameters
    ----------
    x : torch.Tensor of shape (batch_size, n_features)
        Rows to corrupt. Not modified.
    reference : torch.Tensor of shape (n_reference, n_features), or a row source
        The rows whose columns define the empirical marginals (the training set), on
        the same device as ``x``; or an object with ``shape`` and ``values(source_rows)``
        (numpy in, float32 numpy out: element ``[i, j]`` is column ``j`` of reference row
        ``source_rows[i, j]``) that reads them on demand, such as
        :class:`skcontrast._preprocessing.StandardizedRows`.
    corruption_rate : float
        Fraction ``c`` of features to corrupt per row.
    generator : torch.Generator
        Source of randomness, on ``x``'s device.
    groups : torch.Tensor of int64, shape (n_features,), optional
        The feature each column belongs to (``0 .. M - 1``, non-decreasing); ``None``:
        every column is a feature.

    Returns
    -------
    corrupted : torch.Tensor of shape (batch_size, n_features)

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.zeros(4, 5)
    >>> ref = torch.ones(10, 5)
    >>> corrupt_from_marginals(x, ref, 0.6, generator=g).sum(dim=1)
    tensor([3., 3., 3., 3.])
    """
    n_rows, n_columns = x.shape
    if len(reference.shape) != 2 or reference.shape[1] != n_columns:
        raise ValueError(
            f"reference must have shape (n_reference, {n_columns}), got {tuple(reference.shape)}."
        )
    if groups is not None and (groups.ndim != 1 or groups.shape[0] != n_columns):
        raise ValueError(f"groups must have shape ({n_columns},), got {tuple(groups.shape)}.")
    n_features = n_columns if groups is None else int(groups[-1]) + 1
    q = n_corrupted_features(n_features, corruption_rate)
    if q == 0 or n_rows == 0:
        return x.clone()
    device = x.device
    # A row's q smallest keys among M i.i.d. uniforms are a uniform q-subset of features.
    keys = torch.rand(n_rows, n_features, generator=generator, device=device)
    chosen = torch.zeros(n_rows, n_features, dtype=torch.bool, device=device)
    chosen.scatter_(1, keys.topk(q, dim=1, largest=False).indices, True)
    # One independent source row per (row, feature): sampling each marginal separately.
    source_rows = torch.randint(
        reference.shape[0], (n_rows, n_features), generator=generator, device=device
    )
    if groups is not None:
        # Every column of a feature follows that feature's choice and source row.
        groups = groups.to(device)
        chosen, source_rows = chosen[:, groups], source_rows[:, groups]
    if isinstance(reference, torch.Tensor):
        draws = torch.gather(reference, 0, source_rows)
    else:  # a row source read on demand (a memory map, never copied whole)
        draws = torch.from_numpy(reference.values(source_rows.cpu().numpy())).to(device)
    return torch.where(chosen, draws, x)


class MarginalCorruption(nn.Module):
    """SCARF corruption as a module holding the training set's empirical marginals.

    Parameters
    ----------
    reference : torch.Tensor of shape (n_reference, n_features), or a row source
        Training rows defining each feature's empirical marginal. A tensor is stored as
        a non-persistent buffer so it follows ``.to(device)``; a row source (see
        :func:`corrupt_from_marginals`) is read on demand, on the CPU.
    corruption_rate : float, default=0.6
        Fraction of features corrupted per row (exactly ``floor(c * M)``).
    groups : array-like of int, shape (n_features,), optional
        The feature each column belongs to (see :func:`corrupt_from_marginals`).

    Examples
    --------
    >>> import torch
    >>> corrupt = MarginalCorruption(torch.arange(20.0).reshape(10, 2), 0.5)
    >>> out = corrupt(torch.full((3, 2), -1.0), generator=torch.Generator().manual_seed(1))
    >>> (out == -1).sum(dim=1)
    tensor([1, 1, 1])
    """

    def __init__(self, reference: torch.Tensor, corruption_rate: float = 0.6, groups=None):
        super().__init__()
        if not 0.0 < corruption_rate < 1.0:
            raise ValueError(f"corruption_rate must be in (0, 1), got {corruption_rate}.")
        self.corruption_rate = corruption_rate
        if isinstance(reference, torch.Tensor):
            self.register_buffer("reference", reference, persistent=False)
        else:  # a row source read on demand (see corrupt_from_marginals): not a buffer
            self.reference = reference
        if groups is not None:
            groups = torch.as_tensor(groups, dtype=torch.int64,
                                     device=getattr(reference, "device", "cpu"))
        self.register_buffer("groups", groups, persistent=False)

    def forward(self, x: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        return corrupt_from_marginals(
            x, self.reference, self.corruption_rate, generator=generator, groups=self.groups
        )
