"""Runtime dependencies as the user and the template give them, and the ranges they get.

Every dependency ends up with a lower and an upper bound: a lone lower bound gets the next
breaking version as its upper bound; a dependency with no lower bound is bounded from the
version ``uv lock`` chose (see :func:`bound_to_locked`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scaffold.errors import UsageError


def canonical_name(name: str) -> str:
    """PEP 503 normalization, without importing packaging for it."""
    return re.sub(r"[-_.]+", "-", name).lower()


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
    return Dependency(name=name, key=canonical_name(name), specifier=match["spec"])


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
