"""The report of a suite: many datasets, read as the time-series literature reads them.

A config with ``"report": "suite"`` (dozens of datasets) is not summarised dataset by
dataset but per condition (label fraction x perturbation rate), over datasets: each
model's mean accuracy and its spread over datasets, its mean rank, wins / ties / losses
and the Holm-corrected Wilcoxon test against the baseline, the same for the tuning and
confirmation halves of the suite, and a critical-difference diagram. A model is a row
of the config with one of its probes (``"TS2Vec / logistic"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._stats import plot_critical_difference, suite_table

__all__ = ["suite_markdown", "suite_scores", "write_suite_plots"]


def _model_names(results: pd.DataFrame) -> pd.Series:
    return results["embedder"].astype(str) + " / " + results["probe"].astype(str)


def suite_scores(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Long-format scores with a ``model`` column (``"embedder / probe"``).

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`~skcontrast.benchmark.run_benchmark`.
    metric : str, default="accuracy"
        The score column kept.

    Returns
    -------
    scores : pandas.DataFrame
        Columns ``dataset, model, seed, label_fraction, rate, <metric>, fit_seconds``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark._suite_report import suite_scores
    >>> df = pd.DataFrame({"dataset": "d", "embedder": "e", "probe": "ridge", "seed": 0,
    ...                    "label_fraction": 1.0, "rate": 0.0, "accuracy": 0.9,
    ...                    "fit_seconds": 1.0}, index=[0])
    >>> suite_scores(df)["model"].tolist()
    ['e / ridge']
    """
    out = results.assign(model=_model_names(results))
    return out[["dataset", "model", "seed", "label_fraction", "rate", metric, "fit_seconds"]]


def _conditions(results: pd.DataFrame) -> list[tuple[float, float]]:
    fractions = sorted(results["label_fraction"].unique())
    rates = sorted(results["rate"].unique())
    return [(float(f), float(r)) for f in fractions for r in rates]


def _condition_title(fraction: float, rate: float, perturbation: str) -> str:
    noise = "clean labels" if rate == 0 else f"{rate:.0%} {perturbation.replace('_', ' ')}"
    return f"{fraction:.0%} labels, {noise}"


def _slug(fraction: float, rate: float) -> str:
    return f"labels{fraction * 100:g}_rate{rate * 100:g}".replace(".", "p")


def _per_condition(scores, fraction, rate):
    part = scores[(scores["label_fraction"] == fraction) & (scores["rate"] == rate)]
    return part.dropna(subset=["accuracy"])


def _group_columns(part, baseline, groups) -> dict:
    """Per group of datasets: mean difference to the baseline and datasets won/lost."""
    out = {}
    if not groups:
        return out
    means = part.groupby(["dataset", "model"])["accuracy"].mean().unstack("model")
    diffs = means.sub(means[baseline], axis=0)
    for group in sorted(set(groups.values()), reverse=True):  # tuning, then confirmation
        rows = diffs[diffs.index.map(lambda d, g=group: groups.get(d) == g)].dropna()
        out[group] = {model: (rows[model].mean(), int((rows[model] > 1e-12).sum()),
                              int((rows[model] < -1e-12).sum()), len(rows))
                      for model in diffs.columns}
    return out


def _fmt(value, spec=".3f") -> str:
    return "" if value is None or pd.isna(value) else format(value, spec)


def suite_markdown(results: pd.DataFrame, config, *, header: str = "") -> str:
    """The Markdown report of a suite run (see the module docstring).

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`~skcontrast.benchmark.run_benchmark` for ``config``.
    config : BenchmarkConfig
        Its config (baseline, perturbation, dataset groups).
    header : str, default=""
        Text under the title (command, environment).

    Returns
    -------
    report : str
    """
    scores = suite_scores(results)
    baseline = " / ".join(config.baseline) if config.baseline else scores["model"].iloc[0]
    groups = {d.name: d.group for d in config.datasets if d.group is not None}
    conditions = _conditions(results)
    lines = [f"# {config.name}", ""]
    if header:
        lines += [header, ""]
    sections, takeaways = [], []
    for fraction, rate in conditions:
        part = _per_condition(scores, fraction, rate)
        if part["model"].nunique() < 2 or baseline not in set(part["model"]):
            continue
        table = suite_table(part, baseline=baseline)
        by_group = _group_columns(part, baseline, groups)
        title = _condition_title(fraction, rate, config.perturbation)
        best = table["mean"].idxmax()
        contrastive = table.drop(index=[m for m in table.index if _is_baseline_model(m)])
        if best == baseline:
            takeaway = (f"- **{title}**: best mean accuracy the baseline, {baseline} "
                        f"({table.loc[best, 'mean']:.3f})")
        else:
            takeaway = (f"- **{title}**: best mean accuracy {best} "
                        f"({table.loc[best, 'mean']:.3f}); {baseline} "
                        f"{table.loc[baseline, 'mean']:.3f}")
        if len(contrastive):
            top = contrastive["mean"].idxmax()
            row = contrastive.loc[top]
            takeaway += (f"; best contrastive model {top} {row['mean']:.3f} "
                         f"({row['mean_difference']:+.3f}, {int(row['wins'])} datasets won, "
                         f"{int(row['losses'])} lost, Holm p = {row['p_holm']:.2g})")
        takeaways.append(takeaway + ".")
        n = int(table["n_datasets"].max())
        dropped = table.attrs.get("dropped", [])
        left_out = f" ({len(dropped)} left out: no model scored there)" if dropped else ""
        head = ["model", "mean accuracy", "std over datasets", "mean rank",
                "won / tied / lost", "mean difference", "Holm p"]
        head += [f"{g}: difference (won/lost of n)" for g in by_group]
        sections += [
            f"## {title}",
            "",
            f"{n} datasets{left_out}; "
            f"differences, wins and tests against **{baseline}**, per dataset (mean over "
            "seeds); Wilcoxon signed-rank tests, Holm-corrected over the models.",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
        ]
        for model, r in table.iterrows():
            is_base = model == baseline
            cells = [f"**{model}**" if is_base else model, _fmt(r["mean"]),
                     _fmt(r["std_over_datasets"]), _fmt(r["mean_rank"], ".2f"),
                     "" if is_base else f"{int(r['wins'])} / {int(r['ties'])} / {int(r['losses'])}",
                     "" if is_base else _fmt(r["mean_difference"], "+.3f"),
                     "" if is_base else _fmt(r["p_holm"], ".2g")]
            for group_rows in by_group.values():
                mean, won, lost, count = group_rows[model]
                cells.append("" if is_base else f"{mean:+.3f} ({won}/{lost} of {count})")
            sections.append("| " + " | ".join(cells) + " |")
        sections += ["", f"![critical difference, {title}]({config.name}_cd_"
                     f"{_slug(fraction, rate)}.png)", ""]
    lines += ["## In short", "", *takeaways, "", *sections]
    lines += _fit_time_lines(results, baseline)
    lines += _per_dataset_lines(scores, groups, config)
    return "\n".join(lines) + "\n"


def _is_baseline_model(model: str) -> bool:
    lowered = model.lower()
    return any(word in lowered for word in ("rocket", "raw", "hydra", "scratch", "untrained"))


def _fit_time_lines(results, baseline) -> list[str]:
    fits = results.drop_duplicates(["dataset", "seed", "embedder", "label_fraction", "rate"])
    fits = fits[~fits["embedding_reused"].astype(bool)]
    per = fits.groupby("embedder", sort=False)["fit_seconds"]
    base_embedder = baseline.split(" / ")[0]
    base_median = per.median().get(base_embedder, np.nan)
    lines = ["## Fit time", "",
             "Seconds per fit of each row's embedder (one thread per process; the probes' "
             "fits are not included); the ratio is to the baseline's median.", "",
             "| embedder | median s | 90th percentile s | total h | median ratio |",
             "|---|---|---|---|---|"]
    for embedder, seconds in per:
        ratio = seconds.median() / base_median if base_median and base_median > 0 else np.nan
        lines.append(f"| {embedder} | {seconds.median():.2f} | {seconds.quantile(0.9):.2f} | "
                     f"{seconds.sum() / 3600:.2f} | {_fmt(ratio, '.1f')} |")
    return [*lines, ""]


def _per_dataset_lines(scores, groups, config) -> list[str]:
    lines = []
    clean = scores[scores["rate"] == 0]
    for fraction in sorted(clean["label_fraction"].unique()):
        part = clean[clean["label_fraction"] == fraction]
        means = part.groupby(["dataset", "model"], sort=False)["accuracy"].mean().unstack()
        order = [d.name for d in config.datasets if d.name in means.index]
        means = means.reindex(order)
        models = list(means.columns)
        lines += [f"## Per dataset: {fraction:.0%} labels, clean (mean accuracy over seeds)",
                  "", "| dataset | group | " + " | ".join(models) + " |",
                  "|---|---|" + "---|" * len(models)]
        for dataset, row in means.iterrows():
            lines.append(f"| {dataset} | {groups.get(dataset, '')} | "
                         + " | ".join(_fmt(v) for v in row) + " |")
        lines.append("")
    return lines


def write_suite_plots(results: pd.DataFrame, config, out_dir) -> dict:
    """One critical-difference diagram per condition: ``<name>_cd_<condition>.png``.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`~skcontrast.benchmark.run_benchmark`.
    config : BenchmarkConfig
        Its config.
    out_dir : path-like
        Folder written to.

    Returns
    -------
    paths : dict of str to pathlib.Path
    """
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = suite_scores(results)
    paths = {}
    for fraction, rate in _conditions(results):
        part = _per_condition(scores, fraction, rate)
        table = part.groupby(["dataset", "model"])["accuracy"].mean().unstack().dropna()
        if table.shape[1] < 2 or len(table) < 2:
            continue
        ax = plot_critical_difference(
            table, title=f"{config.name}: {_condition_title(fraction, rate, config.perturbation)}"
                         f" ({len(table)} datasets)")
        path = Path(out_dir) / f"{config.name}_cd_{_slug(fraction, rate)}.png"
        ax.figure.savefig(path, dpi=100)
        plt.close(ax.figure)
        paths[f"png:cd:{fraction:g}:{rate:g}"] = path
    return paths
