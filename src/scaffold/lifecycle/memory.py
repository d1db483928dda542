"""The answers file is the project's memory: enough to render its template again, exactly.

A built-in template's project records ``template`` and ``scaffold_version`` among its answers;
a team's copier template records copier's ``_src_path`` and ``_commit``. :func:`read_memory`
turns the file into the inputs of a render; the template renders the answers file back, so an
update records its new version the way the first render did.

:meth:`Memory.template_source` is the template it was rendered from, at the recorded version
(:mod:`scaffold.create.source`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold import __version__
from scaffold.create.render import ANSWERS_FILE
from scaffold.create.source import BuiltinSource, CopierSource, TemplateSource
from scaffold.errors import NotAProjectError, UsageError


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
        return self.template_source().label

    def template_source(self, *, offline: bool = False, trust: bool = False) -> TemplateSource:
        """The template this project was rendered from, at the recorded version."""
        if self.template is not None:
            return BuiltinSource(self.template, self.version or __version__, offline)
        return CopierSource(str(self.source), self.commit, trust)


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
    if not isinstance(version, str) or not _is_version(version):
        raise UsageError(f"{path}: 'scaffold_version' must be a version such as {__version__}")
    return Memory(project, answers, template=template, version=version, extra=extra)


def _is_version(text: str) -> bool:
    """A PEP 440 version written normalized, as scaffold records its own."""
    from scaffold.create.spec import check_version  # noqa: PLC0415 - packaging, only once read

    try:
        check_version(text)
    except UsageError:
        return False
    return True
