"""Regression tests for misuse: each root cause found by the generated battery, one test each."""

import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skcontrast import FineTunedClassifier, SCARFEmbedder, SupConEmbedder, TS2VecEmbedder
from skcontrast.probes import SVMProbe, evaluate_probes, make_knn_probe, probe_scores
from skcontrast.utils import pad_series

FAST = dict(max_epochs=2, random_state=0)


@pytest.mark.parametrize("X", [
    np.zeros((20, 5)), np.ones((20, 5)) * 3.0,
], ids=["zeros", "constant"])
def test_svm_probe_refuses_constant_features(X):
    with pytest.raises(ValueError, match="identical.*collapsed"):
        SVMProbe(random_state=0).fit(X, np.arange(20) % 2)


@pytest.mark.parametrize("X", [
    np.repeat(np.random.RandomState(0).rand(2, 5), 10, axis=0),
    np.random.RandomState(0).rand(20, 1).round(1),
], ids=["duplicates", "one-column"])
def test_svm_probe_hard_margin_is_bounded_and_says_so(X):
    y = np.arange(20) % 2
    start = time.perf_counter()
    with pytest.warns(ConvergenceWarning, match="cannot be separated"):
        probe = SVMProbe(random_state=0).fit(X, y)
    assert time.perf_counter() - start < 10 and probe.best_C_ == math.inf
    assert set(probe.predict(X)) <= {0, 1}


def test_svm_probe_huge_values_do_not_hang():
    X = np.random.RandomState(0).rand(20, 5) * 1e30
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert SVMProbe(random_state=0).fit(X, np.arange(20) % 2).predict(X).shape == (20,)


@pytest.mark.parametrize("params, match", [
    ({"C_grid": ["a"]}, "C_grid must be a sequence of positive numbers"),
    ({"C_grid": [-1.0]}, "positive"),
    ({"cv": [1]}, "cv must be"),
])
def test_svm_probe_parameters_fail_clearly(params, match):
    with pytest.raises(ValueError, match=match):
        SVMProbe(**params).fit(np.random.RandomState(0).rand(60, 3), np.arange(60) % 2)


def test_probe_errors():
    with pytest.raises(NotFittedError):
        probe_scores(SVMProbe(), np.zeros((3, 2)), [0, 1, 0])
    with pytest.raises(ValueError, match="n_neighbors"):
        make_knn_probe(n_neighbors=None)
    X = np.random.RandomState(0).rand(10, 2)
    with pytest.raises(ValueError, match="single class"):
        evaluate_probes(None, X, np.zeros(10), X, np.zeros(10))
    with pytest.raises(ValueError, match="one class"):
        SVMProbe().fit(X, np.zeros(10))


@pytest.mark.parametrize("param", ["n_components", "max_epochs", "batch_size", "hidden_size"])
def test_booleans_are_not_integers(param):
    with pytest.raises(ValueError, match="not a bool"):
        SCARFEmbedder(**{param: True}).fit(np.random.RandomState(0).rand(20, 3))


def test_finetuned_classifier_misuse():
    X, y = np.random.RandomState(0).rand(40, 3), np.arange(40) % 2
    with pytest.raises(ValueError, match="not a bool"):
        FineTunedClassifier(batch_size=True).fit(X, y)
    import torch

    clf = FineTunedClassifier(SCARFEmbedder(**FAST), max_epochs=2, device=torch.device("cpu"),
                              random_state=0).fit(X, y)
    assert clf.predict(X).shape == (40,)
    frame = pd.DataFrame({"a": X[:, 0], "city": np.where(y, "x", "y")})
    assert FineTunedClassifier(SCARFEmbedder(**FAST), max_epochs=2, random_state=0).fit(
        frame, y).predict(frame).shape == (40,)


@pytest.mark.parametrize("X, error, match", [
    ({1.0, 2.0}, TypeError, "array-like of rows.*got set"),
    (np.array([["a", "b"]] * 10), ValueError, "not numbers.*DataFrame"),
    (np.zeros(10, dtype=[("a", float), ("b", int)]), TypeError, "structured"),
    (np.array(["2020-01-01"] * 20, dtype="datetime64[D]").reshape(10, 2), TypeError,
     "date/time"),
    (np.ones((10, 2)) + 1j, ValueError, "Complex"),
    (None, TypeError, "array-like"),
], ids=["set", "strings", "structured", "datetime", "complex", "none"])
@pytest.mark.parametrize("make", [lambda: SCARFEmbedder(**FAST),
                                  lambda: TS2VecEmbedder(n_iters=1, depth=1)],
                         ids=["tabular", "series"])
def test_non_numeric_input_is_named_with_the_fix(make, X, error, match):
    if make().__class__ is TS2VecEmbedder and match.startswith("not numbers"):
        error, match = TypeError, "numeric time series"
    with pytest.raises(error, match=match):
        make().fit(X)


def test_ragged_lists_of_series_are_nan_padded():
    series = [np.sin(np.arange(n) / 3.0) for n in (20, 25, 30, 18)]
    emb = TS2VecEmbedder(n_components=4, depth=1, n_iters=2, random_state=0).fit(series)
    Z = emb.transform(series)
    assert Z.shape == (4, 4) and np.isfinite(Z).all()
    np.testing.assert_array_equal(Z, emb.transform(pad_series(series)))
    padded = pad_series(series)
    assert padded.shape == (4, 1, 30) and np.isnan(padded[0, 0, 20:]).all()
    multivariate = pad_series([np.zeros((2, 5)), np.ones((2, 3))], length=6)
    assert multivariate.shape == (2, 2, 6)


@pytest.mark.parametrize("items, match", [
    ([np.zeros((2, 5)), np.ones((3, 3))], "channels"),
    ([np.zeros((2, 2, 2))], "1-D .* or 2-D"),
    ([["a", "b"], [1.0]], "not a numeric"),
    ([], "no series"),
])
def test_pad_series_errors(items, match):
    with pytest.raises((TypeError, ValueError), match=match):
        pad_series(items)


def test_float32_overflow_is_an_input_error_not_a_divergence():
    X = np.random.RandomState(0).rand(10, 20)
    X[0, 3] = 1e39
    with pytest.raises(ValueError, match="too large for float32"):
        TS2VecEmbedder(n_iters=1, depth=1).fit(X)
    with pytest.raises(ValueError, match="too large for float32"):
        SupConEmbedder(input_type="time_series", max_epochs=1, depth=1).fit(X, np.arange(10) % 2)


def test_nan_in_a_table_names_the_imputer_and_in_a_frame_names_the_column():
    X = np.random.default_rng(0).standard_normal((20, 3))
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"contains NaN.*make_pipeline\(SimpleImputer\(\), "
                                         r"SCARFEmbedder\(\)\)"):
        SCARFEmbedder(**FAST).fit(X)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(kind=["x", "y"] * 10)
    with pytest.raises(ValueError, match="NaN in the numeric column 'b'.*SimpleImputer"):
        SCARFEmbedder(**FAST).fit(frame)


# ------------------------------------------------------------------ issue 21's families
def test_n_threads_beyond_the_machine_is_refused_before_any_work():
    from skcontrast._torch_utils import available_cpus

    X = np.random.RandomState(0).normal(size=(30, 4))
    for estimator in (SCARFEmbedder(n_threads=10**9, **FAST),
                      FineTunedClassifier(SCARFEmbedder(**FAST), n_threads=10**9, **FAST)):
        with pytest.raises(ValueError, match=f"more than the {available_cpus()} CPU"):
            estimator.fit(X, np.arange(30) % 2)
        assert not hasattr(estimator, "n_features_in_")
    emb = SCARFEmbedder(**FAST).fit(X)
    emb.set_params(n_threads=10**9)
    with pytest.raises(ValueError, match="n_threads=1000000000"):
        emb.transform(X)


def test_a_3d_array_for_a_table_points_to_the_series_embedders():
    with pytest.raises(ValueError, match="TS2VecEmbedder.*flatten_series"):
        SCARFEmbedder(**FAST).fit(np.zeros((10, 2, 6)))
    with pytest.raises(ValueError, match="got a 3-D array. For time series use input_type"):
        SupConEmbedder(input_type="tabular", **FAST).fit(np.zeros((10, 2, 6)), np.arange(10) % 2)


def test_series_that_look_transposed_warn():
    X = np.random.RandomState(0).normal(size=(8, 30, 3))  # (n, T, C) by mistake
    with pytest.warns(UserWarning, match=r"transpose\(0, 2, 1\)"):
        TS2VecEmbedder(n_components=4, depth=1, n_iters=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        TS2VecEmbedder(n_components=4, depth=1, n_iters=1, random_state=0).fit(
            X.transpose(0, 2, 1))


class _NoNet:
    def on_epoch_end(self):
        pass


class _Fine:
    def on_epoch_end(self, net, **kwargs):
        pass


@pytest.mark.parametrize("callback, match", [
    (_NoNet(), r"hook on_epoch_end \(\) does not accept"),
    (lambda: None, r"It needs f\(net\)"),
    (3, "callables f\\(net\\)"),
])
def test_callbacks_with_the_wrong_signature_fail_before_training(callback, match):
    X = np.random.RandomState(0).normal(size=(30, 4))
    calls = []
    emb = SCARFEmbedder(**FAST, callbacks=[_Fine(), callback, lambda net: calls.append(1)])
    with pytest.raises(TypeError, match=match):
        emb.fit(X)
    assert calls == [] and not hasattr(emb, "encoder_")
    with pytest.raises(TypeError, match=match):
        FineTunedClassifier(SCARFEmbedder(**FAST), callbacks=[callback], **FAST).fit(
            X, np.arange(30) % 2)


@pytest.mark.parametrize("make", [make_knn_probe, SVMProbe], ids=["knn", "svm"])
def test_probes_name_non_numeric_input_and_mixed_labels(make):
    X = np.random.RandomState(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    frame = pd.DataFrame(X, columns=list("abc")).assign(d=pd.Categorical(["u", "v"] * 10))
    with pytest.raises(TypeError, match=r"column\(s\) 'd' of X are not numeric.*transform"):
        make().fit(frame, y)
    with pytest.raises(TypeError, match="array-like of rows.*got set"):
        make().fit({1.0, 2.0}, y)
    with pytest.raises(TypeError, match="not numbers"):
        make().fit(X.astype(str).astype(object) + "x", y)
    with pytest.raises(TypeError, match="mixes number and str"):
        make().fit(X, np.array([1, "a"] * 10, dtype=object))
    with pytest.raises(ValueError, match="missing label.*ProbeClassifier"):
        make().fit(X, np.where(y == 0, np.nan, 1.0))
    fitted = make().fit(X, y)
    with pytest.raises((TypeError, ValueError), match="not numeric|features"):
        fitted.predict(frame)
