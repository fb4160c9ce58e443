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


def _one_hot_table(n, generator):
    """One numeric column, then categorical columns of 3 and 2 categories, one-hot."""
    numeric = torch.rand(n, 1, generator=generator)
    a = torch.randint(3, (n,), generator=generator)
    b = torch.randint(2, (n,), generator=generator)
    return torch.cat([numeric, torch.nn.functional.one_hot(a, 3).float(),
                      torch.nn.functional.one_hot(b, 2).float()], dim=1)


GROUPS = torch.tensor([0, 1, 1, 1, 2, 2])


@pytest.mark.parametrize("rate", [0.34, 0.67, 0.99])
def test_grouped_corruption_keeps_rows_valid(rate):
    g = torch.Generator().manual_seed(0)
    reference = _one_hot_table(50, g)
    x = _one_hot_table(400, g)
    out = corrupt_from_marginals(x, reference, rate, generator=g, groups=GROUPS)
    # Every categorical block is still exactly one-hot: a corrupted row is a valid row.
    assert torch.equal(out[:, 1:4].sum(dim=1), torch.ones(400))
    assert torch.equal(out[:, 4:6].sum(dim=1), torch.ones(400))
    # Exactly floor(c * 3) input columns change (or are redrawn to the same value).
    q = n_corrupted_features(3, rate)
    blocks = [slice(0, 1), slice(1, 4), slice(4, 6)]
    changed = torch.stack([(out[:, b] != x[:, b]).any(dim=1) for b in blocks], dim=1)
    assert (changed.sum(dim=1) <= q).all() and changed.sum(dim=1).float().mean() > 0.5 * q


def test_grouped_corruption_draws_each_category_from_its_marginal():
    g = torch.Generator().manual_seed(3)
    # A reference where category 2 of the first block holds 70 % of the rows.
    codes = torch.tensor([0] * 10 + [1] * 20 + [2] * 70)
    reference = torch.cat([torch.zeros(100, 1), torch.nn.functional.one_hot(codes, 3).float(),
                           torch.nn.functional.one_hot(codes % 2, 2).float()], dim=1)
    x = torch.cat([torch.ones(20_000, 1), torch.zeros(20_000, 3), torch.zeros(20_000, 2)], dim=1)
    x[:, 1] = 1.0  # every row starts in category 0 of the first block...
    x[:, 4] = 1.0
    out = corrupt_from_marginals(x, reference, 0.67, generator=g, groups=GROUPS)
    # ...and a corrupted block holds a category drawn with the reference's frequencies
    # (category 0 redrawn onto itself is indistinguishable, so compare 1 with 2).
    drawn = out[out[:, 1] == 0][:, 1:4].argmax(dim=1)
    ratio = (drawn == 2).sum().item() / max((drawn == 1).sum().item(), 1)
    assert ratio == pytest.approx(70 / 20, rel=0.1)


def test_without_groups_every_column_is_a_feature():
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    x, reference = torch.rand(30, 6, generator=g1), torch.rand(10, 6, generator=g1)
    g1.manual_seed(9)
    g2.manual_seed(9)
    singletons = torch.arange(6)
    torch.testing.assert_close(corrupt_from_marginals(x, reference, 0.5, generator=g1),
                               corrupt_from_marginals(x, reference, 0.5, generator=g2,
                                                      groups=singletons))


def test_groups_must_match_the_columns():
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="groups"):
        corrupt_from_marginals(torch.zeros(2, 3), torch.zeros(4, 3), 0.5, generator=g,
                               groups=torch.tensor([0, 1]))
