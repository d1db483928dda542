"""Turn what the user typed into a repository/distribution name and an import package name.

``my-api``, ``My API``, ``my_api``, ``MyApi`` and ``my.api`` all give ``my-api`` (kebab-case,
PEP 503 normalized) and ``my_api`` (snake_case). Names that cannot work as both are refused with
a reason and, where one exists, a suggestion.
"""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata
from dataclasses import dataclass, field

from scaffold.errors import UsageError, quoted

MAX_NAME_LENGTH = 64  # long enough for any real service, short enough for image tags and paths
_MAX_INPUT_LENGTH = 200

# PEP 508 names, case-insensitive; applied after normalization, so it sees lower case only.
_PEP508_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
_SEPARATORS = re.compile(r"[\s._-]+")
# Word boundaries inside CamelCase: "MyApi" -> "My-Api", "HTTPServer" -> "HTTP-Server".
_CAMEL_LOWER_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CAMEL_ACRONYM = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")
# sys.stdlib_module_names leaves out the regression-test package, which still shadows.
_STDLIB = frozenset(sys.stdlib_module_names) | {"test"}
# An import package: an ASCII identifier (no separators, dots or line breaks to make a path of).
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Folders of the generated project itself: a package of that name would be ambiguous.
_RESERVED = frozenset({"src", "tests"})


@dataclass(frozen=True)
class Names:
    """The names derived from one user-given name."""

    raw: str
    dist: str  # kebab-case: repository folder, distribution name, image name
    package: str  # snake_case: the import package under src/
    notices: tuple[str, ...] = field(default=(), compare=False)


def _transliterate(text: str) -> tuple[str, bool]:
    """Strip accents (``café`` -> ``cafe``); report whether anything changed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped, stripped != text


def _to_ascii(raw: str, text: str, notices: list[str]) -> str:
    ascii_text, changed = _transliterate(text)
    if not ascii_text.isascii():
        raise _refuse(
            f"'{raw}' has characters that have no ASCII spelling",
            hint="package names must be ASCII; spell the name in Latin letters",
        )
    if changed:
        notices.append(f"transliterated '{text}' to '{ascii_text}' (package names are ASCII)")
    return ascii_text


def _normalize(text: str) -> str:
    text = _CAMEL_ACRONYM.sub("-", _CAMEL_LOWER_UPPER.sub("-", text))
    return _SEPARATORS.sub("-", text).lower().strip("-")


def _suggest(candidate: str) -> str | None:
    cleaned = re.sub(r"[^a-z0-9]+", "-", candidate.lower()).strip("-")
    if cleaned and _PEP508_NAME.match(cleaned) and not cleaned[0].isdigit():
        return cleaned
    return None


def _refuse(message: str, suggestion: str | None = None, hint: str | None = None) -> UsageError:
    if suggestion:
        hint = f"try '{suggestion}'"
    return UsageError(message, hint=hint)


def derive_names(raw: str, suffix: str = "service") -> Names:
    """Derive the kebab-case and snake_case names from ``raw``, or raise :class:`UsageError`."""
    text = raw.strip()
    if not text:
        raise _refuse("the project name is empty", hint="give a name such as 'my-api'")
    if len(text) > _MAX_INPUT_LENGTH:
        raise _refuse(f"the project name is too long ({len(text)} characters)")
    if "/" in text or "\\" in text or ".." in text:
        raise _refuse(
            f"'{raw}' looks like a path, not a name",
            hint="give a plain name and choose the parent folder with --path DIR",
        )
    notices: list[str] = []
    if not text.isascii():
        text = _to_ascii(raw, text, notices)

    dist = _normalize(text)
    if not dist:
        raise _refuse(f"'{raw}' has no letters or digits to make a name from")
    if not _PEP508_NAME.match(dist):
        bad = sorted({ch for ch in dist if not (ch.isalnum() or ch in "-._")})
        shown = " ".join(repr(ch) for ch in bad)
        raise _refuse(f"'{raw}' is not a valid package name (it contains {shown})", _suggest(dist))
    if len(dist) > MAX_NAME_LENGTH:
        raise _refuse(
            f"the project name is too long ({len(dist)} characters, at most {MAX_NAME_LENGTH})"
        )
    package = dist.replace("-", "_")
    if package[0].isdigit():
        raise _refuse(
            f"'{raw}' would give the package '{package}', which starts with a digit",
            hint="Python packages must start with a letter: put a word first",
        )
    if keyword.iskeyword(package):
        raise _refuse(f"'{package}' is a Python keyword", f"{dist}-{suffix}")
    if package in _RESERVED:
        raise _refuse(f"'{package}' is the name of a folder in every project", f"{dist}-{suffix}")
    if package in _STDLIB:
        raise _refuse(
            f"the package '{package}' would shadow the standard-library module '{package}'",
            f"{dist}-{suffix}",
        )
    if dist != text:
        notices.append(f"using '{dist}' for the repository and '{package}' for the package")
    return Names(raw=raw, dist=dist, package=package, notices=tuple(notices))


def check_project_name(name: str) -> str:
    """A project name given as it is written (an answers file read back): kebab-case, exactly
    what :func:`derive_names` makes of it, so no path or line break reaches a file name."""
    derived = derive_names(name).dist
    if derived != name:
        raise _refuse(f"{quoted(name)} is not a kebab-case project name", derived)
    return name


def check_package_name(name: str) -> str:
    """An import package name given as it is written: a Python identifier, the folder under
    ``src/`` (``..`` or a ``/`` would put it elsewhere)."""
    if not _PACKAGE.fullmatch(name) or keyword.iskeyword(name) or len(name) > MAX_NAME_LENGTH:
        raise _refuse(
            f"{quoted(name)} is not a Python package name", hint="snake_case, such as 'my_api'"
        )
    return name
