"""Turn what the user typed into a repository/distribution name and an import package name.

``my-api``, ``My API``, ``my_api``, ``MyApi`` and ``my.api`` all give ``my-api`` (kebab-case,
PEP 503 normalized) and ``my_api`` (snake_case). Names that cannot work as both are refused with
a reason and, where one exists, a suggestion.

A name in another script, or with letters that do not decompose into an ASCII letter and an
accent (``Straße``, ``Øresund``, ``Москва``), is spelled in ASCII by anyascii's tables
(``strasse``, ``oresund``, ``moskva``), with a notice saying what it became. Han characters
take their Mandarin pinyin (``北京`` -> ``beijing``), whatever the language. Symbols (emoji,
``™``, ``€``) are refused rather than spelled out as words.
"""

from __future__ import annotations

import functools
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
# The Pythons whose standard library a project's package must not shadow: those scaffold
# supports (spec.SUPPORTED_PYTHONS; a test keeps the two in step).
STDLIB_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# Device names: Windows makes no file or folder of that name, with any extension, in any case.
_WINDOWS_DEVICES = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)
# Characters that show as nothing, or break a line: format characters (zero-width space and
# joiners, the BOM, bidirectional controls, soft hyphen), line and paragraph separators, and
# control characters. A name holding one is not the name that reads the same.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Cc"})
# The other characters Unicode makes default-ignorable (drawn as nothing) that are assigned:
# the combining grapheme joiner, the Hangul fillers (letters, which a transliteration table
# spells as nothing), the Khmer inherent vowels and the Mongolian and general variation
# selectors.
_INVISIBLE_OTHERS = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180D),
    (0x180F, 0x180F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),
)
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


_KINDS = {"N": "digit", "L": "uncased", "M": "mark", "P": "sep", "Z": "sep", "S": "symbol"}


def _kind(ch: str) -> str:
    """What a character is to the word boundaries of a name: ``upper`` (capitals and title-case
    letters), ``lower``, ``digit``, ``uncased`` (a letter of a script without case: Han, Kana,
    Hangul, Arabic, Hebrew, Devanagari...), ``mark`` (combines with the one before), ``sep``
    (a separator or other punctuation; ASCII punctuation stays as it is, for the checks after
    to judge), ``symbol``, or ``none`` (unassigned or private use)."""
    if ch.isspace() or (ch.isascii() and not ch.isalnum()):
        return "sep"
    if ch.isupper() or ch.istitle():
        return "upper"
    if ch.islower():
        return "lower"
    return _KINDS.get(unicodedata.category(ch)[0], "none")


def _boundary(kinds: list[str], i: int) -> bool:
    """Whether a new word starts at ``kinds[i]`` (neither a separator nor a mark): the
    CamelCase rules of :func:`_normalize` (``MyApi``, ``HTTPServer``), and a change between a
    script with case and one without (``API北京``)."""
    before = [kind for kind in kinds[:i] if kind != "mark"]
    if not before or before[-1] == "sep":
        return False
    prev, cur = before[-1], kinds[i]
    after = next((kind for kind in kinds[i + 1 :] if kind != "mark"), "")
    if cur == "upper" and (prev in ("lower", "digit") or (prev == "upper" and after == "lower")):
        return True
    letters = ("upper", "lower", "uncased")
    return prev in letters and cur in letters and (prev == "uncased") != (cur == "uncased")


def _words(text: str) -> list[str]:
    """``text`` cut into words and runs of separators; joined again, they are ``text``."""
    kinds = [_kind(ch) for ch in text]
    pieces: list[str] = []
    for i, ch in enumerate(text):
        if (
            not pieces
            or (kinds[i] == "sep") != (kinds[i - 1] == "sep")
            or (kinds[i] not in ("sep", "mark") and _boundary(kinds, i))
        ):
            pieces.append(ch)
        else:
            pieces[-1] += ch
    return pieces


def _no_spelling(raw: str, ch: str) -> UsageError:
    return _refuse(
        f"{quoted(raw)} has characters that have no ASCII spelling, such as "
        f"U+{ord(ch):04X} ({unicodedata.name(ch, 'unassigned')})",
        hint="package names must be ASCII; spell the name in Latin letters",
    )


def _spelled(raw: str, word: str) -> str:
    """One word of a name in ASCII letters and digits, in the case it was written in: the
    table's spelling of each character, without the apostrophes, backquotes and the like that
    some romanizations write (Hebrew's and Arabic's)."""
    from anyascii import anyascii  # noqa: PLC0415 - only for a name that is not ASCII

    spelled = ""
    for ch in word:
        part = ch if ch.isascii() else "".join(c for c in anyascii(ch) if c.isalnum())
        if not part and "IDEOGRAPH" in unicodedata.name(ch, ""):
            raise _no_spelling(raw, ch)  # a Han character the table does not have
        spelled += part
    if not spelled:
        raise _no_spelling(raw, word[0])
    cased = [ch for ch in word if ch.isupper() or ch.islower() or ch.istitle()]
    if not cased:
        return spelled.lower()  # the table writes each Han or Hangul syllable capitalized
    if not any(ch.islower() for ch in cased):
        return spelled.upper()  # ÆTHER -> AETHER, not AeTHER
    spelled = spelled.lower()
    return spelled[0].upper() + spelled[1:] if not word[0].islower() else spelled


def _symbol_free(text: str, suffix: str) -> str | None:
    """The name ``text`` would give without its symbols, if that is a name: the suggestion."""
    rest = "".join(ch for ch in text if ch.isascii() or _kind(ch) != "symbol")
    try:
        return derive_names(rest, suffix).dist if rest.strip() else None
    except UsageError:
        return None


def _to_ascii(raw: str, text: str, notices: list[str], suffix: str) -> str:
    """``text`` spelled in ASCII, word by word, with a separator wherever a word boundary
    would not survive the spelling (``MyÆther`` -> ``My-Aether``); what it became is a
    notice."""
    for ch in text:
        kind = "" if ch.isascii() else _kind(ch)
        if kind == "symbol":
            raise _refuse(
                f"{quoted(raw)} has a symbol, U+{ord(ch):04X} ({unicodedata.name(ch, '?')}), "
                "which has no ASCII spelling in a name",
                _symbol_free(text, suffix),
                hint="names are letters, digits and separators: leave the symbol out",
            )
        if kind == "none":
            raise _no_spelling(raw, ch)
    from anyascii import anyascii  # noqa: PLC0415 - only for a name that is not ASCII

    ascii_text = ""
    last = ""  # the piece before, when it is a word
    for piece in _words(text):
        if _kind(piece[0]) == "sep":
            ascii_text += anyascii(piece)  # a dash, a full stop, a no-break space...
            last = ""
            continue
        if last and not (last.isascii() and piece.isascii()):
            ascii_text += "-"  # the case that marked the boundary may not survive
        ascii_text += piece if piece.isascii() else _spelled(raw, piece)
        last = piece
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


@functools.cache
def stdlib_modules(python: str) -> frozenset[str]:
    """The top-level modules of the standard library of Python ``python`` (``3.12``).

    The table per version is the ``stdlibs`` package's, generated from CPython's sources for
    every release; the running interpreter's own ``sys.stdlib_module_names`` is added for its
    version. Both leave out the regression-test package, which still shadows.
    """
    from stdlibs import stdlib_module_names  # noqa: PLC0415 - only once a name is checked

    names = set(stdlib_module_names(python)) | {"test"}
    if python == f"{sys.version_info.major}.{sys.version_info.minor}":
        names |= sys.stdlib_module_names
    return frozenset(names)


def _version(python: str) -> tuple[int, ...]:
    return tuple(int(part) for part in python.split("."))


def check_stdlib(names: Names, python: str, suffix: str = "service") -> None:
    """Refuse a package that would shadow a standard-library module on a Python the project
    runs on: ``python`` and every newer one scaffold supports (``requires-python >=python``),
    where the standard library comes before the project's own site-packages."""
    for version in STDLIB_PYTHONS:
        if _version(version) >= _version(python) and names.package in stdlib_modules(version):
            raise _refuse(
                f"the package '{names.package}' would shadow the standard-library module "
                f"'{names.package}' of Python {version}",
                f"{names.dist}-{suffix}",
            )


def _invisible(raw: str) -> str | None:
    for ch in raw:
        code = ord(ch)
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES or any(
            low <= code <= high for low, high in _INVISIBLE_OTHERS
        ):
            return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'a control character')})"
    return None


def _typed_text(raw: str) -> str:
    """What the user typed, trimmed, once it can be a name at all: something visible, short,
    not a path."""
    invisible = _invisible(raw)
    if invisible:
        raise _refuse(
            f"{quoted(raw)} holds an invisible character, {invisible}",
            hint="type the name again, without pasting it",
        )
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
    return text


def derive_names(raw: str, suffix: str = "service") -> Names:
    """Derive the kebab-case and snake_case names from ``raw``, or raise :class:`UsageError`.

    The standard library checked here is what every supported Python has; the project's own
    Python is checked by :func:`check_stdlib` once it is known.
    """
    text = _typed_text(raw)
    notices: list[str] = []
    if not text.isascii():
        text = _to_ascii(raw, text, notices, suffix)
    device = text.split(".", 1)[0].strip().lower()
    if device in _WINDOWS_DEVICES:
        raise _refuse(
            f"{quoted(raw)} is a device name reserved on Windows ('{device}')",
            hint="no file or folder can be named so there: choose another name",
        )

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
    if all(package in stdlib_modules(version) for version in STDLIB_PYTHONS):
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
