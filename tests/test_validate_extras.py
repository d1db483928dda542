"""End to end with the real uv: tests whose dependencies live in an optional extra (`.[test]`,
as many CI setups install) run with `--extra` or `[tool.scaffold] extras`; without, the failure
names the extra."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, uv
from tests.test_validate_own_code import write

pytestmark = pytest.mark.e2e

PYPROJECT = """\
[project]
name = "extra-tested"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[project.optional-dependencies]
test = ["pytest>=8", "tomli-w>=1"]
"""
FILES = {
    "extra_tested.py": "def answer() -> int:\n    return 42\n",
    "tests/conftest.py": "import tomli_w  # noqa: F401\n",
    "tests/test_answer.py": (
        "from extra_tested import answer\n\n\n"
        "def test_answer() -> None:\n    assert answer() == 42\n"
    ),
}


def validated_tests(cli: Cli, project: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = cli("validate", project, "--json", "--only", "lock", "--only", "sync",
                 "--only", "tests", *args)  # fmt: skip
    steps = {step["name"]: step for step in json.loads(result.stdout)["steps"]}
    return result.code, steps["tests"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = write(tmp_path / "extra-tested", {"pyproject.toml": PYPROJECT, **FILES})
    uv(project, "lock")
    return project


def test_without_the_extra_the_failure_names_it(cli: Cli, project: Path) -> None:
    code, tests = validated_tests(cli, project)

    assert code == 1, tests
    assert tests["detail"] == (
        "pytest is not installed in the project's environment (pytest comes with the extra "
        """'test': give --extra test, or [tool.scaffold] extras = ["test"])"""
    ), tests


def test_a_conftest_import_from_an_extra_names_it(cli: Cli, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\ndev = ["pytest>=8"]\n')
    uv(project, "lock")

    code, tests = validated_tests(cli, project)

    assert code == 1, tests
    assert "No module named 'tomli_w'" in str(tests["detail"]), tests
    assert str(tests["detail"]).endswith(
        "(tomli-w comes with the extra 'test': give --extra test, or "
        '[tool.scaffold] extras = ["test"])'
    ), tests


def test_extra_on_the_command_line_installs_it(cli: Cli, project: Path) -> None:
    code, tests = validated_tests(cli, project, "--extra", "test")

    assert code == 0, tests
    assert "1 passed" in str(tests["detail"]), tests


def test_extras_in_tool_scaffold_install_them(cli: Cli, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.scaffold]\nextras = ["test"]\n')
    uv(project, "lock")

    code, tests = validated_tests(cli, project)

    assert code == 0, tests
    assert "1 passed" in str(tests["detail"]), tests
