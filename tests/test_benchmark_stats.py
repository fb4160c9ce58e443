"""Multi-dataset statistics (skcontrast.benchmark._stats) against slow, obvious reference code."""

import io
import itertools
import statistics
import sys
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skcontrast.benchmark import (
    critical_difference_cliques,
    mean_ranks,
    pairwise_comparisons,
    plot_critical_difference,
    suite_table,
)
from skcontrast.benchmark._stats import _cliques, _holm

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

# ---------------------------------------------------------------- reference code


def slow_ranks(row):
    """Rank 1 = highest; tied values share the mean of the ranks they span."""
    ranks = []
    for value in row:
        higher = sum(1 for other in row if other > value)
        equal = sum(1 for other in row if other == value)
        ranks.append(higher + (equal + 1) / 2)
    return ranks


def slow_mean_ranks(scores):
    totals = {model: 0.0 for model in scores.columns}
    for _, row in scores.iterrows():
        for model, rank in zip(scores.columns, slow_ranks(list(row))):
            totals[model] += rank
    return {model: total / len(scores) for model, total in totals.items()}


def slow_wtl(a, b, tol=1e-12):
    wins = ties = losses = 0
    for x, y in zip(a, b):
        if x - y > tol:
            wins += 1
        elif y - x > tol:
            losses += 1
        else:
            ties += 1
    return wins, ties, losses


def slow_holm(p):
    """Holm step-down: the i-th smallest p (0-based) times m - i, running max, at most 1."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    adjusted = [0.0] * m
    running = 0.0
    for step, index in enumerate(order):
        running = max(running, (m - step) * p[index])
        adjusted[index] = min(running, 1.0)
    return adjusted


def slow_cliques(order, significant):
    """Every run of consecutive models with no significant pair, minus runs inside others."""
    runs = []
    for i in range(len(order)):
        for j in range(i + 1, len(order)):
            members = order[i:j + 1]
            if not any(significant[frozenset(pair)]
                       for pair in itertools.combinations(members, 2)):
                runs.append((i, j))
    maximal = [r for r in runs
               if not any(o != r and o[0] <= r[0] and r[1] <= o[1] for o in runs)]
    return [tuple(order[i:j + 1]) for i, j in sorted(maximal)]


# ---------------------------------------------------------------- data


@pytest.fixture
def scores():
    """16 datasets x 5 models, rounded to 2 decimals so that ties happen.

    (With ties and at most 13 datasets scipy's Wilcoxon test enumerates all 2^n sign
    flips, a quarter of a second per pair: 16 datasets keep the tests fast.)
    """
    rng = np.random.default_rng(0)
    base = rng.uniform(0.5, 0.9, size=16)
    effects = {"m1": 0.0, "m2": 0.02, "m3": -0.03, "m4": 0.05, "m5": 0.0}
    table = pd.DataFrame({m: base + e + rng.normal(0, 0.03, 16) for m, e in effects.items()},
                         index=[f"d{i}" for i in range(16)])
    table = table.round(2)
    table.loc["d0", "m5"] = table.loc["d0", "m1"]  # at least one tie for sure
    return table


def known_cliques_table():
    """A and B nearly identical, C clearly worse, D clearly better, on 30 datasets."""
    rng = np.random.default_rng(1)
    a = rng.uniform(0.6, 0.8, size=30)
    return pd.DataFrame({"A": a, "B": a + rng.normal(0, 0.005, size=30),
                         "C": a - 0.1 - rng.uniform(0, 0.02, size=30),
                         "D": a + 0.1 + rng.uniform(0, 0.02, size=30)},
                        index=[f"set{i}" for i in range(30)])


def long_results():
    """Long format: 6 datasets x 4 models x 3 seeds, one model missing on one dataset."""
    rng = np.random.default_rng(2)
    rows = []
    for d in range(6):
        level = rng.uniform(0.6, 0.8)
        for m, effect in {"raw": 0.0, "ts2vec": 0.05, "scarf": 0.01, "untrained": -0.04}.items():
            for seed in range(3):
                if d == 4 and m == "scarf":
                    continue  # scarf never ran on ds4: ds4 must be dropped
                rows.append({"dataset": f"ds{d}", "model": m, "seed": seed,
                             "accuracy": round(level + effect + rng.normal(0, 0.02), 3)})
    results = pd.DataFrame(rows)
    # A failed seed (NaN) on a dataset that still has other seeds: it is skipped.
    results.loc[(results["dataset"] == "ds1") & (results["model"] == "raw")
                & (results["seed"] == 0), "accuracy"] = np.nan
    return results


# ---------------------------------------------------------------- mean_ranks


def test_mean_ranks_hand_example_with_ties():
    scores = pd.DataFrame({"a": [0.9, 0.1], "b": [0.9, 0.2], "c": [0.5, 0.3]})
    # row 1: a, b tie for ranks 1-2 -> 1.5 each, c 3; row 2: c 1, b 2, a 3
    ranks = mean_ranks(scores)
    assert ranks.to_dict() == {"b": 1.75, "c": 2.0, "a": 2.25}
    assert list(ranks.index) == ["b", "c", "a"]  # sorted ascending
    assert ranks.name == "mean_rank"


def test_mean_ranks_matches_loops(scores):
    expected = slow_mean_ranks(scores)
    ranks = mean_ranks(scores)
    assert set(ranks.index) == set(scores.columns)
    for model, rank in ranks.items():
        assert rank == pytest.approx(expected[model], abs=1e-12)
    assert ranks.is_monotonic_increasing
    # Over models, ranks 1..k sum to k (k + 1) / 2 on every dataset, ties or not.
    assert ranks.sum() == pytest.approx(5 * 6 / 2)


def test_mean_ranks_equal_ranks_keep_column_order():
    scores = pd.DataFrame({"z": [1.0, 0.0], "y": [0.0, 1.0], "x": [0.5, 0.5]})
    assert list(mean_ranks(scores).index) == ["z", "y", "x"]


# ---------------------------------------------------------------- Holm


def test_holm_hand_example():
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.06
    np.testing.assert_allclose(_holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    assert slow_holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_clips_at_one_and_matches_loops():
    np.testing.assert_allclose(_holm([0.4, 0.5, 0.9]), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(_holm([0.02, 0.02]), [0.04, 0.04])
    rng = np.random.default_rng(3)
    for m in (1, 2, 7, 20):
        p = rng.uniform(0, 0.2, size=m)
        np.testing.assert_allclose(_holm(p), slow_holm(list(p)))


# ---------------------------------------------------------------- pairwise_comparisons


def test_pairwise_comparisons_match_loops_and_scipy(scores):
    out = pairwise_comparisons(scores, alpha=0.1)
    assert list(out.columns) == ["model_a", "model_b", "wins", "ties", "losses",
                                 "mean_difference", "p_value", "p_holm", "significant"]
    assert list(zip(out["model_a"], out["model_b"])) == list(
        itertools.combinations(scores.columns, 2))
    for row in out.itertuples():
        a, b = scores[row.model_a].tolist(), scores[row.model_b].tolist()
        assert (row.wins, row.ties, row.losses) == slow_wtl(a, b)
        assert row.mean_difference == pytest.approx(sum(x - y for x, y in zip(a, b)) / len(a))
        if any(abs(x - y) > 1e-12 for x, y in zip(a, b)):
            expected = stats.wilcoxon(a, b, zero_method="wilcox").pvalue
            assert row.p_value == pytest.approx(expected, rel=1e-12)
    assert out["ties"].sum() > 0  # the fixture's ties were counted as ties
    np.testing.assert_allclose(out["p_holm"], slow_holm(out["p_value"].tolist()))
    assert (out["significant"] == (out["p_holm"] < 0.1)).all()
    assert out["significant"].any() and not out["significant"].all()


def test_pairwise_comparisons_degenerate_differences():
    scores = pd.DataFrame({"a": [0.5, 0.6, 0.7], "b": [0.5, 0.6, 0.7], "c": [0.5, 0.6, 0.9]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no scipy warning leaks out
        out = pairwise_comparisons(scores)
    ab = out.iloc[0]
    assert (ab["wins"], ab["ties"], ab["losses"], ab["p_value"]) == (0, 3, 0, 1.0)
    ac = out.iloc[1]  # a single non-zero difference
    assert (ac["wins"], ac["ties"], ac["losses"], ac["p_value"]) == (0, 2, 1, 1.0)
    assert not out["significant"].any()


def test_pairwise_comparisons_tie_tol():
    # Scores equal up to round-off: ties, and zero differences in the test.
    a = np.array([0.1 + 0.2, 0.7, 0.8, 0.6, 0.9])
    b = np.array([0.3, 0.7 + 1e-15, 0.7, 0.5, 0.8])
    assert a[0] != b[0]
    out = pairwise_comparisons(pd.DataFrame({"a": a, "b": b})).iloc[0]
    assert (out["wins"], out["ties"], out["losses"]) == (3, 2, 0)
    assert out["p_value"] == pytest.approx(stats.wilcoxon([0.1, 0.1, 0.1]).pvalue)
    loose = pairwise_comparisons(pd.DataFrame({"a": a, "b": b}), tie_tol=0.2).iloc[0]
    assert (loose["wins"], loose["ties"], loose["p_value"]) == (0, 5, 1.0)


# ---------------------------------------------------------------- cliques


def test_cliques_on_a_constructed_table():
    table = known_cliques_table()
    order = list(mean_ranks(table).index)
    assert order[0] == "D" and order[-1] == "C" and set(order[1:3]) == {"A", "B"}
    out = pairwise_comparisons(table)
    significant = {frozenset((a, b)): s for a, b, s in
                   zip(out["model_a"], out["model_b"], out["significant"])}
    assert not significant[frozenset("AB")]
    assert all(significant[frozenset(p)] for p in ["AC", "AD", "BC", "BD", "CD"])
    assert critical_difference_cliques(table) == [tuple(order[1:3])]


def test_cliques_hand_patterns():
    order = ["a", "b", "c", "d"]

    def sig(*pairs):
        return {frozenset(p): p in pairs or p[::-1] in pairs
                for p in itertools.combinations(order, 2)}

    assert _cliques(order, sig()) == [("a", "b", "c", "d")]
    assert _cliques(order, sig(("a", "d"))) == [("a", "b", "c"), ("b", "c", "d")]
    assert _cliques(order, sig(("a", "c"), ("a", "d"), ("b", "d"))) == [
        ("a", "b"), ("b", "c"), ("c", "d")]
    # b differs from both neighbours: a and b, b and c in no clique together.
    assert _cliques(order, sig(("a", "b"), ("b", "c"), ("b", "d"))) == [("c", "d")]
    assert _cliques(order, sig(*itertools.combinations(order, 2))) == []


def test_cliques_match_brute_force_on_random_patterns():
    rng = np.random.default_rng(4)
    order = list("abcdefg")
    for _ in range(200):
        significant = {frozenset(p): bool(rng.random() < 0.3)
                       for p in itertools.combinations(order, 2)}
        assert _cliques(order, significant) == slow_cliques(order, significant)


def test_critical_difference_cliques_match_brute_force(scores):
    out = pairwise_comparisons(scores, alpha=0.2)
    significant = {frozenset((a, b)): s for a, b, s in
                   zip(out["model_a"], out["model_b"], out["significant"])}
    expected = slow_cliques(list(mean_ranks(scores).index), significant)
    assert critical_difference_cliques(scores, alpha=0.2) == expected
    assert len(expected) >= 1


# ---------------------------------------------------------------- suite_table


def test_suite_table_matches_loops():
    results = long_results()
    table = suite_table(results, baseline="raw")
    assert table.attrs["dropped"] == ["ds4"]
    # Slow per-(dataset, model) means over seeds, NaN seeds skipped.
    per = {}
    for r in results.itertuples():
        if not np.isnan(r.accuracy):
            per.setdefault((r.dataset, r.model), []).append(r.accuracy)
    datasets = ["ds0", "ds1", "ds2", "ds3", "ds5"]
    models = ["raw", "ts2vec", "scarf", "untrained"]
    means = pd.DataFrame({m: [sum(per[d, m]) / len(per[d, m]) for d in datasets]
                          for m in models}, index=datasets)
    assert means.loc["ds1", "raw"] == pytest.approx(sum(per["ds1", "raw"]) / 2)
    ranks = slow_mean_ranks(means)
    others = [m for m in models if m != "raw"]
    p = [stats.wilcoxon(means[m], means["raw"], zero_method="wilcox").pvalue for m in others]
    holm = dict(zip(others, slow_holm(p)))
    for model in models:
        row = table.loc[model]
        assert row["mean"] == pytest.approx(sum(means[model]) / len(datasets))
        assert row["std_over_datasets"] == pytest.approx(statistics.stdev(means[model]))
        assert row["mean_rank"] == pytest.approx(ranks[model])
        assert row["n_datasets"] == len(datasets)
        if model == "raw":
            assert all(pd.isna(row[c]) for c in ["wins", "ties", "losses", "mean_difference",
                                                 "p_value", "p_holm", "significant"])
            continue
        assert (row["wins"], row["ties"], row["losses"]) == slow_wtl(means[model], means["raw"])
        assert row["mean_difference"] == pytest.approx((means[model] - means["raw"]).mean())
        assert row["p_value"] == pytest.approx(p[others.index(model)])
        assert row["p_holm"] == pytest.approx(holm[model])
        assert row["significant"] == (holm[model] < 0.05)
    assert list(table.index) == sorted(models, key=lambda m: ranks[m])
    assert list(table.columns) == ["mean", "std_over_datasets", "mean_rank", "wins", "ties",
                                   "losses", "mean_difference", "p_value", "p_holm",
                                   "significant", "n_datasets"]


def test_suite_table_other_metric_and_nothing_dropped():
    results = long_results()
    results = results[results["dataset"] != "ds4"].rename(columns={"accuracy": "auroc"})
    table = suite_table(results, baseline="ts2vec", metric="auroc")
    assert table.attrs["dropped"] == []
    assert table.loc["ts2vec", "mean_rank"] == table["mean_rank"].min()
    assert table["losses"].sum() > 0  # everyone loses to ts2vec somewhere


# ---------------------------------------------------------------- errors and inputs


def test_nan_rows_are_named():
    table = pd.DataFrame({"a": [0.1, np.nan, 0.3], "b": [0.2, 0.3, np.nan]},
                         index=["ok", "gunpoint", "ecg200"])
    for function in (mean_ranks, pairwise_comparisons, critical_difference_cliques,
                     plot_critical_difference):
        with pytest.raises(ValueError, match=r"\['gunpoint', 'ecg200'\].*dropna"):
            function(table)


@pytest.mark.parametrize("bad, match", [
    (pd.DataFrame({"a": [0.1, 0.2]}), "at least 2"),
    (pd.DataFrame({"a": [], "b": []}), "no rows"),
    (pd.DataFrame({"a": [0.1], "b": ["x"]}), "numbers"),
    (pd.DataFrame({"a": [0.1], "b": [np.inf]}), "infinite"),
    (pd.DataFrame([[0.1, 0.2]], columns=["a", "a"]), "duplicated"),
])
def test_bad_score_tables(bad, match):
    for function in (mean_ranks, pairwise_comparisons, critical_difference_cliques):
        with pytest.raises(ValueError, match=match):
            function(bad)


def test_bad_types_and_parameters(scores):
    with pytest.raises(TypeError, match="DataFrame"):
        mean_ranks(scores.to_numpy())
    for alpha in (0, 1, -0.1, "0.05"):
        with pytest.raises(ValueError, match="alpha"):
            pairwise_comparisons(scores, alpha=alpha)
    with pytest.raises(ValueError, match="tie_tol"):
        pairwise_comparisons(scores, tie_tol=-1.0)


def test_suite_table_errors():
    results = long_results()
    with pytest.raises(ValueError, match="Unknown baseline 'rocket'.*'ts2vec'"):
        suite_table(results, baseline="rocket")
    with pytest.raises(ValueError, match="lacks the columns \\['auroc'\\]"):
        suite_table(results, baseline="raw", metric="auroc")
    with pytest.raises(ValueError, match="at least 2"):
        suite_table(results[results["model"] == "raw"], baseline="raw")
    with pytest.raises(ValueError, match="duplicated"):
        suite_table(pd.concat([results, results.iloc[:1]]), baseline="raw")
    # ds4 lacks scarf, ds0 then lacks ts2vec: no dataset has every model.
    some = results[results["dataset"].isin(["ds0", "ds4"])]
    some = some[~((some["dataset"] == "ds0") & (some["model"] == "ts2vec"))]
    with pytest.raises(ValueError, match="every dataset"):
        suite_table(some, baseline="raw")
    with pytest.raises(TypeError, match="DataFrame"):
        suite_table(results.to_dict(), baseline="raw")


def test_inputs_are_not_modified(scores):
    before = scores.copy(deep=True)
    results = long_results()
    results_before = results.copy(deep=True)
    mean_ranks(scores)
    pairwise_comparisons(scores)
    critical_difference_cliques(scores)
    plt.close(plot_critical_difference(scores).figure)
    suite_table(results, baseline="raw")
    pd.testing.assert_frame_equal(scores, before)
    pd.testing.assert_frame_equal(results, results_before)


# ---------------------------------------------------------------- plot


def _twelve_models():
    rng = np.random.default_rng(5)
    base = rng.uniform(0.5, 0.9, 40)
    names = ["TS2Vec + SVM", "SCARF + logistic", "SupCon + 1-NN", "ExpCLR + SVM",
             "Untrained + SVM", "raw + logistic", "raw + gradient boosting", "ROCKET",
             "MiniRocket", "HIVE-COTE 2", "1-NN DTW", "FineTuned TS2Vec"]
    effects = [0.05, 0.045, 0.04, 0.02, -0.05, -0.01, 0.0, 0.06, 0.062, 0.07, -0.02, 0.03]
    return pd.DataFrame({m: base + e + rng.normal(0, 0.03, 40) for m, e in zip(names, effects)})


@pytest.mark.parametrize("make", [_twelve_models, known_cliques_table])
def test_plot_critical_difference(make):
    table = make()
    ax = plot_critical_difference(table, title="a title")
    fig = ax.figure
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        assert len(ax.texts) == table.shape[1]
        ranks = mean_ranks(table)
        for model in table.columns:
            assert sum(t.get_text() == f"{model} ({ranks[model]:.2f})" for t in ax.texts) == 1
        bars = [line for line in ax.lines if line.get_gid() == "clique"]
        cliques = critical_difference_cliques(table)
        assert len(bars) == len(cliques) >= 1
        for bar, clique in zip(bars, cliques):  # each bar spans its clique's ranks
            lo, hi = min(bar.get_xdata()), max(bar.get_xdata())
            assert lo <= ranks[clique[0]] < ranks[clique[-1]] <= hi
        assert ax.get_xlabel() == "mean rank (1 = best)"
        # The better half is labelled on the left; label rows are ordered so that no
        # label line crosses another: best highest on the left, worst highest on the right.
        k = table.shape[1]
        by_text = {t.get_text(): t for t in ax.texts}
        side = {m: by_text[f"{m} ({ranks[m]:.2f})"] for m in ranks.index}
        left, right = list(ranks.index[:(k + 1) // 2]), list(ranks.index[(k + 1) // 2:])
        assert all(side[m].get_ha() == "right" for m in left)
        assert all(side[m].get_ha() == "left" for m in right)
        depth = {m: side[m].get_position()[1] for m in ranks.index}  # grows downwards
        assert [depth[m] for m in left] == sorted(depth[m] for m in left)
        assert [depth[m] for m in right] == sorted((depth[m] for m in right), reverse=True)
        fig.savefig(io.BytesIO(), format="png", bbox_inches=None)  # runs the layout
        renderer = fig.canvas.get_renderer()
        width, height = fig.bbox.width, fig.bbox.height
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        extras = [ax.xaxis.label, ax.title, *ax.get_xticklabels()]
        for box in boxes + [t.get_window_extent(renderer) for t in extras]:
            assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height
        for one, other in itertools.combinations(boxes, 2):
            assert not one.overlaps(other)
    finally:
        plt.close(fig)


def test_plot_into_given_axes_and_without_cliques():
    rng = np.random.default_rng(6)
    base = rng.uniform(0.5, 0.9, 25)
    table = pd.DataFrame({"low": base - 0.2, "high": base + 0.2})
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3))
    try:
        out = plot_critical_difference(table, ax=ax1)
        assert out is ax1
        assert list(fig.get_size_inches()) == [9, 3]
        assert [line.get_gid() for line in ax1.lines].count("clique") == 0
        assert not ax0.lines and not ax0.texts
    finally:
        plt.close(fig)


def test_plot_without_matplotlib(monkeypatch, scores):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_critical_difference(scores)
