"""The validation engine: orders, runs, skips and judges steps from their declarations alone.

A step declares the typed values it needs and the one it hands on (``build`` gives an
:class:`Image`, ``run`` needs one). The engine finds each need's producer (the step of the same
workspace member that gives it, else the root's), runs every step whose producers succeeded, up
to ``jobs`` at a time, and skips, with the reason, every step whose producer did not. It knows
nothing about uv or Docker, so it is tested with fake steps.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from scaffold.errors import Interrupted, raise_dropped_interrupt, take_dropped_interrupt
from scaffold.report import Phase, SkipReason, Status, StepResult
from scaffold.tools import runner

T = TypeVar("T")

Events = Callable[[StepResult, Phase], None]


@dataclass(frozen=True)
class Outcome:
    """What a step ends with: its result, and the value it hands on when it succeeded."""

    result: StepResult
    value: object | None = None


@dataclass(frozen=True)
class Step:
    """One unit of validation, as the engine sees it."""

    kind: str
    run: Callable[[Context], Outcome]
    needs: tuple[type[Any], ...] = ()  # runs only when these were given
    gives: type[Any] | None = None
    after: tuple[type[Any], ...] = ()  # waits for these; runs unless their step failed
    target: str = ""  # workspace member, relative to the validated folder; "" for the folder
    essential: bool = False
    # Decided before anything runs: (reason, detail) when the step will not run at all.
    skip: tuple[SkipReason, str] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.target)

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.target})" if self.target else self.kind


class Context:
    """What a running step gets: the values it needs, cancellation, and cleanup registration."""

    def __init__(self, values: dict[type[Any], object], run: _Run) -> None:
        self._values = values
        self._run = run

    def get(self, kind: type[T]) -> T:
        value = self._values.get(kind)
        if not isinstance(value, kind):
            raise TypeError(f"no {kind.__name__} was handed to this step")
        return value

    def find(self, kind: type[T]) -> T | None:
        """A value from a step this one only waits for: there when that step succeeded."""
        value = self._values.get(kind)
        return value if isinstance(value, kind) else None

    @property
    def cancelled(self) -> bool:
        return self._run.cancelled.is_set()

    def on_cleanup(self, action: Callable[[], None]) -> None:
        """Run ``action`` when validation ends, however it ends (last registered, first run)."""
        with self._run.lock:
            self._run.cleanups.append(action)

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when validation is interrupted."""
        self._run.cancelled.wait(seconds)


@dataclass
class _Run:
    cancelled: threading.Event = field(default_factory=threading.Event)
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def producers(steps: Sequence[Step], soft: bool = False) -> dict[tuple[str, str], list[Step]]:
    """For each step, the steps that give what it needs (same member first, else the root's);
    with ``soft``, those it only waits for."""
    found: dict[tuple[str, str], list[Step]] = {}
    for step in steps:
        chosen: list[Step] = []
        for need in step.after if soft else step.needs:
            givers = [s for s in steps if s.gives is need and s is not step]
            giver = next((s for s in givers if s.target == step.target), None) or next(
                (s for s in givers if s.target == ""), None
            )
            if giver is None:
                raise ValueError(f"step '{step.label}' needs {need.__name__}, which no step gives")
            chosen.append(giver)
        found[step.key] = chosen
    return found


def run_steps(
    steps: Sequence[Step], *, jobs: int = 1, strict: bool = False, events: Events | None = None
) -> list[StepResult]:
    """Run ``steps`` (see the module docstring); results come back in the declared order.

    ``events`` is called from this thread only: when a step starts, when it finishes (at once),
    and with every result again in the declared order (see :class:`Phase`).
    """
    return _Engine(steps, jobs, strict, events).run()


class _Engine:
    def __init__(
        self, steps: Sequence[Step], jobs: int, strict: bool, events: Events | None
    ) -> None:
        self.steps = list(steps)
        self.needs = producers(steps)
        self.waits = producers(steps, soft=True)
        self.jobs = max(1, jobs)
        self.strict = strict
        self.events = events
        self.state = _Run()
        self.results: dict[tuple[str, str], StepResult] = {}
        self.values: dict[tuple[str, str], object] = {}
        self.running: dict[Future[Outcome], tuple[Step, float]] = {}
        self.emitted = 0
        self.failure: Exception | None = None

    def run(self) -> list[StepResult]:
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="validate")
        try:
            self._loop(pool)
        except BaseException:
            # Ctrl-C, SIGTERM or a bug: stop what runs, let the steps return, then clean up.
            self.state.cancelled.set()
            while self.running:
                runner.stop_all()
                done, _ = wait(list(self.running), timeout=0.5)
                for future in done:
                    self.running.pop(future)
            raise
        finally:
            pool.shutdown(wait=True)
            _cleanup(self.state)
        if self.failure is not None:
            raise self.failure
        return [self.results[step.key] for step in self.steps]

    def _loop(self, pool: ThreadPoolExecutor) -> None:
        while len(self.results) < len(self.steps):
            while self._schedule(pool):
                self._emit()
            self._emit()
            if self.failure is not None or not self.running:
                break  # a bug in a step, or (never, by construction) steps waiting on each other
            done, _ = wait(list(self.running), timeout=0.2, return_when=FIRST_COMPLETED)
            if threading.current_thread() is threading.main_thread():
                raise_dropped_interrupt()  # a signal Python dropped stops the steps now
            self._collect(done)
        self._emit()

    def _record(self, step: Step, result: StepResult) -> None:
        result.name, result.target, result.essential = step.kind, step.target, step.essential
        # --strict: a step that applies to the project but could not run fails, essential or not.
        if (
            self.strict
            and result.status is Status.SKIPPED
            and result.skip_reason is SkipReason.UNAVAILABLE
        ):
            result.status = Status.FAILED
            result.detail = f"skipped, which --strict does not allow: {result.detail}"
            result.exit_code = result.exit_code or 1
        self.results[step.key] = result

    def _started(self, step: Step) -> bool:
        return step.key in self.results or any(s is step for s, _ in self.running.values())

    def _schedule(self, pool: ThreadPoolExecutor) -> bool:
        changed = False
        for step in self.steps:
            if self._started(step):
                continue
            if step.skip is not None:
                reason, detail = step.skip
                skipped = StepResult(step.kind, Status.SKIPPED, detail=detail, skip_reason=reason)
                self._record(step, skipped)
                changed = True
                continue
            before, waits = self.needs[step.key], self.waits[step.key]
            if any(p.key not in self.results for p in (*before, *waits)):
                continue
            blocker = next(
                (p for p in before if self.results[p.key].status is not Status.OK), None
            ) or next((p for p in waits if self.results[p.key].status is Status.FAILED), None)
            if blocker is not None:
                self._record(step, _blocked(blocker, self.results[blocker.key]))
                changed = True
            elif len(self.running) < self.jobs and not self.state.cancelled.is_set():
                given = {
                    p.gives: self.values[p.key]
                    for p in (*before, *waits)
                    if p.gives is not None and p.key in self.values
                }
                future = pool.submit(step.run, Context(given, self.state))
                self.running[future] = (step, time.monotonic())
                if self.events:
                    placeholder = StepResult(step.kind, Status.SKIPPED, target=step.target)
                    self.events(placeholder, Phase.STARTED)
                changed = True
        return changed

    def _collect(self, done: set[Future[Outcome]]) -> None:
        for future in done:
            step, started = self.running.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # a bug in a step: end the others, then re-raise it
                self.failure = self.failure or exc
                outcome = Outcome(StepResult(step.kind, Status.FAILED, detail=str(exc)))
            result = outcome.result
            result.duration = result.duration or (time.monotonic() - started)
            if result.status is Status.FAILED and result.exit_code in (None, 0):
                result.exit_code = 1  # a check scaffold made itself, not a process
            if result.status is Status.OK:
                self.values[step.key] = outcome.value
            self._record(step, result)
            if self.events:
                self.events(result, Phase.FINISHED)

    def _emit(self) -> None:
        while self.emitted < len(self.steps) and self.steps[self.emitted].key in self.results:
            if self.events:
                self.events(self.results[self.steps[self.emitted].key], Phase.REPORTED)
            self.emitted += 1


def _blocked(blocker: Step, result: StepResult) -> StepResult:
    if result.status is Status.FAILED:
        reason, did = SkipReason.BLOCKED, "failed"
    elif result.skip_reason is SkipReason.REQUESTED:
        reason, did = SkipReason.REQUESTED, "was skipped by request"
    else:
        reason = result.skip_reason or SkipReason.UNAVAILABLE
        did = f"did not run ({result.detail})" if result.detail else "did not run"
    detail = f"needs '{blocker.kind}', which {did}"
    return StepResult(blocker.kind, Status.SKIPPED, detail=detail, skip_reason=reason)


def _cleanup(state: _Run) -> None:
    """Every registered cleanup, newest first, with interrupts held until they are all done."""
    with _signals_deferred():
        for action in reversed(state.cleanups):
            with contextlib.suppress(Exception):
                action()
        state.cleanups.clear()


_DEFERRED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C or SIGTERM during cleanup is delivered after it, so nothing is left behind.

    (Blocking the signal would not do: another thread, such as a live display's, would take it.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def defer(signum: int, _frame: object) -> None:
        pending.append(signum)

    previous = {signum: signal.signal(signum, defer) for signum in _DEFERRED}
    dropped = take_dropped_interrupt()  # held too: the runner would raise it mid-cleanup
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            signal.raise_signal(pending[0])
        elif dropped is not None:
            raise Interrupted(dropped)


def with_skip(step: Step, reason: SkipReason, detail: str) -> Step:
    return replace(step, skip=(reason, detail))
