"""Everything scaffold shows a person: rich trees, live step displays, tables, JSON.

Colours follow rich's rules: off when stdout is not a terminal or ``NO_COLOR`` is set. What is
shown of data (paths, names, template text, tools' output, messages) is literal: it reaches
rich as :class:`~rich.text.Text` through :func:`_plain` (no markup, no emoji codes, no
highlighting, no control character: a path holding ``[bold]`` or ``:fire:`` prints as itself,
and an escape sequence cannot retitle the window or clear the screen). The consoles take no
markup either, so a string that slips through still prints as it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from scaffold.errors import ExitCode, printable
from scaffold.report import (
    NewReport,
    Phase,
    SkipReason,
    Status,
    StepResult,
    ValidationReport,
    Verdict,
)

if TYPE_CHECKING:
    from scaffold.create.templates import Template
    from scaffold.lifecycle.check import CheckReport
    from scaffold.lifecycle.update import UpdateReport

_STYLE = {Status.OK: "green", Status.FAILED: "bold red", Status.SKIPPED: "yellow"}
_MARK = {Status.OK: "✓", Status.FAILED: "✗", Status.SKIPPED: "-"}


def _plain(text: object, *, lines: bool = False) -> str:
    """Data as it may reach the terminal: every control character escaped (``\\x1b``), but
    line breaks and tabs where ``lines`` are shown (a diff, a tool's output)."""
    value = str(text)
    return printable(value.replace("\r\n", "\n"), "\n\t") if lines else printable(value)


def _data(text: object, style: str = "", *, lines: bool = False) -> Text:
    """Data as literal rich text, in ``style``."""
    return Text(_plain(text, lines=lines), style=style)


def _line(*parts: str | tuple[str, str] | Text) -> Text:
    """One line of our words (``(text, style)`` or a plain ``str``) and data (``_data(...)``)."""
    return Text.assemble(*parts)


def _console(*, stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


# The version of the shape of every --json object; raised when a key changes meaning or goes.
JSON_SCHEMA_VERSION = 1


def json_object(
    payload: Mapping[str, Any], code: int, error: str | None = None, hint: str | None = None
) -> dict[str, Any]:
    """The one shape of every ``--json`` object, a result's or an error's: the schema version,
    ``ok``, ``exit_code``, ``error`` and ``hint`` (null but for an error), then the result's
    own keys."""
    head = {
        "schema_version": JSON_SCHEMA_VERSION,
        "ok": code == 0,
        "exit_code": code,
        "error": error,
        "hint": hint,
    }
    return {**head, **{key: value for key, value in payload.items() if key not in head}}


def _write_json(payload: Mapping[str, Any], code: int) -> None:
    sys.stdout.write(json.dumps(json_object(payload, code), indent=2) + "\n")


def error(message: str, hint: str | None, code: int, json_output: bool) -> None:
    line = _line(("error:", "bold red"), " ", _data(message))
    if hint:
        line.append_text(_line(" ", _data(f"({hint})", "dim")))
    _console(stderr=True).print(line)
    if json_output:
        sys.stdout.write(json.dumps(json_object({}, code, message, hint)) + "\n")


class Output:
    def __init__(self, *, json_output: bool = False, quiet: bool = False) -> None:
        self.json = json_output
        self.quiet = quiet
        self.console = _console()

    @property
    def _silent(self) -> bool:
        return self.json or self.quiet

    # --- scaffold new -------------------------------------------------------------------

    def new_step(self, name: str) -> None:
        if not self._silent and self.console.is_terminal:
            label = {"lock": "locking dependencies with uv", "git": "initialising git"}
            self.console.print(_data(f"… {label.get(name, name)}", "dim"))

    def new_created(self, report: NewReport) -> None:
        """Before validation starts: what was written, then the validation heading."""
        if self._silent:
            return
        self._created(report)
        self.console.print(Text("validating the new project", style="bold"))

    def _created(self, report: NewReport) -> None:
        self.console.print(_file_tree(report), soft_wrap=False)  # a long path folds, not cut
        for step in report.steps:
            self.console.print(_step_line(step))

    def new_done(self, report: NewReport) -> int:
        code = _new_exit_code(report)
        if self.json:
            _write_json(report.to_json(), code)
            return code
        if self.quiet:
            return code
        if report.validation is None:  # otherwise new_created showed it before validating
            self._created(report)
        for notice in report.notices:
            self.console.print(_line(("note:", "yellow"), " ", _data(notice)))
        if report.validation is not None:
            self._summary(report.validation)
        for step in report.steps:
            if step.status is Status.FAILED and step.data.get("fix"):
                fix = _data(step.data["fix"])
                self.console.print(_line(("to finish by hand:", "bold"), " ", fix))
        # The usual next steps start from a lock: after a failed one they would fail too.
        if not any(s.name == "lock" and s.status is Status.FAILED for s in report.steps):
            self.console.print(_next_steps(report))
        return code

    # --- validation ---------------------------------------------------------------------

    @contextlib.contextmanager
    def live_steps(self) -> Iterator[Any]:
        """An events callback for validate_project: a live display in a terminal."""
        if self._silent:
            yield None
            return
        if not self.console.is_terminal:

            def plain(result: StepResult, phase: Phase) -> None:
                if phase is Phase.REPORTED:  # one line a step, in a stable order
                    self.console.print(_step_line(result))

            yield plain
            return
        display = _LiveSteps(self.console)
        # Transient: the summary table replaces the live lines when the run ends.
        with display.progress:
            yield display.event

    def validation_done(self, report: ValidationReport) -> int:
        if not _as_json(report.to_json(), int(report.exit_code), self.json, self.quiet):
            self._summary(report)
        _job_summary(report)
        return int(report.exit_code)

    def _summary(self, report: ValidationReport) -> None:
        """A table in a terminal (where the live lines vanished); then the verdict and tails."""
        if self.console.is_terminal:
            self.console.print(_table(report))
        for step in report.steps:
            for note in step.notes:
                self.console.print(_line(("note:", "yellow"), " ", _data(f"{step.label}: {note}")))
        verdict = _verdict_line(report)
        self.console.print(_line(verdict, f"  {report.wall_time:.2f}s"))
        for step in report.failed:
            for fix in step.data.get("fix") or ():
                self.console.print(_line(("fix", "bold"), " ", _data(f"{step.label}: {fix}")))
            if step.output_tail:
                label = _data(step.label, "bold")
                self.console.print(_line(label, ": ", _data(step.command or "")))
                self.console.print(_data(step.output_tail, "dim", lines=True))


def _job_summary(report: ValidationReport) -> None:
    """On GitHub Actions, the step table in the job's summary page too ($GITHUB_STEP_SUMMARY)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from scaffold.report import markdown_table  # noqa: PLC0415

    try:
        with Path(target).open("a", encoding="utf-8") as summary:
            summary.write(markdown_table(report) + "\n")
    except OSError as exc:  # the summary is a courtesy: its failure never changes the verdict
        why = f"cannot write the job summary {target}: {exc.strerror}"
        _console(stderr=True).print(_line(("warning:", "yellow"), " ", _data(why)))


def _verdict_line(report: ValidationReport) -> Text:
    if report.verdict is Verdict.PASSED:
        requested = [s.label for s in report.steps if s.skip_reason is SkipReason.REQUESTED]
        if requested:  # what the user left out was not proven: "passed" covers only the rest
            left = f"; left out by request: {', '.join(requested)}"
            return _line(("passed: every step that ran passed", "green"), _data(left))
        return _data("passed: every step that matters for this project ran and passed", "green")
    if report.verdict is Verdict.NOT_PROVEN:
        by_reason: dict[str, list[str]] = {}
        for step in report.unproven:
            by_reason.setdefault(step.detail, []).append(step.label)
        missing = "; ".join(f"{', '.join(labels)} ({why})" for why, labels in by_reason.items())
        return _data(f"not proven: {missing}", "bold yellow")
    return _data(f"failed: {', '.join(s.label for s in report.failed)}", "bold red")


class _LiveSteps:
    """The live display: rich's progress machinery, a task per step. A running step's spinner
    turns (one spinner, its frame from the clock) beside its own elapsed time; a step is marked
    done the moment it ends, whatever runs before it; the columns line up."""

    def __init__(self, console: Console) -> None:
        from rich.progress import Progress, TaskID  # noqa: PLC0415 - only live displays

        columns = [_mark_column()(), *(_column(part)() for part in (_label, _time, _detail))]
        self.progress = Progress(*columns, console=console, transient=True, refresh_per_second=10)
        self.tasks: dict[str, TaskID] = {}

    def event(self, result: StepResult, phase: Phase) -> None:
        # Called from the validating thread; rich's Progress takes its own lock.
        task = self.tasks.get(result.label)
        if task is None:
            task = self.progress.add_task(result.label, total=1, result=None)
            self.tasks[result.label] = task
        if phase is not Phase.STARTED:
            self.progress.update(task, completed=1, result=result)
            self.progress.stop_task(task)


def _column(render: Callable[[Any], Any]) -> Any:
    from rich.progress import ProgressColumn  # noqa: PLC0415

    class Column(ProgressColumn):
        def render(self, task: Any) -> Any:
            return render(task)

    return Column


def _mark_column() -> Any:
    from rich.progress import ProgressColumn  # noqa: PLC0415
    from rich.spinner import Spinner  # noqa: PLC0415

    class Column(ProgressColumn):
        """A running step's spinner, a finished one's mark. One Spinner for the whole display:
        its frame comes from the time since its first frame (a new one each refresh never
        leaves its first frame)."""

        def __init__(self) -> None:
            super().__init__()
            self.spinner = Spinner("dots", style="cyan")

        def render(self, task: Any) -> Any:
            result = task.fields.get("result")
            if result is None:
                return self.spinner.render(task.get_time())
            return Text(_MARK[result.status], style=_STYLE[result.status])

    return Column


def _label(task: Any) -> Any:
    result = task.fields.get("result")
    status = "running" if result is None else str(result.status)
    return Text.assemble((f"{_plain(task.description):<9}", "bold"), f" {status:<7}")


def _time(task: Any) -> Any:
    result = task.fields.get("result")
    seconds = result.duration if result is not None else (task.elapsed or 0.0)
    return Text(f"{seconds:6.1f}s")


def _detail(task: Any) -> Any:
    result = task.fields.get("result")
    return Text(_plain(result.detail) if result is not None else "", overflow="ellipsis")


def _new_exit_code(report: NewReport) -> int:
    if not report.post_steps_ok:
        return int(ExitCode.POST_STEP_FAILED)
    if report.validation is not None and not report.validation.ok:
        return int(report.validation.exit_code)
    return int(ExitCode.OK)


def _step_line(step: StepResult) -> Text:
    text = Text()
    text.append(f"{_MARK[step.status]} ", style=_STYLE[step.status])
    text.append(f"{_plain(step.label):<8}", style="bold")  # "services", the longest name
    text.append(f" {step.status:<7} {step.duration:6.2f}s  ")
    text.append(_plain(step.detail))
    return text


def _file_tree(report: NewReport) -> Any:
    from rich.tree import Tree  # noqa: PLC0415

    tree = Tree(_data(report.path, "bold"))
    folders: dict[str, Tree] = {"": tree}
    for rel in report.files:
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in folders:
                parent = folders["/".join(parts[: depth - 1])]
                folders[key] = parent.add(_data(f"{parts[depth - 1]}/", "bold blue"))
        folders["/".join(parts[:-1])].add(_data(parts[-1]))
    return tree


def _table(report: ValidationReport) -> Any:
    from rich.table import Table  # noqa: PLC0415

    table = Table(title="validation", title_justify="left", show_edge=False)
    table.add_column("step")
    table.add_column("status")
    table.add_column("time", justify="right")
    table.add_column("detail", overflow="fold")
    for step in report.steps:
        status = Text(str(step.status), style=_STYLE[step.status])
        if step.unproven:
            status = Text("not proven", style="bold yellow")
        table.add_row(_data(step.label), status, f"{step.duration:.2f}s", _data(step.detail))
    return table


def _next_steps(report: NewReport) -> Text:
    python = ["uv sync", "uv run pytest"] if report.python else []
    commands = [f"cd {report.path}", *python, *report.next_steps]
    text = Text("next:\n", style="bold")
    for command in commands:
        text.append(f"  {_plain(command)}\n", style="cyan")
    return text


def templates(found: list[Template], json_output: bool) -> None:
    if json_output:
        rows = [{"name": t.name, "kind": t.kind, "summary": t.summary} for t in found]
        _write_json({"templates": rows}, 0)
        return
    console = _console()
    width = max((len(_plain(t.name)) for t in found), default=0)
    for template in found:
        name = _data(f"{_plain(template.name):<{width}}", "bold")
        console.print(_line(name, "  ", _data(template.summary)))


def ask(key: str, question: Mapping[str, Any], default: Any, problem: str | None) -> Any:
    """Ask one of a template's questions in a terminal: its help, its choices, its default
    (nothing where it is empty); after a refused answer, the reason first.

    The answer is checked by the caller, with the checker the options use, choices included:
    rich's own choice check would refuse with a message of its own. Ctrl-D and Ctrl-C are
    interrupts, their message on a line of its own after the prompt's."""
    from rich.prompt import Prompt  # noqa: PLC0415

    console = _console()
    if problem:
        console.print(_data(problem, "red"))
    label = _data(question.get("help") or key, "prompt")
    choices = question.get("choices")
    if choices:
        values = [str(v) for v in (choices.values() if isinstance(choices, dict) else choices)]
        label.append_text(_data(f" [{'/'.join(values)}]", "prompt.choices"))
    shown = "" if default is None else str(default)
    if choices and _menus():
        return _menu(str(question.get("help") or key), values, shown)
    if shown:
        label.append_text(_data(f" ({shown})", "prompt.default"))
    try:
        return Prompt.ask(label, default=shown, show_default=False, console=console)
    except (EOFError, KeyboardInterrupt):
        console.print()
        raise KeyboardInterrupt from None


def _menus() -> bool:
    """Menus where the terminal can draw them (a dumb one gets the typed prompt)."""
    return os.environ.get("TERM", "dumb") != "dumb" and sys.stdin.isatty() and sys.stdout.isatty()


def _menu(message: str, values: list[str], default: str) -> str:
    """A choice as copier asks it: a menu (arrows and Enter), the default selected. questionary
    comes with copier; Ctrl-C and Ctrl-D are interrupts, as at the typed prompt."""
    import questionary  # noqa: PLC0415 - only a terminal's choice questions

    start = default if default in values else None
    try:
        answer = questionary.select(printable(message), choices=values, default=start).unsafe_ask()
    except (EOFError, KeyboardInterrupt):
        _console().print()
        raise KeyboardInterrupt from None
    return str(answer)


def _as_json(payload: dict[str, Any], code: int, json_output: bool, quiet: bool) -> bool:
    """Print ``payload`` as JSON when asked; True when nothing else is to be shown."""
    if json_output:
        _write_json(payload, code)
    return json_output or quiet


def check_done(report: CheckReport, *, json_output: bool, quiet: bool, diff: bool) -> int:
    code = int(report.exit_code)
    for project in report.projects:  # what could not be checked, one line each, as errors are
        if project.error_code is not None:
            error(project.message, None, int(project.error_code), json_output=False)
    if _as_json(report.to_json(), code, json_output, quiet):
        return code
    from rich.table import Table  # noqa: PLC0415

    console = _console()
    for project in report.projects:
        where = _data(project.path, "bold")
        for file in project.drifted:
            console.print(_line(where, ": ", _data(f"{file.path} {file.state}")))
            for reason in file.reasons:
                console.print(_line("  ", _data(reason)))
            if diff and file.diff:
                console.print(_data(file.diff, "dim", lines=True))
        if project.lock == "stale":
            console.print(_line(where, ": ", _data("uv.lock stale (run 'uv lock')")))
        for file in project.updates:
            change = _data(f"{project.latest} {file.state} {file.path}")
            console.print(_line(where, ": ", change))
    table = Table(title="check", title_justify="left", show_edge=False)
    for column in ("project", "status", "template", "detail"):
        table.add_column(column, overflow="fold")
    styles = {"in_step": "green", "drifted": "bold red", "error": "bold red"}
    for project in report.projects:
        status = Text(project.status.replace("_", " "), style=styles.get(project.status, ""))
        table.add_row(_data(project.path), status, _data(project.at), _data(project.message))
    console.print(table)
    return code


def update_done(
    report: UpdateReport,
    *,
    json_output: bool,
    quiet: bool,
    validated: ValidationReport | None = None,
) -> int:
    """The update's outcome; with ``validated`` (``update --validate --json``), one object that
    holds the validation too, whose verdict then decides the exit code."""
    code = int(report.exit_code)
    payload = report.to_json()
    if validated is not None:
        code = int(validated.exit_code)
        payload["validation"] = validated.to_json()
        _job_summary(validated)
    interrupted = _update_interrupted(report)
    if interrupted is not None and (json_output or quiet):
        # The listing's facts are in the JSON; the line says what a person must do.
        if json_output:
            sys.stdout.write(json.dumps(json_object(payload, code, interrupted), indent=2) + "\n")
        error(interrupted, None, code, json_output=False)
        return code
    if _as_json(payload, code, json_output, quiet):
        return code
    console = _console()
    verb = "would update" if report.dry_run else "updated"
    versions = _data(f"template {report.old} -> {report.new}")
    console.print(_line(_data(report.path, "bold"), ": ", versions))
    for file in report.files:
        console.print(_line(f"  {verb} ", _data(f"{file.path} ({file.state})")))
        if report.dry_run and file.diff:
            console.print(_data(file.diff, "dim", lines=True))
    if not report.files:
        console.print("  no file to change" if report.lock_stale else "  nothing to change")
    for conflict in report.conflicts:
        console.print(_line(("conflict", "bold red"), " ", _data(conflict)))
    if report.conflicts:
        console.print("resolve the conflicts marked in those files, then commit")
    if interrupted is not None:  # the listing, then the one line of what did not finish
        error(interrupted, None, code, json_output=False)
    else:
        _update_lock(console, report)
    return code


def _update_lock(console: Console, report: UpdateReport) -> None:
    if report.lock_stale:
        done = "an update locks it" if report.dry_run else "locked" if report.locked else ""
        console.print(
            _line("uv.lock was out of date with pyproject.toml", _data(f": {done}" if done else ""))
        )
    if report.locked is False:
        cause = f": {report.lock_error}" if report.lock_error else ""
        console.print(
            _line(("uv lock failed", "bold red"), _data(cause), "; run 'uv lock' in the project")
        )
    if report.not_locked:
        console.print(
            _line("not locked: ", _data(report.not_locked), "; read it, then run 'uv lock'")
        )


def _update_interrupted(report: UpdateReport) -> str | None:
    """The one line for an update a signal cut short once it had written (or was locking):
    what was written, its conflicts, and the lock that did not finish."""
    if report.signal is None:
        return None
    during = " while locking" if report.lock_started and report.lock_error == "interrupted" else ""
    parts = []
    if report.written:
        what = f"the files were updated to {report.new}"
        if report.conflicts:
            names = ", ".join(conflict.split(":")[0] for conflict in report.conflicts)
            count = len(report.conflicts)
            what += f" ({count} conflict{'' if count == 1 else 's'}: {names})"
        parts.append(what)
    if report.locked is False:
        parts.append(f"uv.lock was not updated; run 'uv lock' in {report.path}")
    return f"interrupted{during}: " + "; ".join(parts) if parts else "interrupted"
