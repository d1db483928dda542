"""End to end with the real uv: the project's own code is imported, every module of it, in the
wheel installed alone (namespace packages walked to their modules), and the undeclared
dependency a module needs is named. Projects are written here from a dict of path -> text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, uv

pytestmark = pytest.mark.e2e

NAMESPACE_LIB = {
    "pyproject.toml": """\
[project]
name = "postmodern-greeter"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[project.optional-dependencies]
fast = ["tomli-w>=1"]

[dependency-groups]
dev = ["pytest>=8", "pyyaml>=6", "tomli-w>=1"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/postmodern"]
""",
    # PEP 420: no src/postmodern/__init__.py; `import postmodern` always works.
    "src/postmodern/greeter/__init__.py": 'import yaml\n\n\ndef greet() -> str:\n    return "hi"\n',
    # A module that needs an optional extra is fine without it.
    "src/postmodern/greeter/fast.py": "import tomli_w  # noqa: F401\n",
    "tests/test_greeter.py": (
        "from postmodern.greeter import greet\n\n\n"
        'def test_greet() -> None:\n    assert greet() == "hi"\n'
    ),
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def steps_of(stdout: str) -> dict[str, dict[str, object]]:
    return {step["name"]: step for step in json.loads(stdout)["steps"]}


@pytest.fixture
def namespace_lib(tmp_path: Path) -> Path:
    project = write(tmp_path / "postmodern-greeter", NAMESPACE_LIB)
    uv(project, "lock")
    return project


def test_a_namespace_library_importing_an_undeclared_dependency_fails_package(
    cli: Cli, namespace_lib: Path
) -> None:
    result = cli("validate", namespace_lib, "--json", "--skip", "lint")

    assert result.code == 1, result
    steps = steps_of(result.stdout)
    assert steps["tests"]["status"] == "ok", steps["tests"]  # pyyaml is in the dev group
    package = steps["package"]
    assert package["status"] == "failed", package
    assert package["detail"] == (
        "import postmodern.greeter failed from the wheel alone: No module named 'yaml' "
        "(declare pyyaml in [project] dependencies)"
    ), package
    # postmodern.greeter.fast needs the extra 'fast', which the wheel alone need not have.
    assert not any(
        "postmodern.greeter.fast failed" in line for line in package["output_tail"].splitlines()
    )


def test_the_same_library_declaring_it_passes_with_every_module_imported(
    cli: Cli, namespace_lib: Path
) -> None:
    pyproject = namespace_lib / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("dependencies = []", 'dependencies = ["pyyaml>=6"]')
    )
    uv(namespace_lib, "lock")

    result = cli("validate", namespace_lib, "--json", "--skip", "lint")

    assert result.code == 0, result
    package = steps_of(result.stdout)["package"]
    assert "the wheel imports postmodern alone (1 module)" in package["detail"], package
    assert "postmodern.greeter.fast needs tomli-w, from the extra 'fast'" in package["notes"]


def test_a_pytest_plugin_and_a_windows_module_in_the_package_are_remarks(
    cli: Cli, namespace_lib: Path
) -> None:
    """Modules imported only where their host runs: not undeclared dependencies."""
    write(
        namespace_lib,
        {
            "src/postmodern/greeter/__init__.py": 'def greet() -> str:\n    return "hi"\n',
            "src/postmodern/greeter/pytest_plugin.py": "import pytest  # noqa: F401\n",
            "src/postmodern/greeter/_windows.py": "import winreg  # noqa: F401\n",
        },
    )

    result = cli("validate", namespace_lib, "--json", "--skip", "lint")

    assert result.code == 0, result
    package = steps_of(result.stdout)["package"]
    assert (
        "postmodern.greeter.pytest_plugin needs pytest: a plugin for it, loaded only under it?"
        in package["notes"]
    ), package
    assert (
        "postmodern.greeter._windows needs winreg, a standard module this Python lacks"
        in package["notes"]
    ), package
