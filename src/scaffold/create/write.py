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
import ctypes
import errno
import functools
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from scaffold.create.render import RenderPlan
from scaffold.create.tree import Change, Entry
from scaffold.errors import ExitCode, ScaffoldError, UsageError

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
                # Never over an entry that appeared since the check (another scaffold writing
                # into the same folder): only what this run moved is ever moved back.
                rename_noreplace(entry, destination)
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


# --- changing an existing project: all of it or none of it ---------------------------------


def apply_changes(root: Path, changes: Sequence[Change], *, last: str | None = None) -> None:
    """Make every change under ``root``, or, on any error or signal, none of them.

    Everything new is first written into a hidden staging folder inside ``root`` (a full disk or
    a signal there leaves the project untouched); then, with signals held, each old file is
    moved aside into that folder and each new one renamed into place, every step in a journal;
    an error undoes the journal in reverse. ``last`` (the answers file, the project's record of
    its template version) is put in place after everything else.
    """
    ordered = sorted(
        changes, key=lambda c: (c.path == last, c.entry is not None, -c.path.count("/"), c.path)
    )
    for change in ordered:
        _check_inside(root, change.path)
    staging: Path | None = None
    try:
        with _signals_held():
            staging = Path(
                tempfile.mkdtemp(prefix=".scaffold-update.", suffix=TEMP_SUFFIX, dir=root)
            )
        staged_entries = [_stage(staging, n, c.entry) for n, c in enumerate(ordered)]
        with _signals_held():
            _swap(root, staging, ordered, staged_entries)
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        if staging is not None:
            _remove(staging)
        where = f" ({exc.filename})" if exc.filename else ""
        raise ScaffoldError(
            f"cannot update {_shortened(root)}: {exc.strerror or exc}{where}; nothing was changed",
            exit_code=ExitCode.USAGE,
        ) from None
    except BaseException:
        if staging is not None:
            _remove(staging)
        raise


def _check_inside(root: Path, rel: str) -> None:
    """A change's path stays in ``root``: relative, no ``..``, and no symlink on its way."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ScaffoldError(f"refusing to write {rel!r}: not a path inside the project")
    here = root
    for part in parts[:-1]:
        here = here / part
        if here.is_symlink():
            raise ScaffoldError(
                f"refusing to write {rel}: {here.relative_to(root)} is a symlink",
                hint="the template's file would be written outside the project's own folders",
            )


def _stage(staging: Path, number: int, entry: Entry | None) -> Path | None:
    if entry is None:
        return None
    path = staging / f"new-{number}"
    if entry.link:
        path.symlink_to(os.fsdecode(entry.data))
    else:
        with path.open("wb") as handle:
            handle.write(entry.data)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(entry.mode)
    return path


def _swap(root: Path, staging: Path, changes: Sequence[Change], staged: list[Path | None]) -> None:
    undo: list[Callable[[], object]] = []
    try:
        for number, (change, new) in enumerate(zip(changes, staged, strict=True)):
            target = root.joinpath(*change.path.split("/"))
            if target.is_symlink() or target.is_file():
                aside = staging / f"old-{number}"
                target.rename(aside)
                undo.append(functools.partial(aside.rename, target))
            if new is None:
                _prune(target.parent, root, undo)
                continue
            if target.is_dir():  # a folder the template turns into a file: empty by now
                target.rmdir()
                undo.append(functools.partial(target.mkdir))
            _make_parents(target.parent, root, undo)
            rename_noreplace(new, target)
            undo.append(functools.partial(os.rename, target, new))
    except BaseException:
        for step in reversed(undo):
            with contextlib.suppress(OSError):
                step()
        raise


def _make_parents(folder: Path, root: Path, undo: list[Callable[[], object]]) -> None:
    missing = []
    while folder != root and not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir()
        undo.append(made.rmdir)


def _prune(folder: Path, root: Path, undo: list[Callable[[], object]]) -> None:
    """Remove the folders a deletion left empty (git keeps no empty folders either)."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        undo.append(functools.partial(folder.mkdir))
        folder = folder.parent


_RENAME_NOREPLACE = 1  # linux/fs.h
_AT_FDCWD = -100


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def rename_noreplace(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, failing (FileExistsError) where ``target`` exists: a
    plain rename would replace a file, or an empty folder, that appeared after a check.

    Linux's renameat2(RENAME_NOREPLACE) does it atomically; elsewhere a file is hard-linked then
    unlinked (the link fails where the name is taken), and a folder is renamed after a check."""
    renameat2 = _renameat2()
    if renameat2 is not None:
        done = renameat2(
            _AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_NOREPLACE
        )
        if done == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL):  # EINVAL: a file system without the flag
            raise OSError(code, os.strerror(code), str(target))
    if source.is_dir() and not source.is_symlink():
        if target.exists() or target.is_symlink():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
        source.rename(target)
        return
    os.link(source, target, follow_symlinks=False)
    source.unlink()
