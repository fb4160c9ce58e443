"""Cheap, NaN-aware expert features of time series, for ExpCLR.

ExpCLR (Nonnenmacher et al., 2022) replaces augmentations by expert features: the
distance between two learned representations should follow the distance between the
samples' expert-feature vectors. When no domain expert is at hand, the generic
descriptors computed here are a sensible default for physiological signals such as
ECG: amplitude statistics, shape statistics, trend, roughness, oscillation and peak
rates, spectral content and the timing of the extremes.

Everything is vectorised over series (no Python loop over samples) and processed in
chunks to bound memory, so 100,000 series of 140 timestamps take a few seconds.
Missing values (NaN) are ignored by every feature; nothing is imputed except inside the
spectrum, as documented below.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EXPERT_FEATURES", "expert_feature_names", "time_series_expert_features"]

#: Names of the per-channel features, in output order.
EXPERT_FEATURES = (
    "mean",
    "std",
    "min",
    "max",
    "skewness",
    "kurtosis",
    "slope",
    "mean_abs_diff",
    "zero_crossing_rate",
    "peak_rate",
    "dominant_frequency",
    "band_energy_0",
    "band_energy_1",
    "band_energy_2",
    "band_energy_3",
    "argmax_position",
    "argmin_position",
)

# A series whose spread is below this fraction of its largest absolute value is
# numerically constant: its spread is round-off of the mean, and ratios built on it
# (skewness, kurtosis, slope, spectrum) would be noise. They are reported as 0.
_RELATIVE_TOLERANCE = 1e-10
# Elements (series x timestamps) handled per chunk: ~16 MB per float64 temporary.
_CHUNK_ELEMENTS = 2**21


def expert_feature_names(n_channels: int) -> list[str]:
    """Names of the columns returned by :func:`time_series_expert_features`.

    Parameters
    ----------
    n_channels : int
        Number of channels of the series.

    Returns
    -------
    names : list of str
        ``f"ch{c}_{feature}"`` for every channel ``c`` and every feature of
        :data:`EXPERT_FEATURES`, channel-major (all features of channel 0 first).

    Examples
    --------
    >>> from skcontrast.expert_features import expert_feature_names
    >>> names = expert_feature_names(2)
    >>> names[:3], len(names)
    (['ch0_mean', 'ch0_std', 'ch0_min'], 34)
    """
    if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)):
        raise TypeError(f"n_channels must be an int, got {n_channels!r}.")
    if n_channels < 1:
        raise ValueError(f"n_channels must be >= 1, got {n_channels}.")
    return [f"ch{c}_{name}" for c in range(int(n_channels)) for name in EXPERT_FEATURES]


def time_series_expert_features(X) -> np.ndarray:
    """Compute generic expert features for each channel of each series.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps) or (n_samples, n_timesteps)
        Time series; 2-D input is read as univariate. NaN marks a missing value and is
        ignored. Every channel of every series needs at least one observed value.

    Returns
    -------
    features : ndarray of shape (n_samples, n_channels * 17), float64
        Columns named by :func:`expert_feature_names`. Always finite. Per channel,
        with ``t`` the timestamp index rescaled to ``[0, 1]`` (``t = k / (T - 1)``):

        - ``mean``, ``std`` (population, ``ddof=0``), ``min``, ``max`` of the
          observed values: level and amplitude. A series whose ``std`` is below
          ``1e-10`` times its largest absolute value is numerically constant: its
          ``std`` is reported as exactly 0.
        - ``skewness`` ``m3 / m2**1.5`` and ``kurtosis`` (excess, ``m4 / m2**2 - 3``),
          population moments: asymmetry and peakedness of the value distribution
          (sharp R waves make ECG strongly skewed and heavy tailed). 0 for a
          (numerically) constant series.
        - ``slope``: least-squares slope of value against ``t`` over the observed
          timestamps, i.e. the fitted change over the whole series (baseline wander).
        - ``mean_abs_diff``: mean of ``|x[k+1] - x[k]|`` over consecutive observed
          pairs: roughness, high-frequency content.
        - ``zero_crossing_rate``: fraction of consecutive observed pairs across which
          the mean-removed value changes between negative and non-negative (so a
          crossing through an exactly-zero sample counts once): oscillation rate.
        - ``peak_rate``: number of local maxima (``x[k] > x[k-1]`` and
          ``x[k] >= x[k+1]``, all three observed) that exceed ``mean + std``, divided
          by the number of observed timestamps: e.g. beats per sample for ECG.
        - ``dominant_frequency``: ``k* / T`` in cycles per timestep (in ``(0, 0.5]``)
          where ``k* >= 1`` maximises the power of the real FFT of the detrended series
          (the least-squares line above subtracted, missing residuals set to 0, which
          is their observed mean, i.e. mean imputation of the detrended series).
        - ``band_energy_0`` ... ``band_energy_3``: fraction of the spectral power
          (bins ``1 ... T // 2``, the constant bin excluded) in four contiguous bands
          of equal width in frequency, low to high: bin ``k`` belongs to band
          ``b`` when ``(4 * (k - 1)) // (T // 2) == b``. Sums to 1 unless the
          detrended series is (numerically) zero, in which case all are 0, as is
          ``dominant_frequency``.
        - ``argmax_position``, ``argmin_position``: index of the first largest /
          smallest observed value divided by ``T - 1``: where the extremes occur.

        Features that need two (three for peaks) observed timestamps are 0 when there
        are too few.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D or 3-D, has no timestamps, contains infinite values, or
        a channel of some series has no observed value (the message names the rows).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.expert_features import time_series_expert_features
    >>> t = np.linspace(0, 1, 64, endpoint=False)
    >>> X = np.stack([np.sin(2 * np.pi * 4 * t), 2 * t])  # two univariate series
    >>> F = time_series_expert_features(X)
    >>> F.shape
    (2, 17)
    >>> float(F[0, 10])  # dominant frequency: 4 cycles / 64 timesteps
    0.0625
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3:
        raise ValueError(
            "X must have shape (n_samples, n_channels, n_timesteps) or (n_samples, "
            f"n_timesteps), got an array with {X.ndim} dimension(s)."
        )
    n_samples, n_channels, n_timesteps = X.shape
    if n_timesteps == 0 or n_channels == 0:
        raise ValueError(f"X has no timestamps or no channels (shape {X.shape}).")
    if np.isinf(X).any():
        rows = np.flatnonzero(np.isinf(X).any(axis=(1, 2)))
        raise ValueError(
            f"X contains infinite values (rows {rows[:5].tolist()}); replace them by NaN "
            "to mark them missing."
        )
    empty = np.isnan(X).all(axis=2)
    if empty.any():
        rows = np.flatnonzero(empty.any(axis=1))
        first = rows[0]
        raise ValueError(
            f"{rows.size} series have a channel with no observed value (all NaN): rows "
            f"{rows[:5].tolist()}{' ...' if rows.size > 5 else ''} (row {first}, channel "
            f"{int(np.flatnonzero(empty[first])[0])}); drop those rows before computing "
            "expert features."
        )

    n_features = len(EXPERT_FEATURES)
    out = np.empty((n_samples, n_channels, n_features), dtype=np.float64)
    rows_per_chunk = max(1, _CHUNK_ELEMENTS // (n_channels * n_timesteps))
    for start in range(0, n_samples, rows_per_chunk):
        chunk = X[start : start + rows_per_chunk]
        flat = chunk.reshape(-1, n_timesteps)
        out[start : start + rows_per_chunk] = _features(flat).reshape(
            chunk.shape[0], n_channels, n_features
        )
    return out.reshape(n_samples, n_channels * n_features)


def _features(x: np.ndarray) -> np.ndarray:
    """Features of each row of ``x`` (n_series, T); every row has an observed value."""
    n_series, n_timesteps = x.shape
    observed = ~np.isnan(x)
    n_observed = observed.sum(axis=1)
    filled = np.where(observed, x, 0.0)

    mean = filled.sum(axis=1) / n_observed
    centered = np.where(observed, x - mean[:, None], 0.0)
    # Products, not ``**3``/``**4``: numpy's general power is ~30x slower.
    squared = centered * centered
    m2 = squared.sum(axis=1) / n_observed
    m3 = (squared * centered).sum(axis=1) / n_observed
    m4 = (squared * squared).sum(axis=1) / n_observed
    std = np.sqrt(m2)
    scale = np.abs(filled).max(axis=1)
    tolerance = _RELATIVE_TOLERANCE * scale
    constant = std <= tolerance
    std = np.where(constant, 0.0, std)
    safe_m2 = np.where(constant, 1.0, m2)
    skewness = np.where(constant, 0.0, m3 / safe_m2**1.5)
    kurtosis = np.where(constant, 0.0, m4 / safe_m2**2 - 3.0)
    minimum = np.where(observed, x, np.inf).min(axis=1)
    maximum = np.where(observed, x, -np.inf).max(axis=1)

    # Least-squares line over the observed timestamps, time rescaled to [0, 1] so the
    # slope is "change over the whole series" whatever the length.
    time = np.arange(n_timesteps) / max(n_timesteps - 1, 1)
    time_mean = (observed * time).sum(axis=1) / n_observed
    time_centered = np.where(observed, time - time_mean[:, None], 0.0)
    time_ss = (time_centered * time_centered).sum(axis=1)
    has_trend = (time_ss > 0) & ~constant
    covariance = (time_centered * centered).sum(axis=1)
    slope = np.where(has_trend, covariance / np.where(has_trend, time_ss, 1.0), 0.0)

    # Consecutive pairs with both ends observed.
    pairs = observed[:, 1:] & observed[:, :-1]
    n_pairs = np.maximum(pairs.sum(axis=1), 1)
    mean_abs_diff = np.where(pairs, np.abs(np.diff(filled, axis=1)), 0.0).sum(axis=1) / n_pairs
    # A crossing is a change between negative and non-negative, so a signal passing
    # through an exact zero sample counts once. Values within round-off of the mean
    # count as zero, so a constant series (mean-removed values of +-1 ulp) never crosses.
    negative = centered < -tolerance[:, None]
    crossings = pairs & (negative[:, 1:] != negative[:, :-1])
    zero_crossing_rate = crossings.sum(axis=1) / n_pairs

    if n_timesteps >= 3:
        middle = filled[:, 1:-1]
        is_peak = (
            observed[:, :-2]
            & observed[:, 1:-1]
            & observed[:, 2:]
            & (middle > filled[:, :-2])
            & (middle >= filled[:, 2:])
            & (middle > (mean + std)[:, None])
        )
        peak_rate = is_peak.sum(axis=1) / n_observed
    else:
        peak_rate = np.zeros(n_series)

    # Spectrum of the detrended series; missing residuals are 0 = their observed mean.
    trend = mean[:, None] + slope[:, None] * (time[None, :] - time_mean[:, None])
    residual = np.where(observed & ~constant[:, None], x - trend, 0.0)
    n_bins = n_timesteps // 2
    bands = np.zeros((n_series, 4))
    dominant_frequency = np.zeros(n_series)
    if n_bins >= 1:
        spectrum = np.fft.rfft(residual, axis=1)[:, 1 : n_bins + 1]
        power = spectrum.real**2 + spectrum.imag**2
        total = power.sum(axis=1)
        # Parseval: total = T * sum(residual**2); below the round-off level the
        # "spectrum" of a straight line is noise.
        audible = total > (tolerance * n_timesteps) ** 2
        safe_total = np.where(audible, total, 1.0)
        dominant_frequency = np.where(audible, (power.argmax(axis=1) + 1) / n_timesteps, 0.0)
        cumulative = np.concatenate([np.zeros((n_series, 1)), np.cumsum(power, axis=1)], axis=1)
        # Column j (bin j + 1) is in band (4 * j) // n_bins, i.e. edges[b] = ceil(b * n_bins / 4).
        edges = (n_bins * np.arange(5) + 3) // 4
        for band in range(4):
            energy = cumulative[:, edges[band + 1]] - cumulative[:, edges[band]]
            bands[:, band] = np.where(audible, energy / safe_total, 0.0)

    denominator = max(n_timesteps - 1, 1)
    argmax_position = np.where(observed, x, -np.inf).argmax(axis=1) / denominator
    argmin_position = np.where(observed, x, np.inf).argmin(axis=1) / denominator

    return np.column_stack(
        [
            mean,
            std,
            minimum,
            maximum,
            skewness,
            kurtosis,
            slope,
            mean_abs_diff,
            zero_crossing_rate,
            peak_rate,
            dominant_frequency,
            bands,
            argmax_position,
            argmin_position,
        ]
    )
