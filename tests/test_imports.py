"""The import structure: no cycles among the project's modules, nothing imports upward, no module over 400 lines.

The line limit covers the chat page's JavaScript modules (service/web/static/*.js) as well as the Python.

Read from the source with `ast` (nothing is imported), so a cycle hidden inside a function is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ingest", "service", "evals")
MAX_LINES = 400
# What each package may import from the others: data flows ingest <- service <- evals.
MAY_IMPORT = {"ingest": {"ingest"}, "service": {"ingest", "service"}, "evals": {"ingest", "service", "evals"}}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_sources() -> dict[str, Path]:
    sources = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    sources["vademecum"] = ROOT / "vademecum.py"
    return sources


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules `path` imports, anywhere in the file (`from pkg import submodule` counts the submodule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def _graph() -> dict[str, set[str]]:
    sources = _project_sources()
    modules = set(sources)
    return {name: _imports(path, modules) - {name} for name, path in sources.items()}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles_among_project_modules() -> None:
    cycles = [sorted(c) for c in _cycles(_graph())]
    assert cycles == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [{"a", "b", "c"}]


@pytest.mark.parametrize("package", PACKAGES)
def test_nothing_imports_upward(package: str) -> None:
    upward = {
        (name, target)
        for name, targets in _graph().items()
        if name.split(".")[0] == package
        for target in targets
        if target.split(".")[0] not in MAY_IMPORT[package]
    }
    assert upward == set()


def test_no_project_module_exceeds_the_line_limit() -> None:
    paths = [*_project_sources().values(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "service/web/static").glob("*.js")]
    too_long = {
        str(p.relative_to(ROOT)): n for p in paths if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
