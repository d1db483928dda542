"""SIGINT, SIGTERM and SIGHUP at any moment of `scaffold new`: no staging folder is left behind,
the target is absent or complete, and the exit code is 128 + the signal's number."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scaffold import cli
from scaffold.create import new as new_module
from scaffold.create.render import PlannedFile, RenderPlan
from scaffold.create.write import TEMP_SUFFIX, write_plan
from scaffold.errors import Interrupted, signals, take_dropped_interrupt
from scaffold.report import Phase, Status, StepResult
from scaffold.validate.engine import Context, Outcome, Step, run_steps
from tests.conftest import FAST, GOLDEN, signal_sweep, tree_bytes

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
PLAN = RenderPlan(tuple(PlannedFile(f"pkg/f{i}.txt", b"x\n") for i in range(6)))


@pytest.fixture
def handlers() -> Iterator[None]:
    """scaffold's signal handlers in this process, and pytest's own back afterwards."""
    saved = {signum: signal.getsignal(signum) for signum in SIGNALS}
    saved_hook = sys.unraisablehook
    signals.install()
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    sys.unraisablehook = saved_hook
    signals.received, signals.reported = None, False
    take_dropped_interrupt()


@pytest.mark.usefixtures("handlers")
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_mid_write_removes_the_staging_folder(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = Path.write_bytes

    def signalled(self: Path, data: bytes) -> int:
        if self.name == "f3.txt":
            os.kill(os.getpid(), signum)
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", signalled)
    with pytest.raises(KeyboardInterrupt) as caught:
        write_plan(PLAN, tmp_path / "proj")
    if signum != signal.SIGINT:
        assert isinstance(caught.value, Interrupted)
        assert caught.value.signum == signum
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("handlers")
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_the_cli_reports_a_signal_in_one_line_with_128_plus_its_number(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def signalled(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signum)

    monkeypatch.setattr("scaffold.create.new.write_files", signalled)
    args = ["new", "my-api", "--path", str(tmp_path), "--no-lock", "--no-git", "--no-validate"]
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 128 + signum
    assert capsys.readouterr().err.strip() == "error: interrupted"


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_signals_at_any_moment_leave_no_staging_and_no_partial_target(
    signum: int, tmp_path: Path
) -> None:
    expected = tree_bytes(GOLDEN / "service")
    outcomes = set()
    for run in signal_sweep(tmp_path, signum, attempts=10, span=1.5):
        parent, err = run.parent, run.stderr
        assert sorted(p.name for p in parent.iterdir()) in ([], ["my-api"])
        assert not any(p.name.endswith(TEMP_SUFFIX) for p in parent.iterdir())
        target = parent / "my-api"
        if target.exists():
            assert tree_bytes(target) == expected
        if run.returncode == 0:
            outcomes.add("finished")
            continue
        # Before scaffold's handlers exist (interpreter start-up) the signal ends the process
        # the default way; afterwards it is scaffold's one line and 128 + the signal's number.
        assert run.returncode in (-signum, 128 + signum), err
        if run.returncode == 128 + signum:
            outcomes.add("handled")
            assert err.strip().splitlines()[-1] == "error: interrupted", err
    # Some signals must have reached scaffold's own handling, or the test proved little.
    assert "handled" in outcomes


@pytest.mark.e2e
def test_signals_during_the_lock_leave_no_staging_and_no_partial_target(tmp_path: Path) -> None:
    """The lock runs in the staging folder too: a signal then removes uv's process group and
    the folder, and the target appears only complete, with its uv.lock."""
    expected = set(tree_bytes(GOLDEN / "service")) | {"uv.lock"}

    def start(parent: Path) -> subprocess.Popen[str]:
        parent.mkdir()
        argv = [sys.executable, "-m", "scaffold", "new", "my-api", "--path", str(parent)]
        argv += ["--python", "3.11", "--no-git", "--no-validate", "-q"]
        return subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)

    began = time.monotonic()
    assert start(tmp_path / "timing").wait() == 0
    full_run = time.monotonic() - began
    attempts = 6
    handled = 0
    for attempt in range(attempts):
        parent = tmp_path / str(attempt)
        proc = start(parent)
        time.sleep(full_run * (0.3 + 0.7 * attempt / attempts))
        signum = SIGNALS[attempt % len(SIGNALS)]
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
        assert [p.name for p in parent.iterdir()] in ([], ["my-api"]), err
        target = parent / "my-api"
        if target.exists():
            assert set(tree_bytes(target)) == expected
        handled += proc.returncode == 128 + signum
    assert handled, "no signal reached scaffold while it ran"


def test_a_second_ctrl_c_does_not_cut_the_cleanup_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write, real_rmtree = Path.write_bytes, shutil.rmtree

    def first_interrupt(self: Path, data: bytes) -> int:
        if self.name == "f3.txt":
            raise KeyboardInterrupt
        return real_write(self, data)

    def impatient_rmtree(path: Path, **kwargs: bool) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C again
        real_rmtree(path, **kwargs)

    monkeypatch.setattr(Path, "write_bytes", first_interrupt)
    monkeypatch.setattr("scaffold.create.write.shutil.rmtree", impatient_rmtree)
    with pytest.raises(KeyboardInterrupt):
        write_plan(PLAN, tmp_path / "proj")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("handlers")
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_while_python_makes_a_class_is_still_an_interrupt(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python wraps what a signal handler raises inside `__set_name__` (a dataclass being made
    while a module loads) in a RuntimeError: still an interrupt, not an internal error."""

    class Signalled:
        def __set_name__(self, owner: type, name: str) -> None:
            os.kill(os.getpid(), signum)

    def while_a_class_is_made(*args: object, **kwargs: object) -> None:
        type("Made", (), {"field": Signalled()})

    monkeypatch.setattr("scaffold.create.new.write_files", while_a_class_is_made)
    args = ["new", "my-api", "--path", str(tmp_path), "--no-lock", "--no-git", "--no-validate"]
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 128 + signum
    assert capsys.readouterr().err.strip() == "error: interrupted"


def _dropped(signum: int) -> None:
    """``signum`` arrives while Python runs a weakref callback (as its import machinery does):
    what the handler raises there, Python only reports as "ignored" and goes on."""

    class Gone:
        pass

    gone = Gone()
    ref = weakref.ref(gone, lambda _ref: signal.raise_signal(signum))
    del gone
    assert ref() is None


NEW = ["new", "my-api", "--no-lock", "--no-validate"]


@pytest.mark.usefixtures("handlers")
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_an_interrupt_python_drops_still_ends_the_run_as_interrupted(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing after the signal would notice it (no other program runs): the run still ends
    as interrupted, never 0."""
    real_write = new_module.write_files

    def dropped_while_writing(*args: Any, **kwargs: Any) -> None:
        real_write(*args, **kwargs)
        _dropped(signum)

    monkeypatch.setattr(new_module, "write_files", dropped_while_writing)
    with pytest.raises(SystemExit) as exited:
        cli.main([*NEW, "--no-git", "--path", str(tmp_path)])
    assert exited.value.code == 128 + signum
    assert capsys.readouterr().err.strip() == "error: interrupted"


@pytest.mark.usefixtures("handlers")
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_an_interrupt_python_drops_stops_the_run_before_the_next_program(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The interrupt is raised again before scaffold starts another program (git init here)."""
    real_write = new_module.write_files
    started: list[tuple[str, ...]] = []
    real_popen = subprocess.Popen

    def dropped_while_writing(*args: Any, **kwargs: Any) -> None:
        real_write(*args, **kwargs)
        _dropped(signum)

    def popen(argv: Any, *args: Any, **kwargs: Any) -> Any:
        started.append(tuple(argv))
        return real_popen(argv, *args, **kwargs)

    monkeypatch.setattr(new_module, "write_files", dropped_while_writing)
    monkeypatch.setattr("scaffold.tools.runner.subprocess.Popen", popen)
    with pytest.raises(SystemExit) as exited:
        cli.main([*NEW, "--path", str(tmp_path)])
    assert exited.value.code == 128 + signum
    assert capsys.readouterr().err.strip() == "error: interrupted"
    assert started == []
    assert not (tmp_path / "my-api" / ".git").exists()


@pytest.mark.usefixtures("handlers")
def test_an_interrupt_python_drops_stops_running_steps_and_cleans_up() -> None:
    """Validation's steps are stopped at the engine's next wait, and every cleanup runs."""
    cleaned: list[str] = []

    def long_step(ctx: Context) -> Outcome:
        ctx.on_cleanup(lambda: cleaned.append("container"))
        ctx.sleep(30)
        return Outcome(StepResult("slow", Status.OK))

    def events(result: StepResult, phase: Phase) -> None:
        if phase is Phase.STARTED:  # in the engine's own thread, as a signal would land
            _dropped(signal.SIGTERM)

    began = time.monotonic()
    with pytest.raises(Interrupted) as caught:
        run_steps([Step("slow", long_step)], events=events)
    assert caught.value.signum == signal.SIGTERM
    assert cleaned == ["container"]
    assert time.monotonic() - began < 10


def _frames(stderr: str) -> list[str]:
    return re.findall(r'^\s*File "([^"]+)"', stderr, flags=re.MULTILINE)


def _before_scaffold_runs(path: str) -> bool:
    """A frame of the interpreter's own start-up (the standard library, runpy), or of the line
    that imports scaffold's entry point (the console script, the package's __init__): a
    signal there meets Python's default handling, which no code of scaffold's can change. Not
    a frame of the libraries the CLI loads, nor of scaffold past its entry point."""
    if "site-packages" in path:
        return False
    if "/scaffold/" in path:
        return path.endswith(("scaffold/__init__.py", "scaffold/__main__.py"))
    return True


@pytest.mark.parametrize("how", ["console-script", "python-m"])
def test_ctrl_c_at_any_moment_of_start_up_is_one_line_and_130(how: str) -> None:
    """While the CLI and its libraries load (typer, rich: most of the first tenth of a second),
    Ctrl-C is scaffold's one line and exit 130, not a traceback out of an import."""
    script = Path(sys.executable).parent / "scaffold"
    argv = [str(script)] if how == "console-script" else [sys.executable, "-m", "scaffold"]
    argv += ["--version"]
    began = time.monotonic()
    subprocess.run(argv, capture_output=True, check=True)
    full_run = time.monotonic() - began
    handled = 0
    for attempt in range(40):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(full_run * attempt / 40)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        inside = [path for path in _frames(err) if not _before_scaffold_runs(path)]
        assert inside == [], err
        if proc.returncode == 130:
            handled += 1
            assert err.strip().splitlines()[-1] == "error: interrupted", err
            assert "Traceback" not in err
    assert handled >= 5


def _with_library(tmp_path: Path, name: str, code: str) -> dict[str, str]:
    """An environment in which importing the library ``name`` runs ``code`` instead."""
    (tmp_path / "lib" / name).mkdir(parents=True)
    (tmp_path / "lib" / name / "__init__.py").write_text(code)
    path = os.pathsep.join(filter(None, [str(tmp_path / "lib"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


# Ctrl-C as Python meets it inside code it runs from a string: the exec behind every dataclass
# and namedtuple a module makes while it loads.
_CTRL_C_IN_EXEC = (
    'exec("import os, signal\\nos.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(9): pass")\n'
)


@pytest.mark.parametrize(
    ("library", "argv"),
    [("typer", ["--version"]), ("jinja2", ["new", "my-api", *FAST])],
    ids=["while-the-cli-loads", "while-a-command-runs"],
)
def test_ctrl_c_inside_code_python_runs_from_a_string_still_exits_130(
    library: str, argv: list[str], tmp_path: Path
) -> None:
    """CPython remembers a KeyboardInterrupt that left such code even once scaffold caught and
    reported it, and at exit killed itself with SIGINT instead of exiting 130: CI saw a run that
    said "error: interrupted" end by signal 2."""
    env = _with_library(tmp_path, library, _CTRL_C_IN_EXEC)
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: interrupted", proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "my-api").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_sigterm_while_the_cli_loads_is_one_line_and_128_plus_the_signal(
    signum: int, tmp_path: Path
) -> None:
    """The handlers are installed before the CLI's libraries load: a SIGTERM in that first
    quarter of a second (CI sends one at 0.3 s) no longer ends the process the default way."""
    ready = tmp_path / "loading"
    code = f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(60)\n"
    env = _with_library(tmp_path, "typer", code)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "--version"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, err
    assert err.strip().splitlines()[-1] == "error: interrupted", err
    assert "Traceback" not in err
