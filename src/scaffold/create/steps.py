"""Post steps after writing a project: ``uv lock`` (bounding open dependencies) and ``git init``.

A failing step is a result, not an exception: the project stays on disk and the report says how
to finish by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from scaffold.errors import ToolError
from scaffold.report import SkipReason, Status, StepResult
from scaffold.tools import runner
from scaffold.tools.uv import Uv, uv_cause

LOCK_TIMEOUT = 300.0


def uv_lock(
    project: Path, *, offline: bool = False, shown_as: Path | None = None, build: bool = True
) -> StepResult:
    """``uv lock`` in ``project``; ``shown_as`` is the folder a fix should name, when the lock
    runs in a staging folder that will be renamed. ``build=False`` for a project nobody has
    trusted: uv builds no source distribution (whose build runs its code, and whose index the
    template may have chosen), and a lock that needs one is not trusted, not failed."""
    try:
        done = Uv(offline=offline, timeout=LOCK_TIMEOUT).lock(project, build=build)
    except ToolError as exc:
        return StepResult("lock", Status.FAILED, detail=exc.message)
    result = StepResult.from_completed("lock", done)
    if not done.ok and not build and needs_a_build(done.output):
        return StepResult(
            "lock",
            Status.SKIPPED,
            detail=f"not trusted: {BUILD_NEEDED} ({uv_cause(done.output)})",
            skip_reason=SkipReason.NOT_TRUSTED,
            duration=result.duration,
        )
    if not done.ok:
        result.detail = _lock_failure(done.output, offline) or result.detail
        # Running uv lock again helps after a network or cache problem (then online), never
        # when the requirements cannot be met.
        if not unsolvable(done.output):
            result.data["fix"] = f"cd {shown_as or project} && uv lock"
    return result


BUILD_NEEDED = "a dependency comes only as source, and building it would run its code"


def needs_a_build(output: str) -> bool:
    """Whether uv stopped because it would have had to build a source distribution."""
    return "building from source is disabled" in output or "--no-build" in output


def unsolvable(output: str) -> bool:
    """Whether uv found that no set of versions satisfies the requirements (vs. a network,
    cache or timeout problem that running it again may not have)."""
    if "depends on your project" in output:
        return True
    # Offline or without network, uv also finds "no solution": the packages were unavailable.
    unavailable = ("network was disabled", "not found in the cache", "unavailable")
    return "No solution found" in output and not any(text in output for text in unavailable)


def _lock_failure(output: str, offline: bool) -> str:
    cause = uv_cause(output)
    if offline and "cache" in output.lower():
        return f"uv cannot resolve from its cache alone (--offline): {cause}"
    return f"uv lock failed: {cause}" if cause else ""


def git_init(project: Path) -> StepResult:
    existed = (project / ".git").exists()
    try:
        done = runner.git("init", "--quiet", cwd=project)
    except ToolError as exc:
        _remove_partial_git(project, existed)
        return StepResult("git", Status.FAILED, detail=exc.message)
    except BaseException:
        _remove_partial_git(project, existed)
        raise
    if done is None:
        return StepResult(
            "git",
            Status.SKIPPED,
            detail=f"git is not installed: run 'git init' in {project} once it is",
        )
    result = StepResult.from_completed("git", done)
    if not done.ok:
        _remove_partial_git(project, existed)
        result.data["fix"] = f"cd {project} && git init"
    return result


def _remove_partial_git(project: Path, existed: bool) -> None:
    """A failed or interrupted ``git init`` may leave half a ``.git``; git would then take the
    folder for a broken repository. Only a ``.git`` this step created is removed."""
    if not existed:
        shutil.rmtree(project / ".git", ignore_errors=True)
