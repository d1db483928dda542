"""Real images of generated services, built once per session and run with docker-compose.

Two services are generated with :func:`scaffold.create.new.new_project` and built with
:meth:`scaffold.tools.docker.Docker.build` from the local images (no registry is reachable):

- ``plain``: the template's defaults (FastAPI + uvicorn), nothing to compile;
- ``sysdeps``: plus numpy and psycopg2, so the builder stage installs gcc and libpq-dev and the
  runtime stage libpq5.

pytest-docker then starts both from the pre-built tags with docker-compose 1.29 (compose never
builds: it would call the first ``docker`` on PATH, which cannot build here).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from scaffold.create.new import NewOptions, new_project
from scaffold.tools import runner
from scaffold.tools.docker import BuildSettings, Docker
from tests.conftest import LOCAL_PYTHON_IMAGE, LOCAL_UV_IMAGE

TOKEN = secrets.token_hex(4)
SERVICE_PORT = 8000
BUILD_TIMEOUT = 600.0
# name -> extra dependencies of the generated service
SERVICES: dict[str, tuple[str, ...]] = {
    "plain": (),
    "sysdeps": ("numpy>=1.24,<2", "psycopg2>=2.9,<3"),
}

# Numbers a person wants to read after a run (sizes, build times): printed in the summary.
MEASUREMENTS = pytest.StashKey[dict[str, str]]()


@dataclass(frozen=True)
class ServiceImage:
    """A generated service and the image built from it."""

    name: str
    project: Path
    package: str
    tag: str
    build_seconds: float


def run_in_image(
    docker: Docker, image: str, *command: str, user: str | None = None
) -> runner.Completed:
    """``docker run --rm`` of ``command`` in ``image``, without a network."""
    options = ["--user", user] if user else []
    return docker.command(
        "run", "--rm", "--network", "none", *options, image, *command, timeout=120
    )


def build_settings(ca_bundle: Path | None) -> BuildSettings:
    return BuildSettings(LOCAL_PYTHON_IMAGE, LOCAL_UV_IMAGE, ca_bundle)


def build_or_fail(
    docker: Docker, context: Path, tag: str, ca_bundle: Path | None
) -> runner.Completed:
    done = docker.build(context, tag, build_settings(ca_bundle), BUILD_TIMEOUT)
    if not done.ok:
        pytest.fail(
            f"docker build of {context} as {tag} failed (exit {done.returncode}, "
            f"timed out: {done.timed_out}):\n{done.tail(60)}",
            pytrace=False,
        )
    return done


def local_images(docker: Docker, python_image: str = LOCAL_PYTHON_IMAGE) -> dict[str, str]:
    """The environment that points scaffold at this docker client and the local images."""
    return {
        "SCAFFOLD_DOCKER": docker.binary,
        "SCAFFOLD_PYTHON_IMAGE": python_image,
        "SCAFFOLD_UV_IMAGE": LOCAL_UV_IMAGE,
    }


@pytest.fixture(scope="session")
def env(docker: Docker) -> dict[str, str]:
    return local_images(docker)


# --- measurements shown at the end of the run ----------------------------------------------


Measure = Callable[[str, str], None]


@pytest.fixture(scope="session")
def measure(pytestconfig: pytest.Config) -> Measure:
    """Remember ``name: value`` for the terminal summary (independent of ``-s``)."""
    store = pytestconfig.stash.setdefault(MEASUREMENTS, {})

    def record(name: str, value: str) -> None:
        store[name] = value

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    store = terminalreporter.config.stash.get(MEASUREMENTS, {})
    if store:
        terminalreporter.section("docker measurements")
        for name, value in store.items():
            terminalreporter.write_line(f"{name}: {value}")


# --- the images ----------------------------------------------------------------------------


def dangling(docker: Docker) -> set[str]:
    done = docker.command("images", "--filter", "dangling=true", "--quiet", "--no-trunc")
    return set(done.output.split()) if done.ok else set()


@pytest.fixture(scope="session", autouse=True)
def no_new_dangling_images(docker: Docker) -> Iterator[None]:
    """An image whose tag a later build took (a rebuild after an edit) is left untagged;
    those the session made go at its end, so a machine that runs the suite daily stays lean."""
    before = dangling(docker)
    yield
    for image in sorted(dangling(docker) - before):
        docker.remove_image(image)


@pytest.fixture(scope="session")
def made_images(docker: Docker) -> Iterator[list[str]]:
    """Every image tag the tests build; all removed at the end, whatever happened."""
    tags: list[str] = []
    yield tags
    for tag in tags:
        docker.remove_image(tag)


@pytest.fixture(scope="session")
def service_images(
    docker: Docker,
    ca_bundle: Path | None,
    made_images: list[str],
    tmp_path_factory: pytest.TempPathFactory,
    measure: Measure,
) -> dict[str, ServiceImage]:
    """Both services generated, locked and built once for the session."""
    parent = tmp_path_factory.mktemp("services")
    images: dict[str, ServiceImage] = {}
    for name, deps in SERVICES.items():
        report = new_project(
            NewOptions(name=name, parent=parent, python="3.11", deps=deps, git=False)
        )
        assert report.post_steps_ok, [step.to_json() for step in report.steps]
        tag = f"scaffold-test/{name}:{TOKEN}"
        made_images.append(tag)  # before building: removed even if the build half-failed
        done = build_or_fail(docker, Path(report.path), tag, ca_bundle)
        # BuildKit's layer cache outlives the session: only a new machine builds from scratch.
        measure(f"build time {name} (first this session)", f"{done.duration:.1f} s")
        images[name] = ServiceImage(name, Path(report.path), report.package, tag, done.duration)
    return images


# --- pytest-docker overrides ---------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_compose_command() -> str:
    # Compose v1 (Debian's 1.29.2): there is no `docker compose` v2 plugin on these machines.
    return "docker-compose"


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    # Compose v1 keeps only [a-z0-9] of a project name: use nothing else.
    return f"scaffoldtest{os.getpid()}{TOKEN}"


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    # No --build (compose must not build) and no --wait (a compose v2 option).
    return ["up -d"]


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    return ["down -v --remove-orphans"]


@pytest.fixture(scope="session")
def docker_compose_file(
    service_images: dict[str, ServiceImage],
    tmp_path_factory: pytest.TempPathFactory,
    docker_compose_command: str,
    docker_compose_project_name: str,
) -> Iterator[str]:
    """A compose file running the pre-built images, each on a random port of 127.0.0.1."""
    path = tmp_path_factory.mktemp("compose") / "docker-compose.yml"
    services = {
        name: {"image": image.tag, "ports": [f"127.0.0.1::{SERVICE_PORT}"]}
        for name, image in service_images.items()
    }
    path.write_text(yaml.safe_dump({"version": "2.4", "services": services}, sort_keys=False))
    yield str(path)
    # pytest-docker runs no cleanup when `up` itself failed: bring down whatever it started.
    compose = [*docker_compose_command.split(), "-f", str(path), "-p", docker_compose_project_name]
    runner.run([*compose, "down", "-v", "--remove-orphans"], timeout=120)


@pytest.fixture(scope="session")
def compose_container(
    docker_services: object,  # the services are up
    docker_compose_command: str,
    docker_compose_file: str,
    docker_compose_project_name: str,
) -> Callable[[str], str]:
    """The id of the running container of a compose service."""
    base = [*docker_compose_command.split(), "-f", docker_compose_file]
    base += ["-p", docker_compose_project_name]

    def container_id(service: str) -> str:
        done = runner.run([*base, "ps", "-q", service], timeout=60)
        assert done.ok, done.output
        ids = [line for line in done.output.split() if len(line) == 64]
        assert len(ids) == 1, f"expected one container for {service}:\n{done.output}"
        return ids[0]

    return container_id
