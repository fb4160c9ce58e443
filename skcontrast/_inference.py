"""The one batched inference path: fitted networks applied to many rows.

The embedders' ``transform`` and :class:`~skcontrast.FineTunedClassifier`'s predictions
run their network through :func:`run_network`: in batches, without gradients, on the
device asked for now, without moving (or otherwise changing) the fitted modules.
:func:`row_blocks` cuts a large input into blocks that are validated and preprocessed
one at a time.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._config import block_bytes
from ._torch_utils import resolve_device, torch_threads

__all__ = ["inference_device", "row_blocks", "run_network"]

_NUMPY_DTYPES = {torch.float32: np.float32, torch.float64: np.float64}


def inference_device(device) -> torch.device:
    """Where inference runs for a ``device`` parameter as it is now.

    ``set_params(device=...)`` after fitting moves inference there, never the fitted
    modules (see :func:`run_network`). A GPU named on a machine without one (a model
    fitted on a GPU and loaded on a CPU) falls back to the CPU.
    """
    try:
        return resolve_device(device)
    except ValueError:
        if str(device).startswith("cuda") and not torch.cuda.is_available():
            return torch.device("cpu")
        raise


def run_network(network: nn.Module, data: torch.Tensor, *, rows: int, device: torch.device,
                dtype: torch.dtype = torch.float32, n_threads=None) -> np.ndarray:
    """``network(data)`` in batches of ``rows`` rows on ``device``, as a numpy array.

    ``network`` is put in eval mode and runs without gradients. When its weights live
    on another device, the batches run with copies of them there
    (``torch.func.functional_call``): the fitted module is neither moved nor changed.

    Parameters
    ----------
    network : nn.Module
        Maps a batch of rows to ``(batch, network.out_features)``.
    data : torch.Tensor
        The rows, on the CPU, in the dtype the network computes in.
    rows : int
        Rows per batch.
    device : torch.device
        Where the batches run.
    dtype : torch.dtype, default=torch.float32
        Of the result.
    n_threads : int or None, default=None
        Torch intra-op threads while running (see :func:`~skcontrast._torch_utils.torch_threads`).

    Returns
    -------
    out : ndarray of shape (n_rows, network.out_features)
    """
    network = network.eval()
    tensors = dict(network.named_parameters())
    tensors.update(network.named_buffers())
    moved = None
    if any(t.device != device for t in tensors.values()):
        moved = {k: t.to(device) for k, t in tensors.items()}
    out = np.empty((data.shape[0], network.out_features), dtype=_NUMPY_DTYPES[dtype])
    with torch.no_grad(), torch_threads(n_threads):
        for lo in range(0, data.shape[0], rows):
            batch = data[lo : lo + rows].to(device)
            result = (network(batch) if moved is None
                      else torch.func.functional_call(network, moved, (batch,)))
            out[lo : lo + batch.shape[0]] = result.to(dtype).cpu().numpy()
    return out


def row_blocks(X, batch_rows) -> list[tuple[int, int]] | None:
    """Row ranges for a block-wise inference, or ``None`` to take ``X`` whole.

    Only sliceable inputs with a shape (arrays, memory maps, Dask arrays, DataFrames)
    larger than one block (``block_mib``, :func:`skcontrast.set_config`) of float32 are
    split. Blocks are whole multiples of inference batches, so the batches, hence the
    outputs, are exactly those of a single pass.

    Parameters
    ----------
    X : array-like
        The input, before validation.
    batch_rows : callable
        ``batch_rows(row_values) -> int``: rows per inference batch for rows of
        ``row_values`` float values.
    """
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) < 2 or not hasattr(X, "__getitem__"):
        return None
    try:
        n_rows, row_values = int(shape[0]), int(np.prod(shape[1:]))
    except (TypeError, ValueError):  # unknown sizes (e.g. a lazy array)
        return None
    rows = max(1, block_bytes() // max(4 * row_values, 1))
    batch = batch_rows(row_values)
    rows = max(1, rows // batch) * batch
    if n_rows <= rows:
        return None
    return [(lo, min(lo + rows, n_rows)) for lo in range(0, n_rows, rows)]
