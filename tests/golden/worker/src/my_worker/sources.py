"""Where jobs come from: a small interface, and a spool folder that needs no other service.

Replace :class:`SpoolSource` with your queue (SQS, Redis, a database table...): anything with
the four methods of :class:`Source` works with the loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Job:
    id: str
    body: bytes


class Source(Protocol):
    def take(self) -> Job | None:
        """The next job, or None when there is none now. Return within a second or so: the
        loop notices a stop request between calls."""

    def done(self, job: Job) -> None:
        """The job was handled: remove it for good."""

    def failed(self, job: Job) -> None:
        """The handler raised: set the job aside, so it is not taken again and again."""

    def release(self, job: Job) -> None:
        """The job was left unfinished at a stop: give it back, to be taken again."""


class SpoolSource:
    """Jobs are the files in a folder, taken in name order.

    Write a job under a name starting with a dot and rename it when complete: hidden files are
    never taken, so a job is never read half-written. Taking a job moves it into ``.taken``
    (a rename: of two workers sharing the folder, one gets it); a failed job goes to ``.failed``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken = folder / ".taken"
        self.failures = folder / ".failed"
        for path in (self.taken, self.failures):
            path.mkdir(parents=True, exist_ok=True)

    def take(self) -> Job | None:
        waiting = sorted(
            p.name for p in self.folder.iterdir() if p.is_file() and not p.name.startswith(".")
        )
        for name in waiting:
            try:
                (self.folder / name).rename(self.taken / name)
            except FileNotFoundError:  # another worker took it first
                continue
            return Job(id=name, body=(self.taken / name).read_bytes())
        return None

    def done(self, job: Job) -> None:
        (self.taken / job.id).unlink()

    def failed(self, job: Job) -> None:
        (self.taken / job.id).rename(self.failures / job.id)

    def release(self, job: Job) -> None:
        (self.taken / job.id).rename(self.folder / job.id)
