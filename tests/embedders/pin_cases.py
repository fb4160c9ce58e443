"""Fixed-seed cases whose embeddings are pinned (``test_pinned_embeddings.py``).

Every parameter that shapes training is spelled out, so a change of a default does not
move a pin: these cases guard the arithmetic and the order of random draws, not the
defaults. The values are the CPU's (``device="cpu"`` everywhere, so a machine with a GPU
checks them too). Run ``python tests/embedders/pin_cases.py`` to print the values to pin.
"""

from __future__ import annotations

import numpy as np

from skcontrast import (
    ExpCLREmbedder,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
    UntrainedEmbedder,
)


def _tabular():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(70, 7))
    X[:, 3] = np.round(X[:, 3])  # a discrete column: marginal draws repeat values
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    return X, y


def _series(missing: float = 0.0):
    rng = np.random.RandomState(1)
    t = np.linspace(0, 1, 48)
    freq = rng.choice([1.0, 3.0], size=24)
    X = np.sin(2 * np.pi * freq[:, None] * t + rng.uniform(0, 6, size=(24, 1)))
    X = X + 0.1 * rng.normal(size=X.shape)
    if missing:
        X[rng.uniform(size=X.shape) < missing] = np.nan
    return X[:, None, :], (freq > 2).astype(int)


_SCARF = dict(n_components=8, corruption_rate=0.6, temperature=1.0, hidden_size=16,
              n_layers=4, batch_size=16, learning_rate=1e-3, validation_fraction=0.1,
              n_iter_no_change=3, tol=0.0, standardize=True, include_input=False,
              device="cpu", random_state=0)
_TS2VEC = dict(n_components=8, hidden_size=8, depth=3, batch_size=8, learning_rate=1e-3,
               n_iters=6, max_train_length=3000, temporal_unit=0, alpha=0.5,
               device="cpu", random_state=0)
_TAB = dict(input_type="tabular", n_components=8, hidden_size=16, n_layers=3, batch_size=16,
            learning_rate=1e-3, validation_fraction=0.1, n_iter_no_change=3, tol=0.0,
            standardize=True, include_input=False, device="cpu", random_state=0)
_SER = dict(input_type="time_series", n_components=8, hidden_size=8, depth=2, batch_size=8,
            learning_rate=1e-3, device="cpu", random_state=0)


def cases():
    """``name -> (estimator, X, y or None)``; ``y`` is passed to ``fit`` when not None."""
    X, y = _tabular()
    S, s = _series()
    M, m = _series(missing=0.2)
    y_partial = np.where(np.arange(len(y)) % 3 == 0, np.nan, y.astype(float))
    return {
        "scarf_early_stopping": (SCARFEmbedder(**_SCARF, max_epochs=40,
                                               early_stopping=True), X, None),
        "scarf_fixed_epochs": (SCARFEmbedder(**_SCARF, max_epochs=4, early_stopping=False),
                               X, None),
        "scarf_untrained": (UntrainedEmbedder(SCARFEmbedder(**_SCARF, max_epochs=4)), X, None),
        "ts2vec_full": (TS2VecEmbedder(**_TS2VEC, encoding_window="full_series",
                                       pooling="all"), S, None),
        "ts2vec_missing_multiscale": (TS2VecEmbedder(**_TS2VEC, encoding_window="multiscale",
                                                     pooling="observed"), M, None),
        "supcon_tabular_es": (SupConEmbedder(**_TAB, temperature=0.1, projection_size=8,
                                             corruption_rate=0.3, noise_std=0.1,
                                             max_epochs=30, early_stopping=True), X, y),
        "supcon_tabular_balanced": (SupConEmbedder(**_TAB, temperature=0.1, projection_size=8,
                                                   corruption_rate=0.3, noise_std=0.1,
                                                   balanced_batches=True, max_epochs=3,
                                                   early_stopping=False), X, y),
        "supcon_tabular_auto_epochs": (SupConEmbedder(**{**_TAB, "validation_fraction": 0.2},
                                                      projection_size=8, max_epochs=None,
                                                      corruption_rate=0.5, noise_std=0.0,
                                                      early_stopping="auto"), X, y),
        "supcon_series": (SupConEmbedder(**_SER, temperature=0.1, projection_size=8,
                                         jitter_sigma=0.03, scaling_sigma=0.1,
                                         crop_min_fraction=0.8, mask_p=0.1, max_epochs=3,
                                         early_stopping=False), M, m),
        "expclr_tabular": (ExpCLREmbedder(**_TAB, expert_features=np.abs, delta=1.0,
                                          temperature=1.0, max_epochs=30,
                                          early_stopping=True), X, y_partial),
        "expclr_series": (ExpCLREmbedder(**_SER, delta=1.0, temperature=1.0, max_epochs=3,
                                         early_stopping=False), S, None),
        "expclr_series_auto": (ExpCLREmbedder(**{**_SER, "batch_size": 16}, max_epochs=None,
                                              early_stopping="auto"), M, None),
    }


def embed(name):
    estimator, X, y = cases()[name]
    estimator.fit(X) if y is None else estimator.fit(X, y)
    return estimator.transform(X)


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    for name in cases():
        Z = embed(name)
        print(f"    {name!r}: ({[float(v) for v in Z[0, :3]]}, "
              f"{[float(v) for v in Z[-1, -3:]]}, {float(Z.sum(dtype=np.float64))!r}),")
