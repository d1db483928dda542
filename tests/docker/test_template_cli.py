"""The cli template for real: `scaffold new --template cli` validates with Docker, and its image
is the command, run as a non-root user, with no compiler in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scaffold.tools.docker import Docker
from tests.conftest import LOCAL_PYTHON_IMAGE, Cli
from tests.docker.conftest import TOKEN, Measure, build_or_fail

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def validated(
    docker: Docker, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """`scaffold new my-tool --template cli` with full validation, and what it printed."""
    parent = tmp_path_factory.mktemp("cli")
    result = Cli()(
        "new", "my-tool", "--template", "cli", "--path", parent, "--python", "3.11",
        "--shared-cache", "--json", env=env,
    )  # fmt: skip
    assert result.code == 0, result
    validation = json.loads(result.stdout)["validation"]
    # validate removes the image it built (other sessions' images may come and go meanwhile).
    (build,) = [step for step in validation["steps"] if step["name"] == "build"]
    assert docker.inspect(build["data"]["image"], "{{.Id}}") is None
    return parent / "my-tool", validation


@pytest.fixture(scope="module")
def image(
    docker: Docker,
    validated: tuple[Path, dict[str, Any]],
    ca_bundle: Path | None,
    made_images: list[str],
) -> str:
    """The project's image, built again for these tests (its layers come from the cache)."""
    tag = f"scaffold-test/my-tool:{TOKEN}"
    made_images.append(tag)  # removed at the end of the session, whatever happened
    build_or_fail(docker, validated[0], tag, ca_bundle)
    return tag


def test_new_validates_with_build_imports_and_run(
    validated: tuple[Path, dict[str, Any]], measure: Measure
) -> None:
    _, validation = validated
    assert validation["verdict"] == "passed", validation
    steps = {step["name"]: step for step in validation["steps"]}
    for name in ("lock", "sync", "tests", "lint", "sysdeps", "build", "imports", "run"):
        assert steps[name]["status"] == "ok", steps[name]
    assert steps["run"]["detail"].startswith("'docker run IMAGE --help' exits 0")
    assert steps["run"]["data"]["uid"] == "10001"
    measure("build time cli (shared cache)", f"{steps['build']['duration']:.1f} s")


def docker_run(docker: Docker, image: str, *args: str, entrypoint: str | None = None) -> str:
    options = ["--entrypoint", entrypoint] if entrypoint else []
    done = docker.command("run", "--rm", "--network", "none", *options, image, *args, timeout=120)
    assert done.ok, done.output
    return done.output


def test_the_image_is_the_command(docker: Docker, image: str) -> None:
    assert "Usage: my-tool [OPTIONS] COMMAND [ARGS]..." in docker_run(docker, image)
    assert docker_run(docker, image, "add", "1", "2", "39").strip() == "42"
    assert docker_run(docker, image, "--version").strip() == "my-tool 0.1.0"


def test_the_image_runs_as_a_non_root_user(docker: Docker, image: str) -> None:
    uid = docker_run(docker, image, "-u", entrypoint="id").strip()
    assert uid == "10001"


def test_the_runtime_image_has_no_compiler_and_no_uv(docker: Docker, image: str) -> None:
    probe = 'for name in {names}; do command -v "$name"; done; true'
    found = docker_run(
        docker, image, "-c", probe.format(names="gcc cc c++ g++ clang uv"), entrypoint="sh"
    )
    assert found.strip() == "", f"on PATH in {image}:\n{found}"
    # The probe does print what exists.
    control = docker_run(docker, image, "-c", probe.format(names="sh my-tool"), entrypoint="sh")
    assert len(control.split()) == 2, control
    assert control.split()[1] == "/app/.venv/bin/my-tool"


def test_the_image_is_the_base_plus_a_small_environment(
    docker: Docker, image: str, measure: Measure
) -> None:
    size, base = docker.inspect(image, "{{.Size}}"), docker.inspect(LOCAL_PYTHON_IMAGE, "{{.Size}}")
    assert size is not None, image
    assert base is not None, LOCAL_PYTHON_IMAGE
    added = int(size) - int(base)
    measure("image size cli over the base image", f"{added / 1e6:.0f} MB")
    # Typer and its dependencies (pydantic-core is most of it): about 25 MB here. A compiler, uv
    # (45 MB) or uv's cache in the runtime stage would take it past the bound.
    assert 0 < added < 60e6, added
