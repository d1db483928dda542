"""Jinja's compiled templates are cached on disk, and what is rendered never depends on it:
cold, warm, corrupted or impossible, the project is byte for byte the same."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import FAST, tree_bytes

ROOT = Path(__file__).resolve().parent.parent


def _new(parent: Path, cache_home: Path) -> dict[str, bytes]:
    parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "scaffold", "new", "my-api", "--quiet", *FAST],
        cwd=parent, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_CACHE_HOME": str(cache_home)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return tree_bytes(parent / "my-api")


def _cache_files(cache_home: Path) -> list[Path]:
    return [path for path in (cache_home / "scaffold").glob("jinja-*/*") if path.is_file()]


def test_the_render_is_the_same_cold_warm_corrupted_and_without_a_cache(tmp_path: Path) -> None:
    cache_home = tmp_path / "cache"
    cold = _new(tmp_path / "cold", cache_home)
    entries = _cache_files(cache_home)
    assert entries, "the first render filled the cache"
    folder = entries[0].parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    written = {entry: (entry.read_bytes(), entry.stat().st_mtime_ns) for entry in entries}
    assert _new(tmp_path / "warm", cache_home) == cold
    # Read, not written again: the warm render took its code from the cache.
    assert {entry: (entry.read_bytes(), entry.stat().st_mtime_ns) for entry in entries} == written
    for entry in entries:  # truncated entries are recompiled, not trusted
        entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2])
    assert _new(tmp_path / "corrupted", cache_home) == cold
    assert {entry: entry.read_bytes() for entry in entries} == {
        entry: data for entry, (data, _) in written.items()
    }
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert _new(tmp_path / "none", not_a_folder) == cold


def test_one_template_compiles_once_per_process() -> None:
    from scaffold.create.render import compiled  # noqa: PLC0415

    first = compiled("{{ project_name }}-x")
    assert compiled("{{ project_name }}-x") is first
    assert first.render(project_name="a") == "a-x"
    assert compiled("{{ project_name }}-y") is not first
