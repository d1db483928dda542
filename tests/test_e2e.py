"""End to end with the real uv: the generated project locks, syncs, and passes its own checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scaffold.create.new import NewOptions, new_project
from scaffold.report import Status
from tests.conftest import uv

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("e2e")
    report = new_project(NewOptions(name="my-api", parent=parent, python="3.11"))
    assert report.post_steps_ok, report.steps
    assert [s.name for s in report.steps] == ["lock", "git"]
    return Path(report.path)


def test_lock_is_made_by_uv_and_reproducible(project: Path) -> None:
    lock = project / "uv.lock"
    data = tomllib.loads(lock.read_text())
    names = {pkg["name"] for pkg in data["package"]}
    assert {"fastapi", "uvicorn", "pytest", "mypy", "ruff", "my-api"} <= names
    assert all("version" in pkg for pkg in data["package"])
    before = lock.read_bytes()
    uv(project, "lock", "--check")
    uv(project, "lock")
    assert lock.read_bytes() == before


@pytest.mark.parametrize(
    "command",
    [
        ("sync", "--locked"),
        ("run", "--locked", "pytest", "-q"),
        ("run", "--locked", "ruff", "check"),
        ("run", "--locked", "ruff", "format", "--check"),
        ("run", "--locked", "mypy", "src"),
        ("run", "--locked", "mypy"),
    ],
    ids=" ".join,
)
def test_generated_project_is_clean(project: Path, command: tuple[str, ...]) -> None:
    uv(project, *command)


def test_readme_module_path_imports(project: Path) -> None:
    readme = (project / "README.md").read_text()
    assert "uv run uvicorn my_api.main:app --reload" in readme
    assert "src.my_api" not in readme
    done = uv(
        project, "run", "--locked", "python", "-c", "from my_api.main import app; print(app.title)"
    )
    assert done.output.strip().endswith("my-api")


def test_open_dependency_gets_bounds_from_the_lock(tmp_path: Path) -> None:
    report = new_project(
        NewOptions(name="fetcher", parent=tmp_path, python="3.11", deps=("requests",), git=False)
    )
    (lock,) = report.steps
    assert lock.status is Status.OK, lock
    root = Path(report.path)
    locked = {
        pkg["name"]: pkg["version"]
        for pkg in tomllib.loads((root / "uv.lock").read_text())["package"]
    }
    major = int(locked["requests"].split(".")[0])
    expected = f"requests>={locked['requests']},<{major + 1}"
    assert (
        expected in tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    )
    assert expected in (root / ".copier-answers.yml").read_text()
    uv(root, "lock", "--check")


def test_offline_uses_the_warm_cache(tmp_path: Path, project: Path) -> None:
    # The module's project warmed uv's cache; --offline must now resolve from it alone.
    assert project.is_dir()
    report = new_project(
        NewOptions(name="cached-api", parent=tmp_path, python="3.11", offline=True, git=False)
    )
    assert report.steps[0].status is Status.OK, report.steps[0]
    assert "--offline" in (report.steps[0].command or "")
    assert (Path(report.path) / "uv.lock").is_file()
