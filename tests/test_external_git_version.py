"""A team's template whose project takes its version from git tags (hatch-vcs): `git init`
comes before `uv lock`, which builds the project to learn its version (before, always exit 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.test_external import BASIC, write_tree

pytestmark = pytest.mark.e2e

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.26,<2", "hatch-vcs>=0.4,<1"]
build-backend = "hatchling.build"

[project]
name = "{{ project_name }}"
dynamic = ["version"]
requires-python = ">=3.11"
dependencies = []

[tool.hatch.version]
source = "vcs"

[tool.hatch.build.targets.wheel]
bypass-selection = true
"""


def test_git_init_comes_before_the_lock_of_a_project_versioned_from_git(
    cli: Cli, tmp_path: Path
) -> None:
    template = write_tree(tmp_path / "vcs", {**BASIC, "pyproject.toml.jinja": PYPROJECT})
    out = tmp_path / "out"
    # Its lock builds the project (a dynamic version): only with --trust.
    result = cli("new", "my-svc", "--path", out, "--template", template, "--trust", "--no-validate")
    assert result.code == 0, result
    project = out / "my-svc"
    assert (project / "uv.lock").is_file()
    assert (project / ".git" / "HEAD").is_file()
