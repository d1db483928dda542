"""validate's live display in a real terminal (a pty), sampled as it runs: the spinner turns,
and a step that ends is marked done at once, while the step before it still runs."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import time
from scaffold import ui
from scaffold.report import Phase, Status, StepResult

out = ui.Output()
with out.live_steps() as event:
    event(StepResult("tests", Status.SKIPPED), Phase.STARTED)
    event(StepResult("lint", Status.SKIPPED), Phase.STARTED)
    time.sleep(0.8)
    lint = StepResult("lint", Status.OK, 0.06, "ruff, mypy")
    event(lint, Phase.FINISHED)
    time.sleep(1.2)
    tests = StepResult("tests", Status.OK, 2.0, "3 passed")
    event(tests, Phase.FINISHED)
    event(tests, Phase.REPORTED)
    event(lint, Phase.REPORTED)
    time.sleep(0.3)
"""
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # rich's "dots"
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_the_spinner_turns_and_a_finished_step_is_done_before_its_predecessor() -> None:
    main, child = pty.openpty()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parent.parent / "src"),
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "NO_COLOR": "",
    }
    env.pop("NO_COLOR")
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], stdin=child, stdout=child, stderr=child, env=env
    )
    os.close(child)
    chunks: list[tuple[float, str]] = []
    started = time.monotonic()
    try:
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:
                break  # the child closed its end
            if not data:
                break
            chunks.append((time.monotonic() - started, data.decode(errors="replace")))
    finally:
        proc.wait(timeout=30)
        os.close(main)
    assert proc.returncode == 0, "".join(text for _, text in chunks)
    frames = [ESCAPES.sub("", text) for _, text in chunks]
    shown = "".join(frames)
    assert len({glyph for glyph in shown if glyph in SPINNER}) >= 2, shown  # it turns
    # A frame where lint is done (its own 0.1 s) while tests still runs.
    done_first = [
        frame for frame in frames if re.search(r"✓ lint\s+ok\s+0\.1s", frame) and "running" in frame
    ]
    assert done_first, shown
    lines = [line for line in done_first[0].splitlines() if "tests" in line]
    assert lines, done_first[0]
    assert "running" in lines[0]
    assert re.search(r"tests\s+running", shown)
