"""save(path) / skcontrast.load(path): plain data, bit-identical round trips, refusals."""

import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch

import skcontrast
from skcontrast import (
    ExpCLREmbedder,
    FineTunedClassifier,
    ModelFileError,
    MultiViewEmbedder,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
    UntrainedEmbedder,
)
from skcontrast._persistence import FORMAT_VERSION, _checksum
from skcontrast.callbacks import LossRecorder
from skcontrast.datasets import make_ts_classification
from skcontrast.probes import ProbeClassifier, SVMProbe

RNG = np.random.RandomState(0)
X = RNG.normal(size=(60, 5))
Y = np.arange(60) % 2
S, SY = make_ts_classification(n_samples=24, n_timesteps=30, random_state=0)
S[::5, :, 3:8] = np.nan

CASES = {
    "scarf": (lambda: SCARFEmbedder(max_epochs=2, random_state=0), X, None),
    "ts2vec": (lambda: TS2VecEmbedder(n_iters=2, depth=2, hidden_size=8, random_state=0),
               S, None),
    "supcon": (lambda: SupConEmbedder(max_epochs=2, random_state=0), X, Y),
    "supcon_series": (lambda: SupConEmbedder(max_epochs=2, depth=2, hidden_size=8,
                                             random_state=0), S, SY),
    "expclr": (lambda: ExpCLREmbedder(max_epochs=2, depth=2, hidden_size=8, random_state=0),
               S, None),
    "expclr_tabular_semi": (lambda: ExpCLREmbedder(max_epochs=2, random_state=0), X,
                            np.where(np.arange(60) % 3 == 0, np.nan, Y)),
    "untrained": (lambda: UntrainedEmbedder(SCARFEmbedder(random_state=0)), X, None),
    "multiview": (lambda: MultiViewEmbedder(max_epochs=2, learn_temperature=True,
                                            random_state=0), X, None),
    "finetuned": (lambda: FineTunedClassifier(SCARFEmbedder(max_epochs=2), max_epochs=3,
                                              random_state=0), X, Y),
    "probe_logistic": (lambda: ProbeClassifier(SCARFEmbedder(max_epochs=2), random_state=0),
                       X, Y),
    "probe_svm": (lambda: ProbeClassifier(SCARFEmbedder(max_epochs=2), "svm",
                                          random_state=0), X, Y),
    "svm_calibrated": (lambda: SVMProbe(probability=True), X, Y),
    "svm_searched": (lambda: SVMProbe(random_state=0), RNG.normal(size=(120, 3)),
                     np.arange(120) % 2),
}


def _output(estimator, X):
    for method in ("transform", "predict_proba", "decision_function", "predict"):
        if hasattr(estimator, method):
            return getattr(estimator, method)(X)
    raise AssertionError("nothing to call")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.skc"


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip_is_bit_identical(name, path):
    make, X_, y_ = CASES[name]
    fitted = make().fit(X_) if y_ is None else make().fit(X_, y_)
    loaded = skcontrast.load(fitted.save(path))
    assert type(loaded) is type(fitted)
    assert repr(loaded.get_params()) == repr(fitted.get_params())
    np.testing.assert_array_equal(_output(loaded, X_), _output(fitted, X_))
    # A loaded model is an ordinary estimator: it refits.
    refit = loaded.fit(X_) if y_ is None else loaded.fit(X_, y_)
    assert np.isfinite(_output(refit, X_)).all()


def test_fitted_attributes_survive(path):
    emb = SCARFEmbedder(max_epochs=3, random_state=0).fit(X)
    loaded = skcontrast.load(emb.save(path))
    assert loaded.history_[:, "train_loss"] == emb.history_[:, "train_loss"]
    assert loaded.n_iter_ == emb.n_iter_ and loaded.device_ == emb.device_
    np.testing.assert_array_equal(loaded.mean_, emb.mean_)
    assert loaded.categories_ == emb.categories_
    assert not loaded.encoder_.training


def test_unfitted_estimators_round_trip(path):
    loaded = skcontrast.load(SCARFEmbedder(n_components=7).save(path))
    assert loaded.get_params()["n_components"] == 7 and not hasattr(loaded, "encoder_")


def test_categorical_frames_round_trip(path):
    import pandas as pd

    frame = pd.DataFrame({"a": X[:, 0], "b": pd.Categorical(np.where(Y, "u", "v"))})
    emb = SCARFEmbedder(max_epochs=2, random_state=0).fit(frame)
    loaded = skcontrast.load(emb.save(path))
    np.testing.assert_array_equal(loaded.transform(frame), emb.transform(frame))
    assert list(loaded.feature_names_in_) == ["a", "b"]


# ------------------------------------------------------------------ refusals
def _rewrite(path, edit_manifest=None, edit_arrays=None, recompute=True):
    """Rewrite a saved file with an edited manifest/arrays (a tamperer's work)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    manifest = json.loads(arrays.pop("__manifest__").tobytes().decode())
    manifest.pop("checksum")
    if edit_manifest:
        edit_manifest(manifest)
    if edit_arrays:
        edit_arrays(arrays)
    if recompute:
        manifest["checksum"] = _checksum(manifest, arrays)
    else:
        manifest["checksum"] = "0" * 64
    buffer = io.BytesIO()
    np.savez(buffer, __manifest__=np.frombuffer(json.dumps(manifest).encode(), np.uint8),
             **arrays)
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def saved(path):
    SCARFEmbedder(max_epochs=2, random_state=0).fit(X).save(path)
    return path


def test_a_modified_file_is_refused(saved):
    def flip(arrays):
        key = sorted(arrays)[0]
        arrays[key] = arrays[key].copy()
        arrays[key].flat[0] += 1

    _rewrite(saved, edit_arrays=flip, recompute=False)
    with pytest.raises(ModelFileError, match="modified after it was saved"):
        skcontrast.load(saved)


def test_a_newer_format_is_refused(saved):
    _rewrite(saved, edit_manifest=lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match="Upgrade skcontrast"):
        skcontrast.load(saved)


def test_parameters_that_do_not_validate_are_refused(saved):
    _rewrite(saved, edit_manifest=lambda m: m["estimator"]["params"].update(n_components=-3))
    with pytest.raises(ModelFileError, match="do not validate"):
        skcontrast.load(saved)


@pytest.mark.parametrize("edit, match", [
    (lambda m: m["estimator"].update({"class": "Popen"}), "not a skcontrast estimator"),
    (lambda m: m["estimator"]["state"].update(
        evil={"__sklearn__": "subprocess.Popen", "state": {}}), "does not load from data"),
    (lambda m: m["estimator"]["modules"]["encoder_"]["weights"].pop("0.weight"),
     "do not fit its architecture"),
])
def test_unknown_classes_and_broken_weights_are_refused(saved, edit, match):
    _rewrite(saved, edit_manifest=edit)
    with pytest.raises(ModelFileError, match=match):
        skcontrast.load(saved)


class _Payload:
    """Unpickling this runs code: it creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_objects_are_refused_without_running_them(saved, tmp_path):
    marker = tmp_path / "code-ran"
    with np.load(saved, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload(str(marker))
    buffer = io.BytesIO()
    np.savez(buffer, evil=evil, **arrays)  # np.savez pickles object arrays
    saved.write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match="pickled"):
        skcontrast.load(saved)
    assert not marker.exists()


def test_a_pickle_or_a_random_file_is_refused(path):
    import pickle

    path.write_bytes(pickle.dumps(SCARFEmbedder()))
    with pytest.raises(ModelFileError, match="pickled"):
        skcontrast.load(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ModelFileError):
        skcontrast.load(path)


def test_a_text_file_is_named_as_not_a_model_file_not_as_pickled(path):
    path.write_text("hello, this is a text file\n")
    with pytest.raises(ModelFileError, match="not an .npz archive") as error:
        skcontrast.load(path)
    assert "pickled" not in str(error.value)


def test_code_parameters_cannot_be_saved(path):
    emb = ExpCLREmbedder(expert_features=np.abs, max_epochs=2, random_state=0).fit(X)
    with pytest.raises(TypeError, match="expert_features is code.*default before saving"):
        emb.save(path)
    assert not os.path.exists(path)
    emb.set_params(expert_features=None)
    np.testing.assert_array_equal(skcontrast.load(emb.save(path)).transform(X),
                                  emb.transform(X))
    with pytest.raises(TypeError, match="callbacks=None"):
        SCARFEmbedder(callbacks=[LossRecorder()]).save(path)
    with pytest.raises(TypeError, match="integer seed"):
        SCARFEmbedder(random_state=np.random.RandomState(0)).save(path)


def test_probes_with_non_data_state_are_refused(path):
    clf = ProbeClassifier(SCARFEmbedder(max_epochs=2), "knn", random_state=0).fit(X, Y)
    with pytest.raises(TypeError, match="cannot be saved as data"):
        clf.save(path)


@pytest.mark.gpu
def test_a_model_saved_on_a_gpu_loads_on_the_cpu(path):
    emb = SCARFEmbedder(max_epochs=2, device="cuda", random_state=0).fit(X)
    loaded = skcontrast.load(emb.save(path))
    assert all(p.device.type == "cpu" for p in loaded.encoder_.parameters())
    np.testing.assert_allclose(loaded.transform(X), emb.transform(X), rtol=1e-5, atol=1e-6)
    assert torch.cuda.is_available()
