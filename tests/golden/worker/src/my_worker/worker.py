"""The consumer loop: take a job, handle it, repeat, until SIGTERM or SIGINT.

A stop request lets the job in hand finish for up to ``stop_deadline`` seconds. A job still
running then is given back to its source (a later run takes it again) and the loop ends; either
way the process exits 0, well within the 10 seconds ``docker stop`` waits before SIGKILL.
"""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from my_worker.health import (
    beat,
    heartbeat_file,
)
from my_worker.sources import (
    Job,
    Source,
    SpoolSource,
)

log = logging.getLogger(__name__)

# The spool folder: this variable, or a folder in the temporary one (/tmp in the container).
SPOOL_VARIABLE = "MY_WORKER_SPOOL"
SPOOL_NAME = "my-worker-spool"

Handler = Callable[[Job], None]


def handle(job: Job) -> None:
    """The work itself: replace it with yours. A job given back at a stop is taken again later,
    so handling one twice must be safe."""
    log.info("handled job %s (%d bytes)", job.id, len(job.body))


@dataclass(frozen=True)
class Settings:
    heartbeat: Path
    poll_interval: float = 1.0  # seconds between looks at an empty source
    stop_deadline: float = 5.0  # seconds a job may run on after a stop request


class Stop:
    """A stop request. Set from a signal handler, so it takes no lock: a threading.Event's
    set() could wait forever on the lock of the wait() the signal interrupted."""

    def __init__(self) -> None:
        self.requested = False

    def request(self, *_: object) -> None:
        self.requested = True

    def sleep(self, seconds: float) -> None:
        """Sleep for ``seconds``, or until a tenth of a second after a stop request."""
        end = time.monotonic() + seconds
        while not self.requested and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))


@contextmanager
def stop_on_signals(stop: Stop) -> Iterator[None]:
    """SIGTERM (docker stop) and SIGINT (Ctrl-C) request a stop; the old handlers return after."""
    previous = {sig: signal.signal(sig, stop.request) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(source: Source, handler: Handler, settings: Settings, stop: Stop) -> None:
    """Handle jobs until a stop is requested; see the module docstring."""
    while not stop.requested:
        beat(settings.heartbeat)
        job = source.take()
        if job is None:
            stop.sleep(settings.poll_interval)
            continue
        future = _start(handler, job)
        if not _finished(future, stop, settings.stop_deadline):
            source.release(job)
            log.warning("job %s did not finish in time: given back", job.id)
            break
        error = future.exception()
        if error is None:
            source.done(job)
        else:
            log.error("job %s failed", job.id, exc_info=error)
            source.failed(job)
    log.info("stopped")


def _start(handler: Handler, job: Job) -> Future[None]:
    """Handle the job in a thread of its own, so the loop can leave it behind at a stop (a
    daemon thread does not keep the process alive)."""
    future: Future[None] = Future()

    def target() -> None:
        try:
            handler(job)
        except BaseException as exc:  # handed to the loop, which logs it
            future.set_exception(exc)
        else:
            future.set_result(None)

    threading.Thread(target=target, name=f"job {job.id}", daemon=True).start()
    return future


def _finished(future: Future[None], stop: Stop, deadline: float) -> bool:
    """Wait for the job; once a stop is requested, for at most ``deadline`` seconds more."""
    while not stop.requested:
        if wait([future], timeout=0.1).done:
            return True
    return bool(wait([future], timeout=deadline).done)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    spool = Path(os.environ.get(SPOOL_VARIABLE, Path(tempfile.gettempdir()) / SPOOL_NAME))
    stop = Stop()
    with stop_on_signals(stop):
        log.info("taking jobs from %s", spool)
        run(SpoolSource(spool), handle, Settings(heartbeat=heartbeat_file()), stop)
    return 0
