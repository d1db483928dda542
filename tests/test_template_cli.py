"""The cli template: its whole tree, copier parity, its files parsed back, and (e2e) a project
that locks, passes its own tests and linters, and whose console script runs."""

from __future__ import annotations

import json
import sys
import tomllib
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from validate_pyproject import api

from scaffold.create.new import NewOptions, build_spec, new_project
from scaffold.create.render import ANSWERS_FILE
from scaffold.errors import UsageError
from scaffold.tools import runner
from tests.conftest import Cli, assert_copier_renders_the_same
from tests.test_golden import assert_matches_golden

TEMPLATE = Path(__file__).parent.parent / "templates" / "cli"
TOOLS = Path(sys.executable).parent  # hadolint and ruff from scaffold's dev dependencies
# The copyright year is given: its default, this year, would change the golden tree yearly.
OPTIONS = NewOptions(
    name="my-tool",
    template="cli",
    python="3.11",
    data={"copyright_year": "2026"},
    lock=False,
    git=False,
)
# Every character that needs escaping somewhere: TOML and YAML quotes, backslashes, Rich markup.
TRICKY = 'Sums "numbers" \\ greets [bold]people[/bold]'
TRICKY_AUTHOR = 'Ada "Countess" \\ Lovelace'


def rendered(tmp_path: Path, **changes: Any) -> Path:
    return Path(new_project(replace(OPTIONS, parent=tmp_path, **changes)).path)


def dockerfile_instructions(text: str) -> dict[str, list[str]]:
    """Instruction -> its argument lines, continuation lines joined, comments left out."""
    found: dict[str, list[str]] = {}
    for line in text.replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.setdefault(word, []).append(rest.strip())
    return found


# --- the whole tree -------------------------------------------------------------------------


def test_rendered_tree_matches_golden(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Regenerate with ``uv run pytest tests/test_template_cli.py --update-golden``."""
    assert_matches_golden(rendered(tmp_path), "cli", request)


def test_copier_copy_gives_the_same_files(tmp_path: Path) -> None:
    options = replace(
        OPTIONS,
        author=TRICKY_AUTHOR,
        description=TRICKY,
        deps=("psycopg2>=2.9,<3", 'tomli>=2,<3; python_version < "3.11"'),
    )
    assert assert_copier_renders_the_same(options, tmp_path)["template"] == "cli"


# --- each file, parsed back -----------------------------------------------------------------


def test_pyproject_declares_the_console_script_and_the_kind(tmp_path: Path) -> None:
    project = rendered(tmp_path, description=TRICKY, author=TRICKY_AUTHOR)
    data = tomllib.loads((project / "pyproject.toml").read_text())
    api.Validator()(data)
    assert data["project"]["scripts"] == {"my-tool": "my_tool.cli:app"}
    assert data["project"]["description"] == TRICKY
    assert data["project"]["authors"] == [{"name": TRICKY_AUTHOR}]
    assert data["project"]["dependencies"] == ["typer>=0.15,<1"]
    assert data["project"]["license"] == "MIT"
    assert data["project"]["license-files"] == ["LICENSE"]
    assert data["tool"]["scaffold"] == {"kind": "cli"}
    assert data["build-system"]["build-backend"] == "uv_build"
    assert data["tool"]["mypy"]["strict"] is True
    assert (project / "src" / "my_tool" / "cli.py").is_file()
    assert (project / "src" / "my_tool" / "py.typed").is_file()


def test_dockerfile_runs_the_command_as_a_non_root_user(tmp_path: Path) -> None:
    project = rendered(tmp_path, data={"python_image": "mirror.example/python:3.11-slim"})
    found = dockerfile_instructions((project / "Dockerfile").read_text())
    assert found["ARG"] == [
        "PYTHON_IMAGE=mirror.example/python:3.11-slim",
        "UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9",
    ]
    assert found["FROM"] == [
        "${UV_IMAGE} AS uv",
        "${PYTHON_IMAGE} AS builder",
        "${PYTHON_IMAGE} AS runtime",
    ]
    assert [json.loads(line) for line in found["ENTRYPOINT"]] == [["my-tool"]]
    assert [json.loads(line) for line in found["CMD"]] == [["--help"]]
    assert found["USER"] == ["10001:10001"]
    assert "EXPOSE" not in found
    assert "HEALTHCHECK" not in found
    # The runtime stage takes only the virtual environment from the builder.
    runtime = (project / "Dockerfile").read_text().split("AS runtime", 1)[1]
    assert dockerfile_instructions(runtime)["COPY"] == [
        "--from=builder --chown=10001:10001 /app/.venv /app/.venv"
    ]


def test_dockerfile_with_system_packages_passes_hadolint(tmp_path: Path) -> None:
    project = rendered(tmp_path, deps=("psycopg2>=2.9,<3",), apt_runtime=("tini",))
    text = (project / "Dockerfile").read_text()
    assert "libpq-dev" in text
    assert "libpq5" in text
    assert "tini" in text
    done = runner.run(
        [str(TOOLS / "hadolint"), "--no-color", "Dockerfile"], cwd=project, timeout=60
    )
    assert done.ok, done.output


@pytest.mark.parametrize("name", ["my-tool", "a" + "-bcdefghi" * 7])
def test_generated_python_passes_ruff_with_the_longest_names(name: str, tmp_path: Path) -> None:
    """The project's own ruff settings (line length 100) hold for a 64-character name."""
    project = rendered(tmp_path, name=name)
    for args in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        done = runner.run([str(TOOLS / "ruff"), *args], cwd=project, timeout=60)
        assert done.ok, done.output


@pytest.mark.parametrize("name", ["typer", "rich", "click", "shellingham"])
def test_a_project_cannot_shadow_what_the_template_installs(name: str) -> None:
    with pytest.raises(UsageError, match="would shadow"):
        build_spec(NewOptions(name=name, template="cli"))


# --- through scaffold's own command line ----------------------------------------------------


def test_templates_lists_cli(cli: Cli) -> None:
    result = cli("templates")
    assert result.code == 0, result
    assert any(line.split()[:1] == ["cli"] for line in result.stdout.splitlines()), result
    listed = json.loads(cli("templates", "--json").stdout)["templates"]
    (row,) = [row for row in listed if row["name"] == "cli"]
    assert row["kind"] == "cli"
    assert "Typer" in row["summary"]


def test_new_with_template_cli(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "new", "My Tool", "--template", "cli", "--path", tmp_path, "--python", "3.12",
        "--no-lock", "--no-git", "--no-validate", "--json",
    )  # fmt: skip
    assert result.code == 0, result
    payload = json.loads(result.stdout)
    assert payload["next_steps"] == ["uv run my-tool --help", "docker build -t my-tool ."]
    assert "src/my_tool/cli.py" in payload["files"]
    answers = yaml.safe_load((tmp_path / "my-tool" / ANSWERS_FILE).read_text())
    assert answers["template"] == "cli"
    assert answers["python_version"] == "3.12"


# --- end to end: uv locks it, and it passes its own checks ----------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    options = replace(
        OPTIONS,
        parent=tmp_path_factory.mktemp("cli"),
        description=TRICKY,
        author=TRICKY_AUTHOR,
        lock=True,
    )
    report = new_project(options)
    assert report.post_steps_ok, report.steps
    return Path(report.path)


def uv(project: Path, *args: str) -> runner.Completed:
    return runner.run([runner.uv_binary(), *args], cwd=project, timeout=600)


@pytest.mark.e2e
def test_validate_without_docker_passes_tests_and_lint(cli: Cli, project: Path) -> None:
    no_docker = ("--skip", "sysdeps", "--skip", "build", "--skip", "imports", "--skip", "run")
    result = cli("validate", project, "--json", *no_docker)
    assert result.code == 0, result
    data = json.loads(result.stdout)
    assert data["verdict"] == "passed"
    steps = {step["name"]: step for step in data["steps"]}
    for name in ("lock", "sync", "tests", "lint"):
        assert steps[name]["status"] == "ok", steps[name]
    assert "5 passed" in steps["tests"]["detail"]
    assert steps["package"]["skip_reason"] == "not_applicable"


@pytest.mark.e2e
def test_console_script_runs_and_shows_the_description_as_written(project: Path) -> None:
    helped = uv(project, "run", "--locked", "my-tool", "--help")
    assert helped.ok, helped.output
    assert TRICKY in helped.output  # neither TOML escapes nor Rich markup reach the user
    shouted = uv(project, "run", "--locked", "my-tool", "hello", "Ada", "--shout")
    assert shouted.ok, shouted.output
    assert shouted.output.splitlines()[-1] == "HELLO, ADA!"
    version = uv(project, "run", "--locked", "my-tool", "--version")
    assert version.output.splitlines()[-1] == "my-tool 0.1.0"


@pytest.mark.e2e
def test_the_wheel_carries_the_entry_point(project: Path, tmp_path: Path) -> None:
    built = uv(project, "build", "--wheel", "--out-dir", str(tmp_path))
    assert built.ok, built.output
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
        text = archive.read(entry_points).decode()
    assert "[console_scripts]\nmy-tool = my_tool.cli:app" in text
