"""The built-in worker template: its whole tree, copier parity, the linters of its formats, every
offered Python, its reserved names, and (marker e2e) the generated project passing its own checks.

The Docker side (the image builds, runs, turns healthy and stops on SIGTERM) is in
tests/docker/test_template_worker.py.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from validate_pyproject import api

from scaffold.create.new import NewOptions, new_project
from scaffold.create.spec import SUPPORTED_PYTHONS
from scaffold.create.templates import available, load_template
from scaffold.errors import UsageError
from scaffold.tools import runner
from scaffold.validate.validation import ValidateOptions, validate_project
from tests.conftest import GOLDEN, Cli, assert_copier_renders_the_same
from tests.test_generated_files import HADOLINT
from tests.test_golden import assert_matches_golden
from tests.test_python_versions import _installed_names, uv

TEMPLATE_DIR = Path(__file__).parent.parent / "templates" / "worker"
TEMPLATE = load_template("worker")
GOLDEN_CASE = NewOptions(name="my-worker", template="worker", python="3.11", lock=False, git=False)


def rendered(tmp_path: Path, **changes: Any) -> Path:
    return Path(new_project(replace(GOLDEN_CASE, parent=tmp_path, **changes)).path)


def test_the_worker_template_is_listed(cli: Cli) -> None:
    assert "worker" in available()
    result = cli("templates")
    assert result.code == 0, result
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("worker"))
    assert "consumer loop" in line
    assert TEMPLATE.kind == "worker"


def test_rendered_tree_matches_golden(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    assert_matches_golden(rendered(tmp_path), "worker", request)


def test_the_project_is_a_worker_with_no_port_and_no_runtime_dependency() -> None:
    pyproject = tomllib.loads((GOLDEN / "worker" / "pyproject.toml").read_text())
    assert pyproject["tool"]["scaffold"] == {"kind": "worker"}
    assert pyproject["project"]["dependencies"] == []
    assert pyproject["project"]["scripts"] == {"my-worker": "my_worker.worker:main"}
    assert pyproject["build-system"]["build-backend"] == "uv_build"
    dockerfile = (GOLDEN / "worker" / "Dockerfile").read_text()
    assert not [line for line in dockerfile.splitlines() if line.startswith("EXPOSE")]
    assert 'CMD ["python", "-m", "my_worker"]' in dockerfile
    assert 'CMD ["python", "-m", "my_worker.health"]' in dockerfile
    assert "USER 10001:10001" in dockerfile


def test_copier_copy_gives_the_same_files(tmp_path: Path) -> None:
    options = NewOptions(
        name="my-worker",
        template="worker",
        parent=tmp_path / "scaffold",
        python="3.13",
        author='Ada "Countess" \\ Lovelace',
        description='Quotes " and backslashes \\ are escaped the same way by both',
        deps=("psycopg2>=2.9,<3",),
        lock=False,
        git=False,
    )
    answers = assert_copier_renders_the_same(options, tmp_path)
    assert answers["template"] == "worker"
    # The answers reach their formats escaped: TOML reads back what was given.
    pyproject = tmp_path / "scaffold" / "my-worker" / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text())["project"]
    assert project["description"] == options.description
    assert project["authors"] == [{"name": options.author}]


def test_the_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    for project in (
        GOLDEN / "worker",
        rendered(tmp_path, deps=("psycopg2>=2.9,<3",), apt_runtime=("tini",)),
    ):
        done = runner.run([str(HADOLINT), "--no-color", str(project / "Dockerfile")], timeout=60)
        assert done.ok, done.output


def test_the_pyproject_passes_validate_pyproject() -> None:
    api.Validator()(tomllib.loads((GOLDEN / "worker" / "pyproject.toml").read_text()))


def test_the_template_offers_scaffolds_pythons() -> None:
    assert TEMPLATE.choices("python_version") == list(SUPPORTED_PYTHONS)
    assert TEMPLATE.default("python_version") in SUPPORTED_PYTHONS


def test_a_reserved_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="would shadow 'pytest'"):
        rendered(tmp_path, name="pytest")


@pytest.mark.e2e
@pytest.mark.parametrize("python", SUPPORTED_PYTHONS)
def test_every_offered_python_locks_with_the_dev_dependencies(python: str, tmp_path: Path) -> None:
    found = uv(tmp_path, "python", "find", python, env={"UV_PYTHON_DOWNLOADS": "never"}).ok
    project = rendered(tmp_path, python=python, lock=found)
    if found:
        done = uv(project, "lock", "--check")
    else:
        # As in tests/test_python_versions.py: no interpreter of that version here, so uv's
        # universal resolver proves the requirements resolve for it.
        args = ["pip", "compile", "pyproject.toml", "--group", "dev", "--universal"]
        args += ["--python-version", python, "--no-header", "--quiet"]
        done = uv(project, *args, "--offline")
        if not done.ok:
            done = uv(project, *args)
    assert done.ok, done.output


@pytest.mark.e2e
def test_reserved_names_cover_the_templates_dependencies(tmp_path: Path) -> None:
    """A new release of a dev dependency that adds a dependency of its own fails this test: add
    the new names to _scaffold_reserved_names in templates/worker/copier.yml."""
    project = rendered(tmp_path, name="probe-worker", python=SUPPORTED_PYTHONS[0], lock=True)
    locked = {pkg["name"] for pkg in tomllib.loads((project / "uv.lock").read_text())["package"]}
    synced = uv(project, "sync", "--locked")
    assert synced.ok, synced.output
    (site,) = project.glob(".venv/lib/python*/site-packages")
    normalized = {re.sub(r"[-_.]+", "-", name).lower() for name in locked | _installed_names(site)}
    missing = normalized - TEMPLATE.reserved_names - {"probe-worker", "probe-worker-pth"}
    assert not missing, f"add to _scaffold_reserved_names: {sorted(missing)}"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "name", ["my-worker", "a-worker-with-the-longest-name-scaffold-takes-sixty-four-chars-x"]
)
def test_validate_without_docker_passes_tests_and_lint(name: str, tmp_path: Path) -> None:
    assert len(name) <= 64
    report = new_project(
        NewOptions(name=name, template="worker", parent=tmp_path, python="3.11", git=False)
    )
    assert report.post_steps_ok, [step.to_json() for step in report.steps]
    assert report.next_steps[0] == f"uv run python -m {report.package}"

    result = validate_project(
        Path(report.path),
        ValidateOptions(skip=frozenset({"sysdeps", "build", "imports", "run"})),
    )

    steps = {step.name: step for step in result.steps}
    assert steps["tests"].status.value == "ok", steps["tests"]
    assert "9 passed" in steps["tests"].detail, steps["tests"]
    assert steps["lint"].status.value == "ok", steps["lint"]
    assert result.verdict.value == "passed", [step.to_json() for step in result.steps]
