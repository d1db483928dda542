"""The shared library a wheel loads but does not bundle, mapped to the Debian package that
ships it in each release; every name checked against that release's real package index."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from scaffold.create.new import NewOptions, new_project
from scaffold.tools import runner
from scaffold.tools.system import RELEASES, load_system_mapping
from scaffold.validate.container import _import_problem, library_package
from tests.conftest import Cli
from tests.test_system_releases import package_names


def _tables() -> dict[str, dict[str, str]]:
    text = (resources.files("scaffold") / "data" / "shared-libraries.toml").read_text("utf-8")
    return tomllib.loads(text)


@pytest.mark.e2e
@pytest.mark.parametrize("release", RELEASES)
def test_every_library_s_package_exists_in_its_release(release: str) -> None:
    names = {library_package(library, release) for library in _tables()["bookworm"]}
    missing = sorted(names - package_names(release))
    assert not missing, f"not in Debian {release}: {missing}"


@pytest.mark.parametrize(
    ("release", "package"), [("bookworm", "libglib2.0-0"), ("trixie", "libglib2.0-0t64")]
)
def test_a_missing_library_of_an_unlisted_distribution_names_its_package(
    release: str, package: str
) -> None:
    error = "ImportError: libgobject-2.0.so.0: cannot open shared object file: No such file"
    problem = _import_problem(
        "pyvips", "pyvips", error, load_system_mapping(release=release), release
    )
    assert problem == (
        "import pyvips (pyvips) failed in the image: libgobject-2.0.so.0 is missing "
        f"(Debian package: {package} in the runtime stage)"
    )


def test_lxml_from_source_and_uwsgi_need_their_build_packages() -> None:
    mapping = load_system_mapping()
    assert mapping.projects["lxml"][0] == ("libxml2-dev", "libxslt1-dev")
    assert mapping.projects["uwsgi"][2]  # compiled: the builder needs gcc


@pytest.mark.e2e
def test_uwsgi_added_to_a_service_fails_sysdeps_without_a_compiler(
    cli: Cli, tmp_path: Path
) -> None:
    """uWSGI has no wheel: `uv add uwsgi` to a service whose builder has no gcc used to pass."""
    report = new_project(NewOptions(name="with-uwsgi", parent=tmp_path, python="3.11", git=False))
    assert report.post_steps_ok
    project = Path(report.path)
    done = runner.run(
        [runner.uv_binary(), "add", "--no-sync", "uwsgi>=2"], cwd=project, timeout=300
    )
    assert done.ok, done.output

    result = cli("validate", project, "--json", "--only", "lock", "--only", "sysdeps")

    assert result.code == 1, result
    steps = {step["name"]: step for step in json.loads(result.stdout)["steps"]}
    assert steps["sysdeps"]["detail"] == (
        "builder stage 'builder' lacks gcc libc6-dev (for uwsgi)"
    ), steps["sysdeps"]
