"""`scaffold validate`'s Docker steps against real projects, healthy and broken on purpose.

One healthy project is generated (and built once, to warm BuildKit's cache) per module; each
fault test breaks a copy of it, so its dependency layer is CACHED and its build takes seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scaffold.create.new import NewOptions, new_project
from scaffold.tools import runner
from scaffold.tools.docker import Docker
from scaffold.validate.steplist import STEPS
from tests.conftest import (
    LOCAL_POSTGRES_IMAGE,
    LOCAL_PYTHON_IMAGE,
    Cli,
    scaffold_labelled,
)
from tests.docker.conftest import TOKEN, Measure, build_or_fail

pytestmark = pytest.mark.docker

# The names validate puts in its throw-away container and image names: this session's own, so
# that its "nothing left behind" checks never see another session's on the same daemon.
PROJECT = f"probe-{TOKEN}"
PACKAGE = PROJECT.replace("-", "_")
FRESH = f"my-api-{TOKEN}"
# Shared BuildKit cache: these tests break the image, not its dependencies (the isolated build
# has a test of its own).
DOCKER_STEPS = ("--only", "build", "--only", "run", "--shared-cache")


def remove_leftovers(docker: Docker, project: str) -> None:
    for kind, name in (item.split(" ", 1) for item in leftovers(docker, project)):
        if kind == "container":
            image = docker.inspect(name, "{{.Image}}")
            docker.remove_container(name)
            # validate's `image rm --force` only untags an image a container still uses
            if image and docker.inspect(image, "{{len .RepoTags}}") == "0":
                docker.remove_image(image)
        else:
            docker.remove_image(name)


@pytest.fixture(scope="module")
def healthy_project(
    docker: Docker,
    ca_bundle: Path | None,
    tmp_path_factory: pytest.TempPathFactory,
    measure: Measure,
) -> Path:
    """A healthy service, built once so the copies' dependency layers come from the cache."""
    report = new_project(
        NewOptions(
            name=PROJECT, parent=tmp_path_factory.mktemp("healthy"), python="3.11", git=False
        )
    )
    assert report.post_steps_ok, [step.to_json() for step in report.steps]
    tag = f"scaffold-test/{PROJECT}-warm:{TOKEN}"
    try:
        done = build_or_fail(docker, Path(report.path), tag, ca_bundle)
    finally:
        docker.remove_image(tag)  # the build cache stays
    measure(f"build time {PROJECT} (warm-up)", f"{done.duration:.1f} s")
    return Path(report.path)


@pytest.fixture
def copy(docker: Docker, healthy_project: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the healthy project, for one test to break.

    Whatever validate left behind for it is removed afterwards (after the test checked that
    there was nothing), so one failure does not leak into the next test or the machine."""
    target = tmp_path / PROJECT
    shutil.copytree(healthy_project, target)
    yield target
    remove_leftovers(docker, PROJECT)


def edit_dockerfile(project: Path, old: str, new: str) -> None:
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    assert text.count(old) == 1, f"{old!r} is not in the template's Dockerfile once"
    dockerfile.write_text(text.replace(old, new))


def replace_cmd(project: Path, cmd: list[str]) -> None:
    dockerfile = project / "Dockerfile"
    lines = dockerfile.read_text().splitlines()
    cmds = [i for i, line in enumerate(lines) if line.startswith("CMD ")]
    assert len(cmds) == 1, lines
    lines[cmds[0]] = f"CMD {json.dumps(cmd)}"
    dockerfile.write_text("\n".join(lines) + "\n")


def steps_of(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in payload["steps"]}


def validate_json(cli: Cli, env: dict[str, str], project: Path, *args: str) -> tuple[int, Any]:
    result = cli("validate", project, "--json", *args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result
    try:
        payload = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"validate --json printed no JSON:\n{result!r}")
    return result.code, payload


def leftovers(docker: Docker, project: str = PROJECT) -> list[str]:
    """Containers and images validate made for ``project`` that still exist."""
    prefix = f"scaffold-validate-{project}-"
    containers = docker.command("ps", "-a", "--format", "{{.Names}}").output.split()
    images = docker.command("images", "--format", "{{.Repository}}:{{.Tag}}").output.split()
    return [f"container {c}" for c in containers if c.startswith(prefix)] + [
        f"image {i}" for i in images if i.startswith(prefix)
    ]


# --- a. the happy path ----------------------------------------------------------------------


def test_new_validates_a_fresh_service(
    docker: Docker, cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    containers_before = set(scaffold_labelled(docker, "containers"))
    images_before = set(scaffold_labelled(docker, "images"))

    result = cli("new", FRESH, "--path", tmp_path, "--python", "3.11", "--json", env=env)

    assert result.code == 0, result
    payload = json.loads(result.stdout)
    steps = steps_of(payload["validation"])
    assert list(steps) == list(STEPS)
    assert payload["validation"]["verdict"] == "passed"
    not_ok = {
        name: (s["status"], s["detail"])
        for name, s in steps.items()
        if s["status"] != "ok" and s["skip_reason"] != "not_applicable"
    }
    assert steps["services"]["detail"] == "no compose file with services"
    assert not not_ok, not_ok
    run = steps["run"]["data"]
    assert isinstance(run["uid"], str)
    assert run["uid"].isdigit()
    assert run["uid"] != "0"
    image_size = steps["build"]["data"]["image_size"]
    assert isinstance(image_size, int)
    assert image_size > 0
    assert json.loads(run["health_body"] or "null") == {"status": "ok"}
    # Everything validate started or built is gone (the images the other tests built for the
    # session carry the label too, hence the comparison with what was there before).
    assert set(scaffold_labelled(docker, "containers")) - containers_before == set()
    assert set(scaffold_labelled(docker, "images")) - images_before == set()
    assert leftovers(docker, FRESH) == []


# --- b. a Dockerfile step fails -------------------------------------------------------------


def test_broken_dockerfile_step_fails_build_and_skips_run(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    edit_dockerfile(
        copy, "USER 10001:10001\n", "USER 10001:10001\nRUN echo scaffold-broken-step && exit 3\n"
    )

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "300")

    assert code == 1, payload
    steps = steps_of(payload)
    build = steps["build"]
    assert build["status"] == "failed", build
    # The detail names the Dockerfile step (stage, position, instruction) and why it failed.
    step = r"\[runtime \d+/\d+\] RUN echo scaffold-broken-step && exit 3"
    assert re.search(step, build["detail"]), build
    assert "exit code: 3" in build["output_tail"], build
    run = steps["run"]
    assert run["status"] == "skipped", run
    assert "'build'" in run["detail"], run
    assert leftovers(docker) == []


def test_a_base_image_that_cannot_be_pulled_is_named_with_the_way_out(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """What a team behind a registry mirror meets first; `.invalid` never resolves anywhere.
    No registry answered, so the project is not shown to fail: not proven (exit 5)."""
    image = "registry.invalid/python:3.11-slim"

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--python-image", image)

    assert code == 5, payload
    assert payload["verdict"] == "not_proven", payload
    build = steps_of(payload)["build"]
    assert (build["status"], build["skip_reason"]) == ("skipped", "unavailable"), build
    assert build["detail"] == (
        f"cannot pull {image} (no registry reachable? give --python-image/--uv-image or a mirror)"
    ), build
    assert leftovers(docker) == []


# --- c. the service never answers ------------------------------------------------------------


def test_a_server_listening_on_loopback_only_fails_fast_with_the_cause(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """uvicorn's default host is 127.0.0.1: it answers inside the container, never on the
    published port. The commonest way to ship an unreachable service."""
    edit_dockerfile(copy, '"--host", "0.0.0.0", ', "")

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "60")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["detail"] == (
        "/health answers inside the container but not on the published port 8000: the server "
        "listens on 127.0.0.1 only; make it listen on 0.0.0.0 (uvicorn --host 0.0.0.0, "
        "gunicorn --bind 0.0.0.0:8000)"
    ), run
    assert run["duration"] < 30, run  # it does not wait out the whole --timeout
    assert leftovers(docker) == []


def test_a_server_on_another_port_than_the_image_says_fails_fast_naming_both(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    # The server listens on 8001 while the image (EXPOSE, [tool.scaffold]) says 8000.
    edit_dockerfile(copy, '"--port", "8000"]', '"--port", "8001"]')

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "60")

    assert code == 1, payload
    steps = steps_of(payload)
    assert steps["build"]["status"] == "ok", steps["build"]
    run = steps["run"]
    assert run["status"] == "failed", run
    assert run["detail"] == (
        "the server's log says it listens on port 8001, but the image is checked on port 8000: "
        "give --port 8001, or make EXPOSE and [tool.scaffold] port say 8001 (or the server "
        "listen on 8000)"
    ), run
    assert run["duration"] < 30, run  # it does not wait out the whole --timeout
    assert leftovers(docker) == []


def test_a_server_that_never_listens_fails_run_after_the_timeout(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """Nothing to tell from inside or from the log: validate waits for --timeout, no less."""
    replace_cmd(copy, ["python", "-c", "import time; time.sleep(600)"])

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "20")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["status"] == "failed", run
    assert run["detail"].startswith("/health did not answer 200 on port 8000 within 20 s"), run
    assert run["duration"] >= 19, run
    assert leftovers(docker) == []


# --- d. the container exits at start ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cmd", "exit_code"),
    [
        # uvicorn exits with 3 (STARTUP_FAILURE) when it cannot import the app, after ~0.5 s
        (["uvicorn", "no_such_module:app", "--host", "0.0.0.0", "--port", "8000"], 3),  # noqa: S104
        # python exits with 1 at once: the container may be gone before validate asks its port
        (["python", "-m", "no_such_module"], 1),
    ],
    ids=["uvicorn-import-error", "python-exits-at-once"],
)
def test_container_exiting_at_start_fails_run_with_code_and_logs(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path, cmd: list[str], exit_code: int
) -> None:
    replace_cmd(copy, cmd)

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "60")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["status"] == "failed", run
    expected = f"the container exited with code {exit_code} before /health answered"
    assert expected in run["detail"], run
    assert "no_such_module" in (run["output_tail"] or ""), run
    assert leftovers(docker) == []


# --- e. Ctrl-C ----------------------------------------------------------------------------


def validate_containers(docker: Docker, *, all_states: bool) -> list[str]:
    """Names of validate's containers for PROJECT: running ones, or also created/exited."""
    args = ["ps", "-a"] if all_states else ["ps"]
    args += ["--filter", "label=org.scaffold.validate"]
    args += ["--filter", f"name=scaffold-validate-{PROJECT}-", "--format", "{{.Names}}"]
    return docker.command(*args).output.split()


@pytest.mark.parametrize(
    "moment",
    [
        # The container runs and validate polls /health: the case a person hits.
        "while-waiting-for-health",
        # The container exists but `docker run --detach` has not returned to validate yet.
        "as-the-container-is-created",
    ],
)
def test_ctrl_c_exits_130_and_removes_container_and_image(
    docker: Docker, env: dict[str, str], copy: Path, tmp_path: Path, moment: str
) -> None:
    replace_cmd(copy, ["sleep", "600"])  # EXPOSE 8000 stays: validate waits for /health
    waiting = moment == "while-waiting-for-health"
    log = tmp_path / "validate.log"
    argv = [sys.executable, "-m", "scaffold", "validate", str(copy), *DOCKER_STEPS]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*argv, "--timeout", "300"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while not validate_containers(docker, all_states=not waiting):
            assert proc.poll() is None, f"validate ended early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no container started:\n{log.read_text()}"
            time.sleep(0.2 if waiting else 0.01)
        if waiting:
            # `docker run --detach` returns as soon as the container runs: past this second
            # validate is polling /health.
            time.sleep(1)
        assert proc.poll() is None, log.read_text()
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"validate did not exit within 20 s of SIGINT:\n{log.read_text()}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130, log.read_text()
    assert leftovers(docker) == [], log.read_text()


# --- f. the stories validate must not pass falsely (issue 7) -------------------------------


def add_dependency(project: Path, requirement: str) -> None:
    """What a user does after `scaffold new`: `uv add`, which edits pyproject.toml and uv.lock."""
    done = runner.run(
        [runner.uv_binary(), "add", "--no-sync", requirement], cwd=project, timeout=300
    )
    assert done.ok, done.output


def drop_healthcheck(project: Path) -> None:
    dockerfile = project / "Dockerfile"
    lines = dockerfile.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("HEALTHCHECK"))
    del lines[start : start + 2]  # the instruction and its continued CMD line
    dockerfile.write_text("\n".join(lines) + "\n")


def test_uv_add_psycopg2_without_system_packages_fails_before_building(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    add_dependency(copy, "psycopg2>=2.9,<3")

    code, payload = validate_json(cli, env, copy, "--skip", "tests", "--skip", "lint")

    assert code == 1, payload
    steps = steps_of(payload)
    sysdeps = steps["sysdeps"]
    assert sysdeps["status"] == "failed", sysdeps
    assert "libpq-dev" in sysdeps["detail"], sysdeps
    assert "libpq5" in sysdeps["detail"], sysdeps
    assert any("libpq-dev" in fix for fix in sysdeps["data"]["fix"]), sysdeps
    assert sysdeps["exit_code"] == 1
    # No minute is spent building what cannot work.
    assert steps["build"]["status"] == "skipped", steps["build"]
    assert steps["build"]["duration"] == 0
    assert leftovers(docker) == []


def test_psycopg2_on_a_clean_build_cache_fails_with_the_cause_and_the_fix(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    add_dependency(copy, "psycopg2>=2.9,<3")

    code, payload = validate_json(
        cli, env, copy, "--only", "build", "--isolated", "--timeout", "300"
    )

    assert code == 1, payload
    build = steps_of(payload)["build"]
    assert build["status"] == "failed", build
    # The cause, not the RUN line: found on this machine however many builds came before.
    assert "psycopg2 failed to build: pg_config executable not found" in build["detail"], build
    assert build["data"]["fix"] == [
        "install gcc libc6-dev libpq-dev in the builder stage and libpq5 in the runtime stage"
    ]
    assert build["exit_code"] not in (0, None)
    assert leftovers(docker) == []


def test_psycopg2_with_its_packages_builds_isolated_and_imports_in_the_image(
    docker: Docker, cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    report = new_project(
        NewOptions(
            name=PROJECT, parent=tmp_path, python="3.11", git=False, deps=("psycopg2>=2.9,<3",)
        )
    )
    assert report.post_steps_ok, [s.to_json() for s in report.steps]

    code, payload = validate_json(
        cli, env, Path(report.path), "--skip", "tests", "--skip", "lint", "--isolated"
    )

    assert code == 0, payload
    steps = steps_of(payload)
    assert steps["sysdeps"]["status"] == "ok", steps["sysdeps"]
    assert steps["build"]["data"]["isolated"] is True
    imports = steps["imports"]
    assert imports["status"] == "ok", imports
    assert "psycopg2" in imports["data"]["imported"], imports
    assert leftovers(docker) == []


def test_a_missing_runtime_library_fails_imports_naming_library_and_package(
    docker: Docker, cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    report = new_project(
        NewOptions(
            name=PROJECT, parent=tmp_path, python="3.11", git=False, deps=("psycopg2>=2.9,<3",)
        )
    )
    project = Path(report.path)
    # The builder keeps libpq-dev; the runtime stage loses libpq5.
    edit_dockerfile(project, "        libpq5\n", "        ca-certificates\n")

    code, payload = validate_json(
        cli, env, project, "--only", "build", "--only", "imports", "--shared-cache"
    )

    assert code == 1, payload
    imports = steps_of(payload)["imports"]
    assert imports["status"] == "failed", imports
    assert "import psycopg2" in imports["detail"], imports
    assert "libpq.so.5 is missing" in imports["detail"], imports
    assert "libpq5" in imports["detail"], imports
    assert leftovers(docker) == []


def test_a_wrong_cmd_without_expose_fails_run(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    edit_dockerfile(copy, "EXPOSE 8000\n", "")
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("port = 8000\n", ""))
    replace_cmd(copy, ["python", "/app/no_such_file.py"])

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS)

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["status"] == "failed", run
    assert "the image's command exited with code 2" in run["detail"], run
    assert "no_such_file.py" in run["detail"], run
    assert leftovers(docker) == []


@pytest.mark.parametrize(
    ("cmd", "kind", "expected"),
    [
        (["python", "-c", "print('hello')"], None, "the image's command exited 0"),
        (
            [
                "python",
                "-c",
                "import signal, sys, time; "
                "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0)); time.sleep(600)",
            ],
            "worker",
            "stayed up for 2 s",
        ),
    ],
    ids=["command", "worker"],
)
def test_an_image_without_a_port_runs_its_own_command(
    docker: Docker,
    cli: Cli,
    env: dict[str, str],
    copy: Path,
    cmd: list[str],
    kind: str | None,
    expected: str,
) -> None:
    edit_dockerfile(copy, "EXPOSE 8000\n", "")
    drop_healthcheck(copy)
    pyproject = copy / "pyproject.toml"
    setting = f'kind = "{kind}"\n' if kind else ""
    pyproject.write_text(pyproject.read_text().replace("port = 8000\n", setting))
    replace_cmd(copy, cmd)

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--grace", "2")

    assert code == 0, [
        (s["name"], s["detail"]) for s in payload["steps"] if s["status"] == "failed"
    ]
    run = steps_of(payload)["run"]
    assert run["status"] == "ok", run
    assert expected in run["detail"], run
    assert "uid 10001" in run["detail"], run
    if kind == "worker":
        assert run["data"]["stop_seconds"] < 5, run
    assert leftovers(docker) == []


def test_a_worker_that_ignores_sigterm_fails(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    edit_dockerfile(copy, "EXPOSE 8000\n", "")
    drop_healthcheck(copy)
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("port = 8000\n", 'kind = "worker"\n'))
    # PID 1 without a SIGTERM handler: the kernel ignores the signal, docker stop must kill.
    replace_cmd(copy, ["python", "-c", "import time; time.sleep(600)"])

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--grace", "1")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["status"] == "failed", run
    assert "docker stop had to kill it" in run["detail"], run
    assert leftovers(docker) == []


def test_a_health_path_that_answers_404_fails_fast_with_a_hint(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    started = time.monotonic()
    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--health-path", "/status")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["status"] == "failed", run
    assert "GET /status gives 404" in run["detail"], run
    assert "--health-path" in run["detail"], run
    assert "/health" in run["detail"], run  # from the service's own OpenAPI
    assert run["duration"] < 20, run  # not the whole health timeout
    assert time.monotonic() - started < 60
    assert leftovers(docker) == []


def test_a_health_path_behind_authentication_fails_fast_saying_so(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    main = copy / "src" / PACKAGE / "main.py"
    text = main.read_text()
    assert text.count('    return {"status": "ok"}\n') == 1
    main.write_text(
        text.replace(
            "from fastapi import FastAPI\n", "from fastapi import FastAPI, HTTPException\n"
        ).replace('    return {"status": "ok"}\n', "    raise HTTPException(status_code=401)\n")
    )

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "60")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["detail"] == (
        "the service answers on port 8000 but GET /health gives 401: a health path must answer "
        "without credentials (give one with --health-path or [tool.scaffold] health-path)"
    ), run
    assert run["duration"] < 30, run
    assert leftovers(docker) == []


def test_a_dockerfile_in_a_subfolder_is_built_from_the_root_and_run(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """`docker/Dockerfile`, as many projects keep it: before, validate passed without it."""
    (copy / "docker").mkdir()
    (copy / "Dockerfile").rename(copy / "docker" / "Dockerfile")
    (copy / "Dockerfile.dockerignore").unlink(missing_ok=True)

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS)

    assert code == 0, payload
    steps = steps_of(payload)
    assert steps["build"]["status"] == "ok", steps["build"]
    assert steps["run"]["detail"].startswith("/health answered 200"), steps["run"]
    assert leftovers(docker) == []


def test_a_second_dockerfile_that_cannot_build_is_named_as_not_built(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """The root's Dockerfile is proven; a `deploy/Dockerfile` that would fail is not, and the
    build says so: "passed" must not read as covering it."""
    (copy / "deploy").mkdir()
    (copy / "deploy" / "Dockerfile").write_text(f"FROM {LOCAL_PYTHON_IMAGE}\nRUN false\n")

    code, payload = validate_json(cli, env, copy, "--only", "build")

    assert code == 0, payload
    build = steps_of(payload)["build"]
    assert build["data"]["dockerfile"] == "Dockerfile"
    assert build["data"]["not_built"] == ["deploy/Dockerfile"]
    assert "from Dockerfile" in build["detail"], build
    assert "not built: deploy/Dockerfile" in build["detail"], build

    code, payload = validate_json(
        cli, env, copy, "--only", "build", "--dockerfile", "deploy/Dockerfile"
    )
    assert code == 1, payload
    assert steps_of(payload)["build"]["status"] == "failed"
    assert leftovers(docker) == []


def test_a_workspace_member_service_is_built_and_run(
    docker: Docker, cli: Cli, env: dict[str, str], healthy_project: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    member = root / "services" / "api"
    shutil.copytree(healthy_project, member, ignore=shutil.ignore_patterns(".venv", "uv.lock"))
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["services/*"]\n')
    # The member's Dockerfile, written for the workspace: the lock lives at the root.
    edit_dockerfile(
        member,
        "    && uv sync --locked --no-install-project --no-dev --no-editable\n",
        "    && uv sync --locked --no-install-project --no-dev --no-editable"
        f" --package {PROJECT}\n",
    )
    edit_dockerfile(
        member,
        "    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\\n",
        "    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\\n"
        "    --mount=type=bind,source=services/api/pyproject.toml,"
        "target=services/api/pyproject.toml \\\n",
    )
    edit_dockerfile(member, "COPY . /app\n", "COPY . /app\nWORKDIR /app/services/api\n")
    edit_dockerfile(
        member,
        "    && uv sync --locked --no-dev --no-editable\n",
        f"    && uv sync --locked --no-dev --no-editable --package {PROJECT}\n",
    )
    shutil.copy(member / ".dockerignore", root / ".dockerignore")
    locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=root, timeout=300)
    assert locked.ok, locked.output

    code, payload = validate_json(cli, env, root, "--shared-cache")

    steps = {
        step["name"] + (f" ({step['target']})" if step["target"] else ""): step
        for step in payload["steps"]
    }
    assert code == 0, [(k, v["detail"]) for k, v in steps.items() if v["status"] == "failed"]
    for name in ("tests", "build", "imports", "run"):
        assert steps[f"{name} (services/api)"]["status"] == "ok", steps[f"{name} (services/api)"]
    assert "/health answered 200" in steps["run (services/api)"]["detail"]
    assert leftovers(docker) == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_compose_database_serves_the_tests_and_the_container(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    port = free_port()
    add_dependency(copy, "psycopg[binary]>=3.2,<4")
    (copy / "compose.yaml").write_text(
        "services:\n"
        "  db:\n"
        f"    image: {LOCAL_POSTGRES_IMAGE}\n"
        f'    ports: ["127.0.0.1:{port}:5432"]\n'
        "  api:\n"
        "    build: .\n"
        "    env_file: [.env.docker]\n"
        "    environment:\n"
        "      DATABASE_URL: postgresql://postgres@db:5432/postgres\n"
    )
    (copy / ".env.docker").write_text("APP_GREETING=from-the-env-file\n")
    main = copy / "src" / PACKAGE / "main.py"
    main.write_text(
        main.read_text()
        + f'''

@app.get("/ready")
def ready() -> dict[str, str]:
    """Ready when the database answers."""
    import os

    import psycopg

    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:{port}/postgres")
    with psycopg.connect(url) as conn:
        conn.execute("select 1")
    return {{"status": "ready", "greeting": os.environ.get("APP_GREETING", "")}}
'''
    )
    (copy / "tests" / "test_db.py").write_text(
        "import psycopg\n\n\n"
        "def test_the_database_answers() -> None:\n"
        f'    with psycopg.connect("postgresql://postgres@127.0.0.1:{port}/postgres") as conn:\n'
        '        assert conn.execute("select 1").fetchone() == (1,)\n'
    )

    code, payload = validate_json(
        cli, env, copy, "--skip", "lint", "--shared-cache", "--health-path", "/ready"
    )

    steps = steps_of(payload)
    assert code == 0, [(k, v["detail"]) for k, v in steps.items() if v["status"] != "ok"]
    assert "db up from compose.yaml" in steps["services"]["detail"]
    assert "2 passed" in steps["tests"]["detail"]
    run = steps["run"]
    assert "/ready answered 200" in run["detail"], run
    assert json.loads(run["data"]["health_body"])["greeting"] == "from-the-env-file"
    assert leftovers(docker) == []
    # The services are down again: no container of validate's compose project is left.
    names = docker.command("ps", "-a", "--format", "{{.Names}}").output.split()
    assert not [name for name in names if name.startswith("scaffoldvalidate")], names


def labelled_containers(docker: Docker, name: str = "") -> list[str]:
    args = ["ps", "--filter", "label=org.scaffold.validate", "--format", "{{.Names}}"]
    names = docker.command(*args).output.split()
    return [n for n in names if n.startswith(name)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("moment", ["0.3s", "1.0s", "a-container-runs", "the-service-runs"])
def test_any_interrupt_at_any_moment_leaves_nothing_behind(
    docker: Docker, env: dict[str, str], copy: Path, tmp_path: Path, signum: int, moment: str
) -> None:
    """Signals sent at moments spread over a whole validation (sync and tests, the build, the
    import check's container, the service's container): scaffold exits 128 + signal, and no
    container or throw-away image of its remains."""
    log = tmp_path / "validate.log"
    argv = [sys.executable, "-m", "scaffold", "validate", str(copy), "--shared-cache"]
    with log.open("w") as out:
        proc = subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        if moment[0].isdigit():
            time.sleep(float(moment[:-1]))
        else:
            prefix = f"scaffold-validate-{PROJECT}-" if moment == "the-service-runs" else ""
            deadline = time.monotonic() + 120
            while not labelled_containers(docker, prefix):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        if proc.poll() is not None:
            pytest.fail(f"validate ended before the moment {moment}:\n{log.read_text()}")
        proc.send_signal(signum)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 128 + signum, log.read_text()
    assert "interrupted" in log.read_text()
    assert leftovers(docker) == [], log.read_text()
    assert labelled_containers(docker) == [], log.read_text()


def test_a_compose_file_the_compose_client_cannot_read_says_so(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """The full-stack FastAPI template's compose file uses `depends_on: {x: {restart: true}}`,
    which docker-compose 1.x (Debian's) refuses: the step says which client, and the way out;
    this machine's client, not the project, failed, so the tests are "not proven"."""
    (copy / "compose.yaml").write_text(
        "services:\n"
        "  db:\n"
        f"    image: {LOCAL_POSTGRES_IMAGE}\n"
        "  api:\n"
        "    build: .\n"
        "    depends_on:\n"
        "      db:\n"
        "        condition: service_started\n"
        "        restart: true\n"
    )

    code, payload = validate_json(
        cli,
        env,
        copy,
        *("--only", "lock", "--only", "sync", "--only", "services", "--only", "tests"),
    )

    services = steps_of(payload)["services"]
    client = services["command"].split()[0]
    if Path(client).name == "docker-compose":  # 1.x, as on these machines
        assert code == 5, payload
        assert (services["status"], services["skip_reason"]) == ("skipped", "unavailable")
        assert "depends_on contains unsupported option: 'restart'" in services["detail"]
        assert services["detail"].endswith(
            "(this compose client may be too old for the file: install Docker Compose v2 and "
            "point SCAFFOLD_COMPOSE at it)"
        )
        tests = steps_of(payload)["tests"]
        assert (tests["status"], tests["skip_reason"]) == ("skipped", "unavailable"), tests
    else:  # Compose v2 reads it: the database comes up
        assert code == 0, payload
    assert leftovers(docker) == []
