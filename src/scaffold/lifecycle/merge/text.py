"""Line-by-line three-way merge by ``git merge-file`` (git's own xdiff merge), with git-style
conflict markers, and binary files.

scaffold cuts the texts into lines and settles the ends of lines itself (CRLF or LF, a final
newline or not), so that git only sees lines: three private files in a temporary folder, one git
process per file that both sides changed differently. git writes its conflict markers longer than
any run of marker characters in the files, so they cannot be mistaken for the files' own lines
(a conflict an earlier update left in the project), and scaffold writes them back in its format.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from scaffold.errors import ExitCode, ToolError
from scaffold.lifecycle.merge.result import (
    Action,
    Conflict,
    FileMerge,
    Labels,
    merge_sides,
    merged,
)
from scaffold.tools import runner

MARKER_SIZE: Final = 7  # git's, in the files scaffold writes
_TIMEOUT: Final = 120.0
_MARKERS: Final = "<|=>"
_MAX_CONFLICTS: Final = 127  # git merge-file's exit code counts conflicts up to this


def merge_text(
    base: str | None,
    ours: str | None,
    theirs: str | None,
    *,
    ours_label: str,
    theirs_label: str,
    base_label: str,
) -> FileMerge:
    """Merge line by line with ``git merge-file`` (diff3): a region changed by one side comes
    from that side, the same change on both sides is taken once; a region both changed
    differently gets git-style markers with the base lines between them.

    The result uses ours' newline convention; whether it ends with a newline is merged too.
    Raises :class:`ToolError` when git is missing or fails: never a merge that lost a side.
    """
    labels = Labels(ours=ours_label, base=base_label, theirs=theirs_label)

    def merge(b: str | None, o: str, t: str) -> FileMerge:
        return _merge_text(b or "", o, t, labels)

    return merge_sides(base, ours, theirs, merge)


@dataclass(frozen=True)
class _Hunk:
    """A region both sides changed differently: each side's lines (base's are empty where both
    inserted lines at the same place)."""

    ours: list[str]
    base: list[str]
    theirs: list[str]


_Piece = str | _Hunk  # a merged line, or a conflict


def _merge_text(base: str, ours: str, theirs: str, labels: Labels) -> FileMerge:
    (base_lines, base_eol), (our_lines, our_eol), (their_lines, their_eol) = (
        _split(base),
        _split(ours),
        _split(theirs),
    )
    out: list[str] = []
    conflicts: list[Conflict] = []
    for piece in _merge_lines(base_lines, our_lines, their_lines):
        if isinstance(piece, str):
            out.append(piece)
        else:
            _conflict(piece, out, conflicts, labels)
    # A last line that is empty exists only through its newline.
    final_newline = (their_eol if our_eol == base_eol else our_eol) or out[-1:] == [""]
    newline = newline_of(ours)
    text = newline.join(out) + (newline if final_newline and out else "")
    return merged(text, ours, conflicts)


def _merge_lines(base: list[str], ours: list[str], theirs: list[str]) -> list[_Piece]:
    """The merged lines. git runs only when the three differ once their line ends are settled
    (a side that only changed CRLF to LF, or the final newline, changed no line)."""
    if theirs in (base, ours):
        return list(ours)
    if ours == base:
        return list(theirs)
    return _merge_file(base, ours, theirs)


def _merge_file(base: list[str], ours: list[str], theirs: list[str]) -> list[_Piece]:
    """``git merge-file`` on the lines: diff3 style, so each conflict shows base's lines too.

    Both sides adding the file (an empty base) merge in git's default style instead, whose
    conflicts are refined to the lines the two differ in (an add/add is not one conflict the
    size of the file); base's part of every such conflict is empty anyway.
    """
    size = _marker_size(base, ours, theirs)
    with tempfile.TemporaryDirectory(prefix="scaffold-merge-") as folder:
        paths = [Path(folder, name) for name in ("ours", "base", "theirs")]
        for path, lines in zip(paths, (ours, base, theirs), strict=True):
            path.write_bytes("".join(f"{line}\n" for line in lines).encode())
        done = runner.git(
            # A conflictStyle in the user's git configuration must not change the merge.
            *("-c", "merge.conflictStyle=merge", "merge-file"),
            *("-L", "ours", "-L", "base", "-L", "theirs", f"--marker-size={size}"),
            *(["--diff3"] if base else []),
            *(str(path) for path in paths),
            cwd=Path(folder),
            timeout=_TIMEOUT,
        )
        if done is None:
            raise ToolError(
                "git is not installed: it merges the files both the project and the template "
                "changed",
                hint="install git",
                exit_code=ExitCode.USAGE,
            )
        # 0 is a clean merge and 1-127 the number of conflicts; anything else (an error is
        # -1, so 255; a signal or a timeout is negative) must never pass for a merge.
        if done.timed_out or done.interrupted or not 0 <= done.returncode <= _MAX_CONFLICTS:
            raise _failed(done, "it failed")
        try:
            result = paths[0].read_bytes().decode()
        except UnicodeDecodeError:
            raise _failed(done, "its result is not UTF-8") from None
    pieces = _parse(result, size, diff3=bool(base))
    if pieces is None:
        raise _failed(done, "its conflict markers do not parse")
    count = sum(isinstance(piece, _Hunk) for piece in pieces)
    if min(count, _MAX_CONFLICTS) != done.returncode:
        raise _failed(done, f"it reported {done.returncode} conflicts but marked {count}")
    return [piece for item in pieces for piece in _trimmed(item)]


def _failed(done: runner.Completed, what: str) -> ToolError:
    said = done.tail(3) or "nothing"
    end = "timed out" if done.timed_out else f"exit code {done.returncode}"
    return ToolError(
        f"git merge-file cannot merge the file: {what} ({end}; git said: {said})",
        hint="check that git works (git --version); the project was not changed",
        exit_code=ExitCode.USAGE,
    )


def _marker_size(*sides: list[str]) -> int:
    """A marker size longer than every run of marker characters a line of the files starts
    with, so that git's markers are the only lines that start with one that long."""
    longest = 0
    for lines in sides:
        for line in lines:
            if line and line[0] in _MARKERS:
                longest = max(longest, len(line) - len(line.lstrip(line[0])))
    return max(MARKER_SIZE, longest + 1)


def _parse(result: str, size: int, *, diff3: bool) -> list[_Piece] | None:
    """git's merged lines and conflicts; None when its markers are not in the order it writes
    them. A marker line may end with a CR, which git adds next to lines that end with one."""
    if result and not result.endswith("\n"):
        return None  # every line git wrote ends with a newline
    order = "<|=>" if diff3 else "<=>"
    pieces: list[_Piece] = []
    sections: list[list[str]] = []  # in a conflict: ours, (base,) theirs, as far as they came
    for line in result.split("\n")[:-1]:
        char = line[:1]
        if not char or char not in _MARKERS or not line.startswith(char * size):
            (sections[-1] if sections else pieces).append(line)
        elif char != order[len(sections)]:
            return None
        elif char == ">":
            pieces.append(_Hunk(sections[0], sections[1] if diff3 else [], sections[-1]))
            sections = []
        else:
            sections.append([])
    return None if sections else pieces


def _trimmed(piece: _Piece) -> list[_Piece]:
    """A conflict where both sides inserted lines at the same place, without the lines at its
    start and end that both inserted: those merge, and only where they differ is marked."""
    if isinstance(piece, str) or piece.base:
        return [piece]
    ours, theirs = piece.ours, piece.theirs
    head = 0
    while head < min(len(ours), len(theirs)) and ours[head] == theirs[head]:
        head += 1
    tail = 0
    while tail < min(len(ours), len(theirs)) - head and ours[-1 - tail] == theirs[-1 - tail]:
        tail += 1
    middle: list[_Piece] = []
    if ours[head : len(ours) - tail] or theirs[head : len(theirs) - tail]:
        middle.append(_Hunk(ours[head : len(ours) - tail], [], theirs[head : len(theirs) - tail]))
    return [*ours[:head], *middle, *ours[len(ours) - tail :]]


def _conflict(hunk: _Hunk, out: list[str], conflicts: list[Conflict], labels: Labels) -> None:
    start = len(out) + 1
    out.append(_marker("<" * MARKER_SIZE, labels.ours))
    out.extend(hunk.ours)
    out.append(_marker("|" * MARKER_SIZE, labels.base))
    out.extend(hunk.base)
    out.append("=" * MARKER_SIZE)
    out.extend(hunk.theirs)
    out.append(_marker(">" * MARKER_SIZE, labels.theirs))
    where = f"marked at lines {start}-{len(out)}"
    if hunk.base:
        reason = f"{labels.ours} and {labels.theirs} both changed the same lines; {where}"
    else:
        reason = f"{labels.ours} and {labels.theirs} both added different lines; {where}"
    conflicts.append(Conflict(reason, (start, len(out))))


def _marker(marker: str, label: str) -> str:
    return f"{marker} {label}" if label else marker


def _split(text: str) -> tuple[list[str], bool]:
    """The lines without their endings, and whether the text ends with a newline (an empty text
    counts as ending with one, so it never decides the merged file's ending)."""
    lines = text.replace("\r\n", "\n").split("\n")
    final_newline = lines[-1] == ""
    if final_newline:
        lines.pop()
    return lines, final_newline


def newline_of(text: str) -> str:
    """The file's newline convention: CRLF when most of its lines end so."""
    return "\r\n" if 2 * text.count("\r\n") > text.count("\n") else "\n"


def merge_as_text(base: str | None, ours: str, theirs: str, why: str) -> FileMerge:
    """For a data file one side of which cannot be read as data: merge its lines, and report
    ``why`` as a conflict so that a reviewer looks at it."""
    result = merge_text(
        base, ours, theirs, ours_label="project", theirs_label="template", base_label="base"
    )
    reason = f"{why}; merged as text"
    return FileMerge(result.content, Action.CONFLICT, (Conflict(reason), *result.conflicts))


def merge_binary(base: bytes | None, ours: bytes | None, theirs: bytes | None) -> FileMerge:
    """No merge inside a binary file: one side's bytes, or ours kept with a conflict."""

    def merge(b: bytes | None, o: bytes, t: bytes) -> FileMerge:
        reason = "a binary file both sides changed; the project's version is kept"
        return FileMerge(o, Action.CONFLICT, (Conflict(reason),))

    return merge_sides(base, ours, theirs, merge)
