"""--dep against real uv and real version histories: bounds that lock on every supported Python,
and names that the dependencies' own dependencies take."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from scaffold.create.deps import next_breaking
from scaffold.create.new import NewOptions, new_project
from scaffold.errors import UsageError
from scaffold.report import Status
from scaffold.tools import runner

pytestmark = pytest.mark.e2e


def _locked(project: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pkg in tomllib.loads((project / "uv.lock").read_text())["package"]:
        found.setdefault(pkg["name"], []).append(pkg["version"])
    return found


def _written(project: Path, name: str) -> str:
    deps = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    (dep,) = [d for d in deps if d.startswith(name)]
    return dep.removeprefix(name)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        # numpy's newest releases need newer Pythons than 3.11: the lock forks.
        ("numpy", "numpy"),
        ("numpy>=1.24", "numpy"),  # not <2: the upper bound comes from the lock
        ("pydantic-settings", "pydantic-settings"),  # 2.x
        ("python-multipart", "python-multipart"),  # 0.0.x: the next minor is breaking
    ],
)
def test_open_dependencies_lock_on_every_supported_python(
    given: str, name: str, tmp_path: Path
) -> None:
    report = new_project(
        NewOptions(name="dep-api", parent=tmp_path, python="3.11", deps=(given,), git=False)
    )
    (lock,) = report.steps
    assert lock.status is Status.OK, lock
    project = Path(report.path)
    versions = _locked(project)[name]
    written = SpecifierSet(_written(project, name))
    assert all(v in written for v in versions)
    highest = max(map(Version, versions))
    assert next_breaking(str(highest)) not in written
    if ">=" not in given:
        assert f">={min(map(Version, versions))}" in str(written)
    done = runner.run([runner.uv_binary(), "lock", "--check"], cwd=project, timeout=300)
    assert done.ok, done.output


@pytest.mark.parametrize(
    ("name", "dep"),
    [("certifi", "requests>=2,<3"), ("urllib3", "requests"), ("charset-normalizer", "requests")],
)
def test_a_name_a_dependency_needs_is_refused_before_anything_is_written(
    name: str, dep: str, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match=f"would shadow the package '{name}'") as caught:
        new_project(NewOptions(name=name, parent=tmp_path, python="3.11", deps=(dep,)))
    assert caught.value.hint == f"try '{name}-service'"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "dep", "distribution"),
    [
        ("yaml", "pyyaml", "pyyaml"),  # the module is not named like the distribution
        ("attr", "attrs", "attrs"),  # attrs installs both attr and attrs
        ("dateutil", "arrow", "python-dateutil"),  # through a dependency of the dependency
    ],
)
def test_a_module_name_a_dependency_installs_is_refused_before_anything_is_written(
    name: str, dep: str, distribution: str, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="would clash with the module") as caught:
        new_project(NewOptions(name=name, parent=tmp_path, python="3.11", deps=(dep,)))
    assert f"'{name}'" in caught.value.message
    assert f"'{distribution}' installs" in caught.value.message
    assert caught.value.hint == f"try '{name}-service'"
    assert list(tmp_path.iterdir()) == []


def test_a_users_range_for_a_template_dependency_is_narrowed_and_locks(tmp_path: Path) -> None:
    report = new_project(
        NewOptions(name="narrow-api", parent=tmp_path, python="3.11", deps=("FastAPI",), git=False)
    )
    assert report.steps[0].status is Status.OK, report.steps[0]
    assert _written(Path(report.path), "FastAPI") == ">=0.115,<1"
