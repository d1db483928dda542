"""The command line through Typer's CliRunner: exit codes, one-line errors, JSON, output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from scaffold import __version__, ui
from scaffold.create.templates import available
from scaffold.report import Status, StepResult, ValidationReport
from scaffold.tools import runner
from tests.conftest import FAST, Cli


def test_version_and_help(cli: Cli) -> None:
    assert cli("--version").stdout.strip() == f"scaffold {__version__}"
    result = cli("--help")
    assert result.code == 0
    assert "new" in result.stdout
    assert "validate" in result.stdout


def test_new_prints_the_tree_and_next_commands(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "My API", "--path", tmp_path, *FAST)
    assert result.code == 0, result
    assert (tmp_path / "my-api" / "src" / "my_api" / "main.py").is_file()
    out = result.stdout
    for expected in ("my_api/", "main.py", "Dockerfile", "uv run uvicorn my_api.main:app"):
        assert expected in out
    assert "using 'my-api' for the repository and 'my_api' for the package" in out
    assert "\x1b[" not in out  # no colours when stdout is not a terminal


def test_new_json_is_one_object(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "my-api", "--path", tmp_path, "--json", *FAST)
    assert result.code == 0, result
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["exit_code"] == 0
    assert data["name"] == "my-api"
    assert data["package"] == "my_api"
    assert data["path"] == str((tmp_path / "my-api").absolute())
    assert "src/my_api/main.py" in data["files"]
    assert data["steps"] == []


def test_quiet_prints_nothing(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "my-api", "--path", tmp_path, "--quiet", *FAST)
    assert result.code == 0
    assert result.stdout == ""
    assert (tmp_path / "my-api").is_dir()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("class", "error: 'class' is a Python keyword (try 'class-service')"),
        ("json", "error: the package 'json' would shadow the standard-library module 'json'"),
        ("../evil", "error: '../evil' looks like a path, not a name"),
        ("", "error: the project name is empty"),
        ("9lives", "starts with a digit"),
    ],
)
def test_bad_names_exit_2_with_one_line(cli: Cli, tmp_path: Path, name: str, message: str) -> None:
    result = cli("new", name, "--path", tmp_path, *FAST)
    assert result.code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_bad_name_with_json_reports_the_error_as_json(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "class", "--path", tmp_path, "--json", *FAST)
    assert result.code == 2
    data = json.loads(result.stdout)
    assert data == {
        "schema_version": 1,
        "ok": False,
        "error": "'class' is a Python keyword",
        "hint": "try 'class-service'",
        "exit_code": 2,
    }


def test_existing_non_empty_target_is_refused_and_untouched(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "my-api"
    target.mkdir()
    keep = target / "notes.txt"
    keep.write_text("mine")
    before = keep.stat().st_mtime_ns
    result = cli("new", "my-api", "--path", tmp_path, *FAST)
    assert result.code == 2
    assert "already exists and is not empty" in result.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert keep.read_text() == "mine"
    assert keep.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-api"]  # no temp folder left


def test_existing_file_as_target_is_refused(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "my-api").write_text("a file")
    result = cli("new", "my-api", "--path", tmp_path, *FAST)
    assert result.code == 2
    assert "exists and is not a folder" in result.stderr
    assert (tmp_path / "my-api").read_text() == "a file"


def test_empty_existing_folder_is_used(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "my-api").mkdir()
    result = cli("new", "my-api", "--path", tmp_path, *FAST)
    assert result.code == 0, result
    assert (tmp_path / "my-api" / "pyproject.toml").is_file()


def test_path_through_a_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = cli("new", "my-api", "--path", tmp_path / "notes.txt" / "sub", *FAST)
    assert result.code == 2
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_missing_parent_folders_are_created(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "my-api", "--path", tmp_path / "a" / "b", *FAST)
    assert result.code == 0, result
    assert (tmp_path / "a" / "b" / "my-api" / "Dockerfile").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--template", "nope"),
            f"unknown template 'nope' (choose one of: {', '.join(available())})",
        ),
        (("--python", "2.7"), "unsupported Python version '2.7'"),
        (("--dep", "numpy>>1"), "invalid dependency 'numpy>>1'"),
        (("--apt-runtime", "rm -rf"), "'rm -rf' is not a valid Debian package name"),
        (("--dep", "requests"), "needs a lower and an upper bound: with --no-lock"),
        (("--dep", "numpy>=1.24"), "'numpy>=1.24' needs a lower and an upper bound"),
        (("--system-packages", "/nonexistent.toml"), "cannot read /nonexistent.toml"),
    ],
)
def test_bad_options_exit_2(cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = cli("new", "my-api", "--path", tmp_path, *FAST, *args)
    assert result.code == 2, result
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_option_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "my-api", "--path", tmp_path, "--frobnicate")
    assert result.code == 2


def test_failed_lock_keeps_the_project_and_says_how_to_finish(cli: Cli, tmp_path: Path) -> None:
    # uv resolving from an empty cache with --offline fails for real, as it does without network.
    env = {"UV_CACHE_DIR": str(tmp_path / "empty-cache")}
    result = cli(
        "new", "my-api", "--path", tmp_path, "--python", "3.11", "--offline", "--no-git", env=env
    )
    assert result.code == 3, result
    target = tmp_path / "my-api"
    assert (target / "pyproject.toml").is_file()
    assert not (target / "uv.lock").exists()
    assert "lock" in result.stdout
    assert "failed" in result.stdout
    assert f"to finish by hand: cd {target.absolute()} && uv lock\n" in result.stdout
    assert "next:" not in result.stdout  # uv sync and the rest need the lock


def test_failed_lock_in_json(cli: Cli, tmp_path: Path) -> None:
    env = {"UV_CACHE_DIR": str(tmp_path / "empty-cache")}
    result = cli(
        "new",
        "my-api",
        "--path",
        tmp_path,
        "--offline",
        "--no-git",
        "--json",
        "--python",
        "3.11",
        env=env,
    )
    assert result.code == 3
    data = json.loads(result.stdout)
    (lock,) = data["steps"]
    assert lock["name"] == "lock"
    assert lock["status"] == "failed"
    assert lock["exit_code"] not in (0, None)
    assert "cache" in lock["detail"]
    assert lock["duration"] >= 0


def test_missing_git_is_a_notice_not_a_failure(cli: Cli, tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = cli(
        "new",
        "my-api",
        "--path",
        tmp_path,
        "--python",
        "3.11",
        "--no-lock",
        "--no-validate",
        "--json",
        env={"PATH": str(empty_bin)},
    )
    assert result.code == 0, result
    (git,) = json.loads(result.stdout)["steps"]
    assert git["status"] == "skipped"
    assert "git is not installed" in git["detail"]


def test_git_init(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "new", "my-api", "--path", tmp_path, "--python", "3.11", "--no-lock", "--no-validate"
    )
    assert result.code == 0, result
    assert (tmp_path / "my-api" / ".git" / "HEAD").is_file()


def test_debug_shows_the_exception(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "class", "--path", tmp_path, "--debug", *FAST)
    assert result.code != 0
    assert type(result.exception).__name__ == "UsageError"


def test_validate_outside_a_project_exits_4(cli: Cli, tmp_path: Path) -> None:
    result = cli("validate", tmp_path)
    assert result.code == 4
    assert "has no pyproject.toml" in result.stderr
    missing = cli("validate", tmp_path / "nowhere")
    assert missing.code == 4
    assert "is not a folder" in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--skip", "deploy"), "unknown step 'deploy'"),
        (("--only", "tests", "--only", "nope"), "unknown step 'nope'"),
        (("--port", "70000"), "--port 70000 is not a TCP port"),
        (("--health-path", "health"), "--health-path must start with '/'"),
        (("--ca-bundle", "/no/such/ca.pem"), "--ca-bundle /no/such/ca.pem is not a file"),
        (("--timeout", "0"), "--timeout must be a positive number of seconds"),
        (("--timeout", "nan"), "--timeout must be a positive number of seconds"),
        (("--grace", "inf"), "--grace must be a positive number of seconds"),
        (("--jobs", "0"), "--jobs must be at least 1"),
    ],
)
def test_validate_bad_options_exit_2(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli("validate", tmp_path, *args)
    assert result.code == 2, result
    assert message in result.stderr


def test_python_m_scaffold_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scaffold", "--version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"scaffold {__version__}"


def test_failed_git_init_exits_3_and_keeps_the_project(cli: Cli, tmp_path: Path) -> None:
    """A post step's failure, through the runner's swap point: git refuses to init."""
    real_run = runner.run

    def refusing_git(argv: list[str], **kwargs: object) -> runner.Completed:
        if "init" in argv[1:]:
            return runner.Completed(tuple(argv), 128, "fatal: cannot mkdir .git\n", 0.01)
        return real_run(argv, **kwargs)

    runner.set_runner(refusing_git)
    try:
        result = cli(
            "new", "my-api", "--path", tmp_path, "--python", "3.11", "--no-lock", "--no-validate"
        )
    finally:
        runner.set_runner(None)
    assert result.code == 3, result
    assert (tmp_path / "my-api" / "pyproject.toml").is_file()
    assert re.search(r"git +failed", result.stdout)
    assert f"to finish by hand: cd {(tmp_path / 'my-api').absolute()} && git init" in result.stdout


def test_terminal_table_shows_details_verbatim() -> None:
    """Details are data, not rich markup: a Dockerfile step in brackets must print as is."""
    report = ValidationReport(
        "/p", [StepResult("build", Status.FAILED, 1.0, "[x 1/2] RUN [/bin/sh -c exit 3]")]
    )
    out = ui.Output()
    out.console = Console(force_terminal=True, width=120, record=True, color_system=None)
    assert out.validation_done(report) == 1
    assert "[x 1/2] RUN [/bin/sh -c exit 3]" in out.console.export_text()


def test_unexpected_errors_are_one_line_with_exit_70(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("scaffold.create.source.render", broken)
    result = cli("new", "my-api", "--path", tmp_path, *FAST)
    assert result.code == 70
    assert result.stderr.strip().splitlines() == [
        "error: internal error: RuntimeError: boom (run again with --debug for the traceback, "
        "and report it)"
    ]


def test_a_command_with_an_inline_script_is_shown_by_the_script_s_size() -> None:
    """The import probe runs as `python -c SCRIPT`: a failed step shows the command, and a
    person reads `python -c <a script of N lines> ARGS`, not the whole probe."""
    script = "import sys\n" * 150
    done = runner.run([sys.executable, "-c", script, "[]"], timeout=60)
    assert done.ok, done.output
    assert done.command == f"{sys.executable} -c <a script of 150 lines> []"
    assert runner.Completed(("echo", "x" * 401), 0, "", 0.0).command == "echo <a script of 1 line>"
