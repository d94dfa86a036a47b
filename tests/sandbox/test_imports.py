"""The sandbox and templates_meta import in one direction: no cycle, no Mumble domain."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mumble/sandbox", "templates_meta")
# What the sandbox may use from the rest of Mumble: the clock and Meta's shapes and signature.
SANDBOX_MAY_IMPORT = ("mumble.clock", "mumble.whatsapp.payloads", "mumble.whatsapp.signature")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every module `path` imports, TYPE_CHECKING blocks included; `from pkg import mod` names
    the submodule when it is one, the package otherwise."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(path, known) for name, path in known.items()}


def test_no_import_cycle_in_the_sandbox_or_templates_meta() -> None:
    graph = _graph()
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        for target in sorted(graph.get(name, ())):
            if target in trail:
                cycles.append([*trail[trail.index(target) :], target])
            elif target in graph:
                visit(target, [*trail, target])

    for name in graph:
        visit(name, [name])
    assert cycles == []


def test_the_sandbox_imports_no_mumble_domain() -> None:
    outside = {
        (name, target)
        for name, targets in _graph().items()
        if name.startswith("mumble.sandbox")
        for target in targets
        if target.startswith("mumble")
        and not target.startswith("mumble.sandbox")
        and target not in SANDBOX_MAY_IMPORT
    }
    assert outside == set()
