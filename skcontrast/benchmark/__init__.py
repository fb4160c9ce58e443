"""Config-driven benchmarks: embedders x datasets x probes x perturbation rates x seeds.

Run one from the command line::

    skcontrast-benchmark quick                     # or: python -m skcontrast.benchmark quick
    skcontrast-benchmark ecg200 --out results/     # CSV, Markdown, PNG, config, versions
    skcontrast-benchmark --list

or from Python with :func:`load_config`, :func:`run_benchmark` and
:func:`write_results`. Configs are small JSON files (see ``_config``'s docstring);
the shipped ones live in ``skcontrast/benchmark/configs``.
"""

from ._config import BenchmarkConfig, available_configs, load_config
from ._report import (
    across_datasets,
    environment,
    markdown_report,
    paired_differences,
    summarize_benchmark,
    write_plots,
    write_results,
)
from ._runner import run_benchmark

__all__ = [
    "BenchmarkConfig",
    "across_datasets",
    "available_configs",
    "environment",
    "load_config",
    "markdown_report",
    "paired_differences",
    "run_benchmark",
    "summarize_benchmark",
    "write_plots",
    "write_results",
]
