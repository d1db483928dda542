"""A template source: one template at one version, which renders for ``new``, ``check`` and
``update`` alike.

Two kinds: a built-in template as a scaffold release shipped it (this one's, an earlier one's
from the wheel's history, a newer one's fetched as a wheel and read as data, never run), and a
team's copier template at a git tag or commit. Either says what it owns and seeds, renders a
project's recorded answers as path -> entry, names its newest release, and gives itself at
another version; nobody else needs to know which kind it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from scaffold import __version__
from scaffold.create.answers import check_recorded, resolve
from scaffold.create.render import RenderPlan, render
from scaffold.create.templates import Template, load_template, load_template_at
from scaffold.create.tree import Entry
from scaffold.errors import UsageError
from scaffold.tools import runner

if TYPE_CHECKING:
    from packaging.version import Version

    from scaffold.create.copier import Rendered as CopierRender


@dataclass(frozen=True)
class Rendered:
    """A template's render: its files, and which of them it owns or only seeds."""

    files: dict[str, Entry]
    owned: tuple[str, ...]  # globs; empty: every rendered file
    seeded: tuple[str, ...]
    version: str  # what it was rendered at, as the answers file records it


class TemplateSource(Protocol):
    @property
    def version(self) -> str:
        """The scaffold version, or the git tag or commit, this source renders."""

    @property
    def label(self) -> str:
        """The source as a person reads it: ``scaffold 0.2.0``, ``URL@v1.2``."""

    @property
    def template(self) -> Template | None:
        """What the template asks, for a built-in; None for a copier template, whose
        questions copier itself reads at render time."""

    def at(self, version: str) -> TemplateSource:
        """The same template at another version."""

    def newest(self, *, prerelease: bool = False) -> str | None:
        """The newest release (a pre-release only with ``prerelease``), None when none is."""

    def render_recorded(self, answers: Mapping[str, Any], where: str) -> Rendered:
        """The template rendered with a project's recorded ``answers``, checked as ``new``
        checks what it is given (``where`` names the file they were read from)."""


@cache
def builtin_template(name: str, version: str, *, offline: bool = False) -> Template:
    """A built-in template as scaffold ``version`` shipped it, loaded once per process: an
    update needs the old and the new one several times."""
    from scaffold.create.history import templates_at  # noqa: PLC0415

    if version == __version__:
        return load_template(name)
    return load_template_at(templates_at(version, offline=offline) / name, name)


def entries(plan: RenderPlan) -> dict[str, Entry]:
    return {item.path: Entry(item.content, executable=item.executable) for item in plan.files}


@dataclass(frozen=True)
class BuiltinSource:
    name: str
    version: str = __version__
    offline: bool = False

    @property
    def label(self) -> str:
        return f"scaffold {self.version}"

    @property
    def template(self) -> Template:
        return builtin_template(self.name, self.version, offline=self.offline)

    def at(self, version: str) -> BuiltinSource:
        return BuiltinSource(self.name, version, self.offline)

    def newest(self, *, prerelease: bool = False) -> str | None:
        """The newest scaffold release the configured index offers, or this one when that is
        older; an index that cannot be asked is an error (never "in step")."""
        from scaffold.create.history import newest  # noqa: PLC0415

        return newest(offline=self.offline, prerelease=prerelease)

    def plan(self, answers: Mapping[str, Any]) -> RenderPlan:
        """What ``new`` writes for fully resolved ``answers``."""
        return render(self.template, answers)

    def render_recorded(self, answers: Mapping[str, Any], where: str) -> Rendered:
        template = self.template
        given = {**answers, "scaffold_version": self.version}
        kept = {k: v for k, v in given.items() if k in template.questions}
        # What the file says becomes paths and file contents: checked as `new` checks it.
        full = resolve(template, {}, check_recorded(template, kept, where))
        return Rendered(entries(self.plan(full)), template.owned, template.seeded, self.version)


@dataclass(frozen=True)
class CopierSource:
    location: str  # a folder or a git URL
    ref: str | None = None  # a tag or a commit; None: the newest
    trust: bool = False  # its tasks and Jinja extensions may run
    shown: str = ""  # as the user wrote it (``new --template``); "" for one read back

    @classmethod
    def parse(cls, text: str, *, trust: bool) -> CopierSource:
        """``--template``'s ``PATH``, ``URL`` or either ``@REF``, checked (see
        :func:`scaffold.create.copier.parse_source`)."""
        from scaffold.create.copier import parse_source  # noqa: PLC0415 - teams' only

        parsed = parse_source(text)
        return cls(parsed.location, parsed.ref, trust, parsed.shown)

    @property
    def version(self) -> str:
        return self.ref or ""

    @property
    def label(self) -> str:
        if self.shown:
            return self.shown
        return f"{self.location}@{self.ref}" if self.ref else self.location

    @property
    def template(self) -> None:
        return None

    def at(self, version: str) -> CopierSource:
        return CopierSource(self.location, version, self.trust)

    def newest(self, *, prerelease: bool = False) -> str | None:
        return latest_tag(self.location, prerelease=prerelease)

    def render_new(
        self,
        layers: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        offered: Mapping[str, Any],
        names: Mapping[str, str],
        interactive: bool,
    ) -> AbstractContextManager[CopierRender]:
        """What ``new`` writes: rendered by copier with the user's answers (``layers``, lowest
        precedence first), ``offered`` where the template asks for them, ``names`` where it
        declares them, asking in the terminal only when ``interactive``. The render lasts as
        long as the block (see :func:`scaffold.create.copier.render_external`)."""
        from scaffold.create.copier import Source, render_external  # noqa: PLC0415

        return render_external(
            Source(self.location, self.ref, self.label),
            layers,
            offered=offered,
            computed={},
            trust=self.trust,
            interactive=interactive,
            names=names,
        )

    def render_recorded(self, answers: Mapping[str, Any], where: str) -> Rendered:
        """Rendered by copier under the same bounds and checks as ``new``: tasks and Jinja
        extensions only with ``trust``, git's own files (``.git`` at any depth) refused.
        Copier checks the answers against the template's own questions."""
        from scaffold.create.copier import render_recorded  # noqa: PLC0415 - teams' only

        files, template = render_recorded(self.location, self.ref, answers, trust=self.trust)
        return Rendered(files, template.owned, template.seeded, self.version)


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
