"""Results of post steps and validation steps, as plain data the CLI can print or dump as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from scaffold.runner import Completed


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


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

    @classmethod
    def from_completed(cls, name: str, done: Completed, detail: str = "") -> StepResult:
        if done.ok:
            return cls(name, Status.OK, done.duration, detail, done.command, 0)
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
            "steps": [step.to_json() for step in self.steps],
            "validation": self.validation.to_json() if self.validation else None,
        }


@dataclass
class ValidationReport:
    """What ``scaffold validate`` found, step by step."""

    path: str
    steps: list[StepResult] = field(default_factory=list)
    strict: bool = False

    @property
    def duration(self) -> float:
        return sum(step.duration for step in self.steps)

    @property
    def failed(self) -> list[StepResult]:
        return [step for step in self.steps if step.status is Status.FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "strict": self.strict,
            "duration": round(self.duration, 3),
            "steps": [step.to_json() for step in self.steps],
        }
