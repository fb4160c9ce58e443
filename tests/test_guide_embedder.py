"""The user guide's "Writing your own embedder" example runs and passes sklearn's checks."""

import re
import sys
import types
from pathlib import Path

import numpy as np
from sklearn.utils.estimator_checks import check_estimator

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide.md"


def _example_namespace():
    text = GUIDE.read_text()
    section = text[text.index("## Writing your own embedder"):]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    # A real, importable module, so that the estimator pickles (one of the checks).
    module = types.ModuleType("guide_example")
    sys.modules[module.__name__] = module
    exec(compile(code, str(GUIDE), "exec"), module.__dict__)  # noqa: S102 - our own docs
    return code, module.__dict__


def test_example_is_short_and_complete():
    code, namespace = _example_namespace()
    assert len(code.strip().splitlines()) <= 45
    emb = namespace["NoisyViewsEmbedder"](max_epochs=3, random_state=0)
    X = np.random.RandomState(0).normal(size=(50, 6))
    Z = emb.fit(X).transform(X)
    assert Z.shape == (50, 16) and emb.n_steps_ == 3
    again = namespace["NoisyViewsEmbedder"](max_epochs=3, random_state=0).fit(X).transform(X)
    np.testing.assert_array_equal(Z, again)
    assert emb.loss_curve_[-1] < emb.loss_curve_[0]


def test_example_passes_check_estimator():
    _, namespace = _example_namespace()
    check_estimator(namespace["NoisyViewsEmbedder"](max_epochs=2, hidden_size=8,
                                                   random_state=0))
