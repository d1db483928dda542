"""``scaffold new`` as a library call: options -> spec -> render plan -> atomic write -> post steps.

Nothing here prints; :func:`new_project` returns a :class:`~scaffold.report.NewReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from scaffold import deps as deplib
from scaffold import spec as specs
from scaffold import system as systems
from scaffold.deps import canonical_name
from scaffold.errors import UsageError
from scaffold.naming import Names, derive_names
from scaffold.render import ANSWERS_FILE, render
from scaffold.report import NewReport, Status, StepResult
from scaffold.spec import ProjectSpec
from scaffold.steps import LockedPackages, git_init, uv_lock
from scaffold.templates import Template, load_template
from scaffold.write import check_target, replace_file, staged, write_files

DEFAULT_TEMPLATE = "service"


@dataclass(frozen=True)
class NewOptions:
    """What a user can ask of ``scaffold new``; validated by :func:`build_spec`."""

    name: str
    parent: Path = field(default_factory=Path.cwd)
    template: str = DEFAULT_TEMPLATE
    python: str | None = None
    description: str | None = None
    author: str = ""
    deps: Sequence[str] = ()
    apt_build: Sequence[str] = ()
    apt_runtime: Sequence[str] = ()
    system_packages_file: Path | None = None
    lock: bool = True
    git: bool = True
    offline: bool = False


def build_spec(options: NewOptions, template: Template | None = None) -> ProjectSpec:
    """Validate every option and derive the frozen project spec, or raise :class:`UsageError`."""
    names = derive_names(options.name)
    template = template or load_template(options.template)
    python = specs.check_python(options.python or specs.default_python())
    description = specs.check_description(
        options.description
        if options.description is not None
        else str(template.default("description") or "")
    )
    author = specs.check_author(options.author)
    defaults = [deplib.template_dependency(d) for d in template.default("dependencies") or ()]
    extra = [
        deplib.parse_dependency(specs.check_text("dependency", d, specs.MAX_DEPENDENCY))
        for d in options.deps
    ]
    deps = deplib.merge_dependencies(defaults, extra)
    specs.check_not_shadowing(names, template.reserved_names, deps)
    systems.check_apt_names([*options.apt_build, *options.apt_runtime])
    mapping = systems.load_system_mapping(options.system_packages_file)
    system = mapping.packages_for(deps).plus(options.apt_build, options.apt_runtime)
    spec = ProjectSpec(
        names=names,
        template=template.name,
        python=python,
        description=description,
        author=author,
        dependencies=deps,
        system=system,
        uv_version=str(template.default("uv_version")),
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


StepCallback = Callable[[str], None]


def new_project(options: NewOptions, on_step: StepCallback | None = None) -> NewReport:
    """Create the project described by ``options``; see the module docstring.

    Everything up to the lock happens in a staging folder, so a project the lock shows to be
    unworkable (its name shadows a dependency) is refused with nothing written.
    """
    template = load_template(options.template)
    spec = build_spec(options, template)
    target = (options.parent / spec.names.dist).absolute()
    check_target(target)
    plan = render(template, spec.answers())
    report = NewReport(
        path=str(target),
        name=spec.names.dist,
        package=spec.names.package,
        template=template.name,
        files=plan.paths(),
        notices=list(spec.notices),
    )
    with staged(target) as staging:
        write_files(plan, staging)
        if options.lock:
            if on_step:
                on_step("lock")
            lock = _lock(template, spec, staging, target, options)
            report.steps.append(lock)
            if lock.status is Status.OK and "uv.lock" not in report.files:
                report.files = sorted([*report.files, "uv.lock"])
    if options.git:
        if on_step:
            on_step("git")
        report.steps.append(git_init(target))
    return report


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
    probing = bool(options.deps)
    if probing:
        _rewrite(template, replace(spec, names=_PROBE), staging, ("pyproject.toml",))
    lock = uv_lock(staging, offline=options.offline, shown_as=target)
    if lock.status is not Status.OK:
        if probing:
            _rewrite(template, spec, staging, ("pyproject.toml",))
        return _as_seen(lock, spec, staging, target)
    locked = LockedPackages.read(staging)
    if probing:
        for name in (spec.names.dist, canonical_name(spec.names.package)):
            if name in locked.versions:
                needs = sorted(locked.dependents.get(name, set()) - {_PROBE.dist})
                raise _shadows(spec, f"'{needs[0]}'" if needs else "a dependency")
    if not (spec.unbounded or probing):
        return lock
    bounded = spec.with_dependencies(
        deplib.bound_to_locked(dep, locked.versions[dep.key])
        if not dep.bounded and dep.key in locked.versions
        else dep
        for dep in spec.dependencies
    )
    _rewrite(template, bounded, staging, ("pyproject.toml", ANSWERS_FILE))
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


def _as_seen(result: StepResult, spec: ProjectSpec, staging: Path, target: Path) -> StepResult:
    """uv's words about the staging folder and the probe name, about the project instead."""

    def seen(text: str) -> str:
        return text.replace(str(staging), str(target)).replace(_PROBE.dist, spec.names.dist)

    result.detail = seen(result.detail)
    if result.output_tail:
        result.output_tail = seen(result.output_tail)
    return result


def _rewrite(template: Template, spec: ProjectSpec, root: Path, paths: Sequence[str]) -> None:
    plan = {item.path: item.content for item in render(template, spec.answers()).files}
    for rel in paths:
        replace_file(root / rel, plan[rel])


def _shadows(spec: ProjectSpec, user: str) -> UsageError:
    dist = spec.names.dist
    return UsageError(
        f"the project '{dist}' would shadow the package '{dist}' that {user} needs",
        hint=f"try '{dist}-service'",
    )
