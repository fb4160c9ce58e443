"""The contract every embedder shares: declared hooks, all-or-nothing fits, the encoder API."""

import ast
import copy
import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import skcontrast
from skcontrast import (
    ExpCLREmbedder,
    SCARFEmbedder,
    SupConEmbedder,
    TrainingDivergedError,
    TS2VecEmbedder,
)
from skcontrast import base as base_module
from skcontrast.base import BaseContrastiveEmbedder
from skcontrast.datasets import make_ts_classification

PACKAGE = Path(skcontrast.__file__).parent

TABULAR = dict(n_components=8, hidden_size=16, max_epochs=3, batch_size=16, random_state=0)
SERIES = dict(n_components=8, hidden_size=8, depth=2, random_state=0)


def _cases():
    X, y = np.random.RandomState(0).normal(size=(60, 6)), np.arange(60) % 2
    S, s = make_ts_classification(n_samples=24, n_timesteps=30, random_state=0)
    return [
        ("scarf", SCARFEmbedder(**TABULAR, early_stopping=False), X, None),
        ("supcon", SupConEmbedder(**TABULAR, n_layers=2, early_stopping=False), X, y),
        ("expclr", ExpCLREmbedder(**TABULAR, expert_features=np.abs, early_stopping=False),
         X, None),
        ("ts2vec", TS2VecEmbedder(**SERIES, n_iters=3), S, None),
        ("supcon_series", SupConEmbedder(**SERIES, projection_size=8, max_epochs=2), S, s),
        ("expclr_series", ExpCLREmbedder(**SERIES, max_epochs=2), S, None),
    ]


CASES = _cases()
IDS = [c[0] for c in CASES]


def _fit(estimator, X, y, **params):
    estimator.set_params(**params)
    return estimator.fit(X) if y is None else estimator.fit(X, y)


# ---------------------------------------------------------------- architecture
def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield node.level, node.module or "", [a.name for a in node.names]


def test_no_embedder_module_imports_another():
    embedders = {p.stem for p in (PACKAGE / "embedders").glob("*.py") if p.stem != "__init__"}
    for path in (PACKAGE / "embedders").glob("*.py"):
        if path.stem == "__init__":
            continue
        for level, module, names in _imports(path):
            if level == 1:  # "from .x import" or "from . import x" inside embedders/
                imported = {module.split(".")[0]} if module else set(names)
                assert not imported & embedders, f"{path.name} imports {imported & embedders}"


def test_no_module_imports_a_private_name_from_another_layer():
    private = re.compile(r"^_[a-z]")
    for path in PACKAGE.rglob("*.py"):
        for level, module, _names in _imports(path):
            if level == 0:
                continue
            parts = module.split(".") if module else []
            # from a private module of another subpackage (e.g. ..probes._evaluate)
            crosses = level >= 2 and len(parts) >= 2 and private.match(parts[-1])
            assert not crosses, f"{path.relative_to(PACKAGE)} imports from ..{module}"


#: The hooks the base module's docstring declares, and the class attributes it names.
HOOKS = set(re.findall(r"^``(_\w+)\(", base_module.__doc__, flags=re.M))
NAMED = set(re.findall(r"``(_\w+)``", base_module.__doc__)) | {
    name for name in re.findall(r"``(_\w+)\(", base_module.__doc__)}
MIXINS = (base_module.TabularInputMixin, base_module.SeriesInputMixin,
          base_module.TabularOrSeriesInputMixin, base_module.EarlyStoppingMixin)


def test_every_hook_in_the_base_docstring_is_declared_on_the_base():
    assert HOOKS == {"_validate_X", "_fit_preprocessing", "_preprocess", "_build_encoder",
                     "_network", "_inference_rows", "_validate_y", "_check_params",
                     "_make_task", "_positive_views"}
    for name in HOOKS:
        assert name in vars(BaseContrastiveEmbedder), name
        assert inspect.getdoc(getattr(BaseContrastiveEmbedder, name)), name
    # ...and every hook the base calls on itself is documented.
    source = inspect.getsource(base_module.BaseContrastiveEmbedder)
    helpers = {"_fit", "_embed", "_validate_warm"}  # the base's own
    called = set(re.findall(r"self\.(_[a-z]\w*)\(", source)) - helpers
    assert called <= HOOKS, called - HOOKS


@pytest.mark.parametrize("embedder", [SCARFEmbedder, TS2VecEmbedder, SupConEmbedder,
                                      ExpCLREmbedder])
def test_an_embedder_overrides_nothing_the_contract_does_not_name(embedder):
    # Every private name a shipped embedder shares with the base or a mixin is a hook or
    # a class attribute the base module's docstring names: the contract is all there.
    inherited = set()
    for cls in (BaseContrastiveEmbedder, *MIXINS):
        inherited |= {k for k in vars(cls) if k.startswith("_") and not k.startswith("__")}
    # scikit-learn's and abc's own bookkeeping is not ours.
    machinery = {"_parameter_constraints", "_abc_impl", "_sklearn_auto_wrap_output_keys"}
    overridden = {k for k in vars(embedder) if k in inherited} - machinery
    assert overridden <= NAMED, overridden - NAMED


def test_capabilities_are_tags_not_attributes():
    from skcontrast.robustness import uses_unlabelled_rows

    assert not uses_unlabelled_rows(SCARFEmbedder())
    assert uses_unlabelled_rows(SupConEmbedder())
    assert not uses_unlabelled_rows(SupConEmbedder(unlabelled="drop"))
    assert uses_unlabelled_rows(ExpCLREmbedder())
    assert uses_unlabelled_rows(skcontrast.FineTunedClassifier())
    tags = SupConEmbedder().__sklearn_tags__()
    assert isinstance(tags.target_tags, base_module.ContrastiveTargetTags)
    assert tags.target_tags.required and tags.target_tags.partial_labels


# ------------------------------------------------------------ all-or-nothing
class _Interrupt:
    def on_epoch_end(self, net, **kwargs):
        raise KeyboardInterrupt


class _Poison:
    def on_batch_end(self, net, **kwargs):
        with torch.no_grad():
            next(net.module_.parameters()).fill_(float("nan"))


@pytest.mark.parametrize("name, estimator, X, y", CASES, ids=IDS)
@pytest.mark.parametrize("failure", ["interrupt", "diverge", "bad_input"])
def test_a_failed_refit_leaves_the_previous_model(name, estimator, X, y, failure):
    _fit(estimator, X, y)
    before = estimator.transform(X)
    state = {k: id(v) for k, v in vars(estimator).items()}
    X2 = X[:, :-1] if X.ndim == 2 else X[:, :, :-2]  # other features / shorter series
    if failure == "interrupt":
        estimator.set_params(callbacks=[_Interrupt()])
        with pytest.raises(KeyboardInterrupt):
            _fit(estimator, X2, y)
    elif failure == "diverge":
        estimator.set_params(callbacks=[_Poison()])
        with pytest.raises(TrainingDivergedError):
            _fit(estimator, X2, y)
    else:
        with pytest.raises(ValueError):
            _fit(estimator, np.full_like(X2, np.inf), y)
    assert {k: id(v) for k, v in vars(estimator).items() if k != "callbacks"} == {
        k: v for k, v in state.items() if k != "callbacks"}
    estimator.set_params(callbacks=None)
    np.testing.assert_array_equal(estimator.transform(X), before)


def test_a_failed_first_fit_leaves_the_estimator_unfitted():
    X = np.random.RandomState(0).normal(size=(30, 4))
    emb = SCARFEmbedder(**TABULAR, early_stopping=False, callbacks=[_Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        emb.fit(X)
    assert not [k for k in vars(emb) if k.endswith("_")]


def test_a_refit_forgets_attributes_of_the_previous_fit():
    import pandas as pd

    X = np.random.RandomState(0).normal(size=(30, 4))
    emb = SCARFEmbedder(**TABULAR, early_stopping=False).fit(pd.DataFrame(X, columns=list("abcd")))
    assert hasattr(emb, "feature_names_in_")
    emb.fit(X)
    assert not hasattr(emb, "feature_names_in_")


# ---------------------------------------------------------------- encoder API
@pytest.mark.parametrize("name, estimator, X, y", CASES, ids=IDS)
def test_make_network_and_preprocess_reproduce_transform(name, estimator, X, y):
    _fit(estimator, X, y)
    network = estimator.make_network()
    assert not network.training and next(network.parameters()).device.type == "cpu"
    with torch.no_grad():
        Z = network(torch.from_numpy(estimator.preprocess(X))).numpy()
    np.testing.assert_allclose(Z, estimator.transform(X), rtol=1e-5, atol=1e-6)
    assert network.out_features == Z.shape[1]
    # A copy: training it leaves the embedder untouched.
    with torch.no_grad():
        for p in network.parameters():
            p.add_(1.0)
    np.testing.assert_allclose(estimator.transform(X), Z, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, estimator, X, y", CASES, ids=IDS)
def test_initialize_is_fit_without_training(name, estimator, X, y):
    initialized = estimator.initialize(X) if y is None else estimator.initialize(X, y)
    assert initialized is estimator and estimator.n_steps_ == 0 and estimator.n_iter_ == 0
    untrained = estimator.transform(X)
    trained = _fit(estimator, X, y).transform(X)
    assert untrained.shape == trained.shape and not np.allclose(untrained, trained)


def test_transform_reads_the_device_parameter_and_never_moves_the_model(breast_cancer):
    X, _ = breast_cancer
    emb = SCARFEmbedder(max_epochs=2, device="cpu", random_state=0).fit(X)
    expected = emb.transform(X)
    encoder, weights = emb.encoder_, copy.deepcopy(emb.encoder_.state_dict())
    if not torch.cuda.is_available():
        # A GPU named where there is none (a GPU model loaded on a CPU): the CPU serves.
        emb.set_params(device="cuda")
        np.testing.assert_array_equal(emb.transform(X), expected)
    emb.set_params(device="meta")  # not a device that can run a model
    with pytest.raises(ValueError, match="device='meta'"):
        emb.transform(X)
    assert emb.encoder_ is encoder and emb.device_ == "cpu"
    assert all(torch.equal(v, weights[k]) for k, v in emb.encoder_.state_dict().items())
