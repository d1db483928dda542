"""Post steps after writing a project: ``uv lock`` (bounding open dependencies) and ``git init``.

A failing step is a result, not an exception: the project stays on disk and the report says how
to finish by hand.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from scaffold import runner
from scaffold.errors import ToolError
from scaffold.report import Status, StepResult

LOCK_TIMEOUT = 300.0


def uv_lock(project: Path, *, offline: bool = False, check: bool = False) -> StepResult:
    argv = [runner.uv_binary(), "lock"]
    if check:
        argv.append("--check")
    if offline:
        argv.append("--offline")
    try:
        done = runner.run(argv, cwd=project, timeout=LOCK_TIMEOUT, env={"UV_NO_PROGRESS": "1"})
    except ToolError as exc:
        return StepResult("lock", Status.FAILED, detail=exc.message)
    result = StepResult.from_completed("lock", done)
    if not done.ok:
        result.detail = _lock_failure(done.output, offline) or result.detail
        result.data["fix"] = f"cd {project} && uv lock" + (" --offline" if offline else "")
    return result


def _lock_failure(output: str, offline: bool) -> str:
    """The most specific line of uv's error: its last ``cause:``, else its ``error:``."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    causes = [line.removeprefix("cause:").strip() for line in lines if line.startswith("cause:")]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    cause = (causes or errors or lines[-1:] or [""])[-1]
    if offline and "cache" in output.lower():
        return f"uv cannot resolve from its cache alone (--offline): {cause}"
    return f"uv lock failed: {cause}" if cause else ""


def locked_versions(project: Path) -> dict[str, str]:
    """Package name -> version, from the project's ``uv.lock``."""
    data = tomllib.loads((project / "uv.lock").read_text("utf-8"))
    return {pkg["name"]: pkg["version"] for pkg in data.get("package", []) if "version" in pkg}


def git_init(project: Path) -> StepResult:
    git = runner.git_binary()
    if git is None:
        return StepResult(
            "git",
            Status.SKIPPED,
            detail=f"git is not installed: run 'git init' in {project} once it is",
        )
    try:
        done = runner.run([git, "init", "--quiet"], cwd=project, timeout=60)
    except ToolError as exc:
        return StepResult("git", Status.FAILED, detail=exc.message)
    result = StepResult.from_completed("git", done)
    if not done.ok:
        result.data["fix"] = f"cd {project} && git init"
    return result
