"""The image steps: system packages checked, the image built, and what it ships imported
(:mod:`scaffold.validate.running` runs its own command).

Every container and image made here is removed when validation ends, however it ends.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from scaffold.report import SkipReason, Status, StepResult
from scaffold.tools import runner
from scaffold.tools.docker import (
    LOST_LAYER,
    REBUILT_NOTE,
    BuildSettings,
    Docker,
    build_tail,
    failing_step,
    throwaway_name,
)
from scaffold.tools.dockerfile import DockerfileError, parse_dockerfile
from scaffold.tools.lockfile import Lock, LockedPackage, read_lock
from scaffold.tools.runner import Completed
from scaffold.tools.system import (
    DEFAULT_RELEASE,
    SystemMapping,
    load_system_mapping,
    named_release,
    release_of,
    with_brought_along,
)
from scaffold.tools.uv import uv_cause
from scaffold.validate.engine import Context, Outcome
from scaffold.validate.owncode import Declared, judge, probe_script
from scaffold.validate.project import Package

_SLIM_PYTHON = re.compile(r"(^|/)python:[^\s]*(slim|alpine)|astral-sh/uv:python[^\s]*(slim|alpine)")
_PYTHON_IN_TAG = re.compile(r"python:?(\d+\.\d+)|:(\d+\.\d+)")


@dataclass(frozen=True)
class SystemChecked:
    """The Dockerfile's stages install the Debian packages the locked dependencies need."""


@dataclass(frozen=True)
class Image:
    tag: str
    size: int | None
    config: dict[str, Any]


@dataclass
class DockerAccess:
    """The docker client, found once for all steps (they may ask at the same time)."""

    explicit: str | None
    _docker: Docker | None = None
    _problem: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> tuple[Docker | None, str]:
        with self._lock:
            if self._docker is None and self._problem is None:
                binary = runner.docker_binary(self.explicit)
                if binary is None:
                    self._problem = (
                        "no docker client found (give --docker PATH or set SCAFFOLD_DOCKER)"
                    )
                else:
                    docker = Docker(binary)
                    self._problem = docker.daemon_problem()
                    self._docker = docker if self._problem is None else None
            return self._docker, self._problem or ""


def unavailable(name: str, detail: str) -> Outcome:
    return Outcome(
        StepResult(name, Status.SKIPPED, detail=detail, skip_reason=SkipReason.UNAVAILABLE)
    )


# --- system packages ------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemNeeds:
    build: dict[str, list[str]]  # Debian package -> the dependencies that need it
    runtime: dict[str, list[str]]
    unknown_sources: list[str]  # built from sdist, not in the data: maybe fine, maybe not


def system_needs(lock: Lock, roots: list[str], mapping: SystemMapping) -> SystemNeeds:
    closure = _closure(lock, roots)
    names = {pkg.name for pkg in closure}
    build: dict[str, list[str]] = {}
    runtime: dict[str, list[str]] = {}
    unknown: list[str] = []
    for pkg in closure:
        if pkg.is_local:
            continue
        entry = mapping.projects.get(pkg.name)
        if entry is None:
            if not pkg.has_linux_wheel and pkg.has_sdist:
                unknown.append(pkg.name)
            continue
        if f"{pkg.name}-binary" in names:  # e.g. psycopg[binary] brings its own libpq
            continue
        dep_build, dep_runtime, compiles = entry
        if not pkg.has_linux_wheel:
            for apt in [*(mapping.compilers if compiles else ()), *dep_build]:
                build.setdefault(apt, []).append(pkg.name)
        for apt in dep_runtime:
            runtime.setdefault(apt, []).append(pkg.name)
    return SystemNeeds(build, runtime, sorted(set(unknown)))


def _closure(lock: Lock, roots: list[str]) -> list[LockedPackage]:
    seen: dict[tuple[str, str], LockedPackage] = {}
    for root in roots:
        for pkg in lock.runtime_closure(root):
            seen.setdefault((pkg.name, pkg.version), pkg)
    return list(seen.values())


def roots_of(package: Package, lock: Lock) -> list[str]:
    """The distributions whose runtime closure the image holds."""
    if package.is_project:
        return [package.name]
    return [pkg.name for pkg in lock.packages if pkg.is_local]


def _dockerfile(package: Package) -> Path:
    if package.dockerfile is None:  # pragma: no cover - planned only where there is one
        raise ValueError(f"{package.path} has no Dockerfile")
    return package.dockerfile


def release_for(package: Package, python_image: str | None) -> str:
    """The Debian release the build runs on: the one the image given for the build names,
    else the one the Dockerfile's own base image names (a mirror of it keeps its release)."""
    named = named_release(python_image) if python_image else None
    if named:
        return named
    if package.dockerfile is None:
        return DEFAULT_RELEASE
    try:
        parsed = parse_dockerfile(package.dockerfile)
    except DockerfileError:
        return DEFAULT_RELEASE  # sysdeps says what is wrong with it; the build would fail
    return release_of(parsed.root_image(parsed.final))


def sysdeps_step(
    context: Context, package: Package, lock_file: Path, mapping_file: Path | None, release: str
) -> Outcome:
    del context
    if not lock_file.is_file():
        return unavailable("sysdeps", "no uv.lock to read the dependencies from")
    lock = read_lock(lock_file)
    try:
        dockerfile = parse_dockerfile(_dockerfile(package))
    except DockerfileError as exc:  # BuildKit would reject it too: no build could pass
        return Outcome(StepResult("sysdeps", Status.FAILED, detail=exc.message, exit_code=1))
    mapping = load_system_mapping(mapping_file, release)
    needs = system_needs(lock, roots_of(package, lock), mapping)
    notes = (
        [
            f"{', '.join(needs.unknown_sources)} build from source (no Linux wheel in uv.lock); "
            "if they compile C code the builder stage needs gcc and their headers"
        ]
        if needs.unknown_sources
        else []
    )
    if not needs.build and not needs.runtime:
        result = StepResult("sysdeps", Status.OK, detail="no dependency needs Debian packages")
        result.notes = notes
        return Outcome(result, SystemChecked())
    builder = dockerfile.build_stage()
    checks = [(builder, needs.build, "builder"), (dockerfile.final, needs.runtime, "runtime")]
    missing: list[str] = []
    fixes: list[str] = []
    untold: list[str] = []
    for stage, wanted, role in checks:
        if not wanted:
            continue
        base = dockerfile.root_image(stage)
        installed, unknown = dockerfile.apt_in(stage, at_python_install=role == "builder")
        have = with_brought_along(installed, release)
        if unknown or not _SLIM_PYTHON.search(base):
            why = unknown or f"{base} is not a slim Python image"
            untold.append(f"cannot tell what the {role} stage '{stage.label}' has ({why})")
            continue
        absent = [apt for apt in wanted if apt not in have]
        if absent:
            users = sorted({user for apt in absent for user in wanted[apt]})
            missing.append(
                f"{role} stage '{stage.label}' lacks {' '.join(absent)} (for {', '.join(users)})"
            )
            fixes.append(
                f"in stage '{stage.label}': RUN apt-get update && apt-get install -y "
                f"--no-install-recommends {' '.join(absent)}"
            )
    if missing:
        result = StepResult(
            "sysdeps", Status.FAILED, detail="; ".join(missing), exit_code=1, notes=notes + untold
        )
        result.data["fix"] = fixes
        return Outcome(result)
    if untold:
        # Not checked is not "installed": the build and the image's imports are the proof.
        result = StepResult(
            "sysdeps",
            Status.SKIPPED,
            detail="; ".join(untold),
            skip_reason=SkipReason.UNAVAILABLE,
            notes=notes,
        )
        return Outcome(result)
    needed = sorted({*needs.build, *needs.runtime})
    result = StepResult("sysdeps", Status.OK, detail=f"installed: {' '.join(needed)}", notes=notes)
    return Outcome(result, SystemChecked())


# --- build ----------------------------------------------------------------------------------


_CACHE_MOUNT = re.compile(r"--mount=(\S*type=cache\S*)")


def isolated_dockerfile(text: str, token: str) -> str:
    """The Dockerfile with every cache mount given an id of its own, so no earlier build's
    cache (a wheel compiled where the headers were present) can stand in for this one's."""

    def rename(match: re.Match[str]) -> str:
        options = match.group(1).split(",")
        target = next(
            (
                o.split("=", 1)[1]
                for o in options
                if o.startswith(("target=", "dst=", "destination="))
            ),
            "",
        )
        ident = next((o.split("=", 1)[1] for o in options if o.startswith("id=")), target)
        kept = [o for o in options if not o.startswith("id=")]
        return "--mount=" + ",".join([*kept, f"id=scaffold-isolated-{token}{ident}"])

    return _CACHE_MOUNT.sub(rename, text)


_CAUSES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    # What a build says of itself first: its own words are the best explanation.
    (
        re.compile(r"you need a C compiler to build uWSGI"),
        lambda m: "uWSGI needs a C compiler (gcc) in the stage",
    ),
    (
        re.compile(r"make sure the libxml2 and libxslt development packages are installed"),
        lambda m: (
            "lxml needs the libxml2 and libxslt development packages (libxml2-dev "
            "libxslt1-dev) in the stage"
        ),
    ),
    (re.compile(r"pg_config executable not found"), lambda m: "pg_config executable not found"),
    (
        re.compile(r"fatal error: (\S+\.h): No such file or directory"),
        lambda m: f"missing header {m.group(1)}",
    ),
    (re.compile(r"error: command '([^']+)' failed"), lambda m: f"command '{m.group(1)}' failed"),
    (
        re.compile(r"(?:gcc|cc|x86_64-linux-gnu-gcc): (?:command )?not found"),
        lambda m: "no C compiler (gcc) in the stage",
    ),
    (
        re.compile(r"(invalid peer certificate: \w+|CERTIFICATE_VERIFY_FAILED)"),
        lambda m: f"TLS: {m.group(1)} (pass the proxy's CA with --ca-bundle)",
    ),
    (
        re.compile(r"No interpreter found for Python ([^\n]+?)(?: in |$)"),
        lambda m: f"no interpreter found for Python {m.group(1)}",
    ),
    (
        re.compile(r"failed to resolve source metadata for ([^\s:]+(?::[^\s:]+)?)"),
        lambda m: f"cannot pull {m.group(1)} (no registry reachable? {_IMAGE_OPTIONS})",
    ),
    (
        # Docker 20.10: "#3 [internal] load metadata for IMAGE" then "#3 ERROR: failed to do ..."
        re.compile(
            r"load metadata for (\S+?):? *\n(?:#\d+ sha256:\S+\n)*(?:#\d+ )?ERROR: failed to"
            r"|load metadata for (\S+?): failed to (?:create LLB definition|do request)"
        ),
        lambda m: (
            f"cannot pull {m.group(1) or m.group(2)} (no registry reachable? {_IMAGE_OPTIONS})"
        ),
    ),
    (re.compile(r"pull access denied for ([^\s,]+)"), lambda m: f"cannot pull {m.group(1)}"),
    (
        re.compile(r"^(?:#\d+ [\d.]+ )?\s*(ModuleNotFoundError: No module named \S+)", re.M),
        lambda m: m.group(1),
    ),
)


def explaining_line(output: str) -> str:
    """The line of a build's output that explains its failure, where one is known ("")."""
    for pattern, describe in _CAUSES:
        match = pattern.search(output)
        if match:
            return describe(match)
    return ""


_FAILED_BUILD = re.compile(r"Failed to build `([A-Za-z0-9._-]+)(?:==[^`]*)?`")


def build_cause(output: str, mapping: SystemMapping) -> tuple[str, str]:
    """The line that explains a failed build, and the fix where the system-package data knows."""
    cause = explaining_line(output)
    fix = ""
    failed = _FAILED_BUILD.search(output)
    if failed:
        from scaffold.tools.names import canonical  # noqa: PLC0415

        name = canonical(failed.group(1))
        cause = f"{name} failed to build" + (f": {cause}" if cause else "")
        entry = mapping.projects.get(name)
        if entry:
            build = [*mapping.compilers, *entry[0]] if entry[2] else list(entry[0])
            fix = (
                f"install {' '.join(build)} in the builder stage and {' '.join(entry[1])} in the "
                "runtime stage"
            ).replace("  ", " ")
    return cause, fix


def build_step(
    context: Context,
    package: Package,
    access: DockerAccess,
    settings: BuildSettings,
    *,
    timeout: float,
    keep: bool,
    isolated: bool,
    mapping_file: Path | None,
    release: str,
) -> Outcome:
    source = _dockerfile(package)
    build_context = package.context or source.parent
    docker, problem = access.get()
    if docker is None:
        return unavailable("build", problem)
    mismatch = python_mismatch(package, settings)
    if mismatch:
        return Outcome(StepResult("build", Status.FAILED, detail=mismatch, exit_code=1))
    tag = f"{throwaway_name(package.name)}:validate"
    if not keep:
        context.on_cleanup(lambda: docker.remove_image(tag))
    dockerfile = source
    before: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="scaffold-build-") as scratch:
        if isolated:
            token = secrets.token_hex(4)
            dockerfile = Path(scratch) / source.name
            dockerfile.write_text(isolated_dockerfile(source.read_text("utf-8"), token))
            ignore = source.with_name(source.name + ".dockerignore")
            if ignore.is_file():
                dockerfile.with_name(ignore.name).write_text(ignore.read_text("utf-8"))
            before = docker.cache_mounts()
        try:
            done = docker.build(
                build_context,
                tag,
                settings,
                timeout,
                label=True,
                dockerfile=str(dockerfile.absolute()),
                no_cache=isolated,
            )
        finally:
            if isolated:
                docker.prune_cache(docker.cache_mounts() - before)
    if not done.ok:
        root = (package.context or package.path) / "pyproject.toml"
        workspace = bool(package.rel) or (
            root.is_file() and "[tool.uv.workspace]" in root.read_text("utf-8", errors="replace")
        )
        result = _build_failure(done, docker, load_system_mapping(mapping_file, release), workspace)
        return Outcome(_without_image_options(result, source))
    config = json.loads(docker.inspect(tag, "{{json .Config}}") or "{}") or {}
    size_text = docker.inspect(tag, "{{.Size}}")
    size = int(size_text) if size_text and size_text.isdigit() else None
    how = "isolated cache, " if isolated else ""
    if done.output.startswith(REBUILT_NOTE):
        how = "rebuilt without the cache: the engine had lost a cached layer, "
    shown = _shown(source, package)
    others = [_shown(other, package) for other in package.not_built]
    detail = f"built {tag} from {shown} ({how}{_mb(size)})"
    if others:
        detail += f"; not built: {', '.join(others)} (--dockerfile proves another)"
    result = StepResult.from_completed("build", done, detail)
    result.data.update({"image": tag, "image_size": size, "isolated": isolated})
    result.data.update({"dockerfile": shown, "not_built": others})
    if keep:
        result.data["image_id"] = docker.inspect(tag, "{{.Id}}")
    if settings.python_image and "PYTHON_IMAGE" in _image_arguments(source):
        result.data["python_image"] = settings.python_image  # the image it was built FROM
    return Outcome(result, Image(tag, size, config))


def _shown(dockerfile: Path, package: Package) -> str:
    """A Dockerfile as the user knows it: relative to the package when it is inside."""
    try:
        return str(dockerfile.relative_to(package.path))
    except ValueError:
        return str(dockerfile)


_IMAGE_OPTIONS = "give --python-image/--uv-image or a mirror"
# What Go's resolver and dialer say when no registry can be reached at all.
_UNREACHABLE = re.compile(
    r"no such host|connection refused|i/o timeout|network is unreachable|TLS handshake timeout"
    r"|server misbehaving|Temporary failure in name resolution|no route to host"
)


def _image_arguments(dockerfile: Path) -> set[str]:
    """Which of PYTHON_IMAGE and UV_IMAGE the Dockerfile takes as build arguments."""
    text = dockerfile.read_text("utf-8", errors="replace")
    return {
        name
        for name in ("PYTHON_IMAGE", "UV_IMAGE")
        if re.search(rf"^\s*ARG\s+{name}\b", text, re.M)
    }


def _without_image_options(result: StepResult, dockerfile: Path) -> StepResult:
    """--python-image/--uv-image reach a build only through the Dockerfile's ARGs of those
    names: for one that takes neither, the way out is a mirror or a local copy of the image."""
    if _IMAGE_OPTIONS in result.detail and not _image_arguments(dockerfile):
        result.detail = result.detail.replace(
            _IMAGE_OPTIONS, "use a registry mirror, or a local image of that name"
        )
    return result


_OTHER_WORKSPACE = (
    "does not have a member",
    "is not a workspace member",
    "needs to be updated, but `--locked`",
)


def _build_failure(
    done: Completed, docker: Docker, mapping: SystemMapping, workspace: bool = False
) -> StepResult:
    if done.timed_out or done.interrupted:
        result = StepResult.from_completed("build", done)
        result.output_tail = build_tail(done.output)
        return result
    step = failing_step(done.output)
    cause, fix = build_cause(done.output, mapping)
    if LOST_LAYER in done.output:
        cause = (
            "the Docker Engine's build cache refers to a layer the engine no longer has "
            "(moby/moby#41595), not a fault of the project"
        )
        fix = "docker builder prune, then validate again"
    if "buildx component is missing" in done.output:
        cause = (
            f"{docker.binary} cannot build with BuildKit (no buildx): install buildx, or choose "
            "a client that can with --docker / SCAFFOLD_DOCKER"
        )
    if not cause:
        # uv's own explanation inside the RUN output ("#11 0.41 error: ...", "Caused by: ...").
        lines = [re.sub(r"^#\d+ [\d.]+ ", "", ln) for ln in done.output.splitlines()]
        if any(ln.strip().startswith(("error:", "Caused by:", "cause:")) for ln in lines):
            cause = uv_cause("\n".join(ln for ln in lines if not ln.startswith("#")))
    if workspace and any(text in done.output for text in _OTHER_WORKSPACE):
        # The lock step found uv.lock matching on disk: the build gave uv other files.
        cause = (
            "uv in the build sees another workspace than uv.lock was made for: a workspace "
            "member's pyproject.toml is missing from the build (bind-mount or COPY every "
            f"member's pyproject.toml before that step): {cause}"
        ).rstrip(": ")
    where = re.match(r"\[[^\]]+\]", step)
    stage = where.group(0) if where else step
    # "[internal]" is BuildKit's own work (loading the Dockerfile, pulling images): no stage
    detail = f"{cause} (in {stage})" if cause and step and stage != "[internal]" else cause or step
    result = StepResult.from_completed("build", done, detail)
    result.output_tail = build_tail(done.output)
    if cause.startswith("cannot pull") and _UNREACHABLE.search(done.output):
        # No registry answered (no network, a name that resolves nowhere): the build never
        # started, so nothing about the project was shown to fail. A registry that answered
        # "denied" or "not found" is a real failure of the image's name.
        result.status, result.skip_reason = Status.SKIPPED, SkipReason.UNAVAILABLE
        result.exit_code = None
    if fix:
        result.data["fix"] = [fix]
        result.detail += f"; fix: {fix}"
    return result


def _mb(size: int | None) -> str:
    return f"{size / 1e6:.0f} MB" if size else "size unknown"


def python_mismatch(package: Package, settings: BuildSettings) -> str:
    """A base image whose Python the project does not accept, said before building."""
    source = _dockerfile(package)
    requires = package.pyproject.get("project", {}).get("requires-python")
    text = source.read_text("utf-8", errors="replace")
    if not requires or not re.search(r"UV_PYTHON_DOWNLOADS=[\"']?(0|never|manual)", text):
        return ""  # uv may fetch a Python of its own: the image's does not decide
    try:
        parsed = parse_dockerfile(source)
    except DockerfileError:
        return ""  # the build reports it
    image = settings.python_image or parsed.root_image(parsed.build_stage())
    match = _PYTHON_IN_TAG.search(image.rsplit("/", 1)[-1])
    if not match:
        return ""
    version = match.group(1) or match.group(2)
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: PLC0415

    try:
        accepted = SpecifierSet(requires).contains(f"{version}.0", prereleases=True)
    except InvalidSpecifier:
        return ""
    if accepted:
        return ""
    return (
        f"the base image {image} has Python {version}, but requires-python is '{requires}' "
        "(choose another image with --python-image, or change requires-python)"
    )


# --- imports --------------------------------------------------------------------------------

_SUPPORTED = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")


def imports_step(
    context: Context,
    package: Package,
    access: DockerAccess,
    timeout: float,
    lock_file: Path,
    mapping_file: Path | None,
    release: str,
    environment: Path | None = None,
) -> Outcome:
    docker, problem = access.get()
    image = context.get(Image)
    lock = read_lock(lock_file)
    if docker is None:  # pragma: no cover - build ran, so docker answered
        return unavailable("imports", problem)
    roots = roots_of(package, lock)
    by_version = {
        version: {pkg.name for pkg in _closure_for(lock, roots, version)} for version in _SUPPORTED
    }
    candidates = sorted(set().union(*by_version.values()))
    # The project's own distributions, every module imported; a virtual one (uv's
    # `package = false`, no build system) is never installed: its dependencies and its
    # command (the run step) prove it.
    from scaffold.tools.installed import project_modules  # noqa: PLC0415 - importlib.metadata

    local = {pkg.name: pkg for pkg in lock.packages if pkg.is_local and pkg.name in candidates}
    virtual = {name for name, pkg in local.items() if "virtual" in pkg.source}
    # Each distribution's modules from its source: the validated package's own folder, the
    # others' (workspace members) where uv.lock says they are.
    own = {
        name: sorted(
            project_modules(
                package.path if name == package.name else lock_file.parent / _local_path(pkg),
                name,
            )
        )
        for name, pkg in sorted(local.items())
        if name not in virtual
    }
    args = (json.dumps(sorted(set(candidates) - virtual)), json.dumps(own))
    done, line = _probe(context, docker, image, probe_script(), args, timeout)
    if not line:
        detail = "no Python interpreter of the image could run the import check" + (
            f": {done.tail(1)}" if done.output.strip() else ""
        )
        result = StepResult.from_completed("imports", done, detail)
        result.status, result.exit_code = Status.FAILED, done.returncode or 1
        return Outcome(result)
    report = json.loads(line.removeprefix("SCAFFOLD-PROBE "))
    version = ".".join(str(report.get("python", "")).split(".")[:2])
    expected = (by_version.get(version) or set(candidates)) - virtual
    mapping = load_system_mapping(mapping_file, release)
    imported, whole, problems, notes = _dependencies_imported(report, expected, mapping, release)
    declared = Declared.of(package.pyproject, environment, list(local))
    unfound: list[str] = []  # installed, but no module of it found: nothing of it imported
    for entry in report.get("own", []):
        if entry["name"] not in expected:
            continue
        if not entry["installed"]:
            problems.append(f"{entry['name']} is locked but not installed in the image")
            continue
        if not entry.get("modules"):
            unfound.append(entry["name"])
        found = judge(entry, declared, "in the image")
        imported += found.imported
        problems += found.problems
        notes += found.notes
    result = StepResult(
        "imports",
        Status.OK,
        done.duration,
        command=f"{docker.binary} run ... {image.tag} python -c <import probe>",
    )
    result.notes = notes
    result.data.update({"python": report.get("python"), "modules": imported, "imported": whole})
    if virtual:
        result.data["virtual"] = sorted(virtual)
    if problems:
        result.status, result.exit_code = Status.FAILED, 1
        result.detail = problems[0] + (
            f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        )
        result.output_tail = "\n".join(problems)
        return Outcome(result)
    if unfound:
        # An editable install leaves a .pth and no record of its modules, and a package not
        # named after its distribution is not found from the source: not proven, never ok.
        result.status, result.skip_reason = Status.SKIPPED, SkipReason.UNAVAILABLE
        result.detail = (
            f"no module of {', '.join(unfound)} was found in the image to import (an editable "
            "install records none): install with uv sync --no-editable"
        )
        return Outcome(result)
    result.detail = (
        f"{imported} modules of {len(expected)} distributions import as the image's user"
    )
    if virtual:
        result.detail += f" ({', '.join(sorted(virtual))}: virtual, not installed by uv)"
    return Outcome(result)


def _local_path(pkg: LockedPackage) -> str:
    """Where uv.lock says a local distribution's source is, relative to the lock's folder."""
    for key in ("editable", "directory", "path"):
        if isinstance(pkg.source.get(key), str):
            return str(pkg.source[key])
    return "."


def _dependencies_imported(
    report: dict[str, Any], expected: set[str], mapping: SystemMapping, release: str
) -> tuple[int, list[str], list[str], list[str]]:
    """Modules imported, distributions imported whole, problems and notes of the dependencies."""
    problems: list[str] = []
    notes: list[str] = []
    imported = 0
    whole: list[str] = []
    for entry in report["packages"]:
        name = entry["name"]
        if name not in expected:
            continue
        if not entry["installed"]:
            problems.append(f"{name} is locked but not installed in the image")
            continue
        if not any(entry["modules"].values()):
            whole.append(name)
        for module, error in entry["modules"].items():
            if not error:
                imported += 1
            elif error.startswith(("ImportError", "ModuleNotFoundError", "OSError")):
                problems.append(_import_problem(name, module, error, mapping, release))
            else:
                notes.append(f"import {module} raised {error[:160]}")
    return imported, whole, problems, notes


def interpreters(config: dict[str, Any]) -> list[str]:
    """Where the image's own command finds Python, most likely first: the venv of its
    entrypoint or command, the venv its environment names, the one in its working folder."""
    found: list[str] = []
    command = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
    if command and command[0].startswith("/") and "/bin/" in command[0]:
        found.append(command[0].rsplit("/", 1)[0] + "/python")
    env = dict(item.partition("=")[::2] for item in config.get("Env") or [])
    for key in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"):
        if env.get(key, "").startswith("/"):
            found.append(env[key].rstrip("/") + "/bin/python")
    workdir = str(config.get("WorkingDir") or "")
    if workdir.startswith("/"):
        found.append(workdir.rstrip("/") + "/.venv/bin/python")
    found += ["python", "python3"]
    return list(dict.fromkeys(found))


def _probe(
    context: Context,
    docker: Docker,
    image: Image,
    script: str,
    args: tuple[str, ...],
    timeout: float,
) -> tuple[Completed, str]:
    """Run the import probe with the first interpreter of the image that exists."""
    tried = interpreters(image.config)
    done = Completed((), 127, "", 0.0)
    for python in tried:
        name = throwaway_name("imports")
        context.on_cleanup(partial(docker.remove_container, name))
        done = docker.run_once(
            image.tag, "-c", script, *args,
            name=name, options=("--entrypoint", python), timeout=timeout,
        )  # fmt: skip
        line = next((ln for ln in done.output.splitlines() if ln.startswith("SCAFFOLD-PROBE ")), "")
        if line:
            return done, line
        if done.returncode not in (126, 127) and "executable file not found" not in done.output:
            return done, ""  # that interpreter ran and failed: its error is the answer
    return done, ""


def _closure_for(lock: Lock, roots: list[str], version: str) -> list[LockedPackage]:
    env = {"python_version": version, "python_full_version": f"{version}.0"}
    found: dict[str, LockedPackage] = {}
    for root in roots:
        for pkg in lock.runtime_closure(root, env):
            found.setdefault(pkg.name, pkg)
    return list(found.values())


_MISSING_LIBRARY = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")


def _import_problem(
    dist: str, module: str, error: str, mapping: SystemMapping, release: str = DEFAULT_RELEASE
) -> str:
    library = _MISSING_LIBRARY.search(error)
    if not library:
        return f"import {module} ({dist}) failed in the image: {error}"
    entry = mapping.projects.get(dist)
    packages = list(entry[1]) if entry and entry[1] else []
    packages = packages or [name for name in [library_package(library.group(1), release)] if name]
    package = f" (Debian package: {' '.join(packages)} in the runtime stage)" if packages else ""
    return f"import {module} ({dist}) failed in the image: {library.group(1)} is missing{package}"


def library_package(library: str, release: str) -> str:
    """The Debian package of ``release`` that ships a shared library ("" when not known)."""
    text = (resources.files("scaffold") / "data" / "shared-libraries.toml").read_text("utf-8")
    tables = tomllib.loads(text)
    for name in (release, "bookworm"):
        found = (tables.get(name) or {}).get(library)
        if isinstance(found, str):
            return found
    return ""
