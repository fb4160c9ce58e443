"""The optimiser factory shared by every embedder."""

import numpy as np
import pytest
import torch
from torch import nn

from skcontrast._torch_utils import FusedAdam, make_adam


def _adam_reference(param, grads, lr, weight_decay, decoupled, betas=(0.9, 0.999), eps=1e-8):
    """Adam / AdamW written out step by step (Kingma & Ba; Loshchilov & Hutter), float64."""
    p = param.detach().clone().double()
    m = torch.zeros_like(p)
    v = torch.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = g.double()
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat = m / (1 - betas[0] ** t)
        v_hat = v / (1 - betas[1] ** t)
        p = p - lr * m_hat / (v_hat.sqrt() + eps)
    return p


@pytest.mark.parametrize("torch_optimizer", [False, True])
@pytest.mark.parametrize("decoupled", [False, True])
def test_make_adam_follows_the_adam_update(decoupled, torch_optimizer):
    gen = torch.Generator().manual_seed(0)
    param = nn.Parameter(torch.randn(5, 3, generator=gen))
    start = param.detach().clone()
    grads = [torch.randn(5, 3, generator=gen) for _ in range(4)]
    optimizer = make_adam([param], 1e-2, decoupled=decoupled, torch_optimizer=torch_optimizer)
    expected_type = (torch.optim.AdamW if decoupled else torch.optim.Adam) if torch_optimizer \
        else FusedAdam
    assert isinstance(optimizer, expected_type)
    for g in grads:
        param.grad = g.clone()
        optimizer.step()
    # torch's defaults: AdamW decays weights by 1e-2, Adam not at all.
    expected = _adam_reference(start, grads, 1e-2, 1e-2 if decoupled else 0.0, decoupled)
    torch.testing.assert_close(param.detach().double(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("decoupled", [False, True])
def test_fused_adam_is_bit_identical_to_torch_optim(decoupled, dtype):
    gen = torch.Generator().manual_seed(1)
    shapes = [(4, 3), (3,), (2, 2, 5)]
    ours = [nn.Parameter(torch.randn(s, generator=gen, dtype=dtype)) for s in shapes]
    theirs = [nn.Parameter(p.detach().clone()) for p in ours]
    frozen = nn.Parameter(torch.ones(2, dtype=dtype))  # never gets a gradient: untouched
    a = FusedAdam([*ours, frozen], 3e-3, decoupled=decoupled)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    b = cls(theirs, lr=3e-3, fused=True)
    for _ in range(5):
        for p, q in zip(ours, theirs):
            g = torch.randn(p.shape, generator=gen, dtype=dtype)
            p.grad, q.grad = g.clone(), g.clone()
        a.step()
        b.step()
        a.zero_grad()
        assert all(p.grad is None for p in ours)
    for p, q in zip(ours, theirs):
        assert torch.equal(p, q)
        assert torch.equal(a.state[p]["exp_avg_sq"], b.state[q]["exp_avg_sq"])
    assert torch.equal(frozen, torch.ones(2, dtype=dtype)) and frozen not in a.state
    assert a.param_groups[0]["lr"] == 3e-3


def test_zero_grad_can_keep_zeroed_tensors():
    p = nn.Parameter(torch.ones(3))
    p.grad = torch.ones(3)
    FusedAdam([p], 0.1).zero_grad(set_to_none=False)
    assert torch.equal(p.grad, torch.zeros(3))


def test_make_adam_falls_back_to_foreach_without_a_fused_kernel(monkeypatch):
    # torch < 2.4 has no fused CPU kernel and refuses fused=True at construction.
    import skcontrast._torch_utils as tu

    real_adam = torch.optim.Adam

    def adam_without_fused_cpu(params, **kwargs):
        if kwargs.get("fused"):
            raise RuntimeError("`fused=True` requires all the params to be on a supported "
                               "device")
        return real_adam(params, **kwargs)

    monkeypatch.setattr(tu, "_FUSED_SUPPORT", {("cpu", torch.float32): False})
    monkeypatch.setattr(torch.optim, "Adam", adam_without_fused_cpu)
    optimizer = make_adam(nn.Linear(3, 2).parameters(), 1e-3)
    assert optimizer.defaults["foreach"] is True and not optimizer.defaults["fused"]


def test_user_callbacks_get_a_torch_optimizer_for_their_schedulers():
    from skorch.callbacks import LRScheduler

    from skcontrast import SCARFEmbedder

    X = torch.randn(40, 4, generator=torch.Generator().manual_seed(0)).numpy()
    emb = SCARFEmbedder(max_epochs=3, random_state=0, device="cpu",
                        callbacks=[LRScheduler("StepLR", step_size=1, gamma=0.5)]).fit(X)
    plain = SCARFEmbedder(max_epochs=3, random_state=0, device="cpu").fit(X)
    assert emb.n_iter_ == 3 and not np.array_equal(emb.transform(X), plain.transform(X))


@pytest.mark.parametrize("device", ["meta", "xpu", "mps", "cuda:7", "banana", "cuda"])
def test_devices_this_machine_lacks_are_refused_with_the_list(device, monkeypatch):
    from skcontrast._torch_utils import available_devices, resolve_device

    if device in available_devices() or (device == "cuda" and torch.cuda.is_available()):
        pytest.skip(f"{device} exists here")
    with pytest.raises(ValueError, match=r"available|use 'auto'"):
        resolve_device(device)


def test_auto_and_explicit_devices_resolve():
    from skcontrast._torch_utils import resolve_device

    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_mps_is_used_when_torch_has_it(monkeypatch):
    from skcontrast._torch_utils import resolve_device

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("mps") == torch.device("mps")
    assert resolve_device("auto").type != "mps"  # only when asked for by name
