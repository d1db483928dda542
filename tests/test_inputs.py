"""Every answer a user can type either is refused with a one-line usage error or gives files that
parse back to what was typed: pyproject.toml, the copier answers file and every Python module."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import signal
import string
import tempfile
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from validate_pyproject import api

from scaffold import cli
from scaffold.create.new import NewOptions, build_spec
from scaffold.create.render import ANSWERS_FILE, RenderPlan, render
from scaffold.create.spec import MAX_AUTHOR, MAX_DESCRIPTION, ProjectSpec
from scaffold.create.templates import load_template
from scaffold.create.text import check_text
from scaffold.errors import UsageError

TEMPLATE = load_template("service")
VALIDATOR = api.Validator()  # validate-pyproject: PEP 621 and the tool tables it knows

# Text a person could type, weighted towards what breaks formats: quotes, backslashes, TOML and
# YAML syntax, and every kind of Unicode character including the ones scaffold refuses.
_TRICKY = st.sampled_from(['"', "'", "\\", '"""', "\\u0041", "#", ": ", "- ", "{{", "%", "\t"])
_TEXT = st.lists(st.one_of(st.text(max_size=12), _TRICKY), max_size=12).map("".join)

_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}([-_.][A-Za-z0-9]{1,6}){0,2}", fullmatch=True)
_VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True)
_MARKER_VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="'"),
    max_size=10,
)


@st.composite
def _dependency(draw: st.DrawFn) -> str:
    text = draw(_NAME).replace("_", "-")
    extras = draw(st.lists(st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), max_size=2))
    if extras:
        text += "[" + ",".join(extras) + "]"
    lower, upper = draw(_VERSION), draw(_VERSION)
    text += draw(
        st.sampled_from(
            [f">={lower},<{upper}", f"=={lower}", f"~={lower}.0", f">{lower},<={upper}"]
        )
    )
    marker = draw(
        st.sampled_from(
            [
                "",
                '; python_version < "3.13"',
                "; sys_platform == 'linux' and python_version >= '3.11'",
                "; platform_machine != '{}'",
                '; extra == "{}"',
            ]
        )
    )
    if "{}" in marker:
        marker = marker.replace("{}", draw(_MARKER_VALUE).replace('"', ""))
    return text + marker


def _files(plan: RenderPlan) -> dict[str, str]:
    return {item.path: item.content.decode("utf-8") for item in plan.files}


def _parses_back(spec: ProjectSpec) -> None:
    files = _files(render(TEMPLATE, spec.answers()))
    pyproject = tomllib.loads(files["pyproject.toml"])
    VALIDATOR(pyproject)
    project = pyproject["project"]
    assert project["description"] == spec.description
    assert project.get("authors", [{"name": ""}]) == [{"name": spec.author}]
    assert project["dependencies"] == [str(dep) for dep in spec.dependencies]
    assert yaml.safe_load(files[ANSWERS_FILE]) == spec.answers()
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)


def _spec_or_usage_error(**kwargs: object) -> ProjectSpec | None:
    options = NewOptions(name="my-api", python="3.11", lock=False, **kwargs)  # type: ignore[arg-type]
    try:
        return build_spec(options, TEMPLATE)
    except UsageError as exc:
        assert "\n" not in exc.message  # noqa: PT017 - most examples are fine, some refused
        return None


@given(description=_TEXT, author=_TEXT)
@example(description='say "hi" \\o/ """', author='Ada "the first" \\ Lovelace')
@example(description="ends with a backslash \\", author="O'Brien")
def test_answers_are_refused_or_parse_back(description: str, author: str) -> None:
    spec = _spec_or_usage_error(description=description, author=author)
    if spec is not None:
        _parses_back(spec)


@given(deps=st.lists(_dependency(), max_size=4))
@example(deps=['requests>=2,<3; python_version<"3.13"'])
@example(deps=["uvicorn[standard]>=0.30,<1 ; platform_machine != 'a\\\\b\"c'"])
def test_dependencies_with_markers_and_extras_parse_back(deps: list[str]) -> None:
    spec = _spec_or_usage_error(deps=tuple(deps))
    if spec is not None:
        _parses_back(spec)


@given(deps=st.lists(_TEXT, max_size=3))
def test_arbitrary_dependency_text_is_refused_or_parses_back(deps: list[str]) -> None:
    spec = _spec_or_usage_error(deps=tuple(deps))
    if spec is not None:
        _parses_back(spec)


def test_quotes_and_backslashes_are_accepted() -> None:
    spec = build_spec(
        NewOptions(name="my-api", description='a "quoted" C:\\path', author='A "B" \\ C'),
        TEMPLATE,
    )
    assert spec.description == 'a "quoted" C:\\path'
    _parses_back(spec)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("two\nlines", "a line break"),
        ("bell\x07", "U+0007"),
        ("tab\there", "U+0009"),
        ("n\x85el", "U+0085"),
        ("sep\u2028arator", "U+2028"),
        ("evil\u202eoverride", "U+202E"),
        ("bytes\udcff", "not UTF-8"),
    ],
)
def test_unprintable_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        check_text("description", text, MAX_DESCRIPTION)


@pytest.mark.parametrize(
    ("field", "limit"), [("description", MAX_DESCRIPTION), ("author", MAX_AUTHOR)]
)
def test_free_text_has_a_length_limit(field: str, limit: int) -> None:
    assert _spec_or_usage_error(**{field: "x" * limit}) is not None
    with pytest.raises(UsageError, match="too long"):
        build_spec(NewOptions(name="my-api", **{field: "x" * (limit + 1)}))  # type: ignore[arg-type]


def test_printable_ascii_is_accepted_everywhere() -> None:
    text = string.printable.strip(string.whitespace) + " é ü 中文 🚀"
    spec = build_spec(NewOptions(name="my-api", description=text[:200], author=text[:100]))
    _parses_back(spec)


@given(
    name=st.one_of(_NAME, _TEXT),
    description=_TEXT,
    author=_TEXT,
    deps=st.lists(st.one_of(_dependency(), _TEXT), max_size=2),
    apt=st.lists(st.one_of(st.from_regex(r"[a-z0-9][a-z0-9+.-]{1,8}", fullmatch=True), _TEXT)),
)
@example(name="-my-api", description="", author="", deps=[], apt=[])
@example(name="my-api", description="x", author="y", deps=["requests"], apt=["gcc\n"])
def test_the_console_script_exits_0_or_2_with_one_line_for_any_answers(
    name: str, description: str, author: str, deps: list[str], apt: list[str]
) -> None:
    """Whatever is typed: a project whose files parse, or one line and exit 2; never exit 70."""
    argv = ["new", name, "--description", description, "--author", author]
    argv += [arg for dep in deps for arg in ("--dep", dep)]
    argv += [arg for pkg in apt for arg in ("--apt-runtime", pkg)]
    # main() installs scaffold's signal handlers, and ignores signals once it is done.
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = {signum: signal.getsignal(signum) for signum in signals}
    err = io.StringIO()
    with tempfile.TemporaryDirectory() as parent:
        argv += [
            "--path",
            parent,
            "--python",
            "3.11",
            "--no-lock",
            "--no-git",
            "--no-validate",
            "-q",
        ]
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                cli.main(argv)
        except SystemExit as exc:
            code = exc.code
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
        created = list(Path(parent).iterdir())
        if code == 0:
            (project,) = created
            tomllib.loads((project / "pyproject.toml").read_text())
            yaml.safe_load((project / ANSWERS_FILE).read_text())
        else:
            assert code == 2, err.getvalue()
            assert created == []
            lines = err.getvalue().splitlines()
            assert len(lines) == 1, lines
            assert lines[0].startswith("error: ")


# Marker strings with escapes: packaging decodes them ("3.12\n" is a line break to it), and
# what it decoded is what scaffold would write.
_MARKER_TEXT = st.lists(
    st.one_of(
        st.text(max_size=4),
        st.sampled_from(
            ["\\n", "\\x1b", "\\x1b]0;t\\x07", "\\\\", "\\u0041", "\\t", '\\"', "\\", "\n", "\x1b"]
        ),
        st.sampled_from(["\x7f", "\x85", "\u2028", "[tool.x]", "]", "=", '"', "'", "3.12"]),
    ),
    max_size=6,
).map("".join)


@given(variable=st.sampled_from(["python_version <", "platform_machine =="]), value=_MARKER_TEXT)
@example(variable="python_version <", value="3.12\\n")
@example(variable="python_version <", value='3.12\\n[tool.evil]\\nx = \\"')
@example(variable="platform_machine ==", value="\\x1b]0;pwned\\x07")
@example(variable="platform_machine ==", value="a\\\\b")
@example(variable="platform_machine ==", value="\\u0041")
def test_a_marker_with_any_text_is_refused_or_written_as_the_requirement_given(
    variable: str, value: str
) -> None:
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415

    from scaffold.create.deps import parse_dependency  # noqa: PLC0415
    from tests.conftest import FAST, Cli  # noqa: PLC0415

    given_dep = f'x-lib>=1,<2; {variable} "{value}"'
    with tempfile.TemporaryDirectory() as parent:
        result = Cli()("new", "my-api", "--path", parent, *FAST, "--dep", given_dep)
        if result.code == 2:
            assert len(result.stderr.strip().splitlines()) == 1, result
            assert list(Path(parent).iterdir()) == []
            return
        assert result.code == 0, result
        pyproject = tomllib.loads((Path(parent) / "my-api" / "pyproject.toml").read_text())
    assert set(pyproject) == {"project", "dependency-groups", "build-system", "tool"}
    written = [dep for dep in pyproject["project"]["dependencies"] if dep.startswith("x-lib")]
    assert written == [str(parse_dependency(given_dep))]
    try:
        assert Requirement(written[0]) == Requirement(given_dep)
    except InvalidRequirement:  # pragma: no cover - a failure, shown with the text
        pytest.fail(f"{written[0]!r} does not parse back")


@pytest.mark.parametrize(
    ("dep", "message"),
    [
        ('x>=1,<2; python_version < "3.12\\n"', "the dependency contains a line break"),
        ('x>=1,<2; platform_machine == "\\x1b[2J"', "the control character U+001B"),
        ("x>=1,<2; platform_machine == '\\u202e'", "the control character U+202E"),
        ('x>=1,<2; platform_machine == "a\\\\b"', "a backslash (PEP 508 strings take no escapes)"),
    ],
)
def test_escapes_in_markers_are_refused_in_check_texts_words(dep: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        build_spec(NewOptions(name="my-api", python="3.11", lock=False, deps=(dep,)), TEMPLATE)
