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
from scaffold.create.tree import Entry, read_entry, tree_paths
from scaffold.create.write import apply_changes
from scaffold.errors import ExitCode, UsageError
from scaffold.lifecycle.check import FileState, entry_bytes, requirement_name, unified_diff
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
    if options.dry_run or not plan.changes:
        return report
    apply_changes(memory.project, plan.changes, last=ANSWERS_FILE)
    if before_deps != _dependencies(memory.project):
        from scaffold.create.copier import own_code  # noqa: PLC0415 - only for teams' templates
        from scaffold.create.steps import BUILD_NEEDED, needs_a_build, unbuilt  # noqa: PLC0415

        # The project's .venv is its user's, unless the template ships one.
        venv = any(path.split("/")[0] == ".venv" for path in theirs.files)
        own = (
            None if memory.builtin or options.trust else own_code(memory.project, venv_shipped=venv)
        )
        if own:
            report.not_locked = f"uv lock would run the template's own code ({own})"
        else:
            trusted = memory.builtin or options.trust
            done = Uv(offline=options.offline).run("lock", *unbuilt(trusted), cwd=memory.project)
            if not done.ok and not trusted and needs_a_build(done.output):
                report.not_locked = f"{BUILD_NEEDED} ({uv_cause(done.output)})"
            else:
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
