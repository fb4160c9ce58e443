"""Saving and loading estimators as plain data: no code runs when a model file is loaded.

A pickle can execute arbitrary code on load. A skcontrast model file is a NumPy ``.npz``
archive read with ``allow_pickle=False``: a JSON manifest (the format version, each
estimator's class, parameters and fitted attributes) and numeric or text arrays (the
fitted arrays and the networks' weights). Loading parses JSON, reads arrays, and builds
only classes of an allow-list (skcontrast's estimators and the scikit-learn pieces of its
probes), from data: constructors store validated parameters, networks are rebuilt from
the estimator's own architecture code and receive the saved weights. A checksum over the
manifest and the arrays refuses files modified after saving.

What cannot be data is refused at save time with the fix: a callable parameter (ExpCLR's
``expert_features``, callbacks), a ``RandomState`` instance, a probe whose fitted state is
not plain arrays (k-NN trees, forests).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import torch
from skorch.history import History
from torch import nn

from ._version import __version__
from .distributed import world

__all__ = ["FORMAT_VERSION", "ModelFileError", "PersistenceMixin", "load", "save"]

#: Version of the file layout; a file from a newer version is refused.
FORMAT_VERSION = 1
_MAGIC = "skcontrast-model"

#: scikit-learn classes whose fitted state is plain data (what the probes are made of).
_SKLEARN_ALLOWED = {
    "sklearn.svm._classes.SVC",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.pipeline.Pipeline",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.model_selection._split.KFold",
}


class ModelFileError(ValueError):
    """A model file is not a skcontrast model, was modified, or cannot be read here."""


def _qualname(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


#: The estimators a model file may name, by class name: every concrete
#: :class:`PersistenceMixin` subclass defined in skcontrast registers itself when its
#: module is imported (``__init_subclass__``), so this module never imports the
#: estimators' modules (they import it). ``import skcontrast`` imports them all.
_REGISTRY: dict[str, type] = {}


def _register(cls: type) -> None:
    if not cls.__module__.startswith("skcontrast.") or cls.__name__.startswith("_"):
        return  # user subclasses and private helpers are not loadable from a file
    known = _REGISTRY.setdefault(cls.__name__, cls)
    if known is not cls:
        raise RuntimeError(f"Two skcontrast estimators are named {cls.__name__}: "
                           f"{_qualname_of(known)} and {_qualname_of(cls)}.")


def _qualname_of(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _skcontrast_classes() -> dict:
    # Abstract bases register too (ABCMeta marks them abstract only after
    # __init_subclass__ ran); they are left out here, when the file is read.
    return {name: cls for name, cls in _REGISTRY.items() if not inspect.isabstract(cls)}


def _resolve_sklearn(qualname: str):
    if qualname not in _SKLEARN_ALLOWED:
        raise ModelFileError(
            f"The file names the class {qualname!r}, which skcontrast does not load from "
            "data. It was not written by skcontrast, or it was modified."
        )
    module, _, name = qualname.rpartition(".")
    return getattr(importlib.import_module(module), name)


class _Writer:
    """Turns an estimator into JSON-able nodes and a dict of arrays."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray) -> dict:
        if value.dtype.hasobject or value.dtype.names is not None:
            return {"__objarray__": [self.value(v, "array item") for v in value.ravel()],
                    "shape": list(value.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(value)
        return {"__array__": key}

    def value(self, value, where: str):
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.generic):
            return {"__scalar__": value.dtype.str, "value": self.array(np.asarray(value))}
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, torch.device):
            return {"__device__": str(value)}
        if isinstance(value, History):
            return {"__history__": [self.value(dict(r), f"{where} record") for r in value]}
        if isinstance(value, tuple):
            return {"__tuple__": [self.value(v, where) for v in value]}
        if isinstance(value, list):
            return [self.value(v, where) for v in value]
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError(f"{where}: a dict with non-string keys cannot be saved.")
            return {"__dict__": {k: self.value(v, f"{where}[{k!r}]") for k, v in value.items()}}
        if _qualname(value).startswith("skcontrast.") and hasattr(value, "get_params"):
            return {"__estimator__": self.estimator(value)}
        if _qualname(value) in _SKLEARN_ALLOWED:
            return {"__sklearn__": _qualname(value),
                    "state": {k: self.value(v, f"{where}.{k}") for k, v in vars(value).items()}}
        if callable(value):
            raise TypeError(
                f"{where} is code ({getattr(value, '__name__', value)!r}, a function or a "
                "module), and a skcontrast model file holds data only. Set it to its "
                "default before saving (the fitted model does not need it to transform), "
                "and pass it again when you refit the loaded model."
            )
        if isinstance(value, np.random.RandomState):
            raise TypeError(f"{where} is a RandomState instance; use an integer seed to save.")
        raise TypeError(
            f"{where} is a {type(value).__name__}, which cannot be saved as data. "
            "Supported: skcontrast estimators, their probes (SVM, logistic) and plain values."
        )

    def estimator(self, est) -> dict:
        name = type(est).__name__
        if _skcontrast_classes().get(name) is not type(est):
            raise TypeError(f"{name} is not a skcontrast estimator that can be saved.")
        raw_params = est.get_params(deep=False)
        if raw_params.get("callbacks"):
            raise TypeError(
                f"{name}.callbacks holds callback objects, which are code, and a skcontrast "
                "model file holds data only: set_params(callbacks=None) before saving."
            )
        params = {k: self.value(v, f"{name}.{k}") for k, v in raw_params.items()}
        skip = set(est._not_saved)
        state, modules = {}, {}
        for key, value in vars(est).items():
            if key in params or key in skip:
                continue
            if isinstance(value, nn.Module):
                weights = {k: self.array(t.detach().cpu().numpy())
                           for k, t in value.state_dict().items()}
                modules[key] = {"weights": weights, "dtype": str(_dtype_of(value))}
            else:
                state[key] = self.value(value, f"{name}.{key}")
        return {"class": name, "params": params, "state": state, "modules": modules}


def _dtype_of(module: nn.Module) -> torch.dtype:
    tensor = next(iter(module.parameters()), None)
    return torch.float32 if tensor is None else tensor.dtype


class _Reader:
    """Builds estimators back from nodes and arrays."""

    def __init__(self, arrays):
        self.arrays = arrays

    def array(self, key):
        if key not in self.arrays:
            raise ModelFileError(f"The file lacks the array {key!r}: it is truncated or was "
                                 "modified.")
        return self.arrays[key]

    def value(self, node):
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise ModelFileError(f"Unreadable value in the manifest: {node!r}.")
        if "__array__" in node:
            return self.array(node["__array__"]).copy()
        if "__objarray__" in node:
            items = [self.value(v) for v in node["__objarray__"]]
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape(node["shape"])
        if "__float__" in node:
            return float(node["__float__"])
        if "__scalar__" in node:
            return self.value(node["value"]).astype(np.dtype(node["__scalar__"]))[()]
        if "__device__" in node:
            return torch.device(node["__device__"])
        if "__history__" in node:
            return History(self.value(r) for r in node["__history__"])
        if "__tuple__" in node:
            return tuple(self.value(v) for v in node["__tuple__"])
        if "__dict__" in node:
            return {k: self.value(v) for k, v in node["__dict__"].items()}
        if "__estimator__" in node:
            return self.estimator(node["__estimator__"])
        if "__sklearn__" in node:
            cls = _resolve_sklearn(node["__sklearn__"])
            obj = cls.__new__(cls)
            obj.__dict__.update({k: self.value(v) for k, v in node["state"].items()})
            return obj
        raise ModelFileError(f"Unreadable value in the manifest: {sorted(node)}.")

    def estimator(self, node):
        classes = _skcontrast_classes()
        name = node.get("class")
        if name not in classes:
            raise ModelFileError(
                f"The file names the estimator {name!r}, which is not a skcontrast estimator "
                f"({sorted(classes)})."
            )
        cls = classes[name]
        params = {k: self.value(v) for k, v in node["params"].items()}
        try:
            est = cls(**params)
            est._validate_params()
        except (TypeError, ValueError) as exc:
            raise ModelFileError(
                f"The {name} parameters in the file do not validate ({exc}): the file was "
                "modified, or written by an incompatible version."
            ) from exc
        for key, value in node["state"].items():
            setattr(est, key, self.value(value))
        if node["state"]:
            for key in cls._not_saved:
                setattr(est, key, None)
        for key, spec in node["modules"].items():
            module = est._module_for_loading(key)
            dtype = getattr(torch, spec["dtype"].replace("torch.", ""))
            weights = {k: torch.from_numpy(np.asarray(self.value(a))) for k, a in
                       spec["weights"].items()}
            try:
                module = module.to(dtype)
                module.load_state_dict(weights, strict=True)
            except (RuntimeError, KeyError) as exc:
                raise ModelFileError(
                    f"The weights of {name}.{key} do not fit its architecture ({exc}): the "
                    "file was modified, or written by an incompatible version."
                ) from exc
            setattr(est, key, module.eval())
        return est


class PersistenceMixin:
    """``save(path)``: write the estimator as plain data (:func:`skcontrast.load` reads it)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _register(cls)

    #: Fitted attributes that are not saved (set to None on load).
    _not_saved: tuple = ()

    def save(self, path):
        """Write this estimator to ``path`` as plain data; no code runs when it is loaded.

        The file is a NumPy ``.npz`` archive read with ``allow_pickle=False``: a JSON
        manifest (format version, class, parameters, fitted attributes, checksum) and the
        arrays (fitted arrays, network weights). Read it back with
        :func:`skcontrast.load`; a model fitted on a GPU loads on a CPU. Inside a
        ``torch.distributed`` process group only rank 0 writes (see
        :mod:`skcontrast.distributed`).

        Parameters
        ----------
        path : str or path-like
            The file to write (conventionally ``*.skc``).

        Returns
        -------
        path : pathlib.Path
            The file written.

        Raises
        ------
        TypeError
            A parameter or attribute is code, not data (a callable such as ExpCLR's
            ``expert_features``, callbacks, a ``RandomState``): the message says which
            and how to save without it.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> import skcontrast
        >>> from skcontrast import SCARFEmbedder
        >>> X = np.random.RandomState(0).normal(size=(40, 4))
        >>> emb = SCARFEmbedder(max_epochs=2, random_state=0).fit(X)
        >>> path = emb.save(os.path.join(tempfile.mkdtemp(), "scarf.skc"))
        >>> bool((skcontrast.load(path).transform(X) == emb.transform(X)).all())
        True
        """
        return save(self, path)

    def _module_for_loading(self, name: str) -> nn.Module:
        """An uninitialised module with the architecture of the fitted attribute ``name``."""
        raise ModelFileError(f"{type(self).__name__} has no network attribute {name!r}.")


def _checksum(manifest: dict, arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode())
    for key in sorted(arrays):
        array = arrays[key]
        digest.update(f"{key}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def save(estimator, path) -> Path:
    """Write ``estimator`` to ``path`` as plain data (see the module docstring).

    Parameters
    ----------
    estimator : estimator
        A skcontrast estimator, fitted or not.
    path : str or path-like
        The file to write (conventionally ending in ``.skc``). Inside a
        ``torch.distributed`` process group only rank 0 writes (every rank holds the same
        model after a data-parallel fit); the other ranks return ``path`` unwritten.

    Returns
    -------
    path : pathlib.Path
    """
    if world()[0] != 0:
        return Path(path)
    writer = _Writer()
    tree = writer.estimator(estimator)
    manifest = {"format": _MAGIC, "format_version": FORMAT_VERSION,
                "skcontrast_version": __version__, "estimator": tree}
    manifest["checksum"] = _checksum(manifest, writer.arrays)
    payload = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    path = Path(path)
    buffer = io.BytesIO()
    np.savez(buffer, __manifest__=payload, **writer.arrays)
    path.write_bytes(buffer.getvalue())
    return path


def load(path):
    """Read an estimator written by :func:`save`, executing no code from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by ``estimator.save(path)``.

    Returns
    -------
    estimator
        The estimator, fitted as it was saved (networks on the CPU).

    Raises
    ------
    ModelFileError
        The file is not a skcontrast model, holds pickled objects, was modified after
        saving (checksum), comes from a newer format version, names classes skcontrast
        does not load, or holds parameters that do not validate.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import skcontrast
    >>> from skcontrast.probes import SVMProbe
    >>> X, y = np.random.RandomState(0).normal(size=(30, 3)), np.arange(30) % 2
    >>> path = SVMProbe().fit(X, y).save(os.path.join(tempfile.mkdtemp(), "svm.skc"))
    >>> skcontrast.load(path).predict(X[:4]).shape
    (4,)
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except FileNotFoundError:
        raise
    except ValueError as exc:
        if not zipfile.is_zipfile(path):
            # np.load reads a file that is not a zip as a pickle, and refuses it: say
            # which of the two it is (a pickle starts with the PROTO opcode 0x80).
            with open(path, "rb") as file:
                pickled = file.read(1) == b"\x80"
            what = ("a pickle, and skcontrast never loads pickled objects" if pickled
                    else "not an .npz archive")
            raise ModelFileError(
                f"{path} is not a skcontrast model file ({what}; a model is written by "
                "estimator.save(path) and read by skcontrast.load(path))."
            ) from exc
        raise ModelFileError(
            f"{path} holds pickled objects (or is damaged), and skcontrast model files never "
            f"do: refused without loading them ({exc})."
        ) from exc
    except Exception as exc:  # not a zip/npz at all
        raise ModelFileError(f"{path} is not a skcontrast model file ({exc}).") from exc
    if "__manifest__" not in arrays:
        raise ModelFileError(f"{path} is not a skcontrast model file (no manifest).")
    try:
        manifest = json.loads(arrays.pop("__manifest__").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: the manifest is not valid JSON ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != _MAGIC:
        raise ModelFileError(f"{path} is not a skcontrast model file.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written in format version {version!r} by skcontrast "
            f"{manifest.get('skcontrast_version')}; this skcontrast reads up to version "
            f"{FORMAT_VERSION}. Upgrade skcontrast to load it."
        )
    expected = manifest.pop("checksum", None)
    if expected != _checksum(manifest, arrays):
        raise ModelFileError(
            f"{path} was modified after it was saved (its checksum does not match): refused."
        )
    return _Reader(arrays).estimator(manifest["estimator"])
