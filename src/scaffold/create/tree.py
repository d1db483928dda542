"""A tree of files as data: relative posix path -> :class:`Entry` (bytes, executable bit, or a
symlink's target). Renders and projects are compared and merged in this form, so every kind of
file a template can hold (text, binary, executable, symlink) survives ``check`` and ``update``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

FILE_MODE, EXEC_MODE = 0o644, 0o755


@dataclass(frozen=True)
class Entry:
    """A file's bytes and whether it is executable, or (``link``) a symlink's target."""

    data: bytes
    executable: bool = False
    link: bool = False

    @property
    def mode(self) -> int:
        return EXEC_MODE if self.executable else FILE_MODE

    def describe(self) -> str:
        if self.link:
            return f"a symlink to {self.data.decode('utf-8', 'replace')}"
        return "an executable file" if self.executable else "a file"


@dataclass(frozen=True)
class Change:
    """Make ``path`` (relative, posix) hold ``entry``; None removes it (and the folders that
    leaves empty)."""

    path: str
    entry: Entry | None


def read_entry(path: Path) -> Entry | None:
    """What is at ``path`` as an Entry; None when nothing is there or it is a folder."""
    try:
        info = path.lstat()
    except (FileNotFoundError, NotADirectoryError):  # nothing there, or a file on the way
        return None
    if stat.S_ISLNK(info.st_mode):
        return Entry(os.fsencode(path.readlink()), link=True)
    if stat.S_ISREG(info.st_mode):
        return Entry(path.read_bytes(), executable=bool(info.st_mode & 0o111))
    return None


def tree_paths(root: Path, *, skip: frozenset[str] = frozenset({".git"})) -> list[str]:
    """The posix path of every file and symlink under ``root`` (a link is listed, never
    followed), sorted; nothing is read."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        linked = [d for d in dirs if Path(folder, d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in skip and d not in linked)
        found += [
            Path(folder, name).relative_to(root).as_posix()
            for name in [*files, *linked]
            if name not in skip
        ]
    return sorted(found)


def read_tree(root: Path, *, skip: frozenset[str] = frozenset({".git"})) -> dict[str, Entry]:
    """Every file and symlink under ``root`` (never following a link), sorted by path."""
    entries = {
        rel: read_entry(root.joinpath(*rel.split("/"))) for rel in tree_paths(root, skip=skip)
    }
    return {rel: entry for rel, entry in entries.items() if entry is not None}
