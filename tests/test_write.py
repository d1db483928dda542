"""Atomic writing: a target is either absent or complete, and never overwritten."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from scaffold.create.render import PlannedFile, RenderPlan
from scaffold.create.write import TEMP_SUFFIX, replace_file, write_plan
from scaffold.errors import UsageError
from tests.conftest import GOLDEN, signal_sweep, tree_bytes

_T = TypeVar("_T")
PLAN = RenderPlan(
    tuple(PlannedFile(f"pkg/file{i}.txt", f"content {i}\n".encode()) for i in range(5))
)


def test_a_failure_mid_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = Path.write_bytes
    calls = []

    def flaky(self: Path, data: bytes) -> int:
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(UsageError, match="No space left on device"):
        write_plan(PLAN, tmp_path / "proj")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_mid_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = Path.write_bytes

    def interrupted(self: Path, data: bytes) -> int:
        if self.name == "file2.txt":
            raise KeyboardInterrupt
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_plan(PLAN, tmp_path / "proj")
    assert list(tmp_path.iterdir()) == []


def test_complete_write(tmp_path: Path) -> None:
    write_plan(PLAN, tmp_path / "proj")
    assert tree_bytes(tmp_path / "proj") == {f.path: f.content for f in PLAN.files}
    assert [p.name for p in tmp_path.iterdir()] == ["proj"]
    assert oct((tmp_path / "proj").stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_killed_at_any_moment_leaves_no_target_or_a_complete_one(tmp_path: Path) -> None:
    """SIGKILL a real `scaffold new` at a spread of moments; never a half-written project."""
    expected = tree_bytes(GOLDEN / "service")

    outcomes = set()
    for run in signal_sweep(tmp_path, signal.SIGKILL, attempts=12, span=1.3):
        target = run.parent / "my-api"
        if target.exists():
            assert tree_bytes(target) == expected
            outcomes.add("complete")
        else:
            outcomes.add("absent")
        leftovers = [p.name for p in run.parent.iterdir() if p.name != "my-api"]
        assert all(name.endswith(TEMP_SUFFIX) for name in leftovers), leftovers
    # The spread of kill times must have caught both outcomes, or the test proved nothing.
    assert outcomes == {"absent", "complete"}


class _StoppedError(Exception):
    """What scaffold's SIGTERM handler raises (errors.Interrupted), without the CLI."""


def _then_sigterm(real: Callable[..., _T]) -> Callable[..., _T]:
    """``real``, then a SIGTERM to this process: its handler runs at the first chance."""

    def wrapped(*args: Any, **kwargs: Any) -> _T:
        made = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return made

    return wrapped


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise _StoppedError

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(_StoppedError):
            yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("into_existing", [False, True])
def test_a_signal_just_after_the_staging_folder_is_made_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, into_existing: bool
) -> None:
    """The narrowest window: the folder exists, its name not yet known to the cleanup."""
    target = tmp_path / "my-api"
    if into_existing:
        target.mkdir()
    monkeypatch.setattr(tempfile, "mkdtemp", _then_sigterm(tempfile.mkdtemp))
    with _sigterm_raises():
        write_plan(PLAN, target)
    assert sorted(tmp_path.iterdir()) == ([target] if into_existing else [])
    assert not into_existing or list(target.iterdir()) == []


def test_a_signal_just_after_a_replacement_file_is_made_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("ours\n")
    monkeypatch.setattr(tempfile, "mkstemp", _then_sigterm(tempfile.mkstemp))
    with _sigterm_raises():
        replace_file(path, b"theirs\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]
    assert path.read_text() == "ours\n"
