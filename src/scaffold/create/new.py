"""``scaffold new`` as a library call: options -> spec -> render plan -> atomic write -> post steps.

Nothing here prints; :func:`new_project` returns a :class:`~scaffold.report.NewReport`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scaffold.create import deps as deplib
from scaffold.create import spec as specs
from scaffold.create.answers import (
    Ask,
    check_answer,
    check_keys,
    check_known,
    coerce,
    load_data_file,
    resolve,
)
from scaffold.create.naming import Names, check_stdlib, derive_names
from scaffold.create.presets import Preset, load_preset
from scaffold.create.render import render
from scaffold.create.source import BuiltinSource, CopierSource
from scaffold.create.spec import ProjectSpec
from scaffold.create.steps import LOCK_TIMEOUT, git_init, uv_lock
from scaffold.create.templates import COMPUTED, Template, is_external, load_template
from scaffold.create.write import check_target, replace_file, staged, write_files
from scaffold.errors import UsageError
from scaffold.report import NewReport, SkipReason, Status, StepResult
from scaffold.tools import images
from scaffold.tools import system as systems
from scaffold.tools.lockfile import read_lock
from scaffold.tools.names import canonical
from scaffold.tools.uv import Uv

DEFAULT_TEMPLATE = "service"


@dataclass(frozen=True)
class NewOptions:
    """What a user can ask of ``scaffold new``; validated by :func:`build_spec`.

    ``None`` means "not given": the data file, the preset or the template's default decides.
    """

    name: str
    parent: Path = field(default_factory=Path.cwd)
    template: str | None = None
    python: str | None = None
    description: str | None = None
    author: str | None = None
    deps: Sequence[str] = ()
    apt_build: Sequence[str] = ()
    apt_runtime: Sequence[str] = ()
    system_packages_file: Path | None = None
    lock: bool = True
    git: bool = True
    offline: bool = False
    data: Mapping[str, str] = field(default_factory=dict)  # --data key=value
    data_file: Path | None = None
    preset: Preset | None = None  # None: --preset, $SCAFFOLD_PRESET or the config folder's
    ask: Ask | None = None  # a prompt for the template's questions, in a terminal
    trust: bool = False  # a team's template may run its tasks and Jinja extensions
    # Called with the project's Python before anything is written, where the project has a
    # Dockerfile: raises when the base image validation will build on has another Python.
    check_python: Callable[[str], None] | None = None


def template_name(options: NewOptions, preset: Preset) -> str:
    if options.template is not None:
        return options.template
    return preset.template or DEFAULT_TEMPLATE


def build_spec(options: NewOptions, template: Template | None = None) -> ProjectSpec:
    """Validate every option and derive the frozen project spec, or raise :class:`UsageError`."""
    preset = options.preset or load_preset()
    template = template or load_template(template_name(options, preset))
    names = derive_names(_project_name(options), suffix=template.kind or "project")
    given = _given_answers(options, preset, template)
    asks = template.questions
    if options.deps and "dependencies" not in asks:
        raise UsageError(f"template '{template.name}' takes no dependencies (--dep)")
    if (options.apt_build or options.apt_runtime) and "apt_build" not in asks:
        raise UsageError(f"template '{template.name}' installs no Debian packages (--apt-*)")
    defaults = [deplib.template_dependency(d) for d in template.default("dependencies") or ()]
    extra = [deplib.parse_dependency(d) for d in [*preset.dependencies, *options.deps]]
    deps = deplib.merge_dependencies(defaults, extra)
    specs.check_not_shadowing(names, template.reserved_names, deps, template.kind or "project")
    systems.check_apt_names([*options.apt_build, *options.apt_runtime])
    system = systems.SystemPackages()
    if "apt_build" in asks or "apt_runtime" in asks:
        mapping_file = options.system_packages_file or preset.system_packages
        release = str(given.get("debian_release") or template.default("debian_release") or "")
        mapping = systems.load_system_mapping(mapping_file, release or systems.DEFAULT_RELEASE)
        system = mapping.packages_for(dep.key for dep in deps).plus(
            options.apt_build, options.apt_runtime
        )
    computed = specs.computed_answers(names, template.name, deps, system)
    # The running interpreter, as `uv init` does, rather than the template's fixed default.
    ours = {"python_version": specs.default_python()}
    resolved = resolve(template, computed, given, options.ask, ours)
    python = str(resolved.get("python_version") or ours["python_version"])
    check_stdlib(names, python, template.kind or "project")
    if isinstance(resolved.get("python_image"), str) and "python_version" in resolved:
        # A team's image per Python (`registry/python:{python}-slim`), for this project's.
        resolved["python_image"] = images.image_for_python(
            resolved["python_image"], str(resolved["python_version"])
        )
    spec = ProjectSpec(
        names=names,
        template=template.name,
        dependencies=deps,
        system=system,
        resolved=resolved,
        notices=names.notices,
    )
    if spec.unbounded and not options.lock:
        shown = ", ".join(f"'{dep}'" for dep in spec.unbounded)
        raise UsageError(
            f"{shown} needs a lower and an upper bound: with --no-lock there is no lock to "
            "take them from",
            hint="give a range such as 'requests>=2.32,<3', or drop --no-lock",
        )
    return spec


def _given_answers(options: NewOptions, preset: Preset, template: Template) -> dict[str, Any]:
    """What the user gave, highest precedence last: preset, data file, --data, options."""
    layers: list[tuple[str, Mapping[str, Any]]] = [
        (f"preset {preset.path}", preset.answers(template.questions)),
        (str(options.data_file), load_data_file(options.data_file) if options.data_file else {}),
        ("--data", options.data),
    ]
    given: dict[str, Any] = {}
    for source, layer in layers:
        check_keys(layer, source)
        check_known(template, layer, source)
        computed = sorted(set(layer) & COMPUTED)
        if computed:
            raise UsageError(
                f"{source}: '{computed[0]}' is worked out by scaffold, not given",
                hint="use the project NAME, --dep, --apt-build or --apt-runtime",
            )
        for key, value in layer.items():
            given[key] = coerce(template, key, value, source)
    options_given = {
        "python_version": options.python,
        "description": options.description,
        "author": options.author,
    }
    for key, value in options_given.items():
        if value is not None and key in template.questions:
            given[key] = check_answer(key, value, None)  # the option's own message
    return given


StepCallback = Callable[[str], None]

# The name that means "this folder", as `uv init` works in the current folder: the project is
# made in the folder --path names (the current one by default), and takes that folder's name.
HERE = "."


def _project_name(options: NewOptions) -> str:
    return options.parent.absolute().name if options.name == HERE else options.name


def _target(options: NewOptions, names: Names) -> Path:
    """The project's folder: --path itself for ``new .``, else a new folder in it."""
    if options.name == HERE:
        return options.parent.absolute()
    return (options.parent / names.dist).absolute()


def new_project(options: NewOptions, on_step: StepCallback | None = None) -> NewReport:
    """Create the project described by ``options``; see the module docstring.

    Everything up to the lock happens in a staging folder, so a project the lock shows to be
    unworkable (its name shadows a dependency) is refused with nothing written.
    """
    preset = options.preset or load_preset()
    options = replace(options, preset=preset)
    if is_external(template_name(options, preset)):
        return _new_external(options, preset, on_step)
    source = BuiltinSource(template_name(options, preset), offline=options.offline)
    template = source.template
    spec = build_spec(options, template)
    target = _target(options, spec.names)
    check_target(target)
    plan = source.plan(spec.answers())
    if options.check_python is not None and "Dockerfile" in plan.paths():
        options.check_python(spec.python)  # the base image has this Python: before writing
    report = NewReport(
        path=str(target),
        name=spec.names.dist,
        package=spec.names.package,
        template=template.name,
        files=plan.paths(),
        notices=list(spec.notices),
        next_steps=next_steps(template, spec.answers()),
    )
    with staged(target) as staging:
        write_files(plan, staging)
        if options.lock:
            _locked(report, on_step, lambda: _lock(template, spec, staging, target, options))
    _git(report, on_step, options, target)
    return report


def _locked(
    report: NewReport, on_step: StepCallback | None, lock: Callable[[], StepResult]
) -> None:
    """The lock step, said when it starts; ``uv.lock`` among the project's files once made."""
    if on_step:
        on_step("lock")
    result = lock()
    report.steps.append(result)
    if result.status is Status.OK and "uv.lock" not in report.files:
        report.files = sorted([*report.files, "uv.lock"])


def _git(
    report: NewReport, on_step: StepCallback | None, options: NewOptions, target: Path
) -> None:
    if options.git:
        if on_step:
            on_step("git")
        report.steps.append(git_init(target))


def _new_external(options: NewOptions, preset: Preset, on_step: StepCallback | None) -> NewReport:
    """A team's own template (a folder or a git URL), rendered by copier: scaffold's naming
    rules, its atomic write, ``uv lock`` where the result is a Python project, and ``git init``."""
    from scaffold.create import copier as external  # noqa: PLC0415

    if options.deps or options.apt_build or options.apt_runtime or options.system_packages_file:
        raise UsageError(
            "--dep, --apt-build, --apt-runtime and --system-packages work with the built-in "
            "templates only",
            hint="answer the template's own questions with --data",
        )
    source = CopierSource.parse(template_name(options, preset), trust=options.trust)
    names = derive_names(_project_name(options), suffix="project")
    check_stdlib(names, options.python or specs.default_python(), "project")
    target = _target(options, names)
    check_target(target)
    layers: list[tuple[str, Mapping[str, Any]]] = [
        (str(options.data_file), load_data_file(options.data_file) if options.data_file else {}),
        ("--data", options.data),
    ]
    offered: dict[str, Any] = dict(preset.answers())
    for source_name, layer in [(f"preset {preset.path}", offered), *layers]:
        check_keys(layer, source_name)
    options_given = {
        "python_version": options.python,
        "description": options.description,
        "author": options.author,
    }
    offered.update({key: value for key, value in options_given.items() if value is not None})
    # NAME's spellings are offered where the template asks for them (a default it may override
    # with --data or at the prompt); they are forced only on the questions the template
    # declares in _scaffold_names.
    offered = {"project_name": names.dist, "package_name": names.package, **offered}
    report = NewReport(
        path=str(target),
        name=names.dist,
        package=names.package,
        template=source.label,
        files=[],
        notices=list(names.notices),
    )
    rendering = source.render_new(
        layers,
        offered=offered,
        names={"distribution": names.dist, "package": names.package, "name": options.name},
        interactive=options.ask is not None,
    )
    with rendering as rendered, staged(target) as staging:
        rendered.copy_into(staging)
        report.files = rendered.files
        report.notices += rendered.notices
        report.next_steps = next_steps(
            rendered.template, {"project_name": names.dist, **rendered.answers}, report.notices
        )
        if isinstance(rendered.answers.get("package_name"), str):
            report.package = rendered.answers["package_name"]
        report.python = external.is_python_project(staging)
        if not report.python:
            report.notices.append(
                "not a Python project (no pyproject.toml with [project]): not locked or validated"
            )
        elif not options.trust:
            report.needs_trust = (
                "validation runs the project's tests and builds it, and this template is not "
                f"scaffold's: read it, then run 'scaffold validate {target}' (or use --trust)"
            )
        own = None if options.trust or not report.python else external.own_code(staging)
        if own and options.lock:
            report.steps.append(_not_trusted(own))
            report.notices.append(
                _not_locked(f"uv lock would run the template's own code ({own})", target)
            )
        elif report.python and options.lock:
            if options.git and external.versions_from_git(staging):
                # Its version comes from git (hatch-vcs, setuptools-scm...): uv builds the
                # project to lock it, which fails outside a repository. The .git moves along.
                _git(report, on_step, options, staging)
            _locked(
                report,
                on_step,
                lambda: _lock_rendered(staging, target, options.offline, build=options.trust),
            )
            if report.steps[-1].skip_reason is SkipReason.NOT_TRUSTED:
                report.notices.append(_not_locked(report.steps[-1].detail, target))
    if not any(step.name == "git" for step in report.steps):
        _git(report, on_step, options, target)
    return report


def _not_locked(why: str, target: Path) -> str:
    why = why.removeprefix("not trusted: ")
    return f"not locked: {why}; read it, then run 'uv lock' in {target} (or use --trust)"


def _not_trusted(own: str) -> StepResult:
    return StepResult(
        "lock", Status.SKIPPED, detail=f"not trusted: {own}", skip_reason=SkipReason.NOT_TRUSTED
    )


def _lock_rendered(staging: Path, target: Path, offline: bool, *, build: bool) -> StepResult:
    """``uv lock`` of a team template's project; its open runtime dependencies then get the
    bounds the built-in templates' get, from the lock, in its ``pyproject.toml`` as it is
    (tomlkit keeps its layout and comments), and a second, offline lock. Should that fail, the
    file and the first lock stay."""
    import tomlkit  # noqa: PLC0415 - only for teams' templates

    lock = uv_lock(staging, offline=offline, shown_as=target, build=build)
    if lock.status is not Status.OK:
        return lock
    path = staging / "pyproject.toml"
    original = path.read_text("utf-8")
    document = tomlkit.parse(original)
    project = document.get("project")
    listed = project.get("dependencies") if isinstance(project, dict) else None
    if not isinstance(listed, list):
        return lock  # none, or dynamic: the build backend decides
    locked = read_lock(staging / "uv.lock")
    added = []
    for index, item in enumerate(list(listed)):
        dep = deplib.parse_dependency(str(item))
        if not dep.bounded and locked.named(dep.key):
            bounded = deplib.bound_to_locked(dep, locked.versions(dep.key))
            listed[index] = str(bounded)
            added.append(str(bounded))
    if not added:
        return lock
    replace_file(path, tomlkit.dumps(document).encode("utf-8"))
    second = uv_lock(staging, offline=True, shown_as=target, build=build)
    if second.status is not Status.OK:
        replace_file(path, original.encode("utf-8"))
        lock.detail = "left the dependencies open: the lock with bounds failed: " + second.detail
        return lock
    second.duration += lock.duration
    second.detail = "bounded " + ", ".join(added)
    return second


# The first lock of a project with the user's dependencies runs under this name, so that uv
# cannot quietly resolve around the project's own name (picking an ancient release of a
# dependency that did not need a package of that name yet); the lock then shows whether the
# real name is taken by anything the dependencies install.
_PROBE = Names(raw="scaffold-lock-probe", dist="scaffold-lock-probe", package="scaffold_lock_probe")


def _lock(
    template: Template, spec: ProjectSpec, staging: Path, target: Path, options: NewOptions
) -> StepResult:
    """``uv lock``; a refusal if the name shadows a package the user's dependencies install;
    bounds for open dependencies from the locked versions, and a second, offline lock."""
    probing = bool(options.deps or (options.preset and options.preset.dependencies))
    if probing:
        _apply(template, replace(spec, names=_PROBE), staging)
    lock = uv_lock(staging, offline=options.offline, shown_as=target)
    if lock.status is not Status.OK:
        if probing:
            _apply(template, spec, staging)
        return _as_seen(lock, spec, staging, target)
    locked = read_lock(staging / "uv.lock")
    if probing:
        for name in (spec.names.dist, canonical(spec.names.package)):
            if locked.named(name):
                needs = sorted(locked.dependents(name) - {_PROBE.dist})
                user = f"'{needs[0]}'" if needs else "a dependency"
                raise _shadows(spec, user, template.kind or "project")
        _refuse_module_clash(spec, staging, options.offline, template.kind or "project")
    if not (spec.unbounded or probing):
        return lock
    bounded = spec.with_dependencies(
        deplib.bound_to_locked(dep, locked.versions(dep.key))
        if not dep.bounded and locked.named(dep.key)
        else dep
        for dep in spec.dependencies
    )
    _apply(template, bounded, staging)
    second = _as_seen(uv_lock(staging, offline=True, shown_as=target), spec, staging, target)
    second.duration += lock.duration
    if second.status is not Status.OK and probing:
        (staging / "uv.lock").unlink(missing_ok=True)  # the first lock's, under the probe name
    added = [str(dep) for dep in bounded.dependencies if dep not in spec.dependencies]
    left = [str(dep) for dep in bounded.unbounded]
    if second.status is Status.OK:
        notes = ["bounded " + ", ".join(added)] if added else []
        notes += ["not in the lock, left open: " + ", ".join(left)] if left else []
        second.detail = "; ".join(notes)
    return second


def next_steps(
    template: Template, answers: Mapping[str, Any], notices: list[str] | None = None
) -> list[str]:
    """The template's next-step lines with the answers; a line that does not render (a team's
    template naming an answer it does not have) is left out, with a notice."""
    from jinja2 import TemplateError  # noqa: PLC0415

    from scaffold.create.render import environment  # noqa: PLC0415

    env = environment()
    lines = []
    for number, line in enumerate(template.next_steps, 1):
        try:
            lines.append(env.from_string(line).render(answers))
        except TemplateError as exc:
            if notices is not None:
                notices.append(f"next step {number} of {template.name} left out: {exc}")
    return lines


def _apply(template: Template, spec: ProjectSpec, root: Path) -> None:
    """Render again and rewrite the files whose bytes changed (the re-lock after bounding
    dependencies is the first user of "re-render and apply what changed")."""
    for item in render(template, spec.answers()).files:
        path = root.joinpath(*item.path.split("/"))
        if path.is_file() and path.read_bytes() != item.content:
            replace_file(path, item.content)


def _as_seen(result: StepResult, spec: ProjectSpec, staging: Path, target: Path) -> StepResult:
    """uv's words about the staging folder and the probe name, about the project instead."""

    def seen(text: str) -> str:
        return text.replace(str(staging), str(target)).replace(_PROBE.dist, spec.names.dist)

    result.detail = seen(result.detail)
    if result.output_tail:
        result.output_tail = seen(result.output_tail)
    return result


def _refuse_module_clash(spec: ProjectSpec, staging: Path, offline: bool, suffix: str) -> None:
    """Install the locked dependencies into a throw-away environment and refuse a package name
    that one of them installs as a module under another distribution name (PyYAML's ``yaml``).
    Where that install cannot run (offline, without the files cached), validation's sync finds
    the same clash later."""
    from scaffold.tools.installed import clashes  # noqa: PLC0415 - importlib.metadata, only here

    with tempfile.TemporaryDirectory(prefix="scaffold-modules-") as scratch:
        env = Path(scratch) / "env"
        uv = Uv(offline=offline, timeout=LOCK_TIMEOUT, environment=env)
        done = uv.run("sync", "--frozen", "--no-install-project", "--no-dev", cwd=staging)
        found = clashes([spec.names.package], env, [_PROBE.dist]) if done.ok else []
    if found:
        dist = spec.names.dist
        raise UsageError(
            f"the package '{spec.names.package}' would clash with the module of that name that "
            f"'{found[0].distribution}' installs",
            hint=f"try '{dist}-{suffix}'",
        )


def _shadows(spec: ProjectSpec, user: str, suffix: str) -> UsageError:
    dist = spec.names.dist
    return UsageError(
        f"the project '{dist}' would shadow the package '{dist}' that {user} needs",
        hint=f"try '{dist}-{suffix}'",
    )
