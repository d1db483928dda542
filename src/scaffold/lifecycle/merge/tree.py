"""A whole tree's three-way merge for ``scaffold update``: every kind of change a template can
make (added, changed, deleted, renamed, a file turned into a folder and back, binary files,
symlinks, the executable bit), planned before anything is written.

Pure: the project is read through :class:`Project` (the caller's I/O), and the result is the list
of changes to apply plus, per path, what happens and why. Each change is applied where only the
template made it, kept where only the project did, and where both did it is a conflict, named
with what was kept and where the template's version is:

- text: merged line by line, conflict markers in the file (``pyproject.toml`` and the answers
  file as data, see :func:`scaffold.lifecycle.merge.merge_file`);
- a binary file, a symlink, or a file the project turned into a folder cannot hold markers: the
  project's is kept and the template's version is written beside it as ``PATH.scaffold-template``
  (a symlink's target is named in the reason);
- a deletion or a rename against the project's edit: a rename carries the edit to the new name
  (merged, as git detects renames, by content similarity); a deletion keeps the edited file;
- a folder the template turned into a file, where the project keeps its own files: the folder
  stays, and the template's file goes beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Protocol

from scaffold.create.tree import Change, Entry
from scaffold.lifecycle.merge import Action, Labels, merge_file

SIDECAR = ".scaffold-template"
_RENAME_SIMILARITY = 0.5  # git's default for rename detection


class Project(Protocol):
    def entry(self, path: str) -> Entry | None:
        """The file or symlink at ``path``; None when there is none (or a folder)."""

    def is_folder(self, path: str) -> bool: ...

    def files_under(self, folder: str) -> list[str]:
        """Every file and symlink below ``folder`` (paths relative to the project)."""


@dataclass(frozen=True)
class Outcome:
    path: str
    action: Action
    before: Entry | None  # the project's, now
    after: Entry | None  # the project's, after the update
    conflicts: tuple[str, ...] = ()
    renamed_from: str | None = None


@dataclass
class TreeMerge:
    changes: list[Change] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def conflicts(self) -> list[str]:
        return [f"{o.path}: {reason}" for o in self.outcomes for reason in o.conflicts]


def merge_tree(
    base: Mapping[str, Entry],
    theirs: Mapping[str, Entry],
    project: Project,
    labels: Labels | None = None,
) -> TreeMerge:
    labels = labels or Labels()
    renames = _renames(base, theirs, project)
    sources, targets = set(renames.values()), set(renames)
    result = TreeMerge()
    for path in sorted(set(base) | set(theirs)):
        if path in sources:
            continue
        if path in targets:
            source = renames[path]
            _merge_one(
                result, path, base[source], project.entry(source), theirs[path], project, labels,
                base,
            )  # fmt: skip
            result.outcomes[-1] = _renamed(result.outcomes[-1], source)
            result.changes.append(Change(source, None))
            continue
        _merge_one(
            result, path, base.get(path), project.entry(path), theirs.get(path), project, labels,
            base,
        )  # fmt: skip
    _settle_folders(result, project)
    result.outcomes.sort(key=lambda o: o.path)
    return result


def _renamed(outcome: Outcome, source: str) -> Outcome:
    action = Action.CONFLICT if outcome.conflicts else Action.RENAMED
    return Outcome(outcome.path, action, outcome.before, outcome.after, outcome.conflicts, source)


def _merge_one(  # noqa: PLR0911 - one return per case of the module's docstring
    result: TreeMerge,
    path: str,
    base: Entry | None,
    ours: Entry | None,
    theirs: Entry | None,
    project: Project,
    labels: Labels,
    base_paths: Iterable[str],
) -> None:
    def take(entry: Entry | None, action: Action, *conflicts: str) -> None:
        if entry != ours:
            result.changes.append(Change(path, entry))
        if entry != ours or conflicts:
            result.outcomes.append(Outcome(path, action, ours, entry, conflicts))

    def beside(reason: str) -> None:
        """Keep the project's, and put the template's version where the reviewer finds it."""
        assert theirs is not None  # noqa: S101 - only called when the template has the file
        if theirs.link:
            take(ours, Action.CONFLICT, f"{reason}; the template's is {theirs.describe()}")
            return
        aside = path + SIDECAR
        result.changes.append(Change(aside, theirs))
        take(ours, Action.CONFLICT, f"{reason}; the template's version is in {aside}")

    if theirs == base:
        return  # the template did not touch it: the project's, whatever it is
    if project.is_folder(path) and not any(p.startswith(f"{path}/") for p in base_paths):
        if theirs is not None:
            beside("the project has a folder where the template has a file; the folder is kept")
        return  # (a folder the template itself turns into a file: settled with the others)
    if ours == base:
        take(theirs, _taken(ours, theirs))
        return
    if ours == theirs:
        return  # both made the same change
    if theirs is None:
        take(ours, Action.CONFLICT, "the template deleted it, the project changed it; kept")
        return
    if ours is None:
        take(
            theirs,
            Action.CONFLICT,
            "the project deleted it, the template changed it; the template's version is back",
        )
        return
    if ours.link or theirs.link or (base is not None and base.link):
        beside(f"both changed it: the project's is {ours.describe()}")
        return
    merged = merge_file(path, base.data if base else None, ours.data, theirs.data, labels)
    executable = (
        ours.executable if base and ours.executable != base.executable else theirs.executable
    )
    if merged.data is None:  # cannot happen for two existing sides; keep the project's
        take(ours, Action.CONFLICT, "the merge gave nothing; the project's version is kept")
        return
    after = Entry(merged.data, executable=executable)
    reasons = [conflict.reason for conflict in merged.conflicts]
    if merged.data == ours.data and reasons and isinstance(merged.content, bytes):
        beside(reasons[0].removesuffix("; the project's version is kept"))
        return
    take(after, Action.CONFLICT if reasons else Action.UPDATED, *reasons)


def _taken(ours: Entry | None, theirs: Entry | None) -> Action:
    if ours is None:
        return Action.ADDED
    return Action.DELETED if theirs is None else Action.UPDATED


def _renames(
    base: Mapping[str, Entry], theirs: Mapping[str, Entry], project: Project
) -> dict[str, str]:
    """new path -> old path, for the files the template renamed that the project edited (an
    unedited file needs no rename: its deletion and the new file say all)."""
    gone = [
        path
        for path in sorted(set(base) - set(theirs))
        if not base[path].link and (ours := project.entry(path)) is not None and ours != base[path]
    ]
    new = [p for p in sorted(set(theirs) - set(base)) if project.entry(p) is None]
    found: dict[str, str] = {}
    for old in gone:
        scored = [
            (_similarity(base[old].data, theirs[candidate].data), candidate)
            for candidate in new
            if candidate not in found and not theirs[candidate].link
        ]
        best = max(scored, default=(0.0, ""))
        if best[0] >= _RENAME_SIMILARITY:
            found[best[1]] = old
    return found


def _similarity(before: bytes, after: bytes) -> float:
    if before == after:
        return 1.0
    matcher = SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    return matcher.ratio()


def _settle_folders(result: TreeMerge, project: Project) -> None:
    """A file and a folder cannot share a path: a write below what stays a file is not made, and
    a file where the project keeps a folder with its own files goes beside it."""
    final_files = _final_files(result, project)
    removed = {c.path for c in result.changes if c.entry is None}
    kept: list[Change] = []
    blocked: dict[str, str] = {}
    for change in result.changes:
        if change.entry is not None:
            parents = _parents(change.path)
            in_the_way = next((p for p in parents if p in final_files), None)
            if in_the_way is not None:
                blocked[change.path] = (
                    f"not written: {in_the_way} stays a file (the template made it a folder)"
                )
                continue
            if project.is_folder(change.path):
                own = [f for f in project.files_under(change.path) if f not in removed]
                if own:
                    aside = change.path + SIDECAR
                    kept.append(Change(aside, change.entry))
                    blocked[change.path] = (
                        f"the template turned this folder into a file; the project's own files "
                        f"are in it ({', '.join(own[:3])}), so it is kept; the template's file is "
                        f"in {aside}"
                    )
                    continue
        kept.append(change)
    result.changes = kept
    for index, outcome in enumerate(result.outcomes):
        if outcome.path in blocked:
            result.outcomes[index] = Outcome(
                outcome.path,
                Action.CONFLICT,
                outcome.before,
                outcome.before,
                (*outcome.conflicts, blocked[outcome.path]),
                outcome.renamed_from,
            )


def _final_files(result: TreeMerge, project: Project) -> set[str]:
    """The paths that are files after the changes, among those the merge is about."""
    written = {c.path for c in result.changes if c.entry is not None}
    removed = {c.path for c in result.changes if c.entry is None}
    touched = {p for c in result.changes for p in _parents(c.path)}
    existing = {p for p in touched if project.entry(p) is not None and p not in removed}
    return written | existing


def _parents(path: str) -> Iterable[str]:
    parts = path.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts))]
