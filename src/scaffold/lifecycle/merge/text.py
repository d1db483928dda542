"""Line-by-line three-way merge (diff3) with git-style conflict markers, and binary files."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from scaffold.lifecycle.merge.result import (
    Action,
    Conflict,
    FileMerge,
    Labels,
    merge_sides,
    merged,
)


def merge_text(
    base: str | None,
    ours: str | None,
    theirs: str | None,
    *,
    ours_label: str,
    theirs_label: str,
    base_label: str,
) -> FileMerge:
    """Merge line by line (diff3): a region changed by one side comes from that side; a region
    both changed differently gets git-style markers with the base lines between them.

    The result uses ours' newline convention; whether it ends with a newline is merged too.
    """
    labels = Labels(ours=ours_label, base=base_label, theirs=theirs_label)

    def merge(b: str | None, o: str, t: str) -> FileMerge:
        return _merge_text(b or "", o, t, labels)

    return merge_sides(base, ours, theirs, merge)


@dataclass(frozen=True)
class _Chunk:
    """A region of the three texts: stable (equal in all three) or changed by one or both."""

    base: list[str]
    ours: list[str]
    theirs: list[str]
    base_start: int  # 0-based index of the region in base
    stable: bool


def _merge_text(base: str, ours: str, theirs: str, labels: Labels) -> FileMerge:
    (base_lines, base_eol), (our_lines, our_eol), (their_lines, their_eol) = (
        _split(base),
        _split(ours),
        _split(theirs),
    )
    out: list[str] = []
    conflicts: list[Conflict] = []
    for chunk in _diff3(base_lines, our_lines, their_lines):
        if chunk.stable or chunk.theirs in (chunk.ours, chunk.base):
            out.extend(chunk.ours)
        elif chunk.ours == chunk.base:
            out.extend(chunk.theirs)
        elif not chunk.base:
            _two_way(chunk, out, conflicts, labels)
        else:
            first, last = chunk.base_start + 1, chunk.base_start + len(chunk.base)
            where = f"line {first}" if first == last else f"lines {first}-{last}"
            reason = f"{labels.ours} and {labels.theirs} both changed {where} of {labels.base}"
            _conflict(chunk.ours, chunk.base, chunk.theirs, reason, out, conflicts, labels)
    # A last line that is empty exists only through its newline.
    final_newline = (their_eol if our_eol == base_eol else our_eol) or out[-1:] == [""]
    newline = newline_of(ours)
    text = newline.join(out) + (newline if final_newline and out else "")
    return merged(text, ours, conflicts)


def _two_way(chunk: _Chunk, out: list[str], conflicts: list[Conflict], labels: Labels) -> None:
    """Both sides inserted different lines where base has none: keep what they share and mark
    only where they differ (with an empty base section), so an add/add is not one huge conflict."""
    matcher = SequenceMatcher(None, chunk.ours, chunk.theirs, autojunk=False)
    for tag, o1, o2, t1, t2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(chunk.ours[o1:o2])
            continue
        where = f"after line {chunk.base_start}" if chunk.base_start else "at the start"
        reason = (
            f"{labels.ours} and {labels.theirs} both added different lines {where} of {labels.base}"
        )
        _conflict(chunk.ours[o1:o2], [], chunk.theirs[t1:t2], reason, out, conflicts, labels)


def _conflict(
    ours: list[str],
    base: list[str],
    theirs: list[str],
    reason: str,
    out: list[str],
    conflicts: list[Conflict],
    labels: Labels,
) -> None:
    start = len(out) + 1
    out.append(_marker("<<<<<<<", labels.ours))
    out.extend(ours)
    out.append(_marker("|||||||", labels.base))
    out.extend(base)
    out.append("=======")
    out.extend(theirs)
    out.append(_marker(">>>>>>>", labels.theirs))
    conflicts.append(Conflict(reason, (start, len(out))))


def _marker(marker: str, label: str) -> str:
    return f"{marker} {label}" if label else marker


def _diff3(base: list[str], ours: list[str], theirs: list[str]) -> Iterator[_Chunk]:
    """Cut the three texts into stable and unstable chunks.

    A base line is an anchor when both ours and theirs keep it (difflib's matches); a stable chunk
    is a run of anchors that are consecutive on all three sides, and everything between two
    stable chunks is one unstable chunk.
    """
    in_ours, in_theirs = _matches(base, ours), _matches(base, theirs)
    anchors = sorted(set(in_ours) & set(in_theirs))
    i = o = t = 0
    while i < len(base) or o < len(ours) or t < len(theirs):
        start, o_start, t_start = i, o, t
        while i < len(base) and in_ours.get(i) == o and in_theirs.get(i) == t:
            i, o, t = i + 1, o + 1, t + 1
        if i > start:
            yield _Chunk(base[start:i], ours[o_start:o], theirs[t_start:t], start, True)
            continue
        # difflib's matches increase on both sides, so the next anchor lies ahead on all three.
        k = bisect_left(anchors, i)
        j = anchors[k] if k < len(anchors) else len(base)
        o_end = in_ours[j] if j < len(base) else len(ours)
        t_end = in_theirs[j] if j < len(base) else len(theirs)
        yield _Chunk(base[i:j], ours[o:o_end], theirs[t:t_end], i, False)
        i, o, t = j, o_end, t_end


def _matches(base: list[str], other: list[str]) -> dict[int, int]:
    """Base line index -> the other side's index of the same line, for the lines difflib pairs."""
    # autojunk would drop frequent lines (blank ones) as anchors in long files.
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return {
        block.a + k: block.b + k
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    }


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
