"""``scaffold new`` as a library call: options -> spec -> render plan -> atomic write -> post steps.

Nothing here prints; :func:`new_project` returns a :class:`~scaffold.report.NewReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold import deps as deplib
from scaffold import spec as specs
from scaffold import system as systems
from scaffold.errors import UsageError
from scaffold.naming import derive_names
from scaffold.render import ANSWERS_FILE, render
from scaffold.report import NewReport, Status, StepResult
from scaffold.spec import ProjectSpec
from scaffold.steps import git_init, locked_versions, uv_lock
from scaffold.templates import Template, load_template
from scaffold.write import check_target, replace_file, write_plan

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
    specs.check_no_self_dependency(names, deps)
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
            f"{shown} has no version range and --no-lock leaves nothing to pick one from",
            hint="give a range such as 'requests>=2.32,<3', or drop --no-lock",
        )
    return spec


StepCallback = Callable[[str], None]


def new_project(options: NewOptions, on_step: StepCallback | None = None) -> NewReport:
    """Create the project described by ``options``; see the module docstring."""
    template = load_template(options.template)
    spec = build_spec(options, template)
    target = (options.parent / spec.names.dist).absolute()
    check_target(target)
    plan = render(template, spec.answers())
    write_plan(plan, target)
    report = NewReport(
        path=str(target),
        name=spec.names.dist,
        package=spec.names.package,
        template=template.name,
        files=plan.paths(),
        notices=list(spec.notices),
    )
    if options.lock:
        if on_step:
            on_step("lock")
        lock = uv_lock(target, offline=options.offline)
        if lock.status is Status.OK and spec.unbounded:
            lock = _bound_and_relock(template, spec, target, lock, options.offline)
        report.steps.append(lock)
        if lock.status is Status.OK and "uv.lock" not in report.files:
            report.files = sorted([*report.files, "uv.lock"])
    if options.git:
        if on_step:
            on_step("git")
        report.steps.append(git_init(target))
    return report


def _bound_and_relock(
    template: Template, spec: ProjectSpec, target: Path, first: StepResult, offline: bool
) -> StepResult:
    """Give open dependencies ``>=locked,<next breaking`` and lock again."""
    versions = locked_versions(target)
    bounded = [
        deplib.bound_to_locked(dep, versions[dep.key])
        if not dep.bounded and dep.key in versions
        else dep
        for dep in spec.dependencies
    ]
    new_spec = spec.with_dependencies(bounded)
    plan = {item.path: item.content for item in render(template, new_spec.answers()).files}
    for rel in ("pyproject.toml", ANSWERS_FILE):
        replace_file(target / rel, plan[rel])
    second = uv_lock(target, offline=True)
    second.duration += first.duration
    second.detail = "bounded " + ", ".join(
        str(dep) for dep in bounded if dep not in spec.dependencies
    )
    return second
