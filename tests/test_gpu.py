"""The CUDA paths: every estimator trains and embeds on a GPU, and the accelerator code
(library convolutions, device-resident batches, losses read once per epoch, host-counted
SWA) computes what the CPU code computes. Skipped without a CUDA device."""

import numpy as np
import pytest
import torch

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
)
from skcontrast._torch_utils import build_module, make_generator
from skcontrast._training import TrainingDivergedError
from skcontrast.encoders.dilated_conv import DilatedConvEncoder
from skcontrast.losses.hierarchical import hierarchical_contrastive_loss

pytestmark = pytest.mark.gpu

RNG = np.random.RandomState(0)
X = RNG.normal(size=(80, 6))
Y = (X[:, 0] > 0).astype(int)
T = np.linspace(0, 1, 40)
S = np.sin(2 * np.pi * RNG.choice([1.0, 3.0], size=(30, 1, 1)) * T) + 0.1 * RNG.normal(
    size=(30, 1, 40))
S_Y = (S[:, 0, 5] > 0).astype(int)

CASES = {
    "scarf": (lambda: SCARFEmbedder(max_epochs=3, device="cuda", random_state=0), X, None),
    "supcon": (lambda: SupConEmbedder(max_epochs=3, device="cuda", random_state=0), X, Y),
    "expclr": (lambda: ExpCLREmbedder(max_epochs=3, device="cuda", random_state=0), X, None),
    "ts2vec": (lambda: TS2VecEmbedder(n_components=16, depth=3, n_iters=12, device="cuda",
                                      random_state=0), S, None),
    "supcon_series": (lambda: SupConEmbedder(input_type="time_series", max_epochs=3,
                                             device="cuda", random_state=0), S, S_Y),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_embedder_trains_and_embeds_on_the_gpu(name):
    make, data, y = CASES[name]
    emb = make().fit(data, y)
    assert emb.device_.startswith("cuda")
    assert all(p.device.type == "cuda" for p in emb.encoder_.parameters())
    Z = emb.transform(data)
    assert Z.dtype == np.float32 and np.isfinite(Z).all()
    assert len(emb.history_) == emb.n_iter_ and all(
        np.isfinite(b["train_loss"]) for r in emb.history_ for b in r["batches"])
    # Same seed, same device: the same training (up to the GPU's reduction order).
    again = make().fit(data, y).transform(data)
    np.testing.assert_allclose(again, Z, rtol=1e-3, atol=1e-4)


def test_library_convolutions_equal_the_cpu_encoder():
    enc = build_module(lambda: DilatedConvEncoder(2, hidden_size=8, n_components=12, depth=7),
                       make_generator(0)).double().eval()
    x = torch.randn(4, 150, 2, dtype=torch.float64)
    x[1, 20] = float("nan")
    with torch.no_grad():
        cpu = enc(x)
        gpu = enc.cuda()(x.cuda()).cpu()
    torch.testing.assert_close(gpu, cpu, rtol=1e-10, atol=1e-10)


def test_hierarchical_loss_and_gradients_equal_the_cpu():
    gen = torch.Generator().manual_seed(0)
    z1 = torch.randn(6, 37, 16, dtype=torch.float64, generator=gen, requires_grad=True)
    z2 = torch.randn(6, 37, 16, dtype=torch.float64, generator=gen, requires_grad=True)
    cpu = hierarchical_contrastive_loss(z1, z2)
    grads = torch.autograd.grad(cpu, (z1, z2))
    a, b = (z.detach().cuda().requires_grad_() for z in (z1, z2))
    gpu = hierarchical_contrastive_loss(a, b)
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-10, atol=1e-10)
    for g_gpu, g_cpu in zip(torch.autograd.grad(gpu, (a, b)), grads, strict=True):
        torch.testing.assert_close(g_gpu.cpu(), g_cpu, rtol=1e-10, atol=1e-10)


def test_a_diverging_loss_raises_on_the_gpu_too():
    # Losses are read once per epoch on a GPU; a non-finite one still raises.
    with pytest.raises(TrainingDivergedError, match="training loss"):
        SCARFEmbedder(max_epochs=2, learning_rate=1e12, include_input=False,
                      early_stopping=False, device="cuda", random_state=0).fit(X * 1e6)


def test_fine_tuning_on_the_gpu():
    clf = FineTunedClassifier(SCARFEmbedder(max_epochs=2, device="cuda"), max_epochs=5,
                              device="cuda", random_state=0).fit(X, Y)
    assert clf.score(X, Y) > 0.7


def test_ts2vec_trained_on_gpu_embeds_like_on_the_cpu():
    emb = CASES["ts2vec"][0]().fit(S)
    on_gpu = emb.transform(S)
    emb.encoder_.cpu()  # transform follows the encoder's device
    emb.device_ = "cpu"
    np.testing.assert_allclose(emb.transform(S), on_gpu, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("fit_on, embed_on", [("cuda", "cpu"), ("cpu", "cuda")])
def test_transform_runs_on_the_device_set_after_fitting_and_leaves_the_model(fit_on,
                                                                             embed_on):
    emb = SCARFEmbedder(max_epochs=2, device=fit_on, random_state=0).fit(X)
    before = emb.transform(X)
    weights = {k: v.clone() for k, v in emb.encoder_.state_dict().items()}
    emb.set_params(device=embed_on)
    after = emb.transform(X)
    np.testing.assert_allclose(after, before, atol=1e-4)
    assert emb.device_.startswith(fit_on)
    assert all(v.device.type == fit_on for v in emb.encoder_.state_dict().values())
    assert all(torch.equal(v, weights[k]) for k, v in emb.encoder_.state_dict().items())
