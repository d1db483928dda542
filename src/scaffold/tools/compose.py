"""The compose adapter: a project's own compose file, read, and its backing services run.

A project whose tests need a database says so the way people already do: a compose file with
a ``db`` service. Validation brings up the services that are images (not the ones it builds
itself), waits until they are ready, runs the tests and the container beside them, and takes
them down. The compose client is ``docker compose`` where the docker client has it, else
``docker-compose``; ``$SCAFFOLD_COMPOSE`` names another.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.tools import runner
from scaffold.tools.runner import Completed

COMPOSE_ENV = "SCAFFOLD_COMPOSE"
_INTERPOLATION = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)"
)


@dataclass(frozen=True)
class ComposeFile:
    path: Path
    services: Mapping[str, Mapping[str, Any]]

    @property
    def backing(self) -> list[str]:
        """Services that run an image: databases, caches, queues."""
        return [name for name, svc in self.services.items() if "build" not in svc]

    def app_for(self, dockerfile: Path) -> Mapping[str, Any] | None:
        """The service that builds ``dockerfile`` (else the only one that builds)."""
        builders = {name: svc for name, svc in self.services.items() if "build" in svc}
        for svc in builders.values():
            build = svc["build"]
            context = self.path.parent / (
                build if isinstance(build, str) else build.get("context", ".")
            )
            name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            if (context / name).resolve() == dockerfile.resolve():
                return svc
        return next(iter(builders.values())) if len(builders) == 1 else None

    def run_options(self, dockerfile: Path) -> tuple[str, ...]:
        """``docker run`` options giving the container its service's environment."""
        app = self.app_for(dockerfile)
        if app is None:
            return ()
        options: list[str] = []
        env_files = app.get("env_file") or []
        for item in [env_files] if isinstance(env_files, str | dict) else env_files:
            path = item.get("path") if isinstance(item, dict) else item
            if isinstance(path, str) and (self.path.parent / path).is_file():
                options += ["--env-file", str(self.path.parent / path)]
        environment = app.get("environment") or {}
        pairs = (
            environment.items()
            if isinstance(environment, dict)
            else (str(item).partition("=")[::2] for item in environment)
        )
        variables = self.variables()
        for key, value in pairs:
            if value is None:
                continue
            options += ["--env", f"{key}={self.interpolate(str(value), variables)}"]
        return tuple(options)

    def variables(self) -> dict[str, str]:
        values: dict[str, str] = {}
        dotenv = self.path.parent / ".env"
        if dotenv.is_file():
            for line in dotenv.read_text("utf-8", errors="replace").splitlines():
                key, sep, value = line.strip().partition("=")
                if sep and not key.startswith("#"):
                    values[key.strip()] = value.strip().strip("\"'")
        return {**values, **os.environ}

    @staticmethod
    def interpolate(text: str, variables: Mapping[str, str]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(3)
            return variables.get(name) or match.group(2) or ""

        return _INTERPOLATION.sub(one, text)


def read_compose(path: Path) -> ComposeFile:
    import yaml  # noqa: PLC0415 - only projects with a compose file pay for it

    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or not all(isinstance(s, dict) for s in services.values()):
        raise UsageError(f"{path}: 'services' must be a mapping of service names to mappings")
    return ComposeFile(path, services)


def compose_command(docker_binary: str) -> list[str] | None:
    explicit = os.environ.get(COMPOSE_ENV)
    if explicit:
        return explicit.split()
    if runner.run([docker_binary, "compose", "version"], timeout=30).ok:
        return [docker_binary, "compose"]
    found = shutil.which("docker-compose")
    return [found] if found else None


@dataclass(frozen=True)
class Services:
    """Backing services running for this validation: the network the container joins."""

    network: str
    compose: ComposeFile


class ComposeProject:
    def __init__(self, command: list[str], compose: ComposeFile, timeout: float) -> None:
        self.command = command
        self.compose = compose
        # Compose v1 keeps only [a-z0-9] of a project name.
        self.name = f"scaffoldvalidate{secrets.token_hex(4)}"
        self.timeout = timeout

    def _run(self, *args: str, timeout: float | None = None) -> Completed:
        argv = [*self.command, "-f", str(self.compose.path), "-p", self.name, *args]
        return runner.run(argv, cwd=self.compose.path.parent, timeout=timeout or self.timeout)

    def up(self, services: list[str]) -> Completed:
        return self._run("up", "-d", "--no-build", *services)

    def down(self) -> None:
        self._run("down", "-v", "--remove-orphans", timeout=120)

    def containers(self, service: str) -> list[str]:
        done = self._run("ps", "-q", service, timeout=60)
        return [line for line in done.output.split() if re.fullmatch(r"[0-9a-f]{12,64}", line)]

    @property
    def network(self) -> str:
        return f"{self.name}_default"


def wait_ready(
    project: ComposeProject,
    inspect: Callable[[str, str], str | None],
    deadline: float,
    sleep: Callable[[float], None],
) -> str:
    """Wait until every backing service is healthy (or its published ports accept TCP).

    Returns "" when ready, else why not.
    """
    for service in project.compose.backing:
        while True:
            problem = _not_ready(project, service, inspect)
            if not problem:
                break
            if time.monotonic() > deadline:
                return f"service '{service}' was not ready in time: {problem}"
            sleep(0.5)
    return ""


def _not_ready(
    project: ComposeProject, service: str, inspect: Callable[[str, str], str | None]
) -> str:
    ids = project.containers(service)
    if not ids:
        return "no container"
    state = inspect(ids[0], "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}")
    if not state or not state.startswith("running"):
        return f"not running ({state or 'gone'})"
    if "starting" in state or "unhealthy" in state:
        return state
    ports = inspect(
        ids[0], "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostPort}} {{end}}{{end}}"
    )
    for port in (ports or "").split():
        if not _accepts(int(port)):
            return f"port {port} does not accept connections yet"
    return ""


def _accepts(port: int) -> bool:
    """Docker's proxy accepts on a published port at once and closes when nothing listens
    behind it; a server that listens keeps the connection open (and waits, or greets)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.settimeout(0.5)
            try:
                return conn.recv(1) != b""
            except TimeoutError:
                return True
    except OSError:
        return False
