"""Benchmark configs: small JSON files naming datasets, embedders, probes, rates, seeds.

A config is plain data so that a result folder can carry the exact config that
produced it. Everything is validated when the config is loaded, before any data is
read or any model trained, and each error names the offending key.

Layout (see ``configs/*.json`` for complete examples)::

    {
      "name": "ecg200",
      "description": "TS2Vec and friends on ECG200 with missing timestamps",
      "datasets": [{"loader": "ucr", "name": "ECG200"}],
      "perturbation": {"kind": "missing_timestamps", "rates": [0.0, 0.1]},
      "seeds": [0, 1, 2, 3, 4],
      "probes": ["svm", "knn", "logistic"],
      "embedders": {
        "TS2Vec": {"estimator": "TS2VecEmbedder", "params": {}},
        "TS2Vec (untrained)": {"estimator": "TS2VecEmbedder", "untrained": true},
        "raw": {"estimator": "raw", "impute": "mean"}
      }
    }

Label efficiency: ``"label_fraction": [0.01, 0.1, 1.0]`` (default ``[1.0]``) keeps the
labels of a stratified fraction of the training rows (at least ``"min_per_class"``,
default 2, per class; :func:`~skcontrast.robustness.select_labelled`), crossed with the
perturbation's rates: label noise then applies to the labelled rows. Embedders are fitted
on every training row (self-supervised ones without labels); probes and fine-tuning see
only the labelled rows. ``"baseline": {"embedder": ..., "probe": ...}`` names the row the
report's paired differences are taken against; ``"report": "suite"`` reports a suite of
many datasets over datasets instead of one by one (see ``_suite_report``).
``"estimated_minutes"`` records the measured wall time of the whole config on 2 CPU cores
with ``--n-jobs 2``: the CLI lists it and warns before long runs.

Datasets: ``{"loader": "ucr", "name": ...}`` (the archive's train/test split; optional
``"max_train"``/``"max_test"`` subsample each split, stratified, with a fixed seed),
``{"loader": "darwin"}``, ``{"loader": "tabular", "name": "attrition"}`` (any name of
:func:`~skcontrast.datasets.load_tabular`; ``"sklearn"`` is an alias) and
``{"loader": "synthetic_ts", "params": {...}}``; the last three are split per seed
(stratified, ``"test_size"``, default 0.3); ``"group"`` (e.g. ``"tuning"``,
``"confirmation"``) labels a dataset for the suite report, which summarises each group
too. Embedders: ``"estimator"`` is a class of
:mod:`skcontrast`, ``"RocketFeatures"`` (the MiniRocket / MultiRocket-Hydra baselines of
:mod:`skcontrast.baselines`, which need aeon: without it their rows are skipped with a
message) or ``"raw"`` (the features themselves); optional keys ``params``,
``untrained`` (wrap in :class:`~skcontrast.UntrainedEmbedder`), ``impute``
(``"mean"`` or ``"median"``: an imputer first, for models that reject NaN; the
categorical columns of a DataFrame get their most frequent value), ``scale``
(a ``StandardScaler`` before the embedder, for tables read as series), ``onehot``
(one-hot encode the categorical columns of a DataFrame first, e.g. for raw-feature
baselines of mixed tables), ``flatten``
(feed ``(n, c, t)`` series as ``(n, c * t)`` tables), ``supervised`` (pass the
training labels to ``fit``; default: whether the estimator requires ``y``) and
``probes`` (overrides the config's list for this row; ``[]`` with ``finetune``: the
fine-tuning row alone), ``cache`` (``false``: never keep this row's embeddings in
the CLI's ``--cache`` folder, e.g. for tens of thousands of cheap features) and
``finetune`` (``true`` or a
dict of :class:`~skcontrast.FineTunedClassifier` parameters: also fine-tune the
embedder on the labelled rows, as an extra row whose probe is ``"fine-tuned"``;
``{"pretrained": false}`` trains the same network from its initial weights). A parameter value
``{"callable": "module:function"}`` is imported (e.g. ExpCLR's
``expert_features``). A probe is a name of :data:`skcontrast.probes.PROBES` or
``{"name": ..., "probe": <registry name>, "params": {...}, "scale": true}``.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from .. import embedders as _embedders
from ..baselines import RocketFeatures
from ..embedders import UntrainedEmbedder
from ..probes import PROBES, make_probe
from ..robustness import PERTURBATIONS
from ..utils import check_rate, flatten_series

__all__ = ["BenchmarkConfig", "available_configs", "load_config"]

_LOADERS = ("ucr", "darwin", "tabular", "sklearn", "synthetic_ts")
_EMBEDDERS = {name: getattr(_embedders, name) for name in _embedders.__all__}
# The ROCKET baselines are fitted like the embedders: on every training series, no labels.
_EMBEDDERS["RocketFeatures"] = RocketFeatures
_TOP_KEYS = {
    "name", "description", "datasets", "perturbation", "seeds", "probes", "embedders",
    "label_fraction", "min_per_class", "baseline", "estimated_minutes", "report",
}
_EMBEDDER_KEYS = {
    "estimator", "params", "untrained", "impute", "scale", "flatten", "supervised", "probes",
    "finetune", "onehot", "cache",
}
_DATASET_KEYS = {"loader", "name", "params", "test_size", "max_train", "max_test", "group"}


class ConfigError(ValueError):
    """A benchmark config is malformed; the message names the key and the fix."""


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: which loader, its arguments, and how it is split."""

    loader: str
    name: str
    params: dict = field(default_factory=dict)
    test_size: float = 0.3
    max_train: int | None = None
    max_test: int | None = None
    group: str | None = None


@dataclass(frozen=True)
class EmbedderSpec:
    """One row of the comparison: an estimator recipe and its probes."""

    name: str
    estimator: str
    params: dict = field(default_factory=dict)
    untrained: bool = False
    impute: str | None = None
    scale: bool = False
    flatten: bool = False
    onehot: bool = False
    supervised: bool | None = None
    probes: tuple | None = None
    finetune: dict | None = None
    cache: bool = True

    @property
    def is_raw(self) -> bool:
        return self.estimator == "raw"

    def _preprocessing_steps(self) -> list:
        steps = []
        if self.onehot:
            steps.append(("onehot", make_column_transformer(
                (OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                 _categorical_columns),
                remainder="passthrough", verbose_feature_names_out=False,
            )))
        if self.flatten:
            steps.append(("flatten", FunctionTransformer(flatten_series)))
        if self.impute is not None:
            steps.append(("impute", _imputer(self.impute)))
        if self.scale:
            steps.append(("scale", StandardScaler()))
        return steps

    def build_preprocessing(self):
        """The steps before the estimator (one-hot, flatten, impute, scale), or ``None``."""
        steps = self._preprocessing_steps()
        if not steps:
            return None
        return steps[0][1] if len(steps) == 1 else Pipeline(steps)

    def build_estimator(self):
        """The row's estimator alone (``None`` for raw features)."""
        if self.is_raw:
            return None
        cls = _EMBEDDERS[self.estimator]
        params = _resolve_callables(self.params)
        if "n_threads" in inspect.signature(cls).parameters:
            # The runner's --threads (its context) governs, not the estimator's default.
            params.setdefault("n_threads", None)
        model = cls(**params)
        return UntrainedEmbedder(model) if self.untrained else model

    def build(self):
        """A fresh unfitted transformer for this row (``None`` for raw features)."""
        steps = self._preprocessing_steps()
        model = self.build_estimator()
        if model is not None:
            steps.append(("embedder", model))
        if not steps:
            return None
        return steps[0][1] if len(steps) == 1 else Pipeline(steps)

    def is_supervised(self) -> bool:
        if self.supervised is not None:
            return self.supervised
        if self.is_raw:
            return False
        tags = _EMBEDDERS[self.estimator](**_resolve_callables(self.params)).__sklearn_tags__()
        return bool(tags.target_tags.required)


@dataclass(frozen=True)
class BenchmarkConfig:
    """A validated benchmark config; build it with :func:`load_config`.

    Parameters
    ----------
    name : str
        Name of the benchmark; prefixes the result files.
    description : str
        What the benchmark compares; heads the Markdown report.
    datasets : tuple of DatasetSpec
        Datasets, each with its loader and split.
    perturbation : {"label_noise", "missing_timestamps", "mcar"}
        The perturbation applied at each rate.
    rates : tuple of float
        Perturbation rates in [0, 1].
    seeds : tuple of int
        Seeds of the splits, perturbations, embedders and probes.
    probes : tuple
        Default probes of every row.
    embedders : tuple of EmbedderSpec
        The rows of the comparison.
    apply_to : tuple of str or None, default=None
        Splits the missing-value perturbations touch (``None``: their default).
    noise_mode : {"uniform", "symmetric"}, default="uniform"
        Label-noise mode.
    label_fractions : tuple of float, default=(1.0,)
        Fractions of the training rows that keep their labels.
    min_per_class : int, default=2
        Smallest number of labelled rows per class.
    baseline : tuple of (str, str) or None, default=None
        ``(embedder, probe)`` of the row paired differences are taken against.
    report : {"datasets", "suite"}, default="datasets"
        One table per dataset, or the suite report (over datasets, per condition: mean
        accuracy, mean rank, tests against the baseline, critical-difference diagrams).
    raw : dict, default={}
        The config as parsed from JSON, written next to the results.

    Examples
    --------
    >>> from skcontrast.benchmark import load_config
    >>> config = load_config("ecg200")
    >>> [spec.name for spec in config.embedders][:3]
    ['TS2Vec', 'SupCon', 'ExpCLR']
    >>> config.replace(seeds=[0]).seeds
    (0,)
    """

    name: str
    description: str
    datasets: tuple
    perturbation: str
    rates: tuple
    seeds: tuple
    probes: tuple
    embedders: tuple
    apply_to: tuple | None = None
    noise_mode: str = "uniform"
    label_fractions: tuple = (1.0,)
    min_per_class: int = 2
    baseline: tuple | None = None
    report: str = "datasets"
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    def replace(self, *, seeds=None, rates=None) -> BenchmarkConfig:
        """A copy with other seeds or rates (the CLI's ``--seeds``/``--rates``)."""
        raw = copy.deepcopy(self.raw)
        if seeds is not None:
            raw["seeds"] = list(seeds)
        if rates is not None:
            raw["perturbation"]["rates"] = list(rates)
        return parse_config(raw)


def _imputer(strategy: str):
    """``strategy`` for numeric columns, the most frequent value for categorical ones.

    A mixed table keeps its categorical columns (now without NaN) for the embedders that
    encode them; an array (all numeric) is imputed as a whole.
    """
    return make_column_transformer(
        (SimpleImputer(strategy=strategy), _numeric_columns),
        (SimpleImputer(strategy="most_frequent"), _categorical_columns),
        remainder="passthrough", verbose_feature_names_out=False,
    ).set_output(transform="pandas")


def _numeric_columns(X) -> list:
    """Every column of an array; the numeric (non-categorical) columns of a DataFrame."""
    if not hasattr(X, "dtypes"):
        return list(range(X.shape[1]))
    categorical = set(_categorical_columns(X))
    return [c for c in X.columns if c not in categorical]


def _categorical_columns(X) -> list:
    """The non-numeric columns of a DataFrame (none for an array): what ``onehot`` encodes."""
    if not hasattr(X, "dtypes"):
        return []
    return [c for c, dtype in X.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype)]


def _resolve_callables(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if isinstance(value, dict) and set(value) == {"callable"}:
            module, _, attr = value["callable"].partition(":")
            out[key] = getattr(importlib.import_module(module), attr)
        else:
            out[key] = value
    return out


def _require(mapping, key, where, kind):
    if key not in mapping:
        raise ConfigError(f"{where}: missing the key {key!r}.")
    value = mapping[key]
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: {key!r} must be {kind.__name__}; got {value!r}.")
    return value


def _check_probe(probe, where):
    if isinstance(probe, str):
        if probe not in PROBES:
            raise ConfigError(f"{where}: unknown probe {probe!r}; use one of {sorted(PROBES)}.")
        return probe
    if isinstance(probe, dict):
        unknown = set(probe) - {"name", "probe", "params", "scale"}
        if unknown or "probe" not in probe:
            raise ConfigError(
                f"{where}: a probe dict needs 'probe' (a registry name) and may have "
                f"'name', 'params', 'scale'; got keys {sorted(probe)}."
            )
        _check_probe(probe["probe"], where)
        return dict(probe)
    raise ConfigError(f"{where}: a probe is a name or a dict; got {probe!r}.")


def build_probe(probe, random_state):
    """(row name, unfitted classifier) for a probe entry of a config."""
    if isinstance(probe, str):
        probe = {"probe": probe}
    model = make_probe(probe["probe"], random_state, **probe.get("params", {}))
    if probe.get("scale"):
        model = Pipeline([("scaler", StandardScaler()), ("probe", model)])
    return probe.get("name", probe["probe"]), model


def _parse_dataset(entry, index) -> DatasetSpec:
    where = f"datasets[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a dict like {{'loader': 'ucr', 'name': 'ECG200'}}.")
    unknown = set(entry) - _DATASET_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; allowed: "
                          f"{sorted(_DATASET_KEYS)}.")
    loader = _require(entry, "loader", where, str)
    if loader not in _LOADERS:
        raise ConfigError(f"{where}: loader must be one of {_LOADERS}; got {loader!r}.")
    for key in ("max_train", "max_test"):
        value = entry.get(key)
        if value is not None and (loader != "ucr" or isinstance(value, bool)
                                  or not isinstance(value, int) or value < 2):
            raise ConfigError(f"{where}: {key} must be an integer >= 2, for the 'ucr' "
                              f"loader only; got {value!r}.")
    if loader in ("ucr", "sklearn", "tabular"):
        name = _require(entry, "name", where, str)
    else:
        name = entry.get("name", "DARWIN" if loader == "darwin" else "synthetic series")
    test_size = entry.get("test_size", 0.3)
    if not isinstance(test_size, float) or not 0 < test_size < 1:
        raise ConfigError(f"{where}: test_size must be a float in (0, 1); got {test_size!r}.")
    params = entry.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: params must be a dict; got {params!r}.")
    group = entry.get("group")
    if group is not None and not isinstance(group, str):
        raise ConfigError(f"{where}: group must be a string (e.g. 'tuning'); got {group!r}.")
    return DatasetSpec(loader=loader, name=name, params=dict(params), test_size=test_size,
                       max_train=entry.get("max_train"), max_test=entry.get("max_test"),
                       group=group)


def _parse_embedder(name, entry) -> EmbedderSpec:
    where = f"embedders[{name!r}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a dict with at least 'estimator'.")
    unknown = set(entry) - _EMBEDDER_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_EMBEDDER_KEYS)}."
        )
    estimator = _require(entry, "estimator", where, str)
    if estimator != "raw" and estimator not in _EMBEDDERS:
        raise ConfigError(
            f"{where}: estimator must be 'raw' or one of {sorted(_EMBEDDERS)}; got {estimator!r}."
        )
    params = entry.get("params", {})
    if not isinstance(params, dict) or (params and estimator == "raw"):
        raise ConfigError(f"{where}: params must be a dict, and empty for 'raw'.")
    impute = entry.get("impute")
    if impute not in (None, "mean", "median"):
        raise ConfigError(f"{where}: impute must be 'mean', 'median' or absent; got {impute!r}.")
    for flag in ("untrained", "flatten", "scale", "onehot", "cache"):
        if not isinstance(entry.get(flag, False), bool):
            raise ConfigError(f"{where}: {flag} must be true or false.")
    if entry.get("untrained") and estimator == "raw":
        raise ConfigError(f"{where}: 'raw' has no encoder to leave untrained.")
    probes = entry.get("probes")
    if probes is not None:
        probes = tuple(_check_probe(p, where) for p in probes)
    finetune = entry.get("finetune")
    if finetune is True:
        finetune = {}
    if finetune is False:
        finetune = None
    if finetune is not None and (not isinstance(finetune, dict) or entry.get("untrained")
                                 or estimator not in _embedders.__all__):
        raise ConfigError(f"{where}: finetune must be true or a dict of FineTunedClassifier "
                          "parameters, on a trained skcontrast embedder (not untrained; "
                          "preprocessing steps are fitted on every training row first).")
    if probes == () and finetune is None:
        raise ConfigError(f"{where}: 'probes': [] leaves nothing to score; give probes or "
                          "'finetune'.")
    spec = EmbedderSpec(
        name=name,
        estimator=estimator,
        params=dict(params),
        untrained=entry.get("untrained", False),
        impute=impute,
        scale=entry.get("scale", False),
        flatten=entry.get("flatten", False),
        onehot=entry.get("onehot", False),
        supervised=entry.get("supervised"),
        probes=probes,
        finetune=finetune,
        cache=entry.get("cache", True),
    )
    try:
        spec.build()  # invalid parameter names fail here, not hours into a run
    except (TypeError, ImportError, AttributeError) as exc:
        raise ConfigError(f"{where}: cannot build the estimator ({exc}).") from exc
    return spec


def parse_config(raw: dict) -> BenchmarkConfig:
    """Validate a config given as a dict (the parsed JSON)."""
    if not isinstance(raw, dict):
        raise ConfigError("A config is a JSON object (a dict).")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise ConfigError(
            f"Unknown top-level keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}."
        )
    name = _require(raw, "name", "config", str)
    datasets = tuple(
        _parse_dataset(d, i) for i, d in enumerate(_require(raw, "datasets", "config", list))
    )
    if not datasets:
        raise ConfigError("config: 'datasets' is empty.")
    pert = _require(raw, "perturbation", "config", dict)
    kind = _require(pert, "kind", "perturbation", str)
    if kind not in PERTURBATIONS:
        raise ConfigError(f"perturbation: kind must be one of {PERTURBATIONS}; got {kind!r}.")
    try:
        rates = tuple(check_rate(r) for r in _require(pert, "rates", "perturbation", list))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"perturbation: bad rates ({exc}).") from exc
    seeds = _require(raw, "seeds", "config", list)
    if (
        not rates
        or not seeds
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)
    ):
        raise ConfigError(
            f"rates and seeds must be non-empty, seeds integers; got {rates}, {seeds}."
        )
    probes = tuple(_check_probe(p, "probes") for p in raw.get("probes", ["svm", "knn", "logistic"]))
    entries = _require(raw, "embedders", "config", dict)
    if not entries:
        raise ConfigError("config: 'embedders' is empty.")
    embedders = tuple(_parse_embedder(k, v) for k, v in entries.items())
    apply_to = pert.get("apply_to")
    try:
        fractions = tuple(check_rate(f, "label_fraction")
                          for f in raw.get("label_fraction", [1.0]))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"label_fraction: {exc}") from exc
    if not fractions or min(fractions) == 0:
        raise ConfigError("label_fraction: a non-empty list of fractions in (0, 1].")
    min_per_class = raw.get("min_per_class", 2)
    if isinstance(min_per_class, bool) or not isinstance(min_per_class, int) or min_per_class < 1:
        raise ConfigError(f"min_per_class must be an integer >= 1; got {min_per_class!r}.")
    minutes = raw.get("estimated_minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int | float)
                                or minutes <= 0):
        raise ConfigError(f"estimated_minutes must be a positive number; got {minutes!r}.")
    baseline = raw.get("baseline")
    if baseline is not None:
        if not isinstance(baseline, dict) or set(baseline) != {"embedder", "probe"}:
            raise ConfigError("baseline must be {'embedder': <row name>, 'probe': <probe name>}.")
        if baseline["embedder"] not in entries:
            raise ConfigError(f"baseline: no embedder row named {baseline['embedder']!r}.")
        baseline = (baseline["embedder"], baseline["probe"])
    report = raw.get("report", "datasets")
    if report not in ("datasets", "suite"):
        raise ConfigError(f"report must be 'datasets' or 'suite'; got {report!r}.")
    if report == "suite" and baseline is None:
        raise ConfigError("report 'suite' compares every model with a baseline: add "
                          "'baseline': {'embedder': ..., 'probe': ...}.")
    return BenchmarkConfig(
        name=name,
        description=raw.get("description", ""),
        datasets=datasets,
        perturbation=kind,
        rates=rates,
        seeds=tuple(seeds),
        probes=probes,
        embedders=embedders,
        apply_to=tuple(apply_to) if apply_to is not None else None,
        noise_mode=pert.get("noise_mode", "uniform"),
        label_fractions=fractions,
        min_per_class=min_per_class,
        baseline=baseline,
        report=report,
        raw=copy.deepcopy(raw),
    )


def available_configs() -> list[str]:
    """Names of the configs shipped with skcontrast (``skcontrast/benchmark/configs``).

    Returns
    -------
    names : list of str
        Sorted config names, usable with :func:`load_config`.

    Examples
    --------
    >>> from skcontrast.benchmark import available_configs
    >>> "quick" in available_configs()
    True
    """
    folder = resources.files(__package__) / "configs"
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def load_config(name_or_path) -> BenchmarkConfig:
    """Load and validate a benchmark config: a shipped name, a JSON file or a dict.

    Parameters
    ----------
    name_or_path : str, path-like or dict
        A name from :func:`available_configs` (e.g. ``"quick"``), the path of a
        JSON file, or the config itself as a dict (the parsed JSON).

    Returns
    -------
    config : BenchmarkConfig
        The validated config.

    Raises
    ------
    ValueError
        The name is unknown or the config is malformed (the message names the key).

    Examples
    --------
    >>> from skcontrast.benchmark import load_config
    >>> config = load_config("quick")
    >>> config.perturbation, config.rates, config.label_fractions
    ('label_noise', (0.0, 0.3), (0.05, 1.0))
    """
    if isinstance(name_or_path, dict):
        return parse_config(name_or_path)
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists():
        if not path.is_file():
            raise ConfigError(f"No config file at {path}.")
        text = path.read_text()
    else:
        name = str(name_or_path)
        if name not in available_configs():
            raise ConfigError(
                f"Unknown config {name!r}; use one of {available_configs()} or a path to a "
                "JSON file."
            )
        text = (resources.files(__package__) / "configs" / f"{name}.json").read_text()
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name_or_path}: not valid JSON ({exc}).") from exc
    return parse_config(raw)
