"""TS2Vec's overlapping crops: ranges, determinism, shared content, no mutation."""

import numpy as np
import pytest
import torch

from skcontrast.augmentations.crops import (
    CropParams,
    overlapping_crops,
    sample_crop_params,
    take_per_row,
)


@pytest.mark.parametrize("n_timesteps, temporal_unit", [(2, 0), (5, 0), (17, 1), (40, 2)])
def test_draws_stay_in_their_ranges(n_timesteps, temporal_unit):
    gen = torch.Generator().manual_seed(0)
    lengths, offsets = set(), set()
    for _ in range(400):
        p = sample_crop_params(6, n_timesteps, temporal_unit=temporal_unit, generator=gen)
        assert isinstance(p, CropParams)
        assert 2 ** (temporal_unit + 1) <= p.overlap_length <= n_timesteps
        assert 0 <= p.overlap_start <= n_timesteps - p.overlap_length
        assert p.overlap_end == p.overlap_start + p.overlap_length
        assert 0 <= p.view1_start <= p.overlap_start
        assert p.overlap_end <= p.view2_end <= n_timesteps
        assert p.offsets.shape == (6,) and p.offsets.dtype == torch.int64
        assert int(p.offsets.min()) >= -p.view1_start
        assert int(p.offsets.max()) <= n_timesteps - p.view2_end
        # Hence both windows lie inside the series.
        assert int((p.offsets + p.view1_start).min()) >= 0
        assert int((p.offsets + p.view2_end).max()) <= n_timesteps
        lengths.add(p.overlap_length)
        offsets.update((p.offsets + p.overlap_start).tolist())
    # The bounds are inclusive: the extreme overlap lengths and positions all occur.
    assert min(lengths) == 2 ** (temporal_unit + 1) and max(lengths) == n_timesteps
    assert min(offsets) == 0
    if n_timesteps <= 5:  # the last start needs the shortest overlap: rare on long series
        assert max(offsets) == n_timesteps - min(lengths)


def test_same_seed_same_crops_different_seed_different():
    x = torch.randn(5, 30, 2, generator=torch.Generator().manual_seed(1))
    a = overlapping_crops(x, generator=torch.Generator().manual_seed(3))
    b = overlapping_crops(x, generator=torch.Generator().manual_seed(3))
    assert a[2] == b[2] and torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    draws = [sample_crop_params(5, 30, generator=torch.Generator().manual_seed(s))
             for s in range(5)]
    assert len({(d.overlap_length, d.overlap_start, tuple(d.offsets.tolist()))
                for d in draws}) > 1


def test_overlap_is_identical_in_both_views_and_input_untouched():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(7, 25, 3, generator=gen)
    x[2, 4, 1] = float("nan")
    before = x.clone()
    for _ in range(50):
        view1, view2, overlap = overlapping_crops(x, generator=gen)
        assert view1.shape[0] == view2.shape[0] == 7
        assert view1.shape[1] >= overlap and view2.shape[1] >= overlap
        shared1 = view1[:, view1.shape[1] - overlap:]
        assert torch.equal(torch.nan_to_num(shared1, nan=7.0),
                           torch.nan_to_num(view2[:, :overlap], nan=7.0))
        assert view1.data_ptr() != x.data_ptr()
    assert torch.equal(torch.isnan(x), torch.isnan(before))
    assert torch.equal(torch.nan_to_num(x), torch.nan_to_num(before))


def test_views_follow_the_guide_formula():
    x = torch.arange(4 * 20, dtype=torch.float64).reshape(4, 20, 1)
    gen = torch.Generator().manual_seed(5)
    state = gen.get_state()
    p = sample_crop_params(4, 20, generator=gen)
    gen.set_state(state)
    view1, view2, overlap = overlapping_crops(x, generator=gen)
    assert overlap == p.overlap_length
    for i, o in enumerate(p.offsets.tolist()):
        assert torch.equal(view1[i], x[i, o + p.view1_start: o + p.overlap_end])
        assert torch.equal(view2[i], x[i, o + p.overlap_start: o + p.view2_end])


def test_take_per_row_matches_a_loop():
    x = torch.randn(4, 12, 2)
    starts = np.array([0, 3, 7, 2])
    got = take_per_row(x, starts, 5)
    expected = torch.stack([x[i, s:s + 5] for i, s in enumerate(starts)])
    assert torch.equal(got, expected)
    got[0, 0, 0] = 100.0  # a copy, not a view
    assert x[0, 0, 0] != 100.0


@pytest.mark.parametrize("starts, length", [([0, -1], 2), ([0, 9], 2), ([0, 0], 11), ([0], 2)])
def test_take_per_row_rejects_windows_outside(starts, length):
    with pytest.raises(ValueError):
        take_per_row(torch.zeros(2, 10, 1), torch.tensor(starts), length)


def test_too_short_or_invalid_arguments():
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="too short"):
        sample_crop_params(3, 3, temporal_unit=1, generator=gen)
    with pytest.raises(ValueError, match="temporal_unit"):
        sample_crop_params(3, 10, temporal_unit=-1, generator=gen)
    with pytest.raises(ValueError, match="n_instances"):
        sample_crop_params(0, 10, generator=gen)
    with pytest.raises(TypeError, match="Generator"):
        sample_crop_params(3, 10, generator=0)
    with pytest.raises(ValueError, match="too short"):
        overlapping_crops(torch.zeros(2, 1, 1), generator=gen)
