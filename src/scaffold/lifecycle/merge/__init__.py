"""Three-way merges for ``scaffold update``: the template's changes onto the project's files.

base is the template rendered at the project's recorded version with its recorded answers, theirs
the template at the new version, ours the project's files now; None means the file does not exist
on that side. Everything here is deterministic and reads or writes none of the project's files:
no printing, the same inputs give the same output, and an update that was already applied changes
nothing; the one outside help is ``git merge-file``, on private copies of a text file's lines
(see ``scaffold.lifecycle.merge.text``). ``merge_file`` picks the strategy; the file-level cases all
strategies share are in ``scaffold.lifecycle.merge.result``.
"""

from __future__ import annotations

from pathlib import PurePath

from scaffold.errors import ToolError
from scaffold.lifecycle.merge.answers import merge_answers
from scaffold.lifecycle.merge.pyproject import merge_pyproject
from scaffold.lifecycle.merge.result import Action, Conflict, Content, FileMerge, Labels
from scaffold.lifecycle.merge.text import merge_binary, merge_text

__all__ = [
    "Action",
    "Conflict",
    "Content",
    "FileMerge",
    "Labels",
    "merge_answers",
    "merge_binary",
    "merge_file",
    "merge_pyproject",
    "merge_text",
]


def merge_file(
    path: str | PurePath,
    base: Content | None,
    ours: Content | None,
    theirs: Content | None,
    labels: Labels | None = None,
) -> FileMerge:
    """Merge one file with the strategy its name asks for.

    ``pyproject.toml`` (in any folder) merges as TOML data, ``.copier-answers.yml`` as the answers
    mapping, anything else as text; content that is not UTF-8 or holds a NUL byte is binary.
    A :class:`ToolError` from git's merge names the path.
    """
    try:
        return _merge_file(path, base, ours, theirs, labels)
    except ToolError as error:
        raise ToolError(
            f"{path}: {error.message}", hint=error.hint, exit_code=error.exit_code
        ) from error


def _merge_file(
    path: str | PurePath,
    base: Content | None,
    ours: Content | None,
    theirs: Content | None,
    labels: Labels | None,
) -> FileMerge:
    decoded = [_decode(side) for side in (base, ours, theirs)]
    if any(isinstance(side, bytes) for side in decoded):
        return merge_binary(*(_encode(side) for side in (base, ours, theirs)))
    base_text, our_text, their_text = (side if isinstance(side, str) else None for side in decoded)
    name = PurePath(path).name
    if name == "pyproject.toml":
        return merge_pyproject(base_text, our_text, their_text)
    if name == ".copier-answers.yml":
        return merge_answers(base_text, our_text, their_text)
    labels = labels or Labels()
    return merge_text(
        base_text,
        our_text,
        their_text,
        ours_label=labels.ours,
        theirs_label=labels.theirs,
        base_label=labels.base,
    )


def _decode(side: Content | None) -> Content | None:
    """The side as text, or its bytes when it cannot be merged as text."""
    if isinstance(side, bytes) and b"\0" not in side:
        try:
            return side.decode()
        except UnicodeDecodeError:
            pass
    return side


def _encode(side: Content | None) -> bytes | None:
    return side.encode() if isinstance(side, str) else side
