"""The steps that run containers: the image's own command exercised (a service answering its
health path, a worker stopping on SIGTERM, a command's --help), and the compose file's backing
services brought up for the tests and the container.

Every container started here is removed when validation ends, however it ends.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.report import SkipReason, Status, StepResult
from scaffold.tools.compose import (
    ComposeProject,
    Services,
    compose_command,
    read_compose,
    wait_ready,
)
from scaffold.tools.docker import (
    Docker,
    throwaway_name,
)
from scaffold.validate.container import DockerAccess, Image, interpreters, unavailable
from scaffold.validate.engine import Context, Outcome
from scaffold.validate.listening import (
    LISTENING,
    announced_ports,
    command_port,
    compose_ports,
    last_traceback,
    listening_sockets,
)
from scaffold.validate.project import Package

DEFAULT_HEALTH_PATH = "/health"
STOP_GRACE = 10  # seconds docker stop waits for SIGTERM to end the container
WRONG_PATH_WINDOW = 3.0  # a server that answers 404/405 this long will not start answering 200
CRASH_WINDOW = 3.0  # a server that logged a traceback and still does not answer this long
LOG_LINES = 200  # enough of the log to hold a whole traceback


# --- run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    port: int | None
    health_path: str | None
    health_timeout: float
    grace: float
    kind: str | None
    allow_root: bool = False


def run_step(
    context: Context,
    package: Package,
    access: DockerAccess,
    settings: RunSettings,
    compose_file: Path | None = None,
) -> Outcome:
    docker, problem = access.get()
    if docker is None:  # pragma: no cover - build ran, so docker answered
        return unavailable("run", problem)
    image = context.get(Image)
    if settings.kind == "cli":
        return Outcome(_check_cli(context, docker, image, settings))
    port, said = static_port(settings, package, image, compose_file)
    name = throwaway_name(package.name)
    # Registered before the start: an interrupt during `docker run` must not leave it behind.
    context.on_cleanup(lambda: docker.remove_container(name))
    started = time.monotonic()
    services = context.find(Services)
    options: tuple[str, ...] = ()
    if services is not None and package.dockerfile is not None:
        options = ("--network", services.network, *services.compose.run_options(package.dockerfile))
    done = docker.run_detached(image.tag, name, port, options=options)
    if not done.ok:
        why = (
            done.tail(1)
            .strip()
            .removeprefix("docker: ")
            .removeprefix("Error response from daemon: ")
        )
        detail = "the container did not start" + (f": {why}" if why else "")
        return Outcome(StepResult.from_completed("run", done, detail))
    if port is not None:
        result = _check_service(context, docker, name, port, package, image, settings, started)
        if said:
            result.data["port_from"] = said
    else:
        result = _check_process(context, docker, name, settings, started)
        if result.status is Status.OK and result.data.get("running"):
            result = _check_listening(context, docker, name, package, image, settings, result)
    if result.status is Status.OK and result.data.get("running"):
        result = _check_healthcheck(context, docker, name, image, settings, result)
    if result.status is Status.OK:
        result = _check_user(docker, name, image, result)
    if result.status is Status.OK and result.data.get("running"):
        result = _check_stop(docker, name, settings, result)
    result = _judge_user(result, settings.allow_root)
    result.duration = time.monotonic() - started
    return Outcome(result)


def static_port(
    settings: RunSettings, package: Package, image: Image, compose_file: Path | None
) -> tuple[int | None, str]:
    """The port to publish and ask, known before the container starts, and what said so: the
    option, ``[tool.scaffold] port``, ``EXPOSE``, the command's own ``--port``/``--bind`` (or a
    known server's default), the compose service's published port."""
    if settings.port:
        return settings.port, "--port"
    if package.settings.port:
        return package.settings.port, "[tool.scaffold] port"
    exposed = _exposed_port(image.config)
    if exposed is not None:
        return exposed, "EXPOSE"
    command = [*(image.config.get("Entrypoint") or []), *(image.config.get("Cmd") or [])]
    env = dict(item.partition("=")[::2] for item in image.config.get("Env") or [])
    found = command_port(command, env)
    if found is not None:
        return found
    if compose_file is not None and package.dockerfile is not None:
        app = read_compose(compose_file).app_for(package.dockerfile)
        ports = compose_ports((app or {}).get("ports") or [])
        if ports:
            return ports[0], f"the compose file's published port {ports[0]}"
    return None, ""


def _exposed_port(config: dict[str, Any]) -> int | None:
    ports = sorted(
        int(key.split("/")[0])
        for key in (config.get("ExposedPorts") or {})
        if key.endswith("/tcp") and key.split("/")[0].isdigit()
    )
    return ports[0] if ports else None


def _healthcheck_path(config: dict[str, Any]) -> str | None:
    test = (config.get("Healthcheck") or {}).get("Test") or []
    match = re.search(r"https?://[^/\s'\"]+(/[^\s'\")]*)", " ".join(test))
    return match.group(1) if match else None


def _exited(docker: Docker, name: str) -> tuple[bool, str]:
    state = docker.inspect(name, "{{.State.Running}} {{.State.ExitCode}}") or "false ?"
    return (not state.startswith("true"), state.split()[-1])


def _check_service(
    context: Context,
    docker: Docker,
    name: str,
    port: int,
    package: Package,
    image: Image,
    settings: RunSettings,
    started: float,
) -> StepResult:
    path = (
        settings.health_path
        or package.settings.health_path
        or _healthcheck_path(image.config)
        or DEFAULT_HEALTH_PATH
    )
    host_port = docker.host_port(name, port)
    if host_port is None:
        stopped, code = _exited(docker, name)
        detail = (
            f"the container exited with code {code} before {path} answered"
            if stopped
            else f"the container does not publish port {port}"
        )
        return StepResult(
            "run",
            Status.FAILED,
            detail=detail,
            exit_code=_code(code),
            output_tail=_tail(docker.logs(name)),
        )
    url = f"http://127.0.0.1:{host_port}{path}"
    deadline = started + settings.health_timeout
    last, first_answer = "no answer", None
    unreachable_since: float | None = None
    looked_inside = 0.0
    crash = _CrashWatch(docker, name)
    while not context.cancelled:
        stopped, code = _exited(docker, name)
        if stopped:
            log = docker.logs(name, LOG_LINES)
            return StepResult(
                "run",
                Status.FAILED,
                detail=f"the container exited with code {code} before {path} answered"
                + _cause(log),
                exit_code=_code(code),
                output_tail=_tail(log),
            )
        status, body = _http_get(url)
        if status == 200:
            result = StepResult("run", Status.OK, detail=f"{path} answered 200")
            result.data.update(
                {"url_path": path, "port": port, "health_body": body, "running": True}
            )
            return result
        now = time.monotonic()
        problem = ""
        crashed = crash.check(now)
        if crashed:
            problem = (
                f"the service logged a traceback and {path} does not answer on port {port}: "
                f"{crashed}"
            )
        elif status is not None:
            last = f"HTTP {status}"
            first_answer = first_answer or now
            if now - first_answer > WRONG_PATH_WINDOW:
                problem = _wrong_answer(status, port, path, f"http://127.0.0.1:{host_port}")
        else:
            last = body
            unreachable_since = unreachable_since or now
            # Nothing on the published port: a server bound to 127.0.0.1 answers only inside.
            if now - unreachable_since > 1.0 and now - looked_inside > 2.0:
                looked_inside = now
                problem = _why_unreachable(docker, name, image, port, path)
                if problem and _http_get(url)[0] is not None:
                    problem = ""  # it came up on the published port meanwhile: read it next turn
        if not problem and now > deadline:
            problem = (
                f"{path} did not answer 200 on port {port} within "
                f"{settings.health_timeout:.0f} s (last: {last})"
            )
        if problem:
            return StepResult(
                "run",
                Status.FAILED,
                exit_code=1,
                output_tail=_tail(docker.logs(name)),
                detail=problem,
            )
        context.sleep(0.2)
    return StepResult("run", Status.FAILED, detail="stopped: validation was interrupted")


class _CrashWatch:
    """A worker that died while its parent (a reloader, a process manager) stays up leaves
    only its traceback to see; a server that recovers answers within :data:`CRASH_WINDOW`."""

    def __init__(self, docker: Docker, name: str) -> None:
        self.docker, self.name = docker, name
        self.read, self.since, self.line = 0.0, 0.0, ""

    def check(self, now: float) -> str:
        """The traceback's last line once it has stood unanswered long enough, else ""."""
        if not self.line and now - self.read > 1.0:
            self.read = now
            self.line = last_traceback(self.docker.logs(self.name, LOG_LINES))
            self.since = now
        return self.line if self.line and now - self.since > CRASH_WINDOW else ""


def _wrong_answer(status: int, port: int, path: str, base: str) -> str:
    """Why a server that answers, but not 200, will not pass ("" while it may still)."""
    if status in (404, 405):
        return (
            f"the service answers on port {port} but GET {path} gives {status}: give the right "
            f"path with --health-path or [tool.scaffold] health-path{_suggest_paths(base)}"
        )
    if status in (401, 403):
        return (
            f"the service answers on port {port} but GET {path} gives {status}: a health path "
            "must answer without credentials (give one with --health-path or [tool.scaffold] "
            "health-path)"
        )
    return ""


def _why_unreachable(docker: Docker, name: str, image: Image, port: int, path: str) -> str:
    """Why nothing answers on the published port, when the container can tell: the server is
    bound to its loopback only, or its log says it listens on another port ("" otherwise)."""
    if _answers_inside(docker, name, image, port, path):
        return (
            f"{path} answers inside the container but not on the published port {port}: the "
            "server listens on 127.0.0.1 only; make it listen on 0.0.0.0 (uvicorn --host "
            f"0.0.0.0, gunicorn --bind 0.0.0.0:{port})"
        )
    announced = {int(found) for _, found in LISTENING.findall(docker.logs(name))}
    if port in announced:
        return ""
    # A log line can name another server's port (a database it waits for): only one that
    # answers HTTP inside the container is taken for the service's own.
    for other in sorted(announced):
        if _answers_inside(docker, name, image, other, path):
            return (
                f"the server's log says it listens on port {other}, but the image is checked "
                f"on port {port}: give --port {other}, or make EXPOSE and [tool.scaffold] port "
                f"say {other} (or the server listen on {port})"
            )
    return ""


def _answers_inside(docker: Docker, name: str, image: Image, port: int, path: str) -> bool:
    """Whether the service answers HTTP on the container's own loopback (with the image's
    Python, where it has one: no answer is taken as no)."""
    script = (
        "import sys, urllib.error, urllib.request\n"
        "try:\n"
        f"    urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=2)\n"
        "except urllib.error.HTTPError:\n"
        "    pass\n"
        "except Exception:\n"
        "    sys.exit(3)\n"
    )
    for python in interpreters(image.config)[:3]:
        done = docker.exec(name, python, "-c", script)
        if done.returncode in (0, 3):
            return done.returncode == 0
    return False


def _suggest_paths(base: str) -> str:
    status, body = _http_get(base + "/openapi.json", limit=200_000)
    if status != 200:
        return ""
    try:
        paths = [
            p
            for p in json.loads(body).get("paths", {})
            if "health" in p.lower() or "ping" in p.lower()
        ]
    except (ValueError, AttributeError):
        return ""
    return f" (the service's OpenAPI lists {', '.join(paths[:3])})" if paths else ""


def _check_cli(context: Context, docker: Docker, image: Image, settings: RunSettings) -> StepResult:
    """A command-line image: ``docker run IMAGE --help`` exits 0 and says something."""
    name = throwaway_name("cli")
    context.on_cleanup(lambda: docker.remove_container(name))
    done = docker.run_once(image.tag, "--help", name=name, timeout=max(settings.grace * 6, 60))
    if not done.ok or not done.output.strip():
        detail = f"'docker run IMAGE --help' exited with {done.returncode}" + _last_line(
            done.output
        )
        result = StepResult.from_completed("run", done, detail)
        if done.ok:  # exit 0 but silent
            result.status, result.exit_code = Status.FAILED, 1
            result.detail = "'docker run IMAGE --help' printed nothing"
        return result
    result = StepResult.from_completed("run", done, "'docker run IMAGE --help' exits 0")
    result.data["help"] = done.tail(5)
    return _judge_user(_check_user(docker, "", image, result), settings.allow_root)


def _check_process(
    context: Context, docker: Docker, name: str, settings: RunSettings, started: float
) -> StepResult:
    """No port known: the image's own command must stay up (a server, a worker) or exit 0 (a
    command); what stays up is then asked where it listens (:func:`_check_listening`)."""
    while time.monotonic() - started < settings.grace and not context.cancelled:
        stopped, code = _exited(docker, name)
        if stopped:
            log = docker.logs(name, LOG_LINES)
            if code == "0":
                result = StepResult("run", Status.OK, detail="the image's command exited 0")
                result.data["running"] = False
                if crash := last_traceback(log):
                    result.notes.append(f"its log has a traceback: {crash}")
                return result
            return StepResult(
                "run",
                Status.FAILED,
                exit_code=_code(code),
                output_tail=_tail(log),
                detail=f"the image's command exited with code {code}" + _cause(log),
            )
        context.sleep(0.25)
    result = StepResult(
        "run", Status.OK, detail=f"the image's command stayed up for {settings.grace:.0f} s"
    )
    result.data["running"] = True
    return result


def _check_listening(
    context: Context,
    docker: Docker,
    name: str,
    package: Package,
    image: Image,
    settings: RunSettings,
    result: StepResult,
) -> StepResult:
    """A command that stayed up is proven only by what it does: a traceback in its log fails
    it (a worker died under a parent that stays up); a port it listens on, found in the
    container's sockets or its log, must answer the health path."""
    log = docker.logs(name, LOG_LINES)

    def failed(detail: str) -> StepResult:
        return StepResult("run", Status.FAILED, exit_code=1, output_tail=_tail(log), detail=detail)

    crash = last_traceback(log)
    if crash:
        return failed(f"the image's command stays up, but its log has a traceback: {crash}")
    sockets = _sockets(docker, name, image)
    announced = announced_ports(log)
    if sockets is None:
        result.notes.append("could not read the container's listening sockets")
        return result
    silent = [port for port in announced if port not in sockets]
    if silent:
        context.sleep(1.0)  # one more look: a server may announce itself just before it listens
        sockets = _sockets(docker, name, image) or {}
        silent = [port for port in announced if port not in sockets]
    if silent:
        return failed(
            f"the log says the process listens on port {silent[0]}, but nothing listens on it "
            "in the container"
        )
    if not sockets:
        if settings.kind == "service":
            return failed(
                "a service, but nothing listens in the container (no port in EXPOSE, the "
                "command, the compose file or [tool.scaffold] port, and no listening socket)"
            )
        return result
    path = (
        settings.health_path
        or package.settings.health_path
        or _healthcheck_path(image.config)
        or DEFAULT_HEALTH_PATH
    )
    problem = _ask_listening(
        docker, name, image, (sorted(sockets), announced, path, settings.kind), result
    )
    return failed(problem) if problem else result


def _ask_listening(
    docker: Docker,
    name: str,
    image: Image,
    asked: tuple[list[int], dict[int, bool], str, str | None],
    result: StepResult,
) -> str:
    """Ask each listening port for ``path`` (the announced ones first): the first that answers
    200 proves the server (``result`` says so); a wrong answer is the problem returned."""
    ports, announced, path, kind = asked
    for port in sorted(ports, key=lambda p: (p not in announced, p)):
        status = _status_inside(docker, name, image, port, path)
        if status == 200:
            result.detail = (
                f"{path} answered 200 on port {port} (found listening in the container; "
                f"EXPOSE {port} would say so)"
            )
            result.data.update({"url_path": path, "port": port, "port_from": "listening socket"})
            return ""
        if status is not None and status > 0 and kind == "service":
            return (
                f"the service listens on port {port} but GET {path} gives {status}: give the "
                "right path with --health-path or [tool.scaffold] health-path"
            )
        if status is not None and status > 0:
            # A port nothing named (a worker's metrics, an admin page) that answers HTTP: it
            # serves; which path is its health is not known.
            result.detail = f"port {port} answers HTTP (GET {path} gives {status})"
            result.data.update({"port": port, "port_from": "listening socket"})
            result.notes.append(
                f"GET {path} gives {status} on port {port}: give --health-path or "
                "[tool.scaffold] health-path to check the right path"
            )
            return ""
        if status == 0 and announced.get(port):
            return (
                f"the log says the process serves HTTP on port {port}, but it does not answer "
                f"GET {path} there"
            )
    result.notes.append(f"listens on port {', '.join(map(str, ports))}, which does not answer HTTP")
    return ""


def _sockets(docker: Docker, name: str, image: Image) -> dict[int, bool] | None:
    """The container's listening TCP ports (None when the container cannot tell)."""
    done = docker.exec(name, "cat", "/proc/net/tcp", "/proc/net/tcp6")
    if "local_address" in done.output:
        return listening_sockets(done.output)
    script = (
        "import sys\n"
        "for f in ('/proc/net/tcp', '/proc/net/tcp6'):\n"
        "    try:\n"
        "        sys.stdout.write(open(f).read())\n"
        "    except OSError:\n"
        "        pass\n"
    )
    for python in interpreters(image.config)[:3]:
        done = docker.exec(name, python, "-c", script)
        if "local_address" in done.output:
            return listening_sockets(done.output)
    return None


def _status_inside(docker: Docker, name: str, image: Image, port: int, path: str) -> int | None:
    """The HTTP status ``GET path`` gets on the container's own loopback: 0 for no HTTP answer,
    None when no interpreter of the image could ask."""
    script = (
        "import urllib.error, urllib.request\n"
        "opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n"
        "try:\n"
        f"    answer = opener.open('http://127.0.0.1:{port}{path}', timeout=3)\n"
        "    print('SCAFFOLD-HTTP', answer.status)\n"
        "except urllib.error.HTTPError as exc:\n"
        "    print('SCAFFOLD-HTTP', exc.code)\n"
        "except Exception:\n"
        "    print('SCAFFOLD-HTTP 0')\n"
    )
    for python in interpreters(image.config)[:3]:
        done = docker.exec(name, python, "-c", script)
        found = re.search(r"SCAFFOLD-HTTP (\d+)", done.output)
        if found:
            return int(found.group(1))
    return None


def _check_healthcheck(
    context: Context,
    docker: Docker,
    name: str,
    image: Image,
    settings: RunSettings,
    result: StepResult,
) -> StepResult:
    test = (image.config.get("Healthcheck") or {}).get("Test") or []
    if not test or test[0] == "NONE":
        return result
    argv = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", " ".join(test[1:])]
    deadline = time.monotonic() + min(settings.health_timeout, 30.0)
    while True:
        done = docker.exec(name, *argv)
        if done.ok:
            result.detail += ", HEALTHCHECK passes"
            return result
        if time.monotonic() > deadline or context.cancelled:
            result.status, result.exit_code = Status.FAILED, done.returncode or 1
            result.detail = (
                f"the image's HEALTHCHECK fails: {done.tail(1) or f'exit {done.returncode}'}"
            )
            result.output_tail = done.tail()
            return result
        context.sleep(0.5)


def _check_user(docker: Docker, name: str, image: Image, result: StepResult) -> StepResult:
    # A numeric USER is the uid the container runs as; a name is asked of the container.
    user = str(image.config.get("User") or "").split(":")[0]
    uid = user if user.isdigit() else None
    if uid is None and result.data.get("running"):
        done = docker.exec(name, "id", "-u")
        uid = done.output.strip() if done.ok else None
    if uid is None:
        uid = "0" if user in ("", "root") else user
    result.data["uid"] = uid
    if uid != "0":
        result.detail += f", uid {uid}"
    return result


def _judge_user(result: StepResult, allow_root: bool) -> StepResult:
    """Running as root is policy, not function: reported after what the service did, and a
    failure unless the project allows it (``[tool.scaffold] allow-root = true``)."""
    if result.data.get("uid") != "0" or result.status is not Status.OK:
        return result
    if allow_root:
        result.detail += ", runs as root (allowed by [tool.scaffold] allow-root)"
        return result
    result.status, result.exit_code = Status.FAILED, 1
    result.detail += (
        "; but the container runs as root (uid 0): add a USER to the final stage (or state "
        "the policy with [tool.scaffold] allow-root = true)"
    )
    return result


def _check_stop(docker: Docker, name: str, settings: RunSettings, result: StepResult) -> StepResult:
    began = time.monotonic()
    docker.stop(name, STOP_GRACE)
    took = time.monotonic() - began
    _, code = _exited(docker, name)
    result.data["stop_seconds"] = round(took, 2)
    if code == "137" or took >= STOP_GRACE:
        message = (
            f"docker stop had to kill it: SIGTERM did not end the container within {STOP_GRACE} s "
            "(handle SIGTERM, or use an exec-form CMD so the process gets it)"
        )
        if settings.kind == "worker":
            result.status, result.exit_code, result.detail = Status.FAILED, 137, message
        else:
            result.notes.append(message)
        return result
    if code not in ("0", "143"):
        message = f"the container exited with code {code} on SIGTERM (a clean stop exits 0)"
        if settings.kind == "worker":
            result.status, result.exit_code, result.detail = Status.FAILED, _code(code), message
            return result
        result.notes.append(message)
    result.detail += f", stops on SIGTERM in {took:.1f} s"
    return result


def _http_get(url: str, limit: int = 2048) -> tuple[int | None, str]:
    # No proxy: the container is on this machine, whatever http_proxy says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return int(response.status), response.read(limit).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _cause(log: str) -> str:
    """ ": " and the line that explains a crash: a traceback's last line, else the log's."""
    crash = last_traceback(log)
    return f": {crash}" if crash else _last_line(log)


def _last_line(logs: str) -> str:
    lines = [ln.strip() for ln in logs.splitlines() if ln.strip()]
    return f": {lines[-1]}" if lines else ""


def _code(code: str) -> int:
    return int(code) if code.lstrip("-").isdigit() and code != "0" else 1


# --- services from the project's compose file ------------------------------------------------

# What docker-compose 1.x says of a file written for the Compose Specification it predates.
_UNREAD_BY_V1 = (
    "is invalid because",
    "contains unsupported option",
    "Additional properties are not allowed",
    "Version in",  # "Version in ./compose.yaml is unsupported"
)


def services_step(
    context: Context, compose_file: Path, access: DockerAccess, timeout: float
) -> Outcome:
    docker, problem = access.get()
    if docker is None:
        return unavailable("services", problem)
    compose = read_compose(compose_file)
    command = compose_command(docker.binary)
    if command is None:
        return unavailable(
            "services", "no compose client (docker compose or docker-compose; or SCAFFOLD_COMPOSE)"
        )
    project = ComposeProject(command, compose, timeout)
    # Registered before `up`: an interrupt while services start must not leave them running.
    context.on_cleanup(project.down)
    started = time.monotonic()
    done = project.up(compose.backing)
    if not done.ok:
        detail = f"{' '.join(command)} up failed: {done.tail(1)}"
        v1 = Path(command[0]).name == "docker-compose"
        if v1 and any(text in done.output for text in _UNREAD_BY_V1):
            # docker-compose 1.x knows only the older file format (no depends_on.restart, ...):
            # this machine's client, not the project, is what failed.
            detail += (
                " (this compose client may be too old for the file: install Docker Compose v2 "
                "and point SCAFFOLD_COMPOSE at it)"
            )
            result = StepResult.from_completed("services", done, detail)
            result.status, result.skip_reason = Status.SKIPPED, SkipReason.UNAVAILABLE
            return Outcome(result)
        return Outcome(StepResult.from_completed("services", done, detail))
    problem = wait_ready(project, docker.inspect, started + min(timeout, 120.0), context.sleep)
    if problem:
        result = StepResult("services", Status.FAILED, detail=problem, command=done.command)
        result.exit_code = 1
        return Outcome(result)
    names = ", ".join(compose.backing)
    result = StepResult.from_completed("services", done, f"{names} up from {compose_file.name}")
    return Outcome(result, Services(project.network, compose))
