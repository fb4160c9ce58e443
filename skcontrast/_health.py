"""Is a finished training run healthy? Collapse and explosion that NaN checks miss.

The training loop raises :class:`~skcontrast.TrainingDivergedError` when a loss becomes
NaN or infinite. A run can fail without that: the loss saturates at the value of a model
that cannot tell its candidates apart (``ln`` of their number) and stays there, while
the embeddings grow by orders of magnitude or fold onto one direction. After every fit
the embeddings of up to 256 training rows are compared with those of the same rows
before training:

* they grew more than ``EXPLOSION_GROWTH`` times (median row norm), or are not finite:
  :class:`~skcontrast.TrainingDivergedError` (the fit is refused; the estimator stays as
  it was);
* their effective rank fell to about 1 (every row maps to one direction): a
  :class:`TrainingCollapseWarning`;
* the training loss stayed at its chance value (within 0.1 %) for every epoch, at least
  three, moving by less than 0.1 % in all (a saturated model; a short run that is still
  learning moves more): a :class:`TrainingCollapseWarning`.

Each message names the fix.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._training import TrainingDivergedError

__all__ = ["EXPLOSION_GROWTH", "TrainingCollapseWarning", "check_training_health",
           "health_rows"]

#: Embeddings that grow more than this many times during training have diverged.
EXPLOSION_GROWTH = 1e4
#: Rows whose embeddings are compared before and after training.
HEALTH_ROWS = 256


class TrainingCollapseWarning(UserWarning):
    """Training finished, but the embeddings collapsed or the loss never left chance level.

    The fit is kept (it is a valid model, and some data, e.g. two identical rows, can
    only be embedded that way); the message says what to change.
    """


def health_rows(n_rows: int) -> np.ndarray:
    """Indices of the (at most ``HEALTH_ROWS``) evenly spaced rows used for the check."""
    if n_rows <= HEALTH_ROWS:
        return np.arange(n_rows)
    return np.linspace(0, n_rows - 1, HEALTH_ROWS).round().astype(np.int64)


def _effective_rank(Z: np.ndarray) -> float:
    """exp(entropy) of the normalised singular values (Roy & Vetterli, 2007)."""
    Z = np.asarray(Z, dtype=np.float64)
    Z = Z - Z.mean(axis=0)
    if not np.isfinite(Z).all() or Z.shape[0] < 2:
        return float("nan")
    s = np.linalg.svd(Z, compute_uv=False)
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s[s > 0] / total
    return float(np.exp(-(p * np.log(p)).sum()))


def _median_norm(Z: np.ndarray) -> float:
    return float(np.median(np.linalg.norm(np.asarray(Z, dtype=np.float64), axis=1)))


def check_training_health(name: str, before: np.ndarray, after: np.ndarray, losses,
                          chance_loss: float | None = None, *, fix: str) -> None:
    """Raise or warn when a finished fit diverged or collapsed (see the module docstring).

    Parameters
    ----------
    name : str
        The estimator's class name, for the messages.
    before, after : ndarray of shape (n_rows, n_dims)
        Learned embeddings of the same rows before and after training.
    losses : sequence of float
        The training loss of every epoch.
    chance_loss : float or None, default=None
        The loss of a model that cannot tell its candidates apart (``ln`` of their
        number), when the loss has one.
    fix : str
        What to try, appended to the messages (e.g. "lower learning_rate").

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.normal(size=(50, 8))
    >>> check_training_health("SCARFEmbedder", Z, 2 * Z, [3.0, 2.5, 2.0], fix="")
    >>> check_training_health("SCARFEmbedder", Z, 1e6 * Z, [3.0, 2.5, 2.0], fix="")
    Traceback (most recent call last):
    ...
    skcontrast._training.TrainingDivergedError: SCARFEmbedder: training diverged without ...
    """
    if not np.isfinite(after).all():
        raise TrainingDivergedError(
            f"{name}: training produced non-finite embeddings. {fix}"
        )
    size_before, size_after = _median_norm(before), _median_norm(after)
    growth = size_after / max(size_before, np.finfo(np.float32).tiny)
    if growth > EXPLOSION_GROWTH:
        raise TrainingDivergedError(
            f"{name}: training diverged without producing NaN: the embeddings grew "
            f"{growth:.1e} times (median norm {size_before:.3g} before training, "
            f"{size_after:.3g} after). {fix}"
        )
    rank_before, rank_after = _effective_rank(before), _effective_rank(after)
    if rank_before >= 2.0 and rank_after < 1.5:
        warnings.warn(
            f"{name}: the embeddings collapsed: their effective rank fell from "
            f"{rank_before:.1f} before training to {rank_after:.2f} (every row maps to "
            f"nearly the same direction). {fix}",
            TrainingCollapseWarning, stacklevel=4,
        )
    losses = [float(v) for v in losses if math.isfinite(float(v))]
    if chance_loss is not None and len(losses) >= 3:
        flat = max(losses) - min(losses) <= 1e-3 * chance_loss
        at_chance = all(abs(v - chance_loss) <= 1e-3 * chance_loss for v in losses)
        if flat and at_chance:
            warnings.warn(
                f"{name}: the training loss stayed at its chance value ({chance_loss:.4g}, "
                "the loss of an encoder that tells no candidate apart) for all "
                f"{len(losses)} epochs: the model learned nothing. {fix}",
                TrainingCollapseWarning, stacklevel=4,
            )
