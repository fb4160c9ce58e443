"""Embeddings at fixed seeds are pinned: refactors must not move them.

The values were computed with one torch thread (SCARF, TS2Vec and SupCon before the
architecture refactor of issue 10; ExpCLR after its output biases stopped training on
round-off, issue 21). The same machine reproduces them bit for bit; another CPU sums in
another order and differs in the last bits. The tolerance comes from measuring that:
``benchmarks/pin_sensitivity.py`` refits every case with a random half of its inputs
(and of ExpCLR's expert features) moved by one float32 ulp, and the pinned values then
move by at most 1.0e-6 of the embeddings' largest value, the sum by at most 1.0e-6
relative (``benchmarks/results/pin_sensitivity.md``). The tolerance is ten times that.
A change in the arithmetic or in the order of random draws moves them by 1e-3 and more
(before the ExpCLR fix, one ulp moved ExpCLR's pins by 1-5 %).
"""

import numpy as np
import pytest
import torch

from .pin_cases import cases, embed

PINNED = {
    "scarf_early_stopping": (
        [0.4060254693031311, 0.0, 0.0],
        [0.0, 0.3687075078487396, 0.0],
        61.55533172655851,
    ),
    "scarf_fixed_epochs": (
        [0.27292773127555847, 0.0, 0.0],
        [0.0, 0.2259691208600998, 0.014970388263463974],
        44.99630297534168,
    ),
    "scarf_untrained": (
        [0.2337888479232788, 0.0, 0.0],
        [0.0, 0.2022094428539276, 0.0],
        41.48197374865413,
    ),
    "ts2vec_full": (
        [0.20093697309494019, 1.136586308479309, 0.6502985954284668],
        [-0.39835324883461, 0.2807081341743469, 0.12516529858112335],
        49.61878561228514,
    ),
    "ts2vec_missing_multiscale": (
        [0.19155503809452057, 1.1314617395401, 0.6281432509422302],
        [-1.3020658493041992, 0.27847176790237427, 0.1043565422296524],
        206.94377136789262,
    ),
    "supcon_tabular_es": (
        [0.0, 0.0, 0.149968683719635],
        [0.0, 0.0, 0.09577279537916183],
        44.59809184074402,
    ),
    "supcon_tabular_balanced": (
        [0.027220189571380615, 0.0, 0.0],
        [0.3194139897823334, 0.0, 0.0],
        38.259214624762535,
    ),
    "supcon_tabular_auto_epochs": (
        [0.0, 0.0, 0.267328143119812],
        [0.0, 0.0, 0.12154389917850494],
        44.75301135703921,
    ),
    "supcon_series": (
        [1.2703649997711182, -0.21689936518669128, 0.9675543308258057],
        [-0.15953347086906433, 0.16192136704921722, -0.11897236108779907],
        40.747938975691795,
    ),
    "expclr_tabular": (
        [0.0, 0.0, 0.15962733328342438],
        [0.0, 0.0, 0.02577531337738037],
        44.211047157645226,
    ),
    "expclr_series": (
        [1.2902315855026245, -0.16919736564159393, 0.9022297859191895],
        [-0.12434642016887665, 0.19440200924873352, -0.11364474892616272],
        46.08330638706684,
    ),
    "expclr_series_auto": (
        [1.4191564321517944, -0.14631237089633942, 0.9787003993988037],
        [-0.16656450927257538, 0.2360621988773346, -0.052370086312294006],
        61.57457199692726,
    ),
}


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_every_case_is_pinned():
    assert set(PINNED) == set(cases())


# Ten times the largest move of a pinned quantity under a float32 last-bit change of the
# inputs (1.0e-6, benchmarks/results/pin_sensitivity.md).
TOLERANCE = 1e-5


@pytest.mark.parametrize("name", sorted(PINNED))
def test_embeddings_are_pinned(name, one_thread):
    first, last, total = PINNED[name]
    Z = embed(name)
    # Values relative to the embeddings' scale: ReLU outputs pin exact zeros, which
    # another CPU may compute as round-off-sized numbers.
    atol = TOLERANCE * np.abs(Z).max()
    np.testing.assert_allclose(Z[0, :3], first, rtol=0, atol=atol)
    np.testing.assert_allclose(Z[-1, -3:], last, rtol=0, atol=atol)
    np.testing.assert_allclose(Z.sum(dtype=np.float64), total, rtol=TOLERANCE)
