"""Dependency ranges and the PyPI -> Debian mapping behind the Dockerfile's apt layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.create.deps import (
    bound_to_locked,
    next_breaking,
    parse_dependency,
    template_dependency,
)
from scaffold.create.naming import STDLIB_PYTHONS
from scaffold.create.new import NewOptions, build_spec
from scaffold.create.spec import SUPPORTED_PYTHONS
from scaffold.create.templates import load_template
from scaffold.errors import UsageError
from scaffold.tools.system import load_system_mapping


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("numpy>=1.24,<2", "numpy>=1.24,<2"),
        ("numpy<2,>=1.24", "numpy>=1.24,<2"),
        ("pydantic~=2.9", "pydantic~=2.9"),
        ("attrs==24.2.0", "attrs==24.2.0"),
        ("uvicorn[standard]>=0.30,<1", "uvicorn[standard]>=0.30,<1"),
        ("tomli>=2,<3 ; python_version < '3.11'", 'tomli>=2,<3 ; python_version < "3.11"'),
        ("Django>=5.1,!=5.1.1,<6", "Django>=5.1,!=5.1.1,<6"),
    ],
)
def test_dependencies_get_both_bounds(given: str, written: str) -> None:
    dep = parse_dependency(given)
    assert str(dep) == written
    assert dep.bounded


@pytest.mark.parametrize(
    ("given", "locked", "written"),
    [
        ("requests", ["2.32.3"], "requests>=2.32.3,<3"),
        ("requests<3", ["2.32.3"], "requests>=2.32.3,<3"),
        # A lone lower bound keeps it; the upper bound follows the lock, not the lower bound:
        # numpy>=1.20 must not become <2 when the lock chose numpy 2.
        ("numpy>=1.20", ["2.2.6", "2.3.1"], "numpy>=1.20,<3"),
        ("httpx>=0.27.2", ["0.28.1"], "httpx>=0.27.2,<0.29"),
        # The lock forks by Python: the lowest locked version is the one every Python installs.
        ("numpy", ["2.4.6", "2.5.5"], "numpy>=2.4.6,<3"),
        ("tomli ; python_version < '3.11'", ["2.2.1"], 'tomli>=2.2.1,<3 ; python_version < "3.11"'),
    ],
)
def test_open_dependencies_are_bounded_from_the_lock(
    given: str, locked: list[str], written: str
) -> None:
    dep = parse_dependency(given)
    assert not dep.bounded
    bounded = bound_to_locked(dep, locked)
    assert bounded.bounded
    assert str(bounded) == written


@pytest.mark.parametrize(
    ("version", "breaking"), [("2.32.3", "3"), ("0.115.4", "0.116"), ("1", "2"), ("0", "0.1")]
)
def test_next_breaking(version: str, breaking: str) -> None:
    assert next_breaking(version) == breaking


@pytest.mark.parametrize("given", ["not a requirement!", "numpy>>1", ""])
def test_invalid_dependencies_are_usage_errors(given: str) -> None:
    with pytest.raises(UsageError, match="invalid dependency"):
        parse_dependency(given)


def _spec(**kwargs: object) -> object:
    return build_spec(NewOptions(name="my-api", python="3.11", **kwargs))  # type: ignore[arg-type]


def test_psycopg2_gets_compilers_headers_and_runtime_library() -> None:
    spec = build_spec(NewOptions(name="my-api", deps=("numpy>=1.24,<2", "psycopg2>=2.9,<3")))
    assert spec.system.build == ("gcc", "libc6-dev", "libpq-dev")
    assert spec.system.runtime == ("libpq5",)


@pytest.mark.parametrize("dep", ["numpy>=1.24,<2", "psycopg2-binary>=2.9,<3", "fastapi>=0.115,<1"])
def test_self_contained_wheels_need_no_system_packages(dep: str) -> None:
    spec = build_spec(NewOptions(name="my-api", deps=(dep,)))
    assert spec.system.build == spec.system.runtime == ()


@pytest.mark.parametrize(
    ("dep", "build", "runtime"),
    [
        ("mysqlclient>=2.2,<3", "default-libmysqlclient-dev", "libmariadb3"),
        ("pycairo>=1.26,<2", "libcairo2-dev", "libcairo2"),
        ("python-ldap>=3.4,<4", "libldap2-dev", "libldap2"),  # trixie, the default release
        ("Python_LDAP>=3.4,<4", "libsasl2-dev", "libsasl2-2"),
    ],
)
def test_known_source_builds(dep: str, build: str, runtime: str) -> None:
    spec = build_spec(NewOptions(name="my-api", deps=(dep,)))
    assert "gcc" in spec.system.build
    assert build in spec.system.build
    assert runtime in spec.system.runtime


def test_user_mappings_from_options_and_file(tmp_path: Path) -> None:
    extra = tmp_path / "system.toml"
    extra.write_text('[projects.my-lib]\nbuild = ["libfoo-dev"]\nruntime = ["libfoo1"]\n')
    spec = build_spec(
        NewOptions(
            name="my-api",
            deps=("my_lib>=1,<2",),
            apt_build=("protobuf-compiler",),
            apt_runtime=("tini",),
            system_packages_file=extra,
        )
    )
    assert spec.system.build == ("gcc", "libc6-dev", "libfoo-dev", "protobuf-compiler")
    assert spec.system.runtime == ("libfoo1", "tini")


@pytest.mark.parametrize("bad", ["lib foo", "-rf", "libfoo;rm", "Lib", "gcc\n", "x" * 101])
def test_apt_names_are_checked(bad: str) -> None:
    with pytest.raises(UsageError, match="not a valid Debian package name"):
        build_spec(NewOptions(name="my-api", apt_runtime=(bad,)))


def test_builtin_mapping_names_are_valid_debian_names() -> None:
    mapping = load_system_mapping()
    assert {"psycopg2", "mysqlclient", "pycairo", "python-ldap"} <= set(mapping.projects)


@pytest.mark.parametrize(
    "name", ["fastapi", "starlette", "pydantic", "typing-extensions", "pluggy"]
)
def test_a_project_cannot_shadow_what_the_template_installs(name: str) -> None:
    with pytest.raises(UsageError, match="would shadow") as caught:
        build_spec(NewOptions(name=name))
    assert caught.value.hint == f"try '{name}-service'"


def test_a_project_cannot_be_named_like_its_own_dependency() -> None:
    with pytest.raises(UsageError, match="cannot be named like its dependency"):
        build_spec(NewOptions(name="numpy", deps=("numpy>=2,<3",)))


def test_open_dependency_with_no_lock_is_refused() -> None:
    with pytest.raises(UsageError, match="needs a lower and an upper bound"):
        build_spec(NewOptions(name="my-api", deps=("requests",), lock=False))


@pytest.mark.parametrize("python", ["2.7", "3.9", "3.10", "3", "3.11.4", "latest"])
def test_unsupported_python_is_refused(python: str) -> None:
    with pytest.raises(UsageError, match="unsupported Python version"):
        build_spec(NewOptions(name="my-api", python=python))


@pytest.mark.parametrize("text", ["two\nlines", "bell\x07", "x" * 201])
def test_descriptions_that_no_file_format_takes_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="description"):
        build_spec(NewOptions(name="my-api", description=text))


@pytest.mark.parametrize("text", ["fastapi>=0.115,<1", "uvicorn>=0.32,<1", "Foo_Bar>=1.2,<2"])
def test_template_defaults_parse_like_packaging_does(text: str) -> None:
    assert template_dependency(text) == parse_dependency(text)


def test_template_defaults_are_bounded() -> None:
    for text in load_template("service").default("dependencies"):
        assert template_dependency(text).bounded, text


def test_the_stdlib_check_knows_every_supported_python() -> None:
    assert STDLIB_PYTHONS == SUPPORTED_PYTHONS
