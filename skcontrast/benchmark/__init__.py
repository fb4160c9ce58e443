"""Config-driven benchmarks: embedders x datasets x probes x perturbation rates x seeds.

Run one from the command line::

    skcontrast-benchmark quick                     # or: python -m skcontrast.benchmark quick
    skcontrast-benchmark ecg200 --out results/     # CSV, Markdown, PNG, config, versions
    skcontrast-benchmark --list

or from Python with :func:`load_config`, :func:`run_benchmark` and
:func:`write_results`. Suites of many datasets (``series_suite``, ``table_suite``) are
reported over datasets with :func:`suite_table` (mean accuracy, mean rank, wins, Holm-
corrected Wilcoxon tests) and critical-difference diagrams
(:func:`plot_critical_difference`). Configs are small JSON files (see ``_config``'s docstring);
the shipped ones live in ``skcontrast/benchmark/configs``.
"""

from ._config import BenchmarkConfig, available_configs, load_config
from ._report import (
    across_datasets,
    environment,
    environment_line,
    markdown_report,
    paired_differences,
    summarize_benchmark,
    write_plots,
    write_results,
)
from ._runner import read_results, run_benchmark
from ._stats import (
    critical_difference_cliques,
    mean_ranks,
    pairwise_comparisons,
    plot_critical_difference,
    suite_table,
)

__all__ = [
    "BenchmarkConfig",
    "across_datasets",
    "available_configs",
    "critical_difference_cliques",
    "environment",
    "environment_line",
    "load_config",
    "markdown_report",
    "mean_ranks",
    "paired_differences",
    "pairwise_comparisons",
    "plot_critical_difference",
    "read_results",
    "run_benchmark",
    "suite_table",
    "summarize_benchmark",
    "write_plots",
    "write_results",
]
