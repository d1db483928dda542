"""Write a render plan atomically.

The files go into a hidden temporary folder beside the target, which is renamed into place in
one step: killed at any moment, scaffold leaves either no target folder or a complete one. An
existing, non-empty target is never touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.render import RenderPlan

TEMP_SUFFIX = ".scaffold-tmp"


def check_target(target: Path) -> None:
    """Refuse a target that exists and is not an empty folder, or whose parent is a file."""
    for parent in (target.parent, *target.parent.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{parent} is a file, not a folder", hint="choose another --path")
            break
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UsageError(
            f"{target} exists and is not a folder", hint="choose another name or --path"
        )
    if target.is_dir() and any(target.iterdir()):
        raise UsageError(
            f"{target} already exists and is not empty",
            hint="choose another name or --path; scaffold never overwrites files",
        )


def write_plan(plan: RenderPlan, target: Path) -> None:
    """Write ``plan`` to ``target`` atomically (see the module docstring)."""
    check_target(target)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=parent))
    except OSError as exc:
        raise UsageError(f"cannot create {target}: {exc.strerror}") from None
    try:
        for item in plan.files:
            path = staging.joinpath(*item.path.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(item.content)
            if item.executable:
                path.chmod(path.stat().st_mode | 0o111)
        # mkdtemp makes the folder 0700; give it the mode a normal mkdir would have.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        if target.is_dir():
            target.rmdir()  # empty (checked above); rename cannot replace a folder otherwise
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_file(path: Path, content: bytes) -> None:
    """Replace one file atomically (write beside it, then rename over it)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        tmp.chmod(path.stat().st_mode & 0o777)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
