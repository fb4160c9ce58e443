"""n_threads: torch's intra-op threads for the duration of fit/transform, then restored."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer

from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
)
from skcontrast._torch_utils import torch_threads

X, y = load_breast_cancer(return_X_y=True)
SERIES = np.random.RandomState(0).normal(size=(20, 1, 24))
SERIES_Y = np.repeat([0, 1], 10)


@pytest.fixture
def two_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(previous)


class _RecordThreads:
    def __init__(self):
        self.seen = []

    def on_epoch_end(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


def test_context_manager_sets_and_restores_even_on_error(two_threads):
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError
    assert torch.get_num_threads() == 2
    with torch_threads(None):
        assert torch.get_num_threads() == 2


@pytest.mark.parametrize("make, data", [
    (lambda cb: SCARFEmbedder(max_epochs=2, n_threads=1, callbacks=[cb], random_state=0),
     (X, None)),
    (lambda cb: TS2VecEmbedder(n_iters=2, n_components=8, hidden_size=8, depth=1,
                               n_threads=1, callbacks=[cb], random_state=0),
     (SERIES, None)),
    (lambda cb: SupConEmbedder(max_epochs=2, n_threads=1, callbacks=[cb], random_state=0),
     (X, y)),
    (lambda cb: ExpCLREmbedder(max_epochs=2, n_threads=1, callbacks=[cb], random_state=0),
     (SERIES, SERIES_Y)),
])
def test_every_embedder_trains_with_its_n_threads_and_restores_torchs(two_threads, make,
                                                                     data):
    recorder = _RecordThreads()
    embedder = make(recorder).fit(*data)
    assert recorder.seen and set(recorder.seen) == {1}
    assert torch.get_num_threads() == 2
    assert embedder.get_params()["n_threads"] == 1


def test_transform_uses_n_threads(two_threads, monkeypatch):
    embedder = SCARFEmbedder(max_epochs=2, n_threads=1, random_state=0).fit(X)
    network = embedder._network()
    seen = []
    original = type(network).forward

    def forward(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(network), "forward", forward)
    embedder.transform(X)
    assert seen and set(seen) == {1} and torch.get_num_threads() == 2


def test_a_failing_fit_restores_the_thread_count(two_threads):
    class _Boom:
        def on_epoch_end(self, net, **kwargs):
            assert torch.get_num_threads() == 1
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        SCARFEmbedder(max_epochs=3, n_threads=1, callbacks=[_Boom()], random_state=0).fit(X)
    assert torch.get_num_threads() == 2


def test_n_threads_does_not_change_the_embeddings_here():
    one = SCARFEmbedder(max_epochs=3, n_threads=1, random_state=0).fit(X).transform(X)
    with torch_threads(1):
        default = SCARFEmbedder(max_epochs=3, random_state=0).fit(X).transform(X)
    np.testing.assert_array_equal(one, default)


def test_fine_tuning_uses_n_threads(two_threads):
    recorder = _RecordThreads()
    clf = FineTunedClassifier(SCARFEmbedder(max_epochs=2), max_epochs=2, n_threads=1,
                              callbacks=[recorder], random_state=0).fit(X, y)
    assert recorder.seen and set(recorder.seen) == {1}
    assert torch.get_num_threads() == 2
    assert clf.predict_proba(X[:5]).shape == (5, 2)


def test_the_default_is_one_thread_and_minus_one_is_every_cpu(two_threads):
    from skcontrast._torch_utils import available_cpus

    recorder = _RecordThreads()
    SCARFEmbedder(max_epochs=2, callbacks=[recorder], random_state=0).fit(X)
    assert set(recorder.seen) == {1}
    recorder = _RecordThreads()
    SCARFEmbedder(max_epochs=2, n_threads=-1, callbacks=[recorder], random_state=0).fit(X)
    assert set(recorder.seen) == {available_cpus()}
    recorder = _RecordThreads()
    SCARFEmbedder(max_epochs=2, n_threads=None, callbacks=[recorder], random_state=0).fit(X)
    assert set(recorder.seen) == {2}  # None: torch's setting, here the fixture's
    assert torch.get_num_threads() == 2


def test_the_benchmark_runner_threads_govern_its_embedders():
    from skcontrast.benchmark._config import EmbedderSpec

    spec = EmbedderSpec(name="s", estimator="SCARFEmbedder")
    assert spec.build_estimator().n_threads is None
    spec = EmbedderSpec(name="s", estimator="SCARFEmbedder", params={"n_threads": 1})
    assert spec.build_estimator().n_threads == 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_invalid_n_threads_is_refused_before_training(bad):
    with pytest.raises(ValueError, match="n_threads"):
        SCARFEmbedder(n_threads=bad).fit(X)
    with pytest.raises(ValueError, match="n_threads"):
        FineTunedClassifier(n_threads=bad).fit(X, y)
