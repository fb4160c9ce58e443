"""Public API docstrings follow numpydoc and carry examples (the examples run as doctests)."""

import importlib
import inspect

import pytest
from numpydoc.validate import validate

import skcontrast
from skcontrast import (
    augmentations,
    benchmark,
    callbacks,
    datasets,
    distributed,
    encoders,
    losses,
    metrics,
    plotting,
    probes,
    robustness,
    utils,
)

# Checks we enforce: every parameter documented, sections well formed, examples present.
ENFORCED = {"GL08", "PR01", "PR02", "PR03", "PR07", "SS01", "EX01", "GL02", "GL03"}


def _public_objects():
    seen = {}
    for module in (skcontrast, losses, callbacks, augmentations, encoders, probes, robustness,
                   datasets, benchmark, utils, plotting, metrics, distributed):
        names = getattr(module, "__all__", None) or [n for n in vars(module) if n[0] != "_"]
        for name in names:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__.startswith(
                "skcontrast"
            ):
                seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return sorted(seen)


@pytest.mark.parametrize("qualname", _public_objects())
def test_numpydoc(qualname):
    module, _, name = qualname.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    if isinstance(obj, type) and issubclass(obj, BaseException):
        pytest.skip("exception class: a one-line docstring is enough")
    result = validate(qualname)
    errors = [(code, msg) for code, msg in result["errors"] if code in ENFORCED]
    assert not errors, errors
