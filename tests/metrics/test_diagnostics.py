"""Label-free diagnostics against slow, obvious code."""

import itertools
import math

import numpy as np
import pytest

from skcontrast.metrics import alignment, effective_rank, info_nce_bound, uniformity


def _unit(z):
    return z / np.linalg.norm(z)


def slow_alignment(Z1, Z2, alpha):
    return sum(np.linalg.norm(_unit(a) - _unit(b)) ** alpha for a, b in zip(Z1, Z2)) / len(Z1)


def slow_uniformity(Z, t):
    pairs = list(itertools.combinations(range(len(Z)), 2))
    total = sum(math.exp(-t * np.sum((_unit(Z[i]) - _unit(Z[j])) ** 2)) for i, j in pairs)
    return math.log(total / len(pairs))


def slow_info_nce_bound(Z1, Z2, temperature):
    n = len(Z1)
    loss = 0.0
    for i in range(n):
        sims = [float(_unit(Z1[i]) @ _unit(Z2[j])) / temperature for j in range(n)]
        loss += -(sims[i] - math.log(sum(math.exp(s) for s in sims)))
    return math.log(n) - loss / n


@pytest.fixture
def pairs():
    rng = np.random.default_rng(0)
    Z1 = rng.standard_normal((9, 4))
    return Z1, Z1 + 0.3 * rng.standard_normal((9, 4))


@pytest.mark.parametrize("alpha", [1.0, 2.0, 3.5])
def test_alignment_matches_the_loop(pairs, alpha):
    assert alignment(*pairs, alpha=alpha) == pytest.approx(slow_alignment(*pairs, alpha),
                                                           rel=1e-12)


@pytest.mark.parametrize("t", [0.5, 2.0])
@pytest.mark.parametrize("chunk_size", [1, 4, 2048])
def test_uniformity_matches_the_loop_whatever_the_blocks(pairs, t, chunk_size):
    Z = pairs[0]
    assert uniformity(Z, t=t, chunk_size=chunk_size) == pytest.approx(slow_uniformity(Z, t),
                                                                      rel=1e-12)


@pytest.mark.parametrize("temperature", [0.1, 1.0])
def test_info_nce_bound_matches_the_loop_and_is_at_most_log_n(pairs, temperature):
    value = info_nce_bound(*pairs, temperature=temperature)
    assert value == pytest.approx(slow_info_nce_bound(*pairs, temperature), rel=1e-10)
    assert value <= math.log(len(pairs[0]))


def test_effective_rank_matches_the_entropy_of_the_singular_values():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((30, 5)) * np.array([5.0, 2.0, 1.0, 0.5, 0.1])
    centred = Z - Z.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    p = s / s.sum()
    assert effective_rank(Z) == pytest.approx(math.exp(-sum(q * math.log(q) for q in p)))
    assert 1.0 < effective_rank(Z) < 5.0
    # Rotations and scalings keep it; an offset counts only without centring.
    rotation = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    assert effective_rank(3 * Z @ rotation) == pytest.approx(effective_rank(Z))
    shifted = Z + 100.0
    assert effective_rank(shifted) == pytest.approx(effective_rank(Z))
    assert effective_rank(shifted, center=False) < effective_rank(Z)


def test_collapse_is_visible_in_every_diagnostic():
    collapsed = np.ones((6, 3))
    assert effective_rank(collapsed) == 0.0
    assert uniformity(collapsed) == 0.0
    assert alignment(collapsed, collapsed) == 0.0
    assert info_nce_bound(collapsed, collapsed) == pytest.approx(0.0, abs=1e-12)
    one_direction = np.outer(np.arange(6.0), [1.0, 2.0, 0.0])
    assert effective_rank(one_direction) == pytest.approx(1.0)
    zeros = np.zeros((4, 2))  # zero rows are not normalised into NaN
    values = [alignment(zeros, zeros), uniformity(zeros), info_nce_bound(zeros, zeros)]
    assert np.isfinite(values).all()


def test_errors_name_the_problem(pairs):
    Z1, Z2 = pairs
    with pytest.raises(ValueError, match="same shape"):
        alignment(Z1, Z2[:3])
    with pytest.raises(ValueError, match="same shape"):
        info_nce_bound(Z1, Z2[:, :2])
    with pytest.raises(ValueError, match="alpha"):
        alignment(Z1, Z2, alpha=0)
    with pytest.raises(ValueError, match="t must be"):
        uniformity(Z1, t=-1)
    with pytest.raises(ValueError, match="temperature"):
        info_nce_bound(Z1, Z2, temperature=0)
    with pytest.raises(ValueError, match="minimum of 2"):
        uniformity(Z1[:1])
    with pytest.raises(ValueError, match="NaN"):
        effective_rank(np.full((3, 2), np.nan))
