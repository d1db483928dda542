"""The prompts of `scaffold new` in a real pseudo-terminal, as a person meets them: they check
what the options check, Ctrl-D and Ctrl-C end the run as interrupts, defaults read as given."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import FAST, Cli


def _controlling_terminal() -> None:
    """In the child: a session of its own with the pty as its terminal, so Ctrl-C typed into
    the pty is a SIGINT to it, as in a shell."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@dataclass
class Terminal:
    fd: int
    proc: subprocess.Popen[bytes]
    seen: bytes = field(default=b"")
    read_to: int = 0

    def until(self, needle: bytes) -> None:
        """Read until ``needle`` shows after what the last call found."""
        deadline = time.monotonic() + 30
        while (found := self.seen.find(needle, self.read_to)) < 0:
            assert time.monotonic() < deadline, self.text
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096)
                except OSError:
                    break
        self.read_to = found + len(needle)

    def settle(self) -> None:
        """Read until the program has printed all it will for now (a prompt, waiting)."""
        while select.select([self.fd], [], [], 0.5)[0]:
            try:
                self.seen += os.read(self.fd, 4096)
            except OSError:
                break

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def end(self) -> int:
        code = self.proc.wait(timeout=60)
        while True:  # what is left to read, the last lines
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
        return code

    @property
    def text(self) -> str:
        return self.seen.decode(errors="replace")

    @property
    def lines(self) -> list[str]:
        """The lines as they show: without the escape sequences that move the cursor or set
        modes (prompt_toolkit's, in copier's prompts)."""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.text).splitlines()


@contextlib.contextmanager
def _spawned(*args: str | Path) -> Iterator[Terminal]:
    """`scaffold ARGS` in a pseudo-terminal of its own."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", *map(str, args)],
        stdin=child, stdout=child, stderr=child, env=env, close_fds=True,
        preexec_fn=_controlling_terminal,  # noqa: PLW1509 - the child runs nothing else first
    )  # fmt: skip
    os.close(child)
    try:
        yield Terminal(main, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    args = ("new", "my-api", "--path", tmp_path, "--no-lock", "--no-git", "--no-validate")
    with _spawned(*args) as spawned:
        yield spawned


@pytest.mark.parametrize("key", [b"\x04", b"\x03"], ids=["ctrl-d", "ctrl-c"])
def test_ctrl_d_and_ctrl_c_at_a_prompt_interrupt(
    terminal: Terminal, key: bytes, tmp_path: Path
) -> None:
    terminal.until(b"One line describing")
    # As a person does, after the prompt waits: a SIGINT between the prompt's write and
    # input()'s read is only seen by Python when the read returns (CPython's own race).
    terminal.settle()
    time.sleep(0.3)
    terminal.type(key)
    assert terminal.end() == 130, terminal.text
    assert "error: interrupted" in terminal.lines, terminal.text  # on a line of its own
    assert "internal error" not in terminal.text
    assert "Traceback" not in terminal.text
    assert list(tmp_path.iterdir()) == []


def test_a_prompt_refuses_what_the_option_refuses(
    terminal: Terminal, cli: Cli, tmp_path: Path
) -> None:
    too_long = "x" * 230
    option = cli("new", "other", "--path", tmp_path / "by-option", "--description", too_long, *FAST)
    assert option.code == 2
    reason = "the description is too long (230 characters, at most 200)"
    assert reason in option.stderr
    terminal.until(b"One line describing")
    terminal.type(too_long.encode() + b"\r")
    terminal.until(reason.encode())
    terminal.until(b"One line describing")  # asked again
    terminal.type(b"Short enough\r")
    terminal.until(b"Author")
    terminal.type(b"\r")
    terminal.until(b"Python version")
    terminal.type(b"\r")
    assert terminal.end() == 0, terminal.text
    answers = (tmp_path / "my-api" / ".copier-answers.yml").read_text()
    assert "description: Short enough" in answers


def test_an_empty_default_shows_empty_and_a_wrong_choice_lists_the_choices(
    terminal: Terminal,
) -> None:
    terminal.until(b"One line describing")
    terminal.type(b"\r")
    terminal.until(b"Author")
    terminal.settle()
    author_line = terminal.text.splitlines()[-1]
    assert "()" not in author_line, author_line
    terminal.type(b"\r")
    terminal.until(b"Python version")
    terminal.type(b"9.9\r")
    terminal.until(b"must be one of 3.11, 3.12, 3.13, 3.14")
    terminal.type(b"3.12\r")
    assert terminal.end() == 0, terminal.text


@pytest.mark.parametrize("key", [b"\x04", b"\x03"], ids=["ctrl-d", "ctrl-c"])
def test_ctrl_d_and_ctrl_c_at_a_copier_template_s_prompt_interrupt(
    key: bytes, tmp_path: Path
) -> None:
    """A team's template asks through copier's own prompts (in the render's child process):
    there too an interrupt, not "needs answers" or a question's repr with exit 2."""
    template = tmp_path / "template"
    template.mkdir()
    (template / "copier.yml").write_text(
        "project_name: {type: str}\nowner: {type: str, help: Which team owns it}\n"
    )
    (template / "README.md.jinja").write_text("{{ owner }}\n")
    out = tmp_path / "out"
    args = ("new", "my-svc", "--path", out, "--template", template, *FAST)
    with _spawned(*args) as terminal:
        terminal.until(b"Which team owns it")
        terminal.settle()
        time.sleep(0.3)
        terminal.type(key)
        assert terminal.end() == 130, terminal.text
        assert "error: interrupted" in terminal.lines, terminal.text
        assert not out.exists() or list(out.iterdir()) == []
