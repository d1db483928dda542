"""The lib's CI proves its lower bounds: the `lowest` job's own commands, run here on a library
whose lower bound is too low for the code it ships, fail; with the bound raised, they pass."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.create.new import NewOptions, new_project
from scaffold.tools import runner

pytestmark = pytest.mark.e2e

# typing_extensions.TypeIs arrived in 4.10: a library using it needs >=4.10.
USES_TYPEIS = """from typing_extensions import TypeIs


def is_text(value: object) -> TypeIs[str]:
    return isinstance(value, str)
"""
TEST = """from my_lib.guards import is_text


def test_is_text() -> None:
    assert is_text("x")
"""


def lowest_job(project: Path) -> list[str]:
    ci: dict[str, Any] = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    return [step["run"] for step in ci["jobs"]["lowest"]["steps"] if "run" in step]


def run_job(project: Path, commands: list[str]) -> runner.Completed:
    for command in commands:
        done = runner.run(
            ["bash", "-eo", "pipefail", "-c", command],
            cwd=project,
            env={"VIRTUAL_ENV": ""},  # as on a runner: the project's own .venv
            timeout=600,
        )
        if not done.ok:
            return done
    return done


@pytest.mark.parametrize(
    ("bound", "passes"),
    [("typing-extensions>=4.0,<5", False), ("typing-extensions>=4.10,<5", True)],
)
def test_the_lowest_direct_job_fails_a_lower_bound_that_is_too_low(
    tmp_path: Path, bound: str, passes: bool
) -> None:
    report = new_project(
        NewOptions(
            name="my-lib",
            template="lib",
            parent=tmp_path,
            python="3.11",
            deps=(bound,),
            git=False,
        )
    )
    assert report.post_steps_ok, [s.to_json() for s in report.steps]
    project = Path(report.path)
    (project / "src" / "my_lib" / "guards.py").write_text(USES_TYPEIS)
    (project / "tests" / "test_guards.py").write_text(TEST)
    commands = lowest_job(project)
    assert commands == [
        "uv lock --resolution lowest-direct",
        "uv sync --locked --resolution lowest-direct",
        "uv run --no-sync pytest",
    ]
    done = run_job(project, commands)
    assert done.ok == passes, done.output
    if not passes:
        assert "TypeIs" in done.output
    shutil.rmtree(project / ".venv", ignore_errors=True)
