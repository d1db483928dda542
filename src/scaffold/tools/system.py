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
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError, quoted
from scaffold.tools.names import canonical

_APT_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]{1,99}")  # Debian policy, and a sane length
# Debian releases the data knows, newest first: the official python:X.Y-slim images use the
# first; package names that differ in another are under [releases.NAME] in the data.
RELEASES = ("trixie", "bookworm")
DEFAULT_RELEASE = RELEASES[0]
_RELEASE_IN_TAG = re.compile(r"(?:^|[-:/_])(" + "|".join(RELEASES) + r")(?:$|[-_.])")


def named_release(image: str) -> str | None:
    """The Debian release an image tag names (``python:3.12-slim-bookworm``), if any."""
    match = _RELEASE_IN_TAG.search(image.rsplit("/", 1)[-1])
    return match.group(1) if match else None


def release_of(image: str) -> str:
    """The release an image tag names, else the default one, which the official images without
    a release in their tag use."""
    return named_release(image) or DEFAULT_RELEASE


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
    def from_toml(
        cls, data: Mapping[str, Any], source: str, release: str = DEFAULT_RELEASE
    ) -> SystemMapping:
        """Read the mapping file's tables, with the entries ``[releases.RELEASE.projects]``
        gives in place of the general ones; a wrong type is one error naming the file and key."""
        compilers = _names(
            _table(data, "compilers", source).get("build", []), "compilers.build", source
        )
        general = _projects(_table(data, "projects", source), "projects", source)
        releases = _table(data, "releases", source)
        for name, table in releases.items():
            if name not in RELEASES:
                raise UsageError(
                    f"{source}: releases.{name}: known releases are {', '.join(RELEASES)}"
                )
            if not isinstance(table, dict):
                raise UsageError(f"{source}: releases.{name} must be a table")
        special = releases.get(release, {})
        overrides = _projects(
            _table(special, "projects", source), f"releases.{release}.projects", source
        )
        return cls(compilers, {**general, **overrides})

    def merged(self, other: SystemMapping) -> SystemMapping:
        return SystemMapping(other.compilers or self.compilers, {**self.projects, **other.projects})

    def packages_for(self, names: Iterable[str]) -> SystemPackages:
        """The packages for the projects ``names`` (PEP 503 normalized) need."""
        build: list[str] = []
        runtime: list[str] = []
        for name in names:
            entry = self.projects.get(name)
            if entry is None:
                continue
            dep_build, dep_runtime, compiles = entry
            if compiles:
                build.extend(self.compilers)
            build.extend(dep_build)
            runtime.extend(dep_runtime)
        return SystemPackages(_unique(build), _unique(runtime))


def _projects(
    table: Mapping[str, Any], prefix: str, source: str
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]]:
    projects = {}
    for name, entry in table.items():
        where = f"{prefix}.{name}"
        if not isinstance(entry, dict):
            raise UsageError(f"{source}: {where} must be a table")
        compiles = entry.get("compiles", True)
        if not isinstance(compiles, bool):
            raise UsageError(f"{source}: {where}.compiles must be true or false")
        projects[canonical(name)] = (
            _names(entry.get("build", []), f"{where}.build", source),
            _names(entry.get("runtime", []), f"{where}.runtime", source),
            compiles,
        )
    return projects


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
        try:
            check_apt_name(name)
        except UsageError as exc:
            raise UsageError(f"{source}: {exc.message}") from None


def check_apt_name(name: str) -> str:
    """A Debian package name (Debian policy 5.6.1): it is written into the Dockerfile's
    ``apt-get install`` lines."""
    if not isinstance(name, str) or not _APT_NAME.fullmatch(name):
        shown = quoted(name) if isinstance(name, str) else repr(name)
        raise UsageError(f"{shown} is not a valid Debian package name")
    return name


def with_brought_along(names: Iterable[str], release: str = DEFAULT_RELEASE) -> set[str]:
    """``names`` and the packages of the mapping that apt installs along with them in
    ``release`` (``build-essential`` brings ``gcc`` and ``libc6-dev``, ``libpq-dev`` brings
    ``libpq5``), from ``data/system-brings.toml``, which scripts/system_brings.py writes from
    the release's package index."""
    table = _brought_along().get(release, {})
    have = set(names)
    return have.union(*(table.get(name, ()) for name in have))


@cache
def _brought_along() -> dict[str, dict[str, tuple[str, ...]]]:
    text = (resources.files("scaffold") / "data" / "system-brings.toml").read_text("utf-8")
    return {
        release: {name: tuple(along) for name, along in table.items()}
        for release, table in tomllib.loads(text).items()
    }


def load_system_mapping(
    extra_file: Path | None = None, release: str = DEFAULT_RELEASE
) -> SystemMapping:
    """The built-in PyPI -> Debian mapping for a Debian release, extended by a user's file of
    the same format."""
    text = (resources.files("scaffold") / "data" / "system-packages.toml").read_text("utf-8")
    mapping = SystemMapping.from_toml(tomllib.loads(text), "system-packages.toml", release)
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
        mapping = mapping.merged(SystemMapping.from_toml(data, str(extra_file), release))
    return mapping
