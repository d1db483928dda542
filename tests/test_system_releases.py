"""System-package names by Debian release: the data against the releases' real package indexes."""

from __future__ import annotations

import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from scaffold.create.new import NewOptions, build_spec
from scaffold.tools.system import RELEASES, load_system_mapping, named_release, release_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import system_brings


def package_names(release: str) -> frozenset[str]:
    """Every package of the release's index, read once (scripts/system_brings.py reads it)."""
    return frozenset(system_brings.depends(release))


@pytest.mark.e2e
@pytest.mark.parametrize("release", RELEASES)
def test_every_package_name_exists_in_its_release(release: str) -> None:
    mapping = load_system_mapping(release=release)
    names = {*mapping.compilers}
    for build, runtime, _ in mapping.projects.values():
        names |= {*build, *runtime}
    missing = sorted(names - package_names(release))
    assert not missing, f"not in Debian {release}: {missing}"


@pytest.mark.e2e
def test_what_packages_bring_along_is_what_the_indexes_say() -> None:
    written = system_brings.OUTPUT.read_text("utf-8")
    assert written == system_brings.wanted(), "stale: run scripts/system_brings.py write"
    assert tomllib.loads(written)["bookworm"]["build-essential"][:2] == ["gcc", "libc6-dev"]


def test_the_brought_along_table_follows_only_sure_dependencies() -> None:
    graph = {"a": ("b",), "b": ("c",), "c": ("a",), "d": ()}
    assert system_brings._closure("a", graph) == {"b", "c"}
    assert system_brings._names("libc6-dev (>= 2.36) | libc-dev") == ["libc6-dev", "libc-dev"]
    index = (
        "Package: meta\nDepends: one (>= 1), libc6-dev | libc-dev, two | three\n\n"
        "Package: one\nPre-Depends: four:any\n\n"
        "Package: libc6-dev\n\nPackage: two\n\nPackage: three\n\nPackage: four\n"
    )
    parsed = system_brings.parse_index(index)
    # libc-dev is only a name others provide; two and three are both real: apt's pick depends
    # on what is installed, so neither is sure.
    assert parsed["meta"] == ("one", "libc6-dev")
    assert system_brings._closure("meta", parsed) == {"one", "libc6-dev", "four"}


def test_the_data_has_an_entry_per_release_where_names_differ() -> None:
    text = (resources.files("scaffold") / "data" / "system-packages.toml").read_text("utf-8")
    assert "trixie" in tomllib.loads(text)["releases"]
    trixie = load_system_mapping(release="trixie").projects["python-ldap"]
    bookworm = load_system_mapping(release="bookworm").projects["python-ldap"]
    assert "libldap2" in trixie[1]
    assert "libldap-2.5-0" in bookworm[1]


@pytest.mark.parametrize(
    ("image", "named", "release"),
    [
        ("python:3.12-slim-bookworm", "bookworm", "bookworm"),
        ("python:3.13-slim-trixie", "trixie", "trixie"),
        ("python:3.12-slim", None, "trixie"),  # the official images' current default
        ("ghcr.io/astral-sh/uv:python3.12-bookworm-slim", "bookworm", "bookworm"),
        ("registry.acme.example/trixie/python:3.12", None, "trixie"),  # a folder, not the tag
        ("scaffold-local/python:3.11", None, "trixie"),
    ],
)
def test_the_release_an_image_names(image: str, named: str | None, release: str) -> None:
    assert named_release(image) == named
    assert release_of(image) == release


def test_new_installs_the_names_of_the_chosen_release() -> None:
    for release, runtime in (("trixie", "libldap2"), ("bookworm", "libldap-2.5-0")):
        spec = build_spec(
            NewOptions(
                name="my-api",
                python="3.12",
                deps=("python-ldap>=3.4,<4",),
                data={"debian_release": release},
            )
        )
        assert runtime in spec.system.runtime, release
        assert spec.answers()["python_image"] == f"python:3.12-slim-{release}"
