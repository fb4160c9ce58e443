"""NumPy preprocessing for TS2Vec's fit: splitting, centring, dropping empty series."""

import numpy as np
import pytest

import skcontrast
from skcontrast._timeseries import TrainingSeries

# The reference code's preprocessing steps, written eagerly on a whole collection of
# layout (n_series, n_timesteps, n_channels): the slow obvious version TrainingSeries
# (which gathers the same sections a batch at a time) is compared with.


def _check_collection(x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"x must have shape (n_series, n_timesteps, n_channels), got shape {x.shape}."
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must have a floating-point dtype (NaN = missing), got {x.dtype}.")
    return x


def split_long_series(x, max_length: int) -> np.ndarray:
    """Cut long series into sections stacked as extra series, as the reference does.

    With ``sections = n_timesteps // max_length``: if ``sections >= 2`` the time axis is
    split into ``sections`` nearly equal parts (``np.array_split``), the shorter ones
    NaN-padded at the end to the first one's length, and the parts are stacked along the
    series axis (all series' first parts, then all second parts, ...). Otherwise ``x`` is
    returned unchanged (as a copy).

    A section can still be longer than ``max_length`` (at most ``2 * max_length - 1``,
    e.g. ``7000 // 3000 = 2`` sections of 3500): the reference then crops a random window
    of ``max_length`` timestamps per batch during training, and so should the caller.

    Parameters
    ----------
    x : array-like of shape (n_series, n_timesteps, n_channels)
        Float collection, NaN = missing.
    max_length : int
        The reference's ``max_train_length``.

    Returns
    -------
    ndarray of shape (n_series * sections, ceil(n_timesteps / sections), n_channels)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(7.0).reshape(1, 7, 1)
    >>> split_long_series(x, 3)[..., 0]
    array([[ 0.,  1.,  2.,  3.],
           [ 4.,  5.,  6., nan]])
    """
    x = _check_collection(x)
    if int(max_length) != max_length or max_length < 1:
        raise ValueError(f"max_length must be a positive integer, got {max_length!r}.")
    sections = x.shape[1] // int(max_length)
    if sections < 2:
        return x.copy()
    parts = np.array_split(x, sections, axis=1)
    target = parts[0].shape[1]
    padded = [
        np.pad(p, ((0, 0), (0, target - p.shape[1]), (0, 0)), constant_values=np.nan)
        for p in parts
    ]
    return np.concatenate(padded, axis=0)


def centre_observed_span(x) -> np.ndarray:
    """Shift each series so that its observed span sits in the middle of the time axis.

    A timestamp is padding when all its channels are NaN (the reference's test). If no
    series starts or ends with padding nothing moves; otherwise each series is rolled by
    ``(lead + trail) // 2 - lead`` where ``lead``/``trail`` count its leading/trailing
    padding timestamps, so only padding wraps around. An all-NaN series stays put.

    ``x``: a float collection, NaN = missing; returns a new array of the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0, np.nan, np.nan, np.nan, np.nan]])[..., None]
    >>> centre_observed_span(x)[..., 0]
    array([[nan, nan,  1.,  2., nan, nan]])
    """
    x = _check_collection(x)
    n_series, n_timesteps, _ = x.shape
    present = ~np.isnan(x).all(axis=-1)
    if n_timesteps == 0 or (present[:, 0].all() and present[:, -1].all()):
        return x.copy()
    # argmax finds the first present timestamp (0 for an all-NaN series: no shift).
    lead = np.argmax(present, axis=1)
    trail = np.argmax(present[:, ::-1], axis=1)
    offset = (lead + trail) // 2 - lead
    source = (np.arange(n_timesteps)[None, :] - offset[:, None]) % n_timesteps
    return x[np.arange(n_series)[:, None], source]


def drop_all_missing(x) -> np.ndarray:
    """Remove the series whose every value is NaN.

    ``x``: a float collection, NaN = missing; returns a new array of shape
    ``(n_kept, n_timesteps, n_channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0], [np.nan]], [[np.nan], [np.nan]]])
    >>> drop_all_missing(x).shape
    (1, 2, 1)
    """
    x = _check_collection(x)
    keep = ~np.isnan(x).all(axis=(1, 2))
    return x[keep]


def _collection(n_series, n_timesteps, n_channels, seed=0):
    return np.random.RandomState(seed).normal(size=(n_series, n_timesteps, n_channels))


def test_split_matches_the_reference_rule():
    x = _collection(3, 10, 2)
    before = x.copy()
    out = split_long_series(x, 3)  # 10 // 3 = 3 sections of 4, 3, 3 timestamps
    assert out.shape == (9, 4, 2)
    np.testing.assert_array_equal(out[0:3], x[:, 0:4])  # all series' first sections...
    np.testing.assert_array_equal(out[3:6, :3], x[:, 4:7])  # ...then all second sections
    np.testing.assert_array_equal(out[6:9, :3], x[:, 7:10])
    assert np.isnan(out[3:, 3]).all()  # shorter sections are NaN-padded at the end
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("n_timesteps, max_length", [(10, 6), (10, 10), (10, 50)])
def test_no_split_below_two_sections_returns_a_copy(n_timesteps, max_length):
    x = _collection(2, n_timesteps, 1)
    out = split_long_series(x, max_length)
    np.testing.assert_array_equal(out, x)
    assert out is not x and not np.shares_memory(out, x)


def test_split_sections_can_exceed_max_length():
    # 7000 // 3000 = 2 sections of 3500, as in the reference.
    out = split_long_series(np.zeros((1, 7000, 1)), 3000)
    assert out.shape == (2, 3500, 1)


def test_centre_observed_span():
    nan = np.nan
    x = np.array([
        [1.0, 2.0, nan, nan, nan, nan],  # lead 0, trail 4 -> shift right by 2
        [nan, nan, nan, nan, 3.0, 4.0],  # lead 4, trail 0 -> shift left by 2
        [nan, 5.0, 6.0, 7.0, nan, nan],  # lead 1, trail 2 -> (1 + 2) // 2 - 1 = 0
        [nan, nan, nan, nan, nan, nan],  # all missing: stays put
    ])[..., None]
    before = x.copy()
    out = centre_observed_span(x)
    expected = np.array([
        [nan, nan, 1.0, 2.0, nan, nan],
        [nan, nan, 3.0, 4.0, nan, nan],
        [nan, 5.0, 6.0, 7.0, nan, nan],
        [nan, nan, nan, nan, nan, nan],
    ])[..., None]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(x, before)


def test_centring_counts_a_timestamp_present_if_any_channel_is_observed():
    nan = np.nan
    x = np.array([[[nan, 1.0], [2.0, 3.0], [nan, nan], [nan, nan]]])
    out = centre_observed_span(x)  # lead 0 (channel 1 is observed), trail 2 -> shift by 1
    np.testing.assert_array_equal(out[0, 1:3], x[0, 0:2])
    assert np.isnan(out[0, [0, 3]]).all()


def test_centring_without_padding_is_a_copy():
    x = _collection(3, 8, 2)
    x[0, 3] = np.nan  # interior missing values do not trigger centring
    out = centre_observed_span(x)
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_drop_all_missing():
    x = _collection(4, 5, 2)
    x[1] = np.nan
    x[2, :, 0] = np.nan  # partly observed: kept
    out = drop_all_missing(x)
    assert out.shape == (3, 5, 2)
    np.testing.assert_array_equal(out[0], x[0])
    np.testing.assert_array_equal(out[1], x[2])
    assert np.isnan(x[1]).all()


@pytest.mark.parametrize("fn", [lambda x: split_long_series(x, 2), centre_observed_span,
                                drop_all_missing])
def test_invalid_input(fn):
    with pytest.raises(ValueError, match="shape"):
        fn(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="floating"):
        fn(np.zeros((3, 4, 1), dtype=int))


def test_invalid_max_length():
    with pytest.raises(ValueError, match="max_length"):
        split_long_series(np.zeros((1, 4, 1)), 0)


def _eager(X, max_length):
    x = np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float32)
    if max_length is not None:
        x = split_long_series(x, max_length)
    return drop_all_missing(centre_observed_span(x))


def _to_float32_channels_last(block):
    return np.ascontiguousarray(np.asarray(block).transpose(0, 2, 1), dtype=np.float32)


@pytest.mark.parametrize("max_length", [None, 3, 4, 100])
@pytest.mark.parametrize("gaps", ["none", "edges", "all_missing", "one_channel"])
def test_training_series_equal_the_eager_steps(max_length, gaps):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 2, 11))
    if gaps in ("edges", "all_missing"):
        X[1, :, :3] = np.nan  # leading padding
        X[4, :, -5:] = np.nan  # trailing padding
    if gaps == "all_missing":
        X[2] = np.nan
        X[5, :, :6] = np.nan  # with max_length 3: an all-missing first section
    if gaps == "one_channel":
        X[3, 0, :4] = np.nan  # one channel missing: the timestamps stay observed
    expected = _eager(X, max_length)
    source = TrainingSeries(X, _to_float32_channels_last, max_length)
    assert source.shape == expected.shape
    np.testing.assert_array_equal(source.take(np.arange(len(source))), expected)
    idx = rng.integers(0, len(source), 9)  # repeats, any order
    np.testing.assert_array_equal(source.take(idx), expected[idx])


def test_training_series_read_blocks_then_only_the_requested_series(monkeypatch):
    class Recording(np.ndarray):
        reads: list = []

        def __getitem__(self, key):
            Recording.reads.append(key)
            return np.asarray(super().__getitem__(key))

    X = np.random.default_rng(1).normal(size=(40, 1, 10))
    X[5, 0, :4] = np.nan
    expected = _eager(X, None)
    X = X.view(Recording)
    with skcontrast.config_context(block_mib=8 * 10 * 16 / 2**20):  # 16 series a block
        source = TrainingSeries(X, _to_float32_channels_last, None)
    assert Recording.reads == [slice(0, 16), slice(16, 32), slice(32, 40)]
    np.testing.assert_array_equal(source.take(np.arange(40)), expected)
    Recording.reads.clear()
    source.take(np.array([7, 3, 7]))
    [key] = Recording.reads
    np.testing.assert_array_equal(key, [3, 7])  # each series once, in order
