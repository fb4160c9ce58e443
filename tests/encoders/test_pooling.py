import numpy as np
import pytest
import torch

from skcontrast._torch_utils import build_module, make_generator
from skcontrast.encoders import DilatedConvEncoder, PooledSeriesEncoder, max_pool_over_time


def _slow_pool(h, keep, segments):
    """Max over each segment's kept timestamps (all of them if none is kept), by loops."""
    n, t, d = h.shape
    out = []
    for i in range(n):
        row = []
        for n_segments in segments:
            bounds = np.linspace(0, t, n_segments + 1)
            for k in range(n_segments):
                lo, hi = int(np.floor(bounds[k])), max(int(np.ceil(bounds[k + 1])),
                                                       int(np.floor(bounds[k])) + 1)
                kept = [s for s in range(lo, hi) if keep[i, s]] or list(range(lo, hi))
                row.append(np.max([h[i, s] for s in kept], axis=0))
        out.append(np.concatenate(row))
    return np.array(out)


@pytest.mark.parametrize("window, segments", [("full_series", (1,)),
                                              ("multiscale", (1, 2, 4))])
@pytest.mark.parametrize("t", [1, 5, 13])
def test_max_pool_over_time_matches_loops(window, segments, t):
    gen = torch.Generator().manual_seed(t)
    h = torch.randn(4, t, 3, generator=gen, dtype=torch.float64)
    keep = torch.rand(4, t, generator=gen) < 0.5
    keep[0] = False  # a series with nothing kept falls back to every timestamp
    got = max_pool_over_time(h, keep, window=window).numpy()
    np.testing.assert_array_equal(got, _slow_pool(h.numpy(), keep.numpy(), segments))


def test_pooled_encoder_pools_observed_or_all_timestamps():
    encoder = build_module(lambda: DilatedConvEncoder(1, hidden_size=4, n_components=3,
                                                      depth=1), make_generator(0)).eval()
    x = torch.randn(2, 10, 1, generator=torch.Generator().manual_seed(0))
    x[0, 2:5] = float("nan")
    h = encoder(x, mask="all_true")
    observed = PooledSeriesEncoder(encoder, pooling="observed")(x)
    every = PooledSeriesEncoder(encoder, pooling="all")(x)
    torch.testing.assert_close(observed[0], h[0, [0, 1, 5, 6, 7, 8, 9]].amax(dim=0))
    torch.testing.assert_close(every[0], h[0].amax(dim=0))
    assert PooledSeriesEncoder(encoder, window="multiscale").out_features == 21


def test_pooled_encoder_rejects_unknown_options():
    encoder = DilatedConvEncoder(1, depth=0)
    with pytest.raises(ValueError, match="pooling"):
        PooledSeriesEncoder(encoder, pooling="mean")
    with pytest.raises(ValueError, match="window"):
        PooledSeriesEncoder(encoder, window="sliding")
    with pytest.raises(ValueError, match="window"):
        max_pool_over_time(torch.zeros(1, 2, 1), torch.ones(1, 2, dtype=torch.bool), window="x")
