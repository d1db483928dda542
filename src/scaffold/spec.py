"""The validated, frozen description of a project to generate.

Everything the CLI accepts is checked once, before anything is rendered: the answers here, the
dependencies in :mod:`scaffold.deps`, the Debian packages in :mod:`scaffold.system`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from scaffold import __version__
from scaffold.deps import Dependency
from scaffold.errors import UsageError
from scaffold.naming import Names
from scaffold.system import SystemPackages

SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
_MAX_DESCRIPTION = 200


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
