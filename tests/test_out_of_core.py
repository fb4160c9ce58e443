"""transform works block by block on large inputs: memory maps, DataFrames, Dask arrays."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_digits

import skcontrast
from skcontrast import SCARFEmbedder, SupConEmbedder, TS2VecEmbedder
from skcontrast._inference import row_blocks

X, _ = load_digits(return_X_y=True)  # 1797 x 64


@pytest.fixture(autouse=True)
def _restore_settings():
    before = skcontrast.get_config()
    yield
    skcontrast.set_config(**before)


def _blocks(embedder, X):
    """The row blocks in which ``embedder.transform`` would embed ``X`` (None: whole)."""
    device = torch.device("cpu")
    return row_blocks(X, lambda values: embedder._inference_rows(values, device))


def set_block_bytes(n_bytes):
    """Blocks of ``n_bytes`` (the public setting is in MiB); restored after the test."""
    skcontrast.set_config(block_mib=n_bytes / 2**20)


@pytest.fixture
def small_blocks(monkeypatch):
    # 64 features x 4 bytes x 250 rows: blocks of 200 rows at inference_batch_size=100.
    set_block_bytes(64 * 4 * 250)


@pytest.fixture(scope="module")
def scarf():
    return SCARFEmbedder(max_epochs=2, inference_batch_size=100, random_state=0).fit(X)


def _spy_block_sizes(monkeypatch, embedder):
    sizes = []
    original = type(embedder).preprocess

    def preprocess(self, data):
        sizes.append(len(data))
        return original(self, data)

    monkeypatch.setattr(type(embedder), "preprocess", preprocess)
    return sizes


def test_a_memory_mapped_array_is_embedded_block_by_block(scarf, small_blocks, tmp_path,
                                                          monkeypatch):
    expected = scarf.transform(X)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    sizes = _spy_block_sizes(monkeypatch, scarf)
    np.testing.assert_array_equal(scarf.transform(mapped), expected)
    assert sizes == [200] * 8 + [197]  # never all 1797 rows at once


def test_blocks_give_exactly_the_single_pass_embeddings(scarf, monkeypatch):
    expected = scarf.transform(X)
    for block_rows in (100, 300, 1700):
        set_block_bytes(64 * 4 * block_rows)
        np.testing.assert_array_equal(scarf.transform(X), expected)


def test_dataframes_are_sliced_by_position(monkeypatch):
    frame = pd.DataFrame(X, columns=[f"pixel_{i}" for i in range(64)],
                         index=np.arange(len(X))[::-1])  # an index that is not 0..n-1
    embedder = SCARFEmbedder(max_epochs=2, inference_batch_size=100, random_state=0)
    whole = embedder.fit(frame).transform(frame)
    set_block_bytes(64 * 4 * 250)
    assert len(_blocks(embedder, frame)) == 9
    np.testing.assert_array_equal(embedder.transform(frame), whole)


def test_series_blocks_equal_the_single_pass(monkeypatch):
    rng = np.random.RandomState(0)
    series = rng.normal(size=(300, 2, 40))
    series[:150, :, 30:] = np.nan  # shorter series, NaN-padded
    embedder = TS2VecEmbedder(n_iters=3, n_components=8, hidden_size=8, depth=2,
                              inference_batch_size=16, random_state=0).fit(series)
    expected = embedder.transform(series)
    set_block_bytes(4 * 80 * 40)
    assert len(_blocks(embedder, series)) > 1
    np.testing.assert_array_equal(embedder.transform(series), expected)


def test_long_series_are_embedded_a_few_at_a_time_on_the_cpu(monkeypatch):
    # A batch holds about _inference_timestamps timestamps; blocks stay whole batches.
    rng = np.random.RandomState(0)
    series = rng.normal(size=(50, 1, 60))
    embedder = TS2VecEmbedder(n_iters=3, n_components=8, hidden_size=8, depth=2,
                              device="cpu", random_state=0).fit(series)
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert embedder._inference_rows(60, cpu) == 136  # 8192 // 60
    assert embedder._inference_rows(10_000, cpu) == 1
    assert embedder._inference_rows(10, cpu) == 256  # capped by inference_batch_size
    assert embedder._inference_rows(10_000, gpu) == 256  # a GPU wants large batches
    monkeypatch.setattr(TS2VecEmbedder, "_inference_timestamps", 7 * 60)
    batches = []
    network = type(embedder._network())
    original = network.forward
    monkeypatch.setattr(network, "forward",
                        lambda self, x, **kw: batches.append(len(x)) or original(self, x, **kw))
    one_pass = embedder.transform(series)
    assert batches == [7] * 7 + [1]
    set_block_bytes(4 * 60 * 20)
    assert _blocks(embedder, series) == [(0, 14), (14, 28), (28, 42), (42, 50)]
    np.testing.assert_array_equal(embedder.transform(series), one_pass)
    # Batching does not change the embeddings beyond float rounding.
    monkeypatch.setattr(TS2VecEmbedder, "_inference_timestamps", 10**9)
    np.testing.assert_allclose(embedder.transform(series), one_pass, rtol=1e-5, atol=1e-6)


def test_tabular_supcon_keeps_its_inference_batch_size():
    embedder = SupConEmbedder(max_epochs=1, inference_batch_size=100, random_state=0)
    embedder.fit(X[:200], np.arange(200) % 3)
    assert embedder._inference_rows(64, torch.device("cpu")) == 100


def test_bad_values_in_a_later_block_raise_the_usual_error(scarf, small_blocks):
    bad = X.copy()
    bad[1500, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        scarf.transform(bad)


def test_small_inputs_and_lists_are_taken_whole(scarf):
    assert _blocks(scarf, X[:10]) is None
    assert _blocks(scarf, X.tolist()) is None


def test_dask_arrays_directly_and_through_map_blocks(scarf, small_blocks):
    da = pytest.importorskip("dask.array")
    expected = scarf.transform(X)
    lazy = da.from_array(X, chunks=(450, 64))
    np.testing.assert_array_equal(scarf.transform(lazy), expected)
    width = expected.shape[1]
    mapped = lazy.map_blocks(scarf.transform, dtype=np.float32, chunks=(lazy.chunks[0],
                                                                        (width,)))
    np.testing.assert_allclose(mapped.compute(), expected, rtol=1e-5, atol=1e-6)


def test_fit_preprocessing_of_large_inputs_goes_block_by_block(monkeypatch, tmp_path):
    # Standardisation statistics and the float32 copy are computed one block at a time
    # for large inputs (no float64 temporary of all of X): same values as in one pass.
    from skcontrast import _preprocessing

    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(1000, 7))
    X[:, 2] = 5.0  # a constant column is only centred
    path = tmp_path / "X.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    mean, scale = _preprocessing.standardization_stats(X, True)
    whole = _preprocessing.standardize_float32(X, mean, scale)
    set_block_bytes(8 * 7 * 64)  # 64-row blocks
    assert len(_preprocessing._row_blocks(mapped)) == 16
    b_mean, b_scale = _preprocessing.standardization_stats(mapped, True)
    np.testing.assert_allclose(b_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(b_scale, scale, rtol=1e-12)
    assert b_scale[2] == 1.0
    np.testing.assert_array_equal(_preprocessing.standardize_float32(mapped, mean, scale),
                                  whole)
    with pytest.raises(ValueError, match="too large for float32"):
        _preprocessing.standardize_float32(np.full((200, 7), 1e300), np.zeros(7), np.ones(7))
    # A fit on the memory map equals a fit on the array.
    emb = SCARFEmbedder(max_epochs=2, random_state=0).fit(X)
    np.testing.assert_allclose(SCARFEmbedder(max_epochs=2, random_state=0).fit(mapped)
                               .transform(X), emb.transform(X), rtol=1e-5, atol=1e-6)


def test_preprocess_in_order_equals_reordering_the_whole(monkeypatch):
    # The training split is preprocessed block by block straight into its order.
    from skcontrast import _preprocessing

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5))
    frame = pd.DataFrame({"a": X[:, 0], "b": rng.choice(["x", "y", "z"], 300)})
    order = rng.permutation(300)
    set_block_bytes(8 * 5 * 32)  # 32-row blocks
    emb = SCARFEmbedder(max_epochs=1, random_state=0).fit(X)
    np.testing.assert_array_equal(
        _preprocessing.preprocess_in_order(emb._preprocess, X, order),
        emb._preprocess(X)[order])
    mixed = SCARFEmbedder(max_epochs=1, random_state=0).fit(frame)
    np.testing.assert_array_equal(
        _preprocessing.preprocess_in_order(mixed._preprocess, frame, order[:77]),
        mixed._preprocess(frame)[order[:77]])


def test_standardized_rows_equal_indexing_the_eager_copy():
    from skcontrast._preprocessing import (
        StandardizedRows,
        standardization_stats,
        standardize_float32,
    )

    rng = np.random.default_rng(2)
    X = rng.normal(3.0, 2.0, size=(50, 6))
    order = rng.permutation(50)[:40]
    mean, scale = standardization_stats(X, True)
    eager = standardize_float32(X, mean, scale)[order]
    rows = StandardizedRows(X, order, mean, scale)
    assert rows.shape == (40, 6) and len(rows) == 40
    idx = np.array([5, 0, 39, 5])  # repeats, any order
    np.testing.assert_array_equal(rows.rows(idx), eager[idx])
    source = rng.integers(0, 40, size=(7, 6))
    expected = eager[source, np.arange(6)]  # torch.gather(reference, 0, source_rows)
    np.testing.assert_array_equal(rows.values(source), expected)
    with pytest.raises(ValueError, match="too large for float32"):
        StandardizedRows(np.full((5, 6), 1e300), np.arange(5), np.zeros(6), np.ones(6))


@pytest.mark.parametrize("groups", [None, [0, 0, 1, 2, 2, 2]])
def test_corruption_from_a_row_source_equals_the_tensor_reference(groups):
    from skcontrast._preprocessing import StandardizedRows
    from skcontrast.augmentations import MarginalCorruption, corrupt_from_marginals

    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 6))
    order = rng.permutation(30)
    rows = StandardizedRows(X, order, np.zeros(6), np.ones(6))
    tensor = torch.from_numpy(X[order].astype(np.float32))
    x = tensor[:8]
    grp = None if groups is None else torch.tensor(groups)
    got = corrupt_from_marginals(x, rows, 0.5, groups=grp,
                                 generator=torch.Generator().manual_seed(0))
    expected = corrupt_from_marginals(x, tensor, 0.5, groups=grp,
                                      generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    module = MarginalCorruption(rows, 0.5, groups)
    torch.testing.assert_close(module(x, generator=torch.Generator().manual_seed(0)),
                               expected, rtol=0, atol=0)


def test_scarf_fit_streams_a_large_table_with_identical_results(monkeypatch, tmp_path):
    # Above stream_above_mib a numeric table (here a memory map) is read on demand: no
    # float32 copy of the training rows, and the same fit, loss for loss.
    from skcontrast._preprocessing import StandardizedRows

    rng = np.random.default_rng(4)
    data = rng.normal(size=(600, 9))
    np.save(tmp_path / "X.npy", data)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    eager = SCARFEmbedder(max_epochs=4, batch_size=64, random_state=0).fit(data)
    reads = []
    original = StandardizedRows.rows
    monkeypatch.setattr(StandardizedRows, "rows",
                        lambda self, idx: reads.append(len(idx)) or original(self, idx))
    skcontrast.set_config(stream_above_mib=1e-9)  # every table is streamed
    streamed = SCARFEmbedder(max_epochs=4, batch_size=64, random_state=0).fit(mapped)
    assert sum(reads) == 4 * 540  # every training row of every epoch, read on demand
    assert streamed.loss_curve_ == eager.loss_curve_
    assert streamed.history_[:, "valid_loss"] == eager.history_[:, "valid_loss"]
    np.testing.assert_array_equal(streamed.transform(data), eager.transform(data))
    with pytest.raises(ValueError, match="too large for float32"):
        SCARFEmbedder(max_epochs=1, standardize=False).fit(np.full((40, 3), 1e300))


def test_supcon_fit_streams_a_large_table_with_identical_results(monkeypatch, tmp_path):
    from skcontrast._preprocessing import StandardizedRows

    rng = np.random.default_rng(5)
    data = rng.normal(size=(400, 8))
    y = np.arange(400) % 3
    np.save(tmp_path / "X.npy", data)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    params = dict(max_epochs=3, batch_size=64, noise_std=0.1, random_state=0)
    eager = SupConEmbedder(**params).fit(data, y)
    reads = []
    original = StandardizedRows.rows
    monkeypatch.setattr(StandardizedRows, "rows",
                        lambda self, idx: reads.append(len(idx)) or original(self, idx))
    skcontrast.set_config(stream_above_mib=1e-9)  # every table is streamed
    streamed = SupConEmbedder(**params).fit(mapped, y)
    assert sum(reads) == 3 * 360  # every training row of every epoch, read on demand
    assert streamed.loss_curve_ == eager.loss_curve_
    np.testing.assert_array_equal(streamed.transform(data), eager.transform(data))
    # Series are never streamed.
    assert not SupConEmbedder(random_state=0).fit(
        rng.normal(size=(20, 1, 30)), np.arange(20) % 2)._streams_rows(
        rng.normal(size=(20, 1, 30)), torch.device("cpu"))
