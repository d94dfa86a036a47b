"""The test extras declare what the tests import, and nothing the tests never use."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

from tests.architecture.imports import ROOT

# Extras that are tools run from the command line, not imported by the tests.
TOOLS = frozenset({"ruff", "mypy", "pytest-asyncio", "schemathesis"})
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+")


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(specs: list[str]) -> set[str]:
        return {_normal(_NAME.match(spec).group(0).split("[")[0]) for spec in specs}  # type: ignore[union-attr]

    return names(project["dependencies"]), names(project["optional-dependencies"]["test"])


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_levels() -> set[str]:
    found: set[str] = set()
    for folder in ("tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"mumble", "templates_meta", "tests", "bench"}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    owners = importlib.metadata.packages_distributions()
    return {module: {_normal(d) for d in owners.get(module, [module])} for module in modules}


def test_every_import_of_the_tests_is_a_declared_dependency() -> None:
    runtime, extras = _declared()
    undeclared = {
        module: dists
        for module, dists in _distributions(_imported_top_levels()).items()
        if not dists & (runtime | extras)
    }
    assert undeclared == {}


def test_every_test_extra_is_used() -> None:
    _, extras = _declared()
    used = set().union(*_distributions(_imported_top_levels()).values())
    assert sorted(extras - used - TOOLS) == []
