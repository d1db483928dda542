"""Reading ``uv.lock``: what a project ships, and which of it must be compiled on Linux.

The lock is the truth about a project's dependencies: which distributions a runtime image holds
(the non-dev closure of the project's own package, markers evaluated for Linux) and whether each
has a Linux wheel or builds from its sdist. Nothing here runs uv.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.tools.names import canonical

_LINUX_WHEEL = re.compile(
    r"-(?:py\d+|cp\d+|abi3)[^/]*-(?:none-any|[^/]*(?:many|musl)?linux[^/]*)\.whl$"
)


@dataclass(frozen=True)
class LockedPackage:
    name: str  # canonical
    version: str
    source: Mapping[str, Any]
    dependencies: tuple[Mapping[str, Any], ...]
    optional: Mapping[str, tuple[Mapping[str, Any], ...]]
    wheels: tuple[str, ...]  # file names
    has_sdist: bool
    dev: tuple[Mapping[str, Any], ...] = ()  # the dependency groups' requirements

    @property
    def is_local(self) -> bool:
        """The project itself or a workspace member (editable, virtual or a path)."""
        return any(key in self.source for key in ("editable", "virtual", "directory", "path"))

    @property
    def has_linux_wheel(self) -> bool:
        return any(_LINUX_WHEEL.search(wheel) for wheel in self.wheels)


@dataclass(frozen=True)
class Lock:
    path: Path
    packages: tuple[LockedPackage, ...]

    def named(self, name: str) -> list[LockedPackage]:
        key = canonical(name)
        return [pkg for pkg in self.packages if pkg.name == key]

    def versions(self, name: str) -> list[str]:
        """Every locked version of ``name``: the lock forks by Python version."""
        return [pkg.version for pkg in self.named(name)]

    def dependents(self, name: str) -> set[str]:
        """The packages that require ``name`` (runtime, extras or dependency groups)."""
        key = canonical(name)
        return {
            pkg.name
            for pkg in self.packages
            for dep in (
                *pkg.dependencies,
                *pkg.dev,
                *(d for ds in pkg.optional.values() for d in ds),
            )
            if canonical(str(dep["name"])) == key
        }

    def runtime_closure(
        self, root: str, environment: Mapping[str, str] | None = None
    ) -> list[LockedPackage]:
        """The packages a non-dev install of ``root`` holds, in a stable order (root first).

        Markers are evaluated for ``environment`` (default: Linux on x86_64, Python 3.12); a
        package locked twice (a fork by Python version) contributes every entry.
        """
        env = {**_LINUX, **(environment or {})}
        seen: dict[tuple[str, str], LockedPackage] = {}
        pending: list[tuple[str, tuple[str, ...]]] = [(canonical(root), ())]
        while pending:
            name, extras = pending.pop(0)
            for pkg in self.named(name):
                key = (pkg.name, pkg.version)
                edges = list(pkg.dependencies) if key not in seen else []
                for extra in extras:
                    edges += pkg.optional.get(extra, ())
                seen.setdefault(key, pkg)
                for dep in edges:
                    if _marker_holds(str(dep.get("marker", "")), env):
                        pending.append((canonical(str(dep["name"])), tuple(dep.get("extra", ()))))
        return list(seen.values())


_LINUX = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "python_version": "3.12",
    "python_full_version": "3.12.0",
}


def _marker_holds(marker: str, env: Mapping[str, str]) -> bool:
    if not marker:
        return True
    from packaging.markers import InvalidMarker, Marker  # noqa: PLC0415

    try:
        return bool(Marker(marker).evaluate(dict(env)))
    except InvalidMarker:
        return True  # keep what cannot be judged: a missing package is then reported, not hidden


def read_lock(path: Path) -> Lock:
    """Parse ``uv.lock``; a file that is not a uv lock is a one-line error naming it."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    raw = data.get("package", [])
    if not isinstance(raw, list):
        raise UsageError(f"{path}: 'package' must be an array of tables")
    return Lock(path, tuple(_package(entry, path) for entry in raw if isinstance(entry, dict)))


def _package(entry: Mapping[str, Any], path: Path) -> LockedPackage:
    name = entry.get("name")
    if not isinstance(name, str):
        raise UsageError(f"{path}: a [[package]] has no name")
    optional = entry.get("optional-dependencies", {})
    return LockedPackage(
        name=canonical(name),
        version=str(entry.get("version", "")),
        source=entry.get("source", {}) if isinstance(entry.get("source"), dict) else {},
        dependencies=_edges(entry.get("dependencies", ())),
        optional={str(extra): _edges(deps) for extra, deps in optional.items()}
        if isinstance(optional, dict)
        else {},
        wheels=tuple(
            str(wheel.get("url") or wheel.get("path") or wheel.get("filename") or "")
            for wheel in entry.get("wheels", ())
            if isinstance(wheel, dict)
        ),
        has_sdist="sdist" in entry,
        dev=tuple(
            dep for deps in (entry.get("dev-dependencies") or {}).values() for dep in _edges(deps)
        )
        if isinstance(entry.get("dev-dependencies"), dict)
        else (),
    )


def _edges(items: Iterable[Any]) -> tuple[Mapping[str, Any], ...]:
    return tuple(item for item in items if isinstance(item, dict) and "name" in item)
