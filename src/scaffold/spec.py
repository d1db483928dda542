"""The validated, frozen description of a project to generate.

Everything the CLI accepts is checked here, once, before anything is rendered: names, the
Python version, dependency specifiers (each given lower and upper bounds) and the Debian
packages the Dockerfile installs.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from scaffold import __version__
from scaffold.errors import UsageError
from scaffold.naming import Names

SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
_APT_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
_MAX_DESCRIPTION = 200


@dataclass(frozen=True)
class Dependency:
    """A runtime dependency; ``specifier`` is empty until bounds are known."""

    name: str  # as the user spelled it
    key: str  # PEP 503 normalized, for comparisons
    extras: tuple[str, ...] = ()
    specifier: str = ""
    marker: str = ""
    url: str = ""

    @property
    def bounded(self) -> bool:
        return bool(self.url) or (_has_upper(self.specifier) and _has_lower(self.specifier))

    def __str__(self) -> str:
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        text = f"{self.name}{extras}"
        text += f" @ {self.url}" if self.url else self.specifier
        if self.marker:
            text += f" ; {self.marker}"
        return text


@dataclass(frozen=True)
class SystemPackages:
    build: tuple[str, ...] = ()
    runtime: tuple[str, ...] = ()

    def plus(self, build: Iterable[str], runtime: Iterable[str]) -> SystemPackages:
        """These packages and the user's own (``--apt-build`` / ``--apt-runtime``), once each."""
        return SystemPackages(_unique([*self.build, *build]), _unique([*self.runtime, *runtime]))


@dataclass(frozen=True)
class ProjectSpec:
    """All answers for one project; :meth:`answers` is what the template and answers file see."""

    names: Names
    template: str
    python: str
    description: str
    author: str
    dependencies: tuple[Dependency, ...]
    system: SystemPackages
    uv_version: str
    scaffold_version: str = __version__
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def unbounded(self) -> tuple[Dependency, ...]:
        return tuple(dep for dep in self.dependencies if not dep.bounded)

    def with_dependencies(self, deps: Iterable[Dependency]) -> ProjectSpec:
        return replace(self, dependencies=tuple(deps))

    def answers(self) -> dict[str, Any]:
        """The copier answers, in the order of the template's questions."""
        return {
            "template": self.template,
            "scaffold_version": self.scaffold_version,
            "project_name": self.names.dist,
            "package_name": self.names.package,
            "description": self.description,
            "author": self.author,
            "python_version": self.python,
            "dependencies": [str(dep) for dep in self.dependencies],
            "apt_build": list(self.system.build),
            "apt_runtime": list(self.system.runtime),
            "uv_version": self.uv_version,
        }


# --- dependencies -------------------------------------------------------------------------


def _split(specifier: str) -> list[str]:
    return [part.strip() for part in specifier.split(",") if part.strip()]


def _has_lower(specifier: str) -> bool:
    return any(part.startswith((">", "==", "~=")) for part in _split(specifier))


def _has_upper(specifier: str) -> bool:
    return any(part.startswith(("<", "==", "~=")) for part in _split(specifier))


def next_breaking(version: str) -> str:
    """The first version that may break ``version``: next major, or next minor below 1.0."""
    from packaging.version import Version  # noqa: PLC0415 - keep `scaffold --help` lean

    release = Version(version).release
    major = release[0]
    if major > 0:
        return str(major + 1)
    minor = release[1] if len(release) > 1 else 0
    return f"0.{minor + 1}"


def _ordered(parts: Sequence[str]) -> str:
    lower = [p for p in parts if p.startswith((">", "==", "~=", "!="))]
    upper = [p for p in parts if p not in lower]
    return ",".join(lower + upper)


def parse_dependency(text: str) -> Dependency:
    """Parse a PEP 508 requirement; a lone lower bound gets the matching upper bound."""
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        first_line = str(exc).splitlines()[0]
        raise UsageError(f"invalid dependency '{text}': {first_line}") from None
    parts = [str(spec) for spec in req.specifier]
    if _has_lower(",".join(parts)) and not _has_upper(",".join(parts)):
        lowest = max(
            (s.version for s in req.specifier if s.operator in (">=", ">")),
            key=_version_key,
        )
        parts.append(f"<{next_breaking(lowest)}")
    return Dependency(
        name=req.name,
        key=canonicalize_name(req.name),
        extras=tuple(sorted(req.extras)),
        specifier=_ordered(parts),
        marker=str(req.marker) if req.marker else "",
        url=req.url or "",
    )


_SIMPLE_BOUNDED = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)"
    r"(?P<spec>>=[0-9][0-9.]*,<[0-9][0-9.]*)$"
)


def template_dependency(text: str) -> Dependency:
    """A template's own default (``name>=X,<Y``), without importing packaging for it.

    Anything not of that simple, already bounded form goes through :func:`parse_dependency`.
    """
    match = _SIMPLE_BOUNDED.match(text)
    if match is None:
        return parse_dependency(text)
    name = match["name"]
    return Dependency(name=name, key=_canonical(name), specifier=match["spec"])


def _version_key(version: str) -> Any:
    from packaging.version import Version  # noqa: PLC0415

    return Version(version)


def bound_to_locked(dep: Dependency, locked_version: str) -> Dependency:
    """Give an unbounded dependency the range ``>=locked,<next breaking``."""
    parts = _split(dep.specifier)
    if not _has_lower(dep.specifier):
        parts.append(f">={locked_version}")
    if not _has_upper(dep.specifier):
        parts.append(f"<{next_breaking(locked_version)}")
    return replace(dep, specifier=_ordered(parts))


def merge_dependencies(
    defaults: Iterable[Dependency], extra: Iterable[Dependency]
) -> tuple[Dependency, ...]:
    """Template defaults, overridden by name by the user's, in a stable order."""
    merged: dict[str, Dependency] = {dep.key: dep for dep in defaults}
    for dep in extra:
        merged[dep.key] = dep
    return tuple(merged.values())


# --- system packages ----------------------------------------------------------------------


@dataclass(frozen=True)
class SystemMapping:
    compilers: tuple[str, ...]
    projects: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], bool]]

    @classmethod
    def from_toml(cls, data: Mapping[str, Any], source: str) -> SystemMapping:
        try:
            compilers = tuple(data.get("compilers", {}).get("build", ()))
            projects = {
                _canonical(name): (
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


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


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


# --- the whole spec -----------------------------------------------------------------------


def default_python() -> str:
    """The running interpreter's version, the one uv will find for the new project."""
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    return current if current in SUPPORTED_PYTHONS else "3.12"


def check_python(version: str) -> str:
    if version not in SUPPORTED_PYTHONS:
        raise UsageError(
            f"unsupported Python version '{version}'",
            hint=f"choose one of {', '.join(SUPPORTED_PYTHONS)}",
        )
    return version


def check_description(text: str) -> str:
    text = text.strip()
    if "\n" in text or "\r" in text:
        raise UsageError("the description must be a single line")
    if '"' in text or "\\" in text:
        raise UsageError('the description cannot contain " or \\', hint="use ' instead")
    if len(text) > _MAX_DESCRIPTION:
        raise UsageError(f"the description is too long (at most {_MAX_DESCRIPTION} characters)")
    return text


def check_author(text: str) -> str:
    text = text.strip()
    if any(ch in text for ch in '"\\\n\r'):
        raise UsageError("the author cannot contain quotes, backslashes or line breaks")
    return text


def check_no_self_dependency(names: Names, deps: Iterable[Dependency]) -> None:
    for dep in deps:
        if dep.key == names.dist:
            raise UsageError(
                f"the project '{names.dist}' cannot be named like its dependency '{dep.name}'",
                hint=f"try '{names.dist}-service'",
            )
