"""The first fit in a fresh process pays no one-off start-up (issue: ~1.2 s per process).

Two lazy imports used to land inside the first ``fit``: ``torch._dynamo`` (imported by
the first ``torch.optim`` optimiser a process builds) and ``sympy`` (imported by
``Module.to_empty`` on meta tensors). Each costs about a second in every fresh process,
e.g. every GridSearchCV worker. The test checks the modules, not the clock, on the CPU
(on a GPU the first fit also initialises CUDA's libraries: see
``benchmarks/results/ts2vec_gpu.md``).
"""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    from skcontrast import (ExpCLREmbedder, FineTunedClassifier, SCARFEmbedder,
                            SupConEmbedder, TS2VecEmbedder)
    X = np.random.default_rng(0).random((40, 5))
    y = np.arange(40) % 2
    series = np.random.default_rng(0).random((12, 1, 24))
    SCARFEmbedder(max_epochs=1, device="cpu", random_state=0).fit(X)
    TS2VecEmbedder(n_iters=1, device="cpu", random_state=0).fit(series)
    SupConEmbedder(max_epochs=1, device="cpu", random_state=0).fit(X, y)
    ExpCLREmbedder(max_epochs=1, device="cpu", random_state=0).fit(X)
    FineTunedClassifier(SCARFEmbedder(max_epochs=1, device="cpu"), max_epochs=1,
                        device="cpu", random_state=0).fit(X, y)
    print(sorted(m for m in ("torch._dynamo", "sympy") if m in sys.modules))
""")


def test_fitting_imports_neither_dynamo_nor_sympy():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
