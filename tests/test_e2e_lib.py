"""End to end with the real uv: ``scaffold new --template lib`` locks, and ``scaffold validate``
proves the library: its tests, its linters, and a wheel that installs alone and imports."""

from __future__ import annotations

import json
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Cli, uv

pytestmark = pytest.mark.e2e

DOCKER_STEPS = ("sysdeps", "build", "imports", "run")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("e2e-lib")
    result = Cli()(
        "new", "my-lib", "--template", "lib", "--path", parent, "--python", "3.11",
        "--no-validate", "--json",
    )  # fmt: skip
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert [(s["name"], s["status"]) for s in report["steps"]] == [("lock", "ok"), ("git", "ok")]
    assert "uv.lock" in report["files"]
    return Path(report["path"])


def test_validate_passes_with_tests_lint_and_package(project: Path) -> None:
    result = Cli()("validate", project, "--json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["verdict"] == "passed"
    steps = {step["name"]: step for step in report["steps"]}
    for name in ("lock", "sync", "tests", "lint", "package"):
        assert steps[name]["status"] == "ok", steps[name]
    assert "5 passed" in steps["tests"]["detail"]
    assert "ruff check" in steps["lint"]["detail"]
    assert "mypy" in steps["lint"]["detail"]
    assert "the wheel imports my_lib alone" in steps["package"]["detail"]
    for name in DOCKER_STEPS:
        assert (steps[name]["status"], steps[name]["skip_reason"]) == ("skipped", "not_applicable")


def test_generated_project_is_formatted(project: Path) -> None:
    uv(project, "run", "--locked", "ruff", "format", "--check")


def test_the_lock_holds_only_the_library_and_its_dev_tools(project: Path) -> None:
    packages = tomllib.loads((project / "uv.lock").read_text())["package"]
    (own,) = [pkg for pkg in packages if pkg["name"] == "my-lib"]
    assert own.get("dependencies", []) == []
    assert {"mypy", "pytest", "ruff"} <= {pkg["name"] for pkg in packages}


def test_the_wheel_carries_the_types_license_and_metadata(project: Path, tmp_path: Path) -> None:
    uv(project, "build", "--wheel", "--out-dir", str(tmp_path))
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read("my_lib-0.1.0.dist-info/METADATA").decode()
    assert "my_lib/py.typed" in names
    assert "my_lib-0.1.0.dist-info/licenses/LICENSE" in names
    assert "License-Expression: MIT" in metadata
    assert "Requires-Python: >=3.11" in metadata
    assert "Classifier: Typing :: Typed" in metadata
