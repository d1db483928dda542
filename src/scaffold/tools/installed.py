"""What an installed environment holds: which top-level modules each distribution brings.

Two distributions that install the same top-level module cannot both be imported; when one of
them is the project itself, the project's name makes its dependency unusable (``yaml`` made
next to PyYAML, ``attr`` next to attrs), though uv locks and installs both without a word.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scaffold.data.import_probe import top_level
from scaffold.tools.names import canonical


@dataclass(frozen=True)
class Clash:
    module: str  # the top-level module both install
    distribution: str  # the dependency that installs it, normalized


def site_packages(environment: Path) -> list[Path]:
    """The folders a virtual environment installs into (``lib/pythonX.Y/site-packages``)."""
    return sorted(environment.glob("lib/python*/site-packages")) + sorted(
        environment.glob("Lib/site-packages")
    )


def modules_of_dependencies(environment: Path, own: Iterable[str]) -> dict[str, str]:
    """Each top-level module of the environment's distributions, but those named in ``own``
    (the project and its workspace members), with the distribution that installs it."""
    skip = {canonical(name) for name in own}
    found: dict[str, str] = {}
    paths = [str(path) for path in site_packages(environment)]
    if not paths:
        return found
    for dist in importlib.metadata.distributions(path=paths):
        name = canonical(dist.metadata["Name"] or "")
        if not name or name in skip:
            continue
        for module in top_level(dist):
            if module.isidentifier() and module not in ("tests", "test", "docs"):
                found.setdefault(module, name)
    return found


def project_modules(root: Path, dist: str) -> set[str]:
    """The top-level modules a project's own source makes: every package and module in
    ``src/``, else the package or module named after the distribution. A namespace package
    (no ``__init__.py``, or one that extends its ``__path__``) is shared by design."""
    src = root / "src"
    if src.is_dir():
        return {
            path.stem if path.suffix == ".py" else path.name
            for path in src.iterdir()
            if (path.is_dir() and _regular_package(path))
            or (path.suffix == ".py" and path.is_file())
        } - {"__init__", "conftest"}
    name = canonical(dist).replace("-", "_")
    if _regular_package(root / name) or (root / f"{name}.py").is_file():
        return {name}
    return set()


def _regular_package(folder: Path) -> bool:
    init = folder / "__init__.py"
    if not init.is_file():
        return False
    text = init.read_text("utf-8", errors="replace")
    return "extend_path" not in text and "declare_namespace" not in text


def clashes(modules: Iterable[str], environment: Path, own: Iterable[str]) -> list[Clash]:
    """The project's ``modules`` that a dependency in ``environment`` also installs."""
    theirs = modules_of_dependencies(environment, own)
    return [Clash(module, theirs[module]) for module in sorted(set(modules)) if module in theirs]
