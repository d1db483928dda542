"""The command line: maps options onto the library and its reports onto output and exit codes.

Imports of the core, Jinja and rich happen inside the commands, so ``--help`` and
``new --no-lock --no-git --no-validate`` pay only for what they use.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from scaffold import __version__

# The signal handlers live in errors, which the entry point loads and installs first: a handler
# that imported a module could find it half-initialised when a signal lands during that import.
from scaffold.errors import forget_caught_interrupt, signals, take_dropped_interrupt
from scaffold.validate.steplist import STEPS

if TYPE_CHECKING:
    from scaffold.create.answers import Ask
    from scaffold.validate.validation import ValidateOptions

# Help texts are plain text: rich markup would read the "[default: ...]", "[env: ...]" and
# "[@REF]" notes as tags and drop them. Click's own layout also keeps the options column narrow
# enough to read at 80 columns. A "\b" line keeps the paragraph after it (examples) unwrapped.
_ENVIRONMENT = """\b
Environment:
  SCAFFOLD_CONFIG        the config file
                         [default: $XDG_CONFIG_HOME/scaffold/config.toml]
  SCAFFOLD_PRESET        a team's defaults for new (as --preset)
  SCAFFOLD_PYTHON_IMAGE  the base image for builds (as --python-image)
  SCAFFOLD_UV_IMAGE      the uv image for builds (as --uv-image)
  SCAFFOLD_DOCKER        the docker client binary (as --docker)
  SCAFFOLD_COMPOSE       the compose client [default: docker compose]
  SCAFFOLD_RENDER_TIMEOUT, SCAFFOLD_RENDER_MAX_MB, SCAFFOLD_RENDER_MAX_FILES
                         limits for rendering a copier template"""

app = typer.Typer(
    name="scaffold",
    help="Create Python service repositories from templates, and prove they work.",
    epilog=_ENVIRONMENT,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _examples(*lines: str) -> str:
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat every skipped step as a failure.")]
SkipOpt = Annotated[
    list[str] | None,
    typer.Option("--skip", help=f"Skip a validation step (repeatable): {', '.join(STEPS)}."),
]
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--only", help="Run only this validation step and the steps it needs (repeatable)."
    ),
]
IsolatedOpt = Annotated[
    bool | None,
    typer.Option(
        "--isolated/--shared-cache",
        help="Build with a BuildKit cache no other build touched [default: when $CI is set].",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option("--jobs", "-j", help="Validation steps run at once [default: cores + 1, 2 to 4]."),
]
PythonImageOpt = Annotated[
    str | None,
    typer.Option("--python-image", help="Base image for the build [env: SCAFFOLD_PYTHON_IMAGE]."),
]
UvImageOpt = Annotated[
    str | None, typer.Option("--uv-image", help="uv image for the build [env: SCAFFOLD_UV_IMAGE].")
]
CaOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-bundle",
        help="CA bundle given to the build as a secret [default: $SSL_CERT_FILE when it exists].",
    ),
]
DockerOpt = Annotated[
    str | None, typer.Option("--docker", help="The docker client binary [env: SCAFFOLD_DOCKER].")
]
PrereleaseOpt = Annotated[
    bool,
    typer.Option(
        "--prerelease", help="The newest version may be a pre-release (default: stable only)."
    ),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", help="Seconds each validation step may take.")
]
TrustOpt = Annotated[
    bool,
    typer.Option(
        "--trust",
        help="Let a copier template run its tasks and Jinja extensions, and its project's "
        "own code in uv lock and validation.",
    ),
]


# The validation options `new` and `validate` share, declared once: each command that takes
# them gets them added to its signature (Typer reads the signature) and receives them gathered
# as one mapping, `validation_options`, for `_validate_options`.
_VALIDATION_OPTIONS = tuple(
    inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=option
    )
    for name, option, default in (
        ("skip", SkipOpt, None),
        ("strict", StrictOpt, False),
        ("isolated", IsolatedOpt, None),
        ("jobs", JobsOpt, None),
        ("timeout", TimeoutOpt, 600.0),
        ("python_image", PythonImageOpt, None),
        ("uv_image", UvImageOpt, None),
        ("ca_bundle", CaOpt, None),
        ("docker", DockerOpt, None),
    )
)
_GATHERED = "validation_options"


def _with_validation_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with the shared validation options, placed before the output options."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != _GATHERED]
    at = next((i for i, p in enumerate(own) if p.name == "json_output"), len(own))
    names = [p.name for p in _VALIDATION_OPTIONS]

    @functools.wraps(command)
    def with_options(**given: Any) -> None:
        gathered = {name: given.pop(name) for name in names}
        command(**given, **{_GATHERED: gathered})

    with_options.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own[:at], *_VALIDATION_OPTIONS, *own[at:]]
    )
    return with_options


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scaffold {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Create Python service repositories from templates, and prove they work."""


@contextlib.contextmanager
def _errors(json_output: bool, debug: bool) -> Iterator[None]:
    """One line on stderr and a fixed exit code for every error; a traceback only with --debug."""
    from scaffold.errors import ExitCode, ScaffoldError  # noqa: PLC0415 - not on --help

    try:
        yield
    except ScaffoldError as exc:
        if debug:
            raise
        from scaffold import ui  # noqa: PLC0415

        ui.error(exc.message, exc.hint, int(exc.exit_code), json_output)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt as exc:
        _report_interrupt(exc, json_output)
    except typer.Exit:
        raise
    except Exception as exc:  # a bug in scaffold: still one line, unless --debug
        interrupt = _wrapped_interrupt(exc)
        if interrupt is not None:
            _report_interrupt(interrupt, json_output)
        if debug:
            raise
        from scaffold import ui  # noqa: PLC0415

        hint = "run again with --debug for the traceback, and report it"
        ui.error(
            f"internal error: {type(exc).__name__}: {exc}", hint, ExitCode.INTERNAL, json_output
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


@contextlib.contextmanager
def _written(path: str | Path) -> Iterator[None]:
    """Past the write, a usage error is not "nothing was written" (exit 2): it is exit 3, the
    project written but a step after it failed, and the hint says where the project is."""
    from scaffold.errors import ExitCode, ScaffoldError  # noqa: PLC0415 - not on --help

    try:
        yield
    except ScaffoldError as exc:
        if exc.exit_code is not ExitCode.USAGE:
            raise
        hint = f"the project is written, in {path}; then run 'scaffold validate' there"
        raise ScaffoldError(
            exc.message,
            hint=f"{exc.hint}; {hint}" if exc.hint else hint,
            exit_code=ExitCode.POST_STEP_FAILED,
        ) from None


def _validate_options(
    *,
    skip: list[str] | None,
    only: list[str] | None = None,
    strict: bool,
    timeout: float,
    python_image: str | None,
    uv_image: str | None,
    ca_bundle: Path | None,
    docker: str | None,
    keep: bool = False,
    port: int | None = None,
    health_path: str | None = None,
    offline: bool = False,
    isolated: bool | None = None,
    jobs: int | None = None,
    dockerfile: Path | None = None,
    context: Path | None = None,
    grace: float = 5.0,
    system_packages: Path | None = None,
) -> ValidateOptions:
    from scaffold.validate.validation import ValidateOptions  # noqa: PLC0415

    return ValidateOptions(
        isolated=isolated,
        jobs=jobs,
        dockerfile=dockerfile,
        context=context,
        grace=grace,
        system_packages_file=system_packages,
        skip=frozenset(skip or ()),
        only=frozenset(only or ()),
        strict=strict,
        timeout=timeout,
        python_image=python_image,
        uv_image=uv_image,
        ca_bundle=ca_bundle,
        docker=docker,
        keep=keep,
        port=port,
        health_path=health_path,
        offline=offline,
    )


@app.command(
    epilog=_examples(
        "scaffold new my-api",
        "scaffold new my-cli --template cli --python 3.12",
        "scaffold new my-api --no-validate --path ~/src",
        "mkdir my-api && cd my-api && scaffold new .",
    )
)
@_with_validation_options
def new(
    name: Annotated[
        str,
        typer.Argument(
            help="Project name, e.g. my-api (any case or spacing); '.' for the current folder.",
        ),
    ],
    path: Annotated[
        Path, typer.Option("--path", help="Parent folder of the new project.")
    ] = Path(),
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="A built-in template (see 'scaffold templates'), or a copier template: a folder "
            "or a git URL[@REF] [default: the preset's, service].",
        ),
    ] = None,
    trust: TrustOpt = False,
    python: Annotated[
        str | None,
        typer.Option("--python", help="Python version, e.g. 3.12 [default: the running one]."),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="One line describing the project.")
    ] = None,
    author: Annotated[str | None, typer.Option("--author", help="Author name.")] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", help="An answer to a template question, key=value (repeatable)."),
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option("--data-file", help="Answers in a YAML or TOML file (below --data)."),
    ] = None,
    preset: Annotated[
        Path | None,
        typer.Option(
            "--preset",
            help="A team's defaults (TOML) [default: $SCAFFOLD_PRESET, else preset.toml in the "
            "config folder].",
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="Never ask: take defaults for what is not given."),
    ] = False,
    dep: Annotated[
        list[str] | None,
        typer.Option("--dep", help="Extra runtime dependency (repeatable); bounds are added."),
    ] = None,
    apt_build: Annotated[
        list[str] | None,
        typer.Option("--apt-build", help="Debian package for the builder stage (repeatable)."),
    ] = None,
    apt_runtime: Annotated[
        list[str] | None,
        typer.Option("--apt-runtime", help="Debian package for the runtime stage (repeatable)."),
    ] = None,
    system_packages: Annotated[
        Path | None,
        typer.Option("--system-packages", help="TOML file of extra PyPI -> Debian mappings."),
    ] = None,
    no_lock: Annotated[bool, typer.Option("--no-lock", help="Do not run uv lock.")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Do not run git init.")] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Let uv resolve from its cache only.")
    ] = False,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Do not validate the new project.")
    ] = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    validation_options: dict[str, Any] | None = None,
) -> None:
    """Create a new project, lock it, and validate it."""
    with _errors(json_output, debug):
        from scaffold import ui  # noqa: PLC0415
        from scaffold.create.answers import parse_data_args  # noqa: PLC0415
        from scaffold.create.new import NewOptions, new_project  # noqa: PLC0415
        from scaffold.create.presets import load_preset  # noqa: PLC0415

        options = NewOptions(
            name=name,
            data=parse_data_args(data or ()),
            data_file=data_file,
            preset=load_preset(preset),
            ask=_asker(no_input=no_input or json_output or quiet),
            parent=path,
            template=template,
            python=python,
            description=description,
            author=author,
            deps=tuple(dep or ()),
            apt_build=tuple(apt_build or ()),
            apt_runtime=tuple(apt_runtime or ()),
            system_packages_file=system_packages,
            lock=not no_lock,
            git=not no_git,
            offline=offline,
            trust=trust,
        )
        validation = None
        if not no_validate and not no_lock:
            validation = _validate_options(
                **(validation_options or {}), system_packages=system_packages, offline=offline
            )
        if validation is not None:
            from dataclasses import replace  # noqa: PLC0415
            from functools import partial  # noqa: PLC0415

            from scaffold.validate.validation import check_base_image  # noqa: PLC0415

            options = replace(options, check_python=partial(check_base_image, validation))
        out = ui.Output(json_output=json_output, quiet=quiet)
        report = new_project(options, on_step=out.new_step)
        if report.needs_trust and validation is not None:
            report.notices.append(f"not validated: {report.needs_trust}")
        elif validation is not None and report.post_steps_ok and report.python:
            from scaffold.validate.validation import validate_project  # noqa: PLC0415

            out.new_created(report)
            with _written(report.path), out.live_steps() as events:
                report.validation = validate_project(Path(report.path), validation, events)
            report.next_steps = _as_validated(report.next_steps, validation, Path(report.path))
        elif not no_validate and no_lock and report.python:
            report.notices.append("not validated: --no-lock leaves no lock to check")
        code = out.new_done(report)
        raise typer.Exit(code)


def _as_validated(lines: list[str], validation: ValidateOptions, project: Path) -> list[str]:
    """The next steps' ``docker build`` with the images and the CA secret validation used."""
    from scaffold.tools.docker import BuildSettings, build_command  # noqa: PLC0415
    from scaffold.validate.validation import project_python  # noqa: PLC0415

    settings = BuildSettings.resolve(
        validation.python_image, validation.uv_image, validation.ca_bundle, project_python(project)
    )
    return [build_command(settings, line) for line in lines]


@app.command(
    short_help="Compare projects with their template at the recorded version.",
    epilog=_examples(
        "scaffold check",
        "scaffold check ~/src/my-api ~/src/my-worker --latest",
        "scaffold check --diff --json",
    ),
)
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Project folders [default: the current one].")
    ] = None,
    latest: Annotated[
        bool,
        typer.Option("--latest", help="Also show what an update to the newest template changes."),
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show each drifted file's diff.")] = False,
    prerelease: PrereleaseOpt = False,
    offline: Annotated[bool, typer.Option("--offline", help="uv uses its cache only.")] = False,
    trust: TrustOpt = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compare projects with their template at the recorded version: exit 0 in step, 1 drifted,
    4 a path that is not a scaffold project, 2 an answers file or template that cannot be read."""
    with _errors(json_output, debug):
        from scaffold import ui  # noqa: PLC0415
        from scaffold.lifecycle.check import check_projects  # noqa: PLC0415

        report = check_projects(
            list(paths or [Path()]),
            latest=latest,
            offline=offline,
            prerelease=prerelease,
            trust=trust,
        )
        raise typer.Exit(ui.check_done(report, json_output=json_output, quiet=quiet, diff=diff))


@app.command(
    short_help="Bring a project to a newer template, its edits kept.",
    epilog=_examples(
        "scaffold update --dry-run",
        "scaffold update ~/src/my-api --to 0.2.0 --validate",
        "scaffold update --data description='A new line'",
    ),
)
def update(
    path: Annotated[Path, typer.Argument(help="Project folder.")] = Path(),
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Template version: a scaffold version, or a git tag [default: newest]."
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", help="Change an answer, key=value (repeatable)."),
    ] = None,
    allow_dirty: Annotated[
        bool,
        typer.Option("--allow-dirty", help="Update a git repository with uncommitted changes."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the diff, write nothing.")
    ] = False,
    validate_after: Annotated[
        bool, typer.Option("--validate", help="Run scaffold validate on the result.")
    ] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never ask.")] = False,
    prerelease: PrereleaseOpt = False,
    offline: Annotated[bool, typer.Option("--offline", help="uv uses its cache only.")] = False,
    trust: TrustOpt = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Bring a project to a newer template: its edits kept, conflicts marked in the files.

    Exit 0: updated; 6: conflicts to resolve (marked in the files); 3: updated but uv lock failed.
    """
    with _errors(json_output, debug):
        from scaffold import ui  # noqa: PLC0415
        from scaffold.create.answers import parse_data_args  # noqa: PLC0415
        from scaffold.lifecycle.update import (  # noqa: PLC0415
            UpdateInterrupted,
            UpdateOptions,
            update_project,
        )

        options = UpdateOptions(
            to=to,
            data=parse_data_args(data or ()),
            allow_dirty=allow_dirty,
            dry_run=dry_run,
            offline=offline,
            prerelease=prerelease,
            ask=_asker(no_input=no_input or json_output or quiet),
            trust=trust,
            validate=validate_after and not dry_run,
        )
        validation = None
        if validate_after and not dry_run:
            from scaffold.validate.validation import ValidateOptions  # noqa: PLC0415

            # Made (and its images checked) before the update writes anything.
            validation = ValidateOptions(offline=offline)
        try:
            report = update_project(path, options)
        except UpdateInterrupted as exc:
            # Written, then cut short: what was written and what did not finish, not a bare
            # "interrupted", and still 128 + the signal.
            signals.reported = True
            code = ui.update_done(exc.report, json_output=json_output, quiet=quiet)
            raise typer.Exit(code) from None
        if validation is None or report.exit_code != 0:
            raise typer.Exit(ui.update_done(report, json_output=json_output, quiet=quiet))
        from scaffold.validate.validation import validate_project  # noqa: PLC0415

        if not json_output:  # what changed first, then the proof of it
            ui.update_done(report, json_output=False, quiet=quiet)
        out = ui.Output(json_output=json_output, quiet=quiet)
        with _written(path), out.live_steps() as events:
            validated = validate_project(path, validation, events)
        if json_output:  # one object: the update, with its validation inside
            raise typer.Exit(
                ui.update_done(report, json_output=True, quiet=quiet, validated=validated)
            )
        raise typer.Exit(out.validation_done(validated))


@app.command()
def templates(json_output: JsonOpt = False, debug: DebugOpt = False) -> None:
    """List the built-in templates, a line each."""
    with _errors(json_output, debug):
        from scaffold import ui  # noqa: PLC0415
        from scaffold.create.templates import available, load_template  # noqa: PLC0415

        ui.templates([load_template(name) for name in available()], json_output)


@app.command(
    short_help="Prove a project works: lock, tests, lint, image, imports, command.",
    epilog=_examples(
        "scaffold validate",
        "scaffold validate ~/src/my-api --skip build --skip run",
        "scaffold validate --only tests --only lint --json",
    ),
)
@_with_validation_options
def validate(
    path: Annotated[Path, typer.Argument(help="Project folder.")] = Path(),
    dockerfile: Annotated[
        Path | None,
        typer.Option(
            "--dockerfile", help="Dockerfile to build [default: [tool.scaffold] or ./Dockerfile]."
        ),
    ] = None,
    context: Annotated[
        Path | None,
        typer.Option("--context", help="Build context [default: the Dockerfile's folder]."),
    ] = None,
    grace: Annotated[
        float,
        typer.Option("--grace", help="Seconds a container without a port must stay up."),
    ] = 5.0,
    system_packages: Annotated[
        Path | None,
        typer.Option("--system-packages", help="TOML file of extra PyPI -> Debian mappings."),
    ] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the built image.")] = False,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Container port of the service [default: from the project]."),
    ] = None,
    health_path: Annotated[
        str | None, typer.Option("--health-path", help="Health endpoint [default: /health].")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="uv uses its cache only.")] = False,
    extra: Annotated[
        list[str] | None,
        typer.Option(
            "--extra",
            help="Optional extra to install for the tests (repeatable) [default: "
            "[tool.scaffold] extras].",
        ),
    ] = None,
    only: OnlyOpt = None,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    validation_options: dict[str, Any] | None = None,
) -> None:
    """Prove a project works: lock, tests, lint, the image, what it imports, and its command.

    Exit 0: proven; 1: a step failed; 5: not proven (an essential step could not run).
    """
    with _errors(json_output, debug):
        from scaffold import ui  # noqa: PLC0415
        from scaffold.validate.validation import validate_project  # noqa: PLC0415

        options = _validate_options(
            **(validation_options or {}),
            only=only,
            keep=keep,
            port=port,
            health_path=health_path,
            offline=offline,
            dockerfile=dockerfile,
            context=context,
            grace=grace,
            system_packages=system_packages,
        )
        if extra:
            from dataclasses import replace  # noqa: PLC0415

            options = replace(options, extras=tuple(extra))
        out = ui.Output(json_output=json_output, quiet=quiet)
        with out.live_steps() as events:
            report = validate_project(path, options, events)
        raise typer.Exit(out.validation_done(report))


def _wrapped_interrupt(exc: BaseException) -> KeyboardInterrupt | None:
    """The interrupt behind ``exc``, when a signal arrived inside Python's own machinery, which
    wraps what the handler raised (``RuntimeError: Error calling __set_name__`` while a class
    is made, an ``ImportError`` while a module loads)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _interrupt_code(exc: KeyboardInterrupt) -> int:
    from scaffold.errors import interrupt_exit_code  # noqa: PLC0415

    return interrupt_exit_code(exc)


def _report_interrupt(exc: KeyboardInterrupt, json_output: bool) -> NoReturn:
    from scaffold import ui  # noqa: PLC0415

    code = _interrupt_code(exc)
    signals.reported = True
    ui.error("interrupted", None, code, json_output)
    raise typer.Exit(code) from None


def _asker(*, no_input: bool) -> Ask | None:
    """The prompt for a template's questions, in a terminal only (stdin and stdout both), and
    never with --no-input, --json or --quiet."""
    if no_input or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    from scaffold import ui  # noqa: PLC0415

    return ui.ask


def _not_utf8(args: list[str]) -> str | None:
    """The first argument holding bytes that are not UTF-8 (lone surrogates in Python)."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return repr(os.fsencode(arg))
    return None


def _fail(message: str, hint: str | None, code: int, json_output: bool) -> int:
    from scaffold import ui  # noqa: PLC0415
    from scaffold.errors import one_line  # noqa: PLC0415

    ui.error(one_line(message), one_line(hint) if hint else None, code, json_output)
    return code


def main(argv: list[str] | None = None) -> None:
    """The CLI run: scaffold's own one-line errors for every way a run can end."""
    code = _main(sys.argv[1:] if argv is None else argv)
    # The work is done or reported: a signal now must not turn the outcome into another.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    forget_caught_interrupt()
    sys.exit(code)


def _click_error(exc: typer.TyperException, json_output: bool) -> int:
    """A usage mistake click found (unknown option, missing value) as scaffold's one line."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # its message is the help
        typer.echo(exc.format_message())
        return 2
    ctx = getattr(exc, "ctx", None)
    hint = f"see '{ctx.command_path} --help'" if ctx is not None else None
    message = exc.format_message().rstrip(".")
    message = message[0].lower() + message[1:] if message else "invalid arguments"
    return _fail(" ".join(message.split()), hint, exc.exit_code, json_output)


def _main(args: list[str]) -> int:
    from typer import Abort  # noqa: PLC0415
    from typer.main import get_command  # noqa: PLC0415

    json_output = "--json" in args
    try:
        signals.install()  # inside the try: a signal from now on is reported as one line
        bad = _not_utf8(args)
        if bad is not None:
            return _fail(f"the argument {bad} is not valid UTF-8", None, 2, json_output)
        code = get_command(app).main(args=args, prog_name="scaffold", standalone_mode=False)
    except typer.TyperException as exc:  # click's exceptions derive from it
        return _click_error(exc, json_output)
    except Abort:
        return _fail("interrupted", None, 130, json_output)
    except (KeyboardInterrupt, Exception) as exc:  # outside a command: parsing, importing...
        interrupt = _wrapped_interrupt(exc)
        if interrupt is None:
            raise
        return _fail("interrupted", None, _interrupt_code(interrupt), json_output)
    return _outcome(code if isinstance(code, int) else 0, json_output)


def _outcome(code: int, json_output: bool) -> int:
    """The exit code of a command that returned ``code``, unless a signal asked it to stop."""
    dropped = take_dropped_interrupt() or signals.received
    if dropped is not None and not signals.reported and code != 128 + dropped:
        # A signal arrived whose interrupt never reached the command (Python dropped it, and
        # no later wait raised it again): the run was asked to stop, and is not a success.
        return _fail("interrupted", None, 128 + dropped, json_output)
    if code == 130 and not signals.reported:
        # Typer turned an interrupt outside a command into a bare exit 130; say so.
        return _fail("interrupted", None, 130, json_output)
    return code
