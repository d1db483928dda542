"""The wheel carries the templates: build it, install it in a fresh venv, generate from it."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest

from scaffold import __version__
from scaffold.tools import runner
from tests.conftest import GOLDEN, tree_bytes

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parent.parent


def test_installed_wheel_generates_the_golden_tree(tmp_path: Path) -> None:
    uv = runner.uv_binary()
    dist = tmp_path / "dist"
    built = runner.run([uv, "build", "--wheel", "--out-dir", str(dist)], cwd=ROOT, timeout=300)
    assert built.ok, built.output
    (wheel,) = dist.glob("scaffold_proven-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    templates = ROOT / "templates"
    for path in sorted(templates.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"scaffold/templates/{path.relative_to(templates).as_posix()}" in names
    assert "scaffold/data/system-packages.toml" in names
    assert "scaffold/py.typed" in names
    assert "scaffold/history/0.1.0.zip" in names  # earlier releases' templates, for check/update
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)

    venv = tmp_path / "venv"
    made = runner.run([uv, "venv", "--python", sys.executable, str(venv)], timeout=120)
    assert made.ok, made.output
    python = venv / "bin" / "python"
    installed = runner.run([uv, "pip", "install", "--python", str(python), str(wheel)], timeout=300)
    assert installed.ok, installed.output

    # Run from an unrelated folder, so nothing can come from this source tree.
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PYTHONPATH": "", "NO_COLOR": "1"}
    # The distribution's own name is a command too (`uvx scaffold-proven new my-api`).
    for command in ("scaffold", "scaffold-proven"):
        shown = runner.run([str(venv / "bin" / command), "--version"], cwd=work, env=env)
        assert shown.ok, shown.output
        assert shown.output.strip() == f"scaffold {__version__}"
    done = runner.run(
        [
            str(venv / "bin" / "scaffold"),
            "new",
            "my-api",
            "--python",
            "3.11",
            "--no-lock",
            "--no-git",
            "--no-validate",
        ],
        cwd=work,
        env=env,
        timeout=120,
    )
    assert done.ok, done.output
    assert tree_bytes(work / "my-api") == tree_bytes(GOLDEN / "service")
    where = runner.run(
        [str(python), "-c", "import scaffold; print(scaffold.__file__)"], cwd=work, env=env
    )
    assert where.output.strip().startswith(str(venv)), where.output
    assert os.sep + "src" + os.sep not in where.output
