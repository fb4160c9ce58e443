"""Building blocks for data-parallel contrastive training with ``torch.distributed``.

A contrastive loss compares every anchor with the other rows of the batch. Under data
parallelism each process (rank) holds a shard of the global batch, so the negatives
must be gathered from every rank, *with their gradients*: ``torch.distributed.all_gather``
returns tensors cut off from autograd, and a port that differentiates only through its
own shard silently optimises another objective (each rank's rows then receive the
gradient of their own rank's loss terms only). :func:`all_gather_with_grad` gathers
with a backward pass that sums, across ranks, the gradient each rank's loss sends to
every shard, so that averaging parameter gradients over ranks (what
``DistributedDataParallel`` does) gives exactly the gradient of the loss over the global
batch.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

__all__ = ["all_gather_with_grad"]


class _AllGatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor):
        world_size = dist.get_world_size()
        gathered = [torch.empty_like(tensor) for _ in range(world_size)]
        dist.all_gather(gathered, tensor.contiguous())
        ctx.rank, ctx.rows = dist.get_rank(), tensor.shape[0]
        return torch.cat(gathered, dim=0)

    @staticmethod
    def backward(ctx, grad_output):
        # Every rank's loss depends on every shard: the gradient of this rank's rows is
        # the sum over ranks of what each rank's loss sends them.
        grad = grad_output.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        lo = ctx.rank * ctx.rows
        return grad[lo : lo + ctx.rows]


def all_gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate ``tensor`` from every rank along dim 0, differentiably.

    Parameters
    ----------
    tensor : torch.Tensor of shape (n_rows, ...)
        This rank's shard; every rank must pass the same shape.

    Returns
    -------
    gathered : torch.Tensor of shape (world_size * n_rows, ...)
        The shards in rank order. Its backward sums the incoming gradients across ranks
        and returns this rank's slice: with each rank's loss divided by the world size
        (or ``DistributedDataParallel``'s gradient averaging), the gradients equal those
        of one process computing the loss over the concatenated global batch. Without
        an initialised process group (a single process), ``tensor`` is returned as is.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.distributed import all_gather_with_grad
    >>> z = torch.ones(4, 2, requires_grad=True)
    >>> all_gather_with_grad(z) is z  # no process group: one process, nothing to gather
    True
    """
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return tensor
    return _AllGatherWithGrad.apply(tensor)
