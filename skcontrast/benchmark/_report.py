"""Summaries and result files of a benchmark run: CSV, Markdown, PNG, environment."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["environment", "markdown_report", "summarize_benchmark", "write_results"]

_KEYS = ["dataset", "perturbation", "embedder", "probe", "rate"]


def summarize_benchmark(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean, sample std and count of ``metric`` over seeds, per row and rate.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark`.
    metric : str, default="accuracy"
        The column to summarise (``"accuracy"``, ``"auroc"``, ``"auprc"``...).

    Returns
    -------
    summary : pandas.DataFrame
        Columns ``dataset, perturbation, embedder, probe, rate, mean, std, n,
        fit_seconds`` (mean embedder fit time); rows in the config's order.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark import summarize_benchmark
    >>> df = pd.DataFrame({"dataset": "d", "perturbation": "label_noise", "embedder": "e",
    ...                    "probe": "svm", "rate": [0.0, 0.0], "seed": [0, 1],
    ...                    "accuracy": [0.8, 0.9], "fit_seconds": [1.0, 3.0]})
    >>> summarize_benchmark(df)[["mean", "n", "fit_seconds"]].round(2).values.tolist()
    [[0.85, 2.0, 2.0]]
    """
    grouped = results.groupby(_KEYS, sort=False)
    summary = grouped[metric].agg(mean="mean", std="std", n="count")
    summary["fit_seconds"] = grouped["fit_seconds"].mean()
    return summary.reset_index()


def _cell(mean, std) -> str:
    return f"{mean:.3f} ± {std:.3f}" if np.isfinite(std) else f"{mean:.3f}"


def markdown_report(results: pd.DataFrame, *, title: str = "", header: str = "") -> str:
    """Markdown tables: one per dataset, a row per (embedder, probe), a column per rate.

    Cells are ``mean ± std`` of the accuracy over seeds (sample std); the last
    columns give AUROC at the first rate, the number of seeds and the mean fit
    seconds of the embedder.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark`.
    title : str, default=""
        A first-level heading.
    header : str, default=""
        Text placed under the title (the command, the environment...).

    Returns
    -------
    report : str
        The Markdown text.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark import markdown_report
    >>> df = pd.DataFrame({"dataset": "d", "perturbation": "label_noise", "embedder": "e",
    ...                    "probe": "svm", "rate": [0.0, 0.0], "seed": [0, 1],
    ...                    "accuracy": [0.8, 0.9], "auroc": [0.9, 1.0], "fit_seconds": 1.0})
    >>> print(markdown_report(df).splitlines()[-1])
    | e | svm | 0.850 ± 0.071 | 0.950 | 2 | 1.0 |
    """
    accuracy = summarize_benchmark(results, "accuracy")
    auroc = summarize_benchmark(results, "auroc")
    lines = [f"# {title}", ""] if title else []
    if header:
        lines += [header, ""]
    for (dataset, perturbation), acc in accuracy.groupby(["dataset", "perturbation"], sort=False):
        rates = sorted(acc["rate"].unique())
        first = auroc[(auroc["dataset"] == dataset) & (auroc["rate"] == rates[0])]
        lines += [
            f"## {dataset}: accuracy (mean ± std over seeds) vs {perturbation} rate",
            "",
            "| embedder | probe | " + " | ".join(f"{r:g}" for r in rates)
            + f" | AUROC at {rates[0]:g} | seeds | fit s |",
            "|---|---|" + "---|" * (len(rates) + 3),
        ]
        for (embedder, probe), group in acc.groupby(["embedder", "probe"], sort=False):
            by_rate = group.set_index("rate")
            cells = [
                _cell(by_rate.at[r, "mean"], by_rate.at[r, "std"]) if r in by_rate.index else ""
                for r in rates
            ]
            auc = first[(first["embedder"] == embedder) & (first["probe"] == probe)]
            auc_cell = f"{auc['mean'].iloc[0]:.3f}" if len(auc) else ""
            lines.append(
                f"| {embedder} | {probe} | " + " | ".join(cells)
                + f" | {auc_cell} | {int(group['n'].min())} | {group['fit_seconds'].mean():.1f} |"
            )
        lines.append("")
    return "\n".join(lines)


def plot_benchmark(results: pd.DataFrame, dataset: str):
    """Figure for one dataset: accuracy vs rate, one panel per probe, a line per embedder."""
    import matplotlib.pyplot as plt

    from ..robustness import plot_robustness_curve

    summary = summarize_benchmark(results[results["dataset"] == dataset])
    probes = list(pd.unique(summary["probe"]))
    fig, axes = plt.subplots(1, len(probes), figsize=(5 * len(probes), 4), squeeze=False)
    for ax, probe in zip(axes[0], probes):
        part = summary[summary["probe"] == probe].rename(columns={"embedder": "estimator"})
        plot_robustness_curve(part[["estimator", "rate", "mean", "std"]], ax=ax,
                              xlabel=f"{summary['perturbation'].iloc[0]} rate",
                              ylabel="accuracy", title=f"{dataset}, {probe} probe")
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def environment() -> dict:
    """Library versions and machine facts, recorded next to every result.

    Returns
    -------
    info : dict
        Versions of skcontrast, torch, scikit-learn, numpy, pandas and Python,
        the platform, CPU count, torch threads, CUDA device (if any) and the UTC
        time.

    Examples
    --------
    >>> from skcontrast.benchmark import environment
    >>> sorted(environment())[:3]
    ['cpu_count', 'cuda', 'numpy']
    """
    import sklearn
    import torch

    import skcontrast

    return {
        "skcontrast": skcontrast.__version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "utc_time": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
    }


def _environment_line(env: dict) -> str:
    return (
        f"skcontrast {env['skcontrast']}, torch {env['torch']}, scikit-learn "
        f"{env['scikit-learn']}, numpy {env['numpy']}, pandas {env['pandas']}, Python "
        f"{env['python']}; {env['platform']}, {env['cpu_count']} CPUs, "
        f"{env['torch_threads']} torch threads, GPU: {env['cuda'] or 'none'}; {env['utc_time']} UTC"
    )


def _command_line() -> str:
    program = Path(sys.argv[0]).name
    if program == "__main__.py":  # python -m skcontrast.benchmark
        program = "python -m skcontrast.benchmark"
    return " ".join([program, *sys.argv[1:]])


def write_results(results, config, out_dir, *, command=None, plots=True) -> dict:
    """Write ``<name>_runs.csv``, ``<name>.md``, ``<name>_<dataset>.png`` and the config.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark`.
    config : BenchmarkConfig
        The config that produced it (saved as ``<name>_config.json``).
    out_dir : str or path-like
        The results folder (created if needed).
    command : str or None, default=None
        The command line to record; defaults to ``sys.argv``.
    plots : bool, default=True
        Draw the PNGs (skipped with a note when matplotlib is missing).

    Returns
    -------
    paths : dict of str to pathlib.Path
        What was written, by kind (``"csv"``, ``"markdown"``, ``"config"``,
        ``"environment"``, and ``"png:<dataset>"`` per plot).

    Examples
    --------
    >>> import tempfile
    >>> from skcontrast.benchmark import load_config, run_benchmark, write_results
    >>> config = load_config({
    ...     "name": "demo", "datasets": [{"loader": "sklearn", "name": "iris"}],
    ...     "perturbation": {"kind": "label_noise", "rates": [0.0]}, "seeds": [0],
    ...     "probes": ["knn"], "embedders": {"raw": {"estimator": "raw"}}})
    >>> results = run_benchmark(config, progress=False)
    >>> paths = write_results(results, config, tempfile.mkdtemp(), plots=False)
    >>> sorted(paths)
    ['config', 'csv', 'environment', 'markdown']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    command = command or _command_line()
    paths = {
        "csv": out / f"{config.name}_runs.csv",
        "markdown": out / f"{config.name}.md",
        "config": out / f"{config.name}_config.json",
        "environment": out / f"{config.name}_environment.json",
    }
    results.to_csv(paths["csv"], index=False)
    paths["config"].write_text(json.dumps(config.raw, indent=2) + "\n")
    paths["environment"].write_text(json.dumps({**env, "command": command}, indent=2) + "\n")
    header = "\n".join([
        config.description,
        "",
        f"Command: `{command}`",
        "",
        f"Environment: {_environment_line(env)}",
    ])
    paths["markdown"].write_text(markdown_report(results, title=config.name, header=header))
    if plots:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed: no plots (pip install matplotlib).",
                  file=sys.stderr)
        else:
            for dataset in pd.unique(results["dataset"]):
                slug = "".join(c if c.isalnum() else "_" for c in str(dataset).lower())
                path = out / f"{config.name}_{slug}.png"
                fig = plot_benchmark(results, dataset)
                fig.savefig(path, dpi=100)
                plt.close(fig)
                paths[f"png:{dataset}"] = path
    return paths
