"""The validated, frozen description of a project to generate.

Everything the CLI accepts is checked once, before anything is rendered: the answers here, the
dependencies in :mod:`scaffold.deps`, the Debian packages in :mod:`scaffold.system`.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scaffold import __version__
from scaffold.deps import Dependency
from scaffold.errors import UsageError, quoted
from scaffold.naming import Names
from scaffold.system import SystemPackages

SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13", "3.14")  # the template's python_version choices
MAX_DESCRIPTION = 200
MAX_AUTHOR = 100
MAX_DEPENDENCY = 300  # a URL requirement with a marker fits; a pasted file does not
# Cc: control characters (tab, line breaks, escape, NEL...); Cs: lone surrogates; Zl, Zp:
# line and paragraph separators, which Python and YAML treat as line breaks.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@dataclass(frozen=True)
class ProjectSpec:
    """All answers for one project; :meth:`answers` is what the template and answers file see."""

    names: Names
    template: str
    dependencies: tuple[Dependency, ...]
    system: SystemPackages
    # Every answer the template asks for, in the order of its questions (see scaffold.answers).
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
    """The answers scaffold works out itself (see :data:`scaffold.templates.COMPUTED`)."""
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


def check_text(label: str, text: str, limit: int) -> str:
    """A free-text answer: one line of printable text, at most ``limit`` characters.

    Quotes and backslashes are fine (the templates escape them); what no file format takes
    safely is refused: control characters, line and paragraph separators, bidirectional
    overrides (they make text read differently from what it is), and lone surrogates (what
    Python makes of bytes that are not UTF-8).
    """
    text = text.strip()
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BIDI_CONTROLS:
            raise UsageError(
                f"the {label} contains {_describe(ch)}",
                hint="give one line of plain text",
            )
    if len(text) > limit:
        raise UsageError(f"the {label} is too long ({len(text)} characters, at most {limit})")
    return text


def _describe(ch: str) -> str:
    if unicodedata.category(ch) == "Cs":
        return "bytes that are not UTF-8"
    if ch in "\n\r":
        return "a line break"
    return f"the control character U+{ord(ch):04X}"


def check_description(text: str) -> str:
    return check_text("description", text, MAX_DESCRIPTION)


def check_author(text: str) -> str:
    return check_text("author", text, MAX_AUTHOR)


# An image reference, as Docker reads it: distribution/reference's grammar (regexp.go,
# github.com/distribution/reference), written once here:
#   reference := name [ ":" tag ] [ "@" digest ]
#   name      := [ domain "/" ] path-component [ "/" path-component ]*
#   domain    := host [ ":" port ]   host := domain-component [ "." domain-component ]* | [ IPv6 ]
# Path components are lower case; Go's \w is ASCII, hence re.ASCII. fullmatch, never "$", which
# would let a trailing line break through into the Dockerfile line the image is written on.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?P<name>(?:{_HOST}(?::[0-9]+)?/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?",
    re.ASCII,
)
_MAX_IMAGE_NAME = 255  # distribution/reference's NameTotalLengthMax


def check_image(reference: str) -> str:
    """A Docker image reference (``python:3.12-slim``, ``registry:5000/team/py@sha256:...``):
    it is written into the Dockerfile's ``ARG`` lines and given to ``docker build``, so
    nothing but the reference grammar gets through."""
    match = _IMAGE.fullmatch(reference)
    if match is None or len(match["name"]) > _MAX_IMAGE_NAME:
        hint = "e.g. python:3.12-slim or registry.example:5000/team/python:3.12"
        if match is None and _IMAGE.fullmatch(reference.lower()):
            hint = "the repository path must be lower case"
        raise UsageError(f"{quoted(reference)} is not a Docker image reference", hint=hint)
    return reference


PYTHON_PLACEHOLDER = "{python}"


def check_image_pattern(reference: str) -> str:
    """An image reference that may name the project's Python as ``{python}`` (a team's
    ``registry/python:{python}-slim-trixie``): checked as it will be for any Python."""
    check_image(reference.replace(PYTHON_PLACEHOLDER, "3.12"))
    return reference


def image_for_python(reference: str, python: str) -> str:
    """``reference`` with the project's Python in place of ``{python}``, checked."""
    return check_image(reference.replace(PYTHON_PLACEHOLDER, python))


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
