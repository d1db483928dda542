"""The console script itself (``scaffold.cli.main``), in a real process: what click or the
operating system would report in their own words becomes scaffold's one line and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAST


def scaffold(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scaffold", *args],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("new", "-my-api"), "error: no such option: -m (see 'scaffold new --help')"),
        (("new", "--frobnicate", "x"), "error: no such option: --frobnicate"),
        (("new",), "error: missing argument 'name' (see 'scaffold new --help')"),
        (("new", "my-api", "--python"), "error: option '--python' requires an argument"),
        (("frobnicate",), "error: no such command 'frobnicate' (see 'scaffold --help')"),
        (("validate", "--timeout", "soon"), "error: invalid value for '--timeout'"),
        (("new", b"caf\xe9"), "error: the argument b'caf\\xe9' is not valid UTF-8"),
        (("new", "my-api", "--description", b"\xff\xfe"), "is not valid UTF-8"),
        (("new", "my-api", "--path", b"/tmp/\x80"), "is not valid UTF-8"),
        (("new", "my-api", "--description", "bell\x07", *FAST), "control character U+0007"),
        (("new", "my-api", "--author", "a" * 101, *FAST), "the author is too long"),
    ],
)
def test_usage_mistakes_are_one_line_and_exit_2(
    args: tuple[str | bytes, ...], line: str, tmp_path: Path
) -> None:
    done = scaffold(*args, cwd=tmp_path)
    assert done.returncode == 2, done
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("error: ")
    assert line in done.stderr
    assert "╭" not in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_usage_mistakes_with_json_print_one_object(tmp_path: Path) -> None:
    done = scaffold("new", "my-api", "--json", "--bogus", cwd=tmp_path)
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"].startswith("no such option: --bogus")


def test_no_arguments_shows_the_help(tmp_path: Path) -> None:
    done = scaffold(cwd=tmp_path)
    assert done.returncode == 2
    assert "Usage: scaffold" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("args", [("--help",), ("new", "--help"), ("--version",)])
def test_help_and_version_exit_0(args: tuple[str, ...], tmp_path: Path) -> None:
    done = scaffold(*args, cwd=tmp_path)
    assert done.returncode == 0, done
    assert done.stderr == ""


def test_a_successful_run_exits_0(tmp_path: Path) -> None:
    done = scaffold("new", "my-api", *FAST, "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done
    assert (tmp_path / "my-api" / "pyproject.toml").is_file()


@pytest.mark.parametrize("name", ["../service", "service/../service", "", "-", "x" * 300])
def test_a_template_that_is_no_name_or_folder_is_refused(name: str, tmp_path: Path) -> None:
    done = scaffold("new", "my-api", "--template", name, *FAST, cwd=tmp_path)
    assert done.returncode == 2, done
    assert done.stderr.startswith("error: unknown template") or "--template" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_option_with_control_characters_stays_one_line(tmp_path: Path) -> None:
    done = scaffold("new", "my-api", "--x\x1b[2J\ny", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: no such option: --x\\x1b[2J\\x0ay (see 'scaffold new --help')"
    ]


@pytest.mark.parametrize(
    "path", ["a" * 5000, "a/" * 3000, "/proc/self/fd/0/x", "/dev/null/x", "/proc/1/root/x"]
)
def test_a_path_the_system_cannot_use_is_one_line_and_exit_2(path: str, tmp_path: Path) -> None:
    done = scaffold("new", "my-api", "--path", path, *FAST, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error: ")
    assert len(done.stderr) < 400


@pytest.mark.parametrize(
    "option",
    [
        None,
        "--apt-runtime",
        "--apt-build",
        "--python",
        "--template",
        "--dep",
        "--description",
        "--author",
        "--system-packages",
        "--path",
    ],
)
def test_a_huge_value_gets_a_short_error(option: str | None, tmp_path: Path) -> None:
    huge = "a" * 5000
    args = [huge] if option is None else ["my-api", option, huge]
    done = scaffold("new", *FAST, *args, cwd=tmp_path)  # the option after FAST wins
    assert done.returncode == 2, done.stderr[:300]
    assert len(done.stderr.splitlines()) == 1
    assert len(done.stderr) < 400, done.stderr[:300]
