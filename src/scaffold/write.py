"""Write a render plan atomically.

The project is built in a hidden staging folder (files, lock, bounds) and moved into place in
one step at the end: interrupted at any moment (Ctrl-C, SIGTERM, SIGHUP, a full disk), scaffold
leaves either no target folder or a complete one, and no staging folder. An existing, non-empty
target is never touched.

An existing empty target folder is kept as it is, with its owner, permissions and whatever is
mounted on it: the staging folder then lives inside it and its entries are renamed into it one
by one, with SIGINT, SIGTERM and SIGHUP held back for those few renames. Only SIGKILL or a
crash in that instant can leave part of the project there (never a staging folder's worth of
half-written files: each entry is complete when it is renamed).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.render import RenderPlan

TEMP_SUFFIX = ".scaffold-tmp"
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def check_target(target: Path) -> None:
    """Refuse a target that exists and is not an empty folder, or whose parent is a file."""
    try:
        _check_target(target)
    except OSError as exc:  # a name too long, a folder that cannot be read...
        raise UsageError(
            f"cannot use {_shortened(target)}: {exc.strerror}", hint="choose another --path"
        ) from None


def _shortened(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 200 else f"{text[:100]}...{text[-60:]}"


def _check_target(target: Path) -> None:
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


@contextlib.contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A hidden folder to build the project in, moved to ``target`` when the block ends.

    If the block raises (or a signal interrupts it), the staging folder is removed and nothing
    is left at ``target``.
    """
    check_target(target)
    into_existing = target.is_dir()
    base = target if into_existing else target.parent
    staging: Path | None = None
    try:
        # Held, so that the folder is never made without its name known here: a signal then
        # arrives (as an exception) only where the cleanup below can remove it.
        with _signals_held():
            try:
                base.mkdir(parents=True, exist_ok=True)
                staging = Path(
                    tempfile.mkdtemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=base)
                )
            except OSError as exc:
                raise UsageError(f"cannot create {_shortened(target)}: {exc.strerror}") from None
        yield staging
        if into_existing:
            _move_entries(staging, target)
            staging.rmdir()
        else:
            # mkdtemp makes the folder 0700; give it the mode a normal mkdir would have.
            umask = os.umask(0)
            os.umask(umask)
            staging.chmod(0o777 & ~umask)
            staging.rename(target)
    except OSError as exc:
        if staging is not None:
            _remove(staging)
        raise UsageError(f"cannot write {_shortened(target)}: {exc.strerror}") from None
    except BaseException:
        if staging is not None:
            _remove(staging)
        raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done (a second Ctrl-C included)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove(staging: Path) -> None:
    with _signals_held():
        shutil.rmtree(staging, ignore_errors=True)


def _move_entries(staging: Path, target: Path) -> None:
    """Rename every entry of ``staging`` into ``target``; all of them or, on an error, none."""
    entries = sorted(staging.iterdir())
    for entry in entries:
        clash = target / entry.name
        if clash.exists() or clash.is_symlink():
            raise FileExistsError(errno.EEXIST, "appeared while scaffold was writing", str(clash))
    moved: list[Path] = []
    with _signals_held():
        try:
            for entry in entries:
                destination = target / entry.name
                entry.rename(destination)
                moved.append(destination)
        except BaseException:
            for destination in reversed(moved):
                with contextlib.suppress(OSError):
                    destination.rename(staging / destination.name)
            raise


def write_files(plan: RenderPlan, root: Path) -> None:
    for item in plan.files:
        path = root.joinpath(*item.path.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.content)
        if item.executable:
            path.chmod(path.stat().st_mode | 0o111)


def write_plan(plan: RenderPlan, target: Path) -> None:
    """Write ``plan`` to ``target`` atomically (see the module docstring)."""
    with staged(target) as staging:
        write_files(plan, staging)


def replace_file(path: Path, content: bytes) -> None:
    """Replace one file atomically (write beside it, then rename over it)."""
    tmp: Path | None = None
    try:
        with _signals_held():  # no temporary file without its name known to the cleanup
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent
            )
            tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        tmp.chmod(path.stat().st_mode & 0o777)
        tmp.replace(path)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
