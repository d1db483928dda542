"""Templates written by a hostile author: nothing they wrote runs on this machine without
--trust, their `.git` never reaches a project, and their renders are bounded in time and size.

Each template is built inline (the helpers of test_external); each attack aims at a marker
file outside the project, which must never appear, and ends with the documented exit code.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from scaffold import runner
from tests.test_external import GIT


def hook_script(marker: Path) -> str:
    return f"#!/bin/sh\ntouch {marker}\n"


def planted_config(script: Path) -> str:
    return f'[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tfsmonitor = "{script}"\n'


def test_scaffolds_git_commands_never_run_a_planted_config(tmp_path: Path) -> None:
    """Defence in depth: even a repository whose config names an fsmonitor and whose hooks
    folder is full runs nothing when scaffold asks git for its status."""
    marker = tmp_path / "marker"
    script = tmp_path / "monitor.sh"
    script.write_text(hook_script(marker))
    script.chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    (repo / ".git" / "config").write_text(planted_config(script))
    for hook in ("post-index-change", "pre-commit", "post-checkout"):
        path = repo / ".git" / "hooks" / hook
        path.write_text(hook_script(marker))
        path.chmod(0o755)
    (repo / "file.txt").write_text("x\n")
    subprocess.run([*GIT, "add", "file.txt"], cwd=repo, check=True)
    (repo / "file.txt").write_text("changed\n")
    subprocess.run([*GIT, "status"], cwd=repo, check=True, capture_output=True)
    assert marker.exists()  # the test can see the attack work without scaffold's settings
    marker.unlink()

    done = runner.git("status", "--porcelain", cwd=repo)
    assert done is not None
    assert done.ok, done
    assert "file.txt" in done.output
    assert not marker.exists()
