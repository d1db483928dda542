"""Answers in layers (preset, data file, --data, options), prompts, and `scaffold templates`."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.create.new import NewOptions, build_spec
from scaffold.create.presets import load_preset
from tests.conftest import FAST, Cli


def answers_of(project: Path) -> dict[str, Any]:
    data = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_templates_lists_each_with_a_line(cli: Cli) -> None:
    result = cli("templates")
    assert result.code == 0, result
    assert "service" in result.stdout
    assert "FastAPI" in result.stdout
    listed = json.loads(cli("templates", "--json").stdout)["templates"]
    assert [row["name"] for row in listed] == sorted(row["name"] for row in listed)
    kinds = {row["name"]: row["kind"] for row in listed}
    assert {"service": "service", "lib": "lib"}.items() <= kinds.items()
    assert all(row["summary"] for row in listed)


def test_data_answers_a_question(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "new", "my-api", "--path", tmp_path, *FAST, "--data", "description=Billing, for real"
    )
    assert result.code == 0, result
    pyproject = tomllib.loads((tmp_path / "my-api" / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == "Billing, for real"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--data", "colour=blue"), "--data: template 'service' asks no question 'colour'"),
        (("--data", "python_version=2.7"), "'python_version' must be one of 3.11"),
        (("--data", "project_name=other"), "'project_name' is worked out by scaffold"),
        (("--data", "novalue"), "--data 'novalue' is not key=value"),
    ],
)
def test_bad_data_names_the_key(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli("new", "my-api", "--path", tmp_path, *FAST, *args)
    assert result.code == 2, result
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".yml", ".toml"])
def test_a_data_file_in_yaml_or_toml(cli: Cli, tmp_path: Path, suffix: str) -> None:
    data = tmp_path / f"answers{suffix}"
    if suffix == ".toml":
        data.write_text('author = "Ada"\ndescription = "From a file"\n')
    else:
        data.write_text("author: Ada\ndescription: From a file\n")
    out = tmp_path / "out"
    result = cli("new", "my-api", "--path", out, *FAST, "--data-file", data, "--author", "Grace")
    assert result.code == 0, result
    answers = answers_of(out / "my-api")
    assert answers["description"] == "From a file"
    assert answers["author"] == "Grace"  # the option beats the file


def test_a_preset_sets_the_teams_images_and_defaults(cli: Cli, tmp_path: Path) -> None:
    preset = tmp_path / "acme.toml"
    preset.write_text(
        'author = "Platform Team"\n'
        'python = "3.12"\n'
        'python-image = "registry.acme.example/python:3.12-slim-bookworm"\n'
        'uv-image = "registry.acme.example/astral-sh/uv:0.13.9"\n'
        "[data]\n"
        'description = "An Acme service"\n'
    )
    data = tmp_path / "answers.yml"
    data.write_text("description: From the data file\n")
    out = tmp_path / "out"
    result = cli(
        "new", "my-api", "--path", out, "--no-lock", "--no-git", "--no-validate",
        "--preset", preset, "--data-file", data,
    )  # fmt: skip
    assert result.code == 0, result
    project = out / "my-api"
    dockerfile = (project / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=registry.acme.example/python:3.12-slim-bookworm\n" in dockerfile
    assert "ARG UV_IMAGE=registry.acme.example/astral-sh/uv:0.13.9\n" in dockerfile
    answers = answers_of(project)
    assert answers["author"] == "Platform Team"
    assert answers["python_version"] == "3.12"
    assert answers["description"] == "From the data file"  # the data file beats the preset


def test_the_preset_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    preset = tmp_path / "team.toml"
    preset.write_text('author = "Team From Env"\n')
    monkeypatch.setenv("SCAFFOLD_PRESET", str(preset))
    spec = build_spec(NewOptions(name="my-api", python="3.11", lock=False))
    assert spec.author == "Team From Env"
    assert load_preset(None).path == preset


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "blue"\n', "unknown preset key 'colour'"),
        ("python = 3.12\n", "'python' must be a non-empty string"),
        ("dependencies = 'requests'\n", "'dependencies' must be a list of strings"),
    ],
)
def test_a_bad_preset_is_one_line(cli: Cli, tmp_path: Path, text: str, message: str) -> None:
    preset = tmp_path / "bad.toml"
    preset.write_text(text)
    result = cli("new", "my-api", "--path", tmp_path / "out", *FAST, "--preset", preset)
    assert result.code == 2, result
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_prompts_ask_again_with_the_reason() -> None:
    asked: list[tuple[str, object, str | None]] = []
    replies = {
        "description": ["A prompted service"],
        "author": ["Ada"],
        "python_version": ["2.7", "3.12"],
    }

    def ask(key: str, question: object, default: object, problem: str | None) -> object:
        asked.append((key, default, problem))
        return replies[key].pop(0)

    spec = build_spec(NewOptions(name="my-api", lock=False, ask=ask))
    assert spec.description == "A prompted service"
    assert spec.python == "3.12"
    keys = [key for key, _, _ in asked]
    assert keys == ["description", "author", "python_version", "python_version"]
    assert asked[0][1] == "An HTTP service."  # the default is shown
    assert "must be one of" in str(asked[3][2])  # and the reason for asking again


def test_options_given_are_not_asked() -> None:
    asked: list[str] = []

    def ask(key: str, question: object, default: object, problem: str | None) -> object:
        asked.append(key)
        return default

    build_spec(NewOptions(name="my-api", python="3.11", description="given", lock=False, ask=ask))
    assert asked == ["author"]


def test_a_terminal_gets_the_questions(tmp_path: Path) -> None:
    """A real pseudo-terminal: the prompts show, the answers land in the project."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "new", "my-api", "--path", str(tmp_path),
         "--no-lock", "--no-git", "--no-validate"],
        stdin=child, stdout=child, stderr=child, env=env, close_fds=True,
    )  # fmt: skip
    os.close(child)
    seen = b""
    try:
        for reply, prompt in (
            (b"Typed in a terminal\n", b"One line"),
            (b"Ada\n", b"Author"),
            (b"3.12\n", b"Python version"),
        ):
            seen = _read_until(main, prompt, seen)
            os.write(main, reply)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert proc.returncode == 0, seen.decode(errors="replace")
    answers = answers_of(tmp_path / "my-api")
    assert answers["description"] == "Typed in a terminal"
    assert answers["author"] == "Ada"
    assert answers["python_version"] == "3.12"


def _read_until(fd: int, needle: bytes, seen: bytes) -> bytes:
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


def test_next_steps_come_from_the_template(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "billing", "--path", tmp_path, *FAST, "--json")
    assert result.code == 0, result
    steps = json.loads(result.stdout)["next_steps"]
    assert steps == ["uv run uvicorn billing.main:app --reload", "docker build -t billing ."]
