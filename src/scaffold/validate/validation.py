"""``scaffold validate``: prove a project works, and say so only when it has been proven.

The steps, in the order they are reported (each runs as soon as what it needs is there, up to
``jobs`` at a time):

- ``lock``: ``uv lock --check`` (at the workspace root for a member);
- ``sync``: ``uv sync --locked`` (every member of a workspace);
- ``services``: the compose file's backing services (a database) up for the tests and the
  container, on its network with its environment, and down at the end;
- ``tests``: the project's own pytest (with the extras ``--extra`` or ``[tool.scaffold]
  extras`` name);
- ``lint``: ruff, mypy and ty, wherever the project configures them, on the files they are
  configured for (else the package, and for ruff its tests);
- ``package``: a library's sdist and wheel build, and every module of the wheel installed
  alone imports;
- ``sysdeps``: the Dockerfile's stages install the Debian packages the locked dependencies need;
- ``build``: a BuildKit ``docker build`` (with a cache no other build touched under ``--isolated``
  or ``CI``);
- ``imports``: every runtime dependency's top-level modules and every module of the project's
  own code import in the image, as its user (a virtual project's code is not installed);
- ``run``: the image's own command, proven by what it does: the port it listens on (named by
  the image, its command or the compose file, else found listening in the container) answers
  the health path; a traceback in its log fails it; a command exits 0. Its HEALTHCHECK
  passes, ``docker stop`` ends it promptly, and it is not root (unless the project allows
  it); a command-line image (``kind = "cli"``) must answer ``--help``.

A Python project needs ``lock``, ``sync`` and ``tests``; a library also ``package``; one with a
Dockerfile also ``build``, ``imports`` and ``run``. When one of those could not run, the verdict
is "not proven", never "passed". Nothing here prints: callers get events and a
:class:`~scaffold.report.ValidationReport`.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.report import Phase, SkipReason, StepResult, ValidationReport
from scaffold.tools import runner
from scaffold.tools.compose import Services, read_compose
from scaffold.tools.config import cache_home
from scaffold.tools.docker import BuildSettings, Docker
from scaffold.tools.uv import Uv
from scaffold.validate import container, python, running
from scaffold.validate.engine import Events, Step, producers, run_steps, with_skip
from scaffold.validate.project import Package, Project, load_project
from scaffold.validate.steplist import STEP_HELP, STEPS

DEFAULT_TIMEOUT = 600.0
HEALTH_TIMEOUT = 60.0
GRACE = 5.0


def default_jobs() -> int:
    """Steps at once: the build mostly waits on Docker, so one more than the cores is fine."""
    return max(2, min(4, (os.cpu_count() or 1) + 1))


@dataclass(frozen=True)
class ValidateOptions:
    skip: frozenset[str] = frozenset()
    only: frozenset[str] = frozenset()
    strict: bool = False
    timeout: float = DEFAULT_TIMEOUT  # per step
    health_timeout: float = HEALTH_TIMEOUT
    python_image: str | None = None
    uv_image: str | None = None
    ca_bundle: Path | None = None
    docker: str | None = None
    keep: bool = False
    port: int | None = None
    health_path: str | None = None
    offline: bool = False
    isolated: bool | None = None  # None: isolated when $CI is set
    dockerfile: Path | None = None
    context: Path | None = None
    jobs: int | None = None
    grace: float = GRACE
    system_packages_file: Path | None = None
    extras: tuple[str, ...] = ()  # optional extras synced for the tests, beside the project's

    def __post_init__(self) -> None:
        unknown = sorted((self.skip | self.only) - set(STEPS))
        if unknown:
            raise UsageError(f"unknown step '{unknown[0]}'", hint=f"steps are: {', '.join(STEPS)}")
        if not (math.isfinite(self.timeout) and self.timeout > 0 and self.health_timeout > 0):
            raise UsageError("--timeout must be a positive number of seconds")
        if not (math.isfinite(self.grace) and self.grace > 0):
            raise UsageError("--grace must be a positive number of seconds")
        if self.port is not None and not 0 < self.port < 65536:
            raise UsageError(f"--port {self.port} is not a TCP port")
        if self.health_path is not None and not self.health_path.startswith("/"):
            raise UsageError("--health-path must start with '/'", hint="e.g. --health-path /health")
        if self.ca_bundle is not None and not self.ca_bundle.is_file():
            raise UsageError(f"--ca-bundle {self.ca_bundle} is not a file")
        if self.jobs is not None and self.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        # The images from the options, $SCAFFOLD_*_IMAGE or the config file, checked now:
        # before `scaffold new` writes the project it is to validate.
        BuildSettings.resolve(self.python_image, self.uv_image, self.ca_bundle)

    def requested(self, step: str) -> bool:
        return step not in self.skip and (not self.only or step in self.only)

    @property
    def build_isolated(self) -> bool:
        return self.isolated if self.isolated is not None else bool(os.environ.get("CI"))


def environment_for(project: Project) -> Path:
    """Where validation installs the project's environment: not its own ``.venv``, which would
    land in the Docker build context of a project that does not ignore it (and validation
    leaves the user's environment as it was). One per project, reused: a warm sync is quick."""
    key = hashlib.sha256(str(project.lock_root.resolve()).encode()).hexdigest()[:16]
    return cache_home() / "environments" / key


def project_python(root: Path) -> str | None:
    """The project's Python as ``3.12``: its ``.python-version``, else the lower bound of its
    ``requires-python``; what a base image named ``{python}`` is chosen for."""
    import re  # noqa: PLC0415
    import tomllib  # noqa: PLC0415

    try:
        pinned = (root / ".python-version").read_text("utf-8").split()
    except (OSError, UnicodeDecodeError):
        pinned = []
    if pinned and (found := re.match(r"(?:cpython-)?(3\.\d+)", pinned[0])):
        return found[1]
    try:
        requires = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"][
            "requires-python"
        ]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None
    found = re.search(r">=\s*(3\.\d+)", str(requires))
    return found[1] if found else None


def check_base_image(options: ValidateOptions, python: str) -> None:
    """Before ``scaffold new`` writes a project for ``python``: the base image validation will
    build it on has that Python, where the engine can tell (an image that is not here yet is
    pulled by the build, and a pattern ``{python}`` names the right one by construction)."""
    if not options.requested("build"):
        return
    settings = BuildSettings.resolve(options.python_image, options.uv_image, None, python)
    binary = runner.docker_binary(options.docker)
    if settings.python_image is None or binary is None:
        return  # the Dockerfile's own default is named for the project's Python
    found = Docker(binary).image_python(settings.python_image)
    if found is not None and found != python:
        raise UsageError(
            f"the base image {settings.python_image} has Python {found}, not {python}",
            hint=f"choose --python {found}, or name an image for each Python in the config or "
            'preset: python-image = "registry.example/python:{python}-slim"',
        )


def plan(project: Project, options: ValidateOptions) -> list[Step]:
    """Every step for every package, in report order, with what is known before running."""
    # mypy's and ruff's caches are shared by every project: mypy checks each cached module
    # against its source (size, time, hash), so a new project reuses what fastapi cost before.
    uv = Uv(
        offline=options.offline,
        timeout=options.timeout,
        environment=environment_for(project),
        tool_caches=cache_home() / "tools",
    )
    access = container.DockerAccess(options.docker)
    extras = tuple(dict.fromkeys((*project.packages[0].settings.extras, *options.extras)))
    settings = BuildSettings.resolve(
        options.python_image, options.uv_image, options.ca_bundle, project_python(project.root)
    )
    steps = [
        Step("lock", lambda _: python.lock_step(project, uv), gives=python.Locked, essential=True),
        Step(
            "sync",
            lambda _: python.sync_step(project, uv, extras),
            after=(python.Locked,),
            gives=python.Environment,
            essential=True,
        ),
    ]
    services = Step(
        "services",
        partial(
            running.services_step,
            compose_file=project.compose_file or project.root,
            access=access,
            timeout=options.timeout,
        ),
        gives=Services,
    )
    backing = project.compose_file is not None and bool(read_compose(project.compose_file).backing)
    services = replace(services, essential=backing)  # what the tests and the container run beside
    if not backing:
        services = with_skip(services, SkipReason.NOT_APPLICABLE, "no compose file with services")
    steps.append(services)
    for package in project.packages:
        steps += _package_steps(project, package, options, uv, access, settings, backing)
    wanted = _with_prerequisites(steps, options)
    return [_requested(step, options, wanted) for step in steps]


def _package_steps(
    project: Project,
    package: Package,
    options: ValidateOptions,
    uv: Uv,
    access: container.DockerAccess,
    settings: BuildSettings,
    backing: bool,
) -> list[Step]:
    target = package.rel
    # With backing services, the tests and the container are proven only beside them: services
    # this machine cannot start (an old compose client) leave them unproven, not failed.
    services: tuple[type[Any], ...] = (Services,) if backing else ()
    steps = [
        Step(
            "tests",
            lambda _: python.tests_step(package, uv, environment_for(project)),
            needs=(python.Environment, *services),
            after=(Services,),
            target=target,
            essential=package.is_project,
        )
    ]
    if not package.is_project and not package.has_tests:
        steps[0] = with_skip(steps[0], SkipReason.NOT_APPLICABLE, "a virtual workspace root")
    commands = python.lint_commands(package, project)
    lint = Step(
        "lint",
        lambda _: python.lint_step(package, project, uv, commands),
        needs=(python.Environment,),
        target=target,
    )
    if not commands:
        lint = with_skip(
            lint, SkipReason.NOT_APPLICABLE, "the project configures none of ruff, mypy or ty"
        )
    steps.append(lint)
    packaged = Step(
        "package",
        lambda _: python.package_step(package, uv),
        # After the sync: its environment names the distribution behind a missing module.
        after=(python.Locked, python.Environment),
        gives=python.Built,
        target=target,
        essential=python.package_applies(package),
    )
    if not python.package_applies(package):
        packaged = with_skip(packaged, SkipReason.NOT_APPLICABLE, "not a library")
    steps.append(packaged)
    has_docker = package.dockerfile is not None
    mapping_file = options.system_packages_file
    release = container.release_for(package, settings.python_image)
    run_settings = running.RunSettings(
        options.port if not target else None,
        options.health_path if not target else None,
        min(options.health_timeout, options.timeout),
        options.grace,
        package.settings.kind,
        package.settings.allow_root,
    )
    docker_steps = [
        Step(
            "sysdeps",
            partial(
                container.sysdeps_step,
                package=package,
                lock_file=project.lock_file,
                mapping_file=mapping_file,
                release=release,
            ),
            after=(python.Locked,),
            gives=container.SystemChecked,
            target=target,
        ),
        Step(
            "build",
            partial(
                container.build_step,
                package=package,
                access=access,
                settings=settings,
                timeout=options.timeout,
                keep=options.keep,
                isolated=options.build_isolated,
                mapping_file=mapping_file,
                release=release,
            ),
            after=(python.Locked, container.SystemChecked),
            gives=container.Image,
            target=target,
            essential=has_docker,
        ),
        Step(
            "imports",
            partial(
                container.imports_step,
                package=package,
                access=access,
                timeout=options.timeout,
                lock_file=project.lock_file,
                mapping_file=mapping_file,
                release=release,
                environment=environment_for(project),
            ),
            needs=(container.Image,),
            after=(python.Locked,),
            target=target,
            essential=has_docker,
        ),
        Step(
            "run",
            partial(
                running.run_step,
                package=package,
                access=access,
                settings=run_settings,
                compose_file=project.compose_file,
            ),
            needs=(container.Image, *services),
            after=(Services,),
            target=target,
            essential=has_docker,
        ),
    ]
    if package.unchosen:
        names = ", ".join(str(found.relative_to(package.path)) for found in package.unchosen)
        docker_steps = [
            replace(
                with_skip(
                    step,
                    SkipReason.UNAVAILABLE,
                    f"several Dockerfiles ({names}): choose one with --dockerfile or "
                    "[tool.scaffold] dockerfile",
                ),
                essential=step.kind != "sysdeps",
            )
            for step in docker_steps
        ]
    elif not has_docker:
        docker_steps = [
            with_skip(step, SkipReason.NOT_APPLICABLE, "the project has no Dockerfile")
            for step in docker_steps
        ]
    return steps + docker_steps


def _with_prerequisites(steps: list[Step], options: ValidateOptions) -> frozenset[str]:
    """The steps ``--only`` asks for and every step they need, all the way down: ``--only
    tests`` syncs first. Left out, what it needs would skip it "by request", and a verdict of
    passed would stand on nothing that ran."""
    wanted = set(options.only)
    needs = producers(steps)
    pending = [step for step in steps if step.kind in wanted and step.skip is None]
    while pending:
        step = pending.pop()
        for giver in needs[step.key]:
            if giver.kind in options.skip:
                raise UsageError(
                    f"--only {step.kind} needs '{giver.kind}', which --skip leaves out",
                    hint=f"drop --skip {giver.kind}, or --only {step.kind}",
                )
            if giver.kind not in wanted:  # with its own reason, should it not run
                wanted.add(giver.kind)
                pending += [s for s in steps if s.kind == giver.kind and s.skip is None]
    return frozenset(wanted)


def _requested(step: Step, options: ValidateOptions, wanted: frozenset[str]) -> Step:
    """A step the user left out is "not requested", unless it would not apply anyway (then
    that reason is the more telling one)."""
    unplanned = step.skip is None or step.skip[0] is SkipReason.UNAVAILABLE
    left_out = step.kind in options.skip or (bool(options.only) and step.kind not in wanted)
    if unplanned and left_out:
        return with_skip(step, SkipReason.REQUESTED, "not requested")
    return step


def validate_project(
    path: Path,
    options: ValidateOptions | None = None,
    events: Events | None = None,
) -> ValidationReport:
    """Run every requested step on the project at ``path``; see the module docstring."""
    options = options or ValidateOptions()
    project = load_project(path, dockerfile=options.dockerfile, context=options.context)
    steps = plan(project, options)
    started = time.monotonic()
    results = run_steps(
        steps, jobs=options.jobs or default_jobs(), strict=options.strict, events=events
    )
    return ValidationReport(
        str(path), results, strict=options.strict, wall_time=time.monotonic() - started
    )


__all__ = [
    "STEPS",
    "STEP_HELP",
    "Events",
    "Phase",
    "StepResult",
    "ValidateOptions",
    "validate_project",
]
