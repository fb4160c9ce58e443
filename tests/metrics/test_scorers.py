"""Label-free scores drive GridSearchCV and cross_validate without labels."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast import ExpCLREmbedder, SCARFEmbedder, SupConEmbedder, TS2VecEmbedder
from skcontrast.metrics import (
    LABEL_FREE_SCORES,
    alignment,
    effective_rank,
    info_nce_bound,
    label_free_score,
    make_label_free_scorer,
    uniformity,
)

FAST = dict(max_epochs=3, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def fitted(data):
    return SCARFEmbedder(**FAST).fit(data[0])


def test_scores_are_the_diagnostics_oriented_greater_is_better(data, fitted):
    X = data[0][200:]
    Z = fitted.transform(X)
    Z1, Z2 = fitted.positive_pairs(X)
    assert label_free_score(fitted, X, "effective_rank") == effective_rank(Z)
    assert label_free_score(fitted, X, "uniformity") == -uniformity(Z)
    assert label_free_score(fitted, X, "alignment") == -alignment(Z1, Z2)
    assert label_free_score(fitted, X, "info_nce_bound") == info_nce_bound(
        Z1, Z2, temperature=fitted.temperature)
    assert fitted.score(X) == effective_rank(Z)


def test_scarf_positive_pairs_are_a_row_and_its_corruption(data, fitted):
    X = data[0][:50]
    Z1, Z2 = fitted.positive_pairs(X, random_state=1)
    np.testing.assert_array_equal(Z1, fitted.transform(X))  # the clean anchor
    assert not np.array_equal(Z1, Z2)
    again = fitted.positive_pairs(X, random_state=1)[1]
    np.testing.assert_array_equal(Z2, again)  # seeded
    assert not np.array_equal(Z2, fitted.positive_pairs(X, random_state=2)[1])
    np.testing.assert_array_equal(fitted.positive_pairs(X)[1],
                                  fitted.positive_pairs(X, random_state=0)[1])  # its own seed


def test_every_augmenting_embedder_makes_pairs_and_expclr_says_why_not(data):
    X, y = data
    series = np.random.default_rng(0).standard_normal((20, 2, 40))
    for embedder, inputs in [(SupConEmbedder(**FAST).fit(X, y), X),
                             (TS2VecEmbedder(n_iters=2, random_state=0).fit(series), series)]:
        Z1, Z2 = embedder.positive_pairs(inputs)
        assert Z1.shape == Z2.shape == (len(inputs), embedder.n_components)
        assert np.isfinite(Z1).all() and not np.array_equal(Z1, Z2)
    expclr = ExpCLREmbedder(**FAST).fit(X)
    with pytest.raises(TypeError, match="no positive pairs.*effective_rank"):
        label_free_score(expclr, X, "alignment")
    assert label_free_score(expclr, X, "effective_rank") > 1


def test_grid_search_without_labels_or_scoring_refits_the_best_rank(data):
    X = data[0]
    pipe = Pipeline([("scale", StandardScaler()), ("scarf", SCARFEmbedder(**FAST))])
    grid = {"scarf__corruption_rate": [0.2, 0.9], "scarf__n_components": [4, 16]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_ == search.cv_results_["params"][int(np.argmax(scores))]
    # The scores are effective ranks of held-out embeddings: refit and recompute one.
    best = search.best_estimator_
    assert best.named_steps["scarf"].n_components == search.best_params_["scarf__n_components"]
    assert search.score(X) == pytest.approx(effective_rank(best.transform(X)))


@pytest.mark.parametrize("score", LABEL_FREE_SCORES)
def test_scorers_work_in_grid_search_and_cross_validate(data, score):
    X = data[0]
    scorer = make_label_free_scorer(score, random_state=0)
    assert repr(scorer) == f"make_label_free_scorer({score!r})"
    search = GridSearchCV(SCARFEmbedder(**FAST), {"corruption_rate": [0.3, 0.6]}, cv=2,
                          scoring=scorer).fit(X)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    result = cross_validate(SCARFEmbedder(**FAST), X, cv=2, scoring={"s": scorer})
    assert np.isfinite(result["test_s"]).all()


def test_a_pipeline_ending_in_a_classifier_scores_its_embedder(data):
    X, y = data
    pipe = Pipeline([("scale", StandardScaler()), ("scarf", SCARFEmbedder(**FAST)),
                     ("clf", LogisticRegression())]).fit(X, y)
    Xt = pipe[:1].transform(X)
    assert label_free_score(pipe, X) == effective_rank(pipe.named_steps["scarf"].transform(Xt))


def test_scorer_errors(data, fitted):
    with pytest.raises(ValueError, match="score must be one of"):
        make_label_free_scorer("accuracy")
    with pytest.raises(ValueError, match="score must be one of"):
        label_free_score(fitted, data[0], "rank")
    with pytest.raises(TypeError, match="needs a skcontrast embedder"):
        label_free_score(Pipeline([("s", StandardScaler())]).fit(data[0]), data[0])
    with pytest.raises(TypeError, match="no transform"):
        label_free_score(LogisticRegression(), data[0])
