"""The broad suites: rules, resumable runs, the protocol for baselines, the cache, the report."""

import json

import numpy as np
import pandas as pd
import pytest

from skcontrast.baselines import RocketFeatures, aeon_available
from skcontrast.benchmark import _runner as runner
from skcontrast.benchmark import load_config, run_benchmark
from skcontrast.benchmark._cli import main
from skcontrast.benchmark._config import ConfigError, parse_config
from skcontrast.benchmark._suite_report import suite_markdown
from skcontrast.benchmark._suites import (
    SERIES_PILOT,
    TABLE_DEV,
    series_suite,
    table_suite,
)
from skcontrast.datasets import describe_ucr_datasets, list_tabular_datasets, list_ucr_datasets
from skcontrast.probes import _simple

FAST_MLP = {"n_components": 4, "hidden_size": 8, "max_epochs": 2, "batch_size": 16}
SUITE = {
    "name": "tiny_suite",
    "report": "suite",
    "datasets": [{"loader": "sklearn", "name": "iris", "group": "tuning"},
                 {"loader": "sklearn", "name": "wine", "group": "confirmation"}],
    "perturbation": {"kind": "label_noise", "rates": [0.0, 0.3]},
    "label_fraction": [0.1, 1.0],
    "seeds": [0, 1],
    "probes": [{"name": "logistic", "probe": "logistic", "params": {"scale": False}}],
    "baseline": {"embedder": "raw", "probe": "logistic"},
    "embedders": {
        "raw": {"estimator": "raw", "scale": True,
                "probes": [{"name": "logistic", "probe": "logistic", "params": {"scale": False}},
                           "knn"]},
        "SCARF": {"estimator": "SCARFEmbedder", "params": FAST_MLP},
    },
}
CELL = ["dataset", "seed", "embedder", "probe", "label_fraction", "rate"]


@pytest.fixture(scope="module")
def suite_results():
    return run_benchmark(parse_config(SUITE), progress=False)


# ------------------------------------------------------------------------ the rules
@pytest.mark.skipif("ECG200" not in list_ucr_datasets(), reason="needs the offline UCR archive")
def test_shipped_series_suite_holds_what_its_rule_selects():
    config = load_config("series_suite")
    expected = series_suite(describe_ucr_datasets())
    assert [d.name for d in config.datasets] == expected["name"].tolist()
    assert [d.group for d in config.datasets] == expected["group"].tolist()
    assert len(config.datasets) >= 30
    assert {d.name for d in config.datasets if d.group == "tuning"} >= set(SERIES_PILOT)
    big_tests = {n for n, m in zip(expected["name"], expected["max_test"]) if not pd.isna(m)}
    assert {d.name for d in config.datasets if d.max_test == 1000} == big_tests


def test_shipped_table_suite_holds_what_its_rule_selects():
    config = load_config("table_suite")
    expected = table_suite(list_tabular_datasets())
    assert [d.name for d in config.datasets] == expected["name"].tolist()
    assert len(config.datasets) >= 15
    assert {d.name for d in config.datasets if d.group == "tuning"} == set(TABLE_DEV)


def test_series_rule_looks_only_at_shape():
    summary = pd.DataFrame({
        "name": ["A", "B", "C", "D", "E", "F"],
        "n_train": [10, 1000, 1001, 50, 50, 50], "n_test": [10, 5000, 10, 10, 10, 10],
        "n_timesteps": [20, 1000, 20, 1001, 20, 20], "n_channels": [1, 1, 1, 1, 3, 1],
    })
    suite = series_suite(summary)
    assert suite["name"].tolist() == ["A", "B", "F"]
    assert suite["max_test"].isna().tolist() == [True, False, True]
    assert suite["group"].value_counts().to_dict() == {"confirmation": 2, "tuning": 1}
    # Deterministic: the same draw every time.
    pd.testing.assert_frame_equal(suite, series_suite(summary))


def test_suite_configs_compare_with_the_strongest_baselines():
    series = load_config("series_suite")
    assert series.baseline == ("MiniRocket", "ridge")
    kinds = {s.params.get("kind") for s in series.embedders if s.estimator == "RocketFeatures"}
    assert kinds == {"minirocket", "multirocket_hydra"}
    assert series.label_fractions == (0.01, 0.1, 1.0) and series.rates == (0.0, 0.3)
    assert len(series.seeds) >= 3 and series.report == "suite"
    tables = load_config("table_suite")
    raw = next(s for s in tables.embedders if s.name == "raw features")
    assert raw.onehot and raw.scale and raw.impute == "mean"
    assert "gradient_boosting" in raw.probes
    assert any(s.finetune == {"pretrained": False} for s in tables.embedders)


# ------------------------------------------------------------------------ protocol
def test_no_label_of_an_unlabelled_row_reaches_any_model(monkeypatch):
    """Embedders (the ROCKET transforms too) see every row and no label; probes only the
    labelled rows, with their labels."""
    seen = {"transform": [], "probe": []}
    labelled_sizes = []

    from sklearn.base import BaseEstimator, TransformerMixin

    class Spy(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            seen["transform"].append((len(X), y))
            return self

        def transform(self, X):
            return np.asarray(X, dtype=float).reshape(len(X), -1)

    original_fit = _simple.GradientBoostingProbe.fit

    def probe_spy(self, X, y):
        seen["probe"].append((len(X), np.asarray(y)))
        return original_fit(self, X, y)

    monkeypatch.setattr(_simple.GradientBoostingProbe, "fit", probe_spy)
    original = runner.perturb_split

    def record(*args, **kwargs):
        out = original(*args, **kwargs)
        labelled_sizes.append(int((~pd.isna(out[1])).sum()))
        return out

    monkeypatch.setattr(runner, "perturb_split", record)
    plain = {k: v for k, v in SUITE.items() if k not in ("baseline", "report")}
    config = parse_config({**plain, "seeds": [0], "datasets": SUITE["datasets"][:1],
                           "embedders": {"spy": {"estimator": "SCARFEmbedder",
                                                 "probes": [{"probe": "gradient_boosting",
                                                             "params": {"max_iter": 5}}]}}})
    monkeypatch.setattr(type(config.embedders[0]), "build", lambda self: Spy())
    run_benchmark(config, progress=False)
    n_train = 105  # 70 % of iris
    assert seen["transform"] and all(n == n_train and y is None for n, y in seen["transform"])
    assert [n for n, _ in seen["probe"]] == labelled_sizes
    assert min(labelled_sizes) < n_train  # the 10 % condition hides labels...
    assert all(not pd.isna(y).any() for _, y in seen["probe"])  # ...and none reach a probe


@pytest.mark.skipif(not aeon_available(), reason="needs aeon (skcontrast[baselines])")
def test_rocket_rows_are_fitted_on_every_training_series_without_labels(monkeypatch):
    calls = []
    fit = RocketFeatures.fit

    def spy(self, X, y=None):
        calls.append((len(X), y))
        return fit(self, X, y)

    monkeypatch.setattr(RocketFeatures, "fit", spy)
    config = parse_config({
        "name": "r", "report": "suite",
        "datasets": [{"loader": "synthetic_ts", "name": "a",
                      "params": {"n_samples": 40, "n_timesteps": 24, "random_state": 0}},
                     {"loader": "synthetic_ts", "name": "b",
                      "params": {"n_samples": 40, "n_timesteps": 24, "random_state": 1}}],
        "perturbation": {"kind": "label_noise", "rates": [0.0]},
        "label_fraction": [0.25, 1.0], "seeds": [0],
        "baseline": {"embedder": "MiniRocket", "probe": "ridge"},
        "embedders": {"MiniRocket": {"estimator": "RocketFeatures", "probes": ["ridge"]},
                      "raw": {"estimator": "raw", "flatten": True, "probes": ["ridge"]}},
    })
    df = run_benchmark(config, progress=False)
    # One fit per dataset (its embeddings reused at both fractions), after the warm-up.
    real = [c for c in calls if c[0] == 28]
    assert real == [(28, None), (28, None)]
    rocket = df[df["embedder"] == "MiniRocket"]
    assert rocket["accuracy"].notna().all() and (rocket["fit_seconds"] > 0).all()
    assert rocket["embedding_reused"].tolist() == [False, True, False, True]


def test_rows_needing_aeon_are_skipped_with_a_message_when_it_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(runner, "aeon_available", lambda: False)
    config = parse_config({**SUITE, "seeds": [0], "datasets": SUITE["datasets"][:1],
                           "embedders": {**SUITE["embedders"],
                                         "MiniRocket": {"estimator": "RocketFeatures"}}})
    df = run_benchmark(config, progress=False)
    assert "MiniRocket" not in set(df["embedder"]) and len(df)
    assert "skcontrast[baselines]" in capsys.readouterr().err


# ------------------------------------------------------------------------ resuming
def test_a_killed_run_resumes_without_duplicates_and_equals_a_full_run(
        suite_results, tmp_path, monkeypatch):
    csv = tmp_path / "runs.csv"
    config = parse_config(SUITE)
    original = runner._run_unit
    calls = []

    def killed_after_three(*args, **kwargs):
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the run
        calls.append(args[3].name)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "_run_unit", killed_after_three)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(config, progress=False, out_csv=csv)
    partial = pd.read_csv(csv)
    units = partial[["dataset", "seed", "embedder"]].drop_duplicates()
    assert len(units) == 3  # every finished unit is on disk, nothing else
    monkeypatch.setattr(runner, "_run_unit", original)
    ran = []

    def counting(*args, **kwargs):
        ran.append(args[3].name)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "_run_unit", counting)
    resumed = run_benchmark(config, progress=False, out_csv=csv)
    assert len(ran) == 2 * 2 * 2 - 3  # only the units not on disk
    on_disk = pd.read_csv(csv)
    assert not on_disk.duplicated(CELL).any()
    assert len(on_disk) == len(suite_results)
    cols = [*CELL, "accuracy", "auroc", "n_features"]
    pd.testing.assert_frame_equal(resumed[cols], suite_results[cols], check_dtype=False)
    # A second rerun has nothing left to do.
    ran.clear()
    again = run_benchmark(config, progress=False, out_csv=csv)
    assert ran == [] and len(pd.read_csv(csv)) == len(suite_results)
    pd.testing.assert_frame_equal(again[cols], suite_results[cols], check_dtype=False)


def test_parallel_units_give_the_rows_of_a_sequential_run(suite_results, tmp_path):
    parallel = run_benchmark(parse_config(SUITE), progress=False, n_jobs=2, threads=1,
                             out_csv=tmp_path / "runs.csv")
    cols = [*CELL, "accuracy", "auroc", "n_features"]
    pd.testing.assert_frame_equal(parallel[cols], suite_results[cols], check_dtype=False)


def test_a_new_row_runs_only_its_units(suite_results, tmp_path, monkeypatch):
    csv = tmp_path / "runs.csv"
    suite_results.to_csv(csv, index=False)  # a finished run
    extended = {**SUITE, "embedders": {**SUITE["embedders"],
                                       "untrained": {"estimator": "SCARFEmbedder",
                                                     "params": FAST_MLP, "untrained": True}}}
    ran = []
    original = runner._run_unit

    def counting(*args, **kwargs):
        ran.append(args[1].name)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "_run_unit", counting)
    df = run_benchmark(parse_config(extended), progress=False, out_csv=csv)
    assert set(ran) == {"untrained"} and len(ran) == 2 * 2
    assert set(df["embedder"]) == {"raw", "SCARF", "untrained"}


def test_a_foreign_csv_is_refused(tmp_path):
    csv = tmp_path / "runs.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a results file"):
        run_benchmark(parse_config(SUITE), progress=False, out_csv=csv)


# ------------------------------------------------------------------------ cache
def test_cached_embeddings_give_the_same_rows_without_refitting(tmp_path, monkeypatch):
    config = parse_config({**SUITE, "seeds": [0]})
    first = run_benchmark(config, progress=False, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 2  # SCARF on 2 datasets; raw is not cached
    fit = runner._fit_embedder

    def no_refit(spec, *args, **kwargs):
        if not spec.is_raw:
            pytest.fail("refitted a cached embedder")
        return fit(spec, *args, **kwargs)

    monkeypatch.setattr(runner, "_fit_embedder", no_refit)
    second = run_benchmark(config, progress=False, cache_dir=tmp_path)
    cols = [*CELL, "accuracy", "auroc"]
    pd.testing.assert_frame_equal(first[cols], second[cols])
    scarf = first["embedder"] == "SCARF"  # its recorded fit time comes from the cache
    np.testing.assert_array_equal(first.loc[scarf, "fit_seconds"],
                                  second.loc[scarf, "fit_seconds"])


# ------------------------------------------------------------------------ report
def test_suite_report_tests_against_the_baseline_per_condition(suite_results):
    text = suite_markdown(suite_results, parse_config(SUITE))
    assert text.count("## 10% labels") == 2 and text.count("## 100% labels") == 2
    assert "## In short" in text and "**raw / logistic**" in text
    assert "tuning: difference" in text and "confirmation: difference" in text
    assert "SCARF / logistic" in text and "raw / knn" in text
    assert "_cd_labels10_rate30.png" in text
    # The numbers are those of the statistics module, computed here the slow way.
    part = suite_results[(suite_results["label_fraction"] == 1.0)
                         & (suite_results["rate"] == 0.0)]
    means = part.assign(model=part["embedder"] + " / " + part["probe"]).groupby(
        ["dataset", "model"])["accuracy"].mean().unstack()
    diff = means["SCARF / logistic"] - means["raw / logistic"]
    won, lost = int((diff > 1e-12).sum()), int((diff < -1e-12).sum())
    section = text.split("## 100% labels, clean labels")[1].split("##")[0]
    line = next(row for row in section.splitlines() if row.startswith("| SCARF / logistic"))
    cells = [c.strip() for c in line.split("|")[1:-1]]
    assert cells[1] == f"{means['SCARF / logistic'].mean():.3f}"
    assert cells[4].startswith(f"{won} / ") and cells[4].endswith(f" / {lost}")
    assert cells[5] == f"{diff.mean():+.3f}"


def test_cli_writes_critical_difference_diagrams_and_resumes(tmp_path, capsys):
    path = tmp_path / "suite.json"
    path.write_text(json.dumps({**SUITE, "seeds": [0]}))
    assert main([str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    out = tmp_path / "out"
    pngs = sorted(p.name for p in out.glob("*_cd_*.png"))
    assert len(pngs) == 4 and (out / "tiny_suite.md").is_file()
    rows = len(pd.read_csv(out / "tiny_suite_runs.csv"))
    capsys.readouterr()
    assert main([str(path), "--out", str(out), "--no-progress", "--jobs", "2"]) == 0
    assert "resuming from" in capsys.readouterr().err
    assert len(pd.read_csv(out / "tiny_suite_runs.csv")) == rows


def test_suite_config_errors():
    with pytest.raises(ConfigError, match="report must be"):
        parse_config({**SUITE, "report": "per_dataset"})
    with pytest.raises(ConfigError, match="compares every model with a baseline"):
        parse_config({k: v for k, v in SUITE.items() if k != "baseline"})
    bad = {**SUITE, "datasets": [{"loader": "sklearn", "name": "iris", "group": 3}]}
    with pytest.raises(ConfigError, match="group must be a string"):
        parse_config(bad)
    with pytest.raises(SystemExit):
        main(["quick", "--threads", "0"])
