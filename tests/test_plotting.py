"""The 2-D embedding view: what it projects, what it colours, and its errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from skcontrast.plotting import plot_embedding  # noqa: E402


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    y = np.repeat(["a", "b"], 20)
    X[y == "b", 0] += 5.0
    return X, y


def test_pca_view_places_each_class_at_its_projection(data):
    X, y = data
    ax = plot_embedding(X, y)
    expected = PCA(n_components=2).fit_transform(X)
    a, b = ax.collections
    np.testing.assert_allclose(a.get_offsets(), expected[y == "a"])
    np.testing.assert_allclose(b.get_offsets(), expected[y == "b"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert "PCA" in ax.get_title() and "%" in ax.get_title()
    plt.close("all")


def test_tsne_is_seeded_and_small_sets_work(data):
    X, y = data
    first = plot_embedding(X[:10], y[:10], method="tsne", random_state=1)
    again = plot_embedding(X[:10], y[:10], method="tsne", random_state=1)
    for c1, c2 in zip(first.collections, again.collections):
        np.testing.assert_allclose(c1.get_offsets(), c2.get_offsets())
    assert first.get_title() == "t-SNE of the embeddings"
    plt.close("all")


def test_two_and_one_dimensional_inputs_are_drawn_as_they_are(data):
    X, _ = data
    _, given = plt.subplots()
    ax = plot_embedding(X[:, :2], ax=given, title="raw")
    assert ax is given and ax.get_title() == "raw" and ax.get_legend() is None
    np.testing.assert_allclose(ax.collections[0].get_offsets(), X[:, :2])
    line = plot_embedding(X[:, :1]).collections[0].get_offsets()
    np.testing.assert_allclose(line[:, 1], 0.0)
    plt.close("all")


@pytest.mark.parametrize(
    "kwargs, message",
    [({"method": "umap"}, "method must be one of"),
     ({"y": np.zeros(3)}, "one label per row")],
)
def test_errors_name_the_problem(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_embedding(data[0], **kwargs)
    with pytest.raises(ValueError, match="at least 3"):
        plot_embedding(data[0][:2])
    with pytest.raises(ValueError, match="NaN"):
        plot_embedding(np.full((5, 3), np.nan))


def test_a_plain_savefig_keeps_the_legend_inside_the_figure(tmp_path):
    rng = np.random.RandomState(0)
    labels = np.repeat(["a long class name", "another class", "third"], 20)
    ax = plot_embedding(rng.normal(size=(60, 5)), labels)
    fig = ax.figure
    fig.savefig(tmp_path / "plain.png")  # no bbox_inches="tight"
    renderer = fig.canvas.get_renderer()
    box = ax.get_legend().get_window_extent(renderer)
    assert box.x0 >= 0 and box.y0 >= 0
    assert box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    plt.close(fig)
