"""The config-driven benchmark runner: configs, the run loop, result files, the CLI."""

import copy
import json

import numpy as np
import pandas as pd
import pytest

from skcontrast.benchmark import (
    available_configs,
    load_config,
    markdown_report,
    paired_differences,
    run_benchmark,
    summarize_benchmark,
    write_results,
)
from skcontrast.benchmark._cli import main
from skcontrast.benchmark._config import parse_config
from skcontrast.robustness._curves import perturb_split

FAST_MLP = {"n_components": 4, "hidden_size": 8, "max_epochs": 2, "batch_size": 16}
TINY = {
    "name": "tiny",
    "description": "unit-test config",
    "datasets": [{"loader": "sklearn", "name": "iris", "test_size": 0.3}],
    "perturbation": {"kind": "label_noise", "rates": [0.0, 0.5]},
    "seeds": [0, 1],
    "probes": ["logistic", "knn"],
    "embedders": {
        "SCARF": {"estimator": "SCARFEmbedder", "params": FAST_MLP},
        "SupCon": {"estimator": "SupConEmbedder", "params": {**FAST_MLP, "n_layers": 1}},
        "untrained": {"estimator": "SCARFEmbedder", "params": FAST_MLP, "untrained": True},
        "raw": {"estimator": "raw", "probes": ["logistic", "random_forest"]},
    },
}


@pytest.fixture(scope="module")
def tiny_results():
    return run_benchmark(parse_config(TINY), progress=False)


def test_shipped_configs_load():
    names = available_configs()
    assert {"quick", "ecg200", "darwin", "breast_cancer"} <= set(names)
    for name in names:
        config = load_config(name)
        assert config.name == name and config.description
        # The suites trade seeds for datasets (68 and 21 of them, 3 seeds each).
        assert len(config.seeds) >= (3 if name in {"quick", "series_suite", "table_suite"}
                                     else 5)
    ecg = load_config("ecg200")
    assert ecg.perturbation == "missing_timestamps" and max(ecg.rates) == 0.5
    # Every time-series embedder and both controls appear in the committed ECG200 table.
    kinds = {(s.estimator, s.untrained) for s in ecg.embedders}
    assert {("TS2VecEmbedder", False), ("SupConEmbedder", False), ("ExpCLREmbedder", False),
            ("SCARFEmbedder", False), ("TS2VecEmbedder", True), ("raw", False)} <= kinds


def test_rows_cover_every_combination(tiny_results):
    df = tiny_results
    # 2 seeds x 2 rates x (3 embedders x 2 probes + raw x 2 probes)
    assert len(df) == 2 * 2 * 8
    assert set(df["embedder"]) == {"SCARF", "SupCon", "untrained", "raw"}
    assert set(df.loc[df["embedder"] == "raw", "probe"]) == {"logistic", "random_forest"}
    assert df["accuracy"].between(0, 1).all() and df["auroc"].notna().all()
    assert (df.loc[df["embedder"] == "raw", "fit_seconds"] == 0).all()
    assert (df.loc[df["embedder"] == "SCARF", "n_features"] == 4 + 4).all()  # [x, f(x)]


def test_unsupervised_embeddings_reused_across_label_noise_rates(tiny_results):
    df = tiny_results
    scarf = df[(df["embedder"] == "SCARF")]
    assert not scarf.loc[scarf["rate"] == 0.0, "embedding_reused"].any()
    assert scarf.loc[scarf["rate"] == 0.5, "embedding_reused"].all()
    # SupCon sees the (noisy) labels: refitted at every rate, never reused.
    assert not df.loc[df["embedder"] == "SupCon", "embedding_reused"].any()


def test_runs_are_reproducible_and_seeded(tiny_results):
    again = run_benchmark(parse_config(TINY), progress=False)
    cols = ["accuracy", "auroc", "auprc", "n_features"]
    pd.testing.assert_frame_equal(again[cols], tiny_results[cols])
    scarf = tiny_results[(tiny_results["embedder"] == "SCARF") & (tiny_results["probe"] == "knn")]
    assert scarf["seed"].tolist() == [0, 0, 1, 1]


def test_parallel_seeds_give_the_same_rows(tiny_results):
    parallel = run_benchmark(parse_config(TINY), progress=False, n_jobs=2)
    cols = ["dataset", "rate", "seed", "embedder", "probe", "accuracy", "auroc", "auprc",
            "n_features", "embedding_reused"]
    pd.testing.assert_frame_equal(parallel[cols], tiny_results[cols])


def test_label_noise_hits_the_training_labels_like_robustness_curve():
    # The runner and robustness_curve share perturb_split: same seed, same noisy labels.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), np.repeat([0, 1], 20)
    data = (X, y, X[:10], y[:10])
    a = perturb_split(data, "label_noise", 0.5, 3, classes=[0, 1])
    b = perturb_split(data, "label_noise", 0.5, 3, classes=[0, 1])
    assert np.array_equal(a[1], b[1]) and not np.array_equal(a[1], y)
    assert a[3] is y[:10] or np.array_equal(a[3], y[:10])  # test labels untouched
    assert np.array_equal(y, np.repeat([0, 1], 20))  # input not modified


def test_missing_timestamps_time_series_config():
    config = parse_config({
        "name": "ts",
        "datasets": [{"loader": "synthetic_ts",
                      "params": {"n_samples": 40, "n_timesteps": 24, "random_state": 0}}],
        "perturbation": {"kind": "missing_timestamps", "rates": [0.0, 0.3]},
        "seeds": [0],
        "probes": ["knn"],
        "embedders": {
            "TS2Vec": {"estimator": "TS2VecEmbedder",
                       "params": {"n_components": 8, "hidden_size": 8, "depth": 2, "n_iters": 3}},
            "SCARF": {"estimator": "SCARFEmbedder", "params": FAST_MLP, "flatten": True,
                      "impute": "mean"},
            "raw": {"estimator": "raw", "flatten": True, "impute": "mean"},
        },
    })
    df = run_benchmark(config, progress=False)
    assert len(df) == 2 * 3
    assert np.isfinite(df["accuracy"]).all()
    assert not df["embedding_reused"].any()  # inputs change with the rate
    assert (df.loc[df["embedder"] == "raw", "n_features"] == 24).all()


def test_embedder_recipes_build_the_pipeline_they_name():
    config = load_config("darwin")
    specs = {s.name: s for s in config.embedders}
    ts2vec = specs["TS2Vec (rows as series)"].build()
    assert [name for name, _ in ts2vec.steps] == ["scale", "embedder"]
    untrained = specs["TS2Vec encoder (untrained)"].build()
    assert type(untrained.named_steps["embedder"]).__name__ == "UntrainedEmbedder"
    assert specs["raw features"].build() is None
    ecg = {s.name: s for s in load_config("ecg200").embedders}
    scarf = ecg["SCARF"].build()
    assert [name for name, _ in scarf.steps] == ["flatten", "impute", "embedder"]
    X = np.random.RandomState(0).normal(size=(4, 1, 6))
    X[0, 0, 2] = X[1, 0, 4] = np.nan  # missing timestamps: imputed before SCARF
    scarf.set_params(embedder__max_epochs=1, embedder__early_stopping=False)
    assert scarf.fit_transform(X).shape == (4, 6 + 32)  # SCARF: [x, f(x)], n_components=32
    assert not specs["SCARF"].is_supervised() and specs["SupCon"].is_supervised()


def test_summary_report_and_files(tiny_results, tmp_path):
    summary = summarize_benchmark(tiny_results)
    row = summary[(summary["embedder"] == "raw") & (summary["probe"] == "logistic")
                  & (summary["rate"] == 0.0)]
    expected = tiny_results[(tiny_results["embedder"] == "raw")
                            & (tiny_results["probe"] == "logistic")
                            & (tiny_results["rate"] == 0.0)]["accuracy"]
    assert row["mean"].item() == pytest.approx(expected.mean())
    assert row["std"].item() == pytest.approx(expected.std(ddof=1))
    assert row["n"].item() == 2
    report = markdown_report(tiny_results, title="tiny")
    assert "| SCARF | logistic |" in report and "| raw | random_forest |" in report
    paths = write_results(tiny_results, parse_config(TINY), tmp_path, command="test")
    assert pd.read_csv(paths["csv"]).shape == tiny_results.shape
    assert json.loads(paths["config"].read_text()) == TINY
    env = json.loads(paths["environment"].read_text())
    assert env["command"] == "test" and env["torch"] and env["scikit-learn"]
    assert paths["png:iris"].stat().st_size > 1000
    assert "Environment: skcontrast" in paths["markdown"].read_text()


def test_the_report_opens_with_the_takeaway_in_words():
    # Two datasets, two seeds, one condition: a row better on 3 of 4 runs.
    rows = []
    for dataset, seed, raw, emb in [("a", 0, 0.80, 0.90), ("a", 1, 0.70, 0.75),
                                    ("b", 0, 0.60, 0.55), ("b", 1, 0.50, 0.60)]:
        for embedder, accuracy in (("raw", raw), ("SCARF", emb)):
            rows.append(dict(dataset=dataset, perturbation="label_noise", rate=0.0,
                             label_fraction=1.0, seed=seed, embedder=embedder,
                             probe="logistic", accuracy=accuracy, auroc=np.nan,
                             auprc=np.nan, fit_seconds=0.0, transform_seconds=0.0,
                             probe_fit_seconds=0.0, n_features=2, embedding_reused=False))
    report = markdown_report(pd.DataFrame(rows), title="t", baseline=("raw", "logistic"))
    takeaway = report[report.index("**In short**"):report.index("## ")]
    # Slow obvious arithmetic: mean 0.700 vs 0.650, difference +0.050, 3 of 4 runs better.
    assert ("SCARF + logistic, beats raw + logistic (0.700 against 0.650, +0.050; "
            "better in 3 of 4 runs)") in takeaway


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.pop("datasets"), "missing the key 'datasets'"),
        (lambda c: c["datasets"][0].update(loader="kaggle"), "loader must be one of"),
        (lambda c: c["perturbation"].update(kind="blur"), "kind must be one of"),
        (lambda c: c["perturbation"].update(rates=[0.0, 1.5]), "bad rates"),
        (lambda c: c.update(seeds=[]), "non-empty"),
        (lambda c: c.update(probes=["xgboost"]), "unknown probe 'xgboost'"),
        (lambda c: c["embedders"].update(X={"estimator": "PCA"}), "estimator must be 'raw'"),
        (lambda c: c["embedders"]["SCARF"].update(colour="red"), "unknown keys"),
        (lambda c: c["embedders"]["SCARF"]["params"].update(bogus=1), "cannot build"),
        (lambda c: c["embedders"]["raw"].update(untrained=True), "no encoder"),
        (lambda c: c.update(extra=1), "Unknown top-level keys"),
    ],
)
def test_bad_configs_fail_before_any_work(change, message):
    config = copy.deepcopy(TINY)
    change(config)
    with pytest.raises(ValueError, match=message):
        parse_config(config)


def test_load_config_errors(tmp_path):
    with pytest.raises(ValueError, match="Unknown config 'nope'"):
        load_config("nope")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_config(bad)
    good = tmp_path / "tiny.json"
    good.write_text(json.dumps(TINY))
    assert load_config(good).name == "tiny"


def test_replace_overrides_seeds_and_rates():
    config = load_config("quick").replace(seeds=[7], rates=[0.1])
    assert config.seeds == (7,) and config.rates == (0.1,)
    assert load_config("quick").seeds == (0, 1, 2)  # the original is untouched


def test_cli_runs_a_config_file_and_writes_results(tmp_path, capsys):
    path = tmp_path / "tiny.json"
    config = copy.deepcopy(TINY)
    config["embedders"] = {"raw": config["embedders"]["raw"]}
    path.write_text(json.dumps(config))
    assert main([str(path), "--seeds", "0", "--rates", "0.0", "--out", str(tmp_path / "out"),
                 "--no-progress", "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "| raw | logistic |" in printed
    assert (tmp_path / "out" / "tiny_runs.csv").exists()
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    quick = next(line for line in listed if line.startswith("quick "))
    assert "min" in quick and len(quick) <= 110  # one line: name, run time, purpose
    with pytest.raises(SystemExit):
        main(["nope"])


def test_cli_replot_redraws_the_figures_from_saved_results_without_running(
        tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    path = tmp_path / "tiny.json"
    config = copy.deepcopy(TINY)
    config["embedders"] = {"raw": config["embedders"]["raw"]}
    path.write_text(json.dumps(config))
    out = tmp_path / "out"
    assert main([str(path), "--seeds", "0", "--out", str(out), "--no-progress",
                 "--no-plots"]) == 0
    assert not list(out.glob("*.png"))
    monkeypatch.setattr("skcontrast.benchmark._cli.run_benchmark",
                        lambda *a, **k: pytest.fail("--replot must not run anything"))
    assert main(["tiny", "--replot", "--out", str(out)]) == 0
    assert [p.name for p in out.glob("*.png")] == ["tiny_iris.png"]
    capsys.readouterr()
    with pytest.raises(SystemExit):  # nothing saved under that name
        main(["quick", "--replot", "--out", str(out)])
    assert "run the benchmark with --out first" in capsys.readouterr().err


def test_conditions_whose_labels_fall_in_one_class_are_recorded_without_scores(monkeypatch):
    # 2 labelled rows per class, every label redrawn uniformly: for some seeds all four
    # land in one class, and nothing can be trained on them.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(100, 3)), np.repeat([0, 1], 50)
    monkeypatch.setattr("skcontrast.benchmark._runner.load_tabular", lambda name: (X, y))
    config = parse_config({
        "name": "one-class", "datasets": [{"loader": "tabular", "name": "toy"}],
        "perturbation": {"kind": "label_noise", "rates": [1.0]}, "seeds": list(range(12)),
        "label_fraction": [0.01], "probes": ["logistic"],
        "embedders": {"raw": {"estimator": "raw"}},
    })
    df = run_benchmark(config, progress=False)
    unscored = df[df["accuracy"].isna()]
    assert len(unscored) > 0 and len(df) == 12
    assert (unscored["n_features"] == -1).all() and df["accuracy"].notna().any()


def test_cli_warns_before_a_long_run_scaled_by_seeds_and_rates(tmp_path, capsys, monkeypatch):
    config = copy.deepcopy(TINY)
    config["embedders"] = {"raw": config["embedders"]["raw"]}
    config["seeds"] = [0, 1]
    config["estimated_minutes"] = 8.0  # measured with both seeds and --n-jobs 2
    path = tmp_path / "long.json"
    path.write_text(json.dumps(config))
    args = [str(path), "--no-progress", "--no-plots"]
    assert main([*args, "--n-jobs", "2"]) == 0
    assert "takes about 8 minutes" in capsys.readouterr().err
    assert main([*args, "--seeds", "0"]) == 0  # half the seeds, one job: 8 / 2 * 2
    err = capsys.readouterr().err
    assert "takes about 8 minutes" in err and "--n-jobs 2" in err
    assert main([*args, "--seeds", "0", "--n-jobs", "2"]) == 0  # 4 min: still above 3
    assert "about 4 minutes" in capsys.readouterr().err
    config["estimated_minutes"] = 2.0
    path.write_text(json.dumps(config))
    assert main([*args, "--n-jobs", "2"]) == 0
    assert "takes about" not in capsys.readouterr().err
    config["estimated_minutes"] = -1
    path.write_text(json.dumps(config))
    with pytest.raises(SystemExit):
        main(args)
    assert "estimated_minutes" in capsys.readouterr().err


def test_cli_help_names_every_shipped_config_and_gives_examples(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert all(name in text for name in available_configs())
    assert "examples:" in text and "skcontrast-benchmark quick" in text


def test_label_fraction_figures_plot_differences_to_the_baseline(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from skcontrast.benchmark._report import plot_across_datasets, plot_benchmark

    rng = np.random.default_rng(0)
    rows = [
        {"dataset": d, "perturbation": "label_noise", "rate": r, "label_fraction": f,
         "embedder": e, "probe": "logistic", "seed": s, "fit_seconds": 1.0,
         "accuracy": 0.8 + (0.05 if e == "SCARF" else 0.0) + 0.01 * rng.standard_normal()}
        for d in ("a", "b") for r in (0.0, 0.3) for f in (0.1, 1.0)
        for e in ("SCARF", "raw features") for s in (0, 1, 2)
    ]
    results = pd.DataFrame(rows)
    fig = plot_benchmark(results, "a", baseline=("raw features", "logistic"))
    left, right = fig.axes
    assert left.get_shared_y_axes().joined(left, right)
    (bars,) = left.containers  # the baseline itself is the zero line, not a curve
    expected = paired_differences(results[results["dataset"] == "a"],
                                  ("raw features", "logistic"))
    expected = expected[expected["rate"] == 0.0].sort_values("label_fraction")["mean"]
    np.testing.assert_allclose(np.asarray(bars.lines[0].get_ydata(), dtype=float), expected)
    assert fig.legends and not left.get_legend()  # one legend, outside the panels
    summary = plot_across_datasets(results, ("raw features", "logistic")).axes[0]
    assert np.allclose(np.asarray(summary.containers[0].lines[0].get_ydata(), dtype=float),
                       0.05, atol=0.02)
    matplotlib.pyplot.close("all")


def test_cli_warns_when_torch_differs_from_the_committed_results(tmp_path, capsys, monkeypatch):
    from pathlib import Path

    import torch

    from skcontrast.benchmark import _cli

    results = Path(__file__).parents[1] / "benchmarks" / "results"
    recorded = {json.loads(p.read_text())["torch"].split("+")[0]
                for p in results.glob("*_environment.json")}
    assert recorded == {_cli.RESULTS_TORCH_VERSION}  # the constant says what results used
    config = copy.deepcopy(TINY)
    config["embedders"] = {"raw": config["embedders"]["raw"]}
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(config))
    args = [str(path), "--seeds", "0", "--rates", "0.0", "--no-progress", "--no-plots"]
    monkeypatch.setattr(torch, "__version__", _cli.RESULTS_TORCH_VERSION + "+cpu")
    assert main(args) == 0
    assert "torch" not in capsys.readouterr().err
    monkeypatch.setattr(torch, "__version__", "9.9.0")
    assert main(args) == 0
    assert "torch 9.9.0 is running" in capsys.readouterr().err
