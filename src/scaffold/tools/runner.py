"""The one place scaffold starts other programs.

Every call has a timeout, captures its output, and turns a missing binary into a
:class:`ToolError` with a hint instead of a traceback. Tests swap :data:`run` out through
:func:`set_runner` when they need to fake a program.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import ToolError, raise_dropped_interrupt
from scaffold.tools.config import docker_config

DEFAULT_TIMEOUT = 600.0
DOCKER_ENV_VAR = "SCAFFOLD_DOCKER"

# Every process still running, so an interrupt can stop all of them, whichever thread waits on it.
_live: set[subprocess.Popen[str]] = set()
_stopped: set[int] = set()
_live_lock = threading.Lock()


@dataclass(frozen=True)
class Completed:
    """A finished process: what ran, how it ended, what it said."""

    argv: tuple[str, ...]
    returncode: int
    output: str  # stdout and stderr interleaved, as a person would have seen them
    duration: float
    timed_out: bool = False
    interrupted: bool = False  # stopped by stop_all(): validation was interrupted

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.interrupted

    @property
    def command(self) -> str:
        """What ran, as a person reads it: a script given inline (``python -c``'s import
        probe) by its size rather than its hundreds of lines."""
        return " ".join(_shown(arg) for arg in self.argv)

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


def _shown(arg: str) -> str:
    if "\n" in arg or len(arg) > 400:
        lines = len(arg.splitlines())
        return f"<a script of {lines} line{'' if lines == 1 else 's'}>"
    return arg


def _run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    input_text: str | None = None,
) -> Completed:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:
        raise_dropped_interrupt()  # a signal Python dropped: stop before starting another program
    started = time.monotonic()
    try:
        # A new session, so a timeout or Ctrl-C can stop the whole process group it started.
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ToolError(f"'{argv[0]}' was not found", hint="install it or put it on PATH") from None
    except PermissionError:
        raise ToolError(f"'{argv[0]}' cannot be executed (permission denied)") from None
    with _live_lock:
        _live.add(proc)
    try:
        out, _ = proc.communicate(input=input_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        return Completed(tuple(argv), -1, out or "", time.monotonic() - started, timed_out=True)
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        with _live_lock:
            _live.discard(proc)
            stopped = proc.pid in _stopped
            _stopped.discard(proc.pid)
    if main_thread:
        raise_dropped_interrupt()  # ... or dropped while this one ran
    duration = time.monotonic() - started
    return Completed(tuple(argv), proc.returncode, out or "", duration, interrupted=stopped)


def stop_all() -> None:
    """Kill every running process group (an interrupt: their steps end as interrupted)."""
    with _live_lock:
        procs = list(_live)
        _stopped.update(proc.pid for proc in procs)
    for proc in procs:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


Runner = Callable[..., Completed]
run: Runner = _run


def set_runner(runner: Runner | None) -> None:
    """Replace the process runner (tests); ``None`` restores the real one."""
    global run  # noqa: PLW0603 - the single swap point is the point of this module
    run = runner or _run


def uv_binary() -> str:
    """The uv binary shipped by the ``uv`` package from PyPI, so nothing is assumed on PATH."""
    try:
        from uv import find_uv_bin  # noqa: PLC0415 - only paid for when uv is needed
    except ImportError:  # pragma: no cover - uv is a dependency, but be clear if it is absent
        found = shutil.which("uv")
        if found:
            return found
        raise ToolError("uv is not installed", hint="pip install uv") from None
    try:
        return find_uv_bin()
    except FileNotFoundError:
        raise ToolError("the uv package is installed but its binary is missing") from None


def docker_binary(explicit: str | None = None) -> str | None:
    """The docker client: the option, $SCAFFOLD_DOCKER, the config file, or ``docker``."""
    chosen = explicit or os.environ.get(DOCKER_ENV_VAR) or docker_config().binary or "docker"
    if os.sep in chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which(chosen)


def git_binary() -> str | None:
    return shutil.which("git")


# Settings that make git start a program of the repository's choosing on the commands scaffold
# runs (status refreshes through an fsmonitor and may write the index, which fires hooks),
# overridden on every call: a configuration planted in a project can then never run. An
# embedded bare repository is not taken for the project's. Remote settings (sshCommand,
# credential helpers) are left alone: they are the user's own, for reaching the template.
GIT_SAFETY = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("safe.bareRepository", "explicit"),
)


def git(*args: str, cwd: Path | None = None, timeout: float = 60) -> Completed | None:
    """A git command (``git init``, ``status``, ``ls-remote``); None when git is not installed."""
    binary = git_binary()
    if binary is None:
        return None
    safety = [arg for key, value in GIT_SAFETY for arg in ("-c", f"{key}={value}")]
    return run([binary, *safety, *args], cwd=cwd, timeout=timeout)
