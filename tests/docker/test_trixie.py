"""Debian 13 (trixie), the default base: a project whose runtime library is named differently
there builds on a local trixie image, and imports it; bookworm's name is caught before building.

The local trixie image's python3 is 3.13 (Debian's) while the projects ask for 3.11, which the
host has: the container's Python is the base image's (.python-version stays out of the build
context), and 3.13 satisfies requires-python >= 3.11. Only the container steps run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.tools.docker import Docker
from tests.conftest import LOCAL_TRIXIE_IMAGE, Cli
from tests.docker.conftest import local_images

pytestmark = pytest.mark.docker
CONTAINER_STEPS = ("--only", "sysdeps", "--only", "build", "--only", "imports", "--only", "run")


def new_magic_api(cli: Cli, parent: Path, env: dict[str, str], *extra: str) -> Path:
    result = cli(
        "new", "magic-api", "--path", parent, "--python", "3.11", "--no-git", "--no-validate",
        "--dep", "python-magic>=0.4.27,<0.5", *extra, env=env,
    )  # fmt: skip
    assert result.code == 0, result
    return parent / "magic-api"


@pytest.fixture
def env(docker: Docker) -> dict[str, str]:
    return local_images(docker, LOCAL_TRIXIE_IMAGE)


def test_a_trixie_service_installs_trixies_names_and_imports_them(
    cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    project = new_magic_api(cli, tmp_path, env)
    dockerfile = (project / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim-trixie\n" in dockerfile
    assert "libmagic1t64" in dockerfile

    result = cli("validate", project, "--json", "--shared-cache", *CONTAINER_STEPS, env=env)

    payload = json.loads(result.stdout)
    steps = {step["name"]: step for step in payload["steps"]}
    assert result.code == 0, [(n, s["detail"]) for n, s in steps.items() if s["status"] != "ok"]
    assert "libmagic1t64" in steps["sysdeps"]["detail"]
    assert "python-magic" in steps["imports"]["data"]["imported"]
    assert steps["imports"]["data"]["python"].startswith("3.13")
    assert "/health answered 200" in steps["run"]["detail"]


def test_bookworms_name_on_a_trixie_image_is_caught_before_building(
    cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    project = new_magic_api(cli, tmp_path, env, "--data", "debian_release=bookworm")
    assert "        libmagic1\n" in (project / "Dockerfile").read_text()

    result = cli("validate", project, "--json", "--shared-cache", *CONTAINER_STEPS, env=env)

    assert result.code == 1, result
    steps = {step["name"]: step for step in json.loads(result.stdout)["steps"]}
    assert steps["sysdeps"]["status"] == "failed"
    assert "libmagic1t64" in steps["sysdeps"]["detail"]
    assert steps["build"]["status"] == "skipped"
