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
from scaffold.errors import UsageError

_APT_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


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
        try:
            compilers = tuple(data.get("compilers", {}).get("build", ()))
            projects = {
                canonical_name(name): (
                    tuple(entry.get("build", ())),
                    tuple(entry.get("runtime", ())),
                    bool(entry.get("compiles", True)),
                )
                for name, entry in data.get("projects", {}).items()
            }
        except (AttributeError, TypeError):
            raise UsageError(f"{source}: expected [compilers] and [projects.NAME] tables") from None
        for build, runtime, _ in projects.values():
            check_apt_names([*build, *runtime], source)
        check_apt_names(compilers, source)
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


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def check_apt_names(names: Iterable[str], source: str = "--apt-build/--apt-runtime") -> None:
    for name in names:
        if not isinstance(name, str) or not _APT_NAME.match(name):
            raise UsageError(f"{source}: '{name}' is not a valid Debian package name")


def load_system_mapping(extra_file: Path | None = None) -> SystemMapping:
    """The built-in PyPI -> Debian mapping, extended by a user's file of the same format."""
    text = (resources.files("scaffold") / "data" / "system-packages.toml").read_text("utf-8")
    mapping = SystemMapping.from_toml(tomllib.loads(text), "system-packages.toml")
    if extra_file is not None:
        try:
            data = tomllib.loads(extra_file.read_text("utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read {extra_file}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{extra_file} is not valid TOML: {exc}") from None
        mapping = mapping.merged(SystemMapping.from_toml(data, str(extra_file)))
    return mapping
