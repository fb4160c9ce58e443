"""Small torch helpers shared by every layer: generators, devices, seeded initialisation.

Nothing here touches torch's global random number generator: every random draw in
skcontrast goes through a ``torch.Generator`` created from the estimator's
``random_state``, so that fitting twice with the same seed gives identical weights.
"""

from __future__ import annotations

import contextlib
import math
import os

import numpy as np
import torch
from torch import nn

__all__ = [
    "torch_threads",
    "available_devices",
    "build_module",
    "check_generator",
    "FusedAdam",
    "make_adam",
    "make_generator",
    "resolve_device",
    "reset_parameters",
    "seed_from_random_state",
]


def seed_from_random_state(random_state: np.random.RandomState) -> int:
    """Draw a 63-bit seed for torch from a numpy ``RandomState``."""
    return int(random_state.randint(0, 2**31 - 1)) * (2**31) + int(
        random_state.randint(0, 2**31 - 1)
    )


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """Return a ``torch.Generator`` on ``device`` seeded with ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator


def check_generator(generator) -> None:
    """Raise ``TypeError`` unless ``generator`` is a ``torch.Generator``.

    Every random draw in skcontrast takes an explicit generator; ``None`` would fall
    back to torch's global RNG, which fitting must never touch.
    """
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, got {type(generator).__name__}; create "
            "one with torch.Generator().manual_seed(seed)."
        )


def available_devices() -> list[str]:
    """The devices this machine can train on: ``"cpu"``, then ``"cuda:N"`` and ``"mps"``.

    Examples
    --------
    >>> "cpu" in available_devices()
    True
    """
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def check_n_threads(n_threads) -> None:
    """Refuse a thread count the machine cannot run (OpenMP would try to allocate for it)."""
    if n_threads is None or n_threads == -1:
        return
    cpus = available_cpus()
    if n_threads > cpus:
        raise ValueError(
            f"n_threads={n_threads} is more than the {cpus} CPU(s) this process can use: "
            f"use at most {cpus}, -1 for all of them, or 1 (the default) when several "
            "fits share the machine."
        )


def resolve_n_threads(n_threads) -> int | None:
    """The thread count to set: ``-1`` is every CPU of the process, ``None`` leaves torch's."""
    return available_cpus() if n_threads == -1 else n_threads


@contextlib.contextmanager
def torch_threads(n_threads: int | None):
    """Run the block with ``n_threads`` torch intra-op threads, then restore the setting.

    ``None`` changes nothing; ``-1`` sets every CPU this process can use; more threads
    than those CPUs is a ``ValueError`` (before anything runs). The setting is
    process-wide, so two fits in threads of one process (joblib's threading backend) see
    each other's; processes are independent.
    """
    check_n_threads(n_threads)
    n_threads = resolve_n_threads(n_threads)
    if n_threads is None or n_threads == torch.get_num_threads():
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def resolve_device(device: str | torch.device) -> torch.device:
    """Turn the ``device`` parameter into a concrete ``torch.device``, or raise ``ValueError``.

    ``"auto"`` picks CUDA when it is available, else the CPU (Apple's MPS is used
    when asked for by name: not every operation is as fast or as exact there). Any
    other value must name a device this machine has (``"cpu"``, ``"cuda"``,
    ``"cuda:N"``, ``"mps"``): asking for one it lacks, or for a device that cannot
    train (``"meta"``), is an error raised before any training starts, with the list
    of available devices.
    """
    available = available_devices()
    if isinstance(device, torch.device):
        device = str(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto' or one of {available}."
        ) from exc
    if resolved.type == "cuda":
        index = 0 if resolved.index is None else resolved.index
        if f"cuda:{index}" not in available:
            raise ValueError(
                f"device={device!r} was requested but this machine has no such CUDA "
                f"device; available: {available}. Use device='auto' or 'cpu'."
            )
        return resolved
    if resolved.type == "mps" and "mps" in available:
        return resolved
    if resolved.type == "cpu":
        return resolved
    raise ValueError(
        f"device={device!r} cannot train models on this machine; available: {available}. "
        "Use device='auto' or 'cpu'."
    )


def reset_parameters(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-initialise every ``Linear``/``Conv1d`` in ``module`` from ``generator``.

    Uses PyTorch's own default scheme (Kaiming-uniform weights with ``a=sqrt(5)``,
    uniform biases in ``±1/sqrt(fan_in)``), drawn from ``generator`` instead of the
    global RNG. Other parametrised layers (``LayerNorm``...) get their deterministic
    defaults via ``reset_parameters()``.
    """
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, (nn.Linear, nn.Conv1d)):
                nn.init.kaiming_uniform_(sub.weight, a=math.sqrt(5), generator=generator)
                if sub.bias is not None:
                    fan_in = sub.weight[0].numel()
                    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    nn.init.uniform_(sub.bias, -bound, bound, generator=generator)
            elif sub is not module and hasattr(sub, "reset_parameters") and not list(
                sub.children()
            ):
                sub.reset_parameters()
    return module


def build_module(factory, generator: torch.Generator, device: torch.device | str = "cpu"):
    """Construct ``factory()`` without touching the global RNG, then seed its weights.

    The module is created on the ``meta`` device (so its constructor's default
    initialisation draws nothing), materialised and initialised on the CPU from the
    CPU ``generator`` by :func:`reset_parameters`, then moved to ``device``. Initialising
    on the CPU makes the initial weights identical whatever device trains them.
    """
    with torch.device("meta"):
        module = factory()
    # What Module.to_empty does, but with torch.empty: to_empty's empty_like on a meta
    # tensor goes through torch's Python reference kernels, whose first use imports
    # sympy (about a second inside the first fit of every process).
    module = module._apply(lambda t: torch.empty(t.shape, dtype=t.dtype, device="cpu"))
    reset_parameters(module, generator)
    return module.to(device)


def make_adam(params, lr: float, *, decoupled: bool = False, torch_optimizer: bool = False):
    """Adam (``decoupled=False``) or AdamW, with torch's fused kernel where it has one.

    The fused kernel updates every parameter in one vectorised pass. On the CPU, where the
    small networks here are bound by per-operation overhead, it takes about a third of the
    time of the ``foreach`` implementation, whose CPU path loops over the tensors
    (TS2Vec's encoder, one thread: ``benchmarks/bench_dilated_conv.py --optimizer``).

    By default the kernel is driven by :class:`FusedAdam`, not by ``torch.optim``: the
    first ``torch.optim`` optimiser a process builds imports ``torch._dynamo`` (about a
    second of start-up inside the first ``fit`` of every process, e.g. every
    ``GridSearchCV`` worker). Both run the same kernel with the same arguments, so the
    weights are bit-identical. ``torch_optimizer=True`` (used when the user passes
    callbacks, which may wrap the optimiser in a ``torch.optim.lr_scheduler``) returns a
    ``torch.optim`` optimiser. torch releases without a fused kernel for the parameters'
    device (the CPU before 2.4) fall back to ``torch.optim``'s ``foreach``.
    """
    params = list(params)
    if not torch_optimizer and FusedAdam.supports(params):
        return FusedAdam(params, lr, decoupled=decoupled)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    try:
        return cls(params, lr=lr, fused=True)
    except (RuntimeError, ValueError):
        return cls(params, lr=lr, foreach=True)


class FusedAdam:
    """Adam / AdamW stepping all parameters with torch's fused kernel, outside ``torch.optim``.

    The same update as ``torch.optim.Adam(fused=True)`` / ``AdamW(fused=True)`` (torch's
    defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0 for Adam and 1e-2 for AdamW),
    without the one-off import of ``torch._dynamo`` that constructing a ``torch.optim``
    optimiser costs. It keeps ``param_groups`` and ``state`` in ``torch.optim``'s layout
    (one group) so that code reading the learning rate or the moments keeps working.

    Parameters
    ----------
    params : list of torch.nn.Parameter
        The parameters to optimise.
    lr : float
        Learning rate.
    decoupled : bool, default=False
        AdamW's decoupled weight decay (``True``) or Adam (``False``).
    """

    def __init__(self, params, lr: float, *, decoupled: bool = False):
        self.decoupled = decoupled
        self.param_groups = [{
            "params": list(params), "lr": lr, "betas": (0.9, 0.999), "eps": 1e-8,
            "weight_decay": 1e-2 if decoupled else 0.0, "amsgrad": False, "maximize": False,
        }]
        self.state: dict = {}

    @staticmethod
    def supports(params) -> bool:
        """Whether torch has a fused Adam kernel for every parameter's device and dtype."""
        return bool(params) and all(
            _has_fused_adam(p.device.type, p.dtype) for p in params
        )

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``set_to_none=False`` zeroes them in place)."""
        for p in self.param_groups[0]["params"]:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step for every parameter that has a gradient."""
        group = self.param_groups[0]
        # One kernel call per (device, dtype): the kernel needs its tensor lists uniform.
        batches: dict = {}
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {
                    # float32 step counters on the parameter's device, as torch's fused path.
                    "step": torch.zeros((), dtype=torch.float32, device=p.device),
                    "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                    "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format),
                }
            lists = batches.setdefault((p.device, p.dtype), ([], [], [], [], []))
            for bucket, tensor in zip(lists, (p, p.grad, state["exp_avg"],
                                              state["exp_avg_sq"], state["step"])):
                bucket.append(tensor)
        kernel = torch._fused_adamw_ if self.decoupled else torch._fused_adam_
        beta1, beta2 = group["betas"]
        for params, grads, exp_avgs, exp_avg_sqs, steps in batches.values():
            torch._foreach_add_(steps, 1)
            kernel(params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False,
                   lr=group["lr"], beta1=beta1, beta2=beta2,
                   weight_decay=group["weight_decay"], eps=group["eps"], maximize=False,
                   grad_scale=None, found_inf=None)


_FUSED_SUPPORT: dict = {}


def _has_fused_adam(device_type: str, dtype: torch.dtype) -> bool:
    """Try the fused kernel once per (device type, dtype) on a one-element tensor."""
    key = (device_type, dtype)
    if key not in _FUSED_SUPPORT:
        try:
            one = [torch.zeros(1, dtype=dtype, device=device_type)]
            torch._fused_adam_(one, [torch.zeros_like(one[0])], [torch.zeros_like(one[0])],
                               [torch.zeros_like(one[0])], [],
                               [torch.ones((), dtype=torch.float32, device=device_type)],
                               amsgrad=False, lr=0.1, beta1=0.9, beta2=0.999,
                               weight_decay=0.0, eps=1e-8, maximize=False)
            _FUSED_SUPPORT[key] = True
        except (AttributeError, RuntimeError, NotImplementedError, TypeError):
            _FUSED_SUPPORT[key] = False
    return _FUSED_SUPPORT[key]
