"""Keeping projects in step with their template: ``check`` (render and compare) and ``update``
(three renders and a merge).

``check`` renders each project's template at its recorded version with its recorded answers and
compares the files the template owns; with ``latest`` it also says what an update would change.
``update`` takes the recorded render as the base, the new render as theirs and the project's
files as ours, and merges each file (``pyproject.toml`` and the answers file as data; conflicts
marked in the files themselves). Nothing here prints.
"""

from __future__ import annotations

import difflib
import fnmatch
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scaffold import __version__, runner
from scaffold.answers import Ask, check_known, check_recorded, coerce, resolve
from scaffold.errors import ExitCode, ScaffoldError, UsageError
from scaffold.memory import (
    Memory,
    builtin_template,
    latest_tag,
    newest_scaffold,
    read_memory,
    render_builtin,
    render_copier,
)
from scaffold.render import ANSWERS_FILE
from scaffold.tree import Entry, read_entry, tree_paths
from scaffold.uvtool import Uv, uv_cause
from scaffold.write import apply_changes

IN_STEP, CHANGED, MISSING = "in_step", "changed", "missing"


@dataclass(frozen=True)
class FileState:
    path: str
    state: str  # in_step, changed, missing; for updates: the merge's action
    diff: str = ""
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "state": self.state,
            "diff": self.diff,
            "reasons": list(self.reasons),
        }


@dataclass
class ProjectCheck:
    path: str
    status: str  # in_step, drifted, error
    at: str = ""
    message: str = ""
    files: list[FileState] = field(default_factory=list)
    latest: str | None = None
    updates: list[FileState] = field(default_factory=list)  # what an update to latest changes
    error_code: ExitCode | None = None  # why it could not be checked: 4 not ours, 2 unreadable

    @property
    def drifted(self) -> list[FileState]:
        return [f for f in self.files if f.state != IN_STEP]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "at": self.at,
            "message": self.message,
            "files": [f.to_json() for f in self.files if f.state != IN_STEP],
            "in_step": sorted(f.path for f in self.files if f.state == IN_STEP),
            "latest": self.latest,
            "updates": [f.to_json() for f in self.updates],
        }


@dataclass
class CheckReport:
    projects: list[ProjectCheck]

    @property
    def exit_code(self) -> ExitCode:
        """A project that could not be checked decides (its error's code: nothing is known of
        it), then drift (1), else 0: a CI job can tell "drifted" from "misconfigured"."""
        errors = [p.error_code for p in self.projects if p.error_code is not None]
        if errors:
            return max(errors)
        if all(p.status == IN_STEP for p in self.projects):
            return ExitCode.OK
        return ExitCode.STEP_FAILED

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.exit_code is ExitCode.OK,
            "exit_code": int(self.exit_code),
            "projects": [p.to_json() for p in self.projects],
        }


# --- rendering what a project remembers ----------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    files: dict[str, Entry]
    owned: tuple[str, ...]  # globs; empty: every rendered file
    seeded: tuple[str, ...]
    version: str  # what it was rendered at, as recorded in the answers file


def render_memory(
    memory: Memory,
    version: str | None = None,
    *,
    offline: bool = False,
    answers: Mapping[str, Any] | None = None,
    trust: bool = False,
) -> Rendered:
    """The template of ``memory`` at ``version`` (default: the recorded one); a copier
    template's tasks and Jinja extensions run only with ``trust``."""
    given = dict(answers if answers is not None else memory.answers)
    if memory.template is not None:
        at = version or memory.version or __version__
        template = builtin_template(memory.template, at, offline=offline)
        given["scaffold_version"] = at
        kept = {k: v for k, v in given.items() if k in template.questions}
        # What the file says becomes paths and file contents: checked as `new` checks it.
        checked = check_recorded(template, kept, str(memory.project / ANSWERS_FILE))
        full = resolve(template, {}, checked)
        return Rendered(render_builtin(template, full), template.owned, template.seeded, at)
    ref = version or memory.commit
    files, template = render_copier(str(memory.source), ref, given, trust=trust)
    return Rendered(files, template.owned, template.seeded, ref or "")


def _excluded(memory: Memory) -> tuple[str, ...]:
    """A project's own exclusions: ``[tool.scaffold] check-exclude`` in its pyproject.toml."""
    pyproject = memory.project / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ()
    table = data.get("tool", {}).get("scaffold", {}) if isinstance(data.get("tool"), dict) else {}
    value = table.get("check-exclude", []) if isinstance(table, dict) else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{pyproject}: [tool.scaffold] check-exclude must be a list of globs")
    return tuple(value)


def _matches(path: str, globs: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(path, glob) for glob in globs)


def owned_paths(rendered: Rendered, memory: Memory) -> list[str]:
    excluded = _excluded(memory)
    return sorted(
        path
        for path in rendered.files
        if (not rendered.owned or _matches(path, rendered.owned))
        and not _matches(path, rendered.seeded)
        and not _matches(path, excluded)
    )


# --- check ----------------------------------------------------------------------------------


def check_projects(
    paths: list[Path],
    *,
    latest: bool = False,
    offline: bool = False,
    prerelease: bool = False,
    trust: bool = False,
) -> CheckReport:
    return CheckReport(
        [
            check_project(path, latest=latest, offline=offline, prerelease=prerelease, trust=trust)
            for path in paths
        ]
    )


def check_project(
    path: Path,
    *,
    latest: bool = False,
    offline: bool = False,
    prerelease: bool = False,
    trust: bool = False,
) -> ProjectCheck:
    try:
        memory = read_memory(path)
        rendered = render_memory(memory, offline=offline, trust=trust)
    except ScaffoldError as exc:
        return ProjectCheck(str(path), "error", message=exc.message, error_code=exc.exit_code)
    files = [
        _compare(memory.project, rel, rendered.files[rel]) for rel in owned_paths(rendered, memory)
    ]
    result = ProjectCheck(str(path), IN_STEP, at=memory.at, files=files)
    if result.drifted:
        result.status = "drifted"
        result.message = (
            f"{len(result.drifted)} of {len(files)} owned files differ from {memory.at}"
        )
    else:
        result.message = f"{len(files)} owned files in step with {memory.at}"
    if latest:
        try:
            newest = _newest(memory, offline, prerelease)
            if newest is not None and newest != rendered.version:
                new = render_memory(memory, newest, offline=offline, trust=trust)
                result.latest = newest
                result.updates = _template_changes(rendered, new)
        except ScaffoldError as exc:
            # Asked what an update would change and unable to say: an error, never "in step".
            result.status = "error"
            result.error_code = exc.exit_code
            result.message += f"; cannot tell what the newest template would change: {exc.message}"
    return result


def _newest(memory: Memory, offline: bool, prerelease: bool) -> str | None:
    """The newest stable version of the project's template (pre-releases only when asked)."""
    if memory.builtin:
        return newest_scaffold(offline=offline, prerelease=prerelease)
    return latest_tag(str(memory.source), prerelease=prerelease)


def _template_changes(old: Rendered, new: Rendered) -> list[FileState]:
    changes = []
    for rel in sorted(set(old.files) | set(new.files)):
        before, after = old.files.get(rel), new.files.get(rel)
        if before != after and rel != ANSWERS_FILE:
            state = "added" if before is None else "deleted" if after is None else "updated"
            changes.append(
                FileState(rel, state, _diff(rel, _data(before), _data(after), "current", "newest"))
            )
    return changes


def _data(entry: Entry | None) -> bytes | None:
    return None if entry is None else entry.data


def _compare(project: Path, rel: str, entry: Entry) -> FileState:
    expected = entry.data
    found = read_entry(project.joinpath(*rel.split("/")))
    if found is None:
        return FileState(rel, MISSING, _diff(rel, expected, None, "template", "project"))
    if found.link != entry.link or found.executable != entry.executable:
        reason = f"the template has {entry.describe()}, the project {found.describe()}"
        return FileState(rel, CHANGED, "", (reason,))
    actual = found.data
    if actual == expected:
        return FileState(rel, IN_STEP)
    if rel.endswith("pyproject.toml"):
        reasons = pyproject_drift(expected, actual)
        if not reasons:
            return FileState(rel, IN_STEP)
        return FileState(
            rel, CHANGED, _diff(rel, expected, actual, "template", "project"), tuple(reasons)
        )
    return FileState(rel, CHANGED, _diff(rel, expected, actual, "template", "project"))


def pyproject_drift(expected: bytes, actual: bytes) -> list[str]:
    """What the project changed of what the template writes in pyproject.toml, as data: its own
    additions (dependencies, tables, keys) are not drift; a template value changed or gone is."""
    try:
        want = tomllib.loads(expected.decode())
        have = tomllib.loads(actual.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [f"pyproject.toml does not parse: {exc}"]
    return list(_data_drift(want, have, ""))


def _data_drift(want: Any, have: Any, where: str) -> list[str]:
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return [f"{where} is no longer a table"]
        found: list[str] = []
        for key, value in want.items():
            here = f"{where}.{key}" if where else key
            if key not in have:
                found.append(f"{here} was removed")
            else:
                found += _data_drift(value, have[key], here)
        return found
    if isinstance(want, list) and isinstance(have, list) and _requirements(want, where):
        missing = [
            item for item in want if item not in have and _name(item) not in map(_name, have)
        ]
        changed = [item for item in want if item not in have and _name(item) in map(_name, have)]
        return [f"{where}: {item} was removed" for item in missing] + [
            f"{where}: {item} was changed" for item in changed
        ]
    return [] if want == have else [f"{where} changed from {want!r} to {have!r}"]


# Where pyproject.toml lists requirements: the project adds its own there, which is never drift,
# whatever the template started with (an empty `dependencies = []` included).
_REQUIREMENT_LISTS = (
    "project.dependencies",
    "project.optional-dependencies.",
    "dependency-groups.",
)


def _requirements(items: list[Any], where: str) -> bool:
    if not all(isinstance(item, str) for item in items):
        return False
    return bool(items) or where.startswith(_REQUIREMENT_LISTS)


def _name(requirement: Any) -> str:
    import re  # noqa: PLC0415

    return re.split(r"[\s<>=!~;\[@(]", str(requirement), maxsplit=1)[0].lower().replace("_", "-")


def _diff(rel: str, before: bytes | None, after: bytes | None, left: str, right: str) -> str:
    def lines(data: bytes | None) -> list[str]:
        return data.decode("utf-8", "replace").splitlines(keepends=True) if data else []

    return "".join(
        difflib.unified_diff(lines(before), lines(after), f"{left}/{rel}", f"{right}/{rel}")
    )


# --- update ---------------------------------------------------------------------------------


@dataclass
class UpdateReport:
    path: str
    old: str
    new: str
    files: list[FileState] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # "path: reason"
    dry_run: bool = False
    locked: bool | None = None  # uv lock ran (dependencies changed): ok or not
    lock_error: str = ""  # uv's own line, when it failed
    not_locked: str | None = None  # why uv lock did not run: it would run the template's code

    @property
    def exit_code(self) -> ExitCode:
        if self.conflicts:
            return ExitCode.CONFLICTS
        if self.locked is False:
            return ExitCode.POST_STEP_FAILED
        return ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "from": self.old,
            "to": self.new,
            "dry_run": self.dry_run,
            "files": [f.to_json() for f in self.files],
            "conflicts": self.conflicts,
            "locked": self.locked,
            "lock_error": self.lock_error,
            "not_locked": self.not_locked,
            "exit_code": int(self.exit_code),
        }


@dataclass(frozen=True)
class UpdateOptions:
    to: str | None = None  # a scaffold version, or a git tag or commit
    data: Mapping[str, str] = field(default_factory=dict)
    allow_dirty: bool = False
    dry_run: bool = False
    offline: bool = False
    prerelease: bool = False  # without --to, a pre-release may be the newest
    ask: Ask | None = None
    trust: bool = False  # a copier template's tasks and Jinja extensions may run
    validate: bool = False  # the caller validates the result: a team's template needs trust


def update_project(path: Path, options: UpdateOptions | None = None) -> UpdateReport:
    """Plan the whole update (three renders, every path's outcome), then apply it all or
    nothing, the answers file last; a dry run is the plan alone."""
    from scaffold.merge import Labels  # noqa: PLC0415 - check needs none
    from scaffold.merge.tree import merge_tree  # noqa: PLC0415

    options = options or UpdateOptions()
    memory = read_memory(path)
    if options.validate and not memory.builtin and not options.trust:
        raise UsageError(
            f"--validate runs the tests and the build of {path}, which the template "
            f"{memory.source} has just changed, and only with --trust",
            hint="add --trust, or update, read the changes, then run scaffold validate",
        )
    if not options.allow_dirty and not options.dry_run:
        _refuse_dirty(memory.project)
    base = render_memory(memory, offline=options.offline, trust=options.trust)
    target = options.to or _newest(memory, options.offline, options.prerelease) or base.version
    answers = _new_answers(memory, target, options)
    theirs = render_memory(
        memory, target, offline=options.offline, answers=answers, trust=options.trust
    )
    report = UpdateReport(str(path), base.version, theirs.version, dry_run=options.dry_run)
    labels = Labels(
        ours="project", base=f"template {base.version}", theirs=f"template {theirs.version}"
    )
    before_deps = _dependencies(memory.project)
    plan = merge_tree(base.files, theirs.files, _OnDisk(memory.project), labels)
    for outcome in plan.outcomes:
        diff = _diff(
            outcome.path, _data(outcome.before), _data(outcome.after), "project", "updated"
        )
        report.files.append(FileState(outcome.path, str(outcome.action), diff, outcome.conflicts))
    report.conflicts = plan.conflicts
    if options.dry_run or not plan.changes:
        return report
    apply_changes(memory.project, plan.changes, last=ANSWERS_FILE)
    if before_deps != _dependencies(memory.project):
        from scaffold.external import own_code  # noqa: PLC0415 - only for teams' templates

        own = None if memory.builtin or options.trust else own_code(memory.project)
        if own:
            report.not_locked = f"uv lock would run the template's own code ({own})"
        else:
            done = Uv(offline=options.offline).run("lock", cwd=memory.project)
            report.locked = done.ok
            if not done.ok:
                report.lock_error = uv_cause(done.output)
    return report


@dataclass(frozen=True)
class _OnDisk:
    """The project's files, as the tree merge asks for them."""

    root: Path

    def _path(self, rel: str) -> Path:
        return self.root.joinpath(*rel.split("/"))

    def entry(self, path: str) -> Entry | None:
        return read_entry(self._path(path))

    def is_folder(self, path: str) -> bool:
        found = self._path(path)
        return found.is_dir() and not found.is_symlink()

    def files_under(self, folder: str) -> list[str]:
        return [f"{folder}/{rel}" for rel in tree_paths(self._path(folder))]


def _new_answers(memory: Memory, target: str, options: UpdateOptions) -> dict[str, Any]:
    """The recorded answers, changed by ``--data``; a question the newer template added takes
    its default or, in a terminal, is asked."""
    answers = dict(memory.answers)
    if memory.template is None:
        answers.update(options.data)
        return answers
    template = builtin_template(memory.template, target, offline=options.offline)
    check_known(template, options.data, "--data")
    for key, value in options.data.items():
        answers[key] = coerce(template, key, value, "--data")
    answers["scaffold_version"] = target
    if isinstance(answers.get("dependencies"), list) and memory.version is not None:
        old = builtin_template(memory.template, memory.version, offline=options.offline)
        answers["dependencies"] = _moved_defaults(
            answers["dependencies"], old.default("dependencies"), template.default("dependencies")
        )
    known = {k: v for k, v in answers.items() if k in template.questions}
    new_questions = replace(
        template,
        settings={
            **template.settings,
            "scaffold_prompts": [q for q in template.questions if q not in answers],
        },
    )
    return resolve(new_questions, {}, known, options.ask)


def _moved_defaults(recorded: list[Any], old: Any, new: Any) -> list[Any]:
    """The recorded dependencies with the template's own defaults moved to its new ones: a
    requirement that is still the old default is the template's; any other is the user's."""
    old_by_name = {_name(dep): dep for dep in old or ()}
    new_by_name = {_name(dep): dep for dep in new or ()}
    result = []
    for dep in recorded:
        name = _name(dep)
        if old_by_name.get(name) == dep:
            if name in new_by_name:
                result.append(new_by_name[name])  # dropped by the new template: dropped here
        else:
            result.append(dep)
    names = {_name(dep) for dep in result}
    return result + [
        dep for name, dep in new_by_name.items() if name not in names and name not in old_by_name
    ]


def _refuse_dirty(project: Path) -> None:
    """Refuse uncommitted changes under ``project``, asking git from the project's own folder:
    the work tree may enclose it (a monorepo), and only the project's path counts."""
    done = runner.git("status", "--porcelain", "--untracked-files=all", "--", ".", cwd=project)
    if done is None:
        return  # no git, so no repository to keep reviewable
    if not done.ok:
        if "not a git repository" in done.output:
            return
        raise UsageError(
            f"cannot tell whether {project} has uncommitted changes: git status failed: "
            f"{done.tail(1)}",
            hint="fix what git says, or pass --allow-dirty",
        )
    if done.output.strip():
        raise UsageError(
            f"{project} has uncommitted changes",
            hint="commit or stash them first, so the update is reviewable with git diff "
            "(or --allow-dirty)",
        )


def _dependencies(project: Path) -> Any:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return (data.get("project", {}).get("dependencies"), data.get("dependency-groups"))
