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

The unit of work is one row of the config on one (dataset, seed): its fits and every
condition's probes. Units run in parallel processes (``n_jobs``), each with ``threads``
torch and BLAS threads, and finish in any order; with ``out_csv`` every finished unit
is appended to the CSV at once, and a rerun skips the units whose rows are all there
(a killed run resumes where it stopped, without duplicates).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils.parallel import delayed

from .._parallel import parallel_results
from .._torch_utils import torch_threads
from ..baselines import aeon_available
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


_WARMED_UP: set = set()


def _warm_up(spec) -> None:
    """Compile aeon's numba kernels once per process, before a ROCKET fit is timed.

    The first MultiRocket fit of a fresh environment compiles for about a minute (then
    numba's disk cache serves later processes); the recorded fit time is the transform's.
    """
    if spec.estimator != "RocketFeatures" or spec.name in _WARMED_UP:
        return
    series = np.sin(np.linspace(0.0, 20.0, 4 * 32)).reshape(4, 1, 32)
    set_random_state(spec.build(), 0).fit(series)
    _WARMED_UP.add(spec.name)


def _fit_embedder(spec, X_train, y_train, seed, supervised):
    """Fit the row's transformer on every training row; ``None`` for raw features."""
    model = spec.build()
    if model is None:
        return None, 0.0
    _warm_up(spec)
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
    return pd.DataFrame({"probe": _row_names(spec, config), "accuracy": np.nan,
                         "auroc": np.nan, "auprc": np.nan, "probe_fit_seconds": np.nan,
                         "n_features": -1})


def _fine_tune(spec, model, data, seed):
    """Scores of FineTunedClassifier on the labelled rows (the embedder prefit on all rows).

    The row's preprocessing (imputation, scaling...) is fitted on every training row, as
    for its probes; the fine-tuned network sees the preprocessed rows.
    """
    X_train, y_train, X_test, y_test = data
    params = dict(spec.finetune)
    params.setdefault("n_threads", None)  # the runner's --threads governs
    pretrained = params.pop("pretrained", True)
    if pretrained:
        preprocess = model[:-1] if isinstance(model, Pipeline) else None
        embedder = model[-1] if isinstance(model, Pipeline) else model
    else:
        preprocess = spec.build_preprocessing()
        preprocess = None if preprocess is None else preprocess.fit(X_train)
    if preprocess is not None:
        X_train, X_test = preprocess.transform(X_train), preprocess.transform(X_test)
    if pretrained:
        clf = FineTunedClassifier(embedder, prefit=True, random_state=seed, **params)
        X_fit, y_fit = labelled_subset(X_train, y_train)
    else:  # the same network from its initial weights (preprocessing fitted on every row)
        clf = FineTunedClassifier(spec.build_estimator(), pretrained=False, random_state=seed,
                                  **params)
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


def _cache_path(cache_dir, dataset, spec, seed, key) -> Path:
    """Where a fit's embeddings are cached: named by everything that determines them."""
    import hashlib
    import json

    what = json.dumps([dataset.loader, dataset.name, dataset.params, dataset.test_size,
                       dataset.max_train, dataset.max_test, spec.estimator, spec.params,
                       spec.untrained, spec.impute, spec.scale, spec.flatten, spec.onehot,
                       seed, key], sort_keys=True, default=str)
    digest = hashlib.sha256(what.encode()).hexdigest()[:16]
    slug = "".join(c if c.isalnum() else "_" for c in f"{dataset.name}_{spec.name}")
    return Path(cache_dir) / f"{slug}_seed{seed}_{digest}.npz"


def _cached_embedding(cache_dir, dataset, spec, seed, key, compute):
    """``compute() -> (model, fit_s, (Z_train, Z_test), transform_s)``, through the cache.

    A cached entry has no model: rows that fine-tune it are computed, not cached.
    """
    if cache_dir is None or spec.is_raw or spec.finetune is not None or not spec.cache:
        return compute()
    path = _cache_path(cache_dir, dataset, spec, seed, key)
    if path.is_file():
        with np.load(path) as saved:
            return (None, float(saved["fit_seconds"]), (saved["Z_train"], saved["Z_test"]),
                    float(saved["transform_seconds"]))
    model, fit_s, (Z_train, Z_test), transform_s = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, Z_train=Z_train, Z_test=Z_test, fit_seconds=fit_s,
             transform_seconds=transform_s)
    partial.replace(path)  # atomic: a killed run leaves no half-written entry
    return model, fit_s, (Z_train, Z_test), transform_s


def _needs_aeon(spec) -> bool:
    return spec.estimator == "RocketFeatures"


def _row_names(spec, config) -> list[str]:
    """The ``probe`` column of a row's results: its probes, then its fine-tuning row."""
    names = [build_probe(p, 0)[0] for p in (config.probes if spec.probes is None
                                             else spec.probes)]
    if spec.finetune is not None:
        names.append("fine-tuned" if spec.finetune.get("pretrained", True)
                     else "fine-tuned (from scratch)")
    return names


_CELL = ["dataset", "seed", "embedder", "probe", "label_fraction", "rate"]


def _cell_keys(frame: pd.DataFrame) -> set:
    """The (dataset, seed, embedder, probe, fraction, rate) cells present in ``frame``."""
    if frame.empty:
        return set()
    cells = frame[_CELL].astype({"seed": int, "label_fraction": float, "rate": float})
    return set(cells.itertuples(index=False, name=None))


def _unit_cells(config, dataset, seed, spec) -> set:
    return {(dataset.name, seed, spec.name, probe, float(fraction), float(rate))
            for probe in _row_names(spec, config)
            for fraction in config.label_fractions for rate in config.rates}


def read_results(path) -> pd.DataFrame:
    """Rows already written to a benchmark's CSV (empty when there is no file yet).

    Parameters
    ----------
    path : str or path-like
        The ``<name>_runs.csv`` a run appends to.

    Returns
    -------
    results : pandas.DataFrame
        Its rows, with the columns of :func:`run_benchmark`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skcontrast.benchmark import load_config, read_results, run_benchmark
    >>> config = load_config({
    ...     "name": "demo", "datasets": [{"loader": "sklearn", "name": "iris"}],
    ...     "perturbation": {"kind": "label_noise", "rates": [0.0]}, "seeds": [0],
    ...     "probes": ["knn"], "embedders": {"raw": {"estimator": "raw"}}})
    >>> csv = Path(tempfile.mkdtemp()) / "demo_runs.csv"
    >>> read_results(csv).shape  # nothing yet
    (0, 15)
    >>> _ = run_benchmark(config, progress=False, out_csv=csv)
    >>> read_results(csv)[["dataset", "probe", "accuracy"]].round(2).values.tolist()
    [['iris', 'knn', 0.96]]
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    frame = pd.read_csv(path, dtype={"dataset": str, "embedder": str, "probe": str})
    missing = set(RESULT_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(
            f"{path} is not a results file of this runner (it lacks the columns "
            f"{sorted(missing)}); pass another --out folder or remove the file."
        )
    return frame[RESULT_COLUMNS]


def _append(path: Path, rows: pd.DataFrame) -> None:
    """Append a finished unit's rows; flushed to disk before the next unit is reported."""
    new = not path.is_file() or path.stat().st_size == 0
    with open(path, "a", newline="") as handle:
        rows[RESULT_COLUMNS].to_csv(handle, header=new, index=False)
        handle.flush()
        os.fsync(handle.fileno())


def _canonical_order(results: pd.DataFrame, config) -> pd.DataFrame:
    """Rows in the config's order: dataset, seed, rate, label fraction, embedder, probe."""
    if results.empty:
        return results.reset_index(drop=True)
    order = {
        "dataset": {d.name: i for i, d in enumerate(config.datasets)},
        "seed": {s: i for i, s in enumerate(config.seeds)},
        "rate": {float(r): i for i, r in enumerate(config.rates)},
        "label_fraction": {float(f): i for i, f in enumerate(config.label_fractions)},
        "embedder": {s.name: i for i, s in enumerate(config.embedders)},
    }
    keys = pd.DataFrame({
        column: results[column].map(
            lambda v, m=mapping, c=column: m.get(float(v) if c in ("rate", "label_fraction")
                                                 else v, len(m)))
        for column, mapping in order.items()
    })
    keys["_position"] = np.arange(len(results))  # probes keep their order within a unit
    ranked = keys.sort_values([*order, "_position"], kind="stable").index
    return results.loc[ranked].reset_index(drop=True)


def run_benchmark(
    config: BenchmarkConfig, *, data_home=None, progress=True, n_jobs=None, out_csv=None,
    threads=None, cache_dir=None,
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
        Units (one embedder row on one dataset and seed) run in parallel processes
        (joblib). Every fit is seeded, so the rows are those of a sequential run with the
        same number of threads per process.
    out_csv : str, path-like or None, default=None
        A CSV to append every finished unit to, and to resume from: units whose rows are
        all in it already are not run again, and rows are never written twice. Its rows
        belonging to this config are part of the returned frame.
    threads : int or None, default=None
        Torch and BLAS threads of each unit (the thread count can change the last bits of
        a fit). ``None``: 1 when ``n_jobs`` runs several processes (more threads than
        cores makes torch 5-100x slower), else the process's setting.
    cache_dir : str, path-like or None, default=None
        A folder to keep every fit's train and test embeddings in (``.npz``, named by the
        dataset, the row's parameters, the seed and the training data). A fit found there
        is not repeated: a new probe on a finished run costs only the probe. Rows that
        fine-tune are never cached.

    Returns
    -------
    results : pandas.DataFrame
        One row per (dataset, rate, seed, embedder, probe) with the columns of
        ``RESULT_COLUMNS``: accuracy, AUROC, AUPRC (see
        :func:`~skcontrast.probes.probe_scores`), the embedder's fit and transform
        seconds, the probe's fit seconds, the embedding width, and whether the
        embeddings were reused across rates (label noise, unsupervised embedder).
        Rows are in the config's order (dataset, seed, rate, label fraction, embedder).

    Notes
    -----
    Rows of :class:`~skcontrast.baselines.RocketFeatures` need aeon (``pip install
    "skcontrast[baselines]"``); without it they are skipped with a message on stderr.

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
    if any(_needs_aeon(s) for s, _ in specs) and not aeon_available():
        skipped = [s.name for s, _ in specs if _needs_aeon(s)]
        print(f"skcontrast-benchmark: skipping {', '.join(map(repr, skipped))}: the ROCKET "
              'baselines need aeon (pip install "skcontrast[baselines]").', file=sys.stderr,
              flush=True)
        specs = [(s, sup) for s, sup in specs if not _needs_aeon(s)]
    if threads is None and n_jobs not in (None, 1):
        threads = 1
    path = Path(out_csv) if out_csv is not None else None
    done = read_results(path) if path is not None else pd.DataFrame(columns=RESULT_COLUMNS)
    present = _cell_keys(done)
    units = [(dataset, seed, spec, supervised)
             for dataset in config.datasets for seed in config.seeds
             for spec, supervised in specs]
    todo = [u for u in units if not _unit_cells(config, u[0], u[1], u[2]) <= present]
    bar = _Progress(len(units), config.name, progress)
    if len(todo) < len(units):
        bar.update(f"{len(units) - len(todo)} units already in {path.name}",
                   count=len(units) - len(todo))
    new_rows = []
    try:
        loaded = {}
        tasks = []
        for dataset, seed, spec, supervised in todo:
            if dataset.name not in loaded:
                data = _load(dataset, data_home)
                loaded[dataset.name] = (data, np.unique(data[1]))  # all classes, for noise
            data, classes = loaded[dataset.name]
            tasks.append(delayed(_run_unit)(config, spec, supervised, dataset, data, classes,
                                            seed, threads, cache_dir))
        for rows in parallel_results(tasks, n_jobs=n_jobs, ordered=False):
            if path is not None:
                rows = rows[[cell not in present for cell in
                             rows[_CELL].itertuples(index=False, name=None)]]
                _append(path, rows)
            new_rows.append(rows)
            first = rows.iloc[0] if len(rows) else None
            bar.update("" if first is None else f"{first['dataset']} seed={first['seed']} "
                       f"{first['embedder']}")
    finally:
        bar.close()
    names = {d.name for d in config.datasets}
    rows_of_config = done[done["dataset"].isin(names) & done["seed"].isin(config.seeds)
                          & done["embedder"].isin([s.name for s, _ in specs])]
    frames = [f for f in (rows_of_config, *new_rows) if len(f)]
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    results = pd.concat(frames, ignore_index=True)[RESULT_COLUMNS]
    return _canonical_order(results, config)


def _run_unit(config, spec, supervised, dataset, loaded, classes, seed, threads, cache_dir):
    """Every (rate, label fraction) of one embedder row on one seed of one dataset."""
    args = (config, spec, supervised, dataset, loaded, classes, seed, cache_dir)
    if threads is None:
        return pd.concat(_unit_rows(*args), ignore_index=True)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads), torch_threads(threads):
        rows = _unit_rows(*args)
    return pd.concat(rows, ignore_index=True)


def _unit_rows(config, spec, supervised, dataset, loaded, classes, seed,
               cache_dir) -> list[pd.DataFrame]:
    clean = _split(loaded, dataset, seed)
    x_perturbed = config.perturbation != "label_noise"
    fitted = {}  # the row's fits, reused where its training data is the same
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
            condition = dict(dataset=dataset.name, perturbation=config.perturbation,
                             rate=rate, label_fraction=fraction, seed=seed, embedder=spec.name)
            # A few labels redrawn at random can all land in one class: nothing can be
            # trained on them; those rows are recorded without scores.
            if np.unique(y_labelled).size < 2:
                rows.append(_unscored(spec, config).assign(
                    **condition, fit_seconds=np.nan, transform_seconds=np.nan,
                    embedding_reused=False))
                continue
            # An embedder's training data: every training row (perturbed with the rate
            # when the perturbation touches X) and, if it uses labels, the labels.
            key = (rate if x_perturbed else None, (fraction, rate) if supervised else None)
            probe_specs = config.probes if spec.probes is None else spec.probes
            # A fine-tuning row from the initial weights needs no trained embedder.
            needed = bool(probe_specs) or spec.finetune.get("pretrained", True)
            reused = key in fitted
            if not reused:
                def compute(X_train=X_train, y_train=y_train, X_test=X_test, needed=needed):
                    if not needed:
                        return None, 0.0, (None, None), 0.0
                    model, fit_s = _fit_embedder(spec, X_train, y_train, seed, supervised)
                    return (model, fit_s, *_embed(model, X_train, X_test))

                fitted[key] = _cached_embedding(cache_dir, dataset, spec, seed, key, compute)
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
            rows.append(scores.assign(**condition, embedding_reused=reused))
    return rows
