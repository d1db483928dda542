"""Every Python a built-in template offers gives a project that locks with its own dev
dependencies, and the names the template reserves cover everything its dependencies install."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from scaffold.create.new import NewOptions, new_project
from scaffold.create.spec import SUPPORTED_PYTHONS
from scaffold.create.templates import available, load_template
from scaffold.errors import UsageError
from scaffold.tools import runner

TEMPLATES = available()


def uv(project: Path, *args: str, env: dict[str, str] | None = None) -> runner.Completed:
    return runner.run([runner.uv_binary(), *args], cwd=project, timeout=600, env=env)


@pytest.mark.parametrize("name", TEMPLATES)
def test_scaffold_offers_exactly_the_templates_choices(name: str) -> None:
    template = load_template(name)
    assert template.choices("python_version") == list(SUPPORTED_PYTHONS)
    assert template.default("python_version") in SUPPORTED_PYTHONS


def test_a_python_the_template_does_not_offer_is_refused() -> None:
    with pytest.raises(UsageError, match=r"unsupported Python version '3\.10'"):
        new_project(NewOptions(name="my-api", python="3.10", lock=False, git=False))


@pytest.mark.e2e
@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("python", SUPPORTED_PYTHONS)
def test_every_offered_python_locks_with_the_dev_dependencies(
    name: str, python: str, tmp_path: Path
) -> None:
    found = uv(tmp_path, "python", "find", python, env={"UV_PYTHON_DOWNLOADS": "never"}).ok
    report = new_project(
        NewOptions(
            name="my-api", template=name, parent=tmp_path, python=python, git=False, lock=found
        )
    )
    project = Path(report.path)
    if found:
        (lock,) = report.steps
        assert lock.status.value == "ok", lock
        done = uv(project, "lock", "--check")
    else:
        # No interpreter of that version here and none to download (these machines reach no
        # GitHub): resolve the same requirements, runtime and dev, for that Python with uv's
        # universal resolver, which needs no interpreter of the target version.
        compile_args = ["pip", "compile", "pyproject.toml", "--group", "dev", "--universal"]
        compile_args += ["--python-version", python, "--no-header", "--quiet"]
        # From the cache when it holds enough (much faster here), else from the index.
        done = uv(project, *compile_args, "--offline")
        if not done.ok:
            done = uv(project, *compile_args)
    assert done.ok, done.output


def _installed_names(venv_site: Path) -> set[str]:
    """Top-level import names of every installed distribution, from their RECORD files."""
    names = set()
    for record in venv_site.glob("*.dist-info/RECORD"):
        for line in record.read_text().splitlines():
            top = line.split(",")[0].split("/")[0]
            if top.endswith((".dist-info", ".data")) or top in ("..", "__pycache__"):
                continue
            names.add(top.removesuffix(".py").split(".")[0])
    return {n for n in names if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", n)}


@pytest.mark.e2e
@pytest.mark.parametrize("name", TEMPLATES)
def test_reserved_names_cover_the_templates_dependencies(name: str, tmp_path: Path) -> None:
    """A new release of a dependency that adds a dependency of its own fails this test: add
    the new names to _scaffold_reserved_names in the template's copier.yml."""
    lowest = SUPPORTED_PYTHONS[0]  # its lock has every fork, so every package of any Python
    report = new_project(
        NewOptions(name="probe-api", template=name, parent=tmp_path, python=lowest, git=False)
    )
    project = Path(report.path)
    locked = {pkg["name"] for pkg in tomllib.loads((project / "uv.lock").read_text())["package"]}
    synced = uv(project, "sync", "--locked")
    assert synced.ok, synced.output
    (site,) = project.glob(".venv/lib/python*/site-packages")
    imports = _installed_names(site)
    normalized = {re.sub(r"[-_.]+", "-", name).lower() for name in locked | imports}
    missing = normalized - load_template(name).reserved_names - {"probe-api", "probe-api-pth"}
    assert not missing, f"add to _scaffold_reserved_names: {sorted(missing)}"
