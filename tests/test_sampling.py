"""Row sampling: validation splits and class-balanced draws."""

import numpy as np
import torch

from skcontrast._sampling import balanced_draw, random_split, stratified_split
from skcontrast._torch_utils import make_generator


def test_early_stopping_split_is_stratified():
    codes = np.repeat([0, 1, 2], [50, 30, 20])
    train, valid = stratified_split(100, 10, make_generator(0), codes)
    assert sorted(np.r_[train.numpy(), valid.numpy()]) == list(range(100))
    np.testing.assert_array_equal(np.bincount(codes[valid.numpy()]), [5, 3, 2])


def testbalanced_draw_balances_classes():
    members = [torch.arange(0, 90), torch.arange(90, 97), torch.arange(97, 100)]
    idx = balanced_draw(31, members, make_generator(0))
    counts = np.bincount(np.searchsorted([90, 97], idx.numpy(), side="right"), minlength=3)
    assert counts.max() - counts.min() <= 1




def test_stratified_split_without_codes_and_without_validation():
    train, valid = stratified_split(20, 0, make_generator(0))
    assert valid.numel() == 0 and sorted(train.tolist()) == list(range(20))
    train, valid = stratified_split(20, 5, make_generator(0))
    assert len(valid) == 5 and sorted(torch.cat([train, valid]).tolist()) == list(range(20))


def test_random_split_is_a_seeded_permutation():
    a = random_split(30, 4, make_generator(1))
    b = random_split(30, 4, make_generator(1))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert a[1].numel() == 4 and sorted(torch.cat(a).tolist()) == list(range(30))
    # The validation rows are the first n_valid of the generator's permutation.
    assert torch.equal(a[1], torch.randperm(30, generator=make_generator(1))[:4])
