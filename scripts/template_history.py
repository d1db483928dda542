"""Keep ``src/scaffold/history/``: the built-in templates of every released scaffold.

    python scripts/template_history.py add VERSION [--ref REF]   # REF default: vVERSION
    python scripts/template_history.py check                     # every v* tag has its archive

``add`` writes ``VERSION.zip`` from the ``templates/`` folder of the git commit REF, byte for byte
the same each time (sorted entries, a fixed date, git's file modes), so a release adds the
previous one's templates and ``check`` (run by the release workflow) proves none is missing.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "src" / "scaffold" / "history"
PREFIX = "templates/"
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True).stdout  # noqa: S607


def archive(ref: str) -> bytes:
    """The ``templates/`` folder at ``ref`` as a deterministic zip."""
    listing = _git("ls-tree", "-r", "-z", ref, "--", PREFIX).split(b"\0")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for meta, path in sorted(
            (entry.decode().split("\t", 1) for entry in listing if entry), key=lambda e: e[1]
        ):
            mode, kind, blob = meta.split()
            if kind != "blob" or "__pycache__" in path.split("/"):
                continue
            info = zipfile.ZipInfo(path.removeprefix(PREFIX), date_time=_EPOCH)
            info.external_attr = int(mode, 8) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, _git("cat-file", "blob", blob))
    return buffer.getvalue()


def released_tags() -> list[str]:
    return [tag for tag in _git("tag", "--list", "v*").decode().split() if tag]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="archive a released version's templates")
    add.add_argument("version")
    add.add_argument("--ref", help="the git commit or tag (default: vVERSION)")
    check = commands.add_parser("check", help="every released tag has its archive")
    check.add_argument("--except", dest="current", help="the tag being released now")
    args = parser.parse_args(argv)
    if args.command == "add":
        HISTORY.mkdir(parents=True, exist_ok=True)
        target = HISTORY / f"{args.version}.zip"
        target.write_bytes(archive(args.ref or f"v{args.version}"))
        print(f"wrote {target.relative_to(ROOT)}")
        return 0
    missing = [
        tag
        for tag in released_tags()
        if tag != args.current and not (HISTORY / f"{tag.removeprefix('v')}.zip").is_file()
    ]
    for tag in missing:
        print(f"missing: {tag}: run scripts/template_history.py add {tag.removeprefix('v')}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
