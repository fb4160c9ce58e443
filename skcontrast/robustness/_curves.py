"""Robustness curves: score versus perturbation rate and label fraction, over seeds."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.utils.parallel import delayed

from .._parallel import parallel_results
from .._tags import takes_partial_labels
from ..utils import check_rate, labelled_subset, set_random_state
from ._label_fraction import hide_labels, select_labelled
from ._label_noise import inject_label_noise
from ._missing import inject_mcar, inject_missing_timestamps

__all__ = [
    "PERTURBATIONS",
    "perturb_split",
    "plot_robustness_curve",
    "robustness_curve",
    "summarize_curve",
    "uses_unlabelled_rows",
]

#: The perturbations of :func:`perturb_split` and :func:`robustness_curve`.
PERTURBATIONS = ("label_noise", "missing_timestamps", "mcar")
_DEFAULT_APPLY_TO = {
    "label_noise": ("train",),
    # TS2Vec removes timestamps from both splits, independently.
    "missing_timestamps": ("train", "test"),
    "mcar": ("train", "test"),
}
_COLUMNS = [
    "estimator", "perturbation", "rate", "label_fraction", "seed", "score", "fit_seconds",
]


def _labels_seed(seed: int) -> int:
    # One seed per run seed, whatever the fraction, the rate or the perturbation: the
    # labelled subsets of one seed are nested across fractions, and every estimator and
    # every perturbation rate sees the same labelled rows.
    return int(np.random.SeedSequence([int(seed), 0x1ABE1]).generate_state(1)[0])


def _split_seeds(seed: int, rate: float, perturbation: str) -> tuple[int, int]:
    """Independent seeds for the train and test perturbations of one (seed, rate).

    They depend on the rate's value (not its position in ``rates``) and not on the
    estimator, so every estimator sees exactly the same perturbed data.
    """
    sequence = np.random.SeedSequence(
        [int(seed), int(round(rate * 1e9)), PERTURBATIONS.index(perturbation)]
    )
    train_seed, test_seed = sequence.generate_state(2)
    return int(train_seed), int(test_seed)


def perturb_split(data, perturbation, rate, seed, *, apply_to=None, noise_mode="uniform",
                  classes=None, label_fraction=1.0, min_per_class=2):
    """Apply one perturbation at ``rate`` to a train/test split, seeded by ``seed``.

    The single place where robustness protocols touch data, shared by
    :func:`robustness_curve` and the benchmark runner so that both perturb
    identically. Inputs are never modified (the injectors copy).

    With ``label_fraction < 1`` only a stratified subset of the training rows keeps its
    label (:func:`select_labelled`, seeded by ``seed`` alone, so the subsets of one
    seed are nested across fractions); label noise then redraws ``rate`` of those
    labels, and the other rows' labels are removed (:func:`hide_labels`): the returned
    ``y_train`` has ``None`` (or ``NaN`` for float labels) there. Every training row
    keeps its features, for the embedders that pre-train without labels.

    Parameters
    ----------
    data : tuple
        ``(X_train, y_train, X_test, y_test)``.
    perturbation : {"label_noise", "missing_timestamps", "mcar"}
        See :func:`robustness_curve`.
    rate : float
        Perturbation rate in [0, 1].
    seed : int
        The run's seed; train and test get independent seeds derived from it and
        from ``rate`` (see ``_split_seeds``).
    apply_to : tuple of {"train", "test"} or None, default=None
        Splits to perturb; ``None`` is the perturbation's default.
    noise_mode : {"uniform", "symmetric"}, default="uniform"
        Mode of :func:`inject_label_noise`.
    classes : array-like or None, default=None
        All classes, for label noise (defaults to those in ``y_train``).
    label_fraction : float in (0, 1], default=1.0
        Fraction of the training rows that keep their label.
    min_per_class : int, default=2
        Smallest number of labelled rows per class (see :func:`select_labelled`).

    Returns
    -------
    data : tuple
        The perturbed ``(X_train, y_train, X_test, y_test)``; ``y_test`` is never
        perturbed; ``y_train`` lacks the hidden labels.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.robustness import perturb_split
    >>> y = np.array([0, 1] * 10)
    >>> X = np.zeros((20, 3))
    >>> _, y_noisy, _, y_test = perturb_split((X, y, X, y), "label_noise", 0.5, seed=0,
    ...                                       noise_mode="symmetric")
    >>> int((y_noisy != y).sum()), bool((y_test == y).all())
    (10, True)
    """
    X_train, y_train, X_test, y_test = data
    apply_to = _check_apply_to(apply_to, perturbation)
    train_seed, test_seed = _split_seeds(seed, rate, perturbation)
    labelled = select_labelled(y_train, label_fraction, min_per_class=min_per_class,
                               random_state=_labels_seed(seed))
    if perturbation == "label_noise":
        # Only the training labels: the test labels define the score.
        if "train" in apply_to:
            if classes is None:
                classes = np.unique(np.asarray(y_train))
            y_train = np.array(y_train, copy=True)
            y_train[labelled], _ = inject_label_noise(
                y_train[labelled], rate, mode=noise_mode, classes=classes,
                random_state=train_seed,
            )
    else:
        inject = inject_missing_timestamps if perturbation == "missing_timestamps" else inject_mcar
        if "train" in apply_to:
            X_train = inject(X_train, rate, random_state=train_seed)
        if "test" in apply_to:
            X_test = inject(X_test, rate, random_state=test_seed)
    if not labelled.all():
        y_train = hide_labels(y_train, labelled)
    return X_train, y_train, X_test, y_test


def uses_unlabelled_rows(estimator) -> bool:
    """Whether ``estimator.fit`` trains on rows without a label (``y`` None or NaN).

    skcontrast's :class:`~skcontrast.probes.ProbeClassifier` and
    :class:`~skcontrast.FineTunedClassifier` pre-train their embedder on every row and
    fit their classifier on the labelled ones. Any other estimator only gets the
    labelled rows from :func:`robustness_curve`.

    Parameters
    ----------
    estimator : estimator
        Any estimator.

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcontrast.robustness import uses_unlabelled_rows
    >>> uses_unlabelled_rows(LogisticRegression())
    False
    """
    return takes_partial_labels(estimator)


def _run_one(
    name, estimator, data, perturbation, apply_to, noise_mode, classes, rate, label_fraction,
    min_per_class, seed, scoring,
):
    X_train, y_train, X_test, y_test = perturb_split(
        data, perturbation, rate, seed, apply_to=apply_to, noise_mode=noise_mode,
        classes=classes, label_fraction=label_fraction, min_per_class=min_per_class,
    )
    model = set_random_state(clone(estimator), int(seed))
    if label_fraction < 1 and not uses_unlabelled_rows(model):
        X_train, y_train = labelled_subset(X_train, y_train)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    score = check_scoring(model, scoring=scoring)(model, X_test, y_test)
    return {
        "estimator": name,
        "perturbation": perturbation,
        "rate": rate,
        "label_fraction": label_fraction,
        "seed": int(seed),
        "score": float(score),
        "fit_seconds": fit_seconds,
    }


def _check_apply_to(apply_to, perturbation):
    if apply_to is None:
        return _DEFAULT_APPLY_TO[perturbation]
    if isinstance(apply_to, str):
        apply_to = (apply_to,)
    apply_to = tuple(apply_to)
    unknown = set(apply_to) - {"train", "test"}
    if unknown:
        raise ValueError(f"apply_to may only contain 'train' and 'test'; got {sorted(unknown)}.")
    if perturbation == "label_noise" and "test" in apply_to:
        raise ValueError(
            "Label noise is applied to the training labels only: noisy test labels "
            "would corrupt the score itself. Use apply_to=('train',)."
        )
    return apply_to


def robustness_curve(
    estimators,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    perturbation="label_noise",
    rates=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
    seeds=range(5),
    label_fractions=(1.0,),
    min_per_class=2,
    scoring="accuracy",
    apply_to=None,
    noise_mode="uniform",
    n_jobs=None,
    progress=False,
) -> pd.DataFrame:
    """Score estimators on perturbed data, for every label fraction, rate and seed.

    For each ``label_fraction`` x ``rate`` x ``seed`` x estimator: perturb the data
    with :func:`perturb_split`, fit ``clone(estimator)`` with every parameter named
    ``*random_state`` set to ``seed``, and score it on the test split. For a given
    ``(label_fraction, rate, seed)`` every estimator sees the same perturbed data.

    **Label efficiency.** With ``label_fraction < 1`` only a stratified subset of the
    training rows keeps its label (label noise then applies to those labels). Estimators
    that pre-train on unlabelled rows (:func:`uses_unlabelled_rows`:
    :class:`~skcontrast.probes.ProbeClassifier`, :class:`~skcontrast.FineTunedClassifier`)
    are fitted on every training row, with ``None``/``NaN`` for the hidden labels; any
    other estimator (a raw baseline) on the labelled rows only.

    Parameters
    ----------
    estimators : dict of str to estimator
        The estimators to compare, by display name (e.g. pipelines of an embedder
        and a probe). Missing-value perturbations need estimators that accept NaN.
    X_train : array-like
        Training inputs (``(n, channels, timesteps)`` or ``(n, timesteps)`` for
        ``"missing_timestamps"``, a table for ``"mcar"``).
    y_train : array-like of shape (n_samples,)
        Training labels.
    X_test : array-like
        Test inputs, same layout.
    y_test : array-like of shape (n_samples,)
        Test labels; never perturbed.
    perturbation : {"label_noise", "missing_timestamps", "mcar"}, default="label_noise"
        ``"label_noise"``: :func:`inject_label_noise` on the training labels (the
        SCARF protocol). ``"missing_timestamps"``: :func:`inject_missing_timestamps`
        (the TS2Vec "irregular" protocol). ``"mcar"``: :func:`inject_mcar`.
    rates : iterable of float, default=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
        Perturbation rates, each in [0, 1].
    seeds : iterable of int, default=range(5)
        Seeds: each one seeds the perturbation and the estimators.
    label_fractions : iterable of float, default=(1.0,)
        Fractions of the training rows that keep their label, each in (0, 1].
    min_per_class : int, default=2
        Smallest number of labelled rows per class (see :func:`select_labelled`).
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name or callable ``scorer(estimator, X, y)``.
    apply_to : tuple of {"train", "test"} or None, default=None
        Which splits the missing-value perturbations touch, each with its own
        seed. ``None`` means both for ``"missing_timestamps"`` and ``"mcar"`` (as in
        TS2Vec) and ``("train",)`` for ``"label_noise"``, which never touches the
        test split.
    noise_mode : {"uniform", "symmetric"}, default="uniform"
        ``mode`` of :func:`inject_label_noise`.
    n_jobs : int or None, default=None
        Number of (rate, seed, estimator) fits run in parallel (joblib).
    progress : bool, default=False
        Show a tqdm progress bar (needs ``tqdm``; skipped with a warning otherwise).

    Returns
    -------
    results : pandas.DataFrame
        One row per fit, columns ``estimator``, ``perturbation``, ``rate``,
        ``label_fraction``, ``seed``, ``score`` and ``fit_seconds``. Summarise it with
        :func:`summarize_curve`.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skcontrast.robustness import robustness_curve, summarize_curve
    >>> X, y = load_iris(return_X_y=True)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    >>> df = robustness_curve({"tree": DecisionTreeClassifier()}, X_tr, y_tr, X_te, y_te,
    ...                       rates=(0.0, 0.4), seeds=range(2))
    >>> df.shape
    (4, 7)
    >>> summarize_curve(df)[["estimator", "rate", "n"]].values.tolist()
    [['tree', 0.0, 2], ['tree', 0.4, 2]]
    """
    if not isinstance(estimators, Mapping) or not estimators:
        raise TypeError(
            "estimators must be a non-empty dict mapping a name to an estimator, e.g. "
            "{'svm': SVMProbe()}."
        )
    if perturbation not in PERTURBATIONS:
        raise ValueError(f"perturbation must be one of {PERTURBATIONS}; got {perturbation!r}.")
    apply_to = _check_apply_to(apply_to, perturbation)
    rates = [check_rate(rate) for rate in rates]
    fractions = [check_rate(f, "label_fraction") for f in label_fractions]
    if not fractions or min(fractions) == 0:
        raise ValueError(f"label_fractions must be non-empty and > 0; got {fractions}.")
    seeds = list(seeds)
    bad_seeds = [s for s in seeds if isinstance(s, bool) or not isinstance(s, Integral)]
    if bad_seeds or not seeds or not rates:
        raise ValueError(
            "rates and seeds must be non-empty and seeds must be integers; got "
            f"rates={rates}, seeds={seeds}."
        )
    classes = np.unique(np.asarray(y_train)) if perturbation == "label_noise" else None
    data = (X_train, y_train, X_test, y_test)
    tasks = [
        delayed(_run_one)(
            name,
            estimator,
            data,
            perturbation,
            apply_to,
            noise_mode,
            classes,
            rate,
            fraction,
            min_per_class,
            seed,
            scoring,
        )
        for fraction in fractions
        for rate in rates
        for seed in seeds
        for name, estimator in estimators.items()
    ]
    rows = parallel_results(tasks, n_jobs=n_jobs)
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            warnings.warn(
                "progress=True needs tqdm (pip install tqdm); continuing without a bar.",
                UserWarning,
                stacklevel=2,
            )
        else:
            rows = tqdm(rows, total=len(tasks), desc=f"robustness ({perturbation})")
    return pd.DataFrame(list(rows), columns=_COLUMNS)


def summarize_curve(results: pd.DataFrame, value: str = "score") -> pd.DataFrame:
    """Mean, standard deviation and count of the score per estimator, label fraction and rate.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`robustness_curve` (columns ``estimator``, ``rate`` and
        ``value``; ``perturbation`` and ``label_fraction`` are kept as grouping keys
        when present).
    value : str, default="score"
        The column to summarise.

    Returns
    -------
    summary : pandas.DataFrame
        Columns ``[perturbation,] estimator, [label_fraction,] rate, mean, std, n``;
        ``std`` is the sample standard deviation over seeds (``ddof=1``, ``nan`` for one
        seed). Rows keep the estimators' order of appearance and sort label fractions
        and rates ascending.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcontrast.robustness import summarize_curve
    >>> df = pd.DataFrame({"estimator": ["a", "a", "a"], "rate": [0.0, 0.0, 0.5],
    ...                    "seed": [0, 1, 0], "score": [0.9, 0.7, 0.5]})
    >>> summarize_curve(df).round(3).values.tolist()
    [['a', 0.0, 0.8, 0.141, 2], ['a', 0.5, 0.5, nan, 1]]
    """
    missing = {"estimator", "rate", value} - set(results.columns)
    if missing:
        raise ValueError(
            f"results lacks the columns {sorted(missing)}; pass the DataFrame returned "
            "by robustness_curve."
        )
    fraction = ["label_fraction"] if "label_fraction" in results.columns else []
    keys = ["estimator", *fraction, "rate"]
    outer = ["perturbation"] if "perturbation" in results.columns else []
    order = {name: i for i, name in enumerate(pd.unique(results["estimator"]))}
    summary = (
        results.groupby([*outer, *keys], sort=False)[value]
        .agg(mean="mean", std="std", n="count")
        .reset_index()
    )
    summary["_order"] = summary["estimator"].map(order)
    sort_keys = [*outer, "_order", *fraction, "rate"]
    summary = summary.sort_values(sort_keys, kind="stable").drop(columns="_order")
    return summary.reset_index(drop=True)


def plot_robustness_curve(
    summary: pd.DataFrame, ax=None, *, xlabel="rate", ylabel=None, title=None, legend=True
):
    """Plot the mean score against the rate, with +/- one standard deviation error bars.

    Ticks sit at the measured rates; controls and raw baselines (:func:`is_control`) are
    dashed; the error bars of neighbouring lines are shifted sideways so they do not
    overlap; the legend sits outside the axes.

    Parameters
    ----------
    summary : pandas.DataFrame
        The output of :func:`summarize_curve`; the raw output of
        :func:`robustness_curve` is summarised first.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure is created when ``None``.
    xlabel : str, default="rate"
        Label of the x axis.
    ylabel : str or None, default=None
        Label of the y axis; ``"mean score"`` when ``None``.
    title : str or None, default=None
        Title of the axes.
    legend : bool, default=True
        Draw a legend outside the axes (pass ``False`` to draw one legend for a
        whole figure of panels).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on: one line (with markers and error bars) per estimator.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from skcontrast.robustness import plot_robustness_curve
    >>> summary = pd.DataFrame({"estimator": ["a", "a"], "rate": [0.0, 0.5],
    ...                         "mean": [0.9, 0.6], "std": [0.02, 0.05], "n": [5, 5]})
    >>> ax = plot_robustness_curve(summary)
    >>> len(ax.containers)  # one error-bar line per estimator
    1
    """
    if "mean" not in summary.columns and "score" in summary.columns:
        summary = summarize_curve(summary)
    missing = {"estimator", "rate", "mean", "std"} - set(summary.columns)
    if missing:
        raise ValueError(
            f"summary lacks the columns {sorted(missing)}; pass the DataFrame returned "
            "by summarize_curve."
        )
    if ax is None:
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise ImportError(
                "plot_robustness_curve needs matplotlib; install it with `pip install matplotlib`."
            ) from exc
        _, ax = plt.subplots()

    keys = ["estimator"]
    if "perturbation" in summary.columns and summary["perturbation"].nunique() > 1:
        keys = ["perturbation", *keys]
    fractions = "label_fraction" in summary.columns and summary["label_fraction"].nunique() > 1
    if fractions:
        keys.append("label_fraction")
    groups = list(summary.groupby(keys, sort=False))
    rates = np.sort(summary["rate"].unique().astype(float))
    # Error bars of neighbouring lines are shifted sideways so that they do not overlap.
    step = np.min(np.diff(rates)) if len(rates) > 1 else 1.0
    offsets = np.linspace(-0.12, 0.12, len(groups)) * step if len(groups) > 1 else [0.0]
    for (key, group), offset in zip(groups, offsets):
        group = group.sort_values("rate")
        key = key if isinstance(key, tuple) else (key,)
        parts = [str(k) for k in key]
        if fractions:
            parts[-1] = f"{float(key[-1]):.0%} labels"
        label = " / ".join(parts)
        rate = group["rate"].to_numpy(dtype=float)
        mean = group["mean"].to_numpy(dtype=float)
        # One seed gives no spread: no error bar rather than a NaN one.
        std = np.nan_to_num(group["std"].to_numpy(dtype=float))
        control = is_control(label)
        ax.errorbar(rate + offset, mean, yerr=std, marker="o", markersize=4, capsize=2,
                    elinewidth=0.8, linestyle="--" if control else "-",
                    color="0.55" if control and len(groups) <= 2 else None,
                    alpha=0.85 if control else 1.0, label=label)
    ax.set_xticks(rates, [f"{r:g}" for r in rates])
    ax.grid(axis="y", alpha=0.3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("mean score" if ylabel is None else ylabel)
    if title is not None:
        ax.set_title(title)
    if legend:
        # Outside the axes: a legend never hides a curve.
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  frameon=False)
    return ax


def is_control(name: str) -> bool:
    """Whether a row name is a control or a baseline (raw features, an untrained encoder).

    Plots draw those dashed, so that trained models stand out.

    Parameters
    ----------
    name : str
        A row (estimator) name.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_control("raw features / logistic"), is_control("SCARF / logistic")
    (True, False)
    """
    lowered = name.lower()
    return any(word in lowered for word in ("raw", "untrained", "scratch", "baseline"))
