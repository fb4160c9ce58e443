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

The embedders that train data-parallel (:class:`~skcontrast.SCARFEmbedder` and
:class:`~skcontrast.SupConEmbedder`) do so by themselves when ``fit`` runs in a process
group (e.g. started by ``torchrun``, after ``torch.distributed.init_process_group``):
every rank passes the same data and ``random_state``, so every rank draws the same
epoch order and the same augmented global batch; each encodes its slice
(:func:`shard_rows`), the embeddings are gathered with :func:`all_gather_with_grad`, the
loss is the loss of the global batch and the gradients are averaged
(:func:`average_gradients`). The model is then the one a single process fits with the
same ``random_state`` and ``batch_size`` (to float rounding; tested with two ``gloo``
processes).
"""

from __future__ import annotations

import torch
import torch.distributed as dist

__all__ = ["all_gather_with_grad", "average_gradients", "check_global_batch",
           "encode_global_batch", "shard_rows", "world"]


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


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of the default process group; ``(0, 1)`` without one.

    Examples
    --------
    >>> from skcontrast.distributed import world
    >>> world()  # a plain process
    (0, 1)
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard_rows(n_rows: int) -> slice:
    """This rank's contiguous slice of a global batch of ``n_rows`` rows.

    Parameters
    ----------
    n_rows : int
        Rows of the global batch, a multiple of the world size.

    Returns
    -------
    slice
        Rows ``rank * n_rows / world_size`` to ``(rank + 1) * n_rows / world_size``.

    Examples
    --------
    >>> from skcontrast.distributed import shard_rows
    >>> shard_rows(8)  # a plain process holds the whole batch
    slice(0, 8, None)
    """
    rank, world_size = world()
    if n_rows % world_size:
        raise ValueError(f"a batch of {n_rows} rows cannot be split evenly over "
                         f"{world_size} processes.")
    size = n_rows // world_size
    return slice(rank * size, (rank + 1) * size)


def average_gradients(parameters) -> None:
    """Average the gradients of ``parameters`` over the ranks (one all-reduce).

    What ``DistributedDataParallel`` does after ``backward``, without wrapping the
    module: the gradients are packed into one flat buffer, summed across ranks and
    divided by the world size. Parameters without a gradient are skipped (every rank
    must have the same ones). Without a process group nothing happens.

    Parameters
    ----------
    parameters : iterable of torch.Tensor
        The parameters whose ``.grad`` to average in place.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.distributed import average_gradients
    >>> w = torch.ones(3, requires_grad=True)
    >>> (2 * w).sum().backward()
    >>> average_gradients([w])  # one process: the mean over one rank is the gradient
    >>> w.grad.tolist()
    [2.0, 2.0, 2.0]
    """
    _, world_size = world()
    if world_size == 1:
        return
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= world_size
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def check_global_batch(batch_size: int) -> None:
    """Refuse, before training, a global batch that does not split evenly over the ranks.

    Parameters
    ----------
    batch_size : int
        The embedder's ``batch_size``: the global batch of all the ranks together.

    Raises
    ------
    ValueError
        Naming the world size and the fix.

    Examples
    --------
    >>> from skcontrast.distributed import check_global_batch
    >>> check_global_batch(7)  # one process: any batch splits
    """
    world_size = world()[1]
    if batch_size % world_size:
        raise ValueError(
            f"batch_size={batch_size} is the global batch, split evenly over the "
            f"{world_size} processes of the torch.distributed group: use a multiple of "
            f"{world_size}."
        )


def encode_global_batch(encode, view1, view2, *extras, shard=True):
    """Embed two views of a global batch, data-parallel inside a process group.

    Every rank drew the same global batch and the same views. With ``shard`` and more
    than one rank, each rank encodes its slice (:func:`shard_rows`) and the embeddings,
    and the rows of ``extras`` (e.g. the labels), are gathered from every rank with
    their gradients (:func:`all_gather_with_grad`): the loss computed from the result is
    the loss of the global batch. In one process this is ``encode`` of both views.

    Parameters
    ----------
    encode : callable
        Maps a batch of rows to embeddings; both views go through it in one call (half
        the kernel launches of two calls).
    view1, view2 : torch.Tensor
        Row ``i`` of both is a positive pair.
    *extras : torch.Tensor
        Per-row tensors that follow the rows (labels).
    shard : bool, default=True
        ``False`` encodes everything here (e.g. the validation rows, which every rank
        scores in full).

    Returns
    -------
    anchors, positives : torch.Tensor
        The embeddings of the two views of the global batch.
    *extras : torch.Tensor
        ``extras`` of the global batch.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.distributed import encode_global_batch
    >>> a, p = encode_global_batch(lambda x: 2 * x, torch.ones(3, 2), torch.zeros(3, 2))
    >>> a.tolist(), p.tolist()
    ([[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]], [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    """
    shard = shard and world()[1] > 1
    if shard:
        rows = shard_rows(view1.shape[0])
        view1, view2 = view1[rows], view2[rows]
        extras = tuple(e[rows] for e in extras)
    anchors, positives = encode(torch.cat([view1, view2])).split(view1.shape[0])
    if shard:
        anchors, positives = all_gather_with_grad(anchors), all_gather_with_grad(positives)
        extras = tuple(all_gather_with_grad(e) for e in extras)
    return (anchors, positives, *extras)
