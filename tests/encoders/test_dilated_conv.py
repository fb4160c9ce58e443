"""TS2Vec's dilated-conv encoder: padding-free convolutions equal padded ``Conv1d``."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from skcontrast._torch_utils import build_module, make_generator
from skcontrast.encoders import dilated_conv
from skcontrast.encoders.dilated_conv import DilatedConvEncoder, same_pad_conv1d


def _padded_conv(x, weight, bias, dilation):
    """The reference's SamePadConv on a channels-last input."""
    rf = (weight.shape[-1] - 1) * dilation + 1
    out = F.conv1d(x.transpose(1, 2), weight, bias, padding=rf // 2, dilation=dilation)
    if rf % 2 == 0:
        out = out[:, :, :-1]
    return out.transpose(1, 2)


def _padded_encoder(enc, x, keep=None):
    """The reference network (padded convs) with ``enc``'s weights, no dropout."""
    observed = ~torch.isnan(x).any(dim=-1)
    keep = observed if keep is None else keep & observed
    h = enc.input_fc(torch.where(observed[..., None], x, 0.0)) * keep[..., None]
    for block in enc.blocks:
        residual = h if block.projector is None else _padded_conv(
            h, block.projector.weight, block.projector.bias, 1)
        z = _padded_conv(F.gelu(h), block.conv1.weight, block.conv1.bias, block.dilation)
        z = _padded_conv(F.gelu(z), block.conv2.weight, block.conv2.bias, block.dilation)
        h = z + residual
    return h


def _encoder(seed=0, **kwargs):
    kwargs = {"n_channels": 2, "depth": 4, "n_components": 12, "hidden_size": 8} | kwargs
    return build_module(lambda: DilatedConvEncoder(**kwargs), make_generator(seed))


# (T, dilation): d >= T (centre tap only), T/2 <= d < T (side taps reach T - d rows),
# d < T/2, and d = 1.
CASES = [(1, 1), (2, 1), (5, 2), (5, 3), (5, 4), (5, 9), (8, 7), (10, 6), (12, 1), (13, 8),
         (16, 16), (33, 32), (40, 64)]


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("kernel_size", [2, 3, 4])
@pytest.mark.parametrize("n_timesteps, dilation", CASES)
def test_same_pad_conv_equals_padded_conv1d(n_timesteps, dilation, kernel_size, time_major):
    # The public channels-last function and the time-major one the encoder uses.
    gen = torch.Generator().manual_seed(n_timesteps * 100 + dilation)
    x = torch.randn(3, n_timesteps, 4, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(5, 4, kernel_size, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64, generator=gen, requires_grad=True)
    expected = _padded_conv(x, w, b, dilation)
    if time_major:
        got = dilated_conv._conv_time_major(x.transpose(0, 1), w, b, dilation).transpose(0, 1)
    else:
        got = same_pad_conv1d(x, w, b, dilation)
    assert got.shape == expected.shape == (3, n_timesteps, 5)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    grad = torch.randn(expected.shape, dtype=torch.float64, generator=gen)
    for g, e in zip(torch.autograd.grad(got, (x, w, b), grad),
                    torch.autograd.grad(expected, (x, w, b), grad), strict=True):
        torch.testing.assert_close(g, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel_size", [2, 3, 4])
@pytest.mark.parametrize("n_timesteps, dilation", CASES)
def test_library_conv_path_equals_padded_conv1d(n_timesteps, dilation, kernel_size):
    # The accelerator path (channels first, the device's convolution, the centre tap
    # alone where side taps read only padding), checked on the CPU in float64.
    gen = torch.Generator().manual_seed(n_timesteps * 100 + dilation)
    x = torch.randn(3, 4, n_timesteps, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(5, 4, kernel_size, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64, generator=gen, requires_grad=True)
    expected = _padded_conv(x.transpose(1, 2), w, b, dilation).transpose(1, 2)
    got = dilated_conv._conv_channels_first(x, w, b, dilation)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    grad = torch.randn(expected.shape, dtype=torch.float64, generator=gen)
    for g, e in zip(torch.autograd.grad(got, (x, w, b), grad),
                    torch.autograd.grad(expected, (x, w, b), grad), strict=True):
        torch.testing.assert_close(g, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_timesteps, window", [(3, None), (40, None), (140, (100, 140)),
                                                 (40, (10, 30))])
def test_encoder_paths_agree_values_and_gradients(monkeypatch, n_timesteps, window):
    # The same network, time-major with per-tap products (CPU) and channels first with
    # library convolutions (accelerators), forced here onto the CPU in float64.
    enc = _encoder(depth=7).double().train()
    x = torch.randn(3, n_timesteps, 2, dtype=torch.float64)
    x[1, n_timesteps // 2, 0] = float("nan")
    grad = None
    results = []
    for library in (False, True):
        monkeypatch.setattr(dilated_conv, "_library_convs", lambda device, lib=library: lib)
        enc.zero_grad()
        out = enc(x, generator=make_generator(3), window=window)
        if grad is None:
            grad = torch.randn(out.shape, dtype=torch.float64,
                               generator=torch.Generator().manual_seed(1))
        out.backward(grad)
        results.append((out.detach(), [p.grad.clone() for p in enc.parameters()]))
    (out_a, grads_a), (out_b, grads_b) = results
    torch.testing.assert_close(out_b, out_a, rtol=1e-10, atol=1e-10)
    for g_b, g_a in zip(grads_b, grads_a, strict=True):
        torch.testing.assert_close(g_b, g_a, rtol=1e-10, atol=1e-10)


def test_inference_without_gradients_takes_the_library_path(monkeypatch):
    # Training on the CPU runs the per-tap products; no_grad inference the library
    # convolution, which is faster forward-only. Same network either way.
    enc = _encoder(depth=7).double().eval()
    x = torch.randn(3, 50, 2, dtype=torch.float64)
    chosen = []
    original = dilated_conv._conv_channels_first
    monkeypatch.setattr(dilated_conv, "_conv_channels_first",
                        lambda *a: chosen.append("library") or original(*a))
    with torch.no_grad():
        fast = enc(x)
    assert chosen and set(chosen) == {"library"}
    chosen.clear()
    slow = enc(x)  # gradients recorded: the per-tap path
    assert not chosen
    torch.testing.assert_close(fast, slow.detach(), rtol=1e-10, atol=1e-10)


def test_same_pad_conv_without_bias_and_frozen_input():
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    w = torch.randn(4, 3, 3, dtype=torch.float64, requires_grad=True)
    got = same_pad_conv1d(x, w, None, 2)
    torch.testing.assert_close(got, _padded_conv(x, w, None, 2))
    (grad_w,) = torch.autograd.grad(got.sum(), (w,))
    (expected,) = torch.autograd.grad(_padded_conv(x, w, None, 2).sum(), (w,))
    torch.testing.assert_close(grad_w, expected)


@pytest.mark.parametrize("n_timesteps", [1, 3, 9, 20, 140])
def test_encoder_equals_padded_network(n_timesteps):
    enc = _encoder().double().eval()
    x = torch.randn(3, n_timesteps, 2, dtype=torch.float64)
    x[0, n_timesteps // 2, 1] = float("nan")  # one channel missing: the timestamp is missing
    with torch.no_grad():
        got = enc(x)
        expected = _padded_encoder(enc, x)
    assert got.shape == (3, n_timesteps, 12)
    assert not torch.isnan(got).any()
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


def test_default_architecture():
    enc = DilatedConvEncoder(1)
    assert len(enc.blocks) == 11
    assert [b.dilation for b in enc.blocks] == [2**i for i in range(11)]
    assert enc.blocks[-1].conv2.out_channels == 320 and enc.blocks[0].conv1.in_channels == 64
    assert enc.blocks[-1].projector is not None
    assert all(b.projector is None for b in enc.blocks[:-1])
    assert enc.blocks[3].conv1.weight.shape == (64, 64, 3)


def test_missing_timestamps_are_zeroed_latents_at_inference():
    enc = _encoder().double().eval()
    x = torch.randn(2, 15, 2, dtype=torch.float64)
    missing = x.clone()
    missing[1, 4] = float("nan")
    missing[0, 9, 0] = float("nan")
    before = missing.clone()
    keep = torch.ones(2, 15, dtype=torch.bool)
    keep[1, 4] = keep[0, 9] = False
    with torch.no_grad():
        got = enc(missing)
        # The same as zeroing those latent vectors of the complete series.
        expected = _padded_encoder(enc, x, keep)
        # ...and whatever the values hidden behind the NaN were.
        other = x.clone()
        other[0, 9, 1] = 1e3
        other[0, 9, 0] = float("nan")
        other[1, 4] = float("nan")
        again = enc(other)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(again, got, rtol=0, atol=0)
    assert torch.equal(torch.isnan(missing), torch.isnan(before))
    assert torch.equal(torch.nan_to_num(missing), torch.nan_to_num(before))


@pytest.mark.parametrize("n_timesteps, window", [(40, (10, 30)), (40, (0, 40)), (9, (2, 5)),
                                                 (200, (150, 200))])
def test_window_equals_slicing(n_timesteps, window):
    enc = _encoder(depth=6).double().eval()
    x = torch.randn(2, n_timesteps, 2, dtype=torch.float64)
    with torch.no_grad():
        full = enc(x)
        got = enc(x, window=window)
    torch.testing.assert_close(got, full[:, window[0]:window[1]], rtol=1e-12, atol=1e-12)


def test_training_mode_is_deterministic_and_leaves_global_rng_alone():
    enc = _encoder().train()
    x = torch.randn(4, 30, 2)
    state = torch.get_rng_state()
    out1 = enc(x, generator=make_generator(7))
    out1.sum().backward()
    out2 = enc(x, generator=make_generator(7))
    out3 = enc(x, generator=make_generator(8))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(out1, out2) and not torch.equal(out1, out3)
    assert all(p.grad is not None for p in enc.parameters())
    # Dropout zeroes about 10% of the outputs, the rest are scaled by 1 / 0.9.
    zero_fraction = (out1 == 0).double().mean().item()
    assert 0.05 < zero_fraction < 0.15


def test_binomial_mask_and_dropout_are_the_only_randomness():
    enc = _encoder(dropout=0.0).double().train()
    x = torch.randn(2, 12, 2, dtype=torch.float64)
    with torch.no_grad():
        # No dropout, no timestamp mask: training mode computes what evaluation mode does.
        torch.testing.assert_close(enc(x, mask="all_true"), enc.eval()(x))
        enc.train()
        gen = make_generator(3)
        state = gen.get_state()
        got = enc(x, generator=gen)
        gen.set_state(state)
        keep = dilated_conv.binomial_timestamp_mask(2, 12, generator=gen)
        torch.testing.assert_close(got, _padded_encoder(enc, x, keep), rtol=1e-10, atol=1e-10)


def test_generator_required_for_random_draws():
    enc = _encoder()
    x = torch.randn(2, 10, 2)
    with pytest.raises(ValueError, match="Generator"):
        enc.train()(x)
    with pytest.raises(ValueError, match="Generator"):
        enc.eval()(x, mask="binomial")
    enc.eval()(x)  # evaluation without a mask draws nothing


@pytest.mark.parametrize("kwargs, match", [({"mask": "continuous"}, "mask"),
                                           ({"window": (5, 5)}, "window"),
                                           ({"window": (0, 11)}, "window")])
def test_invalid_forward_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _encoder().eval()(torch.randn(2, 10, 2), **kwargs)
    with pytest.raises(ValueError, match="shape"):
        _encoder().eval()(torch.randn(2, 10, 3))


@pytest.mark.parametrize("kwargs", [{"n_channels": 0}, {"depth": -1}, {"dropout": 1.0},
                                    {"kernel_size": 0}])
def test_invalid_constructor_arguments(kwargs):
    with pytest.raises(ValueError):
        DilatedConvEncoder(**({"n_channels": 1} | kwargs))


def test_build_module_initialises_every_parameter_from_the_generator():
    enc_a, enc_b, enc_c = _encoder(seed=1), _encoder(seed=1), _encoder(seed=2)
    parametrised = [m for m in enc_a.modules() if list(m.parameters(recurse=False))]
    assert all(isinstance(m, (nn.Linear, nn.Conv1d)) for m in parametrised)
    for (name, a), b, c in zip(enc_a.state_dict().items(), enc_b.state_dict().values(),
                               enc_c.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
        assert not torch.equal(a, c), name


def test_observed_mask():
    x = torch.zeros(1, 3, 2)
    x[0, 1, 0] = float("nan")
    assert DilatedConvEncoder.observed_mask(x).tolist() == [[True, False, True]]
