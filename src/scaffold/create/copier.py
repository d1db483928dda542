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
  folders and links, nothing of git's: a ``.git`` at any depth is refused without ``trust``
  and left out with it) before the tree is copied into the staging folder that
  :func:`scaffold.create.write.staged` renames into place;
- both passes run in a child process with bounds (:class:`Limits`): a wall clock (or, while a
  person answers the questions, a CPU clock), the size and the number of files the render may
  write, and without ``trust`` the memory it may take. A render past a bound is killed and
  refused with nothing written; the parent checks the tree the child left;
- :func:`own_code` says when ``uv lock`` of the rendered project would run code that came
  with it: then it is locked (and, being a team's, validated) only with ``trust``.

Nothing here prints: copier's messages are silenced, its warnings become notices, and the
output of a trusted template's tasks goes to stderr, never into a ``--json`` stdout.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import re
import select
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from scaffold.create.templates import CONFIG_FILES, Template, copier_template
from scaffold.create.tree import Entry, read_tree
from scaffold.errors import ExitCode, ScaffoldError, UsageError, quoted
from scaffold.tools.runner import GIT_SAFETY

if TYPE_CHECKING:
    from copier._main import Worker

ANSWERS_HEADER = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
# A built-in template is a bare name; anything else (a path, a URL) is a team's own template.
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)
_REQUIRED = re.compile(r'^Question "([^"]+)" is required$')
_MAX_MISSING = 100
_CHOICES = "give a built-in template's name (see 'scaffold templates'), a folder or a git URL[@REF]"


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
        require_config(path, text)
        location = str(path)
    return Source(location=location, ref=ref, shown=text)


def require_config(root: Path, shown: str) -> None:
    """A template is a folder with a ``copier.yml`` (or ``.yaml``) at its root: copier would
    render any folder (``--template ~``: the home folder) as a template without questions."""
    if not any((root / name).is_file() for name in CONFIG_FILES):
        raise UsageError(
            f"{shown} is not a copier template: it has no copier.yml or copier.yaml",
            hint="give the folder (or git URL) whose root holds the template's copier.yml",
        )


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
    limits: Limits | None = None,
    names: Mapping[str, str] | None = None,
) -> Iterator[Rendered]:
    """Render ``source`` with copier into a private folder, checked; it lasts as long as the
    block (:meth:`Rendered.copy_into` the staging folder inside it).

    ``answers``: the user's answers as (where they came from, answers), lowest precedence
    first; a key the template does not ask is an error. ``offered``: answers scaffold has for
    common questions (a preset's, ``--python``, ``--author``), used where the template asks
    them. ``computed``: answers scaffold works out (``project_name`` and ``package_name`` from
    NAME), never given. ``names``: the project's names by kind (``distribution``,
    ``package``, ``name``), which answer the questions the template's ``_scaffold_names``
    declares, as computed answers. ``interactive``: copier asks in the terminal what is not given;
    otherwise the defaults are taken and a required answer without one is an error.
    ``limits``: the render's bounds (default: :meth:`Limits.from_env`).
    """
    limits = limits or Limits.from_env()
    given: dict[str, Any] = dict(offered)
    for _, layer in answers:
        given.update(layer)
    given.update(computed)
    with tempfile.TemporaryDirectory(prefix="scaffold-render-") as tmp:
        private = Path(tmp)
        root = private / "project"

        def work(started: Callable[[], None]) -> _Outcome:
            return _render(
                source, root, given, answers, computed, trust, interactive, started, names or {}
            )

        outcome = bounded(source.shown, private, limits, work, trust=trust, interactive=interactive)
        notices = outcome.notices
        left_out = check_tree(source.shown, private, root, trust=trust)
        if left_out:
            notices.append(f"left out what a task made of git's: {', '.join(left_out)}")
        where = f"{source.shown}" + (f" at {outcome.commit}" if outcome.commit else "")
        notices.insert(0, f"rendered the template {where} with copier")
        yield Rendered(
            root,
            _listing(root),
            outcome.answers,
            outcome.answers_file,
            outcome.commit,
            outcome.template,
            notices,
        )


@dataclass
class _Outcome:
    """What the child that rendered tells the parent (pickled): the files are on disk."""

    answers: dict[str, Any]
    answers_file: str
    commit: str | None
    template: Template
    notices: list[str]


def _render(
    source: Source,
    root: Path,
    given: Mapping[str, Any],
    answers: Sequence[tuple[str, Mapping[str, Any]]],
    computed: Mapping[str, Any],
    trust: bool,
    interactive: bool,
    started: Callable[[], None],
    names: Mapping[str, str],
) -> _Outcome:
    """Both of copier's passes (in the bounded child); ``started`` once the questions are
    answered, so a person's time at the prompts is not the render's."""
    notices: list[str] = []
    with _copier_quiet(notices):
        settings = _require_fetched_config(source)
        if names:
            computed = {**computed, **declared_names(settings, names)}
            given = {**given, **computed}
        first = _first_pass(source, root, given, trust=trust, interactive=interactive)
        questions = dict(first.template.questions_data)
        _check_known(source, answers, computed, questions)
        resolved = {
            key: first.answers.combined[key]
            for key in questions
            if key in first.answers.combined and key not in first.answers.hidden
        }
        started()
        with _stdout_to_stderr():
            second = _second_pass(source, root, resolved, trust=trust)
    answers_file = second.answers_relpath.as_posix()
    recorded = root / answers_file
    if not recorded.resolve().is_relative_to(root.resolve()):  # `_answers_file: ../x`
        raise _outside(source.shown, answers_file)
    if not recorded.exists():
        _write_answers_file(recorded, second, resolved, questions)
    template = copier_template(source.shown, second.template)
    return _Outcome(resolved, answers_file, second.template.commit, template, notices)


def _require_fetched_config(source: Source) -> dict[str, Any]:
    """:func:`require_config` for a git URL: after a clone (copier's own, which it removes);
    and the template's settings at that ref (its ``_`` keys, as copier reads them)."""
    from copier._template import Template as Fetched  # noqa: PLC0415 - copier's clone, alone

    fetched = Fetched(url=source.location, ref=source.ref)
    try:
        if _URL.match(source.location):
            require_config(fetched.local_abspath, source.shown)  # a folder: by parse_source
        return dict(fetched.config_data)
    except ScaffoldError:
        raise
    except Exception as exc:  # a bad URL or ref: copier's errors, as the render would give them
        raise _error(source, exc) from None
    finally:
        fetched._cleanup()  # the clone copier would remove after a render


def declared_names(settings: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, str]:
    """The answers a template takes from the project's names: its ``_scaffold_names`` maps a
    question to ``distribution`` (kebab-case), ``package`` (snake_case) or ``name`` (as given)."""
    declared = settings.get("scaffold_names") or {}
    if not isinstance(declared, Mapping) or not all(
        isinstance(k, str) and v in names for k, v in declared.items()
    ):
        raise UsageError(
            "the template's _scaffold_names must map its questions to one of: " + ", ".join(names),
            hint="e.g. _scaffold_names: {project_name: distribution, package_name: package}",
        )
    return {question: names[kind] for question, kind in declared.items()}


def render_recorded(
    location: str, ref: str | None, answers: Mapping[str, Any], *, trust: bool
) -> tuple[dict[str, Entry], Template]:
    """A copier template rendered again at ``ref`` with ``answers`` (``check``, ``update``),
    as path -> entry (symlinks and executable bits kept), under the same bounds and checks as
    ``new``'s render."""
    shown = f"{location}@{ref}" if ref else location
    source = Source(location, ref, shown)
    if not _URL.match(location):
        require_config(Path(location).expanduser(), shown)
    with tempfile.TemporaryDirectory(prefix="scaffold-render-") as scratch:
        private = Path(scratch)
        out = private / "out"

        def work(started: Callable[[], None]) -> Template:
            started()
            notices: list[str] = []
            with _copier_quiet(notices), _stdout_to_stderr():
                _require_fetched_config(source)
                worker = _run_again(source, out, answers, trust=trust)
            return copier_template(location, worker.template)

        template = bounded(shown, private, Limits.from_env(), work, trust=trust)
        # A symlink out of the render would carry a file of this machine into the project.
        check_tree(shown, private, out, trust=trust)
        return read_tree(out), template


def _run_again(source: Source, out: Path, answers: Mapping[str, Any], *, trust: bool) -> Worker:
    from copier import Settings, load_settings, run_copy  # noqa: PLC0415 - only on this path

    settings = Settings(defaults=load_settings().defaults, trust=[])  # only --trust trusts
    try:
        return run_copy(
            source.location, out, data=dict(answers), vcs_ref=source.ref, defaults=True,
            quiet=True, overwrite=True, unsafe=trust, settings=settings,
        )  # fmt: skip
    except MemoryError:
        raise
    except Exception as exc:  # copier's errors are many; each is the user's template's
        raise _error(source, exc) from None


def is_python_project(root: Path) -> bool:
    """A ``pyproject.toml`` with a ``[project]`` table: uv can lock it, scaffold validate it."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("project"), dict)


# Build plugins and backends that take the version from git tags (uv must build the project to
# lock it, and they fail outside a repository).
_VCS_VERSIONING = frozenset(
    {
        "hatch-vcs", "setuptools-scm", "uv-dynamic-versioning", "versioningit", "dunamai",
        "poetry-dynamic-versioning", "pdm-backend", "setuptools-git-versioning", "vcs-versioning",
    }
)  # fmt: skip


def versions_from_git(root: Path) -> bool:
    """Whether the project in ``root`` takes its version from git: a dynamic version and a
    VCS versioning plugin among its build requirements."""
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    try:
        data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    project, system = data.get("project"), data.get("build-system")
    if not isinstance(project, dict) or "version" not in (project.get("dynamic") or ()):
        return False
    requires = system.get("requires") if isinstance(system, dict) else None
    names = set()
    for item in requires if isinstance(requires, list) else ():
        try:
            names.add(canonicalize_name(Requirement(str(item)).name))
        except InvalidRequirement:
            continue
    return bool(names & _VCS_VERSIONING)


def own_code(root: Path, *, venv_shipped: bool = True) -> str | None:
    """Why ``uv lock`` of the project in ``root`` would run code that came with the template
    (None when it would not): a Python of the template's (a ``.venv``, whose interpreter uv
    asks for its version, or a path in ``.python-version``), a build backend of its own
    (``backend-path``), a ``setup.py`` or ``setup.cfg`` (setuptools runs the project to build
    it), ``dynamic`` metadata (uv builds the project to learn it), a path, git or URL source
    or direct reference uv would build (in the dependencies, the groups, or uv's dev,
    override and constraint lists), a package index or Python download of the template's
    choosing that is not a web index (a folder in the project); the same for each workspace
    member, which must be inside the project. Dependencies from a web index are locked as
    ``uv lock`` locks them anywhere. ``venv_shipped``: whether a ``.venv`` in ``root`` can be
    the template's (a project being updated has its user's own, unless the template has one).
    """
    found = _interpreter_code(root, venv_shipped)
    if found:
        return found
    data = _toml(root / "pyproject.toml")
    members = [root]
    workspace = _table(data, "tool", "uv", "workspace")
    inside = root.resolve()
    for glob in _listed(workspace.get("members")):
        try:
            folders = sorted(p for p in root.glob(glob) if (p / "pyproject.toml").is_file())
        except (ValueError, NotImplementedError, OSError):  # absolute, or unusable
            return f"[tool.uv.workspace] members {quoted(glob)}: not a folder of the project's"
        for folder in folders:
            if not folder.resolve().is_relative_to(inside):
                return f"[tool.uv.workspace] members {quoted(glob)}: a folder outside the project"
            members.append(folder)
    for folder in members:
        where = folder.relative_to(root).as_posix()
        found = _own_code_of(folder, _toml(folder / "pyproject.toml"))
        if found:
            return found if where == "." else f"{where}: {found}"
    return _uv_config_code("uv.toml", _toml(root / "uv.toml"))


def _interpreter_code(root: Path, venv_shipped: bool) -> str | None:
    """A Python the template ships that ``uv lock`` would run to ask it its version."""
    venv = root / ".venv"
    if venv_shipped and (venv.exists() or venv.is_symlink()):
        return ".venv: a virtual environment of the template's, whose Python uv would run"
    for name in (".python-version", ".python-versions"):
        try:
            lines = (root / name).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):  # absent, a folder, not text: uv runs nothing
            continue
        for line in (line.strip() for line in lines):
            if line and not line.startswith("#") and _a_path(line):
                return f"{name} {quoted(line)}: a path to a program, which uv would run"
    return None


def _a_path(request: str) -> bool:
    """Whether uv reads a Python request as a path to an interpreter (a version, an
    implementation or a name found on PATH is not one)."""
    return "/" in request or "\\" in request or request.startswith((".", "~"))


def _own_code_of(folder: Path, data: Mapping[str, Any]) -> str | None:
    for script in ("setup.py", "setup.cfg"):
        if (folder / script).exists():
            return f"{script}: setuptools runs the project's own code to build it"
    if "backend-path" in _table(data, "build-system"):
        return "[build-system] backend-path: a build backend of the project's own"
    project = _table(data, "project")
    if project.get("dynamic"):
        return f"[project] dynamic = {project['dynamic']!r}: uv builds the project to learn them"
    uv = _table(data, "tool", "uv")
    for name, entry in _table(uv, "sources").items():
        for item in entry if isinstance(entry, list) else [entry]:
            keys = item if isinstance(item, dict) else {}
            kind = next((k for k in ("path", "git", "url") if k in keys), None)
            if kind:
                return f"[tool.uv.sources] {name}: a {kind} source, which uv would build"
    found = _direct_reference(_requirements(project, data.get("dependency-groups")))
    return found or _uv_config_code("[tool.uv]", uv)


def _requirements(project: Mapping[str, Any], groups: Any) -> list[str]:
    found = [*_listed(project.get("dependencies"))]
    extras = project.get("optional-dependencies")
    for extra in extras.values() if isinstance(extras, dict) else ():
        found += _listed(extra)
    for group in groups.values() if isinstance(groups, dict) else ():
        # An entry that is a table ({include-group = ...}) names another group, checked too.
        found += (
            [item for item in group if isinstance(item, str)] if isinstance(group, list) else []
        )
    return found


# uv's own lists of requirements, in [tool.uv] or uv.toml: each is resolved like a dependency.
_UV_REQUIREMENTS = (
    "dev-dependencies",
    "override-dependencies",
    "constraint-dependencies",
    "build-constraint-dependencies",
)


def _direct_reference(requirements: list[str]) -> str | None:
    """The first requirement naming a place uv would fetch and build (a folder, an sdist, a
    git repository: anything but a wheel on the web), as the reason."""
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415

    for text in requirements:
        try:
            url = Requirement(text).url
        except InvalidRequirement:  # uv refuses it too, before running anything
            continue
        if url and not (url.startswith("https://") and url.endswith(".whl")):
            return f"{quoted(text)}: a direct reference, which uv would build"
    return None


def _uv_config_code(where: str, uv: Mapping[str, Any]) -> str | None:
    """A direct reference in uv's own requirement lists, a package index or find-links folder
    in the project (its sdists would be built), or a Python download of the template's
    choosing."""
    for key in _UV_REQUIREMENTS:
        found = _direct_reference(_listed(uv.get(key)))
        if found:
            return f"{where} {key} {found}"
    for key in ("python-install-mirror", "pypy-install-mirror", "python-downloads-json-url"):
        if key in uv:
            return f"{where} {key}: uv would run a Python the template chooses"
    urls = [*_listed(uv.get("find-links")), *_listed(uv.get("extra-index-url"))]
    urls += _listed(uv.get("index-url"))
    urls += [str(i.get("url", "")) for i in uv.get("index") or () if isinstance(i, dict)]
    local = next((url for url in urls if not re.match(r"https?://", url)), None)
    if local is not None:
        return f"{where} index or find-links '{local}': packages of the project's own to build"
    return None


def _table(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """``data[key][key]...`` when each is a table, else an empty one."""
    found: Any = data
    for key in keys:
        found = found.get(key) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


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
        except MemoryError:
            raise  # the bound on memory: the parent says so
        except Exception as exc:  # copier's errors have no common base; each becomes one line
            if isinstance(exc, KeyboardInterrupt) or isinstance(exc.__cause__, EOFError):
                # Ctrl-C (CopierAnswersInterrupt) or Ctrl-D (an InteractiveSessionError made
                # of EOFError) at copier's prompt: an interrupt, as at scaffold's own prompts.
                raise KeyboardInterrupt from None
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
    except MemoryError:
        raise
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


def check_tree(shown: str, private: Path, root: Path, *, trust: bool = False) -> list[str]:
    """Everything copier wrote is inside ``root``: no other entry in the private folder, no
    symlink whose target leaves ``root``, nothing but files, folders and symlinks, and nothing
    of git's (:func:`gits_own`). Without ``trust`` that is refused; with it (a task ran ``git
    init``) it is removed, and the removed paths returned: git's metadata is never a
    template's content, and scaffold makes the project's repository itself."""
    strays = sorted(entry.name for entry in private.iterdir() if entry != root)
    if strays:
        raise _outside(shown, strays[0])
    if not root.exists() and not root.is_symlink():
        root.mkdir()  # a template with no files of its own: copier made no folder
    if not root.is_dir() or root.is_symlink():
        raise UsageError(f"the template {shown} rendered no folder")
    real_root = root.resolve()
    removed: list[str] = []
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if not gits_own(path):
                _check_entry(shown, path, rel, real_root)
            elif trust:
                removed.append(rel)
            else:
                raise UsageError(
                    f"the template {shown} would put git's own files into the project: {rel}",
                    hint="nothing was written; git's settings and hooks are never a "
                    "template's files (scaffold runs git init itself)",
                )
        dirs[:] = [d for d in dirs if Path(folder, d).relative_to(root).as_posix() not in removed]
    for rel in removed:
        path = root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return removed


def _check_entry(shown: str, path: Path, rel: str, real_root: Path) -> None:
    if path.is_symlink():
        target = path.readlink()
        resolved = (path.parent / target).resolve()
        if target.is_absolute() or not resolved.is_relative_to(real_root):
            raise _outside(shown, f"{rel} -> {target}")
    elif not (path.is_dir() or path.is_file()):
        raise UsageError(f"the template {shown} made {rel}, not a file or folder")


# Characters HFS+ ignores in names: ``.g\u200cit`` is ``.git`` on a Mac (git's is_hfs_dotgit).
_IGNORED_BY_HFS = dict.fromkeys(
    [0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF]
)


def gits_own(path: Path) -> bool:
    """Whether ``path`` would be git's metadata rather than a file of the project: ``.git``
    (a folder, a file pointing elsewhere, a symlink) spelled as git itself refuses it in a tree
    (any case; with the trailing dots and spaces and the stream suffix Windows drops; with the
    characters a Mac ignores; as NTFS's short name ``git~1``), or a folder git would take for
    a bare repository (``HEAD``, ``objects/``, ``refs/``), whose config git reads when a command
    runs inside it. ``.gitignore``, ``.gitattributes`` and ``.gitmodules`` are content: none of
    them makes git run a program without a setting in a config file."""
    folded = path.name.translate(_IGNORED_BY_HFS).casefold().partition(":")[0].rstrip(". ")
    if folded in (".git", "git~1"):
        return True
    return (
        path.is_dir()
        and not path.is_symlink()
        and (path / "HEAD").is_file()
        and (path / "objects").is_dir()
        and (path / "refs").is_dir()
    )


def _outside(shown: str, what: str) -> UsageError:
    return UsageError(
        f"the template {shown} would write outside the project: {what}",
        hint="nothing was written; a template may only write inside its project",
    )


def _listing(root: Path) -> list[str]:
    """Every file and symlink, as posix paths."""
    found = []
    for folder, dirs, names in os.walk(root):
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
    if kind == "ExtensionNotFoundError":  # "could not load some Jinja extensions:", then which
        first = " ".join(text.splitlines()[:2])
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


# --- bounds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """How far a render may go before it is stopped: a template is data, and a few nested
    loops make gigabytes of it that never end. Without ``--trust`` the render's memory is
    bounded too (with it, the template's tasks may be programs that reserve much more)."""

    seconds: float = 60.0
    max_bytes: int = 200_000_000
    max_files: int = 20_000
    memory: int = 1 << 30  # what the render may add to the address space it starts with

    @classmethod
    def from_env(cls) -> Limits:
        """``SCAFFOLD_RENDER_TIMEOUT`` (seconds), ``SCAFFOLD_RENDER_MAX_MB`` and
        ``SCAFFOLD_RENDER_MAX_FILES``, else the defaults."""
        defaults = cls()
        megabytes = _env_number("SCAFFOLD_RENDER_MAX_MB", defaults.max_bytes / 1e6)
        return cls(
            seconds=_env_number("SCAFFOLD_RENDER_TIMEOUT", defaults.seconds),
            max_bytes=int(megabytes * 1e6),
            max_files=int(_env_number("SCAFFOLD_RENDER_MAX_FILES", defaults.max_files)),
        )


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"${name} must be a positive number, not {quoted(text)}")
    return value


T = TypeVar("T")
_STARTED, _RESULT, _ERROR, _MEMORY, _INTERRUPT, _CRASH = b"SREMIX"
_POLL = 0.2


def bounded(
    shown: str,
    watched: Path,
    limits: Limits,
    work: Callable[[Callable[[], None]], T],
    *,
    trust: bool,
    interactive: bool = False,
) -> T:
    """``work`` (a render into ``watched``) run in a child process, its result pickled back;
    stopped (the child and what it started killed) when it takes longer than the bound or
    writes more than it may. ``work`` calls its argument once the questions are answered: in a
    terminal the wall clock starts there (before it, a CPU clock bounds the render)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; the parent reports its outcome
        os.close(read_end)
        _child(work, write_end, limits, trust=trust, interactive=interactive)
    os.close(write_end)
    try:
        data, status = _collect(pid, read_end, shown, watched, limits, interactive=interactive)
    except BaseException:
        _kill(pid)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(read_end)
    _kill(pid)  # what a task left running in the background
    return _outcome(shown, data, status, limits)  # type: ignore[no-any-return]


def _child(
    work: Callable[[Callable[[], None]], Any],
    fd: int,
    limits: Limits,
    *,
    trust: bool,
    interactive: bool,
) -> NoReturn:  # pragma: no cover - runs in the child
    payload = bytes([_CRASH])
    try:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        if not interactive:
            os.setpgid(0, 0)  # its own group, so that a kill reaches every task it started
        _confine(limits, trust=trust)

        def started() -> None:
            _cpu_from_now(limits.seconds)
            os.write(fd, bytes([_STARTED]))

        payload = bytes([_RESULT]) + pickle.dumps(work(started))
    except ScaffoldError as exc:
        payload = bytes([_ERROR]) + pickle.dumps((exc.message, exc.hint, int(exc.exit_code)))
    except MemoryError:
        payload = bytes([_MEMORY])
    except KeyboardInterrupt:
        payload = bytes([_INTERRUPT])
    except BaseException as exc:  # a bug in scaffold, reported by the parent
        payload = bytes([_CRASH]) + pickle.dumps(f"{type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(BaseException):
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
        os._exit(0)


def _confine(limits: Limits, *, trust: bool) -> None:  # pragma: no cover - runs in the child
    import resource  # noqa: PLC0415 - POSIX only, and only here

    _lower(resource.RLIMIT_CORE, 0)  # a render stopped by its bound leaves no core file
    _lower(resource.RLIMIT_FSIZE, limits.max_bytes)
    _cpu_from_now(limits.seconds)
    if not trust:
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[0])
            _lower(resource.RLIMIT_AS, pages * os.sysconf("SC_PAGE_SIZE") + limits.memory)
        except (OSError, ValueError, IndexError):
            pass  # no /proc: the wall clock and the size bound still hold
        # copier runs git in the render (to keep executable bits): a config the template put
        # there must not run a program either. Command-line scoped, so it wins over any file.
        from plumbum import local  # noqa: PLC0415 - copier's runner, with its own copy of the env

        count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
        safety = {"GIT_CONFIG_COUNT": str(count + len(GIT_SAFETY))}
        for index, (key, value) in enumerate(GIT_SAFETY, start=count):
            safety |= {f"GIT_CONFIG_KEY_{index}": key, f"GIT_CONFIG_VALUE_{index}": value}
        os.environ.update(safety)
        local.env.update(**safety)


def _lower(which: int, value: int) -> None:  # pragma: no cover - runs in the child
    import resource  # noqa: PLC0415

    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))


def _cpu_from_now(seconds: float) -> None:  # pragma: no cover - runs in the child
    """The CPU the child may still use: past it, the kernel stops it (SIGXCPU)."""
    import resource  # noqa: PLC0415

    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _collect(
    pid: int, fd: int, shown: str, watched: Path, limits: Limits, *, interactive: bool
) -> tuple[bytes, int]:
    """What the child says, until it ends; the clock and the tree it writes are watched."""
    data = bytearray()
    deadline = None if interactive else time.monotonic() + limits.seconds
    while True:
        ready, _, _ = select.select([fd], [], [], _POLL)
        if ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            data += chunk
            if deadline is None and data[:1] == bytes([_STARTED]):
                deadline = time.monotonic() + limits.seconds
        if deadline is not None and time.monotonic() > deadline:
            raise _too_long(shown, limits)
        over = _over(watched, limits)
        if over:
            raise _too_big(shown, over)
    over = _over(watched, limits)
    if over:
        raise _too_big(shown, over)
    _, status = os.waitpid(pid, 0)
    return bytes(data), status


def _over(root: Path, limits: Limits) -> str | None:
    """Which size bound the tree under ``root`` is past, if any."""
    files = size = 0
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            files += 1
            with contextlib.suppress(OSError):
                size += Path(folder, name).lstat().st_size
        if files > limits.max_files:
            return f"more than {limits.max_files} files"
        if size > limits.max_bytes:
            return f"more than {limits.max_bytes / 1e6:g} MB"
    return None


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)


def _outcome(shown: str, data: bytes, status: int, limits: Limits) -> Any:
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if signum == signal.SIGXCPU:
            raise _too_long(shown, limits)
        if signum == signal.SIGXFSZ:
            raise _too_big(shown, f"a file of more than {limits.max_bytes / 1e6:g} MB")
        raise UsageError(f"the render of the template {shown} was stopped by signal {signum}")
    body = data.lstrip(bytes([_STARTED]))
    tag, rest = body[:1], body[1:]
    if tag == bytes([_RESULT]):
        return pickle.loads(rest)  # noqa: S301 - our own child's, from our own code
    if tag == bytes([_ERROR]):
        message, hint, code = pickle.loads(rest)  # noqa: S301
        raise UsageError(message, hint=hint, exit_code=ExitCode(code))
    if tag == bytes([_MEMORY]):
        raise UsageError(
            f"the template {shown} needs more than {limits.memory >> 20} MB of memory to render",
            hint="nothing was written; a template that renders without end is refused",
        )
    if tag == bytes([_INTERRUPT]):
        raise KeyboardInterrupt
    what = pickle.loads(rest) if rest else "it ended without a result"  # noqa: S301
    raise UsageError(f"the template {shown} cannot be rendered: {what}")


def _too_long(shown: str, limits: Limits) -> UsageError:
    return UsageError(
        f"the template {shown} took more than {limits.seconds:g} s to render: stopped",
        hint="nothing was written; a slow but sound template may take longer with "
        "SCAFFOLD_RENDER_TIMEOUT=SECONDS",
    )


def _too_big(shown: str, what: str) -> UsageError:
    return UsageError(
        f"the template {shown} rendered {what}: stopped",
        hint="nothing was written; a big but sound template may write more with "
        "SCAFFOLD_RENDER_MAX_MB and SCAFFOLD_RENDER_MAX_FILES",
    )
