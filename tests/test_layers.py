"""The package's modules import each other in layers: no import circle, nothing imports the root.

The graph is read from the source (``ast``), function-level imports included, so a lazy
import cannot hide an upward dependency. An import of ``a.b.c`` counts as a dependency
on ``a.b.c`` only (not on the packages ``a`` and ``a.b`` that Python runs first), as
import linters read it; the root ``skcontrast/__init__.py`` re-exports the top floor
and may import anything, but no module imports it.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1] / "skcontrast"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """``{module: the skcontrast modules it imports}`` for every module of the package."""
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                for alias in node.names:  # `from pkg import submodule` names a module
                    child = f"{module}.{alias.name}"
                    targets.add(child if child in paths else module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in paths and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def floors(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each module's floor: 0 for modules importing no skcontrast module, else 1 + the
    highest floor it imports."""
    memo = {}

    def floor(v):
        if v not in memo:
            memo[v] = 1 + max((floor(w) for w in graph[v]), default=-1)
        return memo[v]

    return {v: floor(v) for v in graph}


def test_the_graph_reader_sees_what_a_reader_sees():
    graph = import_graph()
    assert "skcontrast.base" in graph["skcontrast.embedders.scarf"]
    assert "skcontrast.probes" in graph["skcontrast"]  # `from . import probes`
    assert "skcontrast._version" in graph["skcontrast._persistence"]
    # The detector finds a circle when there is one.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert floors({"a": set(), "b": {"a"}, "c": {"a", "b"}}) == {"a": 0, "b": 1, "c": 2}


def test_no_import_circle():
    assert cycles(import_graph()) == []


def test_no_module_imports_the_package_root():
    importers = sorted(m for m, targets in import_graph().items() if "skcontrast" in targets)
    assert importers == []


def test_persistence_sits_below_the_estimators_it_loads():
    graph = import_graph()
    floor = floors(graph)
    for estimator_module in ("skcontrast.base", "skcontrast.finetune",
                             "skcontrast.probes._svm", "skcontrast.probes._classifier"):
        assert floor["skcontrast._persistence"] < floor[estimator_module]


def test_the_shipped_embedders_are_built_from_skcontrast_base():
    # What a new embedder needs is exported by skcontrast.base; the shipped ones use it
    # too. Allowed private imports: scikit-learn's parameter-validation machinery
    # (_compat) and TS2Vec's own training-series store (_timeseries).
    graph = import_graph()
    allowed = {"skcontrast._compat", "skcontrast._timeseries"}
    for name in ("scarf", "ts2vec", "supcon", "expclr"):
        imported = graph[f"skcontrast.embedders.{name}"]
        private = {m for m in imported if m.rpartition(".")[2].startswith("_")}
        assert "skcontrast.base" in imported and private <= allowed, (name, private)


def drawing() -> str:
    """The package's floors, one line each, from the ground up (the guide shows it)."""
    by_floor: dict[int, list[str]] = {}
    for module, level in floors(import_graph()).items():
        by_floor.setdefault(level, []).append(module.removeprefix("skcontrast").lstrip("."))
    return "\n".join(f"{level:2d}  " + ", ".join(sorted(m or "skcontrast" for m in mods))
                     for level, mods in sorted(by_floor.items()))


def test_the_guide_draws_the_house_as_it_is():
    guide = (ROOT.parent / "docs" / "user_guide.md").read_text()
    drawn = guide.split("<!-- floors -->\n```text\n", 1)[1].split("```", 1)[0]
    assert drawn.strip("\n") == drawing(), (
        "docs/user_guide.md's drawing of the floors is out of date: replace it with the "
        "output of `python tests/test_layers.py`.")


if __name__ == "__main__":
    print(drawing())
