import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer
from threadpoolctl import threadpool_limits

# One thread per test process (torch and BLAS): the suite's small fits gain nothing from
# more, and a machine busy with other work would make the threads wait on each other.
# Tests about threads set their own count (tests/test_threads.py).
torch.set_num_threads(1)
threadpool_limits(limits=1)


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X, y


@pytest.fixture
def small_tabular():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y
