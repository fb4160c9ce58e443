"""Global settings of skcontrast: how large inputs are blocked, which convolution runs.

Modelled on :func:`sklearn.config_context`: the settings never change a result (the
embeddings are identical whatever they are, see ``tests/test_out_of_core.py``), only
the memory and time it takes to compute them, which is what ``benchmarks/`` measures by
changing them. Each thread sees its own settings.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from numbers import Real

__all__ = ["config_context", "get_config", "set_config"]

_DEFAULTS = {
    "block_mib": 64,
    "stream_above_mib": 256,
    "dilated_conv": "auto",
}
_CONV_CHOICES = ("auto", "library", "per_tap")
_local = threading.local()


def _settings() -> dict:
    if not hasattr(_local, "settings"):
        _local.settings = dict(_DEFAULTS)
    return _local.settings


def get_config() -> dict:
    """The current settings (a copy): see :func:`set_config` for their meaning.

    Returns
    -------
    config : dict

    Examples
    --------
    >>> import skcontrast
    >>> skcontrast.get_config()["block_mib"]
    64
    """
    return dict(_settings())


def _check_size(value, name: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value)
            or value <= 0):
        raise ValueError(f"{name} must be a positive, finite number of MiB (a very large "
                         f"one, e.g. 2**40, takes inputs whole); got {value!r}.")
    return value


def set_config(block_mib=None, stream_above_mib=None, dilated_conv=None):
    """Change skcontrast's global settings (for the current thread).

    Parameters not given keep their value. None of them changes a result: fits and
    embeddings are identical whatever the settings, only memory and time change.

    Parameters
    ----------
    block_mib : float, default=None
        Size in MiB of the blocks in which a large input is validated and preprocessed
        (``transform``, the standardisation statistics, a training split): memory beyond
        the output stays about this size whatever the number of rows. Default 64.
        ``float("inf")`` is not accepted; pass a very large number to take inputs whole.
    stream_above_mib : float, default=None
        A numeric table whose float32 copy would exceed this many MiB is streamed during
        ``fit`` on the CPU (its rows read and standardised when a batch needs them)
        instead of copied. Default 256.
    dilated_conv : {"auto", "library", "per_tap"}, default=None
        How the time-series encoder computes its convolutions: ``"library"`` (the
        device's ``conv1d``), ``"per_tap"`` (one matrix product per kernel tap,
        time-major) or ``"auto"`` (default: per tap while training on the CPU, the
        library elsewhere; ``benchmarks/bench_dilated_conv.py`` measures both).

    Examples
    --------
    >>> import skcontrast
    >>> skcontrast.set_config(block_mib=32)
    >>> skcontrast.get_config()["block_mib"]
    32
    >>> skcontrast.set_config(block_mib=64)
    """
    settings = _settings()
    if block_mib is not None:
        settings["block_mib"] = _check_size(block_mib, "block_mib")
    if stream_above_mib is not None:
        settings["stream_above_mib"] = _check_size(stream_above_mib, "stream_above_mib")
    if dilated_conv is not None:
        if dilated_conv not in _CONV_CHOICES:
            raise ValueError(f"dilated_conv must be one of {', '.join(map(repr, _CONV_CHOICES))}"
                             f"; got {dilated_conv!r}.")
        settings["dilated_conv"] = dilated_conv


@contextmanager
def config_context(**settings):
    """Change settings within a ``with`` block, restored on exit.

    Parameters
    ----------
    **settings
        Any parameter of :func:`set_config`.

    Examples
    --------
    >>> import numpy as np
    >>> import skcontrast
    >>> from skcontrast import SCARFEmbedder
    >>> X = np.random.RandomState(0).normal(size=(60, 4))
    >>> emb = SCARFEmbedder(max_epochs=2, random_state=0).fit(X)
    >>> with skcontrast.config_context(block_mib=1):
    ...     Z = emb.transform(X)
    >>> bool((Z == emb.transform(X)).all())
    True
    """
    unknown = sorted(set(settings) - set(_DEFAULTS))
    if unknown:
        raise TypeError(f"Unknown skcontrast setting(s) {unknown}; the settings are "
                        f"{sorted(_DEFAULTS)}.")
    before = get_config()
    set_config(**settings)
    try:
        yield
    finally:
        _settings().clear()
        _settings().update(before)


def block_bytes() -> int:
    """The block size in bytes (see ``block_mib``)."""
    return int(_settings()["block_mib"] * 2**20)


def stream_above_bytes() -> int:
    """The streaming threshold in bytes (see ``stream_above_mib``)."""
    return int(_settings()["stream_above_mib"] * 2**20)
