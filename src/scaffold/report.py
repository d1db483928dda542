"""Results of post steps and validation steps, as plain data the CLI can print or dump as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from scaffold.errors import ExitCode

if TYPE_CHECKING:
    from scaffold.tools.runner import Completed


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class SkipReason(StrEnum):
    """Why a step did not run; only some of these leave a validation unproven."""

    REQUESTED = "requested"  # the user left it out (--skip, --only), or what it needs
    NOT_APPLICABLE = "not_applicable"  # the project has nothing for it (no Dockerfile)
    UNAVAILABLE = "unavailable"  # it should run but could not (no daemon, no tests)
    BLOCKED = "blocked"  # a step it needs failed
    NOT_TRUSTED = "not_trusted"  # it would run a team template's code, and --trust was not given


class Phase(StrEnum):
    """When an event is sent: a live display wants each step's end at once, a log in order."""

    STARTED = "started"  # the step began (its result is a placeholder)
    FINISHED = "finished"  # its result, the moment it is known, in whatever order steps end
    REPORTED = "reported"  # its result again, in the declared order (skipped steps only here)


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_PROVEN = "not_proven"  # nothing failed, but an essential step could not run


@dataclass
class StepResult:
    """One step: what it did, how it ended, and for a failure enough to fix it."""

    name: str
    status: Status
    duration: float = 0.0
    detail: str = ""  # one line: the reason for a skip, the cause of a failure, a summary
    command: str | None = None
    exit_code: int | None = None
    output_tail: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    target: str = ""  # the workspace member it ran on, relative to the validated folder
    essential: bool = False  # without it the project is not proven
    skip_reason: SkipReason | None = None
    notes: list[str] = field(default_factory=list)  # findings that do not fail the step

    @property
    def label(self) -> str:
        return f"{self.name} ({self.target})" if self.target else self.name

    @property
    def unproven(self) -> bool:
        """An essential step that did not run for a reason other than the user's choice."""
        return (
            self.essential
            and self.status is Status.SKIPPED
            and self.skip_reason not in (SkipReason.REQUESTED, SkipReason.BLOCKED)
        )

    @classmethod
    def from_completed(cls, name: str, done: Completed, detail: str = "") -> StepResult:
        if done.ok:
            return cls(name, Status.OK, done.duration, detail, done.command, 0)
        if done.interrupted:
            detail = "stopped: validation was interrupted"
        if done.timed_out:
            detail = detail or f"timed out after {done.duration:.0f} s"
        return cls(
            name,
            Status.FAILED,
            done.duration,
            detail or f"exited with {done.returncode}",
            done.command,
            done.returncode,
            done.tail(),
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        data["duration"] = round(self.duration, 3)
        data["skip_reason"] = str(self.skip_reason) if self.skip_reason else None
        return data


@dataclass
class NewReport:
    """What ``scaffold new`` did."""

    path: str
    name: str
    package: str
    template: str
    files: list[str]
    notices: list[str] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    validation: ValidationReport | None = None
    next_steps: list[str] = field(default_factory=list)  # the template's, with the answers
    python: bool = True  # a Python project (pyproject.toml with [project]): locked, validated
    needs_trust: str | None = None  # why validation waits for --trust (a team's template)

    @property
    def post_steps_ok(self) -> bool:
        return all(step.status is not Status.FAILED for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "package": self.package,
            "template": self.template,
            "files": self.files,
            "notices": self.notices,
            "next_steps": self.next_steps,
            "python": self.python,
            "needs_trust": self.needs_trust,
            "steps": [step.to_json() for step in self.steps],
            "validation": self.validation.to_json() if self.validation else None,
        }


@dataclass
class ValidationReport:
    """What ``scaffold validate`` found, step by step."""

    path: str
    steps: list[StepResult] = field(default_factory=list)
    strict: bool = False
    wall_time: float = 0.0  # steps run at the same time: less than the sum of their durations

    @property
    def duration(self) -> float:
        return sum(step.duration for step in self.steps)

    @property
    def failed(self) -> list[StepResult]:
        return [step for step in self.steps if step.status is Status.FAILED]

    @property
    def unproven(self) -> list[StepResult]:
        return [step for step in self.steps if step.unproven]

    @property
    def verdict(self) -> Verdict:
        if self.failed:
            return Verdict.FAILED
        return Verdict.NOT_PROVEN if self.unproven else Verdict.PASSED

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.PASSED

    @property
    def exit_code(self) -> ExitCode:
        return {
            Verdict.PASSED: ExitCode.OK,
            Verdict.FAILED: ExitCode.STEP_FAILED,
            Verdict.NOT_PROVEN: ExitCode.NOT_PROVEN,
        }[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "verdict": str(self.verdict),
            "ok": self.ok,
            "exit_code": int(self.exit_code),
            "strict": self.strict,
            "duration": round(self.duration, 3),
            "wall_time": round(self.wall_time, 3),
            "steps": [step.to_json() for step in self.steps],
        }


def markdown_table(report: ValidationReport) -> str:
    """The verdict and the step table in GitHub-flavoured Markdown (a CI job summary). Every
    cell is data: escaped so that no text from a project or a tool becomes markup or HTML."""
    marks = {Status.OK: "ok", Status.FAILED: "**failed**", Status.SKIPPED: "skipped"}
    rows = [
        f"| {_cell(step.label)} | {marks[step.status]} | {step.duration:.1f} s | "
        f"{_cell(step.detail)} |"
        for step in report.steps
    ]
    return "\n".join(
        [
            f"### scaffold validate: {report.verdict} (exit {int(report.exit_code)})",
            "",
            "| step | status | time | detail |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


def _cell(text: str) -> str:
    from html import escape  # noqa: PLC0415

    flat = " ".join(text.split())
    escaped = escape(flat, quote=False)
    for char in "\\`*_{}[]()#+-!|~":
        escaped = escaped.replace(char, "\\" + char)
    return escaped
