"""The one exception type scaffold raises for problems a user can fix, and the exit codes."""

from __future__ import annotations

import signal
import sys
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, fixed per class of outcome so scripts can branch on them."""

    OK = 0
    STEP_FAILED = 1  # a validation step ran and failed
    USAGE = 2  # bad name, bad option, target not empty: nothing was written
    POST_STEP_FAILED = (
        3  # the project was written, but `uv lock`, `git init` or a later step failed
    )
    NOTHING_TO_RUN = 4  # validate found no project to check
    NOT_PROVEN = 5  # validate: nothing failed, but an essential step could not run
    CONFLICTS = 6  # update: both the template and the project changed the same lines
    INTERNAL = 70  # a bug in scaffold (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C; other signals give 128 + their number (SIGTERM 143, SIGHUP 129)


def one_line(text: str) -> str:
    """``text`` with every character that would break a line or a terminal escaped (``\\x1e``):
    messages quote what the user typed, and must stay one line."""
    return printable(text)


def printable(text: str, keep: str = "") -> str:
    """``text`` as a terminal may show it: every character that is not printable (control
    characters, so the ESC of every escape sequence, DEL, C1, line separators, bidirectional
    overrides) escaped as ``\\x1b``, but those in ``keep``."""
    return "".join(
        ch if ch.isprintable() or ch == " " or ch in keep else _escaped(ch) for ch in text
    )


def quoted(text: str, limit: int = 60) -> str:
    """What the user typed, in quotes, shortened when long: for messages."""
    if len(text) > limit:
        text = f"{text[: limit - 20]}...{text[-10:]}"
    return f"'{text}'"


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class ScaffoldError(Exception):
    """A problem the user can act on: a one-line message, an optional hint, an exit code.

    It never prints: the CLI decides how to show it.
    """

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(
        self, message: str, *, hint: str | None = None, exit_code: ExitCode | None = None
    ) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        self.hint = one_line(hint) if hint is not None else None
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ScaffoldError):
    """Invalid input: a name, an option value, a target folder."""


class ToolError(ScaffoldError):
    """An external program is missing, failed to start, or timed out."""

    exit_code = ExitCode.POST_STEP_FAILED


class NotAProjectError(ScaffoldError):
    """The folder given to validate holds no project."""

    exit_code = ExitCode.NOTHING_TO_RUN


_SIGINT = int(signal.SIGINT)


class Interrupted(KeyboardInterrupt):
    """A signal that ends scaffold (SIGTERM, SIGHUP; SIGINT is a plain KeyboardInterrupt).

    A KeyboardInterrupt, so every cleanup that runs for Ctrl-C also runs for the others.
    """

    def __init__(self, signum: int = _SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum


def interrupt_exit_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal's number, as a shell reports a process ended by it (130 for Ctrl-C)."""
    return 128 + (exc.signum if isinstance(exc, Interrupted) else _SIGINT)


# An interrupt Python dropped: a signal's handler raised while Python ran a weakref callback or
# a __del__ (as its import machinery does), where an exception is only reported as "ignored".
# The CLI records it here; the main thread's long waits raise it again (raise_dropped_interrupt).
_dropped: list[int] = []


def interrupt_dropped(exc: KeyboardInterrupt) -> None:
    """Keep an interrupt Python could not deliver, to raise it again where it can propagate."""
    if not _dropped:  # one signal ends scaffold; the first is the one to report
        _dropped.append(exc.signum if isinstance(exc, Interrupted) else _SIGINT)


def take_dropped_interrupt() -> int | None:
    """The signal of an interrupt Python dropped, once; None when there is none."""
    return _dropped.pop() if _dropped else None


def raise_dropped_interrupt() -> None:
    """Raise an interrupt Python dropped, for the main thread at a point where it can stop."""
    signum = take_dropped_interrupt()
    if signum is not None:
        raise Interrupted(signum)


def forget_caught_interrupt() -> None:
    """Exit with the code scaffold gives, even after Ctrl-C landed inside code run from a string.

    CPython remembers a KeyboardInterrupt that left such code (the ``exec`` behind every
    dataclass and namedtuple made while a module loads) even when scaffold caught and reported
    it, and at exit kills itself with SIGINT instead of exiting 130. Running a string that ends
    normally clears that memory. Called just before exiting.
    """
    exec("None")  # noqa: S102 - a constant string


class Signals:
    """SIGTERM and SIGHUP raise :class:`Interrupted`, like Ctrl-C raises KeyboardInterrupt, so
    every ``finally`` and cleanup runs for them too.

    The entry point installs them before the CLI and its libraries load: a signal in that first
    quarter of a second ends the run 128 + the signal like any other, not by the default action.
    """

    received: int | None = None
    reported = False

    def __init__(self) -> None:
        self._previous_hook = sys.unraisablehook

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._handle)
        if sys.unraisablehook != self._unraisable:
            self._previous_hook = sys.unraisablehook
            sys.unraisablehook = self._unraisable

    def _unraisable(self, info: sys.UnraisableHookArgs) -> None:
        """An interrupt raised where Python only reports exceptions as "ignored" (a weakref
        callback in its import machinery, a ``__del__``) would be lost, and the run go on to
        exit 0: it is kept instead, and raised again at the next point that can stop."""
        if isinstance(info.exc_value, KeyboardInterrupt):
            interrupt_dropped(info.exc_value)
        else:
            self._previous_hook(info)

    def _handle(self, signum: int, _frame: object) -> None:
        # One is enough: a second SIGTERM must not cut the cleanup the first one started.
        for other in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(other, signal.SIG_IGN)
        self.received = signum
        raise Interrupted(signum)


signals = Signals()
