"""Teams' own templates: any copier template, from a folder or a git URL, rendered by copier.

``--template PATH`` or ``--template URL[@REF]`` goes through copier's public API
(:func:`copier.run_copy`), so everything copier supports works: its questions and prompts,
``_subdirectory``, ``_exclude``, ``_skip_if_exists``, templated paths, and the answers file with
``_src_path`` and ``_commit`` for a later ``copier update``. copier is imported only here, and
only when such a template is used.

Safety, in order:

- a template's tasks and Jinja extensions run only with ``trust`` (copier's ``unsafe``); the
  user's own copier settings cannot trust a template for scaffold;
- a first pass in copier's ``pretend`` mode asks the questions and renders every path without
  writing a byte: copier refuses a path that leaves the destination (``..``, an absolute path,
  a symlink in the way) there, so a template that tries is refused with nothing written;
- the real pass renders into a private folder of its own (``<tmp>/project``); every entry is
  then checked (nothing beside ``project``, no symlink pointing out of it, nothing but files,
  folders and links) before the tree is copied into the staging folder that
  :func:`scaffold.write.staged` renames into place.

Nothing here prints: copier's messages are silenced, its warnings become notices, and the
output of a trusted template's tasks goes to stderr, never into a ``--json`` stdout.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
import tomllib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold.errors import UsageError
from scaffold.templates import Template, copier_template

if TYPE_CHECKING:
    from copier._main import Worker

ANSWERS_HEADER = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
# A built-in template is a bare name; anything else (a path, a URL) is a team's own template.
_BUILT_IN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)
_REQUIRED = re.compile(r'^Question "([^"]+)" is required$')
_MAX_MISSING = 100
_CHOICES = "give a built-in template's name (see 'scaffold templates'), a folder or a git URL[@REF]"


def is_external(template: str) -> bool:
    """Whether ``--template`` names a team's template (a path or URL) rather than a built-in."""
    return not _BUILT_IN_NAME.fullmatch(template)


@dataclass(frozen=True)
class Source:
    """Where a template comes from, as copier is given it."""

    location: str  # an absolute path, or a URL copier understands
    ref: str | None  # a git tag, branch or commit; None: copier's choice (the latest tag)
    shown: str  # as the user wrote it


def parse_source(text: str, cwd: Path | None = None) -> Source:
    """``PATH``, ``PATH@REF``, ``URL`` or ``URL@REF`` (``file://``, ``https://``, ``git+...``,
    ``git@host:...``, ``gh:``, ``gl:``).

    The ref is what follows the last ``@`` when it holds no ``/`` or ``:`` (so ``git@host:org/x``
    keeps its user, and a folder with an ``@`` in its name is still a folder when it exists).
    """
    if not text.strip():
        raise UsageError("--template is empty", hint=_CHOICES)
    base = cwd or Path.cwd()
    location, ref = text, None
    head, sep, tail = text.rpartition("@")
    a_ref = sep and head and tail and not re.search(r"[/:]", tail)
    if a_ref and (_URL.match(text) or not (base / Path(text).expanduser()).exists()):
        location, ref = head, tail
    if location.startswith("file://"):
        # copier clones git URLs; a plain file:// URL it would take for a folder name.
        location = f"git+{location}"
    elif not _URL.match(location):
        path = (base / Path(location).expanduser()).absolute()
        if not path.exists():
            raise UsageError(
                f"unknown template '{location}': no built-in template, folder or git URL",
                hint=_CHOICES,
            )
        location = str(path)
    return Source(location=location, ref=ref, shown=text)


@dataclass
class Rendered:
    """What a team's template rendered: its files and the answers copier recorded."""

    root: Path  # the private folder it was rendered into
    files: list[str]
    answers: dict[str, Any]  # every answer, by question, as the second pass was given them
    answers_file: str
    commit: str | None
    template: Template  # what it says of itself: its next steps, owned and seeded files
    notices: list[str] = field(default_factory=list)

    def copy_into(self, destination: Path) -> None:
        """Copy the checked tree (symlinks as symlinks) into ``destination``."""
        shutil.copytree(self.root, destination, symlinks=True, dirs_exist_ok=True)


@contextlib.contextmanager
def render_external(
    source: Source,
    answers: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    offered: Mapping[str, Any],
    computed: Mapping[str, Any],
    trust: bool,
    interactive: bool,
) -> Iterator[Rendered]:
    """Render ``source`` with copier into a private folder, checked; it lasts as long as the
    block (:meth:`Rendered.copy_into` the staging folder inside it).

    ``answers``: the user's answers as (where they came from, answers), lowest precedence
    first; a key the template does not ask is an error. ``offered``: answers scaffold has for
    common questions (a preset's, ``--python``, ``--author``), used where the template asks
    them. ``computed``: answers scaffold works out (``project_name`` and ``package_name`` from
    NAME), never given. ``interactive``: copier asks in the terminal what is not given;
    otherwise the defaults are taken and a required answer without one is an error.
    """
    given: dict[str, Any] = dict(offered)
    for _, layer in answers:
        given.update(layer)
    given.update(computed)
    notices: list[str] = []
    with tempfile.TemporaryDirectory(prefix="scaffold-render-") as tmp:
        private = Path(tmp)
        root = private / "project"
        with _copier_quiet(notices):
            first = _first_pass(source, root, given, trust=trust, interactive=interactive)
            questions = dict(first.template.questions_data)
            _check_known(source, answers, computed, questions)
            resolved = {
                key: first.answers.combined[key]
                for key in questions
                if key in first.answers.combined and key not in first.answers.hidden
            }
            with _stdout_to_stderr():
                second = _second_pass(source, root, resolved, trust=trust)
        check_tree(source.shown, private, root)
        answers_file = second.answers_relpath.as_posix()
        commit = second.template.commit
        recorded = root / answers_file
        if not recorded.resolve().is_relative_to(root.resolve()):  # `_answers_file: ../x`
            raise _outside(source.shown, answers_file)
        if not recorded.exists():
            _write_answers_file(recorded, second, resolved, questions)
        where = f"{source.shown}" + (f" at {commit}" if commit else "")
        notices.insert(0, f"rendered the template {where} with copier")
        template = copier_template(source.shown, second.template)
        yield Rendered(root, _listing(root), resolved, answers_file, commit, template, notices)


def is_python_project(root: Path) -> bool:
    """A ``pyproject.toml`` with a ``[project]`` table: uv can lock it, scaffold validate it."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("project"), dict)


def _first_pass(
    source: Source, root: Path, given: Mapping[str, Any], *, trust: bool, interactive: bool
) -> Worker:
    """Copier in pretend mode: the questions asked (or defaults taken) and every path rendered
    and checked, nothing written. Without a terminal, every required answer that is missing is
    collected (each found one stands in as empty to find the next) and refused at once."""
    missing: dict[str, str] = {}
    while True:
        try:
            worker = _copy(
                source,
                root,
                {**given, **missing},
                trust=trust,
                interactive=interactive,
                pretend=True,
            )
        except Exception as exc:  # copier's errors have no common base; each becomes one line
            match = _REQUIRED.match(str(exc))
            if match and match[1] not in missing and len(missing) < _MAX_MISSING:
                missing[match[1]] = ""
                continue
            if missing:
                raise _missing(missing) from None
            raise _error(source, exc) from None
        if missing:
            raise _missing(missing)
        return worker


def _second_pass(source: Source, root: Path, answers: Mapping[str, Any], *, trust: bool) -> Worker:
    """The real render, into the private folder, with every answer the first pass settled."""
    try:
        return _copy(source, root, answers, trust=trust, interactive=False)
    except Exception as exc:  # a task that fails, a file that cannot be rendered
        raise _error(source, exc) from None


def _missing(missing: Mapping[str, str]) -> UsageError:
    shown = ", ".join(f"'{key}'" for key in missing)
    example = next(iter(missing))
    return UsageError(
        f"the template needs an answer with no default: {shown}",
        hint=f"give it with --data {example}=... or --data-file, or run in a terminal",
    )


def _copy(
    source: Source,
    root: Path,
    data: Mapping[str, Any],
    *,
    trust: bool,
    interactive: bool,
    pretend: bool = False,
) -> Worker:
    from copier import Settings, load_settings, run_copy  # noqa: PLC0415 - only on this path

    # The user's copier settings give their default answers, never trust: only --trust does.
    settings = Settings(defaults=load_settings().defaults, trust=[])
    return run_copy(
        source.location,
        root,
        data=dict(data),
        vcs_ref=source.ref,
        settings=settings,
        defaults=not interactive,
        pretend=pretend,
        quiet=True,
        unsafe=trust,
        cleanup_on_error=False,  # the private folder goes as a whole
    )


def _check_known(
    source: Source,
    answers: Sequence[tuple[str, Mapping[str, Any]]],
    computed: Mapping[str, Any],
    questions: Mapping[str, Any],
) -> None:
    for where, layer in answers:
        worked_out = sorted(set(layer) & set(computed) & set(questions))
        if worked_out:
            raise UsageError(
                f"{where}: '{worked_out[0]}' is worked out by scaffold, not given",
                hint="it comes from the project NAME",
            )
        unknown = sorted(set(layer) - set(questions))
        if unknown:
            asked = ", ".join(questions) or "none"
            raise UsageError(
                f"{where}: the template {source.shown} asks no question '{unknown[0]}'",
                hint=f"its questions: {asked}",
            )


def check_tree(shown: str, private: Path, root: Path) -> None:
    """Everything copier wrote is inside ``root``: no other entry in the private folder, no
    symlink whose target leaves ``root``, nothing but files, folders and symlinks."""
    strays = sorted(entry.name for entry in private.iterdir() if entry != root)
    if strays:
        raise _outside(shown, strays[0])
    if not root.exists() and not root.is_symlink():
        root.mkdir()  # a template with no files of its own: copier made no folder
    if not root.is_dir() or root.is_symlink():
        raise UsageError(f"the template {shown} rendered no folder")
    real_root = root.resolve()
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                target = path.readlink()
                resolved = (path.parent / target).resolve()
                if target.is_absolute() or not resolved.is_relative_to(real_root):
                    raise _outside(shown, f"{rel} -> {target}")
            elif not (path.is_dir() or path.is_file()):
                raise UsageError(f"the template {shown} made {rel}, not a file or folder")


def _outside(shown: str, what: str) -> UsageError:
    return UsageError(
        f"the template {shown} would write outside the project: {what}",
        hint="nothing was written; a template may only write inside its project",
    )


def _listing(root: Path) -> list[str]:
    """Every file and symlink, as posix paths; not a repository that a task made."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not (Path(folder) == root and d == ".git")]
        found += [Path(folder, name).relative_to(root).as_posix() for name in names]
        found += [
            Path(folder, name).relative_to(root).as_posix()
            for name in dirs
            if Path(folder, name).is_symlink()
        ]
    return sorted(found)


def _write_answers_file(
    path: Path, worker: Worker, answers: Mapping[str, Any], questions: Mapping[str, Any]
) -> None:
    """The answers file copier writes when a template has one (``{{ _copier_conf.answers_file
    }}.jinja``), for a template that has none: without it ``copier update`` cannot work."""
    import yaml  # noqa: PLC0415

    recorded: dict[str, Any] = {}
    if worker.template.commit:
        recorded["_commit"] = worker.template.commit
    recorded["_src_path"] = worker.template.url
    for key, value in answers.items():
        question = questions.get(key)
        secret = isinstance(question, Mapping) and question.get("secret")
        if not secret:
            recorded[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(recorded, allow_unicode=True, default_flow_style=False, sort_keys=False)
    path.write_text(ANSWERS_HEADER + text, "utf-8")


def _error(source: Source, exc: Exception) -> UsageError:
    """One line for each way copier can refuse or fail."""
    kind = type(exc).__name__
    text = str(exc).strip()
    first = text.splitlines()[0] if text else kind
    if kind == "UnsafeTemplateError":
        features = first.partition(": ")[2].rstrip(".") or "unsafe features"
        return UsageError(
            f"the template {source.shown} uses {features}, which scaffold runs only with --trust",
            hint="read the template first; add --trust if you trust it",
        )
    if kind == "ForbiddenPathError":
        return _outside(source.shown, first)
    ref = f" at '{source.ref}'" if source.ref else ""
    if kind == "ProcessExecutionError":  # git, run by copier
        stderr = str(getattr(exc, "stderr", "") or "")
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        cause = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
        cause = cause or (lines[-1] if lines else first)
        return UsageError(f"cannot fetch the template {source.location}{ref}: {cause}")
    if first.startswith("Unknown revision"):
        return UsageError(f"cannot fetch the template {source.location}{ref}: {first}")
    if kind == "InteractiveSessionError":
        return UsageError(
            f"the template {source.shown} needs answers: {first}",
            hint="give them with --data or --data-file, or use --no-input for the defaults",
        )
    return UsageError(f"the template {source.shown} cannot be rendered: {first}")


@contextlib.contextmanager
def _copier_quiet(notices: list[str]) -> Iterator[None]:
    """copier's warnings as notices, and its stray messages (some errors print when they are
    made) off the terminal."""
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(_Sink()):
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for warning in caught:
                if warning.category.__module__.startswith("copier"):
                    line = str(warning.message).strip().splitlines()
                    note = f"copier: {line[0]}" if line else ""
                    if note and note not in notices:
                        notices.append(note)


class _Sink:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """The output of a trusted template's tasks (programs copier starts) goes to stderr, so
    ``--json`` keeps stdout to its one object."""
    try:
        stdout_fd = sys.__stdout__.fileno() if sys.__stdout__ else 1
        saved = os.dup(stdout_fd)
    except (OSError, ValueError):  # no real stdout (embedded): nothing to protect
        yield
        return
    try:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        os.dup2(2, stdout_fd)
        yield
    finally:
        os.dup2(saved, stdout_fd)
        os.close(saved)
