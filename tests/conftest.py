"""Shared fixtures: the CLI runner, real Docker, and the rule that CI may not skip."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from scaffold.cli import app
from scaffold.create.new import NewOptions, build_spec, new_project
from scaffold.create.render import ANSWERS_FILE
from scaffold.tools import runner
from scaffold.tools.docker import BuildSettings, Docker

GOLDEN = Path(__file__).parent / "golden"
# `scaffold new` with nothing but the render and the write: no uv, no git, no validation.
FAST = ("--python", "3.11", "--no-lock", "--no-git", "--no-validate")
# Images built by .ci/docker-env.sh (no registry is reachable on the test machines), unless
# the environment or scaffold's config file names others.
_IMAGES = BuildSettings.resolve(None, None, None)
LOCAL_PYTHON_IMAGE = _IMAGES.python_image or "scaffold-local/python:3.11"
LOCAL_UV_IMAGE = _IMAGES.uv_image or f"scaffold-local/uv:{version('uv')}"
LOCAL_POSTGRES_IMAGE = "scaffold-local/postgres:15"  # .ci/docker-env.sh builds it
LOCAL_TRIXIE_IMAGE = "scaffold-local/python:3.13-trixie"  # and this one: Debian 13's python3
IN_CI = bool(os.environ.get("CI"))

# Property tests: a quick pass while working, hundreds of examples per property in CI.
settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if IN_CI else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current templates instead of comparing.",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With CI set, a skipped test is a failed one: CI must not pass without Docker or uv."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which counts as a failure: {reason}"


class Cli:
    """Run scaffold's Typer app in-process, with rich pinned to a fixed width."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path, env: dict[str, str] | None = None) -> ScaffoldResult:
        full_env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
        result = self.runner.invoke(app, [str(a) for a in args], env=full_env)
        return ScaffoldResult(result.exit_code, result.stdout, result.stderr, result.exception)


class ScaffoldResult:
    def __init__(self, code: int, stdout: str, stderr: str, exc: BaseException | None) -> None:
        self.code, self.stdout, self.stderr, self.exception = code, stdout, stderr, exc

    def __repr__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@pytest.fixture
def cli() -> Cli:
    return Cli()


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` as posix path -> bytes (the unit of golden comparisons)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def assert_copier_renders_the_same(options: NewOptions, tmp_path: Path) -> dict[str, Any]:
    """`copier copy` of the options' built-in template with the answers scaffold used gives
    byte-identical files (the answers file differs only by copier's own keys); returns the
    answers for further checks."""
    from copier import run_copy  # noqa: PLC0415 - only the parity tests need copier

    options = replace(options, parent=tmp_path / "scaffold", lock=False, git=False)
    report = new_project(options)
    answers = build_spec(options).answers()
    copied = tmp_path / "copier" / "project"
    template = Path(__file__).parent.parent / "templates" / report.template
    run_copy(str(template), copied, data=answers, defaults=True, quiet=True, unsafe=True)
    ours, theirs = tree_bytes(Path(report.path)), tree_bytes(copied)
    assert sorted(ours) == sorted(theirs)
    for path in ours:
        if path != ANSWERS_FILE:
            assert ours[path] == theirs[path], path
    their_answers = yaml.safe_load(theirs[ANSWERS_FILE])
    assert their_answers.pop("_src_path")
    their_answers.pop("_commit", None)
    assert yaml.safe_load(ours[ANSWERS_FILE]) == their_answers == answers
    return answers


@pytest.fixture(scope="session")
def warm_uv_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """uv's cache holds what the service and lib templates lock, so a test that locks with
    ``offline=True`` does not depend on some earlier test having locked online."""
    parent = tmp_path_factory.mktemp("warm")
    for template in ("service", "lib"):
        report = new_project(
            NewOptions(name=f"warm-{template}", template=template, parent=parent, git=False)
        )
        assert report.post_steps_ok, [step.to_json() for step in report.steps]


@pytest.fixture(scope="session")
def docker() -> Docker:
    """A docker client with a daemon behind it and BuildKit, or a skip (a failure under CI)."""
    binary = runner.docker_binary()
    if binary is None:
        pytest.skip("no docker client: run .ci/docker-env.sh and set SCAFFOLD_DOCKER")
    client = Docker(binary)
    problem = client.daemon_problem()
    if problem:
        pytest.skip(f"{problem} (start it with .ci/docker-env.sh)")
    for image in (LOCAL_PYTHON_IMAGE, LOCAL_UV_IMAGE, LOCAL_POSTGRES_IMAGE, LOCAL_TRIXIE_IMAGE):
        if client.inspect(image, "{{.Id}}") is None:
            pytest.skip(f"local image {image} is missing: run .ci/docker-env.sh")
    return client


@pytest.fixture(scope="session")
def ca_bundle() -> Path | None:
    value = os.environ.get("SSL_CERT_FILE")
    return Path(value) if value and Path(value).is_file() else None


def scaffold_labelled(docker: Docker, kind: str) -> list[str]:
    """Ids of containers or images carrying scaffold's validation label."""
    args = ["ps", "-aq"] if kind == "containers" else ["images", "-q"]
    done = docker.command(*args, "--filter", "label=org.scaffold.validate")
    return [line for line in done.output.split() if re.fullmatch(r"[0-9a-f]+", line)]


RunCli = Callable[..., ScaffoldResult]


def build_wheel(source: Path, out: Path) -> None:
    """scaffold's wheel from ``source`` (a checkout) into ``out``, as the index would serve it."""
    done = runner.run(
        [runner.uv_binary(), "build", "--wheel", "--offline", "--out-dir", str(out)],
        cwd=source,
        timeout=300,
    )
    assert done.ok, done.output


def uv(project: Path, *args: str) -> runner.Completed:
    """A uv command in ``project`` that must succeed."""
    done = runner.run([runner.uv_binary(), *args], cwd=project, timeout=600)
    assert done.ok, f"uv {' '.join(args)} failed:\n{done.output}"
    return done


@dataclass(frozen=True)
class Swept:
    """One run of `scaffold new my-api` that a signal met: its parent folder and how it ended."""

    attempt: int
    parent: Path
    returncode: int
    stderr: str


def signal_sweep(
    root: Path, signum: int, *, attempts: int, span: float, into_existing: bool = False
) -> Iterator[Swept]:
    """Runs of `scaffold new my-api` (:data:`FAST`, in a child process), each sent ``signum``
    later than the one before: from at once to ``span`` times one whole run, measured first,
    however fast this machine is today. ``into_existing``: the target folder exists, empty."""

    def start(parent: Path) -> subprocess.Popen[str]:
        parent.mkdir(parents=True)
        if into_existing:
            (parent / "my-api").mkdir()
        argv = [sys.executable, "-m", "scaffold", "new", "my-api", "--path", str(parent)]
        return subprocess.Popen(
            [*argv, *FAST, "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    began = time.monotonic()
    timing = start(root / "timing")
    _, stderr = timing.communicate(timeout=120)
    assert timing.returncode == 0, stderr
    full_run = time.monotonic() - began
    for attempt in range(attempts):
        parent = root / str(attempt)
        proc = start(parent)
        time.sleep(full_run * span * attempt / (attempts - 1))
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
        yield Swept(attempt, parent, proc.returncode, stderr)
