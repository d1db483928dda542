"""The answers file is the project's memory: enough to render its template again, exactly.

A built-in template's project records ``template`` and ``scaffold_version`` among its answers;
a team's copier template records copier's ``_src_path`` and ``_commit``. :func:`read_memory`
turns the file into the inputs of a render; the template renders the answers file back, so an
update records its new version the way the first render did.

An older scaffold's built-in template is obtained with uv, never installed by hand:
``uv tool run --from scaffold==VERSION`` from the package index uv is configured with
(``UV_INDEX_URL``, ``UV_FIND_LINKS``), kept in uv's cache; ``--offline`` uses that cache only.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scaffold import __version__, runner
from scaffold.errors import NotAProjectError, ToolError, UsageError
from scaffold.render import ANSWERS_FILE, render
from scaffold.templates import Template, load_template, load_template_at
from scaffold.uvtool import Uv, uv_cause

_PRINT_TEMPLATES = (
    "import pathlib, scaffold; print(pathlib.Path(scaffold.__file__).parent / 'templates')"
)


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
        if commit is not None and not isinstance(commit, str):
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
    """A built-in template as scaffold ``version`` shipped it (once per process: an update
    needs the old and the new one several times, and each older one is a uv call)."""
    if version == __version__:
        return load_template(name)
    uv = Uv(offline=offline, timeout=600)
    try:
        done = uv.run(
            "tool", "run", "--from", f"scaffold=={version}", "python", "-c", _PRINT_TEMPLATES,
            cwd=Path(tempfile.gettempdir()),
        )  # fmt: skip
    except ToolError as exc:
        raise UsageError(exc.message) from None
    root = Path(done.output.strip().splitlines()[-1]) if done.ok and done.output.strip() else None
    if root is None or not root.is_dir():
        how = " from uv's cache (--offline)" if offline else ""
        raise UsageError(
            f"cannot get scaffold {version}{how}: {uv_cause(done.output) or 'no templates'}",
            hint="uv fetches it from the configured index (UV_INDEX_URL, UV_FIND_LINKS)",
        )
    return load_template_at(root / name, name)


def newest_scaffold(*, offline: bool = False) -> str:
    """The newest scaffold the configured index offers, or this one when that is older or
    cannot be found (no index reachable, or a package of that name that is not ours)."""
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    done = Uv(offline=offline, timeout=300).run(
        "tool", "run", "--from", "scaffold", "python", "-c",
        "import scaffold.templates, scaffold; print(scaffold.__version__)",
        cwd=Path(tempfile.gettempdir()),
    )  # fmt: skip
    found = done.output.strip().splitlines()[-1] if done.ok and done.output.strip() else ""
    try:
        return found if Version(found) > Version(__version__) else __version__
    except InvalidVersion:
        return __version__


def render_builtin(template: Template, answers: Mapping[str, Any]) -> dict[str, bytes]:
    return {item.path: item.content for item in render(template, answers).files}


def render_copier(
    source: str, ref: str | None, answers: Mapping[str, Any], *, trust: bool = False
) -> tuple[dict[str, bytes], Template]:
    """A copier template rendered at ``ref`` with ``answers``, as path -> bytes, and what the
    template says of itself at that ref (its ``_scaffold_owned``, ``_scaffold_seeded``...).

    As bounded and checked as ``new``'s render: a template's tasks and Jinja extensions only
    with ``trust``, and git's own files (``.git`` at any depth) refused, not dropped."""
    from scaffold.external import render_recorded  # noqa: PLC0415 - only teams' templates

    return render_recorded(source, ref, answers, trust=trust)


def latest_tag(source: str) -> str | None:
    """The newest version tag of a git template (None when it has none)."""
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
    return max(tags, key=_version_key) if tags else None


def _version_key(tag: str) -> tuple[int, Any]:
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    try:
        return (1, Version(tag.removeprefix("v")))
    except InvalidVersion:
        return (0, tag)
