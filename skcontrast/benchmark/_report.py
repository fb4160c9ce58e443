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

__all__ = [
    "across_datasets",
    "environment",
    "markdown_report",
    "paired_differences",
    "summarize_benchmark",
    "write_results",
]

_KEYS = ["dataset", "perturbation", "embedder", "probe", "label_fraction", "rate"]


def _keys(results: pd.DataFrame) -> list[str]:
    return [k for k in _KEYS if k in results.columns]


def summarize_benchmark(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean, sample std and count of ``metric`` over seeds, per row, label fraction and rate.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark`.
    metric : str, default="accuracy"
        The column to summarise (``"accuracy"``, ``"auroc"``, ``"auprc"``...).

    Returns
    -------
    summary : pandas.DataFrame
        Columns ``dataset, perturbation, embedder, probe, label_fraction, rate, mean,
        std, n, fit_seconds`` (mean embedder fit time); rows in the config's order.

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
    grouped = results.groupby(_keys(results), sort=False)
    summary = grouped[metric].agg(mean="mean", std="std", n="count")
    summary["fit_seconds"] = grouped["fit_seconds"].mean()
    return summary.reset_index()


def paired_differences(results: pd.DataFrame, baseline, metric: str = "accuracy") -> pd.DataFrame:
    """Per-seed differences of ``metric`` against a baseline row, summarised over seeds.

    For every row, label fraction and rate, the baseline (an ``(embedder, probe)`` pair)
    is scored on the same seeds, splits and labelled rows, so the difference of each
    seed pairs two models on identical data; its mean and standard error over seeds
    say whether the row beats the baseline beyond seed noise.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark`.
    baseline : tuple of (str, str)
        ``(embedder, probe)`` of the baseline row, e.g. ``("raw features", "logistic")``.
    metric : str, default="accuracy"
        The column compared.

    Returns
    -------
    differences : pandas.DataFrame
        Columns of the keys, then ``mean`` (mean difference), ``se`` (its standard
        error, ``std / sqrt(n)``), ``wins``, ``losses`` and ``n`` (seeds).

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark import paired_differences
    >>> df = pd.DataFrame({"dataset": "d", "perturbation": "label_noise", "rate": 0.0,
    ...                    "embedder": ["raw", "raw", "e", "e"], "probe": "logistic",
    ...                    "seed": [0, 1, 0, 1], "accuracy": [0.8, 0.7, 0.9, 0.7]})
    >>> diffs = paired_differences(df, ("raw", "logistic"))
    >>> diffs[["embedder", "mean", "wins", "n"]].round(3).values.tolist()
    [['e', 0.05, 1, 2]]
    """
    keys = _keys(results)
    conditions = [k for k in keys if k not in ("embedder", "probe")]
    embedder, probe = baseline
    base = results[(results["embedder"] == embedder) & (results["probe"] == probe)]
    if base.empty:
        raise ValueError(f"No results for the baseline {baseline}.")
    base = base.set_index([*conditions, "seed"])[metric].rename("baseline")
    others = results[~((results["embedder"] == embedder) & (results["probe"] == probe))]
    joined = others.join(base, on=[*conditions, "seed"])
    joined["difference"] = joined[metric] - joined["baseline"]
    grouped = joined.groupby(keys, sort=False)["difference"]
    out = grouped.agg(mean="mean", std="std", n="count")
    out["se"] = out["std"] / np.sqrt(out["n"])
    out["wins"] = grouped.apply(lambda d: int((d > 1e-12).sum()))
    out["losses"] = grouped.apply(lambda d: int((d < -1e-12).sum()))
    return out.reset_index()[[*keys, "mean", "se", "wins", "losses", "n"]]


def across_datasets(results: pd.DataFrame, baseline, metric: str = "accuracy") -> pd.DataFrame:
    """Paired differences against a baseline, averaged over datasets, with datasets won.

    A row "beats the baseline on most datasets" when ``wins`` is more than half of
    ``n_datasets``; the mean alone can hide one dataset that dominates.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark` (several datasets).
    baseline : tuple of (str, str)
        ``(embedder, probe)`` of the baseline row.
    metric : str, default="accuracy"
        The column compared.

    Returns
    -------
    summary : pandas.DataFrame
        Per (embedder, probe, label fraction, rate): ``mean`` (the mean over datasets of
        the per-dataset mean difference), ``wins``, ``losses`` (datasets where that
        difference is positive, negative) and ``n_datasets``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark import across_datasets
    >>> df = pd.DataFrame({"dataset": ["a", "a", "b", "b"], "perturbation": "label_noise",
    ...                    "rate": 0.0, "embedder": ["raw", "e"] * 2, "probe": "logistic",
    ...                    "seed": 0, "accuracy": [0.8, 0.9, 0.7, 0.6]})
    >>> summary = across_datasets(df, ("raw", "logistic"))
    >>> summary[["embedder", "mean", "wins", "n_datasets"]].values.tolist()
    [['e', 0.0, 1, 2]]
    """
    diffs = paired_differences(results, baseline, metric)
    keys = [k for k in _keys(results) if k != "dataset"]
    grouped = diffs.groupby(keys, sort=False)["mean"]
    out = grouped.agg(mean="mean", n_datasets="count")
    out["wins"] = grouped.apply(lambda d: int((d > 1e-12).sum()))
    out["losses"] = grouped.apply(lambda d: int((d < -1e-12).sum()))
    return out.reset_index()[[*keys, "mean", "wins", "losses", "n_datasets"]]


def _cell(mean, std) -> str:
    return f"{mean:.3f} ± {std:.3f}" if np.isfinite(std) else f"{mean:.3f}"


def _difference_cell(mean, se) -> str:
    if not np.isfinite(mean):
        return ""
    return f"{mean:+.3f} ± {se:.3f}" if np.isfinite(se) else f"{mean:+.3f}"


def _conditions(frame: pd.DataFrame) -> list[tuple[float, float]]:
    fractions = sorted(frame["label_fraction"].unique()) if "label_fraction" in frame else [1.0]
    return [(f, r) for f in fractions for r in sorted(frame["rate"].unique())]


def _condition_label(fraction: float, rate: float, by_fraction: bool) -> str:
    return f"{fraction:.0%} / {rate:g}" if by_fraction else f"{rate:g}"


def _condition_frame(frame: pd.DataFrame, fraction: float, rate: float) -> pd.DataFrame:
    mask = frame["rate"] == rate
    if "label_fraction" in frame:
        mask &= frame["label_fraction"] == fraction
    return frame[mask]


def markdown_report(results: pd.DataFrame, *, title: str = "", header: str = "",
                    baseline=None) -> str:
    """Markdown tables: one per dataset, a row per (embedder, probe), a column per condition.

    A condition is a perturbation rate, or a (label fraction, rate) pair when the run
    varies the labelled fraction. Cells are ``mean ± std`` of the accuracy over seeds
    (sample std); the last columns give AUROC at the first condition, the number of
    seeds and the mean fit seconds of the embedder. With several label fractions an
    AUROC table follows, and with a ``baseline`` the paired differences against it
    (mean ± standard error over seeds; see :func:`paired_differences`).

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark`.
    title : str, default=""
        A first-level heading.
    header : str, default=""
        Text placed under the title (the command, the environment...).
    baseline : tuple of (str, str) or None, default=None
        ``(embedder, probe)`` to take paired differences against.

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
    if baseline is not None:
        lines += _takeaway(results, baseline)
    for (dataset, perturbation), acc in accuracy.groupby(["dataset", "perturbation"], sort=False):
        conditions = _conditions(acc)
        by_fraction = len({f for f, _ in conditions}) > 1
        what = f"label fraction / {perturbation} rate" if by_fraction else f"{perturbation} rate"
        auc = auroc[(auroc["dataset"] == dataset) & (auroc["perturbation"] == perturbation)]
        lines += _summary_table(f"## {dataset}: accuracy (mean ± std over seeds) vs {what}",
                                acc, auc, conditions, by_fraction, with_auroc=True)
        if by_fraction:
            lines += _summary_table(f"### {dataset}: AUROC (mean ± std over seeds) vs {what}",
                                    auc, None, conditions, by_fraction, with_auroc=False)
        if baseline is not None:
            part = results[(results["dataset"] == dataset)
                           & (results["perturbation"] == perturbation)]
            for metric in ("accuracy", "auroc"):
                diffs = paired_differences(part, baseline, metric)
                lines += _difference_table(
                    f"### {dataset}: {metric} minus {baseline[0]} + {baseline[1]} (paired by "
                    f"seed: mean ± standard error; wins/losses over seeds) vs {what}",
                    diffs, conditions, by_fraction)
    if baseline is not None and results["dataset"].nunique() > 1:
        conditions = _conditions(results)
        by_fraction = len({f for f, _ in conditions}) > 1
        for metric in ("accuracy", "auroc"):
            summary = across_datasets(results, baseline, metric)
            lines += [
                f"## All {results['dataset'].nunique()} datasets: {metric} minus "
                f"{baseline[0]} + {baseline[1]}, the mean over datasets of each dataset's "
                "mean paired difference (datasets won/lost)",
                "",
                "| embedder | probe | "
                + " | ".join(_condition_label(f, r, by_fraction) for f, r in conditions) + " |",
                "|---|---|" + "---|" * len(conditions),
            ]
            for (embedder, probe), group in summary.groupby(["embedder", "probe"], sort=False):
                cells = []
                for fraction, rate in conditions:
                    row = _condition_frame(group, fraction, rate)
                    cells.append(f"{row['mean'].iloc[0]:+.3f} ({int(row['wins'].iloc[0])}/"
                                 f"{int(row['losses'].iloc[0])})" if len(row) else "")
                lines.append(f"| {embedder} | {probe} | " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines)


def _takeaway(results: pd.DataFrame, baseline) -> list[str]:
    """"In short": per condition, the best row against the baseline, in words."""
    base_name = " + ".join(baseline)
    lines = ["**In short** (mean accuracy over datasets and seeds; the tables below give "
             "the detail):", ""]
    conditions = _conditions(results)
    by_fraction = len({f for f, _ in conditions}) > 1
    for fraction, rate in conditions:
        part = _condition_frame(results, fraction, rate).dropna(subset=["accuracy"])
        if part.empty:
            continue
        means = part.groupby(["embedder", "probe"], sort=False)["accuracy"].mean()
        if baseline not in means.index:
            continue
        best = means.drop(index=baseline).idxmax() if len(means) > 1 else baseline
        paired = part.set_index(["dataset", "seed"])
        mine = paired[(paired["embedder"] == best[0]) & (paired["probe"] == best[1])]
        base = paired[(paired["embedder"] == baseline[0]) & (paired["probe"] == baseline[1])]
        diff = (mine["accuracy"] - base["accuracy"].reindex(mine.index)).dropna()
        what = (f"{fraction:.0%} of the labels" if by_fraction else "")
        noise = ("clean" if rate == 0
                 else f"{rate:.0%} {part['perturbation'].iloc[0].replace('_', ' ')}")
        when = ", ".join(w for w in (what, noise) if w)
        verdict = ("beats" if diff.mean() > 0 else "loses to" if diff.mean() < 0
                   else "ties with")
        lines.append(
            f"- {when}: the best row, {' + '.join(best)}, {verdict} {base_name} "
            f"({means[best]:.3f} against {means[baseline]:.3f}, "
            f"{diff.mean():+.3f}; better in {int((diff > 1e-12).sum())} of {len(diff)} runs)."
        )
    return [*lines, ""]


def _summary_table(heading, summary, auroc, conditions, by_fraction, *, with_auroc):
    labels = [_condition_label(f, r, by_fraction) for f, r in conditions]
    extra = [f"AUROC at {labels[0]}", "seeds", "fit s"] if with_auroc else ["seeds"]
    lines = [heading, "", "| embedder | probe | " + " | ".join(labels + extra) + " |",
             "|---|---|" + "---|" * (len(labels) + len(extra))]
    for (embedder, probe), group in summary.groupby(["embedder", "probe"], sort=False):
        cells = []
        for fraction, rate in conditions:
            row = _condition_frame(group, fraction, rate)
            cells.append(_cell(row["mean"].iloc[0], row["std"].iloc[0]) if len(row) else "")
        if with_auroc:
            first = _condition_frame(auroc, *conditions[0])
            first = first[(first["embedder"] == embedder) & (first["probe"] == probe)]
            cells.append(f"{first['mean'].iloc[0]:.3f}" if len(first) else "")
            cells += [str(int(group["n"].min())), f"{group['fit_seconds'].mean():.1f}"]
        else:
            cells.append(str(int(group["n"].min())))
        lines.append(f"| {embedder} | {probe} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _difference_table(heading, diffs, conditions, by_fraction):
    labels = [_condition_label(f, r, by_fraction) for f, r in conditions]
    lines = [heading, "", "| embedder | probe | " + " | ".join(labels) + " |",
             "|---|---|" + "---|" * len(labels)]
    for (embedder, probe), group in diffs.groupby(["embedder", "probe"], sort=False):
        cells = []
        for fraction, rate in conditions:
            row = _condition_frame(group, fraction, rate)
            if not len(row):
                cells.append("")
                continue
            r = row.iloc[0]
            cells.append(f"{_difference_cell(r['mean'], r['se'])} "
                         f"({int(r['wins'])}/{int(r['losses'])})")
        lines.append(f"| {embedder} | {probe} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def plot_benchmark(results: pd.DataFrame, dataset: str, baseline=None):
    """Figure for one dataset: accuracy vs rate (one panel per probe), or vs label fraction.

    With one label fraction, the x axis is the perturbation rate, one panel per probe.
    With several, the x axis is the labelled fraction (log scale), one panel per
    perturbation rate, a line per (embedder, probe); with a ``baseline`` the y axis is
    then the paired difference to it (mean ± standard error over seeds), the baseline
    being the grey zero line. Panels share their y axis; raw-feature and untrained rows
    are dashed; the legend sits right of the panels.
    """
    import matplotlib.pyplot as plt

    from ..robustness import plot_robustness_curve

    part = results[results["dataset"] == dataset]
    summary = summarize_benchmark(part)
    if "label_fraction" in summary and summary["label_fraction"].nunique() > 1:
        if baseline is not None:
            diffs = paired_differences(part, baseline)
            return _plot_label_fractions(diffs, f"{dataset}", plt, spread="se",
                                         ylabel=f"accuracy minus {' + '.join(baseline)}")
        return _plot_label_fractions(summary, dataset, plt)
    probes = list(pd.unique(summary["probe"]))
    fig, axes = plt.subplots(1, len(probes), figsize=(4.2 * len(probes) + 2.5, 4),
                             squeeze=False, sharey=True)
    for ax, probe in zip(axes[0], probes):
        rows = summary[summary["probe"] == probe].rename(columns={"embedder": "estimator"})
        plot_robustness_curve(rows[["estimator", "rate", "mean", "std"]], ax=ax,
                              xlabel=f"{summary['perturbation'].iloc[0]} rate",
                              ylabel="accuracy" if ax is axes[0][0] else "",
                              title=f"{dataset}, {probe} probe", legend=False)
    _figure_legend(fig, axes[0][0])
    return fig


def plot_across_datasets(results: pd.DataFrame, baseline):
    """Figure of the mean paired difference to ``baseline`` over datasets, vs label fraction.

    One panel per perturbation rate; each point is the mean over datasets of the
    per-dataset mean difference (:func:`across_datasets`), its bar the standard error over
    datasets. The baseline is the grey zero line.
    """
    import matplotlib.pyplot as plt

    diffs = paired_differences(results, baseline)
    keys = [k for k in _keys(results) if k != "dataset"]
    grouped = diffs.groupby(keys, sort=False)["mean"]
    summary = grouped.agg(mean="mean", std="std", n="count").reset_index()
    summary["se"] = summary["std"] / np.sqrt(summary["n"])
    n = int(summary["n"].max())
    return _plot_label_fractions(summary, f"mean over {n} datasets", plt, spread="se",
                                 ylabel=f"accuracy minus {' + '.join(baseline)}")


def _plot_label_fractions(summary, title, plt, *, spread="std", ylabel=None):
    from ..robustness import is_control

    rates = sorted(summary["rate"].unique())
    fig, axes = plt.subplots(1, len(rates), figsize=(4.5 * len(rates) + 3, 4.5),
                             squeeze=False, sharey=True)
    fractions = np.sort(summary["label_fraction"].unique().astype(float))
    rows = list(dict.fromkeys(zip(summary["embedder"], summary["probe"])))
    # Beyond ten rows matplotlib's default cycle repeats colours: use twenty.
    palette = plt.get_cmap("tab10" if len(rows) <= 10 else "tab20").colors
    colours = {row: palette[i % len(palette)] for i, row in enumerate(rows)}
    # Neighbouring error bars are shifted sideways (multiplicatively: log axis).
    shifts = dict(zip(rows, np.exp(np.linspace(-0.15, 0.15, len(rows))))) if len(rows) > 1 \
        else {rows[0]: 1.0}
    differences = ylabel is not None
    for ax, rate in zip(axes[0], rates):
        part = summary[summary["rate"] == rate]
        if differences:
            ax.axhline(0.0, color="0.4", linestyle="--", linewidth=1.2, label="baseline")
        for (embedder, probe), group in part.groupby(["embedder", "probe"], sort=False):
            group = group.sort_values("label_fraction")
            control = is_control(embedder)
            ax.errorbar(group["label_fraction"].to_numpy(dtype=float) * shifts[embedder, probe],
                        group["mean"], yerr=np.nan_to_num(group[spread].to_numpy(dtype=float)),
                        marker="o", markersize=4, capsize=2, elinewidth=0.8,
                        color=colours[embedder, probe], linestyle="--" if control else "-",
                        alpha=0.8 if control else 1.0, label=f"{embedder} / {probe}")
        ax.set_xscale("log")
        ax.set_xticks(fractions, [f"{f:.0%}" for f in fractions])
        ax.minorticks_off()
        ax.set_xlabel("labelled fraction of the training rows")
        ax.set_title(f"{title}, {part['perturbation'].iloc[0]} {rate:g}")
        ax.grid(axis="y", alpha=0.3)
    what = "mean ± std over seeds" if spread == "std" else "mean ± s.e."
    axes[0][0].set_ylabel(f"{ylabel or 'accuracy'} ({what})")
    _figure_legend(fig, axes[0][0])
    return fig


def _figure_legend(fig, ax):
    """One legend for the whole figure, right of the panels, so that it hides no data."""
    handles, labels = ax.get_legend_handles_labels()
    fig.tight_layout()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5),
               fontsize="small", frameon=False)


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

    from .._version import __version__

    return {
        "skcontrast": __version__,
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


def environment_line(env: dict | None = None) -> str:
    """One line naming the library versions and the machine, as results files print it.

    Parameters
    ----------
    env : dict or None, default=None
        What :func:`environment` returns (``None``: this process's).

    Returns
    -------
    line : str

    Examples
    --------
    >>> from skcontrast.benchmark import environment_line
    >>> environment_line().startswith("skcontrast ")
    True
    """
    env = environment() if env is None else env
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


def write_results(results, config, out_dir, *, command=None, plots=True,
                  extra_rows=None) -> dict:
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
    extra_rows : pandas.DataFrame or None, default=None
        Rows kept in the CSV after ``results`` but left out of the report (those of
        other seeds or datasets that a resumed results file holds).

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
    table = results if extra_rows is None or extra_rows.empty else pd.concat(
        [results, extra_rows[results.columns]], ignore_index=True)
    table.to_csv(paths["csv"], index=False)
    paths["config"].write_text(json.dumps(config.raw, indent=2) + "\n")
    paths["environment"].write_text(json.dumps({**env, "command": command}, indent=2) + "\n")
    header = "\n".join([
        config.description,
        "",
        f"Command: `{command}`",
        "",
        f"Environment: {environment_line(env)}",
    ])
    paths["markdown"].write_text(report_text(results, config, header=header))
    if plots:
        paths.update(write_plots(results, config, out))
    return paths


def report_text(results, config, *, header: str = "") -> str:
    """The Markdown report of ``config``'s results: per dataset, or the suite report."""
    if config.report == "suite":
        from ._suite_report import suite_markdown

        return suite_markdown(results, config, header=header)
    return markdown_report(results, title=config.name, header=header, baseline=config.baseline)


def write_plots(results, config, out_dir) -> dict:
    """Draw ``<name>_<dataset>.png`` (and ``<name>_across_datasets.png``) into a folder.

    :func:`write_results` calls it; call it alone to redraw the figures of committed
    results with the current plotting code (``skcontrast-benchmark NAME --replot
    --out DIR`` does that from ``DIR/<name>_runs.csv``), without rerunning anything.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`run_benchmark` (or its CSV, read back).
    config : BenchmarkConfig
        The config that produced it (its name and baseline).
    out_dir : str or path-like
        The folder the PNGs are written to (created if needed).

    Returns
    -------
    paths : dict of str to pathlib.Path
        ``"png:<dataset>"`` (and ``"png:across_datasets"``) to the files written; empty,
        with a note on stderr, when matplotlib is not installed.

    Examples
    --------
    >>> import tempfile
    >>> from skcontrast.benchmark import load_config, run_benchmark, write_plots
    >>> config = load_config({
    ...     "name": "demo", "datasets": [{"loader": "sklearn", "name": "iris"}],
    ...     "perturbation": {"kind": "label_noise", "rates": [0.0, 0.3]}, "seeds": [0],
    ...     "probes": ["knn"], "embedders": {"raw": {"estimator": "raw"}}})
    >>> results = run_benchmark(config, progress=False)
    >>> sorted(write_plots(results, config, tempfile.mkdtemp()))
    ['png:iris']
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plots (pip install matplotlib).",
              file=sys.stderr)
        return {}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if config.report == "suite":
        from ._suite_report import write_suite_plots

        return write_suite_plots(results, config, out)
    paths = {}
    for dataset in pd.unique(results["dataset"]):
        slug = "".join(c if c.isalnum() else "_" for c in str(dataset).lower())
        path = out / f"{config.name}_{slug}.png"
        fig = plot_benchmark(results, dataset, baseline=config.baseline)
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        paths[f"png:{dataset}"] = path
    fractions = "label_fraction" in results and results["label_fraction"].nunique() > 1
    if config.baseline is not None and fractions and results["dataset"].nunique() > 1:
        path = out / f"{config.name}_across_datasets.png"
        fig = plot_across_datasets(results, config.baseline)
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        paths["png:across_datasets"] = path
    return paths
