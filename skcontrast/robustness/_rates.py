"""How many items a perturbation rate selects: shared by the missing-value and label-noise
perturbations, so that both round the same way."""

import math


def n_selected(rate: float, n_items: int) -> int:
    """``round(rate * n_items)`` with halves rounded up, never above ``n_items``.

    Python's ``round`` sends halves to the even neighbour; rounding half up makes
    the count monotone in ``rate`` and independent of parity.

    Examples
    --------
    >>> n_selected(0.5, 3), n_selected(0.5, 5), n_selected(1.0, 4)
    (2, 3, 4)
    """
    return min(int(math.floor(rate * n_items + 0.5)), n_items)
