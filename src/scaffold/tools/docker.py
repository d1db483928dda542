"""The Docker operations validation needs, on top of :mod:`scaffold.tools.runner`.

BuildKit is required (``RUN --mount``): builds run with ``DOCKER_BUILDKIT=1`` and plain progress
output, so a failure can be traced to its Dockerfile step.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.tools import runner
from scaffold.tools.config import cache_home, docker_config
from scaffold.tools.images import check_image, check_image_pattern, image_for_python
from scaffold.tools.runner import Completed

PYTHON_IMAGE_ENV = "SCAFFOLD_PYTHON_IMAGE"
UV_IMAGE_ENV = "SCAFFOLD_UV_IMAGE"
CA_SECRET_ID = "ca-bundle"  # noqa: S105 - the id of a BuildKit secret, not a secret
LABEL = "org.scaffold.validate"
# A Docker Engine fault (moby/moby#41595): the build cache still names a layer that the image
# store has dropped, so every build whose steps all come from that cache fails to export, on any
# project with the same files, until those steps are built again.
LOST_LAYER = "layer does not exist"
REBUILT_NOTE = (
    "[scaffold] the engine's build cache referred to a layer it no longer has "
    "(moby/moby#41595); built again without the cache"
)


@dataclass(frozen=True)
class BuildSettings:
    python_image: str | None = None
    uv_image: str | None = None
    ca_bundle: Path | None = None

    def build_args(self) -> list[str]:
        """What ``docker build`` is given of these settings: the images and the CA secret."""
        args = []
        if self.python_image:
            args += ["--build-arg", f"PYTHON_IMAGE={self.python_image}"]
        if self.uv_image:
            args += ["--build-arg", f"UV_IMAGE={self.uv_image}"]
        if self.ca_bundle:
            args += ["--secret", f"id={CA_SECRET_ID},src={self.ca_bundle}"]
        return args

    @classmethod
    def resolve(
        cls,
        python_image: str | None,
        uv_image: str | None,
        ca_bundle: Path | None,
        python: str | None = None,
    ) -> BuildSettings:
        """Options, then $SCAFFOLD_*_IMAGE, then the config file; the CA from $SSL_CERT_FILE.
        A Python image may name the project's Python as ``{python}``; with ``python`` known it
        is put in (else the pattern is only checked)."""
        if ca_bundle is None and os.environ.get("SSL_CERT_FILE"):
            candidate = Path(os.environ["SSL_CERT_FILE"])
            ca_bundle = candidate if candidate.is_file() else None
        config = docker_config()  # its images are checked as it is read
        base = _image(python_image, "--python-image", PYTHON_IMAGE_ENV, check_image_pattern)
        base = base or config.python_image
        if base is not None and python is not None:
            base = image_for_python(base, python)
        uv = _image(uv_image, "--uv-image", UV_IMAGE_ENV, check_image) or config.uv_image
        return cls(base, uv, ca_bundle)


def _image(option: str | None, name: str, env: str, check: Callable[[str], str]) -> str | None:
    """The option's image, else the environment's, checked (it becomes a build argument, and
    the Dockerfile's ``FROM`` line)."""
    value, source = (option, name) if option else (os.environ.get(env), f"${env}")
    if not value:
        return None
    try:
        return check(value)
    except UsageError as exc:
        raise UsageError(f"{source}: {exc.message}", hint=exc.hint) from None


def build_command(settings: BuildSettings, line: str) -> str:
    """A next step's ``docker build ...`` with the build arguments and the CA secret that
    validation's build used, so that the printed command builds where validation built."""
    import shlex  # noqa: PLC0415

    extra = settings.build_args()
    if not extra or not line.startswith("docker build "):
        return line
    return (
        f"DOCKER_BUILDKIT=1 docker build {shlex.join(extra)} {line.removeprefix('docker build ')}"
    )


class Docker:
    """A docker client binary and the daemon behind it."""

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def image_python(self, image: str) -> str | None:
        """The Python (``3.12``) of a local ``image``: its ``PYTHON_VERSION`` (the official
        images set it), else its ``python3`` asked; None when the image is not here (a build
        would pull it) or cannot say."""
        inspected = self.command(
            "image", "inspect", "--format", "{{.Id}} {{json .Config.Env}}", image
        )
        if not inspected.ok:
            return None
        try:
            image_id, env = inspected.output.strip().splitlines()[-1].split(" ", 1)
            variables = json.loads(env) or []
        except (ValueError, IndexError):
            return None
        for item in variables:
            name, _, value = str(item).partition("=")
            if name == "PYTHON_VERSION" and value:
                return ".".join(value.split(".")[:2])
        # Asked once per image: the answer is cached under the image's id, which changes with it.
        cached = cache_home() / "image-python" / image_id.replace(":", "-")
        with contextlib.suppress(OSError):
            return cached.read_text("utf-8").strip() or None
        asked = self.command(
            "run", "--rm", "--network", "none", "--entrypoint", "python3", image, "-c",
            "import sys; print('%d.%d' % sys.version_info[:2])", timeout=60,
        )  # fmt: skip
        lines = asked.output.strip().splitlines() if asked.ok else []
        found = lines[-1] if lines and re.fullmatch(r"3\.\d+", lines[-1]) else None
        if found is not None:
            with contextlib.suppress(OSError):
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(found + "\n", "utf-8")
        return found

    def command(self, *args: str, timeout: float = 60, cwd: Path | None = None) -> Completed:
        """Any docker command with this client, BuildKit on (the primitive the rest build on)."""
        return runner.run(
            [self.binary, *args], cwd=cwd, timeout=timeout, env={"DOCKER_BUILDKIT": "1"}
        )

    def daemon_problem(self) -> str | None:
        """None when the daemon answers; otherwise why not, in one line."""
        done = self.command("info", "--format", "{{.ServerVersion}}", timeout=30)
        if done.ok and done.output.strip():
            return None
        lines = [line for line in done.output.splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit code {done.returncode}"
        return (
            f"no Docker daemon answers {self.binary}: {reason} (start the Docker Engine, e.g. "
            "dockerd or Docker Desktop, or point DOCKER_HOST at one)"
        )

    def build(
        self,
        context: Path,
        tag: str,
        settings: BuildSettings,
        timeout: float,
        *,
        label: bool = False,
        dockerfile: str | None = None,
        build_args: Mapping[str, str] | None = None,
        no_cache: bool = False,
    ) -> Completed:
        """``docker build`` with BuildKit; ``label`` marks a throw-away image of validate's.

        A build that fails only because the engine lost a cached layer (:data:`LOST_LAYER`) is
        built once more without the cache, within what is left of ``timeout``; its output then
        starts with :data:`REBUILT_NOTE`."""
        args = ["build", "--progress=plain", "-t", tag]
        if label:
            args += ["--label", f"{LABEL}=1"]
        if no_cache:
            args.append("--no-cache")
        if dockerfile:
            args += ["--file", dockerfile]
        for key, value in (build_args or {}).items():
            args += ["--build-arg", f"{key}={value}"]
        args += settings.build_args()
        with tempfile.TemporaryDirectory(prefix="scaffold-context-") as scratch:
            # The client names the engine's copy of a context after the path it is given
            # ("." for every build run from its folder), and the engine then sends only the
            # files whose size or mtime changed since that copy: a `cp -a` copy with a same-size
            # edit built the other copy's file. A path of its own per build, a link to the
            # context, gives each build a copy of its own, sent whole.
            link = Path(scratch) / "context"
            link.symlink_to(context.resolve(), target_is_directory=True)
            done = self.command(*args, str(link), timeout=timeout, cwd=context)
            if done.ok or no_cache or LOST_LAYER not in done.output or done.interrupted:
                return done
            again = self.command(
                *args, "--no-cache", str(link), timeout=max(timeout - done.duration, 1), cwd=context
            )
        return replace(
            again,
            output=f"{REBUILT_NOTE}\n{again.output}",
            duration=done.duration + again.duration,
        )

    def inspect(self, obj: str, fmt: str) -> str | None:
        done = self.command("inspect", "--format", fmt, obj)
        return done.output.strip() if done.ok else None

    def run_detached(
        self, image: str, name: str, port: int | None, *, options: tuple[str, ...] = ()
    ) -> Completed:
        args = ["run", "--detach", "--name", name, "--label", f"{LABEL}=1", *options]
        if port is not None:
            args += ["--publish", f"127.0.0.1::{port}"]
        return self.command(*args, image)

    def stop(self, container: str, grace: int) -> Completed:
        """``docker stop``: SIGTERM, then SIGKILL after ``grace`` seconds."""
        return self.command("stop", "--time", str(grace), container, timeout=grace + 60)

    def cache_mounts(self) -> set[str]:
        """Ids of BuildKit's cache-mount records (``RUN --mount=type=cache``)."""
        done = self.command("system", "df", "-v", timeout=120)
        return {
            line.split()[0]
            for line in done.output.splitlines()
            if len(line.split()) > 1 and line.split()[1] == "exec.cachemount"
        }

    def prune_cache(self, ids: set[str]) -> None:
        for record in sorted(ids):
            self.command("builder", "prune", "--force", "--filter", f"id={record}", timeout=120)

    def run_once(
        self, image: str, *command: str, name: str, options: tuple[str, ...] = (), timeout: float
    ) -> Completed:
        """``docker run --rm`` without a network, named so a cleanup can remove the container
        when the client is stopped before it ends (``--rm`` needs the client to finish)."""
        return self.command(
            "run", "--rm", "--name", name, "--network", "none", "--label", f"{LABEL}=1",
            *options, image, *command, timeout=timeout,
        )  # fmt: skip

    def host_port(self, container: str, port: int) -> int | None:
        done = self.command("port", container, f"{port}/tcp")
        match = re.search(r":(\d+)\s*$", done.output.strip().splitlines()[0]) if done.ok else None
        return int(match.group(1)) if match else None

    def exec(self, container: str, *command: str) -> Completed:
        return self.command("exec", container, *command)

    def logs(self, container: str, lines: int = 30) -> str:
        return self.command("logs", "--tail", str(lines), container).output

    def remove_container(self, container: str) -> None:
        self.command("rm", "--force", "--volumes", container)

    def remove_image(self, image: str) -> None:
        self.command("image", "rm", "--force", image)


def throwaway_name(project: str) -> str:
    """A container name and image repository that Docker accepts, whatever the project's name."""
    slug = re.sub(r"[^a-z0-9]+", "-", project.lower()).strip("-")[:40].strip("-") or "project"
    return f"scaffold-validate-{slug}-{secrets.token_hex(4)}"


_ERROR_LINE = re.compile(r"^(?:#\d+ )?ERROR:? ")


def failing_step(output: str) -> str:
    """The Dockerfile step a BuildKit build failed in, and why, in one line."""
    lines = output.splitlines()
    step = next((ln.strip()[2:] for ln in lines if re.match(r"^\s*> \[.+\]", ln)), "")
    step = step.rstrip(":")
    # BuildKit >= 0.11 ends with "failed to solve: ..."; Docker 20.10's only says "#16 ERROR: ...".
    cause = next(
        (ln.strip() for ln in reversed(lines) if "failed to solve" in ln or _ERROR_LINE.match(ln)),
        "",
    )
    cause = _ERROR_LINE.sub("", cause)
    cause = re.sub(r"^(error: )?failed to solve( with frontend \S+)?: ", "", cause)
    if step and cause:
        return f"{step}: {cause}"
    return step or cause or "docker build failed"


def build_tail(output: str, lines: int = 30) -> str:
    """The end of a build's output, without BuildKit's ``#9 sha256:...`` digest lines."""
    useful = [ln for ln in output.splitlines() if not re.match(r"^#\d+ sha256:", ln)]
    return "\n".join(useful[-lines:])
