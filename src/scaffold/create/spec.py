"""The validated, frozen description of a project to generate.

Everything the CLI accepts is checked once, before anything is rendered: the answers here, the
dependencies in :mod:`scaffold.create.deps`, the Debian packages in :mod:`scaffold.tools.system`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scaffold import __version__
from scaffold.create.deps import Dependency
from scaffold.create.naming import Names
from scaffold.create.text import check_text
from scaffold.errors import UsageError, quoted
from scaffold.tools.system import SystemPackages

SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13", "3.14")  # the template's python_version choices
MAX_DESCRIPTION = 200
MAX_AUTHOR = 100


@dataclass(frozen=True)
class ProjectSpec:
    """All answers for one project; :meth:`answers` is what the template and answers file see."""

    names: Names
    template: str
    dependencies: tuple[Dependency, ...]
    system: SystemPackages
    # Every answer the template asks for, in the order of its questions (scaffold.create.answers).
    resolved: Mapping[str, Any] = field(default_factory=dict)
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def python(self) -> str:
        return str(self.resolved.get("python_version", ""))

    @property
    def description(self) -> str:
        return str(self.resolved.get("description", ""))

    @property
    def author(self) -> str:
        return str(self.resolved.get("author", ""))

    @property
    def unbounded(self) -> tuple[Dependency, ...]:
        return tuple(dep for dep in self.dependencies if not dep.bounded)

    def with_dependencies(self, deps: Iterable[Dependency]) -> ProjectSpec:
        return replace(self, dependencies=tuple(deps))

    def answers(self) -> dict[str, Any]:
        """The copier answers, in the order of the template's questions; the dependencies and
        the Debian packages as they are now (bounded after the first lock)."""
        current = {
            "project_name": self.names.dist,
            "package_name": self.names.package,
            "dependencies": [str(dep) for dep in self.dependencies],
            "apt_build": list(self.system.build),
            "apt_runtime": list(self.system.runtime),
        }
        return {key: current.get(key, value) for key, value in self.resolved.items()}


def computed_answers(
    names: Names, template: str, deps: Iterable[Dependency], system: SystemPackages
) -> dict[str, Any]:
    """The answers scaffold works out itself (see :data:`scaffold.create.templates.COMPUTED`)."""
    return {
        "template": template,
        "scaffold_version": __version__,
        "project_name": names.dist,
        "package_name": names.package,
        "dependencies": [str(dep) for dep in deps],
        "apt_build": list(system.build),
        "apt_runtime": list(system.runtime),
    }


def default_python() -> str:
    """The running interpreter's version, the one uv will find for the new project."""
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    return current if current in SUPPORTED_PYTHONS else "3.12"


def check_python(version: str) -> str:
    if version not in SUPPORTED_PYTHONS:
        raise UsageError(
            f"unsupported Python version {quoted(version)}",
            hint=f"choose one of {', '.join(SUPPORTED_PYTHONS)}",
        )
    return version


def check_description(text: str) -> str:
    return check_text("description", text, MAX_DESCRIPTION)


def check_author(text: str) -> str:
    return check_text("author", text, MAX_AUTHOR)


def check_version(version: str, what: str = "a uv version", example: str = "0.13.9") -> str:
    """A PEP 440 version written as it is normalized (``packaging`` would also take surrounding
    white space, which is a line in a Dockerfile or a workflow): uv's, for the uv image's tag,
    or scaffold's own, for the answers file and the workflows' pin."""
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    try:
        valid = str(Version(version)) == version
    except InvalidVersion:
        valid = False
    if not valid:
        raise UsageError(f"{quoted(version)} is not {what}", hint=f"e.g. {example}")
    return version


def check_uv_version(version: str) -> str:
    return check_version(version)


def check_not_shadowing(
    names: Names, reserved: Iterable[str], deps: Iterable[Dependency], suffix: str = "service"
) -> None:
    """Refuse a name the template's dependencies (``reserved``, normalized) or a direct
    dependency already use: the project's package would shadow theirs, or uv could not lock."""
    if names.dist in reserved:
        raise UsageError(
            f"the package '{names.package}' would shadow '{names.dist}', which the template's "
            "dependencies install",
            hint=f"try '{names.dist}-{suffix}'",
        )
    for dep in deps:
        if dep.key == names.dist:
            raise UsageError(
                f"the project '{names.dist}' cannot be named like its dependency '{dep.name}'",
                hint=f"try '{names.dist}-{suffix}'",
            )
