"""Run a benchmark config: datasets x seeds x rates x embedders, several probes each.

For every (dataset, seed) the data are split (the archive's split for UCR, a
stratified split seeded by ``seed`` otherwise); for every rate the split is
perturbed by :func:`~skcontrast.robustness.perturb_split`, the very function behind
:func:`~skcontrast.robustness.robustness_curve`, so a benchmark and a curve perturb
identically. Each embedder is then fitted once, with every ``*random_state``
parameter set to ``seed`` (:func:`~skcontrast.utils.set_random_state`), and every
probe is scored on its embeddings (:func:`~skcontrast.probes.score_probes`).

With ``label_fraction`` below 1 only a stratified subset of the training rows keeps
its labels: embedders are fitted on every training row (self-supervised ones without
labels), probes and fine-tuning on the labelled rows only.

One shortcut, exact by construction: an embedder is fitted once per (dataset, seed)
and training data: one that never sees labels is fitted on the same inputs with the
same seed at every label-noise rate and label fraction, so its embeddings are reused;
``embedding_reused`` marks those rows.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.utils.parallel import delayed

from .._parallel import parallel_results
from ..datasets import load_darwin, load_tabular, load_ucr, make_ts_classification
from ..finetune import FineTunedClassifier
from ..probes import probe_scores, score_probes
from ..robustness import perturb_split
from ..utils import fit_embedder, flatten_series, labelled_subset, set_random_state
from ._config import BenchmarkConfig, build_probe

__all__ = ["run_benchmark"]

# The run's coordinates, then evaluate_probes' columns (one row per probe).
RESULT_COLUMNS = [
    "dataset", "perturbation", "rate", "label_fraction", "seed", "embedder", "probe",
    "accuracy", "auroc",
    "auprc", "fit_seconds", "transform_seconds", "probe_fit_seconds", "n_features",
    "embedding_reused",
]


def _load(spec, data_home):
    """(X, y) for split-per-seed loaders, or the UCR (X_train, y_train, X_test, y_test)."""
    if spec.loader == "ucr":
        d = load_ucr(spec.name, data_home=data_home, **spec.params)
        X_train, y_train = _subsample(d["X_train"], d["y_train"], spec.max_train)
        X_test, y_test = _subsample(d["X_test"], d["y_test"], spec.max_test)
        return X_train, y_train, X_test, y_test
    if spec.loader == "darwin":
        return load_darwin(data_home=data_home, return_X_y=True, **spec.params)
    if spec.loader in ("sklearn", "tabular"):
        return load_tabular(spec.name, **spec.params)
    return make_ts_classification(**spec.params)


def _subsample(X, y, size):
    """A stratified subsample of ``size`` rows, the same for every seed (large archives)."""
    if size is None or size >= len(y):
        return X, y
    keep, _ = train_test_split(np.arange(len(y)), train_size=size, stratify=y, random_state=0)
    keep = np.sort(keep)
    return X[keep], y[keep]


def _split(loaded, spec, seed):
    if len(loaded) == 4:
        return loaded
    X, y = loaded
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=spec.test_size, stratify=y, random_state=seed
    )
    return X_train, y_train, X_test, y_test


class _Progress:
    """tqdm when it is installed, else one short line per finished task on stderr."""

    def __init__(self, total, description, enabled):
        self.total, self.done, self.enabled = total, 0, enabled
        self.bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, desc=description, file=sys.stderr)
        self.description = description
        self.start = time.perf_counter()

    def update(self, label, count=1):
        self.done += count
        if self.bar is not None:
            self.bar.set_postfix_str(label, refresh=False)
            self.bar.update(count)
        elif self.enabled:
            elapsed = time.perf_counter() - self.start
            print(f"[{self.description}] {self.done}/{self.total} {label} ({elapsed:.0f} s)",
                  file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _fit_embedder(spec, X_train, y_train, seed, supervised):
    """Fit the row's transformer on every training row; ``None`` for raw features."""
    model = spec.build()
    if model is None:
        return None, 0.0
    model = set_random_state(model, seed)
    start = time.perf_counter()
    if supervised:
        fit_embedder(model, X_train, y_train)
    else:
        model.fit(X_train)
    return model, time.perf_counter() - start


def _embed(model, X_train, X_test):
    if model is None:
        return (flatten_series(X_train), flatten_series(X_test)), 0.0
    start = time.perf_counter()
    Z = model.transform(X_train), model.transform(X_test)
    return Z, time.perf_counter() - start


def _unscored(spec, config) -> pd.DataFrame:
    """The rows of a (spec, condition) whose labelled rows hold a single class: no scores."""
    names = [build_probe(p, 0)[0] for p in (config.probes if spec.probes is None
                                             else spec.probes)]
    if spec.finetune is not None:
        names.append("fine-tuned" if spec.finetune.get("pretrained", True)
                     else "fine-tuned (from scratch)")
    return pd.DataFrame({"probe": names, "accuracy": np.nan, "auroc": np.nan,
                         "auprc": np.nan, "probe_fit_seconds": np.nan, "n_features": -1})


def _fine_tune(spec, model, data, seed):
    """Scores of FineTunedClassifier on the labelled rows (the embedder prefit on all rows)."""
    X_train, y_train, X_test, y_test = data
    params = dict(spec.finetune)
    pretrained = params.pop("pretrained", True)
    if pretrained:
        clf = FineTunedClassifier(model, prefit=True, random_state=seed, **params)
        X_fit, y_fit = labelled_subset(X_train, y_train)
    else:  # the same network from its initial weights (preprocessing fitted on every row)
        clf = FineTunedClassifier(spec.build(), pretrained=False, random_state=seed, **params)
        X_fit, y_fit = X_train, y_train
    start = time.perf_counter()
    clf.fit(X_fit, y_fit)
    seconds = time.perf_counter() - start
    return pd.DataFrame([{
        "probe": "fine-tuned" if pretrained else "fine-tuned (from scratch)",
        **probe_scores(clf, X_test, y_test),
        "probe_fit_seconds": seconds,
        "n_features": clf.module_.encoder.out_features,
    }])


def run_benchmark(
    config: BenchmarkConfig, *, data_home=None, progress=True, n_jobs=None
) -> pd.DataFrame:
    """Run every (dataset, seed, rate, embedder) of ``config`` and score its probes.

    Parameters
    ----------
    config : BenchmarkConfig
        From :func:`load_config`.
    data_home : str, path-like or None, default=None
        Folder searched first by the dataset loaders (e.g. the folder holding
        ``Darwin.csv``).
    progress : bool, default=True
        Show progress on stderr (a tqdm bar when tqdm is installed).
    n_jobs : int or None, default=None
        Seeds run in parallel (joblib processes). Every fit is seeded, so the rows
        are those of a sequential run with the same number of torch threads per
        process (joblib's workers default to cores / ``n_jobs`` threads; the thread
        count can change the last bits of a fit). ``OMP_NUM_THREADS=1`` pins it.

    Returns
    -------
    results : pandas.DataFrame
        One row per (dataset, rate, seed, embedder, probe) with the columns of
        ``RESULT_COLUMNS``: accuracy, AUROC, AUPRC (see
        :func:`~skcontrast.probes.probe_scores`), the embedder's fit and transform
        seconds, the probe's fit seconds, the embedding width, and whether the
        embeddings were reused across rates (label noise, unsupervised embedder).

    Examples
    --------
    >>> from skcontrast.benchmark import load_config, run_benchmark
    >>> config = load_config({
    ...     "name": "demo", "datasets": [{"loader": "sklearn", "name": "iris"}],
    ...     "perturbation": {"kind": "label_noise", "rates": [0.0, 0.3]}, "seeds": [0, 1],
    ...     "probes": ["logistic", "knn"], "embedders": {"raw": {"estimator": "raw"}}})
    >>> df = run_benchmark(config, progress=False)
    >>> df.shape  # 2 rates x 2 seeds x 2 probes
    (8, 15)
    >>> df.groupby("rate")["accuracy"].mean().round(2).tolist()
    [0.93, 0.78]
    """
    specs = [(s, s.is_supervised()) for s in config.embedders]
    total = (len(config.datasets) * len(config.seeds) * len(config.rates)
             * len(config.label_fractions) * len(specs))
    bar = _Progress(total, config.name, progress)
    rows = []
    try:
        for dataset in config.datasets:
            loaded = _load(dataset, data_home)
            classes = np.unique(loaded[1])  # all training classes, for label noise
            if n_jobs in (None, 1):
                for seed in config.seeds:
                    rows += _run_seed(config, specs, dataset, loaded, classes, seed, bar.update)
                continue
            # One task per seed: the unit within which embeddings are reused.
            tasks = (delayed(_run_seed)(config, specs, dataset, loaded, classes, seed, None)
                     for seed in config.seeds)
            for seed_rows in parallel_results(tasks, n_jobs=n_jobs):
                rows += seed_rows
                bar.update(f"{dataset.name} seed={seed_rows[0]['seed'].iloc[0]}",
                           count=len(seed_rows))
    finally:
        bar.close()
    return pd.concat(rows, ignore_index=True)[RESULT_COLUMNS]


def _run_seed(config, specs, dataset, loaded, classes, seed, update) -> list[pd.DataFrame]:
    """Every (rate, label fraction, embedder) of one seed of one dataset."""
    clean = _split(loaded, dataset, seed)
    x_perturbed = config.perturbation != "label_noise"
    fitted = {}  # embedders fitted once and reused where their training data is the same
    rows = []
    for rate in config.rates:
        for fraction in config.label_fractions:
            data = perturb_split(
                clean, config.perturbation, rate, seed, apply_to=config.apply_to,
                noise_mode=config.noise_mode, classes=classes, label_fraction=fraction,
                min_per_class=config.min_per_class,
            )
            X_train, y_train, X_test, y_test = data
            labelled = ~np.asarray(pd.isna(y_train), dtype=bool)
            _, y_labelled = labelled_subset(X_train, y_train)
            # A few labels redrawn at random can all land in one class: nothing can be
            # trained on them; those rows are recorded without scores.
            one_class = np.unique(y_labelled).size < 2
            for spec, supervised in specs:
                if one_class:
                    rows.append(_unscored(spec, config).assign(
                        dataset=dataset.name, perturbation=config.perturbation, rate=rate,
                        label_fraction=fraction, seed=seed, embedder=spec.name,
                        fit_seconds=np.nan, transform_seconds=np.nan, embedding_reused=False,
                    ))
                    continue
                # An embedder's training data: every training row (perturbed with the rate
                # when the perturbation touches X) and, if it uses labels, the labels.
                key = (spec.name, rate if x_perturbed else None,
                       (fraction, rate) if supervised else None)
                probe_specs = config.probes if spec.probes is None else spec.probes
                # A fine-tuning row from the initial weights needs no trained embedder.
                needed = bool(probe_specs) or spec.finetune.get("pretrained", True)
                reused = key in fitted
                if not reused:
                    model, fit_s = (_fit_embedder(spec, X_train, y_train, seed, supervised)
                                    if needed else (None, 0.0))
                    embedded = _embed(model, X_train, X_test) if needed else ((None, None), 0.0)
                    fitted[key] = (model, fit_s, *embedded)
                model, fit_s, (Z_train, Z_test), transform_s = fitted[key]
                scores = pd.DataFrame()
                if probe_specs:
                    probes = dict(build_probe(p, seed) for p in probe_specs)
                    scores = score_probes(Z_train[labelled], y_labelled, Z_test, y_test, probes)
                if spec.finetune is not None:
                    tuned = _fine_tune(spec, model, data, seed)
                    scores = pd.concat([scores, tuned], ignore_index=True) if len(scores) else tuned
                scores["fit_seconds"] = fit_s
                scores["transform_seconds"] = transform_s
                rows.append(scores.assign(
                    dataset=dataset.name, perturbation=config.perturbation, rate=rate,
                    label_fraction=fraction, seed=seed, embedder=spec.name,
                    embedding_reused=reused,
                ))
                if update is not None:
                    update(f"{dataset.name} seed={seed} rate={rate:g} "
                           f"labels={fraction:g} {spec.name}")
    return rows
