"""What a three-way merge of one file gives, and the file-level cases every strategy shares.

File-level cases (the same for every strategy):

- theirs == base: the template did not touch the file, ours is kept as it is;
- ours == base: the project did not touch it, theirs is taken (added, updated or deleted);
- added by both with different content: merged against an empty base, a conflict where they differ;
- deleted by the template, edited by the project: ours is kept and reported as a conflict;
- deleted by the project, changed by the template: theirs is written back and reported as a
  conflict. Like git's modify/delete, the template's change then shows in ``git diff`` where a
  reviewer decides, instead of vanishing with the file; deleting the file again settles it for good,
  because the next update has this version as its base.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeVar

Content = str | bytes

# The comment that marks a conflict in a data file, which cannot hold markers and stay parseable.
MARK: Final = "# scaffold update: conflict: "


class _Missing:
    """A key, answer or dependency that one side does not have."""

    def __repr__(self) -> str:
        return "nothing"


MISSING: Final = _Missing()


class Action(StrEnum):
    """What the merge does to the project's file."""

    UNCHANGED = "unchanged"
    UPDATED = "updated"
    ADDED = "added"
    DELETED = "deleted"
    RENAMED = "renamed"  # the template moved it; the project's edit went with it
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Conflict:
    """One place a reviewer must decide.

    ``lines`` is the 1-based, inclusive range of the conflict markers (text) or of the marking
    comment and key (TOML) in the merged content; None for a whole-file conflict. ``key`` names
    the TOML key, dependency or answer a data conflict is about.
    """

    reason: str
    lines: tuple[int, int] | None = None
    key: str | None = None


@dataclass(frozen=True)
class FileMerge:
    """The merged file: its content (None: the file is deleted or stays absent), the action, and
    the conflicts. Text merges give ``str``; a binary file gives ``bytes``."""

    content: Content | None
    action: Action
    conflicts: tuple[Conflict, ...] = ()

    @property
    def data(self) -> bytes | None:
        """The content as bytes to write (text as UTF-8)."""
        if isinstance(self.content, str):
            return self.content.encode()
        return self.content


@dataclass(frozen=True)
class Labels:
    """The names written after the conflict markers."""

    ours: str = "project"
    base: str = "template (recorded version)"
    theirs: str = "template (new version)"


T = TypeVar("T", str, bytes)


def merge_sides(
    base: T | None,
    ours: T | None,
    theirs: T | None,
    merge: Callable[[T | None, T, T], FileMerge],
) -> FileMerge:
    """Settle the file-level cases (see the module docstring), and hand the rest to ``merge``:
    ours and theirs both exist and differ from each other and from base, which is None when both
    sides added the file."""
    if theirs in (base, ours):
        return FileMerge(ours, Action.UNCHANGED)
    if ours == base:
        return FileMerge(theirs, _taken_action(ours, theirs))
    if theirs is None:
        reason = "the template deleted it, the project changed it; the project's version is kept"
        return FileMerge(ours, Action.CONFLICT, (Conflict(reason),))
    if ours is None:
        reason = "the project deleted it, the template changed it; the template's version is back"
        return FileMerge(theirs, Action.CONFLICT, (Conflict(reason),))
    return merge(base, ours, theirs)


def _taken_action(ours: T | None, theirs: T | None) -> Action:
    if ours is None:
        return Action.ADDED
    return Action.DELETED if theirs is None else Action.UPDATED


def merged(content: Content, ours: Content, conflicts: list[Conflict]) -> FileMerge:
    """The FileMerge for content merged from two existing sides."""
    if conflicts:
        return FileMerge(content, Action.CONFLICT, tuple(conflicts))
    return FileMerge(content, Action.UNCHANGED if content == ours else Action.UPDATED)


def data_conflict(what: str, base: str, ours: str | None, theirs: str) -> str:
    """How a conflict in a data file reads, with each side's value shown as the file writes it
    (ours None: the project removed it)."""
    template = f"the template has {theirs} (was {base})"
    if ours is None:
        return f"{what}: the project removed it, {template}; it stays out"
    return f"{what}: the project has {ours}, {template}; the project's is kept"
