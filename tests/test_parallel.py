"""parallel_results: streams when the joblib backend can, a list where it cannot."""

import types

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config, register_parallel_backend
from joblib._parallel_backends import ThreadingBackend
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.utils.parallel import delayed

from skcontrast._parallel import parallel_results
from skcontrast.robustness import robustness_curve


class _NoGeneratorBackend(ThreadingBackend):
    """A backend that refuses return_as="generator", as Ray's joblib backend does."""

    supports_return_generator = False


register_parallel_backend("skcontrast-test-no-generator", _NoGeneratorBackend)


def _square(i):
    return i * i


def test_streams_with_a_backend_that_supports_generators():
    results = parallel_results((delayed(_square)(i) for i in range(5)), n_jobs=2)
    assert isinstance(results, types.GeneratorType)
    assert list(results) == [0, 1, 4, 9, 16]


def test_falls_back_to_a_list_where_the_backend_refuses_generators():
    with parallel_config(backend="skcontrast-test-no-generator"):
        with pytest.raises(ValueError, match="return_as"):  # what joblib alone does
            from sklearn.utils.parallel import Parallel

            Parallel(n_jobs=2, return_as="generator")
        results = parallel_results((delayed(_square)(i) for i in range(5)), n_jobs=2)
        assert list(results) == [0, 1, 4, 9, 16]


def test_robustness_curve_runs_on_a_backend_without_generators():
    X, y = load_iris(return_X_y=True)
    data = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    X_train, X_test, y_train, y_test = data
    kwargs = dict(rates=(0.0, 0.3), seeds=(0, 1))
    estimators = {"logistic": LogisticRegression(max_iter=500)}
    serial = robustness_curve(estimators, X_train, y_train, X_test, y_test, **kwargs)
    with parallel_config(backend="skcontrast-test-no-generator"):
        threaded = robustness_curve(estimators, X_train, y_train, X_test, y_test,
                                    n_jobs=2, **kwargs)
    timings = [c for c in serial.columns if c.endswith("seconds")]
    pd.testing.assert_frame_equal(serial.drop(columns=timings), threaded.drop(columns=timings))
    assert np.isfinite(serial["score"]).all()
