"""pyproject.toml declares exactly what the project imports: nothing declared unused, nothing imported undeclared.

Imports are read from the source with `ast`; `importlib.metadata.packages_distributions()` maps an import
name (`yaml`) to the distributions that install it (`PyYAML`).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("ingest", "service", "evals", "tests", "vademecum.py")
OUR_PACKAGES = {"ingest", "service", "evals", "tests", "vademecum"}
# Declared for the developer's commands (`make lint`, `make typecheck`), never imported.
TOOLS = {"ruff", "mypy", "types-pyyaml"}


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    return {_normalise(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]) for requirement in requirements}


def _imported_top_level() -> set[str]:
    paths = [
        p
        for source in SOURCES
        for p in ((ROOT / source).rglob("*.py") if (ROOT / source).is_dir() else [ROOT / source])
    ]
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in OUR_PACKAGES and n != "__future__"}


def _imported_distributions() -> dict[str, set[str]]:
    """Import name -> the (normalised) distributions that provide it."""
    providers = packages_distributions()
    return {name: {_normalise(d) for d in providers.get(name, [])} for name in _imported_top_level()}


def test_every_third_party_import_is_declared() -> None:
    declared = _declared()
    undeclared = {name: sorted(dists) for name, dists in _imported_distributions().items() if not dists & declared}
    assert undeclared == {}


def test_every_declared_dependency_is_imported() -> None:
    imported = set().union(*_imported_distributions().values())
    assert _declared() - imported - TOOLS == set()
