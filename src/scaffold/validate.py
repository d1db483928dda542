"""``scaffold validate``: prove a project works, step by step.

lock -> sync -> tests -> lint -> build -> run. Each step ends ok, failed or skipped (always with
a reason); a step whose prerequisite failed is skipped, not run. Nothing here prints: callers
get events as steps start and end, and a :class:`~scaffold.report.ValidationReport`.
"""

from __future__ import annotations

import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold import runner
from scaffold.docker import BuildSettings, Docker, build_tail, failing_step, throwaway_name
from scaffold.errors import NotAProjectError, ToolError, UsageError
from scaffold.report import Status, StepResult, ValidationReport
from scaffold.steps import uv_lock

STEPS = ("lock", "sync", "tests", "lint", "build", "run")
# A step is skipped when one of these failed before it.
REQUIRES: dict[str, tuple[str, ...]] = {
    "sync": ("lock",),
    "tests": ("sync",),
    "lint": ("sync",),
    "build": ("lock",),
    "run": ("build",),
}
DEFAULT_HEALTH_PATH = "/health"
DEFAULT_TIMEOUT = 600.0
HEALTH_TIMEOUT = 60.0


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

    def __post_init__(self) -> None:
        unknown = sorted((self.skip | self.only) - set(STEPS))
        if unknown:
            raise UsageError(f"unknown step '{unknown[0]}'", hint=f"steps are: {', '.join(STEPS)}")
        if self.timeout <= 0 or self.health_timeout <= 0:
            raise UsageError("--timeout must be positive")
        if self.port is not None and not 0 < self.port < 65536:
            raise UsageError(f"--port {self.port} is not a TCP port")
        if self.health_path is not None and not self.health_path.startswith("/"):
            raise UsageError("--health-path must start with '/'", hint="e.g. --health-path /health")
        if self.ca_bundle is not None and not self.ca_bundle.is_file():
            raise UsageError(f"--ca-bundle {self.ca_bundle} is not a file")

    def requested(self, step: str) -> bool:
        return step not in self.skip and (not self.only or step in self.only)


@dataclass
class _Project:
    root: Path
    name: str
    package: str | None
    pyproject: dict[str, Any]

    @property
    def tool(self) -> dict[str, Any]:
        tool = self.pyproject.get("tool", {})
        return tool if isinstance(tool, dict) else {}


def _load_project(path: Path) -> _Project:
    if not path.is_dir():
        raise NotAProjectError(f"{path} is not a folder")
    pyproject = path / "pyproject.toml"
    if not pyproject.is_file():
        raise NotAProjectError(
            f"{path} has no pyproject.toml", hint="validate a uv project, e.g. one made by scaffold"
        )
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NotAProjectError(f"{pyproject} is not valid TOML: {exc}") from None
    name = str(data.get("project", {}).get("name") or path.resolve().name)
    dist = name.lower().replace("_", "-").replace(".", "-")
    package = dist.replace("-", "_")
    has_package = (path / "src" / package).is_dir() or (path / package).is_dir()
    return _Project(path, dist, package if has_package else None, data)


Events = Callable[[str, StepResult | None], None]


@dataclass
class _Run:
    project: _Project
    options: ValidateOptions
    events: Events | None
    report: ValidationReport
    docker: Docker | None = None
    docker_problem: str | None = None
    image: str | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # failed, or skipped because one failed

    def status_of(self, step: str) -> Status | None:
        return next((s.status for s in self.report.steps if s.name == step), None)


def validate_project(
    path: Path, options: ValidateOptions | None = None, events: Events | None = None
) -> ValidationReport:
    """Run every requested step on the project at ``path``; see the module docstring."""
    options = options or ValidateOptions()
    project = _load_project(path)
    state = _Run(project, options, events, ValidationReport(str(path), strict=options.strict))
    handlers: dict[str, Callable[[_Run], StepResult]] = {
        "lock": _lock,
        "sync": _sync,
        "tests": _tests,
        "lint": _lint,
        "build": _build,
        "run": _run_image,
    }
    try:
        for step in STEPS:
            if not options.requested(step):
                _record(state, StepResult(step, Status.SKIPPED, detail="not requested"))
                continue
            failed = [req for req in REQUIRES.get(step, ()) if req in state.blocked]
            if failed:
                did = "failed" if state.status_of(failed[0]) is Status.FAILED else "did not run"
                state.blocked.add(step)
                detail = f"needs '{failed[0]}', which {did}"
                _record(state, StepResult(step, Status.SKIPPED, detail=detail))
                continue
            if events:
                events(step, None)
            started = time.monotonic()
            try:
                result = handlers[step](state)
            except ToolError as exc:
                result = StepResult(step, Status.FAILED, detail=exc.message)
            if not result.duration:
                result.duration = time.monotonic() - started
            if result.status is Status.FAILED:
                state.blocked.add(step)
            _record(state, result)
    finally:
        for cleanup in reversed(state.cleanups):
            cleanup()
    return state.report


def _record(state: _Run, result: StepResult) -> None:
    # --strict fails the steps that could not run; not those the user left out, nor those
    # skipped after a failure (which fails the run already).
    chosen = result.detail == "not requested" or result.name in state.blocked
    if state.options.strict and result.status is Status.SKIPPED and not chosen:
        result.status = Status.FAILED
        result.detail = f"skipped, which --strict does not allow: {result.detail}"
    state.report.steps.append(result)
    if state.events:
        state.events(result.name, result)


def _uv(state: _Run, *args: str) -> runner.Completed:
    argv = [runner.uv_binary(), *args]
    if state.options.offline:
        argv.append("--offline")
    return runner.run(
        argv, cwd=state.project.root, timeout=state.options.timeout, env={"UV_NO_PROGRESS": "1"}
    )


# --- the steps ----------------------------------------------------------------------------


def _lock(state: _Run) -> StepResult:
    if not (state.project.root / "uv.lock").is_file():
        return StepResult("lock", Status.FAILED, detail="no uv.lock: run 'uv lock' and commit it")
    result = uv_lock(state.project.root, offline=state.options.offline, check=True)
    if result.status is Status.OK:
        result.detail = "uv.lock matches pyproject.toml"
    tail = result.output_tail or ""
    if result.status is Status.FAILED and (
        "needs to be updated" in tail or "does not match" in tail
    ):
        result.detail = "uv.lock is stale: it does not match pyproject.toml (run 'uv lock')"
    return result


def _sync(state: _Run) -> StepResult:
    done = _uv(state, "sync", "--locked")
    detail = "installed the locked environment" if done.ok else "uv sync --locked failed"
    return StepResult.from_completed("sync", done, detail)


def _tests(state: _Run) -> StepResult:
    root = state.project.root
    has_tests = (root / "tests").is_dir() or any(root.glob("test_*.py"))
    if not has_tests:
        return StepResult("tests", Status.SKIPPED, detail="the project has no tests")
    # `python -m`: the project's own pytest, never one that happens to be on PATH.
    done = _uv(state, "run", "--no-sync", "python", "-m", "pytest")
    if done.returncode == 5:
        result = StepResult.from_completed("tests", done)
        result.status, result.detail = Status.SKIPPED, "pytest collected no tests"
        return result
    summary = _pytest_summary(done.output)
    if done.ok:
        return StepResult.from_completed("tests", done, summary)
    detail = _not_installed(done, "pytest") or (f"tests failed: {summary}" if summary else "")
    return StepResult.from_completed("tests", done, detail)


def _not_installed(done: runner.Completed, tool: str) -> str:
    """uv's "Failed to spawn" means the project's environment lacks the tool."""
    if f"No module named {tool}" in done.output or "Failed to spawn" in done.output:
        return f"{tool} is not installed in the project's environment (add it to the dev group)"
    return ""


def _pytest_summary(output: str) -> str:
    for line in reversed(output.splitlines()):
        stripped = line.strip("= \t")
        if " in " in stripped and any(w in stripped for w in ("passed", "failed", "error")):
            return stripped
    return ""


def _lint(state: _Run) -> StepResult:
    root, tool = state.project.root, state.project.tool
    commands: list[tuple[str, ...]] = []
    if "ruff" in tool or (root / "ruff.toml").is_file() or (root / ".ruff.toml").is_file():
        commands.append(("ruff", "check"))
    if "mypy" in tool or (root / "mypy.ini").is_file() or (root / ".mypy.ini").is_file():
        files = tool.get("mypy", {}).get("files") if isinstance(tool.get("mypy"), dict) else None
        target = () if files else (("src",) if (root / "src").is_dir() else (".",))
        commands.append(("mypy", *target))
    if not commands:
        return StepResult(
            "lint", Status.SKIPPED, detail="the project configures neither ruff nor mypy"
        )
    total = 0.0
    ran = []
    for command in commands:
        done = _uv(state, "run", "--no-sync", "python", "-m", *command)
        total += done.duration
        if not done.ok:
            detail = _not_installed(done, command[0]) or f"{' '.join(command)} found problems"
            result = StepResult.from_completed("lint", done, detail)
            result.duration = total
            return result
        ran.append(done.command)
    names = ", ".join(" ".join(command) for command in commands)
    return StepResult("lint", Status.OK, total, f"{names}: clean", command=" && ".join(ran))


def _docker(state: _Run) -> Docker | None:
    if state.docker is None and state.docker_problem is None:
        binary = runner.docker_binary(state.options.docker)
        if binary is None:
            state.docker_problem = (
                "no docker client found (give --docker PATH or set SCAFFOLD_DOCKER)"
            )
        else:
            docker = Docker(binary)
            state.docker_problem = docker.daemon_problem()
            state.docker = docker if state.docker_problem is None else None
    return state.docker


def _build(state: _Run) -> StepResult:
    if not (state.project.root / "Dockerfile").is_file():
        return StepResult("build", Status.SKIPPED, detail="the project has no Dockerfile")
    docker = _docker(state)
    if docker is None:
        return StepResult("build", Status.SKIPPED, detail=state.docker_problem or "")
    options = state.options
    settings = BuildSettings.resolve(options.python_image, options.uv_image, options.ca_bundle)
    tag = f"{throwaway_name(state.project.name)}:validate"
    state.image = tag
    if not options.keep:
        state.cleanups.append(lambda: docker.remove_image(tag))
    done = docker.build(state.project.root, tag, settings, options.timeout, label=True)
    if not done.ok:
        detail = failing_step(done.output) if not done.timed_out else ""
        if "buildx component is missing" in done.output:
            detail = (
                f"{docker.binary} cannot build with BuildKit (no buildx): install buildx, or "
                "choose a client that can with --docker / SCAFFOLD_DOCKER"
            )
        result = StepResult.from_completed("build", done, detail)
        result.output_tail = build_tail(done.output)
        return result
    result = StepResult.from_completed("build", done, f"built {tag}")
    size = docker.inspect(tag, "{{.Size}}")
    result.data["image"] = tag
    result.data["image_size"] = int(size) if size and size.isdigit() else None
    if options.keep:
        result.data["image_id"] = docker.inspect(tag, "{{.Id}}")
    if settings.python_image:
        result.data["python_image"] = settings.python_image
    return result


def _service_port(state: _Run) -> int | None:
    if state.options.port is not None:
        return state.options.port
    port = state.project.tool.get("scaffold", {}).get("port")
    if isinstance(port, int):
        return port
    dockerfile = (state.project.root / "Dockerfile").read_text("utf-8", errors="replace")
    for line in dockerfile.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].upper() == "EXPOSE":
            digits = parts[1].split("/")[0]
            if digits.isdigit():
                return int(digits)
    return None


def _health_path(state: _Run) -> str:
    path = state.options.health_path or state.project.tool.get("scaffold", {}).get("health-path")
    return path if isinstance(path, str) and path.startswith("/") else DEFAULT_HEALTH_PATH


def _run_image(state: _Run) -> StepResult:
    docker, image = state.docker, state.image
    if docker is None or image is None:
        return StepResult(
            "run", Status.SKIPPED, detail=state.docker_problem or "no image was built"
        )
    port = _service_port(state)
    started = time.monotonic()
    if port is None:
        return _run_command(state, docker, image, started)
    name = throwaway_name(state.project.name)
    # Registered before the start: Ctrl-C during `docker run`, or a run that fails after
    # creating the container, must not leave it behind.
    state.cleanups.append(lambda: docker.remove_container(name))
    done = docker.run_detached(image, name, port)
    if not done.ok:
        return StepResult.from_completed("run", done, "the container did not start")
    return _check_service(state, docker, name, port, started)


def _check_service(state: _Run, docker: Docker, name: str, port: int, started: float) -> StepResult:
    host_port = docker.host_port(name, port)
    path = _health_path(state)
    if host_port is None:
        # `docker port` fails on a container that already stopped: say that, not "no port".
        return _exited(docker, name, path, started) or StepResult(
            "run", Status.FAILED, detail=f"the container does not publish port {port}"
        )
    url = f"http://127.0.0.1:{host_port}{path}"
    deadline = time.monotonic() + min(state.options.health_timeout, state.options.timeout)
    last = "no answer"
    while True:
        exited = _exited(docker, name, path, started)
        if exited is not None:
            return exited
        status, body = _http_get(url)
        if status == 200:
            break
        last = f"HTTP {status}" if status else body
        if time.monotonic() > deadline:
            return StepResult(
                "run",
                Status.FAILED,
                time.monotonic() - started,
                detail=f"{path} did not answer 200 on port {port} within "
                f"{deadline - started:.0f} s (last: {last})",
                output_tail=_tail(docker.logs(name)),
            )
        time.sleep(0.25)
    uid_check = _check_user(docker, name)
    result = StepResult("run", Status.OK, time.monotonic() - started)
    result.data.update({"url_path": path, "port": port, "health_body": body})
    return _finish_run(state, result, uid_check)


def _exited(docker: Docker, name: str, path: str, started: float) -> StepResult | None:
    """A failed result if the container is no longer running, with its exit code and logs."""
    state = docker.inspect(name, "{{.State.Running}} {{.State.ExitCode}}") or "false ?"
    if state.startswith("true"):
        return None
    return StepResult(
        "run",
        Status.FAILED,
        time.monotonic() - started,
        detail=f"the container exited with code {state.split()[-1]} before {path} answered",
        output_tail=_tail(docker.logs(name)),
    )


def _run_command(state: _Run, docker: Docker, image: str, started: float) -> StepResult:
    package = state.project.package
    command: tuple[str, ...] = ("python", "-c", f"import {package}") if package else ()
    done = docker.run_once(image, *command, timeout=state.options.timeout)
    if not done.ok:
        what = f"'import {package}'" if package else "the image's command"
        return StepResult.from_completed("run", done, f"{what} failed in the container")
    uid = docker.run_once(image, "id", "-u", timeout=60)
    check = (uid.output.strip(), None) if uid.ok else (None, uid.tail(3))
    return _finish_run(state, StepResult("run", Status.OK, time.monotonic() - started), check)


def _check_user(docker: Docker, container: str) -> tuple[str | None, str | None]:
    done = docker.exec(container, "id", "-u")
    return (done.output.strip(), None) if done.ok else (None, done.tail(3))


def _finish_run(
    state: _Run, result: StepResult, uid_check: tuple[str | None, str | None]
) -> StepResult:
    uid, problem = uid_check
    result.data["uid"] = uid
    image_size = next(
        (s.data.get("image_size") for s in state.report.steps if s.name == "build"), None
    )
    result.data["image_size"] = image_size
    if uid is None:
        result.status, result.detail = Status.FAILED, f"cannot read the container's user: {problem}"
    elif uid == "0":
        result.status, result.detail = Status.FAILED, "the container runs as root (uid 0)"
    else:
        size = f", image {image_size / 1e6:.0f} MB" if image_size else ""
        answered = f"{result.data['url_path']} answered 200, " if "url_path" in result.data else ""
        result.detail = f"{answered}uid {uid}{size}"
    return result


def _http_get(url: str) -> tuple[int | None, str]:
    # No proxy: the container is on this machine, whatever http_proxy says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return int(response.status), response.read(2048).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
