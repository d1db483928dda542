"""Post steps after writing a project: ``uv lock`` (bounding open dependencies) and ``git init``.

A failing step is a result, not an exception: the project stays on disk and the report says how
to finish by hand.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from scaffold import runner
from scaffold.errors import ToolError
from scaffold.report import Status, StepResult

LOCK_TIMEOUT = 300.0


def uv_lock(
    project: Path, *, offline: bool = False, check: bool = False, shown_as: Path | None = None
) -> StepResult:
    """``uv lock`` in ``project``; ``shown_as`` is the folder a fix should name, when the lock
    runs in a staging folder that will be renamed."""
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
        # Running uv lock again helps after a network or cache problem (then online), never
        # when the requirements cannot be met.
        if not unsolvable(done.output):
            result.data["fix"] = f"cd {shown_as or project} && uv lock"
    return result


def unsolvable(output: str) -> bool:
    """Whether uv found that no set of versions satisfies the requirements (vs. a network,
    cache or timeout problem that running it again may not have)."""
    if "depends on your project" in output:
        return True
    # Offline or without network, uv also finds "no solution": the packages were unavailable.
    unavailable = ("network was disabled", "not found in the cache", "unavailable")
    return "No solution found" in output and not any(text in output for text in unavailable)


def _lock_failure(output: str, offline: bool) -> str:
    """The most specific line of uv's error: its last ``cause:``, else its ``error:``."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    causes = [line.removeprefix("cause:").strip() for line in lines if line.startswith("cause:")]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    cause = (causes or errors or lines[-1:] or [""])[-1]
    if offline and "cache" in output.lower():
        return f"uv cannot resolve from its cache alone (--offline): {cause}"
    return f"uv lock failed: {cause}" if cause else ""


@dataclass(frozen=True)
class LockedPackages:
    """What a ``uv.lock`` says: every version of each package (the lock forks by Python
    version, so one package can have several) and who depends on whom."""

    versions: dict[str, list[str]]
    dependents: dict[str, set[str]]  # package -> the packages that depend on it

    @classmethod
    def read(cls, project: Path) -> LockedPackages:
        data = tomllib.loads((project / "uv.lock").read_text("utf-8"))
        versions: dict[str, list[str]] = {}
        dependents: dict[str, set[str]] = {}
        for pkg in data.get("package", []):
            name = pkg["name"]
            if "version" in pkg:
                versions.setdefault(name, []).append(pkg["version"])
            groups = [pkg.get("dependencies", [])]
            groups += list(pkg.get("optional-dependencies", {}).values())
            groups += list(pkg.get("dev-dependencies", {}).values())
            for group in groups:
                for dep in group:
                    dependents.setdefault(dep["name"], set()).add(name)
        return cls(versions, dependents)


def git_init(project: Path) -> StepResult:
    git = runner.git_binary()
    if git is None:
        return StepResult(
            "git",
            Status.SKIPPED,
            detail=f"git is not installed: run 'git init' in {project} once it is",
        )
    existed = (project / ".git").exists()
    try:
        done = runner.run([git, "init", "--quiet"], cwd=project, timeout=60)
    except ToolError as exc:
        _remove_partial_git(project, existed)
        return StepResult("git", Status.FAILED, detail=exc.message)
    except BaseException:
        _remove_partial_git(project, existed)
        raise
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
