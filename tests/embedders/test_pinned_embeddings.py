"""Embeddings at fixed seeds are pinned: refactors must not move them.

The values were computed before the architecture refactor (issue 10) with one torch
thread. Any change in the arithmetic or in the order of random draws moves them by far
more than the tolerance, which only absorbs last-bit differences between CPUs' BLAS
kernels (the same machine reproduces them bit for bit).
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
        [0.0, 0.0, 0.16974851489067078],
        [0.0, 0.009261613711714745, 0.007576465606689453],
        46.41240091249347,
    ),
    "expclr_series": (
        [1.2983547449111938, -0.1642361879348755, 0.909191370010376],
        [-0.12434656918048859, 0.1898202896118164, -0.11094659566879272],
        46.918848656117916,
    ),
    "expclr_series_auto": (
        [1.4403754472732544, -0.13922660052776337, 0.9912112951278687],
        [-0.16685698926448822, 0.21382780373096466, -0.040247902274131775],
        63.24497013539076,
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


@pytest.mark.parametrize("name", sorted(PINNED))
def test_embeddings_are_pinned(name, one_thread):
    first, last, total = PINNED[name]
    Z = embed(name)
    np.testing.assert_allclose(Z[0, :3], first, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(Z[-1, -3:], last, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(Z.sum(dtype=np.float64), total, rtol=1e-6)
