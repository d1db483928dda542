"""Runtime dependencies as the user and the template give them, and the ranges they get.

Every dependency ends up with a lower and an upper bound: a lone lower bound gets the next
breaking version as its upper bound; a dependency with no lower bound is bounded from the
version ``uv lock`` chose (see :func:`bound_to_locked`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from scaffold.create.text import check_text
from scaffold.errors import UsageError
from scaffold.tools.names import canonical as canonical_name

MAX_DEPENDENCY = 300  # a URL requirement with a marker fits; a pasted file does not

if TYPE_CHECKING:
    from packaging.specifiers import Specifier

# PEP 440's comparison operators, by the side of a range they close. ``==`` closes both, with a
# wildcard too (``==1.*`` is ``>=1.dev0,<2.dev0``), and so do ``~=`` (``~=1.4`` is
# ``>=1.4,<2``) and arbitrary equality (``===1.0``); ``!=`` closes neither.
_LOWER_OPERATORS = frozenset({">", ">=", "==", "~=", "==="})
_UPPER_OPERATORS = frozenset({"<", "<=", "==", "~=", "==="})
# The bounded form the built-in templates write their own dependencies in (``jinja2>=3.1,<4``):
# a PEP 508 name and two PEP 440 release versions, nothing packaging would read otherwise.
# Recognised here so that rendering a project (``scaffold new --no-lock``) need not import
# packaging, whose requirement parser and name utilities load its marker and wheel-tag modules
# (tens of milliseconds); tests hold it to packaging's reading of every string it matches.
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_TEMPLATE_RANGE = re.compile(rf">={_RELEASE},<{_RELEASE}")
_TEMPLATE_DEPENDENCY = re.compile(
    rf"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?P<spec>{_TEMPLATE_RANGE.pattern})"
)


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
        return bool(self.url) or all(_bounds(self.specifier))

    def __str__(self) -> str:
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        text = f"{self.name}{extras}"
        text += f" @ {self.url}" if self.url else self.specifier
        if self.marker:
            text += f" ; {self.marker}"
        return text


def _bounds(specifier: str) -> tuple[bool, bool]:
    """Whether ``specifier`` bounds the versions it allows from below, and from above."""
    if _TEMPLATE_RANGE.fullmatch(specifier):
        return True, True
    from packaging.specifiers import SpecifierSet  # noqa: PLC0415 - keep `scaffold new` lean

    operators = {spec.operator for spec in SpecifierSet(specifier)}
    return bool(operators & _LOWER_OPERATORS), bool(operators & _UPPER_OPERATORS)


def next_breaking(version: str) -> str:
    """The first version that may break ``version``: next major, or next minor below 1.0."""
    from packaging.version import Version  # noqa: PLC0415 - keep `scaffold --help` lean

    parsed = Version(version)
    release = parsed.release
    epoch = f"{parsed.epoch}!" if parsed.epoch else ""
    major = release[0]
    if major > 0:
        return f"{epoch}{major + 1}"
    minor = release[1] if len(release) > 1 else 0
    return f"{epoch}0.{minor + 1}"


def _ordered(specs: Iterable[Specifier]) -> str:
    """The specifiers as one string, those that only close a range from above (``<``,
    ``<=``) last: ``>=1.26,!=2.0.1,<3``."""
    specs = list(specs)
    upper_only = _UPPER_OPERATORS - _LOWER_OPERATORS
    first = [str(spec) for spec in specs if spec.operator not in upper_only]
    return ",".join(first + [str(spec) for spec in specs if spec.operator in upper_only])


def parse_dependency(text: str) -> Dependency:
    """Parse a PEP 508 requirement as given; missing bounds come from the lock later.

    One line of printable text (:func:`scaffold.create.text.check_text`), before and after parsing:
    packaging decodes Python escapes in marker strings (``"3.12\\n"`` becomes a line break), and
    what it decoded is what would be written. A backslash left after that is refused too:
    PEP 508 strings take no escapes, and packaging would read the written one as one.
    """
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    text = check_text("dependency", text, MAX_DEPENDENCY)
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        first_line = str(exc).splitlines()[0]
        raise UsageError(f"invalid dependency '{text}': {first_line}") from None
    dep = Dependency(
        name=req.name,
        key=canonicalize_name(req.name),
        extras=tuple(sorted(req.extras)),
        specifier=_ordered(req.specifier),
        marker=str(req.marker) if req.marker else "",
        url=req.url or "",
    )
    check_text("dependency", str(dep), MAX_DEPENDENCY * 2)
    if "\\" in str(dep):
        raise UsageError(
            f"invalid dependency '{text}': a backslash (PEP 508 strings take no escapes)"
        )
    return dep


def template_dependency(text: str) -> Dependency:
    """A template's own default (``name>=X,<Y``), without importing packaging for it.

    Anything not of that simple, already bounded form goes through :func:`parse_dependency`.
    """
    match = _TEMPLATE_DEPENDENCY.fullmatch(text)
    if match is None:
        return parse_dependency(text)
    name = match["name"]
    return Dependency(name=name, key=canonical_name(name), specifier=match["spec"])


def bound_to_locked(dep: Dependency, locked: Sequence[str]) -> Dependency:
    """Give a dependency the bounds it lacks from the versions ``uv lock`` chose for it.

    The lock forks by Python version, so one package can be locked at several versions. The
    lower bound is the lowest of them (every supported Python can install it), the upper bound
    the next breaking version after the highest (see :func:`next_breaking`). A bound the user
    gave is kept.
    """
    from packaging.specifiers import Specifier, SpecifierSet  # noqa: PLC0415
    from packaging.version import Version  # noqa: PLC0415

    versions = sorted((Version(v) for v in locked), key=lambda v: v)
    if not versions:
        raise ValueError(f"no locked version of {dep.name}")
    specs = list(SpecifierSet(dep.specifier))
    lower, upper = _bounds(dep.specifier)
    if not lower:
        specs.append(Specifier(f">={versions[0].public}"))
    if not upper:
        specs.append(Specifier(f"<{next_breaking(versions[-1].public)}"))
    return replace(dep, specifier=_ordered(specs))


def merge_dependencies(
    defaults: Iterable[Dependency], extra: Iterable[Dependency]
) -> tuple[Dependency, ...]:
    """Template defaults and the user's, in a stable order. A name given twice gets the
    intersection of both ranges: the template's own code needs its range, and a user who
    writes ``--dep 'numpy>=1.26' --dep 'numpy<3'`` means both."""
    merged: dict[str, Dependency] = {dep.key: dep for dep in defaults}
    templates = set(merged)
    for dep in extra:
        base = merged.get(dep.key)
        # A URL (a fork, a local checkout) is an explicit choice of source: it replaces ranges.
        merged[dep.key] = dep if base is None or dep.url else _narrowed(base, dep, templates)
    return tuple(merged.values())


def _narrowed(base: Dependency, user: Dependency, templates: set[str]) -> Dependency:
    owner = "the template" if base.key in templates else "an earlier --dep"
    if base.key in templates and user.marker:
        raise UsageError(
            f"'{user}' would make the template's dependency '{base}' conditional",
            hint=f"drop the marker; the template's code imports {base.name} everywhere",
        )
    if user.marker and base.marker and user.marker != base.marker:
        raise UsageError(
            f"'{user}' and '{base}' have different markers",
            hint=f"give {user.name} once, with one marker",
        )
    try:
        specifier = intersect(base.specifier, user.specifier)
    except ValueError:
        raise UsageError(
            f"'{user}' excludes every version {owner} allows ('{base}')",
            hint=f"give a range that overlaps {base.specifier}, or leave {user.name} out",
        ) from None
    extras = tuple(sorted({*base.extras, *user.extras}))
    marker = user.marker or base.marker
    return replace(base, name=user.name, extras=extras, specifier=specifier, marker=marker)


def intersect(first: str, second: str) -> str:
    """The versions both specifiers allow, written with one lower and one upper bound.

    Raises :class:`ValueError` when no version can satisfy both. Exclusions (``!=``), wildcards
    and arbitrary equality are kept as given.
    """
    from packaging.specifiers import SpecifierSet  # noqa: PLC0415
    from packaging.version import Version  # noqa: PLC0415

    lower: tuple[Version, bool] | None = None  # (version, inclusive)
    upper: tuple[Version, bool] | None = None
    rest: list[str] = []
    for spec in SpecifierSet(f"{first},{second}".strip(",")):
        op, text = spec.operator, spec.version
        if op in ("!=", "===") or text.endswith(".*"):
            rest.append(str(spec))
            continue
        version = Version(text)
        lows: list[tuple[Version, bool]] = []
        highs: list[tuple[Version, bool]] = []
        if op in (">=", ">", "==", "~="):
            lows.append((version, op != ">"))
        if op in ("<=", "<", "=="):
            highs.append((version, op != "<"))
        if op == "~=":
            release = version.release[:-1]
            highs.append((Version(".".join(map(str, (*release[:-1], release[-1] + 1)))), False))
        for low in lows:
            if lower is None or (low[0], not low[1]) > (lower[0], not lower[1]):
                lower = low
        for high in highs:
            if upper is None or (high[0], high[1]) < (upper[0], upper[1]):
                upper = high
    if lower is not None and upper is not None:
        if lower[0] > upper[0] or (lower[0] == upper[0] and not (lower[1] and upper[1])):
            raise ValueError("empty range")
        if lower[0] == upper[0]:
            return ",".join([f"=={lower[0]}", *rest])
    parts = [f"{'>=' if lower[1] else '>'}{lower[0]}"] if lower else []
    parts += rest
    parts += [f"{'<=' if upper[1] else '<'}{upper[0]}"] if upper else []
    return ",".join(parts)
