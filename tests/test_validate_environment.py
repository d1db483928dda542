"""End to end with the real uv: what this machine lacks is "not proven" (exit 5) with what to
install, never "failed" — nothing is wrong with the project."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.test_validate_own_code import write

pytestmark = pytest.mark.e2e

OLD_PYTHON = "3.9.7"  # on no machine of ours, and found by uv only as a download
PROJECT = {
    "pyproject.toml": (
        '[project]\nname = "old-python"\nversion = "0.1.0"\n'
        f'requires-python = ">={OLD_PYTHON}"\ndependencies = []\n'
    ),
    ".python-version": f"{OLD_PYTHON}\n",
    "uv.lock": (
        "version = 1\nrevision = 3\n"
        f'requires-python = ">={OLD_PYTHON}"\n\n'
        '[[package]]\nname = "old-python"\nversion = "0.1.0"\n'
        'source = { virtual = "." }\n'
    ),
    "tests/test_nothing.py": "def test_nothing() -> None:\n    pass\n",
}


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({"UV_PYTHON_DOWNLOADS": "never"}, "uv's Python downloads are turned off"),
        # A download that cannot be made: a mirror nothing answers on.
        ({"UV_PYTHON_INSTALL_MIRROR": "http://127.0.0.1:9/python"}, "uv could not download it"),
    ],
    ids=["downloads-off", "download-fails"],
)
def test_an_interpreter_this_machine_cannot_get_is_not_proven(
    cli: Cli, tmp_path: Path, env: dict[str, str], why: str
) -> None:
    project = write(tmp_path / "old-python", PROJECT)
    # Only the system's folders: no pyenv shim or managed Python offers 3.9.
    environment = {
        **env,
        "PATH": "/usr/bin:/bin",
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "pythons"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
    }

    result = cli("validate", project, "--json", env=environment)

    payload = json.loads(result.stdout)
    steps = {step["name"]: step for step in payload["steps"]}
    assert result.code == 5, [(k, v["status"], v["detail"]) for k, v in steps.items()]
    assert payload["verdict"] == "not_proven"
    assert not [name for name, step in steps.items() if step["status"] == "failed"], steps
    step = next(s for s in steps.values() if s["status"] == "skipped" and "Python" in s["detail"])
    assert step["detail"] == (
        f"this machine has no Python {OLD_PYTHON} and {why}: install it (uv python install "
        f"{OLD_PYTHON} where downloads work, or the system's python3.9)"
    ), step
