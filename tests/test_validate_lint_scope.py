"""End to end with the real uv, ruff and mypy: lint checks what the project's own linters
check. A library whose checks cover its package and tests is not failed on a fuzz folder or a
noxfile its maintainers never lint; a scope the project configures is the one used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, uv
from tests.test_validate_own_code import write

pytestmark = pytest.mark.e2e

UNSCOPED = """\
[project]
name = "scoped"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[dependency-groups]
dev = ["pytest>=8", "ruff>=0.8", "mypy>=1.13"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.ruff.lint]
select = ["E", "F"]

[tool.mypy]
strict = true
"""
FILES = {
    "src/scoped/__init__.py": "def double(x: int) -> int:\n    return 2 * x\n",
    "tests/test_scoped.py": (
        "from scoped import double\n\n\ndef test_double() -> None:\n    assert double(2) == 4\n"
    ),
    # Never linted by the project: an unused import (ruff F401) and untyped code (mypy).
    "fuzz/fuzz_double.py": "import os\n\n\ndef fuzz(data):\n    return data\n",
    "noxfile.py": "import sys\n\n\ndef tests(session):\n    session.run('pytest')\n",
}


def lint_of(cli: Cli, project: Path) -> tuple[int, dict[str, object]]:
    result = cli(
        "validate", project, "--json", "--only", "lock", "--only", "sync", "--only", "lint"
    )
    steps = {step["name"]: step for step in json.loads(result.stdout)["steps"]}
    return result.code, steps["lint"]


def test_without_a_configured_scope_the_package_and_its_tests_are_linted(
    cli: Cli, tmp_path: Path
) -> None:
    project = write(tmp_path / "scoped", {"pyproject.toml": UNSCOPED, **FILES})
    uv(project, "lock")

    code, lint = lint_of(cli, project)

    assert code == 0, lint
    assert lint["status"] == "ok", lint
    assert "ruff check --no-fix src tests" in str(lint["command"]), lint
    assert "mypy src" in str(lint["command"]), lint  # the package; its tests may be untyped
    assert "mypy src tests" not in str(lint["command"]), lint


def test_a_scope_the_project_configures_is_the_one_linted(cli: Cli, tmp_path: Path) -> None:
    scoped = UNSCOPED.replace(
        "[tool.ruff.lint]",
        '[tool.ruff]\ninclude = ["src/**/*.py", "fuzz/**/*.py"]\n\n[tool.ruff.lint]',
    ).replace("strict = true", 'strict = true\nfiles = ["src", "fuzz"]')
    project = write(tmp_path / "scoped", {"pyproject.toml": scoped, **FILES})
    uv(project, "lock")

    code, lint = lint_of(cli, project)

    assert code == 1, lint
    assert "fuzz/fuzz_double.py" in str(lint["output_tail"]), lint
    assert "noxfile.py" not in str(lint["output_tail"]), lint
