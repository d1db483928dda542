"""A sweep over public-style layouts, each written here and locked with the real uv: the
verdict and the line that explains it (the stories of issue 16 that need no Docker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, uv
from tests.test_validate_environment import OLD_PYTHON
from tests.test_validate_environment import PROJECT as OLD_PYTHON_PROJECT
from tests.test_validate_extras import FILES as EXTRA_FILES
from tests.test_validate_extras import PYPROJECT as EXTRA_PYPROJECT
from tests.test_validate_lint_scope import FILES as LINT_FILES
from tests.test_validate_lint_scope import UNSCOPED
from tests.test_validate_own_code import NAMESPACE_LIB, write

pytestmark = pytest.mark.e2e

VIRTUAL = {
    # Astral's FastAPI example's shape: no build system, code run from its folder.
    "pyproject.toml": (
        '[project]\nname = "virtual-app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = []\n\n[dependency-groups]\ndev = ["pytest>=8"]\n'
    ),
    "app/__init__.py": "",
    "app/main.py": "def answer() -> int:\n    return 42\n",
    "tests/test_main.py": (
        "from app.main import answer\n\n\ndef test_answer() -> None:\n    assert answer() == 42\n"
    ),
}

# name -> (files, extra environment, the verdict, the step that explains it, its detail)
LAYOUTS: dict[str, tuple[dict[str, str], dict[str, str], str, str, str]] = {
    "namespace-library": (
        NAMESPACE_LIB,
        {},
        "failed",
        "package",
        "import postmodern.greeter failed from the wheel alone: No module named 'yaml' "
        "(declare pyyaml in [project] dependencies)",
    ),
    "scoped-linters": ({"pyproject.toml": UNSCOPED, **LINT_FILES}, {}, "passed", "lint", ""),
    "test-extra": (
        {"pyproject.toml": EXTRA_PYPROJECT, **EXTRA_FILES},
        {},
        "failed",
        "tests",
        "pytest is not installed in the project's environment (pytest comes with the extra "
        """'test': give --extra test, or [tool.scaffold] extras = ["test"])""",
    ),
    "virtual-project": (VIRTUAL, {}, "passed", "tests", "1 passed"),
    "python-out-of-reach": (
        OLD_PYTHON_PROJECT,
        {"UV_PYTHON_DOWNLOADS": "never", "PATH": "/usr/bin:/bin"},
        "not_proven",
        "lock",
        f"this machine has no Python {OLD_PYTHON} and uv's Python downloads are turned off",
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_gets_its_verdict_and_cause(cli: Cli, tmp_path: Path, layout: str) -> None:
    files, env, verdict, step, detail = LAYOUTS[layout]
    project = write(tmp_path / layout, files)
    if "uv.lock" not in files:
        uv(project, "lock")
    env = {**env, "UV_PYTHON_INSTALL_DIR": str(tmp_path / "pythons")} if env else {}

    result = cli("validate", project, "--json", env=env)

    payload = json.loads(result.stdout)
    steps = {s["name"]: s for s in payload["steps"]}
    assert payload["verdict"] == verdict, [(k, v["status"], v["detail"]) for k, v in steps.items()]
    assert steps[step]["detail"].startswith(detail), steps[step]
