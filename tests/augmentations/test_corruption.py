import numpy as np
import pytest
import torch

from skcontrast.augmentations.corruption import (
    MarginalCorruption,
    corrupt_from_marginals,
    n_corrupted_features,
)


@pytest.mark.parametrize("m,c,q", [(10, 0.6, 6), (30, 0.3, 9), (7, 0.5, 3), (3, 0.3, 0),
                                   (5, 0.999, 4), (450, 0.6, 270)])
def test_n_corrupted_features_is_floor(m, c, q):
    assert n_corrupted_features(m, c) == q


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.6, 0.9])
def test_exactly_floor_cm_features_per_row(rate):
    g = torch.Generator().manual_seed(0)
    n_features = 17
    # The batch and the reference have disjoint values, so changed cells are visible.
    x = -torch.rand(256, n_features, generator=g) - 1.0
    reference = torch.rand(40, n_features, generator=g) + 1.0
    out = corrupt_from_marginals(x, reference, rate, generator=g)
    changed = (out != x).sum(dim=1)
    assert (changed == int(np.floor(rate * n_features))).all()


def test_values_come_from_the_training_column_only():
    g = torch.Generator().manual_seed(1)
    reference = torch.arange(60.0).reshape(20, 3) * torch.tensor([1.0, 100.0, 10_000.0])
    x = torch.full((500, 3), -1.0)
    out = corrupt_from_marginals(x, reference, 0.67, generator=g)
    for j in range(3):
        column = out[:, j]
        drawn = column[column != -1.0]
        assert drawn.numel() > 0
        assert set(drawn.tolist()) <= set(reference[:, j].tolist())


def test_features_and_source_rows_are_drawn_uniformly():
    g = torch.Generator().manual_seed(2)
    reference = torch.arange(5.0).repeat(4, 1).T  # column j holds 0..4
    x = torch.full((20_000, 4), -1.0)
    out = corrupt_from_marginals(x, reference, 0.5, generator=g)
    chosen = (out != -1.0).float().mean(dim=0)  # each feature chosen with prob 2/4
    assert torch.allclose(chosen, torch.full((4,), 0.5), atol=0.02)
    values = out[out != -1.0]
    freq = torch.bincount(values.long(), minlength=5).float() / values.numel()
    assert torch.allclose(freq, torch.full((5,), 0.2), atol=0.01)
    # Features of a row are sampled independently, not copied from one source row.
    both = (out[:, 0] != -1) & (out[:, 1] != -1)
    assert (out[both, 0] != out[both, 1]).float().mean() > 0.7


def test_input_untouched_and_seeded():
    x = torch.randn(8, 6)
    before = x.clone()
    ref = torch.randn(10, 6)
    a = corrupt_from_marginals(x, ref, 0.5, generator=torch.Generator().manual_seed(3))
    b = corrupt_from_marginals(x, ref, 0.5, generator=torch.Generator().manual_seed(3))
    c = corrupt_from_marginals(x, ref, 0.5, generator=torch.Generator().manual_seed(4))
    assert torch.equal(x, before)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_global_rng_untouched():
    state = torch.random.get_rng_state()
    MarginalCorruption(torch.randn(5, 3, generator=torch.Generator()), 0.5)(
        torch.zeros(4, 3), generator=torch.Generator().manual_seed(0)
    )
    assert torch.equal(state, torch.random.get_rng_state())


def test_module_validates_rate_and_reference_shape():
    with pytest.raises(ValueError, match="corruption_rate"):
        MarginalCorruption(torch.zeros(3, 2), 1.0)
    with pytest.raises(ValueError, match="reference"):
        corrupt_from_marginals(torch.zeros(3, 2), torch.zeros(3, 4), 0.5,
                               generator=torch.Generator())
