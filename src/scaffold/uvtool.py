"""The uv adapter: every uv command line scaffold runs is built here, on the one runner.

``--offline`` and the timeout given once reach every call; uv's progress bars are off, and the
error uv explains itself with (its last ``Caused by:`` / ``cause:`` line) is picked out here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold import runner
from scaffold.runner import Completed

DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class Uv:
    offline: bool = False
    timeout: float = DEFAULT_TIMEOUT

    def run(self, *args: str, cwd: Path, timeout: float | None = None) -> Completed:
        argv = [runner.uv_binary(), *args]
        if self.offline:
            argv.append("--offline")
        return runner.run(
            argv, cwd=cwd, timeout=timeout or self.timeout, env={"UV_NO_PROGRESS": "1"}
        )

    def python(self, *args: str, cwd: Path) -> Completed:
        """``python -m ...`` in the project's environment as it is (never a tool on PATH)."""
        return self.run("run", "--no-sync", "python", *args, cwd=cwd)


def uv_cause(output: str) -> str:
    """The most specific line of a uv error: its last cause, else its ``error:`` line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    causes = [
        line.split(":", 1)[1].strip()
        for line in lines
        if line.startswith(("Caused by:", "cause:")) and ":" in line
    ]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    return (causes or errors or lines[-1:] or [""])[-1]


def cause_hint(cause: str) -> str:
    """What to do about a cause uv reports often, where scaffold knows."""
    lowered = cause.lower()
    if "unknownissuer" in lowered or "certificate" in lowered:
        return "behind a TLS-inspecting proxy, point SSL_CERT_FILE at its CA bundle"
    if "no interpreter found" in lowered or "python downloads" in lowered:
        return "install that Python or change requires-python / .python-version"
    return ""
