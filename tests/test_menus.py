"""A choice question in a real terminal is a menu, as copier asks it: arrows and Enter, the
default selected; Ctrl-C there is an interrupt (exit 130), nothing written."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.test_external import answers_of, new_in_terminal, read_until

DOWN, ENTER, CTRL_C = b"\x1b[B", b"\r", b"\x03"


def at_the_menu(tmp_path: Path, *keys: bytes) -> tuple[int | None, bytes]:
    """`scaffold new my-svc` in a terminal that draws menus: the text prompts answered, then
    ``keys`` typed at the Python version's menu; the exit code and what the terminal showed."""
    main, proc = new_in_terminal(None, tmp_path, {"TERM": "xterm-256color"})
    seen = b""
    try:
        for reply, prompt in ((b"A service\r", b"One line"), (b"Ada\r", b"Author")):
            seen = read_until(main, prompt, seen)
            time.sleep(0.2)
            os.write(main, reply)
        seen = read_until(main, b"3.14", seen)  # the menu lists every choice
        for key in keys:
            time.sleep(0.3)
            os.write(main, key)
        proc.wait(timeout=60)
        seen = read_until(main, b"", seen)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    return proc.returncode, seen


def test_a_choice_is_a_menu_in_a_terminal(tmp_path: Path) -> None:
    code, seen = at_the_menu(tmp_path, DOWN, ENTER)
    assert code == 0, seen.decode(errors="replace")
    answers = answers_of(tmp_path / "my-svc")
    assert answers["description"] == "A service"
    assert answers["author"] == "Ada"
    # The default (the running Python, 3.11) was selected; one step down is 3.12.
    assert answers["python_version"] == "3.12"


def test_ctrl_c_at_a_menu_is_an_interrupt_and_nothing_is_written(tmp_path: Path) -> None:
    code, seen = at_the_menu(tmp_path, CTRL_C)
    assert code == 130, seen.decode(errors="replace")
    assert b"Traceback" not in seen
    assert not (tmp_path / "my-svc").exists()
