"""`scaffold validate` on the stories of issue 16: what a server, a package and a build really
do. Each test builds a real project and runs real uv and real containers; none is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold.tools import runner
from scaffold.tools.docker import Docker
from tests.conftest import LOCAL_POSTGRES_IMAGE, Cli
from tests.docker.test_validate_docker import (
    DOCKER_STEPS,
    PACKAGE,
    PROJECT,
    copy,
    drop_healthcheck,
    edit_dockerfile,
    healthy_project,
    leftovers,
    replace_cmd,
    steps_of,
    validate_json,
)

pytestmark = pytest.mark.docker

__all__ = ["copy", "healthy_project"]  # fixtures, shared with the module they come from
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - where the server listens inside its container


def _no_port_anywhere(project: Path) -> None:
    """No EXPOSE, no [tool.scaffold] port, no HEALTHCHECK: only the command names the port."""
    edit_dockerfile(project, "EXPOSE 8000\n", "")
    drop_healthcheck(project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("port = 8000\n", ""))


def _break_the_app(project: Path, module: str) -> None:
    main = project / "src" / PACKAGE / "main.py"
    main.write_text(f"import {module}  # noqa: F401\n" + main.read_text())


def test_a_reloader_whose_worker_dies_fails_run_with_the_traceback(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """uvicorn --reload: the reloader stays up while its worker dies; nothing ever answers."""
    _no_port_anywhere(copy)
    _break_the_app(copy, "no_such_module_for_scaffold")
    replace_cmd(
        copy,
        ["uvicorn", f"{PACKAGE}.main:app", "--reload", "--host", ANY_ADDRESS, "--port", "8000"],
    )

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "120")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["status"] == "failed", run
    assert "ModuleNotFoundError: No module named 'no_such_module_for_scaffold'" in run["detail"]
    assert run["duration"] < 40, run  # the traceback ends it, not the health timeout
    assert leftovers(docker) == []


def test_a_server_found_only_by_its_command_is_asked_for_its_health(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """The same image, healthy: the port comes from `--port`, and /health must answer."""
    _no_port_anywhere(copy)
    replace_cmd(copy, ["uvicorn", f"{PACKAGE}.main:app", "--host", ANY_ADDRESS, "--port", "8000"])

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS)

    assert code == 0, payload
    run = steps_of(payload)["run"]
    assert run["detail"].startswith("/health answered 200"), run
    assert run["data"]["port"] == 8000, run
    assert leftovers(docker) == []


def test_a_server_found_only_by_its_listening_socket_is_asked_for_its_health(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """A command that names no port (`python -m` a module that starts uvicorn itself): the
    listening socket inside the container is found, and the health path asked there."""
    _no_port_anywhere(copy)
    (copy / "src" / PACKAGE / "serve.py").write_text(
        f'import uvicorn\n\nuvicorn.run("{PACKAGE}.main:app", host="0.0.0.0", port=8123)\n'
    )
    replace_cmd(copy, ["python", "-m", f"{PACKAGE}.serve"])

    code, payload = validate_json(
        cli, env, copy, *DOCKER_STEPS, "--only", "imports", "--grace", "3"
    )

    assert code == 0, payload
    run = steps_of(payload)["run"]
    assert "8123" in run["detail"], run
    assert "/health answered 200" in run["detail"], run
    # Importing every module of the project imports serve.py, which runs the server: the
    # import is stopped and remarked on, not waited for until the step's timeout.
    imports = steps_of(payload)["imports"]
    assert imports["status"] == "ok", imports
    assert any(f"import {PACKAGE}.serve raised ImportTimedOut" in n for n in imports["notes"])
    assert leftovers(docker) == []


def test_a_process_that_logs_a_traceback_fails_though_it_stays_up(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    _no_port_anywhere(copy)
    script = (
        "import threading, time\n"
        "def work():\n"
        "    import no_such_worker_module\n"
        "threading.Thread(target=work).start()\n"
        "time.sleep(600)\n"
    )
    replace_cmd(copy, ["python", "-c", script])

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--grace", "3")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["status"] == "failed", run
    assert "ModuleNotFoundError: No module named 'no_such_worker_module'" in run["detail"], run
    assert leftovers(docker) == []


def test_a_module_of_the_service_the_app_never_imports_is_imported_in_the_image(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """`import probe_x` works; `probe_x.jobs` needs a dependency nobody declared."""
    (copy / "src" / PACKAGE / "jobs").mkdir()
    (copy / "src" / PACKAGE / "jobs" / "nightly.py").write_text(
        "import no_such_dependency_for_scaffold  # noqa: F401\n"
    )  # a namespace subpackage: no __init__.py

    code, payload = validate_json(
        cli, env, copy, "--only", "build", "--only", "imports", "--shared-cache"
    )

    assert code == 1, payload
    imports = steps_of(payload)["imports"]
    assert imports["status"] == "failed", imports
    assert imports["detail"] == (
        f"import {PACKAGE}.jobs.nightly failed in the image: No module named "
        "'no_such_dependency_for_scaffold' (declare the distribution that provides "
        "'no_such_dependency_for_scaffold' in [project] dependencies)"
    ), imports
    assert leftovers(docker) == []


def test_a_virtual_project_is_proven_by_its_dependencies_and_its_command(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """uv's `package = false` (Astral's own FastAPI example): uv never installs the project, the
    image runs its source from a folder; imports must not call it "not installed"."""
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index("[build-system]")
    end = text.index("[tool.scaffold]")
    pyproject.write_text(text[:start] + "[tool.uv]\npackage = false\n\n" + text[end:])
    locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=copy, timeout=300)
    assert locked.ok, locked.output
    assert 'source = { virtual = "." }' in (copy / "uv.lock").read_text()
    edit_dockerfile(
        copy,
        "COPY --from=builder --chown=10001:10001 /app/.venv /app/.venv\n",
        "COPY --from=builder --chown=10001:10001 /app/.venv /app/.venv\n"
        "COPY --chown=10001:10001 src /app/src\n",
    )
    replace_cmd(
        copy,
        ["uvicorn", "--app-dir", "/app/src", f"{PACKAGE}.main:app", "--host", ANY_ADDRESS],
    )

    code, payload = validate_json(
        cli, env, copy, "--only", "build", "--only", "imports", "--only", "run", "--shared-cache"
    )

    steps = steps_of(payload)
    assert code == 0, [(k, v["status"], v["detail"]) for k, v in steps.items()]
    assert "virtual, not installed by uv" in steps["imports"]["detail"], steps["imports"]
    assert steps["run"]["detail"].startswith("/health answered 200"), steps["run"]
    assert leftovers(docker) == []


def test_a_compose_project_validated_by_a_relative_path(
    docker: Docker,
    cli: Cli,
    env: dict[str, str],
    copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`scaffold validate some-folder`: compose got `-f ./some-folder/compose.yaml` and ran in
    that folder, so it looked for some-folder/some-folder/compose.yaml."""
    (copy / "compose.yaml").write_text(
        f"services:\n  db:\n    image: {LOCAL_POSTGRES_IMAGE}\n  api:\n    build: .\n"
    )
    monkeypatch.chdir(copy.parent)

    code, payload = validate_json(
        cli, env, Path(copy.name), "--only", "services", "--only", "build", "--only", "run",
        "--shared-cache",
    )  # fmt: skip

    steps = steps_of(payload)
    assert code == 0, [(k, v["status"], v["detail"]) for k, v in steps.items()]
    assert steps["services"]["detail"] == "db up from compose.yaml", steps["services"]
    assert steps["run"]["detail"].startswith("/health answered 200"), steps["run"]
    assert leftovers(docker) == []


def test_two_copies_with_the_same_sizes_and_timestamps_each_build_their_own_files(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """Two `cp -a` copies, the second's health route renamed in place (same size, same mtime):
    the engine must build each copy's own files, so the second has no /health and fails run."""
    first, second = copy, copy.parent / "second" / copy.name
    second.parent.mkdir()
    done = subprocess.run(["cp", "-a", str(first), str(second)], check=False)  # noqa: S607
    assert done.returncode == 0
    main = second / "src" / PACKAGE / "main.py"
    stat = main.stat()
    text = main.read_text()
    assert text.count('"/health"') == 1, text
    main.write_text(text.replace('"/health"', '"/pingzz"'))
    os.utime(main, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert main.stat().st_size == stat.st_size
    assert main.stat().st_mtime_ns == (first / "src" / PACKAGE / "main.py").stat().st_mtime_ns

    code, payload = validate_json(cli, env, first, *DOCKER_STEPS)
    assert code == 0, payload
    code, payload = validate_json(cli, env, second, *DOCKER_STEPS, "--timeout", "60")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert "GET /health gives 404" in run["detail"], run
    assert "/pingzz" in run["detail"], run  # the service's own OpenAPI names the new path
    assert leftovers(docker) == []


def test_a_start_up_crash_names_the_setting_the_container_lacks(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """pydantic's "Field required" for a setting the container is not given: the detail is
    the field, not the traceback's header alone."""
    main = copy / "src" / PACKAGE / "main.py"
    main.write_text(
        main.read_text()
        + "\n\nimport os  # noqa: E402\n\nfrom pydantic import BaseModel  # noqa: E402\n\n\n"
        "class Settings(BaseModel):\n    database_url: str\n\n\n"
        "settings = Settings(**{k.lower(): v for k, v in os.environ.items() "
        'if k == "DATABASE_URL"})\n'
    )

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS, "--timeout", "120")

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["detail"].startswith("the container exited with code "), run
    assert run["detail"].endswith(
        "before /health answered: pydantic_core._pydantic_core.ValidationError: 1 validation "
        "error for Settings: database_url Field required"
    ), run
    assert leftovers(docker) == []


@pytest.mark.parametrize("allowed", [False, True], ids=["root-fails", "root-allowed"])
def test_root_is_policy_reported_after_what_the_service_did(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path, allowed: bool
) -> None:
    edit_dockerfile(copy, "USER 10001:10001\n", "")
    if allowed:
        pyproject = copy / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text().replace("port = 8000\n", "port = 8000\nallow-root = true\n")
        )

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS)

    run = steps_of(payload)["run"]
    assert run["detail"].startswith("/health answered 200, HEALTHCHECK passes"), run
    assert "stops on SIGTERM" in run["detail"], run  # the service worked, and said so
    if allowed:
        assert code == 0, payload
        assert run["detail"].endswith("runs as root (allowed by [tool.scaffold] allow-root)")
    else:
        assert code == 1, payload
        assert run["detail"].endswith(
            "; but the container runs as root (uid 0): add a USER to the final stage (or state "
            "the policy with [tool.scaffold] allow-root = true)"
        ), run
    assert leftovers(docker) == []


def test_a_workspace_build_that_misses_a_member_s_pyproject_says_so(
    docker: Docker, cli: Cli, env: dict[str, str], healthy_project: Path, tmp_path: Path
) -> None:
    """The dependency stage bind-mounts only the root's pyproject.toml: uv in the build sees
    no member, right next to "uv.lock matches"."""
    root = tmp_path / "ws"
    member = root / "services" / "api"
    shutil.copytree(healthy_project, member, ignore=shutil.ignore_patterns(".venv", "uv.lock"))
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["services/*"]\n')
    edit_dockerfile(
        member,
        "    && uv sync --locked --no-install-project --no-dev --no-editable\n",
        "    && uv sync --locked --no-install-project --no-dev --no-editable"
        f" --package {PROJECT}\n",
    )
    shutil.copy(member / ".dockerignore", root / ".dockerignore")
    locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=root, timeout=300)
    assert locked.ok, locked.output

    code, payload = validate_json(
        cli, env, root, "--only", "lock", "--only", "build", "--shared-cache"
    )

    steps = {s["name"] + (f" ({s['target']})" if s["target"] else ""): s for s in payload["steps"]}
    assert code == 1, payload
    assert steps["lock"]["detail"] == "uv.lock matches pyproject.toml", steps["lock"]
    build = steps["build (services/api)"]
    assert build["detail"].startswith(
        "uv in the build sees another workspace than uv.lock was made for: a workspace "
        "member's pyproject.toml is missing from the build"
    ), build
    assert leftovers(docker) == []


def test_the_port_a_compose_service_publishes_is_the_one_asked(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    """No EXPOSE, no port setting, a command that names none: the compose file's app service
    publishes the container's 8000, and that is where /health must answer."""
    _no_port_anywhere(copy)
    replace_cmd(copy, ["uvicorn", f"{PACKAGE}.main:app", "--host", ANY_ADDRESS])
    (copy / "compose.yaml").write_text(
        'services:\n  api:\n    build: .\n    ports: ["127.0.0.1:18000:8000"]\n'
    )

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS)

    assert code == 0, payload
    run = steps_of(payload)["run"]
    assert run["detail"].startswith("/health answered 200"), run
    assert run["data"]["port_from"] == "the compose file's published port 8000", run
    assert leftovers(docker) == []


def test_a_container_that_cannot_start_says_why(
    docker: Docker, cli: Cli, env: dict[str, str], copy: Path
) -> None:
    replace_cmd(copy, ["/no/such/server"])

    code, payload = validate_json(cli, env, copy, *DOCKER_STEPS)

    assert code == 1, payload
    run = steps_of(payload)["run"]
    assert run["detail"].startswith("the container did not start: "), run
    assert "/no/such/server" in run["detail"], run
    assert leftovers(docker) == []


_EDITABLE_DOCKERFILE = """\
ARG PYTHON_IMAGE=python:3.11-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
FROM ${UV_IMAGE} AS uv
FROM ${PYTHON_IMAGE}
COPY --from=uv /uv /usr/local/bin/uv
WORKDIR /app
COPY . /app
RUN --mount=type=secret,id=ca-bundle,target=/run/secrets/ca-bundle \\
    if [ -f /run/secrets/ca-bundle ]; then export SSL_CERT_FILE=/run/secrets/ca-bundle; fi; \\
    uv sync --locked --no-dev EDITABLE
USER 10001
CMD ["/app/.venv/bin/python", "-c", "import acme"]
"""


def test_an_editable_install_whose_modules_cannot_be_found_is_not_proven(
    docker: Docker, cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    """`uv sync` installs the project editable: the image holds a .pth and no RECORD of the
    modules, and the package `acme` is not named after the distribution. Its module that
    imports an undeclared dependency was never imported, and the step said ok."""
    project = tmp_path / "probe-editable"
    (project / "acme").mkdir(parents=True)
    (project / "acme" / "__init__.py").write_text("")
    (project / "acme" / "jobs.py").write_text("import no_such_dependency_for_scaffold\n")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "probe-editable"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = []\n\n[build-system]\nrequires = ["hatchling"]\n'
        'build-backend = "hatchling.build"\n\n[tool.hatch.build.targets.wheel]\n'
        'packages = ["acme"]\n'
    )
    (project / ".dockerignore").write_text(".venv\n")
    (project / "Dockerfile").write_text(_EDITABLE_DOCKERFILE.replace(" EDITABLE", ""))
    locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=project, timeout=300)
    assert locked.ok, locked.output
    steps = ("--only", "build", "--only", "imports", "--shared-cache")

    code, payload = validate_json(cli, env, project, *steps)

    imports = steps_of(payload)["imports"]
    assert code == 5, imports
    assert imports["status"] == "skipped", imports
    assert imports["skip_reason"] == "unavailable", imports
    assert imports["detail"].startswith(
        "no module of probe-editable was found in the image to import"
    ), imports
    assert "--no-editable" in imports["detail"], imports

    # What the detail advises: installed from its wheel, every module is found and imported.
    (project / "Dockerfile").write_text(_EDITABLE_DOCKERFILE.replace("EDITABLE", "--no-editable"))
    code, payload = validate_json(cli, env, project, *steps)

    imports = steps_of(payload)["imports"]
    assert code == 1, imports
    assert imports["detail"].startswith(
        "import acme.jobs failed in the image: No module named 'no_such_dependency_for_scaffold'"
    ), imports
    assert leftovers(docker, "probe-editable") == []
