"""A team's preset: its defaults for every new project, in one TOML file.

``--preset FILE``, else ``$SCAFFOLD_PRESET``, else ``preset.toml`` in scaffold's config folder
(``~/.config/scaffold/``). It sits below the command line and the data file and above the
template's defaults::

    template = "service"
    python = "3.12"
    author = "Platform Team"
    python-image = "registry.acme.example/python:3.12-slim-bookworm"
    uv-image = "registry.acme.example/astral-sh/uv:0.13.9"
    dependencies = ["structlog>=24.4,<25"]
    system-packages = "acme-system-packages.toml"   # relative to this file

    [data]            # any other answer the template asks
    owner = "team-platform"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.create.answers import check_answer
from scaffold.errors import UsageError
from scaffold.tools.config import config_path

PRESET_ENV = "SCAFFOLD_PRESET"
_TEXT_KEYS = ("template", "python", "author", "description", "python-image", "uv-image")
_KNOWN = {*_TEXT_KEYS, "dependencies", "system-packages", "data"}
_ANSWERS = {
    "python": "python_version",
    "author": "author",
    "description": "description",
    "python-image": "python_image",
    "uv-image": "uv_image",
}


@dataclass(frozen=True)
class Preset:
    path: Path | None = None
    template: str | None = None
    python: str | None = None
    author: str | None = None
    description: str | None = None
    python_image: str | None = None
    uv_image: str | None = None
    dependencies: tuple[str, ...] = ()
    system_packages: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def answers(self, asked: Collection[str] | None = None) -> dict[str, Any]:
        """The preset's answers to the template's questions ``asked`` (below the data file and
        the options). Its named keys are team-wide defaults, left out for a template that does
        not ask them (a library has no base image); its ``[data]`` is always given. ``None``:
        questions not known yet (a team's copier template), every named key."""
        named = {
            "python_version": self.python,
            "author": self.author,
            "description": self.description,
            "python_image": self.python_image,
            "uv_image": self.uv_image,
        }
        given = {k: v for k, v in named.items() if v is not None and (asked is None or k in asked)}
        return {**given, **self.data}


def preset_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    from_env = os.environ.get(PRESET_ENV)
    if from_env:
        return Path(from_env)
    default = config_path().with_name("preset.toml")
    return default if default.is_file() else None


def load_preset(explicit: Path | None = None) -> Preset:
    path = preset_path(explicit)
    if path is None:
        return Preset()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the preset {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the preset {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise UsageError(
            f"{path}: unknown preset key '{unknown[0]}'",
            hint=f"keys: {', '.join(sorted(_KNOWN))}; other answers go under [data]",
        )
    for key in _TEXT_KEYS:
        if key in data and not (isinstance(data[key], str) and data[key]):
            raise UsageError(f"{path}: '{key}' must be a non-empty string")
    # Checked here, as any source of these answers is: a template that does not ask one (a
    # library has no image) would otherwise leave a bad team-wide default unseen.
    for key, answer in _ANSWERS.items():
        if key in data:
            check_answer(answer, data[key], str(path), label=key)
    deps = data.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise UsageError(f"{path}: 'dependencies' must be a list of strings")
    extra = data.get("data", {})
    if not isinstance(extra, dict):
        raise UsageError(f"{path}: [data] must be a table")
    mapping = data.get("system-packages")
    if mapping is not None and not isinstance(mapping, str):
        raise UsageError(f"{path}: 'system-packages' must be a path (a string)")
    return Preset(
        path=path,
        template=data.get("template"),
        python=data.get("python"),
        author=data.get("author"),
        description=data.get("description"),
        python_image=data.get("python-image"),
        uv_image=data.get("uv-image"),
        dependencies=tuple(deps),
        system_packages=(path.parent / mapping) if mapping else None,
        data=dict(extra),
    )
