"""The uv adapter: every uv command line scaffold runs is built here, on the one runner.

``--offline`` and the timeout given once reach every call; uv's progress bars are off, and the
error uv explains itself with (its last ``Caused by:`` / ``cause:`` line) is picked out here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold.tools import runner
from scaffold.tools.runner import Completed

DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class Uv:
    offline: bool = False
    timeout: float = DEFAULT_TIMEOUT
    environment: Path | None = None  # the project environment, where not the project's .venv
    tool_caches: Path | None = None  # mypy's and ruff's caches, where not in the project

    def run(self, *args: str, cwd: Path, timeout: float | None = None) -> Completed:
        argv = [runner.uv_binary(), *args]
        if self.offline:
            argv.append("--offline")
        env = {"UV_NO_PROGRESS": "1"}
        if self.environment is not None:
            env["UV_PROJECT_ENVIRONMENT"] = str(self.environment)
        if self.tool_caches is not None:
            env["MYPY_CACHE_DIR"] = str(self.tool_caches / "mypy")
            env["RUFF_CACHE_DIR"] = str(self.tool_caches / "ruff")
        return runner.run(argv, cwd=cwd, timeout=timeout or self.timeout, env=env)

    def lock(self, cwd: Path, *, check: bool = False, build: bool = True) -> Completed:
        """``uv lock``; ``build=False`` builds no source distribution (``--no-build``).

        ``check``: ``uv lock --check`` (``--locked`` is its other name), which writes
        nothing: ok when ``uv.lock`` is in step with ``pyproject.toml``. uv checks a lock that
        is in step without the network or its cache; one that is not, it resolves again, so a
        failure for any other reason (offline, no Python) still means the lock is not known to
        be in step."""
        flags = ("--check",) if check else ()
        no_build = () if build else ("--no-build",)
        return self.run("lock", *flags, *no_build, cwd=cwd)

    def python(self, *args: str, cwd: Path) -> Completed:
        """``python -m ...`` in the project's environment as it is (never a tool on PATH)."""
        return self.run("run", "--no-sync", "python", *args, cwd=cwd)


def uv_cause(output: str) -> str:
    """uv's explanation in one line: what failed (its ``error:``) and the root cause (its last
    ``Caused by:``), so a download that failed says what it was downloading."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    causes = [
        line.split(":", 1)[1].strip()
        for line in lines
        if line.startswith(("Caused by:", "cause:")) and ":" in line
    ]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    # "Request failed after 3 retries" says less than the cause naming what was fetched.
    named = [
        cause for cause in causes if cause.startswith(("Failed to download", "Failed to fetch"))
    ]
    if named and errors:
        errors[-1] = named[-1]
    if errors and causes and causes[-1] not in errors[-1]:
        return f"{errors[-1].rstrip(':')}: {causes[-1]}"
    return (causes or errors or lines[-1:] or [""])[-1]


def cause_hint(cause: str) -> str:
    """What to do about a cause uv reports often, where scaffold knows."""
    lowered = cause.lower()
    if "unknownissuer" in lowered or "certificate" in lowered:
        return "behind a TLS-inspecting proxy, point SSL_CERT_FILE at its CA bundle"
    if any(
        text in lowered
        for text in ("no interpreter found", "python downloads", "cpython-", "python install")
    ):
        return "install that Python or change requires-python / .python-version"
    return ""
