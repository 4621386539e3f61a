"""The package's shape: no import cycles, not even behind function-level imports."""

from __future__ import annotations

import ast
from pathlib import Path

import reelmates

PACKAGE = Path(reelmates.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """Every reelmates module imported anywhere in ``tree`` (functions included), except under
    ``if TYPE_CHECKING:``, which never runs."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules}


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    modules = set(files)
    return {
        name: _imports(ast.parse(path.read_text(encoding="utf-8")), modules) - {name}
        for name, path in files.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_known_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_itself_back_through_others() -> None:
    graph = import_graph()
    assert "reelmates.taste.base" in graph and graph["reelmates.taste.persist"]
    assert find_cycle(graph) is None


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph folded onto top-level packages (``reelmates.taste`` etc.)."""
    out: dict[str, set[str]] = {}
    for module, deps in graph.items():
        top = ".".join(module.split(".")[:2])
        out.setdefault(top, set()).update(
            d2 for d in deps if (d2 := ".".join(d.split(".")[:2])) != top
        )
    return out


# What each layer may never import (DESIGN.md: the arrows point one way, down).
FORBIDDEN = {
    "reelmates.taste": {"store", "services", "cli", "importers", "together", "eval", "catalog"},
    "reelmates.together": {"store", "services", "cli", "importers", "eval", "catalog"},
    "reelmates.plan": {
        "store",
        "services",
        "cli",
        "web",
        "importers",
        "eval",
        "catalog",
        "taste",
        "together",
    },
    "reelmates.catalog": {"store", "services", "cli", "importers", "eval"},
    # The media servers' HTTP clients: records in, records out; no database, no use case.
    "reelmates.media": {
        "store",
        "services",
        "cli",
        "web",
        "importers",
        "eval",
        "catalog",
        "taste",
        "together",
        "plan",
    },
    "reelmates.importers": {"store", "services", "cli", "eval"},
    "reelmates.store": {"services", "cli", "importers", "eval", "taste", "together", "media"},
    "reelmates.services": {"cli", "eval"},
    "reelmates.eval": {"store", "services", "cli"},
}


def test_packages_form_layers_without_cycles() -> None:
    packages = package_graph(import_graph())
    assert find_cycle(packages) is None
    broken = {
        (pkg, dep)
        for pkg, banned in FORBIDDEN.items()
        for dep in packages.get(pkg, set())
        if dep.removeprefix("reelmates.") in banned
    }
    assert broken == set()


def test_the_layer_check_sees_a_wrong_arrow() -> None:
    graph = {"reelmates.catalog.identity": {"reelmates.importers.records"}}
    assert package_graph(graph) == {"reelmates.catalog": {"reelmates.importers"}}
