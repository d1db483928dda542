"""``pyproject.toml`` merged as data with tomlkit: the result always parses, ours' layout stays.

Key by key: what only the template changed is applied, what the project changed is kept, keys and
tables only one side has are kept or added. Dependency arrays merge per requirement, keyed by the
normalized name, so a template's new bound on fastapi and the project's own ``requests`` both
survive. Where both sides changed the same key or dependency differently, ours' value stays in
place under a comment that says what the template has, and the conflict is reported.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Final

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from tomlkit.container import OutOfOrderTableProxy
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, InlineTable, Item

from scaffold.lifecycle.merge.result import (
    MARK,
    MISSING,
    Conflict,
    FileMerge,
    data_conflict,
    merge_sides,
    merged,
)
from scaffold.lifecycle.merge.text import merge_as_text, merge_text, newline_of

KeyPath = tuple[str, ...]  # a key and the tables it is in, outermost first


def merge_pyproject(base: str | None, ours: str | None, theirs: str | None) -> FileMerge:
    """Merge ``pyproject.toml`` as TOML data; as text, with a conflict, if a side does not parse."""
    return merge_sides(base, ours, theirs, _merge)


def _merge(base: str | None, ours: str, theirs: str) -> FileMerge:
    try:
        docs = [tomlkit.parse(text) for text in (base or "", ours, theirs)]
    except TOMLKitError as error:
        return merge_as_text(base, ours, theirs, f"not valid TOML on one side ({error})")
    base_doc, our_doc, their_doc = docs
    merger = _Merger()
    merger.table((), base_doc, our_doc, their_doc, None)
    text = _layout(_collapse_marks(our_doc.as_string()), ours, theirs)
    conflicts = [_locate(conflict, text) for conflict in merger.conflicts]
    if not conflicts:
        by_lines = _line_merge(base, ours, theirs)
        if by_lines is not None and _same_data(by_lines, text):
            return merged(by_lines, ours, [])  # the same data, with the template's comments
    lost = _comments_not_applied(base or "", theirs, text)
    if lost:
        conflicts.append(Conflict(lost))
    return merged(text, ours, conflicts)


def _line_merge(base: str | None, ours: str, theirs: str) -> str | None:
    """git's line merge, when it is clean: it carries what data has not, comments."""
    result = merge_text(
        base, ours, theirs, ours_label="project", theirs_label="template", base_label="base"
    )
    return result.content if isinstance(result.content, str) and not result.conflicts else None


def _same_data(one: str, other: str) -> bool:
    try:
        return tomllib.loads(one) == tomllib.loads(other)
    except tomllib.TOMLDecodeError:
        return False


def _comments_not_applied(base: str, theirs: str, merged_text: str) -> str | None:
    """The template's comment changes that the data merge could not carry, as a conflict's
    reason (a comment has no key to merge by); None when there are none."""

    def comments(text: str) -> set[str]:
        return {line.strip() for line in text.splitlines() if line.strip().startswith("#")}

    before, after, result = comments(base), comments(theirs), comments(merged_text)
    added = sorted(after - before - result)
    removed = sorted((before - after) & result)
    if not added and not removed:
        return None
    shown = [*(f"+ {line}" for line in added), *(f"- {line}" for line in removed)]
    more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
    return (
        "comments: the template changed comment lines that a merge as data cannot place "
        f"({'; '.join(shown[:3])}{more}); not applied"
    )


@dataclass
class _Conflict:
    """A conflict found while merging: its reason, key, and the comment marking it (if any)."""

    reason: str
    key: str
    mark: str | None


# Where a key is marked: the container holding it and its name. Keys inside inline tables cannot
# carry a comment line, so their marks go above the nearest key that can.
_Anchor = tuple[Any, str] | None


@dataclass
class _Merger:
    conflicts: list[_Conflict] = field(default_factory=list)

    def table(self, path: KeyPath, base: Any, ours: Any, theirs: Any, anchor: _Anchor) -> None:
        """Merge theirs' changes into the ours container, in place."""
        keys = [*theirs, *(key for key in base if key not in theirs)]
        for key in keys:
            self.key((*path, key), ours, base.get(key, MISSING), theirs.get(key, MISSING), anchor)

    def key(self, path: KeyPath, ours_table: Any, base: Any, theirs: Any, anchor: _Anchor) -> None:
        name = path[-1]
        ours = ours_table.get(name, MISSING)
        plain_base, plain_ours, plain_theirs = _plain(base), _plain(ours), _plain(theirs)
        if plain_theirs in (plain_base, plain_ours):
            return
        here = anchor if isinstance(ours_table, InlineTable) else (ours_table, name)
        # Tables and dependency arrays merge inside even when ours equals base as data, so that
        # ours' comments and layout in them stay.
        if _is_table(ours) and _is_table(theirs) and (base is MISSING or _is_table(base)):
            self.table(path, {} if base is MISSING else base, ours, theirs, here)
        elif (
            _is_dependencies(path) and _arrays(ours, theirs) and (base is MISSING or _arrays(base))
        ):
            self.dependencies(path, [] if base is MISSING else base, ours, theirs, here)
        elif plain_ours == plain_base:
            _take(ours_table, name, theirs)
        else:
            key = ".".join(path)
            reason = _reason(key, plain_base, plain_ours, plain_theirs)
            mark = None if ours is MISSING else _mark(here, plain_base, plain_theirs)
            self.conflicts.append(_Conflict(reason, key, mark))

    def dependencies(
        self, path: KeyPath, base: Any, ours: Array, theirs: Any, anchor: _Anchor
    ) -> None:
        """Merge a list of requirements entry by entry, keyed by the normalized name."""
        base_entries, their_entries = _entries(base), _entries(theirs)
        keys = [*their_entries, *(key for key in base_entries if key not in their_entries)]
        for key in keys:
            entry_base = base_entries.get(key, MISSING)
            entry_theirs = their_entries.get(key, MISSING)
            entry_ours = _entries(ours).get(key, MISSING)
            norm_base, norm_ours, norm_theirs = (
                _normalized(e) for e in (entry_base, entry_ours, entry_theirs)
            )
            if norm_theirs in (norm_base, norm_ours):
                continue
            if norm_ours == norm_base:
                _apply_entry(ours, key, entry_theirs, list(their_entries))
                continue
            name = _entry_name(key)
            reason = _reason(
                f"{'.'.join(path)}: dependency {name}", entry_base, entry_ours, entry_theirs
            )
            mark = _mark(anchor, entry_base, entry_theirs)
            self.conflicts.append(_Conflict(reason, name, mark))


def _take(table: Any, name: str, theirs: Any) -> None:
    """Apply theirs' value of a key the project left alone."""
    if theirs is MISSING:
        del table[name]
    elif isinstance(theirs, OutOfOrderTableProxy):
        # A proxy stands for tables scattered through theirs; it cannot move into another document.
        table[name] = tomlkit.item(theirs.unwrap())
    else:
        # A copy: the item still belongs to theirs' document.
        table[name] = copy.deepcopy(theirs)


# --- dependency arrays ----------------------------------------------------------------------

_DEPENDENCY_PATHS: Final = (
    ("project", "dependencies"),
    ("project", "optional-dependencies", None),
    ("dependency-groups", None),
    ("build-system", "requires"),
)


def _is_dependencies(path: KeyPath) -> bool:
    return any(
        len(path) == len(pattern)
        and all(part is None or part == key for part, key in zip(pattern, path, strict=True))
        for pattern in _DEPENDENCY_PATHS
    )


def _arrays(*values: Any) -> bool:
    return all(isinstance(value, list) and not isinstance(value, AoT) for value in values)


def _entries(values: Any) -> dict[str, Any]:
    """The entries of a requirement list by key; a repeated key gets its occurrence number."""
    entries: dict[str, Any] = {}
    for value in values:
        key = _entry_key(_plain(value))
        unique, count = key, 1
        while unique in entries:
            count += 1
            unique = f"{key}#{count}"
        entries[unique] = _plain(value)
    return entries


def _entry_key(entry: Any) -> str:
    """The normalized name (with its marker, so per-Python variants stay apart); an
    ``{include-group = ...}`` table by its group; anything else by its text."""
    if isinstance(entry, dict):
        if set(entry) == {"include-group"}:
            return f"include-group {entry['include-group']}"
        return str(sorted(entry.items()))
    requirement = _requirement(entry)
    if requirement is None:
        return " ".join(str(entry).split())
    name = canonicalize_name(requirement.name)
    return f"{name}; {requirement.marker}" if requirement.marker else name


def _entry_name(key: str) -> str:
    return key.split("#", maxsplit=1)[0]


def _normalized(entry: Any) -> Any:
    """What decides whether two entries are the same: ``fastapi >= 1`` is ``fastapi>=1``."""
    if not isinstance(entry, str):
        return entry
    requirement = _requirement(entry)
    return " ".join(entry.split()) if requirement is None else str(requirement)


def _requirement(entry: Any) -> Requirement | None:
    if not isinstance(entry, str):
        return None
    try:
        return Requirement(entry)
    except InvalidRequirement:
        return None


def _apply_entry(ours: Array, key: str, theirs: Any, their_order: list[str]) -> None:
    """Apply theirs' entry (a new one goes after the entry that precedes it in theirs)."""
    positions = {entry_key: index for index, entry_key in enumerate(_entries(ours))}
    if key in positions:
        if theirs is MISSING:
            del ours[positions[key]]
        else:
            ours[positions[key]] = theirs
        return
    before = [k for k in their_order[: their_order.index(key)] if k in positions]
    ours.insert(positions[before[-1]] + 1 if before else 0, theirs)


# --- marking and values ---------------------------------------------------------------------


def _reason(what: str, base: Any, ours: Any, theirs: Any) -> str:
    return data_conflict(what, _show(base), None if ours is MISSING else _show(ours), _show(theirs))


def _mark(anchor: _Anchor, base: Any, theirs: Any) -> str | None:
    """Say on the line above the anchor's key what the template has; the mark, or None if the
    key cannot carry one."""
    text = f"template has {_show(theirs)} (was {_show(base)})"
    if anchor is None:
        return None
    table, name = anchor
    item = table[name]
    if isinstance(item, AoT) and item.body:
        item = item.body[0]
    if not isinstance(item, Item):
        return None  # a table scattered through the file (a proxy): reported, not marked
    comment = MARK + text
    item.trivia.indent = f"{comment}\n{item.trivia.indent}"
    return comment


def _collapse_marks(text: str) -> str:
    """Drop a mark already in the block of marks it joins: merging a merged file marks it again."""
    kept: list[str] = []
    block: set[str] = set()  # the marks directly above the current line
    for line in text.split("\n"):
        if not line.startswith(MARK):
            block.clear()
        elif line in block:
            continue
        else:
            block.add(line)
        kept.append(line)
    return "\n".join(kept)


# A table header line: [name] or [[name]], perhaps with a comment.
_HEADER: Final = re.compile(r"\[\[?[^\[\]=\"']*(\"[^\"]*\"[^\[\]=\"']*)*\]\]?\s*(#.*)?")


def _layout(text: str, ours: str, theirs: str) -> str:
    """What tomlkit does not keep: ours' newlines, and the blank line above a table that had one
    in ours (or, for a new table, in theirs) when a table from theirs now ends right above it."""
    ours_spaced, ours_headers = _headers(ours)
    theirs_spaced, _ = _headers(theirs)
    spaced = ours_spaced | (theirs_spaced - ours_headers)
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line in spaced and lines and lines[-1].strip() and not lines[-1].startswith("#"):
            lines.append("")
        lines.append(line)
    return newline_of(ours).join(lines)


def _headers(source: str) -> tuple[set[str], set[str]]:
    """The table header lines with a blank line above them, and all of them."""
    lines = source.replace("\r\n", "\n").split("\n")
    headers = {line for line in lines if _HEADER.fullmatch(line)}
    spaced = {line for above, line in pairwise(lines) if line in headers and not above.strip()}
    return spaced, headers


def _locate(conflict: _Conflict, text: str) -> Conflict:
    """The public conflict, with the lines of its mark and the key below it."""
    if conflict.mark is not None:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() == conflict.mark:
                return Conflict(conflict.reason, (number, number + 1), conflict.key)
    return Conflict(conflict.reason, None, conflict.key)


def _plain(value: Any) -> Any:
    """Plain Python data, so values compare regardless of their formatting."""
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def _is_table(value: Any) -> bool:
    return isinstance(value, MutableMapping)


def _show(value: Any) -> str:
    """A value on one line, as TOML writes it."""
    if value is MISSING:
        return "nothing"
    if isinstance(value, dict):
        pairs = ", ".join(f"{tomlkit.key(k).as_string()} = {_show(v)}" for k, v in value.items())
        return f"{{{pairs}}}"
    if isinstance(value, list):
        return f"[{', '.join(_show(v) for v in value)}]"
    return str(tomlkit.item(value).as_string()).replace("\n", " ")
