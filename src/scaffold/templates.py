"""The built-in templates: copier templates shipped inside the wheel.

They live in the repository's top-level ``templates/`` folder and are installed as
``scaffold/templates``; they are only ever read through :mod:`importlib.resources`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from scaffold.errors import ExitCode, UsageError, quoted

TEMPLATES_SUFFIX = ".jinja"
CONFIG_FILES = ("copier.yml", "copier.yaml")
# Copier's own default exclusions, so both tools render the same tree.
_EXCLUDED_NAMES = {"copier.yml", "copier.yaml", "__pycache__", ".git", ".DS_Store", ".svn"}
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Template:
    name: str
    root: Traversable
    questions: Mapping[str, Mapping[str, Any]]
    settings: Mapping[str, Any] = field(default_factory=dict)  # copier.yml's ``_`` keys

    def default(self, question: str) -> Any:
        return self.questions.get(question, {}).get("default")

    def choices(self, question: str) -> list[str]:
        return [str(choice) for choice in self.questions.get(question, {}).get("choices", ())]

    @property
    def reserved_names(self) -> frozenset[str]:
        """Names a project of this template cannot take (PEP 503 normalized): every
        distribution and import package the template's own dependencies install."""
        names = self.settings.get("scaffold_reserved_names") or ()
        return frozenset(re.sub(r"[-_.]+", "-", str(name)).lower() for name in names)

    def files(self) -> Iterator[tuple[str, Traversable]]:
        """Every file of the template as (posix path relative to the root, resource)."""
        yield from _walk(self.root, "")


def _walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda item: item.name):
        if child.name in _EXCLUDED_NAMES or child.name.endswith(_EXCLUDED_SUFFIXES):
            continue
        if child.name.startswith("~"):
            continue
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, rel + "/")
        else:
            yield rel, child


def templates_root() -> Traversable:
    return resources.files("scaffold") / "templates"


def available() -> list[str]:
    root = templates_root()
    return sorted(
        child.name
        for child in root.iterdir()
        if child.is_dir() and any((child / cfg).is_file() for cfg in CONFIG_FILES)
    )


def load_template(name: str) -> Template:
    # A name, never a path: "../x" must not reach a folder outside the shipped templates.
    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name) is not None
    root = templates_root() / name
    configs = [root / cfg for cfg in CONFIG_FILES] if plain else []
    config = next((cfg for cfg in configs if cfg.is_file()), None)
    if config is None:
        choices = ", ".join(available()) or "none installed"
        raise UsageError(f"unknown template {quoted(name)}", hint=f"choose one of: {choices}")
    import yaml  # noqa: PLC0415 - only the commands that render pay for it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it
    data = yaml.load(config.read_text("utf-8"), Loader=loader) or {}  # noqa: S506 - safe loaders
    if not isinstance(data, dict):
        raise UsageError(
            f"template '{name}': copier.yml is not a mapping", exit_code=ExitCode.INTERNAL
        )
    questions = {
        key: value if isinstance(value, dict) else {"default": value}
        for key, value in data.items()
        if not key.startswith("_")
    }
    settings = {key[1:]: value for key, value in data.items() if key.startswith("_")}
    return Template(name=name, root=root, questions=questions, settings=settings)
