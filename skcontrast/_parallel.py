"""Parallel map that streams results when the active joblib backend can.

The benchmark runner and :func:`~skcontrast.robustness.robustness_curve` consume results
as they arrive (a progress bar, partial rows). joblib's ``return_as="generator"`` does
that, but some backends refuse it (``supports_return_generator = False``; Ray's joblib
backend, for one, subclasses such a backend), raising ``ValueError`` before any task
runs. There the same tasks run through a list-returning ``Parallel``: identical results,
delivered at the end.
"""

from __future__ import annotations

from sklearn.utils.parallel import Parallel

__all__ = ["parallel_results"]


def parallel_results(tasks, n_jobs=None, *, ordered=True):
    """Run joblib ``delayed`` tasks; an iterator over their results.

    Parameters
    ----------
    tasks : iterable of delayed calls
        As built with :func:`sklearn.utils.parallel.delayed`.
    n_jobs : int or None, default=None
        Passed to :class:`~sklearn.utils.parallel.Parallel` (the active
        ``joblib.parallel_config`` decides the backend).
    ordered : bool, default=True
        Deliver results in task order; ``False``: as tasks finish (a finished task is
        not held back by a slower one before it, e.g. to be written to disk at once).

    Returns
    -------
    results : iterator
        A generator when the backend supports one, else an iterator over a list.
    """
    try:
        parallel = Parallel(n_jobs=n_jobs,
                            return_as="generator" if ordered else "generator_unordered")
    except ValueError as exc:
        if "return_as" not in str(exc):
            raise
        return iter(Parallel(n_jobs=n_jobs)(tasks))
    return parallel(tasks)
