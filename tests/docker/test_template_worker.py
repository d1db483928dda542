"""The worker template in real containers: `scaffold new --template worker` validates in full,
Docker's own health status turns healthy, a job dropped into the spool is handled, and
`docker stop` ends it on SIGTERM (exit 0) well within its 10 s grace; without its SIGTERM
handler, validation fails."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from scaffold.tools.docker import Docker
from tests.conftest import Cli, scaffold_labelled
from tests.docker.conftest import TOKEN, Measure, build_or_fail

pytestmark = pytest.mark.docker

STOP_GRACE = 10  # what docker stop waits for SIGTERM before SIGKILL


@pytest.fixture(scope="module")
def created(
    docker: Docker, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], set[str], set[str]]:
    """`scaffold new my-worker --template worker` with full validation, run once: the project,
    the JSON report, and validate's labelled containers and images from before it ran."""
    containers_before = set(scaffold_labelled(docker, "containers"))
    images_before = set(scaffold_labelled(docker, "images"))
    parent = tmp_path_factory.mktemp("worker")
    result = Cli()(
        "new", "my-worker", "--template", "worker", "--path", parent, "--python", "3.11",
        "--shared-cache", "--json", env=env,
    )  # fmt: skip
    assert result.code == 0, result
    return parent / "my-worker", json.loads(result.stdout), containers_before, images_before


def test_new_worker_validates_in_full(
    docker: Docker,
    created: tuple[Path, dict[str, Any], set[str], set[str]],
    measure: Measure,
) -> None:
    _, payload, containers_before, images_before = created
    validation = payload["validation"]
    steps = {step["name"]: step for step in validation["steps"]}

    assert validation["verdict"] == "passed", validation
    for name in ("lock", "sync", "tests", "lint", "build", "imports", "run"):
        assert steps[name]["status"] == "ok", steps[name]
    run = steps["run"]
    assert "the image's command stayed up for" in run["detail"], run
    assert "HEALTHCHECK passes" in run["detail"], run
    assert "stops on SIGTERM in" in run["detail"], run
    assert run["data"]["uid"] == "10001", run
    assert run["data"]["stop_seconds"] < 3, run  # SIGTERM, not docker stop's SIGKILL at 10 s
    # Every module of my_worker (not __main__, which would run it), as uid 10001.
    assert steps["imports"]["data"]["modules"] == 4, steps["imports"]
    measure("worker image size", f"{steps['build']['data']['image_size'] / 1e6:.0f} MB")
    measure("worker build time (validate, shared cache)", f"{steps['build']['duration']:.1f} s")
    measure("worker stop on SIGTERM (validate)", f"{run['data']['stop_seconds']:.2f} s")
    # Everything validate started or built is gone.
    assert set(scaffold_labelled(docker, "containers")) - containers_before == set()
    assert set(scaffold_labelled(docker, "images")) - images_before == set()


def wait_for(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_container_turns_healthy_handles_a_job_and_stops_on_sigterm(
    docker: Docker,
    ca_bundle: Path | None,
    created: tuple[Path, dict[str, Any], set[str], set[str]],
    measure: Measure,
) -> None:
    project = created[0]
    tag = f"scaffold-test/my-worker:{TOKEN}"
    name = f"scaffold-test-my-worker-{TOKEN}"
    try:
        build_or_fail(docker, project, tag, ca_bundle)
        started = time.monotonic()
        done = docker.command("run", "--detach", "--name", name, tag)
        assert done.ok, done.output

        def health() -> str:
            return docker.inspect(name, "{{.State.Health.Status}}") or ""

        assert wait_for(lambda: health() == "healthy", 30), (health(), docker.logs(name))
        measure("worker healthy after start", f"{time.monotonic() - started:.1f} s")

        # A job written under a hidden name and renamed in, as the README says.
        drop = "cd /tmp/my-worker-spool && printf hello > .job-1 && mv .job-1 job-1"
        done = docker.exec(name, "sh", "-c", drop)
        assert done.ok, done.output
        assert wait_for(lambda: "handled job job-1 (5 bytes)" in docker.logs(name), 10), (
            docker.logs(name)
        )

        began = time.monotonic()
        done = docker.stop(name, STOP_GRACE)
        took = time.monotonic() - began
        assert done.ok, done.output
        assert docker.inspect(name, "{{.State.ExitCode}}") == "0", docker.logs(name)
        assert took < 3, took
        assert "stopped" in docker.logs(name)
        measure("worker docker stop", f"{took:.2f} s")
    finally:
        docker.remove_container(name)
        docker.remove_image(tag)
    assert docker.inspect(name, "{{.Id}}") is None
    assert docker.inspect(tag, "{{.Id}}") is None


def test_a_worker_that_ignores_sigterm_fails_run(
    cli: Cli,
    env: dict[str, str],
    created: tuple[Path, dict[str, Any], set[str], set[str]],
    tmp_path: Path,
) -> None:
    """Without its SIGTERM handler the worker, as PID 1, ignores SIGTERM: docker stop has to
    kill it, and validation of a worker says so."""
    project = tmp_path / "my-worker"
    shutil.copytree(created[0], project, ignore=shutil.ignore_patterns(".venv"))
    worker = project / "src" / "my_worker" / "worker.py"
    handled = "(signal.SIGTERM, signal.SIGINT)"
    assert worker.read_text().count(handled) == 1
    worker.write_text(worker.read_text().replace(handled, "(signal.SIGINT,)"))

    result = cli(
        "validate", project, "--only", "build", "--only", "run", "--shared-cache", "--json",
        env=env,
    )  # fmt: skip

    assert result.code == 1, result
    run = {step["name"]: step for step in json.loads(result.stdout)["steps"]}["run"]
    assert run["status"] == "failed", run
    assert run["exit_code"] == 137, run
    assert "docker stop had to kill it" in run["detail"], run
