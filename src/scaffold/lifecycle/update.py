"""``scaffold update``: the recorded render as the base, the new render as theirs and the
project's files as ours, merged file by file (``pyproject.toml`` and the answers file as data;
conflicts marked in the files themselves), planned whole and applied all or nothing. Nothing
here prints.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scaffold.create.answers import Ask, check_known, coerce, resolve
from scaffold.create.render import ANSWERS_FILE
from scaffold.create.source import TemplateSource
from scaffold.create.steps import BUILD_NEEDED, needs_a_build
from scaffold.create.tree import Change, Entry, read_entry, tree_paths
from scaffold.create.write import apply_changes
from scaffold.errors import ExitCode, Interrupted, UsageError, interrupt_exit_code
from scaffold.lifecycle.check import (
    FileState,
    entry_bytes,
    has_lock,
    lock_refusal,
    requirement_name,
    unified_diff,
)
from scaffold.lifecycle.memory import Memory, read_memory
from scaffold.tools import runner
from scaffold.tools.uv import Uv, uv_cause


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
    lock_stale: bool | None = None  # uv.lock out of date before this run locked (None: unasked)
    written: bool = False  # the files were written (and the answers file records the new version)
    signal: int | None = None  # the signal that cut the run short after the files were written
    lock_needed: bool = False  # uv lock had to run: the dependencies changed, or uv.lock was stale
    lock_started: bool = False

    @property
    def exit_code(self) -> int:
        if self.signal is not None:
            return 128 + self.signal
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
            "lock_stale": self.lock_stale,
            "written": self.written,
            "signal": self.signal,
            "lock_needed": self.lock_needed,
            "exit_code": int(self.exit_code),
        }


class UpdateInterrupted(Interrupted):
    """A signal after the update's files were written: the report says what was written and
    what did not finish (the lock), so the interrupt is reported with it, never as a success."""

    def __init__(self, report: UpdateReport, cause: KeyboardInterrupt) -> None:
        signum = interrupt_exit_code(cause) - 128
        super().__init__(signum)
        report.signal = signum
        if report.locked is None and report.lock_needed:
            report.locked = False
            report.lock_error = "interrupted" + ("" if report.lock_started else " before it ran")
        self.report = report


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
    from scaffold.lifecycle.merge import Labels  # noqa: PLC0415 - check needs none
    from scaffold.lifecycle.merge.tree import merge_tree  # noqa: PLC0415

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
    source = memory.template_source(offline=options.offline, trust=options.trust)
    where = str(memory.project / ANSWERS_FILE)
    base = source.render_recorded(memory.answers, where)
    target = options.to or source.newest(prerelease=options.prerelease) or base.version
    newer = source.at(target)
    theirs = newer.render_recorded(_new_answers(memory, source, newer, options), where)
    report = UpdateReport(str(path), base.version, theirs.version, dry_run=options.dry_run)
    labels = Labels(
        ours="project", base=f"template {base.version}", theirs=f"template {theirs.version}"
    )
    before_deps = _dependencies(memory.project)
    plan = merge_tree(base.files, theirs.files, _OnDisk(memory.project), labels)
    for outcome in plan.outcomes:
        diff = unified_diff(
            outcome.path,
            entry_bytes(outcome.before),
            entry_bytes(outcome.after),
            "project",
            "updated",
        )
        report.files.append(FileState(outcome.path, str(outcome.action), diff, outcome.conflicts))
    report.conflicts = plan.conflicts
    if options.dry_run and plan.changes:
        return report
    untrusted = not memory.builtin and not options.trust
    if untrusted:  # loaded before anything is written, so no import is cut short after it
        import scaffold.create.copier  # noqa: F401, PLC0415 - only for teams' templates
    try:
        if plan.changes:
            _apply(memory.project, plan.changes, report)
        changed = bool(plan.changes) and before_deps != _dependencies(memory.project)
        refusal = lock_refusal(memory, theirs.files, trust=options.trust)
        uv = Uv(offline=options.offline)
        _settle_lock(memory.project, uv, report, changed, refusal, build=not untrusted)
    except KeyboardInterrupt as exc:
        if not report.written and not report.lock_started:
            raise  # nothing was written: the project is as it was
        if report.written and report.locked is None and not report.not_locked:
            # Cut short before the lock was settled: due if the dependencies changed.
            report.lock_needed |= before_deps != _dependencies(memory.project)
        raise UpdateInterrupted(report, exc) from None
    return report


def _apply(project: Path, changes: list[Change], report: UpdateReport) -> None:
    """Apply the plan; an interrupt that lands once it is all in place (as the held signals
    are let through) leaves the report saying the files were written."""
    try:
        apply_changes(project, changes, last=ANSWERS_FILE)
    except KeyboardInterrupt:
        report.written = all(
            read_entry(project.joinpath(*c.path.split("/"))) == c.entry for c in changes
        )
        raise
    report.written = True


def _settle_lock(
    project: Path, uv: Uv, report: UpdateReport, changed: bool, refusal: str | None, *, build: bool
) -> None:
    """``uv lock`` when the update changed the dependencies, or when an existing ``uv.lock`` is
    out of date with ``pyproject.toml`` (an earlier update's lock cut short, an edit): a re-run
    never leaves a stale lock in silence. A dry run only asks. ``refusal``: why uv would run
    the template's own code, so that it neither locks nor checks. ``build=False`` (a team's
    template, untrusted): uv builds no source distribution, and a lock that needs one is left
    undone with the reason."""
    if not changed:
        if not has_lock(project):
            return
        if refusal:
            report.not_locked = (
                f"uv.lock is not checked: uv would run the template's own code ({refusal})"
            )
            return
        report.lock_stale = not uv.lock(project, check=True, build=build).ok
        if not report.lock_stale or report.dry_run:
            return
    if refusal:
        report.not_locked = f"uv lock would run the template's own code ({refusal})"
        return
    report.lock_needed = report.lock_started = True
    done = uv.lock(project, build=build)
    if not done.ok and not build and needs_a_build(done.output):
        report.not_locked = f"{BUILD_NEEDED} ({uv_cause(done.output)})"
        return
    report.locked = done.ok
    if not done.ok:
        report.lock_error = uv_cause(done.output)


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


def _new_answers(
    memory: Memory, old_source: TemplateSource, source: TemplateSource, options: UpdateOptions
) -> dict[str, Any]:
    """The recorded answers, changed by ``--data``; a question the newer template added takes
    its default or, in a terminal, is asked. A copier template's questions are copier's."""
    answers = dict(memory.answers)
    template, old = source.template, old_source.template
    if template is None or old is None:
        answers.update(options.data)
        return answers
    check_known(template, options.data, "--data")
    for key, value in options.data.items():
        answers[key] = coerce(template, key, value, "--data")
    answers["scaffold_version"] = source.version
    if isinstance(answers.get("dependencies"), list):
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
    old_by_name = {requirement_name(dep): dep for dep in old or ()}
    new_by_name = {requirement_name(dep): dep for dep in new or ()}
    result = []
    for dep in recorded:
        name = requirement_name(dep)
        if old_by_name.get(name) == dep:
            if name in new_by_name:
                result.append(new_by_name[name])  # dropped by the new template: dropped here
        else:
            result.append(dep)
    names = {requirement_name(dep) for dep in result}
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
            hint="commit or stash them first, so git diff shows the update alone; "
            "or pass --allow-dirty",
        )


def _dependencies(project: Path) -> Any:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return (data.get("project", {}).get("dependencies"), data.get("dependency-groups"))
