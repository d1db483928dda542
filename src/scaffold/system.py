"""Debian packages for the generated Dockerfile: which PyPI projects need which.

Docker owns the OS libraries, uv the Python ones. A dependency that builds from source gets its
compilers and headers in the builder stage and only its shared libraries in the runtime stage,
from the data file ``scaffold/data/system-packages.toml`` and a user's file of the same format.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scaffold.deps import Dependency, canonical_name
from scaffold.errors import UsageError, quoted

_APT_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]{1,99}")  # Debian policy, and a sane length


@dataclass(frozen=True)
class SystemPackages:
    build: tuple[str, ...] = ()
    runtime: tuple[str, ...] = ()

    def plus(self, build: Iterable[str], runtime: Iterable[str]) -> SystemPackages:
        """These packages and the user's own (``--apt-build`` / ``--apt-runtime``), once each."""
        return SystemPackages(_unique([*self.build, *build]), _unique([*self.runtime, *runtime]))


@dataclass(frozen=True)
class SystemMapping:
    compilers: tuple[str, ...]
    projects: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], bool]]

    @classmethod
    def from_toml(cls, data: Mapping[str, Any], source: str) -> SystemMapping:
        """Read the mapping file's tables; a wrong type is one error naming the file and key."""
        compilers = _names(
            _table(data, "compilers", source).get("build", []), "compilers.build", source
        )
        projects = {}
        for name, entry in _table(data, "projects", source).items():
            where = f"projects.{name}"
            if not isinstance(entry, dict):
                raise UsageError(f"{source}: {where} must be a table")
            compiles = entry.get("compiles", True)
            if not isinstance(compiles, bool):
                raise UsageError(f"{source}: {where}.compiles must be true or false")
            projects[canonical_name(name)] = (
                _names(entry.get("build", []), f"{where}.build", source),
                _names(entry.get("runtime", []), f"{where}.runtime", source),
                compiles,
            )
        return cls(compilers, projects)

    def merged(self, other: SystemMapping) -> SystemMapping:
        return SystemMapping(other.compilers or self.compilers, {**self.projects, **other.projects})

    def packages_for(self, deps: Iterable[Dependency]) -> SystemPackages:
        build: list[str] = []
        runtime: list[str] = []
        for dep in deps:
            entry = self.projects.get(dep.key)
            if entry is None:
                continue
            dep_build, dep_runtime, compiles = entry
            if compiles:
                build.extend(self.compilers)
            build.extend(dep_build)
            runtime.extend(dep_runtime)
        return SystemPackages(_unique(build), _unique(runtime))


def _table(data: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"{source}: {key} must be a table ([{key}])")
    return value


def _names(value: object, where: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"{source}: {where} must be an array of Debian package names")
    check_apt_names(value, source)
    return tuple(value)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def check_apt_names(names: Iterable[str], source: str = "--apt-build/--apt-runtime") -> None:
    for name in names:
        if not isinstance(name, str) or not _APT_NAME.fullmatch(name):
            shown = quoted(name) if isinstance(name, str) else repr(name)
            raise UsageError(f"{source}: {shown} is not a valid Debian package name")


def load_system_mapping(extra_file: Path | None = None) -> SystemMapping:
    """The built-in PyPI -> Debian mapping, extended by a user's file of the same format."""
    text = (resources.files("scaffold") / "data" / "system-packages.toml").read_text("utf-8")
    mapping = SystemMapping.from_toml(tomllib.loads(text), "system-packages.toml")
    if extra_file is not None:
        try:
            data = tomllib.loads(extra_file.read_text("utf-8"))
        except OSError as exc:
            shown = str(extra_file) if len(str(extra_file)) <= 200 else "the --system-packages file"
            raise UsageError(f"cannot read {shown}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{extra_file} is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{extra_file} is not valid TOML: {exc}") from None
        mapping = mapping.merged(SystemMapping.from_toml(data, str(extra_file)))
    return mapping
