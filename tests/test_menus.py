"""A choice question in a real terminal is a menu, as copier asks it: arrows and Enter, the
default selected; Ctrl-C there is an interrupt (exit 130), nothing written."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.test_external import answers_of

ARGV = ("--no-lock", "--no-git", "--no-validate")
DOWN, ENTER, CTRL_C = b"\x1b[B", b"\r", b"\x03"


def read_until(fd: int, needle: bytes, seen: bytes) -> bytes:
    deadline = time.monotonic() + 30
    start = len(seen)
    while needle not in seen[start:]:
        assert time.monotonic() < deadline, seen.decode(errors="replace")
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def spawn(tmp_path: Path) -> tuple[int, subprocess.Popen[bytes]]:
    main, child = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "new", "my-api", "--path", str(tmp_path), *ARGV],
        stdin=child, stdout=child, stderr=child, env=env, close_fds=True,
    )  # fmt: skip
    os.close(child)
    return main, proc


def answer_the_text_prompts(main: int) -> bytes:
    seen = b""
    for reply, prompt in ((b"A service\r", b"One line"), (b"Ada\r", b"Author")):
        seen = read_until(main, prompt, seen)
        time.sleep(0.2)
        os.write(main, reply)
    return seen


def test_a_choice_is_a_menu_in_a_terminal(tmp_path: Path) -> None:
    main, proc = spawn(tmp_path)
    try:
        seen = answer_the_text_prompts(main)
        seen = read_until(main, b"3.14", seen)  # the menu lists every choice
        time.sleep(0.3)
        os.write(main, DOWN)
        time.sleep(0.3)
        os.write(main, ENTER)
        proc.wait(timeout=60)
        seen = read_until(main, b"", seen)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert proc.returncode == 0, seen.decode(errors="replace")
    answers = answers_of(tmp_path / "my-api")
    assert answers["description"] == "A service"
    assert answers["author"] == "Ada"
    # The default (the running Python, 3.11) was selected; one step down is 3.12.
    assert answers["python_version"] == "3.12"


def test_ctrl_c_at_a_menu_is_an_interrupt_and_nothing_is_written(tmp_path: Path) -> None:
    main, proc = spawn(tmp_path)
    try:
        seen = answer_the_text_prompts(main)
        seen = read_until(main, b"3.14", seen)
        time.sleep(0.3)
        os.write(main, CTRL_C)
        proc.wait(timeout=60)
        seen = read_until(main, b"", seen)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert proc.returncode == 130, seen.decode(errors="replace")
    assert b"Traceback" not in seen
    assert not (tmp_path / "my-api").exists()
