"""Free text that reaches a file: one line of printable text, checked before any serializer
or escaper sees it."""

from __future__ import annotations

import unicodedata

from scaffold.errors import UsageError

# Cc: control characters (tab, line breaks, escape, NEL...); Cs: lone surrogates; Zl, Zp:
# line and paragraph separators, which Python and YAML treat as line breaks.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


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
