"""The layout stays readable: every module documented, public faces that resolve, modules
that use each other's public names only, and no import cycle."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "briefing"
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "_templates" not in p.parts)
STAGES = sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[ast.ImportFrom | ast.Import]:
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.ImportFrom | ast.Import)]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_named_in_the_architecture_page(path):
    if path == PACKAGE / "__init__.py":
        return
    if path.name == "__init__.py":
        assert f"`{path.parent.name}/`" in ARCHITECTURE
    else:
        assert f"`{path.name}`" in ARCHITECTURE, f"docs/architecture.md does not name {path}"


@pytest.mark.parametrize("package", STAGES, ids=lambda p: p.name)
def test_each_stage_package_says_what_it_takes_and_gives_and_its_names_resolve(package):
    name = _name(package / "__init__.py")
    module = importlib.import_module(name)
    assert module.__doc__ and len(module.__doc__.split()) > 20
    assert module.__all__
    for public in module.__all__:
        assert getattr(module, public) is not None, f"{name}.{public}"


def test_no_module_imports_another_modules_private_names():
    offences = []
    for path in MODULES:
        for node in _imports(path):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("briefing"):
                offences += [f"{_name(path)}: {node.module}.{a.name}" for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__")]
    assert offences == []


def test_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        deps = set()
        for node in _imports(path):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("briefing"):
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("briefing")}
        graph[_name(path)] = deps
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for dep in graph.get(module, ()):
            if dep == module:
                continue
            assert state.get(dep) != 1, "import cycle: " + " -> ".join(trail + [module, dep])
            if dep not in state:
                visit(dep, trail + [module])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [])
