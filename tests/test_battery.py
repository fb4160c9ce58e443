"""A generated battery of bad and edge-case inputs across every public estimator and function.

Every case must end in one of two ways: a ``ValueError``/``TypeError`` (or a subclass)
whose message names the problem, or a finite result of the right shape. The caller's
input is never modified, and no case may run longer than ``CASE_SECONDS`` (a hang fails
the test instead of CI). Hypothesis draws the cases deterministically
(``derandomize=True``), 1,800 per run.
"""

from __future__ import annotations

import copy
import signal
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
    UntrainedEmbedder,
)
from skcontrast.baselines import RocketFeatures, aeon_available
from skcontrast.datasets import load_tabular, make_ts_classification
from skcontrast.probes import (
    GradientBoostingProbe,
    ProbeClassifier,
    SVMProbe,
    evaluate_probes,
    make_knn_probe,
    make_logistic_probe,
    make_probe,
    make_ridge_probe,
)
from skcontrast.robustness import (
    hide_labels,
    inject_label_noise,
    inject_mcar,
    inject_missing_timestamps,
    select_labelled,
)
from skcontrast.utils import pad_series

CASE_SECONDS = 30
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
# Messages of numpy/torch/pandas internals: seen alone, they do not name the problem.
RAW = ("setting an array element with a sequence", "inhomogeneous", "mat1 and mat2",
       "size mismatch", "axes don't match", "out of bounds", "unhashable",
       "not supported between instances", "object of type", "can't multiply",
       "invalid literal", "must be real number, not",
       "cannot reshape", "Don't want to call", "could not convert string to float",
       "Unknown label type: unknown", "unsupported operand type", "float() argument must be")

TINY_MLP = dict(n_components=4, hidden_size=8, n_layers=2, max_epochs=1, batch_size=8,
                random_state=0)
TINY_SERIES = dict(n_components=4, hidden_size=4, depth=1, random_state=0)

ESTIMATORS = {
    "SCARF": lambda: SCARFEmbedder(**TINY_MLP),
    "TS2Vec": lambda: TS2VecEmbedder(**TINY_SERIES, n_iters=1, batch_size=4),
    "SupCon": lambda: SupConEmbedder(**TINY_MLP, projection_size=4),
    "SupCon series": lambda: SupConEmbedder(input_type="time_series", **TINY_SERIES,
                                            projection_size=4, max_epochs=1),
    "ExpCLR": lambda: ExpCLREmbedder(**TINY_MLP),
    "ExpCLR series": lambda: ExpCLREmbedder(input_type="time_series", **TINY_SERIES,
                                            max_epochs=1),
    "Untrained": lambda: UntrainedEmbedder(SCARFEmbedder(**TINY_MLP)),
    "FineTuned": lambda: FineTunedClassifier(SCARFEmbedder(**TINY_MLP), hidden_size=8,
                                             max_epochs=2, random_state=0),
    "Probe": lambda: ProbeClassifier(SCARFEmbedder(**TINY_MLP), random_state=0),
    "SVMProbe": lambda: SVMProbe(random_state=0),
    "knn probe": make_knn_probe,
    "logistic probe": lambda: make_logistic_probe(random_state=0),
    "ridge probe": lambda: make_ridge_probe(scale=True),
    "GradientBoostingProbe": lambda: GradientBoostingProbe(max_iter=5, random_state=0),
}
if aeon_available():
    ESTIMATORS["RocketFeatures"] = lambda: RocketFeatures(random_state=0)
CLASSIFIERS = {"SupCon", "SupCon series", "FineTuned", "Probe", "SVMProbe", "knn probe",
               "logistic probe", "ridge probe", "GradientBoostingProbe"}


class CaseTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds):
    def stop(signum, frame):
        raise CaseTimeout(f"case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------- generated inputs
SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 1e39, -1e39, 1e300, 0.0, -0.0, 1e-320])


@st.composite
def matrices(draw):
    """Numbers of many shapes and values, some poisoned with special cells."""
    n = draw(st.sampled_from([0, 1, 2, 3, 5, 12, 24]))
    m = draw(st.sampled_from([0, 1, 2, 5]))
    kind = draw(st.sampled_from(["normal", "zeros", "constant", "duplicates", "integers",
                                 "huge", "tiny"]))
    rng = np.random.RandomState(draw(st.integers(0, 10)))
    X = {"normal": lambda: rng.normal(size=(n, m)),
         "zeros": lambda: np.zeros((n, m)),
         "constant": lambda: np.full((n, m), 7.0),
         "duplicates": lambda: np.repeat(rng.normal(size=(1, m)), n, axis=0),
         "integers": lambda: rng.randint(-3, 3, size=(n, m)).astype(float),
         "huge": lambda: rng.normal(size=(n, m)) * 1e30,
         "tiny": lambda: rng.normal(size=(n, m)) * 1e-30}[kind]()
    if X.size and draw(st.booleans()):
        X[draw(st.integers(0, n - 1)), draw(st.integers(0, m - 1))] = draw(SPECIAL)
    return X


@st.composite
def inputs(draw):
    """Any of: arrays in many containers and dtypes, frames, series, junk."""
    X = draw(matrices())
    form = draw(st.sampled_from([
        "array", "float32", "list", "frame", "mixed frame", "3d", "1d", "ragged", "object",
        "strings", "bool", "complex", "datetime", "sparse", "set", "none", "scalar",
        "frame dup names", "structured"]))
    if form == "array":
        return X
    if form == "float32":
        return X.astype(np.float32)
    if form == "list":
        return X.tolist()
    if form == "frame":
        return pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    if form == "mixed frame":
        frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
        frame["cat"] = pd.Categorical(np.where(np.arange(len(frame)) % 2, "a", None))
        return frame
    if form == "3d":
        return X[:, None, :]
    if form == "1d":
        return X.ravel()
    if form == "ragged":
        return [row[: 1 + i % max(X.shape[1], 1)] for i, row in enumerate(X)]
    if form == "object":
        return X.astype(object)
    if form == "strings":
        return X.astype(str)
    if form == "bool":
        return X > 0
    if form == "complex":
        return X + 1j
    if form == "datetime":
        return np.zeros(X.shape, dtype="datetime64[s]")
    if form == "sparse":
        return sp.csr_matrix(np.nan_to_num(X))
    if form == "set":
        return set(X.ravel().tolist())
    if form == "none":
        return None
    if form == "scalar":
        return 3.0
    if form == "frame dup names":
        return pd.DataFrame(X, columns=["a"] * X.shape[1])
    return np.zeros(len(X), dtype=[("a", float), ("b", int)])


@st.composite
def targets(draw, n):
    kind = draw(st.sampled_from(["classes", "strings", "one class", "nan", "continuous",
                                 "wrong length", "2d", "none", "bool", "mixed types", "set",
                                 "object with None"]))
    base = np.arange(n) % 2
    return {"classes": base, "strings": np.where(base, "yes", "no"),
            "one class": np.zeros(n, dtype=int), "nan": np.where(base, np.nan, 1.0),
            "continuous": np.linspace(0, 1, n) + 0.123, "wrong length": np.arange(n + 1) % 2,
            "2d": np.stack([base, base], axis=1), "none": None,
            "bool": base.astype(bool),
            "mixed types": np.array([1 if b else "a" for b in base], dtype=object),
            "set": set(base.tolist()),
            "object with None": np.array([b if i % 3 else None for i, b in enumerate(base)],
                                         dtype=object)}[kind]


def _rows(X):
    try:
        return len(X)
    except TypeError:
        return 0


def _same(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, np.ndarray):
        if a.dtype.kind in "fc":
            return np.array_equal(a, b, equal_nan=True)
        if a.dtype == object:  # NaN != NaN: compare the printed values
            return a.shape == b.shape and np.array_equal(a.astype(str), b.astype(str))
        return np.array_equal(a, b)
    if sp.issparse(a):
        return (a != b).nnz == 0
    if isinstance(a, set):
        return a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) if isinstance(x, np.ndarray) else
                                        repr(x) == repr(y) for x, y in zip(a, b))
    return repr(a) == repr(b)


def _check_error(exc, name):
    assert isinstance(exc, ValueError | TypeError), (
        f"{name}: {type(exc).__name__} is not a ValueError/TypeError: {exc}")
    message = str(exc)
    assert len(message) > 10, f"{name}: an error without a message: {exc!r}"
    assert name in message or not any(raw in message for raw in RAW), (
        f"{name}: a raw internal message: {message}")


def _check_output(out, n_rows, name):
    out = np.asarray(out)
    assert out.shape[0] == n_rows, f"{name}: {out.shape} rows for {n_rows} inputs"
    if out.dtype.kind in "fc":
        assert np.isfinite(out).all(), f"{name}: non-finite output"


def run_case(name, make, X, y):
    """Fit (and transform/predict) one estimator; assert one of the allowed outcomes."""
    X_before, y_before = copy.deepcopy(X), copy.deepcopy(y)
    estimator = make()
    with warnings.catch_warnings(), time_limit(CASE_SECONDS):
        warnings.simplefilter("ignore")
        try:
            fitted = estimator.fit(X) if y is None else estimator.fit(X, y)
            for method in ("transform", "predict"):
                if hasattr(fitted, method):
                    _check_output(getattr(fitted, method)(X), _rows(X), name)
        except (ValueError, TypeError) as exc:
            _check_error(exc, type(estimator).__name__)
    assert _same(X, X_before), f"{name}: X was modified"
    assert _same(y, y_before), f"{name}: y was modified"


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@SETTINGS
@given(data=st.data())
def test_estimators_on_generated_inputs(name, data):
    X = data.draw(inputs())
    needs_y = name in CLASSIFIERS
    y = data.draw(targets(max(_rows(X), 1))) if needs_y or data.draw(st.booleans()) else None
    if needs_y and y is not None and not isinstance(y, set):
        y = y[: _rows(X)] if data.draw(st.booleans()) else y
    run_case(name, ESTIMATORS[name], X, y)


@st.composite
def rates(draw):
    return draw(st.sampled_from([0.0, 0.3, 1.0, -0.1, 1.5, np.nan, "0.3", True, None]))


@SETTINGS
@given(data=st.data())
def test_perturbations_and_protocol_functions(data):
    X = data.draw(inputs())
    y = data.draw(targets(max(_rows(X), 1)))
    rate = data.draw(rates())
    name, call = data.draw(st.sampled_from([
        ("inject_mcar", lambda: inject_mcar(X, rate, random_state=0)),
        ("inject_missing_timestamps", lambda: inject_missing_timestamps(X, rate,
                                                                        random_state=0)),
        ("inject_label_noise", lambda: inject_label_noise(y, rate, random_state=0)),
        ("select_labelled", lambda: select_labelled(y, rate, random_state=0)),
        ("hide_labels", lambda: hide_labels(y, np.arange(_rows(y)) % 2 == 0)),
        ("pad_series", lambda: pad_series(X)),
        ("evaluate_probes", lambda: evaluate_probes(None, X, y, X, y, probes=("knn",))),
    ]))
    X_before, y_before = copy.deepcopy(X), copy.deepcopy(y)
    with warnings.catch_warnings(), time_limit(CASE_SECONDS):
        warnings.simplefilter("ignore")
        try:
            call()
        except (ValueError, TypeError) as exc:
            _check_error(exc, name)
    assert _same(X, X_before) and _same(y, y_before), f"{name} modified its input"


@SETTINGS
@given(data=st.data())
def test_loaders_and_generators(data):
    name, call = data.draw(st.sampled_from([
        ("load_tabular", lambda v: load_tabular(v)),
        ("load_tabular", lambda v: load_tabular("wine", as_frame=v)),
        ("make_ts_classification", lambda v: make_ts_classification(n_samples=v)),
        ("make_ts_classification", lambda v: make_ts_classification(8, n_timesteps=v)),
        ("make_probe", lambda v: make_probe(v)),
    ]))
    value = data.draw(st.sampled_from(["wine", "titanic", "", None, 0, -1, 3, 2.5, True,
                                       "auto", "svm", "knn", [1]]))
    with warnings.catch_warnings(), time_limit(CASE_SECONDS):
        warnings.simplefilter("ignore")
        try:
            call(value)
        except (ValueError, TypeError) as exc:
            _check_error(exc, name)


@pytest.mark.parametrize("name", sorted(CLASSIFIERS - {"SupCon", "SupCon series"}))
def test_prediction_on_other_columns_than_fit_is_refused(name):
    """Fitted on numbers, then given a frame with one more (categorical) column: an error
    that names the problem, never a silent prediction."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = np.arange(40) % 2
    fitted = ESTIMATORS[name]().fit(X, y)
    other = pd.DataFrame(X, columns=["a", "b", "c"])
    other["d"] = pd.Categorical(np.where(np.arange(40) % 2, "u", "v"))
    for method in ("predict", "predict_proba", "decision_function"):
        if not hasattr(fitted, method):
            continue
        with pytest.raises((ValueError, TypeError)) as info:
            getattr(fitted, method)(other)
        _check_error(info.value, type(fitted).__name__)
