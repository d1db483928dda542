"""The source tree's shape: folders by job, imports that only run down, no cycles.

Every import of a scaffold module is counted, those inside functions too: a lazy import that
runs up is still a dependency running up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "scaffold"

# What each part may import, besides itself and the standard library. The top level is the
# package's face: the version, errors and reports are vocabulary every part may use; the CLI and
# its display come last and nothing imports them.
ALLOWED: dict[str, set[str]] = {
    "scaffold": set(),  # the version
    "errors": set(),
    "tools": {"scaffold", "errors", "data"},
    "report": {"scaffold", "errors", "tools"},
    "create": {"scaffold", "errors", "report", "tools"},
    "validate": {"scaffold", "errors", "report", "tools"},
    "lifecycle": {"scaffold", "errors", "report", "tools", "create"},
    "ui": {"scaffold", "errors", "report", "tools", "create", "validate", "lifecycle"},
    "cli": {"scaffold", "errors", "report", "tools", "create", "validate", "lifecycle", "ui"},
    "__main__": {"scaffold", "errors", "cli"},
    "data": set(),  # files the image runs, never scaffold's code
}
TOP = {"__init__", "__main__", "cli", "ui", "errors", "report"}
FOLDERS = {"create", "validate", "lifecycle", "tools", "data", "templates", "history"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "templates" not in path.relative_to(PACKAGE).parts
    }


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The scaffold modules ``path`` imports: ``from scaffold.x import y`` counts
    ``scaffold.x.y`` when that is a module, else ``scaffold.x``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("scaffold"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("scaffold"):
                continue
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
    return found & set(modules)


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "scaffold"


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_the_top_level_is_only_the_package_face() -> None:
    top = {path.stem for path in PACKAGE.glob("*.py")}
    assert top == TOP
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir()} - {"__pycache__"}
    assert folders == FOLDERS


def test_every_import_runs_down() -> None:
    wrong = []
    for module, imported in sorted(_graph().items()):
        part = _part(module)
        assert part in ALLOWED, f"{module}: a part the layout does not know"
        for target in sorted(imported):
            if _part(target) != part and _part(target) not in ALLOWED[part]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", ["scaffold.validate.steplist", "scaffold.errors"])
def test_light_modules_import_no_other_scaffold_module(module: str) -> None:
    # The CLI builds its options and help from these before any command runs.
    graph = _graph()
    assert graph[module] == set()
    package = module.rpartition(".")[0]
    if package != "scaffold":
        assert graph[package] == set()


def test_the_biggest_file_is_well_under_a_sixth_of_the_code() -> None:
    sizes = {name: len(path.read_text("utf-8").splitlines()) for name, path in _modules().items()}
    biggest = max(sizes, key=sizes.__getitem__)
    assert sizes[biggest] < sum(sizes.values()) / 8, biggest
