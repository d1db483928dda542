"""What rendering a project imports: only what rendering needs (`python -X importtime` shows
the cost of each module; bench/ measures the render against copier)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FAST

ROOT = Path(__file__).resolve().parent.parent

# Each is needed by some command, never by `new` rendering a built-in template: copier for
# teams' templates, packaging for requirements given on the command line, anyascii for names
# that are not ASCII, the Dockerfile parser for validation, the merge for updates.
NOT_FOR_RENDERING = {
    "copier",
    "packaging",
    "anyascii",
    "e2b_dockerfile_utils",
    "questionary",
    "prompt_toolkit",
    "tomlkit",
    "scaffold.create.copier",
    "scaffold.tools.dockerfile",
    "scaffold.tools.docker",
    "scaffold.validate.validation",
    "scaffold.lifecycle",
}


def imported_by(*args: str) -> set[str]:
    """The modules (and their packages) loaded by ``scaffold ARGS`` run to its end."""
    code = (
        "import json, sys; from scaffold.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    return modules | {name.split(".")[0] for name in modules}


def test_rendering_imports_only_what_rendering_needs(tmp_path: Path) -> None:
    modules = imported_by("new", "my-api", "--path", str(tmp_path), "--quiet", *FAST)
    assert (tmp_path / "my-api" / "Dockerfile").is_file()
    assert {"jinja2", "yaml", "scaffold.create.render"} <= modules  # the listing is real
    assert modules & NOT_FOR_RENDERING == set()


def test_a_name_in_another_script_brings_its_table(tmp_path: Path) -> None:
    modules = imported_by("new", "Straße", "--path", str(tmp_path), "--quiet", *FAST)
    assert (tmp_path / "strasse").is_dir()
    assert "anyascii" in modules
