"""Hyper-parameter search on a Dask cluster gives the serial search's results."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split

from skcontrast import SCARFEmbedder
from skcontrast.robustness import robustness_curve

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def dask_client():
    # Worker processes (as on a real cluster), one thread each; the embedders also pin
    # torch to one thread (n_threads=1) so the workers never oversubscribe the cores.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_grid_search_on_a_local_cluster_equals_the_serial_search(dask_client):
    X, _ = load_breast_cancer(return_X_y=True)
    grid = {"corruption_rate": [0.3, 0.6], "batch_size": [32, 128]}
    embedder = SCARFEmbedder(max_epochs=3, early_stopping=False, n_threads=1,
                             random_state=0)
    serial = GridSearchCV(embedder, grid, cv=2).fit(X)
    with joblib.parallel_config(backend="dask"):
        remote = GridSearchCV(embedder, grid, cv=2, n_jobs=-1).fit(X)
    assert remote.cv_results_["params"] == serial.cv_results_["params"]
    for key in ("mean_test_score", "std_test_score", "rank_test_score",
                "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], serial.cv_results_[key])
    assert remote.best_params_ == serial.best_params_
    np.testing.assert_array_equal(remote.transform(X[:20]), serial.transform(X[:20]))


def test_robustness_curve_runs_on_the_dask_backend(dask_client):
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3,
                                                        random_state=0, stratify=y)
    kwargs = dict(rates=(0.0, 0.3), seeds=(0, 1))
    estimators = {"logistic": LogisticRegression(max_iter=500)}
    serial = robustness_curve(estimators, X_train, y_train, X_test, y_test, **kwargs)
    with joblib.parallel_config(backend="dask"):
        remote = robustness_curve(estimators, X_train, y_train, X_test, y_test,
                                  n_jobs=-1, **kwargs)
    np.testing.assert_array_equal(remote["score"], serial["score"])
