"""Helpers shared by the benchmark scripts (no extra dependency such as tabulate)."""

from __future__ import annotations

import pandas as pd

from skcontrast.benchmark import environment
from skcontrast.benchmark._report import _environment_line


def markdown_table(df: pd.DataFrame, floatfmt: str = ".4f") -> str:
    """Render ``df`` as a GitHub Markdown table."""
    def fmt(v):
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def environment_line() -> str:
    """One line naming the library versions and the machine, for results files."""
    return _environment_line(environment())
