"""The built-in templates: copier templates shipped inside the wheel.

They live in the repository's top-level ``templates/`` folder and are installed as
``scaffold/templates``; they are only ever read through :mod:`importlib.resources`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from scaffold.errors import ExitCode, UsageError, quoted
from scaffold.tools.names import canonical

if TYPE_CHECKING:
    from copier._template import Template as CopierTemplate

TEMPLATES_SUFFIX = ".jinja"
CONFIG_FILES = ("copier.yml", "copier.yaml")
# Copier's default exclusions; a template's `_exclude` replaces them, as in copier.
DEFAULT_EXCLUDE = (
    "copier.yaml",
    "copier.yml",
    "~*",
    "*.py[co]",
    "__pycache__",
    ".git",
    ".DS_Store",
    ".svn",
)
# Answers scaffold works out itself, never asked for: from the NAME argument, the options and
# the dependencies.
COMPUTED = frozenset(
    {
        "template",
        "scaffold_version",
        "project_name",
        "package_name",
        "dependencies",
        "apt_build",
        "apt_runtime",
    }
)


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
        return frozenset(canonical(str(name)) for name in names)

    # --- what the template says about itself, next to its questions (copier ignores these) ---

    def _listed(self, key: str) -> tuple[str, ...]:
        value = self.settings.get(f"scaffold_{key}") or ()
        return tuple(str(item) for item in value) if isinstance(value, list) else ()

    @property
    def summary(self) -> str:
        return str(self.settings.get("scaffold_summary") or "")

    @property
    def kind(self) -> str:
        """What the projects are: service, worker, cli or lib (``[tool.scaffold] kind``)."""
        return str(self.settings.get("scaffold_kind") or "")

    @property
    def prompts(self) -> tuple[str, ...]:
        """The questions a person is asked in a terminal (the others are worked out)."""
        return tuple(q for q in self._listed("prompts") if q in self.questions)

    @property
    def next_steps(self) -> tuple[str, ...]:
        """Lines to show after ``scaffold new``: Jinja with the answers."""
        return self._listed("next")

    @property
    def owned(self) -> tuple[str, ...]:
        """Globs of the files the template owns: a project's change to them is drift."""
        return self._listed("owned")

    @property
    def seeded(self) -> tuple[str, ...]:
        """Globs of the files the template only seeds: the project is expected to change them."""
        return self._listed("seeded")

    @property
    def exclude(self) -> tuple[str, ...]:
        value = self.settings.get("exclude")
        return tuple(str(v) for v in value) if isinstance(value, list) else DEFAULT_EXCLUDE

    def files(self) -> Iterator[tuple[str, Traversable]]:
        """Every file of the template as (posix path relative to the root, resource)."""
        yield from _walk(self.root, "", self.exclude)


def excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    """Copier-style exclusion: a pattern matches the path or any of its names."""
    parts = rel.split("/")
    return any(
        fnmatch.fnmatchcase(rel, pattern.rstrip("/"))
        or any(fnmatch.fnmatchcase(part, pattern.rstrip("/")) for part in parts)
        for pattern in patterns
    )


def _walk(
    node: Traversable, prefix: str, patterns: tuple[str, ...]
) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda item: item.name):
        rel = f"{prefix}{child.name}"
        if excluded(rel, patterns):
            continue
        if child.is_dir():
            yield from _walk(child, rel + "/", patterns)
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


_BUILT_IN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def is_external(template: str) -> bool:
    """Whether ``--template`` names a team's template (a path or URL) rather than a built-in."""
    return not _BUILT_IN_NAME.fullmatch(template)


def load_template(name: str) -> Template:
    # A name, never a path: "../x" must not reach a folder outside the shipped templates.
    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name) is not None
    return load_template_at(templates_root() / name if plain else None, name)


def copier_template(name: str, read: CopierTemplate) -> Template:
    """What a team's copier template says of itself, from copier's own reading of it after a
    render (its questions and its ``_`` settings, as a built-in's ``copier.yml`` is read). The
    root is copier's checkout: the files are copier's to render."""
    return Template(
        name=name,
        root=read.local_abspath,
        questions={key: dict(value) for key, value in read.questions_data.items()},
        settings=dict(read.config_data),
    )


def load_template_at(root: Traversable | None, name: str) -> Template:
    """The template in ``root`` (a built-in, or one an older scaffold shipped)."""
    configs = [root / cfg for cfg in CONFIG_FILES] if root is not None else []
    config = next((cfg for cfg in configs if cfg.is_file()), None)
    if config is None or root is None:
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
