"""Everything scaffold shows a person: rich trees, live step displays, tables, JSON.

Colours follow rich's rules: off when stdout is not a terminal or ``NO_COLOR`` is set.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.text import Text

from scaffold.errors import ExitCode
from scaffold.report import NewReport, SkipReason, Status, StepResult, ValidationReport, Verdict
from scaffold.templates import Template

if TYPE_CHECKING:
    from scaffold.lifecycle import CheckReport, UpdateReport

_STYLE = {Status.OK: "green", Status.FAILED: "bold red", Status.SKIPPED: "yellow"}
_MARK = {Status.OK: "✓", Status.FAILED: "✗", Status.SKIPPED: "-"}


def error(message: str, hint: str | None, code: int, json_output: bool) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    line = f"[bold red]error:[/] {_escape(message)}"
    if hint:
        line += f" [dim]({_escape(hint)})[/]"
    err.print(line)
    if json_output:
        payload = {"ok": False, "error": message, "hint": hint, "exit_code": code}
        sys.stdout.write(json.dumps(payload) + "\n")


def _escape(text: str) -> str:
    from rich.markup import escape  # noqa: PLC0415

    return escape(text)


class Output:
    def __init__(self, *, json_output: bool = False, quiet: bool = False) -> None:
        self.json = json_output
        self.quiet = quiet
        self.console = Console(highlight=False, soft_wrap=True)

    @property
    def _silent(self) -> bool:
        return self.json or self.quiet

    # --- scaffold new -------------------------------------------------------------------

    def new_step(self, name: str) -> None:
        if not self._silent and self.console.is_terminal:
            label = {"lock": "locking dependencies with uv", "git": "initialising git"}
            self.console.print(f"[dim]… {label.get(name, name)}[/]")

    def new_created(self, report: NewReport) -> None:
        """Before validation starts: what was written, then the validation heading."""
        if self._silent:
            return
        self._created(report)
        self.console.print("[bold]validating the new project[/]")

    def _created(self, report: NewReport) -> None:
        self.console.print(_file_tree(report))
        for step in report.steps:
            self.console.print(_step_line(step))

    def new_done(self, report: NewReport) -> int:
        code = _new_exit_code(report)
        if self.json:
            payload = report.to_json()
            payload["ok"] = code == 0
            payload["exit_code"] = code
            sys.stdout.write(json.dumps(payload, indent=2) + "\n")
            return code
        if self.quiet:
            return code
        if report.validation is None:  # otherwise new_created showed it before validating
            self._created(report)
        for notice in report.notices:
            self.console.print(f"[yellow]note:[/] {_escape(notice)}")
        if report.validation is not None:
            self._summary(report.validation)
        for step in report.steps:
            if step.status is Status.FAILED and step.data.get("fix"):
                self.console.print(f"[bold]to finish by hand:[/] {_escape(step.data['fix'])}")
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

            def plain(result: StepResult, finished: bool) -> None:
                if finished:
                    self.console.print(_step_line(result))

            yield plain
            return
        from rich.live import Live  # noqa: PLC0415 - only validation pays for live displays

        display = _LiveSteps()
        # Transient: the summary table replaces the live lines when the run ends.
        with Live(display, console=self.console, refresh_per_second=8, transient=True):
            yield display.event

    def validation_done(self, report: ValidationReport) -> int:
        if not _as_json(report.to_json(), self.json, self.quiet):
            self._summary(report)
        return int(report.exit_code)

    def _summary(self, report: ValidationReport) -> None:
        """A table in a terminal (where the live lines vanished); then the verdict and tails."""
        if self.console.is_terminal:
            self.console.print(_table(report))
        for step in report.steps:
            for note in step.notes:
                self.console.print(f"[yellow]note:[/] {step.label}: {_escape(note)}")
        verdict = _verdict_line(report)
        self.console.print(f"{verdict}  {report.wall_time:.2f}s")
        for step in report.failed:
            for fix in step.data.get("fix") or ():
                self.console.print(f"[bold]fix[/] {step.label}: {_escape(str(fix))}")
            if step.output_tail:
                self.console.print(f"[bold]{step.label}[/]: {_escape(step.command or '')}")
                self.console.print(Text(step.output_tail, style="dim"))


def _verdict_line(report: ValidationReport) -> str:
    if report.verdict is Verdict.PASSED:
        requested = [s.label for s in report.steps if s.skip_reason is SkipReason.REQUESTED]
        left = f" (left out by request: {', '.join(requested)})" if requested else ""
        return f"[green]passed: every step that matters for this project ran and passed[/]{left}"
    if report.verdict is Verdict.NOT_PROVEN:
        by_reason: dict[str, list[str]] = {}
        for step in report.unproven:
            by_reason.setdefault(step.detail, []).append(step.label)
        missing = "; ".join(f"{', '.join(labels)} ({why})" for why, labels in by_reason.items())
        return f"[bold yellow]not proven: {_escape(missing)}[/]"
    return f"[bold red]failed: {', '.join(s.label for s in report.failed)}[/]"


class _LiveSteps:
    """The renderable behind the live display: finished steps, and a spinner per running one."""

    def __init__(self) -> None:
        self.done: list[StepResult] = []
        self.running: dict[str, float] = {}

    def event(self, result: StepResult, finished: bool) -> None:
        # Called from the validating thread while rich renders from its own: swap, never mutate.
        if finished:
            self.done = [*self.done, result]
            self.running = {k: v for k, v in self.running.items() if k != result.label}
        else:
            self.running = {**self.running, result.label: time.monotonic()}

    def __rich__(self) -> Group:
        from rich.spinner import Spinner  # noqa: PLC0415

        lines: list[Any] = [_step_line(step) for step in self.done]
        now = time.monotonic()
        for label, started in self.running.items():
            lines.append(Spinner("dots", text=Text(f"{label}  {now - started:4.1f}s")))
        return Group(*lines)


def _new_exit_code(report: NewReport) -> int:
    if not report.post_steps_ok:
        return int(ExitCode.POST_STEP_FAILED)
    if report.validation is not None and not report.validation.ok:
        return int(report.validation.exit_code)
    return int(ExitCode.OK)


def _step_line(step: StepResult) -> Text:
    text = Text()
    text.append(f"{_MARK[step.status]} ", style=_STYLE[step.status])
    text.append(f"{step.label:<7}", style="bold")
    text.append(f" {step.status:<7} {step.duration:6.2f}s  ")
    text.append(step.detail)
    return text


def _file_tree(report: NewReport) -> Any:
    from rich.tree import Tree  # noqa: PLC0415

    tree = Tree(f"[bold]{_escape(report.path)}[/]")
    folders: dict[str, Tree] = {"": tree}
    for rel in report.files:
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in folders:
                parent = folders["/".join(parts[: depth - 1])]
                folders[key] = parent.add(f"[bold blue]{_escape(parts[depth - 1])}/[/]")
        folders["/".join(parts[:-1])].add(_escape(parts[-1]))
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
        table.add_row(step.label, status, f"{step.duration:.2f}s", Text(step.detail))
    return table


def _next_steps(report: NewReport) -> Text:
    python = ["uv sync", "uv run pytest"] if report.python else []
    commands = [f"cd {report.path}", *python, *report.next_steps]
    text = Text("next:\n", style="bold")
    for command in commands:
        text.append(f"  {command}\n", style="cyan")
    return text


def templates(found: list[Template], json_output: bool) -> None:
    if json_output:
        rows = [{"name": t.name, "kind": t.kind, "summary": t.summary} for t in found]
        sys.stdout.write(json.dumps({"templates": rows}, indent=2) + "\n")
        return
    console = Console(highlight=False, soft_wrap=True)
    width = max((len(t.name) for t in found), default=0)
    for template in found:
        console.print(f"[bold]{template.name:<{width}}[/]  {_escape(template.summary)}")


def ask(key: str, question: Mapping[str, Any], default: Any, problem: str | None) -> Any:
    """Ask one of a template's questions in a terminal: its help, its default, its choices;
    after a refused answer, the reason first."""
    from rich.prompt import Prompt  # noqa: PLC0415

    console = Console(highlight=False)
    if problem:
        console.print(f"[red]{_escape(problem)}[/]")
    label = str(question.get("help") or key)
    choices = question.get("choices")
    if choices:
        values = [str(v) for v in (choices.values() if isinstance(choices, dict) else choices)]
        return Prompt.ask(label, choices=values, default=str(default), console=console)
    return Prompt.ask(label, default=str(default) if default is not None else None, console=console)


def _as_json(payload: dict[str, Any], json_output: bool, quiet: bool) -> bool:
    """Print ``payload`` as JSON when asked; True when nothing else is to be shown."""
    if json_output:
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    return json_output or quiet


def check_done(report: CheckReport, *, json_output: bool, quiet: bool, diff: bool) -> int:
    code = int(report.exit_code)
    if _as_json(report.to_json(), json_output, quiet):
        return code
    from rich.table import Table  # noqa: PLC0415

    console = Console(highlight=False, soft_wrap=True)
    for project in report.projects:
        for file in project.drifted:
            console.print(f"[bold]{_escape(project.path)}[/]: {file.path} {file.state}")
            for reason in file.reasons:
                console.print(f"  {_escape(reason)}")
            if diff and file.diff:
                console.print(Text(file.diff, style="dim"))
        for file in project.updates:
            console.print(
                f"[bold]{_escape(project.path)}[/]: {project.latest} {file.state} {file.path}"
            )
    table = Table(title="check", title_justify="left", show_edge=False)
    for column in ("project", "status", "template", "detail"):
        table.add_column(column, overflow="fold")
    styles = {"in_step": "green", "drifted": "bold red", "error": "bold red"}
    for project in report.projects:
        status = Text(project.status.replace("_", " "), style=styles.get(project.status, ""))
        table.add_row(project.path, status, project.at, Text(project.message))
    console.print(table)
    return code


def update_done(report: UpdateReport, *, json_output: bool, quiet: bool) -> int:
    code = int(report.exit_code)
    if _as_json(report.to_json(), json_output, quiet):
        return code
    console = Console(highlight=False, soft_wrap=True)
    verb = "would update" if report.dry_run else "updated"
    console.print(f"[bold]{_escape(report.path)}[/]: template {report.old} -> {report.new}")
    for file in report.files:
        console.print(f"  {verb} {file.path} ({file.state})")
        if report.dry_run and file.diff:
            console.print(Text(file.diff, style="dim"))
    if not report.files:
        console.print("  nothing to change")
    for conflict in report.conflicts:
        console.print(f"[bold red]conflict[/] {_escape(conflict)}")
    if report.conflicts:
        console.print("resolve the conflicts marked in those files, then commit")
    if report.locked is False:
        console.print("[bold red]uv lock failed[/]: run 'uv lock' in the project")
    if report.not_locked:
        console.print(f"not locked: {_escape(report.not_locked)}; read it, then run 'uv lock'")
    return code
