"""What validation finds in a folder: a uv project, or a workspace and its members.

For each package it reads the typed settings of ``[tool.scaffold]``, finds the Dockerfile and
the build context, and where the lock lives (a member uses its workspace root's ``uv.lock``).
Wrong types in the project's own files are one-line errors naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import NotAProjectError, UsageError
from scaffold.tools.names import canonical

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
KINDS = ("service", "worker", "cli", "lib")


@dataclass(frozen=True)
class Settings:
    """``[tool.scaffold]``: what a project tells validation about itself; all optional."""

    port: int | None = None
    health_path: str | None = None
    dockerfile: str | None = None
    context: str | None = None
    kind: str | None = None  # service, worker, cli or lib: what its image is expected to do
    extras: tuple[str, ...] = ()  # optional extras the tests need (`.[test]` in CI)
    allow_root: bool = False  # the project's policy: its container may run as root

    @classmethod
    def read(cls, table: object, source: Path) -> Settings:
        if table is None:
            return cls()
        if not isinstance(table, dict):
            raise UsageError(f"{source}: [tool.scaffold] must be a table")

        def text(key: str) -> str | None:
            value = table.get(key)
            if value is not None and not (isinstance(value, str) and value):
                raise UsageError(f"{source}: [tool.scaffold] {key} must be a non-empty string")
            return value

        port = table.get("port")
        if port is not None and (
            not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536
        ):
            raise UsageError(f"{source}: [tool.scaffold] port must be a TCP port (1-65535)")
        health = text("health-path")
        if health is not None and not health.startswith("/"):
            raise UsageError(f"{source}: [tool.scaffold] health-path must start with '/'")
        kind = text("kind")
        if kind is not None and kind not in KINDS:
            raise UsageError(f"{source}: [tool.scaffold] kind must be one of {', '.join(KINDS)}")
        extras = table.get("extras", [])
        if not isinstance(extras, list) or not all(isinstance(e, str) and e for e in extras):
            raise UsageError(f"{source}: [tool.scaffold] extras must be a list of extra names")
        allow_root = table.get("allow-root", False)
        if not isinstance(allow_root, bool):
            raise UsageError(f"{source}: [tool.scaffold] allow-root must be true or false")
        return cls(
            port, health, text("dockerfile"), text("context"), kind, tuple(extras), allow_root
        )


@dataclass(frozen=True)
class Package:
    """One package to validate: the folder given, or a member of the workspace it roots."""

    path: Path
    rel: str  # "" for the folder given, else the member's path relative to it
    name: str  # the distribution name, normalized
    pyproject: Mapping[str, Any]
    settings: Settings
    dockerfile: Path | None
    context: Path | None
    is_project: bool  # has a [project] table (a virtual workspace root has none)
    # Dockerfiles found below the folder when it has none of its own and none was named: one
    # is taken; several leave the container unproven until one is chosen.
    unchosen: tuple[Path, ...] = ()
    # The project's other Dockerfiles when scaffold took one without being told which: said
    # beside the build, never taken for proven.
    not_built: tuple[Path, ...] = ()

    @property
    def tool(self) -> Mapping[str, Any]:
        tool = self.pyproject.get("tool", {})
        return tool if isinstance(tool, dict) else {}

    @property
    def has_tests(self) -> bool:
        """Whether pytest has anything to look for: a tests folder, its configured
        ``testpaths``, or test modules beside the code (``src/pkg/tests/test_x.py``)."""
        if (self.path / "tests").is_dir() or (self.path / "test").is_dir():
            return True
        pytest = self.tool.get("pytest")
        options = pytest.get("ini_options") if isinstance(pytest, dict) else None
        paths = options.get("testpaths") if isinstance(options, dict) else None
        if isinstance(paths, list) and any((self.path / str(path)).exists() for path in paths):
            return True
        return _has_test_module(self.path)


@dataclass(frozen=True)
class Project:
    root: Path  # the folder given
    lock_root: Path  # where uv.lock is: the workspace root for a member
    packages: tuple[Package, ...]
    workspace_members: bool  # the root lists members: sync installs all of them
    compose_file: Path | None

    @property
    def lock_file(self) -> Path:
        return self.lock_root / "uv.lock"


def read_pyproject(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NotAProjectError(f"{path} is not valid TOML: {exc}") from None
    project = data.get("project")
    if project is not None and not isinstance(project, dict):
        raise UsageError(f"{path}: [project] must be a table")
    for key in ("name", "requires-python"):
        value = (project or {}).get(key)
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{path}: [project] {key} must be a string")
    return data


def load_project(
    path: Path, *, dockerfile: Path | None = None, context: Path | None = None
) -> Project:
    """Find the packages under ``path``; ``dockerfile``/``context`` override the root's.

    Every path in the project is absolute: the tools run in other folders (compose in its
    file's, a build in its context), where a relative path would name something else."""
    path = path.absolute()
    if not path.is_dir():
        raise NotAProjectError(f"{path} is not a folder")
    if not (path / "pyproject.toml").is_file():
        raise NotAProjectError(
            f"{path} has no pyproject.toml", hint="validate a uv project, e.g. one made by scaffold"
        )
    data = read_pyproject(path / "pyproject.toml")
    _refuse_what_uv_does_not_read(path, data)
    lock_root = _workspace_root(path) or path
    root = _package(path, "", data, lock_root, dockerfile, context)
    members = _members(path, data)
    packages = [
        root,
        *(
            _package(p, rel, read_pyproject(p / "pyproject.toml"), lock_root, None, None)
            for p, rel in members
        ),
    ]
    compose = next(
        (
            folder / name
            for folder in (path, lock_root)
            for name in COMPOSE_FILES
            if (folder / name).is_file()
        ),
        None,
    )
    return Project(path, lock_root, tuple(packages), bool(members), compose)


def _refuse_what_uv_does_not_read(path: Path, data: Mapping[str, Any]) -> None:
    """A pyproject.toml that declares nothing uv installs (tool settings only, or Poetry 1's
    [tool.poetry]): uv would lock it as an empty root, and validation would prove nothing of
    what the code needs. A virtual root (dependency groups, a workspace) is uv's own."""
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    if (
        "project" in data
        or "dependency-groups" in data
        or (isinstance(uv, dict) and ("workspace" in uv or "dev-dependencies" in uv))
        or _workspace_root(path) is not None
    ):
        return
    source = path / "pyproject.toml"
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        raise NotAProjectError(
            f"{source}: the project is described in [tool.poetry], which uv does not read",
            hint="convert it to a [project] table, e.g. with `uvx migrate-to-uv`, then `uv lock`",
        )
    requirements = sorted(p.name for p in path.glob("requirements*.txt"))
    raise NotAProjectError(
        f"{source} has no [project] table: nothing in it says what the code needs",
        hint=(
            f"`uv init --bare` then `uv add -r {requirements[0]}`"
            if requirements
            else "declare the project in a [project] table (`uv init --bare`)"
        ),
    )


def _package(
    path: Path,
    rel: str,
    data: Mapping[str, Any],
    lock_root: Path,
    dockerfile: Path | None,
    context: Path | None,
) -> Package:
    source = path / "pyproject.toml"
    unchosen: tuple[Path, ...] = ()
    tool = data.get("tool", {})
    settings = Settings.read(tool.get("scaffold") if isinstance(tool, dict) else None, source)
    project = data.get("project")
    name = canonical(str((project or {}).get("name") or path.resolve().name))
    chosen_by_us = dockerfile is None and not settings.dockerfile
    if dockerfile is None:
        candidate = path / (settings.dockerfile or "Dockerfile")
        if settings.dockerfile and not candidate.is_file():
            raise UsageError(f"{source}: [tool.scaffold] dockerfile: {candidate} does not exist")
        if not candidate.is_file() and not settings.dockerfile:
            candidate = path / "Containerfile"  # Podman's name, which docker build also takes
        dockerfile = candidate if candidate.is_file() else None
        if dockerfile is None and not rel and data.get("project") is not None:
            found = _dockerfiles_below(path)
            dockerfile, unchosen = (found[0], ()) if len(found) == 1 else (None, tuple(found))
    elif not dockerfile.is_absolute():
        dockerfile = path / dockerfile
    if dockerfile is not None and not dockerfile.is_file():
        raise UsageError(f"--dockerfile {dockerfile} does not exist")
    if context is None and settings.context:
        context = path / settings.context
    elif context is not None and not context.is_absolute():
        context = path / context
    if context is not None and not context.is_dir():
        raise UsageError(f"the build context {context} is not a folder")
    if dockerfile is not None and context is None:
        context = _default_context(dockerfile, path, lock_root)
    not_built: tuple[Path, ...] = ()
    if chosen_by_us and dockerfile is not None:
        not_built = tuple(other for other in _other_dockerfiles(path) if other != dockerfile)
    return Package(
        path=path,
        rel=rel,
        name=name,
        pyproject=data,
        settings=settings,
        dockerfile=dockerfile,
        context=context,
        is_project=project is not None,
        unchosen=unchosen,
        not_built=not_built,
    )


# Never the project's own source: environments, caches, build output.
_NOT_SOURCE = frozenset({"venv", "node_modules", "__pycache__", "build", "dist"})
_TESTS = frozenset({"tests", "test"})


def _source_files(root: Path, depth: int, skip: frozenset[str]) -> Iterator[Path]:
    """The files of ``root`` and of its subfolders down to ``depth``, breadth first, in a
    stable order; not in folders named in ``skip``, hidden folders, or another project's root
    (a workspace member, a JavaScript frontend); an unreadable folder holds nothing."""
    folders = [root]
    for _ in range(depth):
        below = []
        for folder in folders:
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            for entry in entries:
                if not entry.is_dir():
                    yield entry
                elif not (entry.is_symlink() or entry.name in skip or _another_project(entry)):
                    below.append(entry)
        folders = below


def _dockerfiles_below(root: Path) -> list[Path]:
    """Dockerfiles in the project's subfolders (``docker/Dockerfile``, ``deploy/api.Dockerfile``),
    not in tests (a test's sample Dockerfile is not the project's)."""
    return [
        path
        for path in _other_dockerfiles(root)
        if path.parent != root and _is_dockerfile(path.name)
    ]


def _other_dockerfiles(root: Path) -> list[Path]:
    """Every Dockerfile of the project, by a wider net than the one discovery takes
    (``Dockerfile.dev``, ``deploy/prod.Dockerfile``), not in tests."""
    return sorted(
        path
        for path in _source_files(root, 3, _NOT_SOURCE | _TESTS)
        if _is_dockerfile(path.name) or _is_variant(path.name)
    )


def _is_variant(name: str) -> bool:
    lower = name.lower()
    variant = lower.startswith(("dockerfile.", "containerfile."))
    return variant and not lower.endswith(".dockerignore")


def _has_test_module(root: Path) -> bool:
    """A ``test_*.py`` or ``*_test.py`` anywhere in the project's source."""
    return any(_is_test_module(path.name) for path in _source_files(root, 4, _NOT_SOURCE))


def _is_test_module(name: str) -> bool:
    return name.endswith("_test.py") or (name.startswith("test_") and name.endswith(".py"))


def _another_project(folder: Path) -> bool:
    return folder.name.startswith(".") or any(
        (folder / marker).is_file() for marker in ("pyproject.toml", "package.json")
    )


def _is_dockerfile(name: str) -> bool:
    lower = name.lower()
    return lower in ("dockerfile", "containerfile") or lower.endswith(".dockerfile")


def _default_context(dockerfile: Path, package: Path, lock_root: Path) -> Path:
    """The Dockerfile's folder; the package's when the Dockerfile sits in a subfolder of it
    without a project of its own (``docker/Dockerfile`` is built from the project's root); the
    workspace root when the lock it copies lives only there."""
    folder = dockerfile.parent
    inside = folder != package and folder.is_relative_to(package)
    if inside and not (folder / "pyproject.toml").is_file():
        folder = package
    if (folder / "uv.lock").is_file() or folder == lock_root:
        return folder
    text = dockerfile.read_text("utf-8", errors="replace")
    return lock_root if "uv.lock" in text else folder


def _workspace_root(path: Path) -> Path | None:
    """The nearest folder above ``path`` whose workspace lists it (for a member given alone)."""
    resolved = path.resolve()
    for parent in resolved.parents:
        pyproject = parent / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            data = tomllib.loads(pyproject.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        members = {p.resolve() for p, _ in _members(parent, data)}
        if resolved in members:
            return parent
    return None


def _members(root: Path, data: Mapping[str, Any]) -> list[tuple[Path, str]]:
    tool = data.get("tool", {})
    uv = tool.get("uv", {}) if isinstance(tool, dict) else {}
    workspace = uv.get("workspace") if isinstance(uv, dict) else None
    if not isinstance(workspace, dict):
        return []
    patterns = workspace.get("members", [])
    excluded = workspace.get("exclude", [])
    if not isinstance(patterns, list) or not isinstance(excluded, list):
        raise UsageError(f"{root / 'pyproject.toml'}: [tool.uv.workspace] members must be a list")
    skip = {
        p.resolve() for pattern in excluded if isinstance(pattern, str) for p in root.glob(pattern)
    }
    found: dict[Path, str] = {}
    for pattern in patterns:
        if not isinstance(pattern, str):
            continue
        for candidate in sorted(root.glob(pattern)):
            resolved = candidate.resolve()
            if (
                resolved != root.resolve()
                and resolved not in skip
                and (candidate / "pyproject.toml").is_file()
            ):
                found.setdefault(candidate, candidate.relative_to(root).as_posix())
    return sorted(found.items(), key=lambda item: item[1])
