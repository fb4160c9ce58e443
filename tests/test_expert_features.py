"""Tests for the vectorised expert features against slow per-series computations."""

import numpy as np
import pytest
from scipy import stats

from skcontrast.expert_features import (
    EXPERT_FEATURES,
    expert_feature_names,
    time_series_expert_features,
)

N_FEATURES = len(EXPERT_FEATURES)


def _slow_features(series):
    """One channel, written the obvious way on the observed values."""
    n_timesteps = len(series)
    observed = ~np.isnan(series)
    values = series[observed]
    time = np.arange(n_timesteps) / max(n_timesteps - 1, 1)
    mean, std = values.mean(), values.std()
    flat = std <= 1e-10 * np.abs(values).max()
    std = 0.0 if flat else std
    features = {
        "mean": mean,
        "std": std,
        "min": values.min(),
        "max": values.max(),
        "skewness": 0.0 if flat else stats.skew(values, bias=True),
        "kurtosis": 0.0 if flat else stats.kurtosis(values, fisher=True, bias=True),
    }
    if values.size >= 2 and not flat:
        slope, intercept = np.polyfit(time[observed], values, 1)
    else:
        slope, intercept = 0.0, mean
    features["slope"] = slope

    diffs, crossings = [], 0
    for k in range(n_timesteps - 1):
        if observed[k] and observed[k + 1]:
            diffs.append(abs(series[k + 1] - series[k]))
            a, b = series[k] - mean, series[k + 1] - mean
            tolerance = 1e-10 * np.abs(values).max()
            if (a < -tolerance) != (b < -tolerance):
                crossings += 1
    features["mean_abs_diff"] = np.mean(diffs) if diffs else 0.0
    features["zero_crossing_rate"] = crossings / len(diffs) if diffs else 0.0

    peaks = 0
    for k in range(1, n_timesteps - 1):
        if observed[k - 1] and observed[k] and observed[k + 1]:
            x = series[k]
            if x > series[k - 1] and x >= series[k + 1] and x > mean + std:
                peaks += 1
    features["peak_rate"] = peaks / values.size

    residual = np.where(observed, series - (intercept + slope * time), 0.0)
    if flat:
        residual[:] = 0.0
    n_bins = n_timesteps // 2
    power = np.abs(np.fft.rfft(residual))[1 : n_bins + 1] ** 2
    total = power.sum()
    if n_bins >= 1 and total > (1e-10 * np.abs(values).max() * n_timesteps) ** 2:
        features["dominant_frequency"] = (np.argmax(power) + 1) / n_timesteps
        for band in range(4):
            in_band = [j for j in range(n_bins) if (4 * j) // n_bins == band]
            features[f"band_energy_{band}"] = power[in_band].sum() / total
    else:
        features["dominant_frequency"] = 0.0
        for band in range(4):
            features[f"band_energy_{band}"] = 0.0

    indices = np.flatnonzero(observed)
    denominator = max(n_timesteps - 1, 1)
    features["argmax_position"] = indices[np.argmax(values)] / denominator
    features["argmin_position"] = indices[np.argmin(values)] / denominator
    return np.array([features[name] for name in EXPERT_FEATURES])


def _random_series(n_samples, n_channels, n_timesteps, seed, missing=0.15):
    rng = np.random.default_rng(seed)
    time = np.arange(n_timesteps)
    frequencies = rng.uniform(0.02, 0.4, size=(n_samples, n_channels, 1))
    X = (
        np.sin(2 * np.pi * frequencies * time)
        + 0.3 * rng.standard_normal((n_samples, n_channels, n_timesteps))
        + rng.normal(size=(n_samples, n_channels, 1)) * time / n_timesteps
    )
    X[rng.random(X.shape) < missing] = np.nan
    X[..., 0] = np.where(rng.random((n_samples, n_channels)) < 0.5, np.nan, X[..., 0])
    return X


@pytest.mark.parametrize("n_timesteps", [3, 8, 13, 50])
@pytest.mark.parametrize("n_channels", [1, 3])
def test_matches_slow_per_series(n_channels, n_timesteps):
    X = _random_series(6, n_channels, n_timesteps, seed=n_timesteps * n_channels)
    features = time_series_expert_features(X)
    assert features.shape == (6, n_channels * N_FEATURES)
    assert features.dtype == np.float64
    for i in range(X.shape[0]):
        expected = np.concatenate([_slow_features(X[i, c]) for c in range(n_channels)])
        np.testing.assert_allclose(features[i], expected, rtol=1e-9, atol=1e-12)


def test_univariate_2d_input_equals_single_channel():
    X = _random_series(5, 1, 30, seed=1)
    np.testing.assert_array_equal(
        time_series_expert_features(X[:, 0, :]), time_series_expert_features(X)
    )


def test_known_values():
    time = np.arange(64)
    sine = np.sin(2 * np.pi * 4 * time / 64)
    features = dict(zip(EXPERT_FEATURES, time_series_expert_features(sine[None])[0], strict=True))
    assert features["dominant_frequency"] == pytest.approx(4 / 64)
    # Bin 4 of 32 is in the lowest band (not exactly all of the power: the least-squares
    # line of a sine over whole periods has a small slope, and detrending leaks a little).
    assert features["band_energy_0"] == pytest.approx(1.0, abs=0.01)
    assert features["mean"] == pytest.approx(0.0, abs=1e-12)
    assert features["std"] == pytest.approx(np.sqrt(0.5))
    assert features["skewness"] == pytest.approx(0.0, abs=1e-9)
    assert features["kurtosis"] == pytest.approx(-1.5)  # the arcsine distribution
    assert features["zero_crossing_rate"] == pytest.approx(7 / 63, abs=1 / 63)
    assert features["peak_rate"] == pytest.approx(4 / 64)
    ramp = time_series_expert_features(np.linspace(-1.0, 3.0, 20)[None])[0]
    ramp_features = dict(zip(EXPERT_FEATURES, ramp, strict=True))
    assert ramp_features["slope"] == pytest.approx(4.0)
    assert ramp_features["argmax_position"] == 1.0 and ramp_features["argmin_position"] == 0.0
    assert ramp_features["dominant_frequency"] == 0.0  # a straight line has no spectrum


@pytest.mark.parametrize("value", [0.0, 0.1, -3.7, 1e6])
def test_constant_series_are_finite(value):
    X = np.full((2, 2, 40), value)
    X[1, 0, ::3] = np.nan
    features = time_series_expert_features(X)
    assert np.isfinite(features).all()
    by_name = dict(zip(expert_feature_names(2), features[1], strict=True))
    for name in (
        "std",
        "skewness",
        "kurtosis",
        "slope",
        "zero_crossing_rate",
        "peak_rate",
        "dominant_frequency",
        "band_energy_0",
    ):
        assert by_name[f"ch0_{name}"] == 0.0, name
    assert by_name["ch0_mean"] == pytest.approx(value)


def test_single_observed_value_and_short_series():
    X = np.full((1, 1, 5), np.nan)
    X[0, 0, 2] = 1.5
    features = time_series_expert_features(X)
    assert np.isfinite(features).all()
    assert features[0, EXPERT_FEATURES.index("argmax_position")] == 0.5
    one_step = time_series_expert_features(np.array([[1.0], [2.0]]))
    assert one_step.shape == (2, N_FEATURES) and np.isfinite(one_step).all()


def test_names():
    names = expert_feature_names(3)
    assert len(names) == 3 * N_FEATURES == len(set(names))
    assert names[0] == "ch0_mean" and names[N_FEATURES] == "ch1_mean"
    assert names[-1] == "ch2_argmin_position"
    with pytest.raises(ValueError, match="n_channels"):
        expert_feature_names(0)


def test_all_nan_channel_raises_naming_row():
    X = _random_series(5, 2, 10, seed=3, missing=0.0)
    X[3, 1, :] = np.nan
    with pytest.raises(ValueError, match=r"rows \[3\].*channel 1"):
        time_series_expert_features(X)


def test_input_not_mutated_and_bad_input():
    X = _random_series(4, 2, 12, seed=4)
    before = X.copy()
    time_series_expert_features(X)
    np.testing.assert_array_equal(X, before)
    with pytest.raises(ValueError, match="infinite"):
        time_series_expert_features(np.array([[1.0, np.inf, 2.0]]))
    with pytest.raises(ValueError, match="dimension"):
        time_series_expert_features(np.zeros(5))
    with pytest.raises(ValueError, match="no timestamps"):
        time_series_expert_features(np.zeros((2, 0)))


def test_chunking_gives_same_result(monkeypatch):
    import skcontrast.expert_features as module

    X = _random_series(9, 2, 16, seed=5)
    whole = time_series_expert_features(X)
    monkeypatch.setattr(module, "_CHUNK_ELEMENTS", 40)  # one row per chunk
    np.testing.assert_array_equal(time_series_expert_features(X), whole)
