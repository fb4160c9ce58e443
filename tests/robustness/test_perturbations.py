"""Missing values and label noise: exact counts, seeding, no mutation, argument checks."""

import numpy as np
import pandas as pd
import pytest

from skcontrast.robustness import inject_label_noise, inject_mcar, inject_missing_timestamps

RATES = [0.0, 0.1, 0.25, 0.37, 0.5, 1.0]


# ------------------------------------------------------------------ missing timestamps
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("shape", [(13, 3, 17), (13, 17)])
def test_missing_timestamps_exact_count_across_all_channels(rate, shape):
    X = np.arange(np.prod(shape), dtype=float).reshape(shape)
    out, mask = inject_missing_timestamps(X, rate, random_state=0, return_mask=True)
    n_samples, n_timesteps = shape[0], shape[-1]
    assert mask.shape == (n_samples, n_timesteps)
    assert abs(int(mask.sum()) - rate * n_samples * n_timesteps) <= 1
    missing = np.isnan(out)
    if out.ndim == 3:
        # A chosen (series, timestamp) cell is missing in every channel, and only those.
        np.testing.assert_array_equal(missing.all(axis=1), mask)
        np.testing.assert_array_equal(missing.any(axis=1), mask)
    else:
        np.testing.assert_array_equal(missing, mask)
    np.testing.assert_array_equal(out[~np.isnan(out)], X[~np.isnan(out)])


def test_missing_timestamps_seeded_and_new_array():
    X = np.random.RandomState(0).normal(size=(20, 2, 30))
    before = X.copy()
    a = inject_missing_timestamps(X, 0.3, random_state=1)
    b = inject_missing_timestamps(X, 0.3, random_state=1)
    c = inject_missing_timestamps(X, 0.3, random_state=2)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    assert not np.array_equal(np.isnan(a), np.isnan(c))
    np.testing.assert_array_equal(X, before)
    assert a is not X and not np.shares_memory(a, X)


def test_missing_timestamps_integer_input_becomes_float():
    X = np.ones((5, 8), dtype=int)
    out = inject_missing_timestamps(X, 0.5, random_state=0)
    assert out.dtype == np.float64 and np.isnan(out).sum() == 20
    assert X.dtype == int and (X == 1).all()


def test_missing_timestamps_keeps_existing_nan_and_counts_them_as_eligible():
    X = np.zeros((4, 10))
    X[:, 8:] = np.nan  # variable-length padding
    out, mask = inject_missing_timestamps(X, 0.5, random_state=0, return_mask=True)
    assert mask.sum() == 20
    assert np.isnan(out[:, 8:]).all()
    np.testing.assert_array_equal(np.isnan(out), mask | np.isnan(X))


def test_missing_timestamps_shape_errors():
    with pytest.raises(ValueError, match="2-D"):
        inject_missing_timestamps(np.zeros(5), 0.1, random_state=0)
    with pytest.raises(TypeError, match="numbers"):
        inject_missing_timestamps(np.array([["a", "b"]]), 0.1, random_state=0)


# ------------------------------------------------------------------ MCAR
@pytest.mark.parametrize("rate", RATES)
def test_mcar_exact_count_numpy(rate):
    X = np.random.RandomState(0).normal(size=(11, 7))
    before = X.copy()
    out, mask = inject_mcar(X, rate, random_state=0, return_mask=True)
    assert abs(int(np.isnan(out).sum()) - rate * X.size) <= 1
    np.testing.assert_array_equal(np.isnan(out), mask)
    np.testing.assert_array_equal(X, before)


def test_mcar_dataframe_same_type_copy_and_not_modified():
    df = pd.DataFrame(
        {"a": np.arange(10), "b": np.linspace(0, 1, 10), "c": list("abcdefghij")},
        index=pd.RangeIndex(100, 110),
    )
    before = df.copy()
    out, mask = inject_mcar(df, 0.3, random_state=0, return_mask=True)
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(df.index) and list(out.columns) == list(df.columns)
    assert int(out.isna().to_numpy().sum()) == 9
    np.testing.assert_array_equal(out.isna().to_numpy(), mask)
    pd.testing.assert_frame_equal(df, before)


def test_mcar_seeded():
    X = np.zeros((10, 10))
    a = np.isnan(inject_mcar(X, 0.2, random_state=3))
    np.testing.assert_array_equal(a, np.isnan(inject_mcar(X, 0.2, random_state=3)))
    assert not np.array_equal(a, np.isnan(inject_mcar(X, 0.2, random_state=4)))


def test_mcar_needs_a_table():
    with pytest.raises(ValueError, match="2-D"):
        inject_mcar(np.zeros((2, 3, 4)), 0.1)


# ------------------------------------------------------------------ label noise
@pytest.mark.parametrize("rate", RATES)
def test_label_noise_uniform_exact_rows(rate):
    y = np.repeat([0, 1, 2, 3], 25)
    y_noisy, mask = inject_label_noise(y, rate, random_state=0)
    assert abs(int(mask.sum()) - rate * y.size) <= 1
    # Only chosen rows may change; their new labels are valid classes.
    assert ((y_noisy != y) <= mask).all()
    assert set(np.unique(y_noisy)) <= {0, 1, 2, 3}


def test_label_noise_uniform_includes_the_true_class():
    # With K classes, about 1/K of the chosen rows keep their label.
    y = np.repeat([0, 1], 5000)
    y_noisy, mask = inject_label_noise(y, 1.0, random_state=0)
    assert mask.all()
    assert 0.45 < (y_noisy == y).mean() < 0.55


@pytest.mark.parametrize("rate", RATES)
def test_label_noise_symmetric_changes_every_chosen_row(rate):
    y = np.array(["cat", "dog", "bird"] * 20)
    y_noisy, mask = inject_label_noise(y, rate, mode="symmetric", random_state=0)
    assert abs(int(mask.sum()) - rate * y.size) <= 1
    np.testing.assert_array_equal(y_noisy != y, mask)
    assert set(y_noisy) <= {"cat", "dog", "bird"}


def test_label_noise_symmetric_is_uniform_over_the_other_classes():
    y = np.zeros(6000, dtype=int)
    y_noisy, _ = inject_label_noise(y, 1.0, mode="symmetric", classes=[0, 1, 2, 3], random_state=0)
    counts = np.bincount(y_noisy, minlength=4)
    assert counts[0] == 0
    np.testing.assert_allclose(counts[1:] / 6000, 1 / 3, atol=0.03)


def test_label_noise_seeded_not_mutating_and_typed():
    y = np.array(["a", "b"] * 50)
    before = y.copy()
    a, mask_a = inject_label_noise(y, 0.3, random_state=0)
    b, mask_b = inject_label_noise(y, 0.3, random_state=0)
    c, mask_c = inject_label_noise(y, 0.3, random_state=1)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mask_a, mask_b)
    assert not np.array_equal(mask_a, mask_c)
    np.testing.assert_array_equal(y, before)
    assert a.dtype.kind == "U"


def test_label_noise_classes_widen_string_dtype():
    y = np.array(["a"] * 10)
    y_noisy, _ = inject_label_noise(y, 1.0, mode="symmetric", classes=["a", "longer"])
    assert (y_noisy == "longer").all()


def test_label_noise_series_in_series_out():
    y = pd.Series([1, 2, 3] * 10, index=np.arange(10, 40), name="target")
    before = y.copy()
    y_noisy, mask = inject_label_noise(y, 0.5, mode="symmetric", random_state=0)
    assert isinstance(y_noisy, pd.Series)
    assert y_noisy.index.equals(y.index) and y_noisy.name == "target"
    assert int(mask.sum()) == 15
    pd.testing.assert_series_equal(y, before)


def test_label_noise_argument_errors():
    y = np.array([0, 1, 1])
    with pytest.raises(ValueError, match="mode"):
        inject_label_noise(y, 0.1, mode="flip")
    with pytest.raises(ValueError, match="classes must contain"):
        inject_label_noise(y, 0.1, classes=[0])
    with pytest.raises(ValueError, match="at least 2 classes"):
        inject_label_noise(np.zeros(4), 0.5, mode="symmetric")
    with pytest.raises(ValueError, match="1-D"):
        inject_label_noise(np.zeros((2, 2)), 0.5)


# ------------------------------------------------------------------ bad rates everywhere
@pytest.mark.parametrize("rate", [-0.1, 1.5, np.nan, np.inf])
def test_bad_rates_raise_value_error(rate):
    with pytest.raises(ValueError, match="rate"):
        inject_missing_timestamps(np.zeros((3, 4)), rate)
    with pytest.raises(ValueError, match="rate"):
        inject_mcar(np.zeros((3, 4)), rate)
    with pytest.raises(ValueError, match="rate"):
        inject_label_noise(np.array([0, 1, 0]), rate)


@pytest.mark.parametrize("rate", ["0.1", None, True])
def test_non_numeric_rates_raise_type_error(rate):
    with pytest.raises(TypeError, match="rate"):
        inject_mcar(np.zeros((3, 4)), rate)
