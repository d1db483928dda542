import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from my_worker.health import (
    HEARTBEAT_VARIABLE,
    is_fresh,
)
from my_worker.sources import (
    Job,
    SpoolSource,
)
from my_worker.worker import (
    SPOOL_VARIABLE,
    Settings,
    Stop,
    run,
    stop_on_signals,
)

PACKAGE = "my_worker"


def spool_with(folder: Path, *names: str) -> SpoolSource:
    source = SpoolSource(folder)
    for name in names:
        (folder / name).write_text(f"body of {name}")
    return source


def settings(tmp_path: Path, stop_deadline: float = 0.2) -> Settings:
    return Settings(tmp_path / "heartbeat", poll_interval=0.01, stop_deadline=stop_deadline)


def stop_soon(stop: Stop, after: float = 0.05) -> None:
    threading.Timer(after, stop.request).start()


def test_the_loop_handles_every_job_in_order(tmp_path: Path) -> None:
    source = spool_with(tmp_path / "spool", "b", "a", "c")
    stop = Stop()
    handled: list[tuple[str, bytes]] = []

    def handler(job: Job) -> None:
        handled.append((job.id, job.body))
        if len(handled) == 3:
            stop.request()

    run(source, handler, settings(tmp_path), stop)

    assert handled == [("a", b"body of a"), ("b", b"body of b"), ("c", b"body of c")]
    assert sorted(p.name for p in (tmp_path / "spool").iterdir()) == [".failed", ".taken"]
    assert list(source.taken.iterdir()) == []


def test_a_failing_job_is_set_aside_and_the_loop_goes_on(tmp_path: Path) -> None:
    source = spool_with(tmp_path / "spool", "bad", "good")
    stop = Stop()
    handled: list[str] = []

    def handler(job: Job) -> None:
        if job.id == "bad":
            raise ValueError("cannot handle this one")
        handled.append(job.id)
        stop.request()

    run(source, handler, settings(tmp_path), stop)

    assert handled == ["good"]
    assert [p.name for p in source.failures.iterdir()] == ["bad"]


def test_hidden_files_and_folders_are_never_taken(tmp_path: Path) -> None:
    source = spool_with(tmp_path / "spool", ".half-written", "job")
    (tmp_path / "spool" / "a-folder").mkdir()

    taken = source.take()

    assert taken == Job(id="job", body=b"body of job")
    assert source.take() is None


def test_a_stop_request_ends_a_long_job_within_the_deadline(tmp_path: Path) -> None:
    source = spool_with(tmp_path / "spool", "slow")
    stop = Stop()
    release = threading.Event()

    def handler(job: Job) -> None:
        release.wait()  # a job that would run until the test ends

    stop_soon(stop)
    started = time.monotonic()
    try:
        run(source, handler, settings(tmp_path, stop_deadline=0.2), stop)
        took = time.monotonic() - started
    finally:
        release.set()

    assert 0.2 <= took < 1.0
    # Given back unfinished: the next run takes it again.
    assert (tmp_path / "spool" / "slow").read_text() == "body of slow"


def test_a_job_that_ends_within_the_deadline_is_finished(tmp_path: Path) -> None:
    source = spool_with(tmp_path / "spool", "short")
    stop = Stop()
    handled: list[str] = []

    def handler(job: Job) -> None:
        time.sleep(0.1)
        handled.append(job.id)

    stop_soon(stop, after=0.02)
    run(source, handler, settings(tmp_path, stop_deadline=1.0), stop)

    assert handled == ["short"]
    assert not (tmp_path / "spool" / "short").exists()


def test_an_idle_loop_stops_promptly_and_beats(tmp_path: Path) -> None:
    stop = Stop()
    stop_soon(stop)
    started = time.monotonic()

    run(SpoolSource(tmp_path / "spool"), lambda job: None, settings(tmp_path), stop)

    assert time.monotonic() - started < 0.5
    assert is_fresh(tmp_path / "heartbeat")


def test_the_heartbeat_goes_stale(tmp_path: Path) -> None:
    heartbeat = tmp_path / "heartbeat"
    assert not is_fresh(heartbeat)
    heartbeat.touch()
    assert is_fresh(heartbeat)
    an_hour_ago = time.time() - 3600
    os.utime(heartbeat, (an_hour_ago, an_hour_ago))
    assert not is_fresh(heartbeat)


def test_sigterm_and_sigint_request_a_stop() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        stop = Stop()
        before = signal.getsignal(sig)
        with stop_on_signals(stop):
            signal.raise_signal(sig)
        assert stop.requested
        assert signal.getsignal(sig) is before


def test_the_process_exits_0_on_sigterm(tmp_path: Path) -> None:
    heartbeat = tmp_path / "heartbeat"
    env = {
        **os.environ,
        SPOOL_VARIABLE: str(tmp_path / "spool"),
        HEARTBEAT_VARIABLE: str(heartbeat),
    }
    command = [sys.executable, "-m", PACKAGE]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)  # noqa: S603 - ours
    try:
        deadline = time.monotonic() + 10
        while not heartbeat.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert heartbeat.exists(), "the worker wrote no heartbeat"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=2) == 0
    finally:
        process.kill()
        _, errors = process.communicate()
    assert b"stopped" in errors
