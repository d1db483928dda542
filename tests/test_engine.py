"""The validation engine with fake steps: order, skips, the verdict, concurrency, interrupts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from scaffold.report import Phase, SkipReason, Status, StepResult, ValidationReport, Verdict
from scaffold.validate.engine import Context, Outcome, Step, run_steps, with_skip


@dataclass(frozen=True)
class Built:
    tag: str


@dataclass(frozen=True)
class Checked:
    pass


def ok(value: object | None = None, detail: str = "") -> Callable[[Context], Outcome]:
    return lambda _: Outcome(StepResult("x", Status.OK, detail=detail), value)


def fail(_: Context) -> Outcome:
    return Outcome(StepResult("x", Status.FAILED, detail="broken"))


def unavailable(_: Context) -> Outcome:
    return Outcome(
        StepResult("x", Status.SKIPPED, detail="no daemon", skip_reason=SkipReason.UNAVAILABLE)
    )


def statuses(results: list[StepResult]) -> dict[str, tuple[str, str | None]]:
    return {
        r.label: (str(r.status), str(r.skip_reason) if r.skip_reason else None) for r in results
    }


def test_values_are_handed_on_by_type() -> None:
    seen: list[str] = []

    def use(context: Context) -> Outcome:
        seen.append(context.get(Built).tag)
        return Outcome(StepResult("run", Status.OK))

    results = run_steps(
        [
            Step("build", ok(Built("img:1")), gives=Built, essential=True),
            Step("run", use, needs=(Built,), essential=True),
        ]
    )
    assert seen == ["img:1"]
    assert [r.status for r in results] == [Status.OK, Status.OK]
    assert all(r.essential for r in results)


def test_a_failure_blocks_exactly_what_needs_it() -> None:
    results = run_steps(
        [
            Step("build", fail, gives=Built),
            Step("run", ok(), needs=(Built,)),
            Step("tests", ok()),
        ]
    )
    assert statuses(results) == {
        "build": ("failed", None),
        "run": ("skipped", "blocked"),
        "tests": ("ok", None),
    }
    assert results[1].detail == "needs 'build', which failed"
    assert results[0].exit_code == 1  # a failed check always carries an exit code


def test_an_essential_step_that_could_not_run_is_not_proven() -> None:
    steps = [
        Step("tests", ok(), essential=True),
        Step("build", unavailable, gives=Built, essential=True),
        Step("run", ok(), needs=(Built,), essential=True),
    ]
    results = run_steps(steps)
    report = ValidationReport("p", results)
    assert statuses(results)["run"] == ("skipped", "unavailable")
    assert report.verdict is Verdict.NOT_PROVEN
    assert [s.label for s in report.unproven] == ["build", "run"]
    assert int(report.exit_code) == 5
    # --strict turns the same skips into failures
    strict = ValidationReport("p", run_steps(steps, strict=True), strict=True)
    assert strict.verdict is Verdict.FAILED


def test_skips_by_request_leave_the_verdict_passed() -> None:
    build = with_skip(Step("build", fail, gives=Built, essential=True), SkipReason.REQUESTED, "")
    results = run_steps([build, Step("run", ok(), needs=(Built,), essential=True)])
    assert statuses(results)["run"] == ("skipped", "requested")
    assert ValidationReport("p", results).verdict is Verdict.PASSED


def test_soft_needs_wait_and_gate_only_on_failure() -> None:
    check = Step("sysdeps", ok(Checked()), gives=Checked)
    build = Step("build", ok(Built("t")), gives=Built, after=(Checked,))
    skipped = run_steps([with_skip(check, SkipReason.REQUESTED, "not requested"), build])
    assert statuses(skipped)["build"] == ("ok", None)
    failed = run_steps([Step("sysdeps", fail, gives=Checked), build])
    assert statuses(failed)["build"] == ("skipped", "blocked")


def test_member_steps_use_their_own_producer_else_the_roots() -> None:
    got: list[str] = []

    def run(context: Context) -> Outcome:
        got.append(context.get(Built).tag)
        return Outcome(StepResult("run", Status.OK))

    run_steps(
        [
            Step("build", ok(Built("root")), gives=Built),
            Step("build", ok(Built("member")), gives=Built, target="api"),
            Step("run", run, needs=(Built,), target="api"),
            Step("run", run, needs=(Built,), target="worker"),
        ]
    )
    assert sorted(got) == ["member", "root"]


def test_independent_steps_run_at_the_same_time_and_report_in_order() -> None:
    both = threading.Barrier(2, timeout=5)

    def meet(_: Context) -> Outcome:
        both.wait()  # fails with BrokenBarrierError unless the other step runs meanwhile
        return Outcome(StepResult("x", Status.OK))

    events: list[tuple[str, Phase]] = []
    results = run_steps(
        [Step("slow", meet), Step("fast", meet)],
        jobs=2,
        events=lambda result, phase: events.append((result.label, phase)),
    )
    assert [r.status for r in results] == [Status.OK, Status.OK]
    reported = [label for label, phase in events if phase is Phase.REPORTED]
    assert reported == ["slow", "fast"]


def test_a_step_that_ends_first_is_said_to_have_ended_at_once() -> None:
    """A live display hears of a step's end the moment it ends, not after its predecessors'."""
    fast_done = threading.Event()

    def slow(_: Context) -> Outcome:
        assert fast_done.wait(timeout=5)
        return Outcome(StepResult("x", Status.OK))

    events: list[tuple[str, Phase]] = []

    def seen(result: StepResult, phase: Phase) -> None:
        events.append((result.label, phase))
        if (result.label, phase) == ("fast", Phase.FINISHED):
            fast_done.set()

    run_steps([Step("slow", slow), Step("fast", lambda _: Outcome(StepResult("x", Status.OK)))],
              jobs=2, events=seen)  # fmt: skip
    finished = [label for label, phase in events if phase is Phase.FINISHED]
    assert finished == ["fast", "slow"]
    assert [label for label, phase in events if phase is Phase.REPORTED] == ["slow", "fast"]


def test_jobs_1_runs_one_step_at_a_time() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(_: Context) -> Outcome:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return Outcome(StepResult("x", Status.OK))

    run_steps([Step(f"s{i}", work) for i in range(4)], jobs=1)
    assert peak == 1


def test_interrupt_runs_every_cleanup_and_reraises() -> None:
    cleaned: list[str] = []
    started = threading.Event()

    def long_step(context: Context) -> Outcome:
        context.on_cleanup(lambda: cleaned.append("container"))
        started.set()
        context.sleep(30)  # wakes up when cancelled
        return Outcome(StepResult("x", Status.FAILED, detail="interrupted"))

    def interrupting_events(result: StepResult, phase: Phase) -> None:
        if phase is Phase.STARTED and result.name == "run":
            started.wait(5)
            raise KeyboardInterrupt

    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_steps([Step("run", long_step)], jobs=2, events=interrupting_events)
    assert cleaned == ["container"]
    assert time.monotonic() - begun < 10


def test_a_bug_in_a_step_is_raised_after_cleanup() -> None:
    cleaned: list[str] = []

    def buggy(context: Context) -> Outcome:
        context.on_cleanup(lambda: cleaned.append("image"))
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        run_steps([Step("build", buggy)])
    assert cleaned == ["image"]


def test_a_need_no_step_gives_is_a_declaration_error() -> None:
    with pytest.raises(ValueError, match="needs Built"):
        run_steps([Step("run", ok(), needs=(Built,))])
