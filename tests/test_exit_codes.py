"""Every exit code of the documented table (docs/reference.md), produced through the CLI, with
its ``--json`` object: one shape for results and errors (``schema_version``, ``ok``,
``exit_code``, ``error``, ``hint``). What uv, Docker or a merge would do is stood in for by the
library's own reports."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scaffold import __version__
from scaffold import cli as cli_module
from scaffold.errors import Interrupted, UsageError, signals
from scaffold.lifecycle.update import UpdateReport
from scaffold.report import SkipReason, Status, StepResult, ValidationReport
from tests.conftest import FAST, Cli, ScaffoldResult

REFERENCE = Path(__file__).parent.parent / "docs" / "reference.md"
SHAPE = {"schema_version", "ok", "exit_code", "error", "hint"}


def _readme_codes() -> set[str]:
    """The first column of the documented exit-code table (docs/reference.md)."""
    section = REFERENCE.read_text().split("## Exit codes", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| (\d+|128 \+ signal) \|", section, flags=re.MULTILINE))


def _validation(path: Path, step: StepResult) -> Callable[..., ValidationReport]:
    def validate_project(*args: Any, **kwargs: Any) -> ValidationReport:
        return ValidationReport(str(path), steps=[step])

    return validate_project


def _done(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    return cli("new", "my-api", "--path", tmp_path, *FAST, "--json")


def _step_failed(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    failed = StepResult("tests", Status.FAILED, detail="1 failed", exit_code=1, essential=True)
    mp.setattr("scaffold.validate.validation.validate_project", _validation(tmp_path, failed))
    return cli("validate", tmp_path, "--json")


def _usage(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    return cli("new", "class", "--path", tmp_path, *FAST, "--json")


def _lock_failed(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    failed = StepResult("lock", Status.FAILED, detail="uv lock failed", exit_code=1)
    mp.setattr("scaffold.create.new._lock", lambda *args: failed)
    return cli("new", "my-api", "--path", tmp_path, "--python", "3.11", "--no-git", "--json")


def _refused_after_the_write(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    """A usage error once the project is written (here from validation) is not exit 2."""

    def refused(*args: Any, **kwargs: Any) -> ValidationReport:
        raise UsageError("[tool.scaffold] port must be a number")

    mp.setattr("scaffold.create.new._lock", lambda *args: StepResult("lock", Status.OK))
    mp.setattr("scaffold.validate.validation.validate_project", refused)
    return cli("new", "my-api", "--path", tmp_path, "--python", "3.11", "--no-git", "--json")


def _nothing_to_run(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    return cli("validate", tmp_path, "--json")


def _not_proven(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    skipped = StepResult(
        "build", Status.SKIPPED, essential=True, skip_reason=SkipReason.UNAVAILABLE
    )
    mp.setattr("scaffold.validate.validation.validate_project", _validation(tmp_path, skipped))
    return cli("validate", tmp_path, "--json")


def _conflicts(tmp_path: Path, cli: Cli, mp: pytest.MonkeyPatch) -> ScaffoldResult:
    report = UpdateReport(str(tmp_path), "0.1.0", "0.2.0", conflicts=["Dockerfile: both changed"])
    mp.setattr("scaffold.lifecycle.update.update_project", lambda *args: report)
    return cli("update", tmp_path, "--json")


CASES = {
    "0": [_done],
    "1": [_step_failed],
    "2": [_usage],
    "3": [_lock_failed, _refused_after_the_write],
    "4": [_nothing_to_run],
    "5": [_not_proven],
    "6": [_conflicts],
}


def test_every_code_in_the_readme_has_a_case() -> None:
    assert _readme_codes() == {*CASES, "128 + signal"}


@pytest.mark.parametrize(
    ("code", "case"),
    [(code, case) for code, cases in CASES.items() for case in cases],
    ids=lambda value: value if isinstance(value, str) else value.__name__.strip("_"),
)
def test_each_exit_code_and_its_json(
    code: str,
    case: Callable[[Path, Cli, pytest.MonkeyPatch], ScaffoldResult],
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no config file of ours
    result = case(tmp_path, cli, monkeypatch)
    assert result.code == int(code), result
    data = json.loads(result.stdout)
    assert set(data) >= SHAPE
    assert data["schema_version"] == 1
    assert data["exit_code"] == int(code)
    assert data["ok"] is (code == "0")
    if data["error"] is not None:  # an error: one line on stderr too, and nothing else
        assert set(data) == SHAPE
        assert result.stderr.strip() == f"error: {data['error']}" + (
            f" ({data['hint']})" if data["hint"] else ""
        )
    if case is _refused_after_the_write:
        assert data["error"] == "[tool.scaffold] port must be a number"
        assert "the project is written" in data["hint"]
        assert (tmp_path / "my-api" / "pyproject.toml").is_file()


@pytest.fixture
def signals_kept() -> Iterator[None]:
    """cli.main's own handlers, and its SIG_IGN at the end, undone for pytest."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    signals.received, signals.reported = None, False


@pytest.mark.usefixtures("signals_kept")
@pytest.mark.parametrize(
    ("raised", "code"),
    [(KeyboardInterrupt(), 130), (Interrupted(signal.SIGTERM), 143), (Interrupted(1), 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_an_interrupt_is_128_plus_the_signal(
    raised: KeyboardInterrupt,
    code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted(*args: object) -> None:
        raise raised

    monkeypatch.setattr("scaffold.create.new.write_files", interrupted)
    args = ["new", "my-api", "--path", str(tmp_path), *FAST, "--json"]
    with pytest.raises(SystemExit) as exited:
        cli_module.main(args)
    assert exited.value.code == code
    out = capsys.readouterr()
    assert out.err.strip() == "error: interrupted"
    assert json.loads(out.out) == {
        "schema_version": 1,
        "ok": False,
        "exit_code": code,
        "error": "interrupted",
        "hint": None,
    }
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_an_interrupt_while_the_cli_loads_has_the_same_json(signum: int, tmp_path: Path) -> None:
    """The launcher's hand-written object (the modules that would write it may be what was
    interrupted) is ui's, with the signal's own exit code."""
    from scaffold import ui  # noqa: PLC0415

    (tmp_path / "typer").mkdir()  # the CLI's first library: it loads only to signal the run
    (tmp_path / "typer" / "__init__.py").write_text(
        f"import os, time\nos.kill(os.getpid(), {int(signum)})\ntime.sleep(60)\n"
    )
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "--version", "--json"],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 128 + signum, proc.stderr
    assert json.loads(proc.stdout) == ui.json_object({}, 128 + signum, "interrupted", None)


def test_update_validate_json_is_one_object_with_the_validation_inside(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = cli("new", "my-api", "--path", tmp_path, *FAST)
    assert made.code == 0, made
    project = tmp_path / "my-api"
    failed = StepResult("tests", Status.FAILED, detail="1 failed", exit_code=1, essential=True)
    monkeypatch.setattr(
        "scaffold.validate.validation.validate_project", _validation(project, failed)
    )
    result = cli("update", project, "--to", __version__, "--validate", "--json")
    payload = json.loads(result.stdout)  # one object, not two
    assert result.code == 1, result
    assert payload["exit_code"] == 1
    assert payload["ok"] is False
    assert payload["validation"]["verdict"] == "failed"
    assert payload["from"] == payload["to"] == __version__
