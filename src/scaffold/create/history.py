"""The built-in templates of every released scaffold, so a project made by any of them can be
checked and updated offline, without downloading or running anything.

Each released version's ``templates/`` folder ships in the wheel as ``history/VERSION.zip``
(small text; made by ``scripts/template_history.py`` from the release's git tag). The version
being run is its own ``templates/``. A version newer than the installed one is fetched only as a
wheel of scaffold's own distribution, never an sdist (whose build would run code), into a
throw-away folder with ``--no-deps``; only its template files are read, into memory, and nothing
of it is imported or run.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import zipfile
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from scaffold import DISTRIBUTION, __version__
from scaffold.create.spec import check_version
from scaffold.create.templates import templates_root
from scaffold.errors import UsageError
from scaffold.tools.uv import Uv, uv_cause

_ARCHIVE = re.compile(r"^(?P<version>[0-9][0-9A-Za-z.+!-]*)\.zip$")
_INDEX_VARIABLES = (
    "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS",
    "UV_OFFLINE", "UV_CONFIG_FILE",
)  # fmt: skip
_HINT = (
    f"uv fetches newer releases of {DISTRIBUTION} as wheels from the configured index "
    "(UV_INDEX_URL, UV_FIND_LINKS for a folder of wheels); --offline uses uv's cache"
)


def _history() -> Traversable:
    return resources.files("scaffold") / "history"


@cache
def released() -> tuple[str, ...]:
    """The versions whose templates this scaffold carries, oldest first, itself last."""
    from packaging.version import Version  # noqa: PLC0415

    found = {
        match["version"]
        for entry in _history().iterdir()
        if (match := _ARCHIVE.match(entry.name)) is not None
    }
    found.add(__version__)
    return tuple(sorted(found, key=Version))


def templates_at(version: str, *, offline: bool = False) -> Traversable:
    """The ``templates/`` folder as scaffold ``version`` shipped it."""
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    if version == __version__:
        return templates_root()
    if version in released():
        return _archive(_history() / f"{version}.zip")
    try:
        newer = Version(version) > Version(__version__)
    except InvalidVersion:
        raise UsageError(f"'{version}' is not a scaffold version (PEP 440)") from None
    if not newer:
        raise UsageError(
            f"{DISTRIBUTION} {version} is not a release this scaffold ({__version__}) knows",
            hint=f"it knows {', '.join(released())}; record one of them as scaffold_version",
        )
    return _fetched(f"{DISTRIBUTION}=={version}", offline, _index_settings())[1]


def newest(*, offline: bool = False, prerelease: bool = False) -> str:
    """The newest stable release the configured index offers, or the newest pre-release with
    ``prerelease`` (never older than this one)."""
    from packaging.version import Version  # noqa: PLC0415

    found = _fetched(DISTRIBUTION, offline, _index_settings(), prerelease=prerelease)[0]
    return max(found, __version__, key=Version)


def _index_settings() -> tuple[str, ...]:
    """What decides where uv looks (part of the cache key: a library caller may change it)."""
    return tuple(os.environ.get(name, "") for name in _INDEX_VARIABLES)


@cache
def _fetched(
    requirement: str, offline: bool, where: tuple[str, ...], *, prerelease: bool = False
) -> tuple[str, Traversable]:
    """The version and the templates of the newest wheel that satisfies ``requirement``, from
    the index uv is configured with (``where``: the settings that name it)."""
    del where  # only a cache key
    uv = Uv(offline=offline, timeout=300)
    with tempfile.TemporaryDirectory(prefix="scaffold-release-") as scratch:
        target = Path(scratch) / "wheel"
        done = uv.run(
            "pip", "install", "--target", str(target), "--python", sys.executable,
            "--no-deps", "--no-build", "--quiet", requirement,
            *(("--prerelease", "allow") if prerelease else ()),
            cwd=Path(scratch),
        )  # fmt: skip
        infos = sorted(target.glob("scaffold_proven-*.dist-info")) if done.ok else []
        templates = target / "scaffold" / "templates"
        if not infos or not templates.is_dir():
            how = " from uv's cache (--offline)" if offline else ""
            cause = uv_cause(done.output) if not done.ok else "the wheel has no templates"
            raise UsageError(f"cannot get {requirement}{how}: {cause}", hint=_HINT)
        version = infos[0].name.removeprefix("scaffold_proven-").removesuffix(".dist-info")
        # The index's word is data: the version goes into the answers file and the workflows.
        check_version(version, f"a version of {DISTRIBUTION}", __version__)
        return version, _archive_of(templates)


def _archive_of(folder: Path) -> Traversable:
    """``folder``'s files (with their modes; links as links) as a zip in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if "__pycache__" in rel.split("/") or not (path.is_file() or path.is_symlink()):
                continue
            info = zipfile.ZipInfo(rel)
            mode = path.lstat().st_mode
            info.external_attr = (mode & 0xFFFF) << 16
            data = str(path.readlink()).encode() if path.is_symlink() else path.read_bytes()
            archive.writestr(info, data)
    return _archive_bytes(buffer.getvalue())


def _archive(entry: Traversable) -> Traversable:
    return _archive_bytes(entry.read_bytes())


def _archive_bytes(data: bytes) -> Traversable:
    return zipfile.Path(zipfile.ZipFile(io.BytesIO(data)))
