"""The answers file is the project's memory: enough to render its template again, exactly.

A built-in template's project records ``template`` and ``scaffold_version`` among its answers;
a team's copier template records copier's ``_src_path`` and ``_commit``. :func:`read_memory`
turns the file into the inputs of a render; the template renders the answers file back, so an
update records its new version the way the first render did.

An earlier release's built-in templates ship in the wheel (:mod:`scaffold.history`); a newer
release's are fetched as a wheel and read as data, never run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import __version__, runner
from scaffold.errors import NotAProjectError, UsageError
from scaffold.render import ANSWERS_FILE, render
from scaffold.templates import Template, load_template, load_template_at
from scaffold.tree import Entry

if TYPE_CHECKING:
    from packaging.version import Version


@dataclass(frozen=True)
class Memory:
    """What a project's answers file says."""

    project: Path
    answers: dict[str, Any]  # every answer, without copier's "_" keys
    template: str | None = None  # a built-in template's name
    version: str | None = None  # the scaffold version that rendered it
    source: str | None = None  # a copier template's path or URL
    commit: str | None = None  # the commit or tag it was rendered at
    extra: dict[str, Any] = field(default_factory=dict)  # copier's other "_" keys

    @property
    def builtin(self) -> bool:
        return self.template is not None

    @property
    def at(self) -> str:
        """The recorded version, as a person reads it."""
        return f"scaffold {self.version}" if self.builtin else f"{self.source}@{self.commit}"


def read_memory(project: Path) -> Memory:
    """Read ``.copier-answers.yml``; one-line errors naming the file and the key."""
    path = project / ANSWERS_FILE
    if not project.is_dir():
        raise NotAProjectError(f"{project} is not a folder")
    if not path.is_file():
        raise NotAProjectError(
            f"{project} is not a scaffold project (no {ANSWERS_FILE})",
            hint="scaffold check and update work on projects made by scaffold or copier",
        )
    import yaml  # noqa: PLC0415

    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{path} cannot be read: {first}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise UsageError(f"{path}: expected a mapping of question names to answers")
    answers = {k: v for k, v in data.items() if not k.startswith("_")}
    extra = {k: v for k, v in data.items() if k.startswith("_")}
    source, commit = extra.get("_src_path"), extra.get("_commit")
    template, version = answers.get("template"), answers.get("scaffold_version")
    if isinstance(source, str) and source:
        if commit is None or commit == "":
            # Without it the base of a merge would be a guess: the newest tag, "nothing to change".
            raise UsageError(
                f"{path}: no _commit: the template version this project was made from is not "
                "recorded",
                hint="add '_commit: TAG' (the tag or commit it was rendered from) to the file",
            )
        if not isinstance(commit, str):
            raise UsageError(f"{path}: _commit must be a string")
        return Memory(project, answers, source=source, commit=commit, extra=extra)
    if not isinstance(template, str) or not template:
        raise UsageError(
            f"{path}: unknown answers file: neither 'template' (a built-in) nor '_src_path' "
            "(a copier template)"
        )
    if not isinstance(version, str) or not re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version):
        raise UsageError(f"{path}: 'scaffold_version' must be a version such as {__version__}")
    return Memory(project, answers, template=template, version=version, extra=extra)


@cache
def builtin_template(name: str, version: str, *, offline: bool = False) -> Template:
    """A built-in template as scaffold ``version`` shipped it: this one's, an earlier release's
    from the wheel's history, or a newer release's template files fetched as a wheel (once per
    process: an update needs the old and the new one several times)."""
    from scaffold.history import templates_at  # noqa: PLC0415

    if version == __version__:
        return load_template(name)
    return load_template_at(templates_at(version, offline=offline) / name, name)


def newest_scaffold(*, offline: bool = False, prerelease: bool = False) -> str:
    """The newest stable scaffold release the configured index offers (a pre-release too with
    ``prerelease``), or this one when that is older; one that cannot be asked is an error
    (never "in step")."""
    from scaffold.history import newest  # noqa: PLC0415

    return newest(offline=offline, prerelease=prerelease)


def render_builtin(template: Template, answers: Mapping[str, Any]) -> dict[str, Entry]:
    return {
        item.path: Entry(item.content, executable=item.executable)
        for item in render(template, answers).files
    }


def render_copier(
    source: str, ref: str | None, answers: Mapping[str, Any], *, trust: bool = False
) -> tuple[dict[str, Entry], Template]:
    """A copier template rendered at ``ref`` with ``answers``, as path -> entry (its symlinks
    and executable bits kept), and what the template says of itself at that ref (its
    ``_scaffold_owned``, ``_scaffold_seeded``...).

    As bounded and checked as ``new``'s render: a template's tasks and Jinja extensions only
    with ``trust``, and git's own files (``.git`` at any depth) refused, not dropped."""
    from scaffold.external import render_recorded  # noqa: PLC0415 - only teams' templates

    return render_recorded(source, ref, answers, trust=trust)


def latest_tag(source: str, *, prerelease: bool = False) -> str | None:
    """The newest version tag of a git template by PEP 440 (``v1.2.3`` or ``1.2.3``), stable
    releases only unless ``prerelease``, as copier and ``scaffold new`` choose; None when it has
    none. Tags that are not versions are not releases."""
    done = runner.git("ls-remote", "--tags", source, timeout=120)
    if done is None:
        raise UsageError("git is not installed: it is needed to find the template's tags")
    if not done.ok:
        raise UsageError(f"cannot list the tags of {source}: {done.tail(1)}")
    tags = {
        line.split("refs/tags/", 1)[1].removesuffix("^{}")
        for line in done.output.splitlines()
        if "refs/tags/" in line
    }
    releases = {tag: version for tag in tags if (version := _version(tag)) is not None}
    chosen = [tag for tag, version in releases.items() if prerelease or not version.is_prerelease]
    return max(chosen, key=lambda tag: (releases[tag], tag)) if chosen else None


def _version(tag: str) -> Version | None:
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    try:
        return Version(tag.removeprefix("v"))
    except InvalidVersion:
        return None
