"""The readers validation relies on, without uv or Docker: Dockerfiles, uv.lock, causes, names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaffold.report import SkipReason, Status
from scaffold.tools.docker import BuildSettings, Docker, throwaway_name
from scaffold.tools.dockerfile import parse_dockerfile
from scaffold.tools.lockfile import read_lock
from scaffold.tools.runner import Completed
from scaffold.tools.system import load_system_mapping
from scaffold.tools.uv import cause_hint, uv_cause
from scaffold.validate.container import (
    _build_failure,
    build_cause,
    interpreters,
    isolated_dockerfile,
    python_mismatch,
    system_needs,
)
from scaffold.validate.project import load_project

GOLDEN = Path(__file__).parent / "golden"
# Docker's grammar for a repository path component, and for a container name.
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_CONTAINER = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

LOCK = """
version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "psycopg2" },
    { name = "uvicorn", extra = ["standard"] },
    { name = "colorama", marker = "sys_platform == 'win32'" },
    { name = "tomli", marker = "python_full_version < '3.11'" },
]

[[package]]
name = "psycopg2"
version = "2.9.10"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/psycopg2-2.9.10.tar.gz" }
wheels = [{ url = "https://x/psycopg2-2.9.10-cp311-cp311-win_amd64.whl" }]

[[package]]
name = "uvicorn"
version = "0.32.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://x/uvicorn-0.32.0-py3-none-any.whl" }]

[package.optional-dependencies]
standard = [{ name = "httptools" }]

[[package]]
name = "httptools"
version = "0.6.4"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/httptools-0.6.4.tar.gz" }
wheels = [{ url = "https://x/httptools-0.6.4-cp311-cp311-manylinux_2_17_x86_64.whl" }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://x/colorama-0.4.6-py2.py3-none-any.whl" }]

[[package]]
name = "tomli"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://x/tomli-2.0.0-py3-none-any.whl" }]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@given(st.text(max_size=300))
def test_throwaway_names_are_always_valid_docker_names(project: str) -> None:
    name = throwaway_name(project)
    assert _CONTAINER.match(name), name
    assert _COMPONENT.match(name), name
    assert len(f"{name}:validate") <= 128


def test_the_runtime_closure_follows_extras_and_linux_markers(tmp_path: Path) -> None:
    lock = read_lock(write(tmp_path / "uv.lock", LOCK))
    names = [pkg.name for pkg in lock.runtime_closure("app")]
    assert names == ["app", "psycopg2", "uvicorn", "httptools"]  # no colorama, no tomli
    old = [pkg.name for pkg in lock.runtime_closure("app", {"python_full_version": "3.10.0"})]
    assert "tomli" in old
    assert not lock.named("psycopg2")[0].has_linux_wheel
    assert lock.named("httptools")[0].has_linux_wheel


def test_system_needs_come_from_the_lock_and_the_data(tmp_path: Path) -> None:
    lock = read_lock(write(tmp_path / "uv.lock", LOCK))
    needs = system_needs(lock, ["app"], load_system_mapping())
    assert set(needs.build) == {"gcc", "libc6-dev", "libpq-dev"}
    assert set(needs.runtime) == {"libpq5"}
    assert needs.build["libpq-dev"] == ["psycopg2"]


def test_dockerfile_stages_and_their_packages() -> None:
    dockerfile = parse_dockerfile(GOLDEN / "service-sysdeps" / "Dockerfile")
    assert [stage.label for stage in dockerfile.stages] == ["uv", "builder", "runtime"]
    assert dockerfile.build_stage().label == "builder"
    builder, _ = dockerfile.apt_in(dockerfile.build_stage())
    runtime, unknown = dockerfile.apt_in(dockerfile.final)
    assert {"gcc", "libc6-dev", "libpq-dev"} <= builder
    assert "libpq5" in runtime
    assert "gcc" not in runtime
    assert not unknown
    assert dockerfile.root_image(dockerfile.final) == "python:3.12-slim-trixie"


def test_an_apt_list_from_a_variable_cannot_be_judged(tmp_path: Path) -> None:
    dockerfile = parse_dockerfile(
        write(
            tmp_path / "Dockerfile",
            "FROM python:3.12-slim AS base\nRUN apt-get install -y $PACKAGES\n"
            "FROM base\nRUN uv sync --locked\n",
        )
    )
    assert dockerfile.final.installs_python_deps
    assert dockerfile.apt_in(dockerfile.final) == (
        set(),
        "its apt-get install names $PACKAGES, not a package",
    )


def test_isolated_dockerfiles_give_every_cache_mount_its_own_id() -> None:
    text = (
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        "    --mount=type=cache,id=apt,target=/var/cache/apt,sharing=locked \\\n"
        "    --mount=type=bind,source=uv.lock,target=uv.lock true\n"
    )
    isolated = isolated_dockerfile(text, "t0k")
    assert "type=cache,target=/root/.cache/uv,id=scaffold-isolated-t0k/root/.cache/uv" in isolated
    assert "id=scaffold-isolated-t0kapt" in isolated
    assert "id=apt," not in isolated
    assert "--mount=type=bind,source=uv.lock,target=uv.lock" in isolated


def test_build_causes_are_named_with_their_fix() -> None:
    output = (
        "#11 1.4 Error: pg_config executable not found.\n"
        "#11 1.5 error: Failed to build `psycopg2==2.9.10`\n"
        "#11 ERROR: executor failed running [/bin/sh -c uv sync]: exit code: 1\n"
    )
    cause, fix = build_cause(output, load_system_mapping())
    assert cause == "psycopg2 failed to build: pg_config executable not found"
    assert (
        fix
        == "install gcc libc6-dev libpq-dev in the builder stage and libpq5 in the runtime stage"
    )
    tls, _ = build_cause(
        "  Caused by: invalid peer certificate: UnknownIssuer\n", load_system_mapping()
    )
    assert "UnknownIssuer" in tls
    assert "--ca-bundle" in tls


def test_a_base_image_with_another_python_is_named_before_building(tmp_path: Path) -> None:
    project = tmp_path / "p"
    write(project / "pyproject.toml", '[project]\nname = "p"\nrequires-python = ">=3.12"\n')
    write(project / "Dockerfile", (GOLDEN / "service" / "Dockerfile").read_text())
    package = load_project(project).packages[0]
    mismatch = python_mismatch(package, BuildSettings(python_image="scaffold-local/python:3.11"))
    assert mismatch == (
        "the base image scaffold-local/python:3.11 has Python 3.11, but requires-python is "
        "'>=3.12' (choose another image with --python-image, or change requires-python)"
    )
    assert python_mismatch(package, BuildSettings(python_image="python:3.13-slim")) == ""


def test_the_import_check_uses_the_interpreter_of_the_images_command() -> None:
    config = {
        "Entrypoint": None,
        "Cmd": ["/app/.venv/bin/fastapi", "run"],
        "Env": ["PATH=/usr/bin", "VIRTUAL_ENV=/opt/env"],
        "WorkingDir": "/srv",
    }
    assert interpreters(config) == [
        "/app/.venv/bin/python",
        "/opt/env/bin/python",
        "/srv/.venv/bin/python",
        "python",
        "python3",
    ]
    assert interpreters({}) == ["python", "python3"]


def test_uv_errors_say_what_failed_and_why() -> None:
    output = (
        "error: Failed to download `cpython-3.14.0-linux-x86_64-gnu`\n"
        "  Caused by: Request failed after 3 retries\n"
        "  Caused by: failed to lookup address information: Name or service not known\n"
    )
    cause = uv_cause(output)
    assert cause.startswith("Failed to download `cpython-3.14.0-linux-x86_64-gnu`: ")
    assert cause.endswith("failed to lookup address information: Name or service not known")
    assert "install that Python" in cause_hint(cause)


# What Docker Engine 20.10 printed here for a base image it could not pull (no registry).
PULL_FAILED_20_10 = """#3 [internal] load metadata for ghcr.io/astral-sh/uv:python3.12-bookworm-slim
#3 sha256:24a37aea7c018309da9cddcd9e11cc8fbef4e7f1c736c3324582b8bf5c0f7794
#3 ERROR: failed to do request: Head "https://ghcr.io/v2/astral-sh/uv/manifests/python3.12-book\
worm-slim": dial tcp: lookup ghcr.io on 10.255.255.53:53: no such host
------
 > [internal] load metadata for ghcr.io/astral-sh/uv:python3.12-bookworm-slim:
------
failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request\
: Head "https://ghcr.io/v2/astral-sh/uv/manifests/python3.12-bookworm-slim": dial tcp: lookup ghcr\
.io on 10.255.255.53:53: no such host
"""


@pytest.mark.parametrize(
    "output",
    [
        PULL_FAILED_20_10,
        # BuildKit >= 0.11 says it in one line
        "ERROR: failed to solve: ghcr.io/astral-sh/uv:python3.12-bookworm-slim: failed to "
        "resolve source metadata for ghcr.io/astral-sh/uv:python3.12-bookworm-slim: failed to "
        "do request: Head ...: no such host\n",
    ],
)
def test_an_image_that_cannot_be_pulled_is_named(output: str) -> None:
    cause, _ = build_cause(output, load_system_mapping())
    assert cause == (
        "cannot pull ghcr.io/astral-sh/uv:python3.12-bookworm-slim (no registry reachable? "
        "give --python-image/--uv-image or a mirror)"
    )


@pytest.mark.parametrize(
    ("output", "status"),
    [
        (PULL_FAILED_20_10, Status.SKIPPED),
        (
            "ERROR: failed to solve: python:3.12-slim: failed to resolve source metadata for "
            "docker.io/library/python:3.12-slim: failed to do request: Head ...: dial tcp "
            "1.2.3.4:443: i/o timeout\n",
            Status.SKIPPED,
        ),
        (
            "ERROR: failed to solve: pyhton:3.12-slim: failed to resolve source metadata for "
            "docker.io/library/pyhton:3.12-slim: pull access denied, repository does not exist "
            "or may require authorization\n",
            Status.FAILED,
        ),
    ],
    ids=["no-such-host", "timeout", "denied"],
)
def test_an_image_no_registry_could_be_asked_for_leaves_the_build_unproven(
    output: str, status: Status
) -> None:
    """Without a registry to reach, nothing about the project was shown to fail: the build is
    not proven (exit 5, a failure under --strict). A registry's "denied" is a real failure."""
    done = Completed(("docker", "build", "."), 1, output, 0.5)
    result = _build_failure(done, Docker("docker"), load_system_mapping())
    assert result.status is status, result
    assert result.detail.startswith("cannot pull "), result
    assert (result.skip_reason is SkipReason.UNAVAILABLE) is (status is Status.SKIPPED)


def test_a_containerfile_is_the_project_s_dockerfile_when_it_has_no_dockerfile(
    tmp_path: Path,
) -> None:
    """Podman's name: a project that has only a Containerfile must not pass without a build."""
    project = tmp_path / "p"
    write(project / "pyproject.toml", '[project]\nname = "p"\n')
    write(project / "Containerfile", "FROM scratch\n")
    assert load_project(project).packages[0].dockerfile == project / "Containerfile"
    write(project / "Dockerfile", "FROM scratch\n")
    assert load_project(project).packages[0].dockerfile == project / "Dockerfile"


def test_a_dockerfile_in_a_subfolder_is_found_and_built_from_the_project_root(
    tmp_path: Path,
) -> None:
    """`docker/Dockerfile`, built as `docker build -f docker/Dockerfile .`: without it the
    container would never be proven, and validate would pass."""
    project = tmp_path / "p"
    write(project / "pyproject.toml", '[project]\nname = "p"\n')
    write(project / "docker" / "Dockerfile", "FROM scratch\n")
    write(project / "tests" / "fixtures" / "Dockerfile", "FROM scratch\n")  # a test's sample
    write(project / "frontend" / "package.json", "{}\n")
    write(project / "frontend" / "Dockerfile", "FROM scratch\n")  # another project's
    write(project / ".devcontainer" / "Dockerfile", "FROM scratch\n")
    package = load_project(project).packages[0]
    assert package.dockerfile == project / "docker" / "Dockerfile"
    assert package.context == project
    assert package.unchosen == ()


def test_several_dockerfiles_in_subfolders_are_left_for_the_user_to_choose(
    tmp_path: Path,
) -> None:
    project = tmp_path / "p"
    write(project / "pyproject.toml", '[project]\nname = "p"\n')
    write(project / "deploy" / "api.Dockerfile", "FROM scratch\n")
    write(project / "deploy" / "worker.Dockerfile", "FROM scratch\n")
    package = load_project(project).packages[0]
    assert package.dockerfile is None
    assert package.unchosen == (
        project / "deploy" / "api.Dockerfile",
        project / "deploy" / "worker.Dockerfile",
    )
    chosen = load_project(project, dockerfile=Path("deploy/worker.Dockerfile")).packages[0]
    assert chosen.dockerfile == project / "deploy" / "worker.Dockerfile"
    assert chosen.context == project


def test_the_project_s_other_dockerfiles_are_named_as_not_built(tmp_path: Path) -> None:
    """The root's Dockerfile is taken; a `deploy/Dockerfile` or `Dockerfile.dev` beside it is
    never proven, so the build says so rather than let "passed" cover them."""
    project = tmp_path / "p"
    write(project / "pyproject.toml", '[project]\nname = "p"\n')
    for name in (
        "Dockerfile",
        "Dockerfile.dev",
        "Dockerfile.dockerignore",
        "deploy/Dockerfile",
        "deploy/prod.Dockerfile",
        "tests/fixtures/Dockerfile",  # a test's sample
        ".devcontainer/Dockerfile",  # an editor's
        "frontend/Dockerfile",  # another project's
    ):
        write(project / name, "FROM scratch\n")
    write(project / "frontend" / "package.json", "{}\n")
    package = load_project(project).packages[0]
    assert package.dockerfile == project / "Dockerfile"
    assert package.not_built == (
        project / "Dockerfile.dev",
        project / "deploy" / "Dockerfile",
        project / "deploy" / "prod.Dockerfile",
    )
    chosen = load_project(project, dockerfile=Path("deploy/Dockerfile")).packages[0]
    assert chosen.not_built == ()  # the user chose: nothing was taken for them
    write(
        project / "pyproject.toml",
        '[project]\nname = "p"\n[tool.scaffold]\ndockerfile = "Dockerfile"\n',
    )
    assert load_project(project).packages[0].not_built == ()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"tests/test_app.py": ""}, True),
        ({"src/p/tests/test_app.py": ""}, True),  # tests beside the code
        ({"src/p/app_test.py": ""}, True),
        ({"test_app.py": ""}, True),
        ({"checks/conftest.py": "", "pyproject.toml.extra": '\ntestpaths = ["checks"]\n'}, True),
        ({"src/p/app.py": "", "pyproject.toml.extra": '\ntestpaths = ["gone"]\n'}, False),
        ({"src/p/app.py": ""}, False),
        ({"src/p/app.py": "", ".venv/lib/test_x.py": "", "web/package.json": "{}"}, False),
    ],
)
def test_where_validate_looks_for_tests(
    tmp_path: Path, files: dict[str, str], expected: bool
) -> None:
    project = tmp_path / "p"
    pyproject = '[project]\nname = "p"\n'
    extra = files.pop("pyproject.toml.extra", "")
    if extra:
        pyproject += "\n[tool.pytest.ini_options]" + extra
    write(project / "pyproject.toml", pyproject)
    for rel, text in files.items():
        write(project / rel, text)
    assert load_project(project).packages[0].has_tests is expected
