"""The generated pyproject.toml: valid against the schema, bounded, and consistent."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from validate_pyproject import api, errors

from scaffold.create.new import NewOptions, new_project
from scaffold.create.templates import load_template
from tests.conftest import GOLDEN

GOLDEN_CASES = sorted(p.name for p in GOLDEN.iterdir())


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden_pyproject_validates_against_the_schema(case: str) -> None:
    data = tomllib.loads((GOLDEN / case / "pyproject.toml").read_text())
    api.Validator()(data)


def test_the_validator_can_fail() -> None:
    data = tomllib.loads((GOLDEN / "service" / "pyproject.toml").read_text())
    data["project"]["version"] = "not a version"
    with pytest.raises(errors.ValidationError):
        api.Validator()(data)


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_every_dependency_has_lower_and_upper_bounds(case: str) -> None:
    data = tomllib.loads((GOLDEN / case / "pyproject.toml").read_text())
    requirements = data["project"]["dependencies"] + data["dependency-groups"]["dev"]
    for text in requirements:
        operators = {spec.operator for spec in Requirement(text).specifier}
        assert operators & {">=", ">", "~=", "=="}, text
        assert operators & {"<", "<=", "~=", "=="}, text


def test_python_version_flows_everywhere(tmp_path: Path) -> None:
    report = new_project(
        NewOptions(name="my-api", parent=tmp_path, python="3.13", lock=False, git=False)
    )
    root = Path(report.path)
    assert (root / ".python-version").read_text() == "3.13\n"
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["project"]["requires-python"] == ">=3.13"
    assert data["tool"]["ruff"]["target-version"] == "py313"
    assert data["tool"]["mypy"]["python_version"] == "3.13"
    assert "ARG PYTHON_IMAGE=python:3.13-slim-trixie\n" in (root / "Dockerfile").read_text()


def test_uv_image_matches_the_uv_scaffold_runs() -> None:
    """The Dockerfile's uv image is pinned to the uv that made the lock; bump them together."""
    assert load_template("service").default("uv_version") == version("uv")
