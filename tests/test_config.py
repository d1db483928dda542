"""Which docker client and images a build uses: option > environment > config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold import runner
from scaffold.docker import BuildSettings
from scaffold.errors import UsageError

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
