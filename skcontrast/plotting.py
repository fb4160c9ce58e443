"""Look at embeddings: a 2-D view (PCA or t-SNE) coloured by label.

matplotlib is imported only when a function here is called; install it with
``pip install matplotlib``.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils.validation import check_array

__all__ = ["plot_embedding"]

_METHODS = ("pca", "tsne")


def plot_embedding(embeddings, y=None, *, method="pca", ax=None, title=None,
                   random_state=0, **scatter_kws):
    """Scatter embeddings projected to 2-D by PCA or t-SNE, one colour per label.

    The view contrastive-learning tutorials show: classes that separate in the plane
    are what a linear or kNN probe will find. PCA keeps global distances (a linear
    map); t-SNE keeps neighbourhoods and can make clusters look cleaner than they are
    (its axes and cluster distances mean nothing). Embeddings already 2-D are drawn as
    they are.

    Parameters
    ----------
    embeddings : array-like of shape (n_samples, n_features)
        The output of an embedder's ``transform`` (or any feature matrix).
    y : array-like of shape (n_samples,) or None, default=None
        Labels colouring the points (a legend names them); ``None`` draws one colour.
    method : {"pca", "tsne"}, default="pca"
        How to project to two dimensions.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure is created when ``None``.
    title : str or None, default=None
        Title of the axes; by default the method and, for PCA, the share of the
        variance the two components explain.
    random_state : int, default=0
        Seed of t-SNE (PCA is deterministic here).
    **scatter_kws
        Passed to :meth:`matplotlib.axes.Axes.scatter` (e.g. ``s=10``, ``alpha=0.6``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on: one scatter collection per label.

    Raises
    ------
    ValueError
        If ``method`` is unknown, ``y`` has the wrong length, or there are fewer than
        3 samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skcontrast.plotting import plot_embedding
    >>> X, y = load_iris(return_X_y=True)
    >>> ax = plot_embedding(X, y)
    >>> len(ax.collections)  # one colour per class
    3
    """
    import matplotlib.pyplot as plt

    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    Z = check_array(embeddings, dtype=np.float64, input_name="embeddings")
    if Z.shape[0] < 3:
        raise ValueError(f"plot_embedding needs at least 3 samples; got {Z.shape[0]}.")
    if y is not None:
        y = np.asarray(y)
        if y.shape != (Z.shape[0],):
            raise ValueError(
                f"y must hold one label per row of embeddings: got shape {y.shape} for "
                f"{Z.shape[0]} rows."
            )
    default_title = "embeddings"
    if Z.shape[1] > 2 and method == "pca":
        pca = PCA(n_components=2).fit(Z)
        Z = pca.transform(Z)
        share = pca.explained_variance_ratio_.sum()
        default_title = f"PCA of the embeddings ({share:.0%} of the variance)"
    elif Z.shape[1] > 2:
        # Perplexity must stay below the number of samples.
        perplexity = min(30.0, (Z.shape[0] - 1) / 3)
        Z = TSNE(n_components=2, perplexity=perplexity, init="pca",
                 random_state=random_state).fit_transform(Z)
        default_title = "t-SNE of the embeddings"
    elif Z.shape[1] == 1:
        Z = np.column_stack([Z[:, 0], np.zeros(len(Z))])

    if ax is None:
        # Constrained layout keeps the legend (outside the axes) inside the figure, so a
        # plain fig.savefig does not cut it off.
        _, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    scatter_kws = {"s": 14, "alpha": 0.75, **scatter_kws}
    if y is None:
        ax.scatter(Z[:, 0], Z[:, 1], **scatter_kws)
    else:
        for label in np.unique(y):
            rows = y == label
            ax.scatter(Z[rows, 0], Z[rows, 1], label=str(label), **scatter_kws)
        ax.legend(title="label", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize="small", frameon=False)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(default_title if title is None else title)
    return ax
