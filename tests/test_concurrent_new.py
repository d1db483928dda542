"""Two `scaffold new` into one empty folder at the same moment: one wins with a whole project,
the other changes nothing of it (before, about one pair in twenty ended with exit 0 and a
project missing files the other's rollback had taken back)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.create import write
from tests.conftest import FAST, GOLDEN, tree_bytes

PAIRS = 20


def test_racing_pairs_into_one_empty_folder_leave_one_whole_project(tmp_path: Path) -> None:
    golden = tree_bytes(GOLDEN / "service")
    argv = [sys.executable, "-m", "scaffold", "new", "my-api", *FAST, "-q", "--path"]
    outcomes: list[tuple[int, int]] = []
    for pair in range(PAIRS):
        parent = tmp_path / str(pair)
        (parent / "my-api").mkdir(parents=True)
        procs = [
            subprocess.Popen(
                [*argv, str(parent)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        codes = [proc.wait(timeout=120) for proc in procs]
        errors = [proc.stderr.read() if proc.stderr else "" for proc in procs]
        outcomes.append((codes[0], codes[1]))
        assert sorted(codes) == [0, 2], (pair, codes, errors)
        assert "Traceback" not in "".join(errors)
        # The winner's project is whole, byte for byte; nothing hidden is left beside it.
        assert tree_bytes(parent / "my-api") == golden, pair
        assert sorted(p.name for p in parent.iterdir()) == ["my-api"]
    assert len(outcomes) == PAIRS


def test_an_entry_that_appears_after_the_check_is_never_replaced_nor_taken_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made deterministic: another writer's `b` lands between the check and the
    renames. This run fails, and leaves the other's `b` as it was and nothing of its own."""
    staging, target = tmp_path / "staging", tmp_path / "target"
    staging.mkdir()
    target.mkdir()
    for name in ("a", "b"):
        (staging / name).write_text(f"ours {name}\n")
    real = write.rename_noreplace

    def racing(source: Path, destination: Path) -> None:
        if source.name == "a":
            (target / "b").write_text("theirs\n")  # the other scaffold, just now
        real(source, destination)

    monkeypatch.setattr(write, "rename_noreplace", racing)
    with pytest.raises(FileExistsError):
        write._move_entries(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    assert (target / "b").read_text() == "theirs\n"
    assert sorted(p.name for p in staging.iterdir()) == ["a", "b"]  # ours, all taken back
