"""Machine- or team-wide defaults, so every project builds on the same images.

``$SCAFFOLD_CONFIG``, else ``$XDG_CONFIG_HOME/scaffold/config.toml`` (``~/.config/...``)::

    [docker]
    binary = "/usr/bin/docker"
    python-image = "registry.example/python:{python}-slim-bookworm"   # {python}: the project's
    uv-image = "registry.example/astral-sh/uv:0.13.9"

An option wins over an environment variable, which wins over this file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.tools.images import check_image_pattern

CONFIG_ENV = "SCAFFOLD_CONFIG"


def cache_home() -> Path:
    """scaffold's cache folder: ``$XDG_CACHE_HOME/scaffold``, else ``~/.cache/scaffold``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "scaffold"


@dataclass(frozen=True)
class DockerConfig:
    binary: str | None = None
    python_image: str | None = None
    uv_image: str | None = None


def config_path() -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "scaffold" / "config.toml"


@cache
def _load(path: Path) -> DockerConfig:
    if not path.is_file():
        return DockerConfig()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read the scaffold config {path}: {exc}") from None
    docker = data.get("docker", {})
    if not isinstance(docker, dict):
        raise UsageError(f"{path}: docker must be a table ([docker]), not {_kind(docker)}")
    values = {key: docker.get(key) for key in ("binary", "python-image", "uv-image")}
    for key, value in values.items():
        if value is not None and not (isinstance(value, str) and value.strip()):
            shown = "an empty string" if isinstance(value, str) else _kind(value)
            raise UsageError(f"{path}: [docker] {key} must be a non-empty string, not {shown}")
    for key in ("python-image", "uv-image"):
        image = values[key]
        if image is not None:
            try:
                check_image_pattern(image)
            except UsageError as exc:
                raise UsageError(f"{path}: [docker] {key}: {exc.message}", hint=exc.hint) from None
    return DockerConfig(values["binary"], values["python-image"], values["uv-image"])


def docker_config() -> DockerConfig:
    return _load(config_path())


def _kind(value: object) -> str:
    """How TOML would name the value's type, for messages."""
    kinds = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    kinds |= {list: "an array", dict: "a table"}
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), "a date")
