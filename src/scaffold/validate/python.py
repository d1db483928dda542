"""The Python steps: the lock matches, the environment installs, tests pass, linters agree."""

from __future__ import annotations

import configparser
import json
import os
import re
import tempfile
import tomllib
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import ToolError
from scaffold.report import SkipReason, Status, StepResult
from scaffold.tools import runner
from scaffold.tools.runner import Completed
from scaffold.tools.uv import Uv, cause_hint, uv_cause
from scaffold.validate.engine import Outcome
from scaffold.validate.owncode import Declared, judge, probe_script
from scaffold.validate.project import Package, Project


@dataclass(frozen=True)
class Locked:
    """The project's uv.lock matches its pyproject.toml."""


@dataclass(frozen=True)
class Environment:
    """The locked environment is installed (dev group included)."""


def failed(name: str, done: Completed, detail: str) -> Outcome:
    return Outcome(StepResult.from_completed(name, done, detail))


def uv_failure(what: str, done: Completed) -> str:
    cause = uv_cause(done.output)
    hint = cause_hint(cause)
    if "Failed to build" in done.output:
        # A dependency's build: its compiler's words explain it; a path that names the
        # interpreter (`cpython-313`) is not a missing Python.
        from scaffold.validate.container import explaining_line  # noqa: PLC0415

        line = explaining_line(done.output)
        cause += f": {line}" if line and line not in cause else ""
        hint = "" if hint.startswith("install that Python") else hint
    return f"{what}: {cause}" + (f" ({hint})" if hint else "")


# uv wraps its causes to the terminal's width: any whitespace may be a line break.
_NO_INTERPRETER = re.compile(r"No\s+interpreter\s+found\s+for\s+Python\s+([^\s,]+)")
_NO_DOWNLOAD = re.compile(
    r"Failed\s+to\s+(?:download|install)\s+`?[^`\s]*cpython-(\d+\.\d+(?:\.\d+)?)"
)


def machine_lacks_python(done: Completed) -> str:
    """The Python the project asks for is not on this machine and uv could not fetch one:
    nothing is wrong with the project, so the step is not proven ("" when that is not it)."""
    found = _NO_DOWNLOAD.search(done.output) or _NO_INTERPRETER.search(done.output)
    if found is None:
        return ""
    version = found.group(1)
    why = (
        "uv could not download it"
        if found.re is _NO_DOWNLOAD
        else "uv's Python downloads are turned off"
        if "downloads are set to 'never'" in done.output
        else "uv found none to download"
    )
    minor = ".".join(version.split(".")[:2])
    return (
        f"this machine has no Python {version} and {why}: install it (uv python install "
        f"{version} where downloads work, or the system's python{minor})"
    )


def not_proven(name: str, done: Completed, detail: str) -> Outcome:
    """A step that this machine, not the project, kept from running."""
    result = StepResult.from_completed(name, done, detail)
    result.status, result.skip_reason = Status.SKIPPED, SkipReason.UNAVAILABLE
    return Outcome(result)


def lock_step(project: Project, uv: Uv) -> Outcome:
    if not project.lock_file.is_file():
        where = "" if project.lock_root == project.root else f" in {project.lock_root}"
        return Outcome(
            StepResult(
                "lock", Status.FAILED, detail=f"no uv.lock{where}: run 'uv lock' and commit it"
            )
        )
    try:
        done = uv.lock(project.lock_root, check=True)
    except ToolError as exc:
        return Outcome(StepResult("lock", Status.FAILED, detail=exc.message))
    if not done.ok and (lacks := machine_lacks_python(done)):
        return not_proven("lock", done, lacks)
    if not done.ok:
        stale = "needs to be updated" in done.output or "does not match" in done.output
        detail = (
            "uv.lock is stale: it does not match pyproject.toml (run 'uv lock')"
            if stale
            else uv_failure("uv lock --check failed", done)
        )
        return failed("lock", done, detail)
    result = StepResult.from_completed("lock", done, "uv.lock matches pyproject.toml")
    return Outcome(result, Locked())


def sync_step(project: Project, uv: Uv, extras: tuple[str, ...] = ()) -> Outcome:
    args = ["sync", "--locked", *(f"--extra={extra}" for extra in extras)]
    in_workspace = project.workspace_members or project.lock_root != project.root
    if in_workspace:
        # The whole workspace's environment, from its root: a member's tests and linters often
        # come from the root's dev group.
        args.append("--all-packages")
    done = uv.run(*args, cwd=project.lock_root if in_workspace else project.root)
    if not done.ok and (lacks := machine_lacks_python(done)):
        return not_proven("sync", done, lacks)
    if not done.ok:
        return failed("sync", done, uv_failure("uv sync --locked failed", done))
    clash = _shadowed(project, uv)
    if clash:
        result = StepResult.from_completed("sync", done, clash)
        result.status, result.exit_code = Status.FAILED, 1
        return Outcome(result)
    shown = f" with the extras {', '.join(extras)}" if extras else ""
    return Outcome(
        StepResult.from_completed("sync", done, f"installed the locked environment{shown}"),
        Environment(),
    )


def _shadowed(project: Project, uv: Uv) -> str:
    """A module of the project's own that a dependency installs too: one of them cannot be
    imported, however well the environment installed."""
    from scaffold.tools.installed import clashes, project_modules  # noqa: PLC0415 - importlib.metadata

    chosen = uv.environment or os.environ.get("UV_PROJECT_ENVIRONMENT")
    environment = project.lock_root / (chosen or ".venv")  # an absolute one stays as it is
    own = [package.name for package in project.packages]
    for package in project.packages:
        if not package.is_project:
            continue
        found = clashes(project_modules(package.path, package.name), environment, own)
        if found:
            first = found[0]
            return (
                f"the project's module '{first.module}' is also installed by its dependency "
                f"'{first.distribution}': one of them cannot be imported (rename the package)"
            )
    return ""


# --- tests ----------------------------------------------------------------------------------


def tests_step(package: Package, uv: Uv, environment: Path | None) -> Outcome:
    if not package.has_tests:
        return Outcome(
            StepResult(
                "tests",
                Status.SKIPPED,
                detail="the project has no tests",
                skip_reason=SkipReason.UNAVAILABLE,
            )
        )
    with tempfile.TemporaryDirectory(prefix="scaffold-tests-") as scratch:
        # No .pytest_cache in the project: validation leaves it as it was. The JUnit report
        # counts what passed whatever the project's own output options (-q, -qq, -rN) show.
        report = Path(scratch) / "junit.xml"
        done = uv.python(
            "-m", "pytest", "-p", "no:cacheprovider", f"--junit-xml={report}", cwd=package.path
        )  # fmt: skip
        passed = _passed(report)
    if done.returncode == 5:
        result = StepResult.from_completed("tests", done)
        result.status, result.detail = Status.SKIPPED, "pytest collected no tests"
        result.skip_reason = SkipReason.UNAVAILABLE
        return Outcome(result)
    summary = pytest_summary(done.output)
    if done.ok and passed == 0:
        # Every test skipped, deselected or expected to fail: nothing was shown to work.
        result = StepResult.from_completed("tests", done)
        result.status = Status.SKIPPED
        result.detail = "no test passed" + (f": {summary}" if summary else "")
        result.skip_reason = SkipReason.UNAVAILABLE
        return Outcome(result)
    if done.ok:
        shown = summary or (f"{passed} passed" if passed is not None else "")
        return Outcome(StepResult.from_completed("tests", done, shown))
    hint = _extra_hint(package, done, environment)
    if hint and not_installed(done, "pytest"):
        return failed("tests", done, f"pytest is not installed in the project's environment{hint}")
    detail = not_installed(done, "pytest") or pytest_failure(done, summary)
    return failed("tests", done, detail + hint)


_NO_MODULE = re.compile(r"No module named '?([\w.]+)")


def _extra_hint(package: Package, done: Completed, environment: Path | None) -> str:
    """A test import that fails on a module an optional extra provides: name that extra (CI
    setups install `.[test]`; validation installs only what it is told)."""
    missing = _NO_MODULE.search(done.output)
    if not missing:
        return ""
    declared = Declared.of(package.pyproject, environment, [package.name])
    dist = declared.provider(missing.group(1))
    extra = declared.extra_for(dist) if dist else ""
    if not extra:
        return ""
    return (
        f" ({dist} comes with the extra '{extra}': give --extra {extra}, or "
        f'[tool.scaffold] extras = ["{extra}"])'
    )


def _passed(junit: Path) -> int | None:
    """How many tests passed, from pytest's JUnit report (None without a readable one)."""
    from xml.etree import ElementTree  # noqa: PLC0415

    try:
        root = ElementTree.parse(junit).getroot()  # noqa: S314 - pytest's own report, just made
    except (OSError, ElementTree.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = 0
    for suite in suites:
        counts = [int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")]
        total += counts[0] - sum(counts[1:])
    return total


def not_installed(done: Completed, tool: str) -> str:
    """uv's "Failed to spawn" means the project's environment lacks the tool."""
    if f"No module named {tool}" in done.output or "Failed to spawn" in done.output:
        return f"{tool} is not installed in the project's environment (add it to the dev group)"
    return ""


def pytest_summary(output: str) -> str:
    for line in reversed(output.splitlines()):
        stripped = line.strip("= \t")
        if " in " in stripped and any(
            w in stripped for w in ("passed", "failed", "error", "skipped")
        ):
            return stripped
    return ""


def pytest_failure(done: Completed, summary: str) -> str:
    """The line that explains a failed pytest run: a conftest or collection error's cause."""
    lines = done.output.splitlines()
    first_error = next((ln[1:].strip() for ln in lines if ln.startswith("E   ")), "")
    if "ImportError while loading conftest" in done.output:
        return f"tests could not start: conftest failed to import: {first_error}".rstrip(": ")
    if done.returncode == 4:
        usage = next((ln.strip() for ln in lines if ln.startswith(("ERROR:", "error:"))), "")
        return f"pytest could not start (usage error): {usage or first_error}".rstrip(": ")
    if done.returncode == 2 or "ERROR collecting" in done.output:
        where = next((ln.strip("_ ").strip() for ln in lines if "ERROR collecting" in ln), "")
        return f"tests could not be collected: {where}: {first_error}".strip(": ")
    if summary:
        return f"tests failed: {summary}"
    if done.timed_out:
        return ""
    return f"pytest exited with {done.returncode}: {first_error}".rstrip(": ")


# --- lint -------------------------------------------------------------------------------------

_CONFIG_DIRS = ("config", ".config", "configs", "tools", "ci", ".github/linters")


def lint_commands(package: Package, project: Project) -> list[tuple[str, ...]]:
    """ruff, mypy and ty, each as the project configures it, with a config path found where
    the tool would not look by itself."""
    root, tool = package.path, package.tool
    roots = [root] if project.lock_root == root else [root, project.lock_root]
    commands: list[tuple[str, ...]] = []
    ruff = _found(roots, ("ruff.toml", ".ruff.toml")) or ("ruff" in tool and "pyproject")
    # --no-fix: a project's `fix = true` must not let validation rewrite its files.
    scope = _default_scope(package)
    if not ruff and (found := _in_config_dir(root, ("ruff.toml", ".ruff.toml"))):
        ruff_scoped = _ruff_scoped(tool, [found])
        commands.append(
            ("ruff", "check", "--no-fix", "--config", str(found), *([] if ruff_scoped else scope))
        )
    elif ruff:
        files = [folder / name for folder in roots for name in ("ruff.toml", ".ruff.toml")]
        commands.append(
            ("ruff", "check", "--no-fix", *([] if _ruff_scoped(tool, files) else scope))
        )
    mypy_ini = _found(roots, ("mypy.ini", ".mypy.ini"))
    mypy_cfg = "mypy" in tool or mypy_ini or _setup_cfg_has(root, "mypy")
    mypy: tuple[str, ...] = ()
    if not mypy_cfg and (found := _in_config_dir(root, ("mypy.ini", ".mypy.ini"))):
        mypy = ("mypy", "--config-file", str(found))
    elif mypy_cfg:
        mypy = ("mypy",)
    if mypy:
        mypy_table = tool.get("mypy")
        targets = (
            any(mypy_table.get(key) for key in ("files", "packages", "modules"))
            if isinstance(mypy_table, dict)
            else False
        )
        if not targets and not _ini_has_files(root, mypy_ini):
            # The package only: many projects type-check their tests less strictly, or not.
            mypy += tuple(scope[:1]) or (".",)
        commands.append(mypy)
    if "ty" in tool or _found(roots, ("ty.toml",)):
        commands.append(("ty", "check"))
    elif found := _in_config_dir(root, ("ty.toml",)):
        commands.append(("ty", "check", "--config-file", str(found)))
    return commands


_RUFF_SCOPE = ("include", "extend-include", "exclude", "extend-exclude")


def _ruff_scoped(tool: Mapping[str, Any], files: list[Path]) -> bool:
    """Whether ruff's own configuration says which files it checks."""
    tables: list[object] = [tool.get("ruff")]
    for path in files:
        try:
            tables.append(tomllib.loads(path.read_text("utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
    return any(isinstance(t, dict) and any(k in t for k in _RUFF_SCOPE) for t in tables)


def _default_scope(package: Package) -> list[str]:
    """What a linter checks when the project does not say: the package and its tests (not a
    fuzz folder, a noxfile or scripts its maintainers never lint)."""
    root = package.path
    module = package.name.replace("-", "_")
    code = next(
        (name for name in ("src", module, f"{module}.py") if (root / name).exists()),
        "",
    )
    tests = [name for name in ("tests", "test") if (root / name).is_dir()]
    return [code, *tests] if code else []


def _found(folders: list[Path], names: tuple[str, ...]) -> bool:
    return any((folder / name).is_file() for folder in folders for name in names)


def _in_config_dir(root: Path, names: tuple[str, ...]) -> Path | None:
    return next(
        (root / d / n for d in _CONFIG_DIRS for n in names if (root / d / n).is_file()), None
    )


def _setup_cfg_has(root: Path, section: str) -> bool:
    parser = configparser.ConfigParser()
    try:
        parser.read(root / "setup.cfg", encoding="utf-8")
    except configparser.Error:
        return False
    return parser.has_section(section)


def _ini_has_files(root: Path, present: bool) -> bool:
    if not present:
        return False
    parser = configparser.ConfigParser()
    for name in ("mypy.ini", ".mypy.ini"):
        try:
            parser.read(root / name, encoding="utf-8")
        except configparser.Error:
            continue
    return parser.has_option("mypy", "files")


def lint_step(
    package: Package, project: Project, uv: Uv, commands: list[tuple[str, ...]]
) -> Outcome:
    # The linters run at the same time: mypy is the slow one, ruff and ty finish under it.
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        runs = list(pool.map(lambda cmd: uv.python("-m", *cmd, cwd=package.path), commands))
    total = max((done.duration for done in runs), default=0.0)
    command_line = " && ".join(done.command for done in runs)
    failures = [
        (command, done) for command, done in zip(commands, runs, strict=True) if not done.ok
    ]
    if failures:
        details = [
            not_installed(done, cmd[0]) or _lint_problem(cmd, done) for cmd, done in failures
        ]
        first = failures[0][1]
        result = StepResult.from_completed("lint", first, "; ".join(details))
        result.duration, result.command = total, command_line
        result.output_tail = "\n".join(done.tail(12) for _, done in failures)
        return Outcome(result)
    names = ", ".join(" ".join(cmd[:2]) for cmd in commands)
    return Outcome(StepResult("lint", Status.OK, total, f"{names}: clean", command=command_line))


def _lint_problem(command: tuple[str, ...], done: Completed) -> str:
    lines = [ln.strip() for ln in done.output.splitlines() if ln.strip()]
    summary = next(
        (ln for ln in reversed(lines) if re.match(r"^Found \d+ (errors?|diagnostics?)", ln)), ""
    )
    first = next((ln for ln in lines if re.search(r":\d+(:\d+)?: ", ln)), "")
    what = " ".join(command[:2])
    return (
        f"{what} found problems: {summary or first}".rstrip(": ")
        if (summary or first)
        else (f"{what} found problems")
    )


# --- the package a library ships -----------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """The sdist and wheel build, and the wheel installs and imports on its own."""


def package_applies(package: Package) -> bool:
    """A library: it says so, or it has a build system and no Dockerfile."""
    if not package.is_project or "build-system" not in package.pyproject:
        return False
    return package.settings.kind == "lib" or package.dockerfile is None


def package_step(package: Package, uv: Uv) -> Outcome:
    """``uv build``, then the wheel alone in a fresh environment, and its modules imported."""
    with tempfile.TemporaryDirectory(prefix="scaffold-package-") as scratch:
        out, venv = Path(scratch) / "dist", Path(scratch) / "venv"
        done = uv.run("build", "--out-dir", str(out), cwd=package.path)
        if not done.ok:
            return failed("package", done, uv_failure("uv build failed", done))
        wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
        if not wheels or not sdists:
            detail = "uv build made " + ("no wheel" if not wheels else "no sdist")
            return Outcome(
                StepResult("package", Status.FAILED, done.duration, detail, done.command, 1)
            )
        steps = [
            uv.run("venv", "--quiet", str(venv), cwd=package.path),
            uv.run(
                "pip", "install", "--quiet", "--python", str(venv), str(wheels[0]), cwd=package.path
            ),
        ]
        for step in steps:
            if not step.ok:
                return failed("package", step, uv_failure("the wheel did not install", step))
        modules = wheel_modules(wheels[0])
        if not modules:
            return Outcome(
                StepResult(
                    "package",
                    Status.FAILED,
                    detail=f"{wheels[0].name} holds no importable module",
                    exit_code=1,
                )
            )
        check = runner.run(
            [str(venv / "bin" / "python"), "-c", probe_script(), "[]",
             json.dumps({package.name: modules})],
            cwd=Path(scratch),
            timeout=uv.timeout,
        )  # fmt: skip
        line = next((ln for ln in check.output.splitlines() if ln.startswith(PROBE_PREFIX)), "")
        if not line:
            return failed("package", check, f"the installed wheel does not import: {check.tail(1)}")
    return _imported(package, uv, done, check, line, [*sdists, *wheels], modules)


def _imported(
    package: Package,
    uv: Uv,
    done: Completed,
    check: Completed,
    line: str,
    files: list[Path],
    modules: list[str],
) -> Outcome:
    """The package step's result from the probe's report of the wheel's own modules."""
    own = json.loads(line.removeprefix(PROBE_PREFIX))["own"][0]
    declared = Declared.of(package.pyproject, uv.environment, [package.name])
    found = judge(own, declared, "from the wheel alone")
    if found.problems:
        result = StepResult("package", Status.FAILED, check.duration, command=check.command)
        result.exit_code, result.notes = 1, found.notes
        result.detail = found.problems[0] + (
            f" (and {len(found.problems) - 1} more)" if len(found.problems) > 1 else ""
        )
        result.output_tail = "\n".join(found.problems)
        return Outcome(result)
    built = ", ".join(path.name for path in files)
    result = StepResult(
        "package",
        Status.OK,
        detail=f"built {built}; the wheel imports {', '.join(modules)} alone "
        f"({found.imported} module{'s' if found.imported != 1 else ''})",
    )
    result.command, result.notes = done.command, found.notes
    return Outcome(result, Built())


PROBE_PREFIX = "SCAFFOLD-PROBE "


def wheel_modules(wheel: Path) -> list[str]:
    """Top-level importable names in a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = {
            name.split("/")[0].removesuffix(".py")
            for name in archive.namelist()
            if not name.split("/")[0].endswith((".dist-info", ".data"))
            and (name.endswith(".py") or "/" in name)
        }
    return sorted(name for name in names if name.isidentifier())
