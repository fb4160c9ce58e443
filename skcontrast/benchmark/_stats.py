"""Statistics for comparing models over many datasets, as the time-series literature reads them.

The time-series-classification literature (Demšar 2006; Benavoli, Corani and Mangili
2016; the UCR/UEA "bake off" papers and aeon) compares models over a suite of datasets
by three things:

* the **mean rank** of each model over datasets (rank 1 = best; ties share the average
  rank), which no single dataset with a large score range can dominate;
* **wins / ties / losses** of one model against another, dataset by dataset;
* the two-sided **Wilcoxon signed-rank test** on the per-dataset differences, with
  **Holm's step-down correction** over all the pairs compared, drawn as a
  **critical-difference diagram**: models on a rank axis, a thick bar joining every
  run of models (in rank order) that no corrected test tells apart.

Every function takes a ``(datasets x models)`` table of one score where higher is
better (typically the mean accuracy over seeds per dataset), except
:func:`suite_table`, which builds that table from long-format benchmark results.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "critical_difference_cliques",
    "mean_ranks",
    "pairwise_comparisons",
    "plot_critical_difference",
    "suite_table",
]


def _check_scores(scores) -> np.ndarray:
    """Validate a (datasets x models) score table and return its values as floats."""
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(
            f"scores must be a pandas DataFrame (datasets as rows, models as columns), got "
            f"{type(scores).__name__}; build one with "
            "results.pivot_table(index='dataset', columns='model', values='accuracy')."
        )
    if scores.shape[1] < 2:
        raise ValueError(
            f"scores has {scores.shape[1]} model column(s); comparing models needs at least 2."
        )
    if scores.shape[0] < 1:
        raise ValueError("scores has no rows; pass at least one dataset.")
    if not scores.columns.is_unique:
        duplicated = sorted({str(c) for c in scores.columns[scores.columns.duplicated()]})
        raise ValueError(
            f"scores has duplicated model columns {duplicated}; give every model one column."
        )
    try:
        values = scores.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "scores must hold numbers only; convert the columns with "
            "scores.apply(pd.to_numeric)."
        ) from exc
    missing = np.isnan(values).any(axis=1)
    if missing.any():
        # Dropping datasets changes every rank: the caller must choose to do it.
        names = [str(d) for d in scores.index[missing]]
        raise ValueError(
            f"scores has missing values on the datasets {names}; drop them explicitly "
            "(scores.dropna()) or fill them in before comparing models."
        )
    if not np.isfinite(values).all():
        raise ValueError("scores has infinite values; pass finite scores (higher is better).")
    return values


def _check_alpha(alpha) -> None:
    if not (isinstance(alpha, (int, float, np.number)) and 0.0 < float(alpha) < 1.0):
        raise ValueError(f"alpha must be a number strictly between 0 and 1, got {alpha!r}.")


def _check_tie_tol(tie_tol) -> None:
    if not (isinstance(tie_tol, (int, float, np.number)) and 0.0 <= float(tie_tol) < np.inf):
        raise ValueError(f"tie_tol must be a finite number >= 0, got {tie_tol!r}.")


def _holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the input order.

    The i-th smallest of m p-values (0-based) is multiplied by ``m - i``; a running
    maximum keeps the adjusted values in the order of the raw ones (a hypothesis is
    only rejected when every smaller one is), and they are clipped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    m = p.size
    stepped = p[order] * (m - np.arange(m))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(stepped), 1.0)
    return adjusted


def _wilcoxon_p(differences: np.ndarray, tie_tol: float) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired differences ("wilcox" zeros).

    Differences within ``tie_tol`` are set to exactly zero first, so that the test and
    the tie count agree: scores averaged over seeds differ by round-off (1e-17) where
    they are equal, and the test would otherwise rank that noise.
    """
    d = np.where(np.abs(differences) <= tie_tol, 0.0, differences)
    # With no non-zero difference the test has nothing to rank (scipy warns or raises,
    # depending on its version); with one, its exact two-sided p-value is 1 anyway.
    if np.count_nonzero(d) < 2:
        return 1.0
    p = float(stats.wilcoxon(d, zero_method="wilcox").pvalue)
    return 1.0 if np.isnan(p) else p


def _wins_ties_losses(differences: np.ndarray, tie_tol: float) -> tuple[int, int, int]:
    wins = int(np.sum(differences > tie_tol))
    losses = int(np.sum(differences < -tie_tol))
    return wins, differences.size - wins - losses, losses


def mean_ranks(scores: pd.DataFrame) -> pd.Series:
    """Mean rank of each model over datasets (rank 1 = best score; ties share the mean).

    Models are ranked within each dataset (row) by their score, highest first; tied
    models get the average of the ranks they span (``scipy.stats.rankdata`` on the
    negated scores). The mean over datasets is returned, best first.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per dataset, one column per model, one score per cell where higher is
        better (e.g. the mean accuracy over seeds). Rows with a missing score raise a
        ``ValueError``: drop them explicitly (``scores.dropna()``).

    Returns
    -------
    ranks : pandas.Series
        Mean rank per model (indexed by the column names), named ``"mean_rank"``,
        sorted ascending; models with equal mean ranks keep their column order.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark import mean_ranks
    >>> scores = pd.DataFrame({"a": [0.9, 0.8, 0.7], "b": [0.8, 0.8, 0.9],
    ...                        "c": [0.5, 0.6, 0.6]}, index=["d1", "d2", "d3"])
    >>> mean_ranks(scores).round(3).to_dict()
    {'a': 1.5, 'b': 1.5, 'c': 3.0}
    """
    values = _check_scores(scores)
    ranks = stats.rankdata(-values, axis=1)
    result = pd.Series(ranks.mean(axis=0), index=scores.columns, name="mean_rank")
    return result.sort_values(kind="stable")


def pairwise_comparisons(scores: pd.DataFrame, *, alpha: float = 0.05,
                         tie_tol: float = 1e-12) -> pd.DataFrame:
    """Wins/ties/losses and Holm-corrected Wilcoxon tests for every pair of models.

    For every unordered pair of models ``(a, b)``, ``a`` before ``b`` in column order,
    the per-dataset differences ``a - b`` are counted (a tie when ``|a - b| <= tie_tol``)
    and tested with the two-sided Wilcoxon signed-rank test (``zero_method="wilcox"``:
    tied datasets are left out). The p-values are then corrected for the number of
    pairs with Holm's step-down procedure.

    The p-values are scipy's defaults: exact for up to 50 datasets; with tied or zero
    differences an exhaustive permutation test for up to 13 datasets (a fraction of a
    second per pair) and the normal approximation beyond.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per dataset, one column per model, higher is better; no missing
        values (drop incomplete datasets first).
    alpha : float, default=0.05
        Significance level of the family of tests, compared with the Holm p-values.
    tie_tol : float, default=1e-12
        Differences at most this large in absolute value count as ties (and as zero
        differences in the test), so that round-off does not decide a win.

    Returns
    -------
    comparisons : pandas.DataFrame
        One row per pair, columns ``model_a, model_b, wins, ties, losses,
        mean_difference, p_value, p_holm, significant``: ``wins`` counts the datasets
        where ``model_a`` scores higher, ``mean_difference`` is the mean of
        ``model_a - model_b``, ``p_value`` the raw Wilcoxon p-value (1.0 when fewer
        than two datasets differ), ``p_holm`` the Holm-corrected one over all pairs
        and ``significant`` is ``p_holm < alpha``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark import pairwise_comparisons
    >>> scores = pd.DataFrame({"a": [0.9, 0.8, 0.7, 0.9, 0.8, 0.9],
    ...                        "b": [0.8, 0.7, 0.7, 0.6, 0.75, 0.7]})
    >>> comparisons = pairwise_comparisons(scores)
    >>> comparisons[["model_a", "model_b", "wins", "ties", "losses"]].values.tolist()
    [['a', 'b', 5, 1, 0]]
    >>> comparisons[["p_value", "p_holm", "significant"]].values.tolist()
    [[0.0625, 0.0625, False]]
    """
    values = _check_scores(scores)
    _check_alpha(alpha)
    _check_tie_tol(tie_tol)
    models = list(scores.columns)
    rows = []
    for i in range(len(models)):
        for j in range(i + 1, len(models)):
            d = values[:, i] - values[:, j]
            wins, ties, losses = _wins_ties_losses(d, tie_tol)
            rows.append({"model_a": models[i], "model_b": models[j], "wins": wins,
                         "ties": ties, "losses": losses, "mean_difference": float(d.mean()),
                         "p_value": _wilcoxon_p(d, tie_tol)})
    out = pd.DataFrame(rows, columns=["model_a", "model_b", "wins", "ties", "losses",
                                      "mean_difference", "p_value"])
    out["p_holm"] = _holm(out["p_value"].to_numpy())
    out["significant"] = out["p_holm"] < alpha
    return out


def _cliques(order: list, significant: dict) -> list[tuple]:
    """Maximal runs of consecutive models (in ``order``) with no significant pair."""
    runs = []
    for start in range(len(order)):
        end = start
        # Extend the run while the next model differs from none of the run's models.
        while end + 1 < len(order) and not any(
            significant[frozenset((order[k], order[end + 1]))] for k in range(start, end + 1)
        ):
            end += 1
        if end > start:
            runs.append((start, end))
    # A run starting later and ending at the same place is inside an earlier one.
    maximal = [(s, e) for s, e in runs
               if not any(s2 <= s and e <= e2 and (s2, e2) != (s, e) for s2, e2 in runs)]
    return [tuple(order[s:e + 1]) for s, e in maximal]


def critical_difference_cliques(scores: pd.DataFrame, *,
                                alpha: float = 0.05) -> list[tuple[str, ...]]:
    """Groups of models that no Holm-corrected Wilcoxon test tells apart (CD-diagram bars).

    This is how the time-series literature draws Demšar's (2006) critical-difference
    diagrams (Benavoli et al. 2016; aeon's ``plot_critical_difference`` with
    ``test="wilcoxon"`` and ``correction="holm"``): models are ordered by mean rank and
    a clique is a maximal run of consecutive models in that order in which no pair is
    significantly different by :func:`pairwise_comparisons`.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per dataset, one column per model, higher is better; no missing
        values (drop incomplete datasets first).
    alpha : float, default=0.05
        Significance level of the Holm-corrected tests.

    Returns
    -------
    cliques : list of tuple
        The maximal cliques of at least two models, each a tuple of model names in
        rank order (best first), ordered by their best model's rank. A model that
        differs significantly from both neighbours belongs to none.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skcontrast.benchmark import critical_difference_cliques
    >>> rng = np.random.default_rng(0)
    >>> base = rng.uniform(0.6, 0.8, size=20)
    >>> scores = pd.DataFrame({"good": base + 0.1, "same": base + 0.1 + rng.normal(0, 1e-3, 20),
    ...                        "bad": base - 0.1})
    >>> critical_difference_cliques(scores)
    [('good', 'same')]
    """
    comparisons = pairwise_comparisons(scores, alpha=alpha)
    order = list(mean_ranks(scores).index)
    significant = {frozenset((a, b)): bool(s) for a, b, s in
                   zip(comparisons["model_a"], comparisons["model_b"],
                       comparisons["significant"])}
    return _cliques(order, significant)


def _bar_rows(spans: list[tuple[float, float]], gap: float) -> list[int]:
    """Row of each clique bar: the first row where it overlaps no bar already drawn."""
    ends: list[float] = []
    rows = []
    for lo, hi in spans:
        for row, end in enumerate(ends):
            if lo > end + gap:
                ends[row] = hi
                rows.append(row)
                break
        else:
            ends.append(hi)
            rows.append(len(ends) - 1)
    return rows


def plot_critical_difference(scores: pd.DataFrame, *, alpha: float = 0.05, ax=None,
                             title: str | None = None):
    """Critical-difference diagram: mean ranks, with bars joining indistinguishable models.

    A horizontal rank axis at the top runs from 1 (best, on the left) to the number of
    models. Each model hangs from its mean rank by a line that turns to its label: the
    better half of the models on the left, the rest on the right, with the mean rank
    after the name. Under the axis, a thick bar spans each clique of
    :func:`critical_difference_cliques`: models that no Holm-corrected Wilcoxon
    signed-rank test at level ``alpha`` tells apart.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per dataset, one column per model, higher is better; no missing
        values (drop incomplete datasets first).
    alpha : float, default=0.05
        Significance level of the Holm-corrected tests.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (its figure's size and layout are left alone). By default a
        new figure is made, sized for the number of models and the label lengths,
        with constrained layout so that ``savefig`` keeps every label.
    title : str, optional
        Title of the axes.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes holding the diagram: one text per model (``ax.texts``) and one line
        with gid ``"clique"`` per clique.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skcontrast.benchmark import plot_critical_difference
    >>> rng = np.random.default_rng(0)
    >>> base = rng.uniform(0.6, 0.8, size=20)
    >>> scores = pd.DataFrame({"good": base + 0.1, "same": base + 0.1 + rng.normal(0, 1e-3, 20),
    ...                        "bad": base - 0.1})
    >>> ax = plot_critical_difference(scores, title="3 models, 20 datasets")
    >>> len(ax.texts), sum(line.get_gid() == "clique" for line in ax.lines)
    (3, 1)
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.transforms import offset_copy
    except ImportError as exc:
        raise ImportError(
            "plot_critical_difference needs matplotlib; install it with "
            "`pip install matplotlib`."
        ) from exc
    ranks = mean_ranks(scores)  # validates scores
    cliques = critical_difference_cliques(scores, alpha=alpha)

    k = len(ranks)
    names = list(ranks.index)
    # Mathtext would swallow text between two "$" in a model name.
    labels = {m: f"{str(m).replace('$', chr(92) + '$')} ({ranks[m]:.2f})" for m in names}
    n_left = math.ceil(k / 2)
    left, right = names[:n_left], names[n_left:]

    # Vertical layout, in inches of axes height (y grows downwards from the rank axis):
    # clique bars first, then one label row per model of the longer side.
    bar_step, row_step = 0.16, 0.3
    pad = max(0.25, 0.04 * (k - 1))
    xlim = (1.0 - pad, k + pad)
    extend = 0.01 * (xlim[1] - xlim[0])  # a bar over equal ranks is still visible
    spans = [(ranks[c[0]] - extend, ranks[c[-1]] + extend) for c in cliques]
    # Two bars share a row only with a clear gap, or they would read as one clique.
    bar_rows = _bar_rows(spans, gap=0.05 * (xlim[1] - xlim[0]))
    n_bar_rows = max(bar_rows, default=-1) + 1
    first_row = 0.3 + n_bar_rows * bar_step + 0.15
    depth = first_row + (max(len(left), len(right)) - 1) * row_step + 0.2

    if ax is None:
        # Width: the rank axis grows with the models; each side holds its longest label
        # (about 0.08 in per character at 10 pt). Height: the rows plus axis and title.
        label_width = 0.08 * max(len(s) for s in labels.values()) + 0.3
        width = max(4.5, 0.5 * k) + 2 * label_width
        height = depth + 0.8 + (0.3 if title else 0.0)
        fig, ax = plt.subplots(figsize=(width, height), layout="constrained")

    ax.set_xlim(*xlim)
    ax.set_ylim(depth, 0.0)  # inverted: the rank axis (y = 0) is the top spine
    for side in ("left", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.set_xticks(np.arange(1, k + 1))
    ax.set_xticks(np.arange(1.5, k, 1.0), minor=True)
    ax.set_yticks([])
    ax.set_xlabel("mean rank (1 = best)")
    if title:
        ax.set_title(title)

    line = {"color": "0.2", "linewidth": 0.9, "solid_capstyle": "butt"}
    fig = ax.figure
    # Labels sit a few points beyond the plot's edge, outside the axes.
    to_left = offset_copy(ax.transData, fig=fig, x=-4, y=0, units="points")
    to_right = offset_copy(ax.transData, fig=fig, x=4, y=0, units="points")
    # Left side: the best model's label row is the highest, so no lines cross; on the
    # right the worst model's is.
    for row, model in enumerate(left):
        y = first_row + row * row_step
        ax.plot([ranks[model], ranks[model], xlim[0]], [0.0, y, y], **line)
        ax.text(xlim[0], y, labels[model], ha="right", va="center", transform=to_left)
    for row, model in enumerate(reversed(right)):
        y = first_row + row * row_step
        ax.plot([ranks[model], ranks[model], xlim[1]], [0.0, y, y], **line)
        ax.text(xlim[1], y, labels[model], ha="left", va="center", transform=to_right)
    ax.plot(ranks.to_numpy(), np.zeros(k), "o", color="0.2", markersize=3.5, clip_on=False)
    for (lo, hi), row in zip(spans, bar_rows):
        y = 0.3 + row * bar_step
        ax.plot([lo, hi], [y, y], color="black", linewidth=4.5, solid_capstyle="round",
                gid="clique")
    return ax


def suite_table(results: pd.DataFrame, *, baseline: str, metric: str = "accuracy",
                alpha: float = 0.05) -> pd.DataFrame:
    """One row per model over a suite of datasets: mean score, mean rank, tests vs a baseline.

    Scores are first averaged over seeds per (dataset, model); datasets where some
    model has no score are dropped (listed in ``attrs["dropped"]``) so that every model
    is compared on the same datasets. Each model is then compared with ``baseline``
    dataset by dataset: wins/ties/losses, the mean difference and the two-sided
    Wilcoxon signed-rank test, Holm-corrected over the comparisons with the baseline.

    Parameters
    ----------
    results : pandas.DataFrame
        Long-format results with columns ``dataset``, ``model``, ``seed`` and
        ``metric``, one row per dataset, model and seed.
    baseline : str
        The model the others are compared with; must be one of ``results["model"]``.
    metric : str, default="accuracy"
        The score column, higher is better.
    alpha : float, default=0.05
        Significance level of the Holm-corrected tests (column ``significant``).

    Returns
    -------
    table : pandas.DataFrame
        Indexed by model, sorted by mean rank, with columns ``mean`` (mean over
        datasets of the per-dataset mean), ``std_over_datasets`` (its sample standard
        deviation over datasets), ``mean_rank``, then against the baseline ``wins``,
        ``ties``, ``losses`` (datasets where the model scores higher, within 1e-12,
        lower), ``mean_difference`` (model minus baseline), ``p_value`` (Wilcoxon),
        ``p_holm`` (Holm over the other models), ``significant`` (``p_holm < alpha``)
        and ``n_datasets``. The baseline's own comparison cells are missing (NaN; the
        counts and ``significant`` use pandas' nullable dtypes). ``attrs["dropped"]``
        lists the datasets left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.benchmark import suite_table
    >>> results = pd.DataFrame({
    ...     "dataset": ["d1"] * 4 + ["d2"] * 4 + ["d3"] * 3,
    ...     "model": ["raw", "raw", "new", "new"] * 2 + ["raw", "raw", "new"],
    ...     "seed": [0, 1] * 5 + [0],
    ...     "accuracy": [0.7, 0.8, 0.9, 0.9, 0.6, 0.6, 0.5, 0.7, 0.8, 0.8, float("nan")]})
    >>> table = suite_table(results, baseline="raw")
    >>> summary = table[["mean", "mean_rank", "wins", "ties", "losses"]].round(3)
    >>> summary  # doctest: +NORMALIZE_WHITESPACE
            mean  mean_rank  wins  ties  losses
    model
    new    0.750       1.25     1     1       0
    raw    0.675       1.75  <NA>  <NA>    <NA>
    >>> table.attrs["dropped"]
    ['d3']
    """
    if not isinstance(results, pd.DataFrame):
        raise TypeError(f"results must be a pandas DataFrame, got {type(results).__name__}.")
    needed = ["dataset", "model", "seed", metric]
    missing = [c for c in needed if c not in results.columns]
    if missing:
        raise ValueError(
            f"results lacks the columns {missing}; pass one row per dataset, model and seed "
            f"with the columns {needed} (metric={metric!r} names the score column)."
        )
    _check_alpha(alpha)
    models = list(pd.unique(results["model"]))
    if baseline not in models:
        raise ValueError(f"Unknown baseline {baseline!r}; results has the models {models}.")
    if len(models) < 2:
        raise ValueError(f"results has only the model {models}; comparing needs at least 2.")
    if not pd.api.types.is_numeric_dtype(results[metric]):
        raise ValueError(
            f"results[{metric!r}] must be numeric; convert it with pd.to_numeric."
        )
    duplicated = results.duplicated(["dataset", "model", "seed"])
    if duplicated.any():
        first = results.loc[duplicated, ["dataset", "model", "seed"]].iloc[0].tolist()
        raise ValueError(
            f"results has {int(duplicated.sum())} duplicated (dataset, model, seed) rows, "
            f"e.g. {first}; keep one row per dataset, model and seed."
        )

    # Seeds first: a dataset counts once however many seeds it ran.
    means = results.groupby(["dataset", "model"], sort=False)[metric].mean()
    datasets = list(pd.unique(results["dataset"]))
    per_dataset = means.unstack("model").reindex(index=datasets, columns=models)
    complete = per_dataset.notna().all(axis=1)
    dropped = list(per_dataset.index[~complete])
    scores = per_dataset[complete]
    if scores.empty:
        raise ValueError(
            f"No dataset has a {metric!r} score for every model {models}; every dataset "
            "was dropped."
        )

    ranks = mean_ranks(scores)
    values = scores.to_numpy(dtype=float)
    base = values[:, models.index(baseline)]
    table = pd.DataFrame(index=pd.Index(models, name="model"))
    table["mean"] = values.mean(axis=0)
    table["std_over_datasets"] = scores.std(axis=0, ddof=1).to_numpy()
    table["mean_rank"] = ranks.reindex(models).to_numpy()
    others = [m for m in models if m != baseline]
    counts, differences, p_values = [], [], []
    for model in others:
        d = values[:, models.index(model)] - base
        counts.append(_wins_ties_losses(d, 1e-12))
        differences.append(float(d.mean()))
        p_values.append(_wilcoxon_p(d, 1e-12))
    for name, column in zip(["wins", "ties", "losses"], zip(*counts)):
        table[name] = pd.Series(column, index=others, dtype="Int64")
    table["mean_difference"] = pd.Series(differences, index=others, dtype=float)
    table["p_value"] = pd.Series(p_values, index=others, dtype=float)
    p_holm = _holm(p_values)
    table["p_holm"] = pd.Series(p_holm, index=others, dtype=float)
    table["significant"] = pd.Series(p_holm < alpha, index=others, dtype="boolean")
    table["n_datasets"] = len(scores)
    table = table.sort_values("mean_rank", kind="stable")
    table.attrs["dropped"] = dropped
    return table
