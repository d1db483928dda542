"""Which docker client and images a build uses: option > environment > config file."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit
from hypothesis import example, given
from hypothesis import strategies as st

from scaffold.errors import UsageError
from scaffold.tools import config as config_file
from scaffold.tools import runner
from scaffold.tools.docker import BuildSettings
from scaffold.tools.system import SystemMapping, load_system_mapping

CONFIG = """[docker]
binary = "/bin/true"
python-image = "mirror.example/python:3.12-slim-bookworm"
uv-image = "mirror.example/uv:0.13.9"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("SCAFFOLD_CONFIG", str(path))
    for name in ("SCAFFOLD_DOCKER", "SCAFFOLD_PYTHON_IMAGE", "SCAFFOLD_UV_IMAGE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_config_file_supplies_defaults(config: Path) -> None:
    settings = BuildSettings.resolve(None, None, None)
    assert settings.python_image == "mirror.example/python:3.12-slim-bookworm"
    assert settings.uv_image == "mirror.example/uv:0.13.9"
    assert settings.ca_bundle is None
    assert runner.docker_binary() == "/bin/true"


def test_environment_beats_config_and_options_beat_both(
    config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCAFFOLD_PYTHON_IMAGE", "env/python:3.11")
    monkeypatch.setenv("SCAFFOLD_DOCKER", "/bin/false")
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    settings = BuildSettings.resolve(None, None, None)
    assert settings.python_image == "env/python:3.11"
    assert settings.uv_image == "mirror.example/uv:0.13.9"
    assert settings.ca_bundle == ca
    assert runner.docker_binary() == "/bin/false"
    chosen = BuildSettings.resolve("opt/python:3.13", "opt/uv:1", None)
    assert (chosen.python_image, chosen.uv_image) == ("opt/python:3.13", "opt/uv:1")
    assert runner.docker_binary("/bin/true") == "/bin/true"


def test_missing_binary_resolves_to_none(config: Path) -> None:
    assert runner.docker_binary("/nonexistent/docker") is None


def test_broken_config_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[docker]\nbinary = 3\n")
    monkeypatch.setenv("SCAFFOLD_CONFIG", str(path))
    with pytest.raises(UsageError, match="must be a non-empty string"):
        BuildSettings.resolve(None, None, None)
    path2 = tmp_path / "worse.toml"
    path2.write_text("[docker\n")
    monkeypatch.setenv("SCAFFOLD_CONFIG", str(path2))
    with pytest.raises(UsageError, match="cannot read the scaffold config"):
        runner.docker_binary()


_SCALARS = st.one_of(
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.datetimes(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
_DOCKER = st.one_of(
    _VALUES,
    st.dictionaries(st.sampled_from(["binary", "python-image", "uv-image", "other"]), _VALUES),
)


@given(table=st.dictionaries(st.sampled_from(["docker", "other"]), _DOCKER))
@example(table={"docker": "not a table"})
@example(table={"docker": {"binary": 3}})
@example(table={"docker": {"python-image": ["a", "b"]}})
def test_any_config_file_loads_or_is_one_line_naming_file_and_key(
    table: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_text(tomlkit.dumps(table))
    config_file._load.cache_clear()
    try:
        loaded: config_file.DockerConfig | UsageError = config_file._load(path)
    except UsageError as exc:
        loaded = exc
    finally:
        config_file._load.cache_clear()
    if isinstance(loaded, UsageError):
        assert "\n" not in loaded.message
        assert loaded.message.startswith(f"{path}: ")
        assert "docker" in loaded.message
    else:
        for value in (loaded.binary, loaded.python_image, loaded.uv_image):
            assert value is None or (isinstance(value, str) and value.strip())


@given(
    table=st.dictionaries(
        st.sampled_from(["compilers", "projects"]),
        st.one_of(
            _VALUES,
            st.dictionaries(
                st.sampled_from(["build", "psycopg2", "my-lib"]),
                st.one_of(
                    _VALUES,
                    st.dictionaries(st.sampled_from(["build", "runtime", "compiles"]), _VALUES),
                ),
            ),
        ),
    )
)
@example(table={"projects": {"my-lib": {"build": "libfoo-dev"}}})
@example(table={"projects": {"my-lib": {"compiles": "yes"}}})
@example(table={"compilers": ["gcc"]})
def test_any_system_packages_file_loads_or_is_one_line_naming_the_key(
    table: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("system") / "system.toml"
    path.write_text(tomlkit.dumps(table))
    try:
        mapping: SystemMapping | UsageError = load_system_mapping(path)
    except UsageError as exc:
        mapping = exc
    if isinstance(mapping, UsageError):
        assert "\n" not in mapping.message
        assert mapping.message.startswith(f"{path}: ")
    else:
        for build, runtime, compiles in mapping.projects.values():
            assert all(isinstance(name, str) for name in (*build, *runtime))
            assert isinstance(compiles, bool)


def test_a_system_packages_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "system.toml"
    path.write_bytes(b"[projects.x]\nbuild = ['\xff']\n")
    with pytest.raises(UsageError, match="is not UTF-8 text"):
        load_system_mapping(path)
