"""The generated CI's validate job, run here as GitHub would run it: its own command, with
scaffold installed by uvx from a locally built wheel at the pinned version, on a fresh service
(real Docker: the image is built, imports what it ships and answers)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
import yaml

from scaffold import DISTRIBUTION, __version__
from scaffold.create.new import NewOptions, new_project
from scaffold.tools import runner
from tests.conftest import build_wheel

pytestmark = [pytest.mark.docker, pytest.mark.e2e]
ROOT = Path(__file__).parent.parent.parent


@pytest.fixture(scope="module")
def wheel_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    build_wheel(ROOT, out)
    return out


def test_the_validate_jobs_command_proves_a_fresh_service(
    wheel_folder: Path, env: dict[str, str], tmp_path: Path
) -> None:
    report = new_project(
        NewOptions(name="ci-api", parent=tmp_path, python="3.11", git=False, offline=True)
    )
    assert report.post_steps_ok, [s.to_json() for s in report.steps]
    project = Path(report.path)
    ci = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    (command,) = [step["run"] for step in ci["jobs"]["validate"]["steps"] if "run" in step]
    assert command == f"uvx --from {DISTRIBUTION}=={__version__} scaffold validate --strict ."
    summary = tmp_path / "summary.md"
    done = runner.run(
        [runner.uv_binary(), "tool", "run", *shlex.split(command)[1:]],
        cwd=project,
        env={
            **env,
            "UV_FIND_LINKS": str(wheel_folder),
            "CI": "true",  # as on GitHub's runners: isolated builds
            "GITHUB_STEP_SUMMARY": str(summary),
            "NO_COLOR": "1",
            "PATH": os.environ["PATH"],
        },
        timeout=900,
    )
    assert done.ok, done.output
    assert "passed" in done.output
    table = summary.read_text()
    assert table.startswith("### scaffold validate: passed (exit 0)")
    for step in ("build", "imports", "run"):
        assert f"| {step} | ok |" in table, table


def test_uvx_scaffold_proven_new_from_a_local_index_makes_and_proves_a_service(
    wheel_folder: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """The README's first command, `uvx scaffold-proven new my-api`, with the built wheel served
    from a local index folder: rendered, locked, git-initialised and validated for real."""
    done = runner.run(
        [runner.uv_binary(), "tool", "run", f"{DISTRIBUTION}=={__version__}", "new", "my-api"],
        cwd=tmp_path,
        env={**env, "UV_FIND_LINKS": str(wheel_folder), "NO_COLOR": "1"},
        timeout=900,
    )
    assert done.ok, done.output
    assert "passed" in done.output
    # The printed next step builds where validation built: its images, and the CA secret.
    assert f"--build-arg PYTHON_IMAGE={env['SCAFFOLD_PYTHON_IMAGE']}" in done.output
    project = tmp_path / "my-api"
    assert (project / "uv.lock").is_file()
    assert (project / ".git").is_dir()
