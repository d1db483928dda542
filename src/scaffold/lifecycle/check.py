"""``scaffold check``: render each project's template at its recorded version with its
recorded answers and compare the files the template owns; with ``latest`` also say what an
update would change. Nothing here prints.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.create.render import ANSWERS_FILE
from scaffold.create.source import Rendered
from scaffold.create.tree import Entry, read_entry
from scaffold.errors import ExitCode, ScaffoldError, UsageError
from scaffold.lifecycle.memory import Memory, read_memory
from scaffold.tools.names import canonical
from scaffold.tools.uv import Uv, uv_cause

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
    lock: str | None = None  # uv.lock: in_step, stale, not_checked (own code); None: no lock

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
            "lock": self.lock,
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


def render_memory(
    memory: Memory,
    version: str | None = None,
    *,
    offline: bool = False,
    answers: Mapping[str, Any] | None = None,
    trust: bool = False,
) -> Rendered:
    """The template of ``memory`` at ``version`` (default: the recorded one) with ``answers``
    (default: the recorded ones); a copier template's tasks and Jinja extensions run only
    with ``trust``."""
    source = memory.template_source(offline=offline, trust=trust)
    if version is not None:
        source = source.at(version)
    given = memory.answers if answers is None else answers
    return source.render_recorded(given, str(memory.project / ANSWERS_FILE))


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
        source = memory.template_source(offline=offline, trust=trust)
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
    _check_lock(result, memory, rendered, offline=offline, trust=trust)
    if latest:
        try:
            newest = source.newest(prerelease=prerelease)
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


def has_lock(project: Path) -> bool:
    """Whether the project is locked at all (not with --no-lock, nor by a template without a
    lock, which is the project's choice)."""
    return (project / "uv.lock").is_file() and (project / "pyproject.toml").is_file()


def lock_refusal(memory: Memory, files: Mapping[str, Entry], *, trust: bool) -> str | None:
    """Why uv must neither lock nor check the lock of the project (``own_code``: it would run
    the template's code), None when it may. ``files``: the template's render, whose ``.venv``
    alone counts; the project's own is its user's."""
    if memory.builtin or trust:
        return None
    from scaffold.create.copier import own_code  # noqa: PLC0415 - only for teams' templates

    venv = any(path.split("/")[0] == ".venv" for path in files)
    return own_code(memory.project, venv_shipped=venv)


def _check_lock(
    result: ProjectCheck, memory: Memory, rendered: Rendered, *, offline: bool, trust: bool
) -> None:
    """Whether ``uv.lock`` is in step with ``pyproject.toml`` (``uv lock --check``, which
    writes nothing): one that is not is drift, whatever the template's files say. A team's
    template's project whose lock would run its own code is checked only with ``trust``."""
    project = memory.project
    if not has_lock(project):
        return
    if lock_refusal(memory, rendered.files, trust=trust):
        result.lock = "not_checked"
        result.message += "; uv.lock not checked: uv would run the template's code (--trust)"
        return
    done = Uv(offline=offline).lock(project, check=True, build=memory.builtin or trust)
    if done.ok:
        result.lock = IN_STEP
        return
    result.lock = "stale"
    if result.status == IN_STEP:
        result.status = "drifted"
    cause = uv_cause(done.output)
    if "needs to be updated" in cause:
        result.message += "; uv.lock is out of date with pyproject.toml (run 'uv lock')"
    else:
        result.message += f"; uv.lock is not known to be in step with pyproject.toml: {cause}"


def _template_changes(old: Rendered, new: Rendered) -> list[FileState]:
    changes = []
    for rel in sorted(set(old.files) | set(new.files)):
        before, after = old.files.get(rel), new.files.get(rel)
        if before != after and rel != ANSWERS_FILE:
            state = "added" if before is None else "deleted" if after is None else "updated"
            changes.append(
                FileState(
                    rel,
                    state,
                    unified_diff(rel, entry_bytes(before), entry_bytes(after), "current", "newest"),
                )
            )
    return changes


def entry_bytes(entry: Entry | None) -> bytes | None:
    return None if entry is None else entry.data


def _compare(project: Path, rel: str, entry: Entry) -> FileState:
    expected = entry.data
    found = read_entry(project.joinpath(*rel.split("/")))
    if found is None:
        return FileState(rel, MISSING, unified_diff(rel, expected, None, "template", "project"))
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
            rel, CHANGED, unified_diff(rel, expected, actual, "template", "project"), tuple(reasons)
        )
    return FileState(rel, CHANGED, unified_diff(rel, expected, actual, "template", "project"))


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
            item
            for item in want
            if item not in have and requirement_name(item) not in map(requirement_name, have)
        ]
        changed = [
            item
            for item in want
            if item not in have and requirement_name(item) in map(requirement_name, have)
        ]
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


def requirement_name(requirement: Any) -> str:
    """A requirement's project name, PEP 503 normalized (what comes before its first
    specifier, extra, marker or URL)."""
    return canonical(re.split(r"[\s<>=!~;\[@(]", str(requirement), maxsplit=1)[0])


def unified_diff(rel: str, before: bytes | None, after: bytes | None, left: str, right: str) -> str:
    def lines(data: bytes | None) -> list[str]:
        return data.decode("utf-8", "replace").splitlines(keepends=True) if data else []

    return "".join(
        difflib.unified_diff(lines(before), lines(after), f"{left}/{rel}", f"{right}/{rel}")
    )
