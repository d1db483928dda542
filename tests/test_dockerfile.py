"""The Dockerfile reader: instructions as BuildKit reads them, and what each RUN installs.

Many cases follow BuildKit's own tests (moby/buildkit, Apache-2.0): the parser's
``frontend/dockerfile/parser/testfiles/`` and ``parser_heredoc_test.go``, and the build tests of
``frontend/dockerfile/dockerfile_heredoc_test.go``. Each such case names the upstream file or
test it follows; the Dockerfiles here are written for this reader (they install Debian
packages), not copied.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaffold.errors import ScaffoldError
from scaffold.tools.dockerfile import (
    DockerfileError,
    parse_dockerfile,
    read_dockerfile,
    shell_commands,
)
from scaffold.tools.system import DEFAULT_RELEASE
from scaffold.validate.container import release_for, sysdeps_step
from scaffold.validate.engine import Context, _Run
from scaffold.validate.project import load_project
from tests.conftest import GOLDEN, Cli
from tests.test_validate_parts import LOCK, write

NAME = Path("Dockerfile")


def packages(text: str) -> tuple[set[str], bool]:
    """The packages the (last) stage installs, and whether some install cannot be read."""
    stage = read_dockerfile(text, NAME).final
    return stage.apt_packages, bool(stage.apt_unknown)


# --- the two bugs of the issue -----------------------------------------------------------


def test_a_heredoc_run_is_one_instruction_whose_script_installs_its_packages() -> None:
    dockerfile = read_dockerfile(
        "FROM python:3.12-slim\nRUN <<EOT\nset -e\napt-get install -y libpq5\nEOT\n", NAME
    )
    assert dockerfile.final.apt_packages == {"libpq5"}
    assert not dockerfile.final.apt_unknown
    assert [ins.keyword for ins in dockerfile.final.instructions] == ["RUN"]  # no SET, APT-GET


def test_an_exec_form_run_of_a_shell_is_read() -> None:
    text = 'FROM python:3.12-slim\nRUN ["/bin/sh", "-c", "apt-get install -y libpq5"]\n'
    assert packages(text) == ({"libpq5"}, False)


# --- exec form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ('["pip", "install", "x"]', (set(), False)),  # no shell, no apt
        ('["apt-get", "install", "-y", "gcc"]', ({"gcc"}, False)),  # apt-get itself
        (
            '["/bin/bash", "-o", "pipefail", "-ec", "apt-get install -y make | cat"]',
            ({"make"}, False),
        ),
        # No shell expands it: apt-get would be asked for a package named "$PKGS".
        ('["apt-get", "install", "-y", "$PKGS"]', (set(), True)),
        # A program that is not a shell, given an apt install: nothing here can read it.
        ('["python3", "-c", "import os; os.system(\'apt-get install -y gcc\')"]', (set(), True)),
        # BuildKit reads a heredoc in no exec form (parser_heredoc_test.go, TestParseJSONHeredoc).
        ('["<<EOF"]', (set(), False)),
    ],
)
def test_exec_form_runs_its_words_without_a_shell(run: str, expected: object) -> None:
    assert packages(f"FROM debian\nRUN {run}\n") == expected


def test_exec_form_pip_install_still_marks_the_stage_that_installs_python_deps() -> None:
    dockerfile = read_dockerfile(
        'FROM python:3.12-slim AS builder\nRUN ["pip", "install", "x"]\nFROM python:3.12-slim\n',
        NAME,
    )
    assert dockerfile.build_stage().label == "builder"


def test_a_json_that_is_not_an_array_of_strings_is_the_shell_form() -> None:
    # testfiles/jeztah-invalid-json-*: BuildKit runs a broken JSON array through the shell.
    assert packages("FROM debian\nRUN ['apt-get', 'install', 'gcc']\n") == (set(), True)
    assert packages('FROM debian\nRUN [ "echo" ] && apt-get install -y gcc\n') == ({"gcc"}, False)


# --- heredocs ------------------------------------------------------------------------------

# After parser_heredoc_test.go (TestParseExtractsHeredoc, TestHeredocsFromLine): each way to
# write a heredoc's delimiter; the body is the shell script in each of them.
DELIMITERS = [
    ("<<EOT", "EOT"),
    ("<<-EOT", "\tEOT"),  # <<- : the closing line may be indented with tabs
    ("<<'EOT'", "EOT"),  # quoted: not expanded, still run
    ('<<"EOT"', "EOT"),
    ("<<eo'f'", "eof"),  # partly quoted: the delimiter is eof
    ("<<'one two'", "one two"),
    ("<<  EOT", "EOT"),  # spaces before the delimiter (BuildKit reads this since v0.13)
    ("3<<EOT", "EOT"),  # a descriptor: BuildKit still runs the body in the shell
]


@pytest.mark.parametrize(("opening", "closing"), DELIMITERS)
def test_every_way_of_writing_a_heredoc_runs_its_body(opening: str, closing: str) -> None:
    body = "\tapt-get install -y \\\n\t\tgcc libpq-dev\n" if "-" in opening else (
        "apt-get install -y \\\n    gcc libpq-dev\n"
    )  # fmt: skip
    text = f"FROM debian\nRUN {opening}\n{body}{closing}\nRUN echo after\n"
    dockerfile = read_dockerfile(text, NAME)
    assert dockerfile.final.apt_packages == {"gcc", "libpq-dev"}
    assert [(ins.keyword, ins.line) for ins in dockerfile.final.instructions] == [
        ("RUN", 2),
        ("RUN", 6),
    ]


def test_a_heredoc_keeps_its_comments_out_of_the_package_list() -> None:
    # parser_heredoc_test.go: RUN <<COMMENT, a comment line and a trailing comment.
    text = (
        "FROM debian\nRUN <<EOT\n# compilers first\nset -eux\n"
        "apt-get update\napt-get install -y gcc # not a package: a comment\nEOT\n"
    )
    assert packages(text) == ({"gcc"}, False)


def test_a_heredoc_with_flags_before_it() -> None:
    # parser_heredoc_test.go: RUN --mount=type=cache,target=/foo <<MOUNT
    text = (
        "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n"
        "    --network=default <<EOT\napt-get install -y libpq5\nEOT\n"
    )
    assert packages(text) == ({"libpq5"}, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The heredoc is bash's input (parser_heredoc_test.go: RUN <<COMPLEX python3).
        ("RUN <<EOT bash\napt-get install -y gcc\nEOT\n", ({"gcc"}, False)),
        ("RUN <<EOT sh -e\napt-get install -y gcc\nEOT\n", ({"gcc"}, False)),
        # Python runs it: whatever it installs cannot be read here, and no guess is made.
        (
            "RUN <<EOT python3\nimport subprocess\n"
            "subprocess.run(['apt-get', 'install', '-y', 'gcc'], check=True)\nEOT\n",
            (set(), True),
        ),
        ("RUN <<EOT python3\nprint('hello world')\nEOT\n", (set(), False)),
        # Two heredocs, each a shell's input (parser_heredoc_test.go: <<EOF <<EOF2).
        (
            "RUN <<A bash && <<B bash\napt-get install -y gcc\nA\napt-get install -y make\nB\n",
            ({"gcc", "make"}, False),
        ),
        # The heredocs are cat's data, not commands (dockerfile_heredoc_test.go,
        # testRunComplexHeredoc: cat <<EOF1 | tr ...; cat <<EOF2 | tr ...).
        (
            "RUN cat <<EOF1 | tr a-z A-Z > /out1; \\\n"
            "    cat <<EOF2 > /out2 && apt-get install -y gcc\n"
            "hello WORLD\nEOF1\nrm -rf / ; not run\nEOF2\n",
            ({"gcc"}, False),
        ),
        # A script written by cat and run later: what it installs cannot be told.
        (
            "RUN cat <<EOF > /setup.sh && sh /setup.sh\napt-get install -y gcc\nEOF\n",
            (set(), True),
        ),
        # A heredoc on another descriptor is not the shell's script (testRunComplexHeredoc:
        # <<EOF 3<<IN1 4<<IN2 awk -f -).
        (
            "RUN <<EOF 3<<IN1 bash -s\napt-get install -y gcc\nEOF\nnot-a-command\nIN1\n",
            ({"gcc"}, False),
        ),
    ],
)
def test_a_heredoc_in_a_longer_command_is_a_shell_heredoc(text: str, expected: object) -> None:
    assert packages(f"FROM debian\n{text}") == expected


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("#!/bin/bash -e\napt-get install -y gcc\n", ({"gcc"}, False)),
        (
            "#!/usr/bin/env bash\nset -o pipefail\napt-get install -y gcc | tee /log\n",
            ({"gcc"}, False),
        ),
        # dockerfile_heredoc_test.go, testRunShebangHeredoc: #!/bin/awk -f. Not a shell.
        ('#!/bin/awk -f\nBEGIN { system("apt-get install -y gcc") }\n', (set(), True)),
        ("#!/usr/bin/env python3\nprint('no apt here')\n", (set(), False)),
    ],
)
def test_a_heredoc_with_a_shebang_runs_in_the_program_it_names(
    script: str, expected: object
) -> None:
    assert packages(f"FROM debian\nRUN <<EOT\n{script}EOT\n") == expected


def test_a_chomped_heredoc_with_a_shebang_loses_its_tabs_first() -> None:
    # testRunShebangHeredoc's RUN <<-EOF with "\t#!/bin/awk -f": the #! line is the first.
    assert packages("FROM debian\nRUN <<-EOT\n\t#!/bin/sh\n\tapt-get install -y gcc\nEOT\n") == (
        {"gcc"},
        False,
    )


def test_a_shell_heredoc_inside_a_heredoc_is_data() -> None:
    text = (
        "FROM debian\nRUN <<EOT\ncat > /usr/local/bin/hello <<'EOF'\n#!/bin/sh\necho hello\n"
        "EOF\nchmod +x /usr/local/bin/hello\napt-get install -y tini\nEOT\n"
    )
    assert packages(text) == ({"tini"}, False)


def test_a_copy_heredoc_is_a_file_not_a_command() -> None:
    # parser_heredoc_test.go: COPY <<FILE1 <<FILE2 /dest, COPY <<EOF /quotes.
    dockerfile = read_dockerfile(
        "FROM debian\nCOPY <<EOF /etc/motd\napt-get install -y gcc\nEOF\n"
        "COPY <<A <<B /dest/\nset -e\nA\nRUN x\nB\nRUN apt-get install -y make\n",
        NAME,
    )
    assert dockerfile.final.apt_packages == {"make"}
    assert [ins.keyword for ins in dockerfile.final.instructions] == ["COPY", "COPY", "RUN"]


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ('["/bin/bash", "-o", "pipefail", "-c"]', ({"gcc"}, False)),
        ('["/bin/bash", "-euo", "pipefail", "-c"]', ({"gcc"}, False)),
        # dockerfile_heredoc_test.go, testRunFakeHeredoc: SHELL ["/bin/awk"] runs the body.
        ('["/bin/awk"]', (set(), True)),
        ('["pwsh", "-Command"]', (set(), True)),
    ],
)
def test_shell_form_and_heredocs_run_in_the_stage_s_shell(shell: str, expected: object) -> None:
    shell_form = f"FROM debian\nSHELL {shell}\nRUN apt-get install -y gcc\n"
    heredoc = f"FROM debian\nSHELL {shell}\nRUN <<EOT\napt-get install -y gcc\nEOT\n"
    assert packages(shell_form) == expected
    assert packages(heredoc) == expected


def test_a_stage_built_from_another_keeps_its_shell() -> None:
    text = 'FROM debian AS base\nSHELL ["pwsh", "-Command"]\nFROM base\nRUN apt-get install gcc\n'
    assert packages(text) == (set(), True)
    assert packages("FROM debian AS base\nFROM base\nRUN apt-get install gcc\n") == (
        {"gcc"},
        False,
    )


# --- continuations, directives, stages -----------------------------------------------------


def test_continuations_with_comments_blank_lines_and_trailing_spaces() -> None:
    # testfiles/continueIndent and testfile-line: comments and blank lines inside a continued
    # instruction, tabs, spaces after the backslash, a word split over lines.
    text = (
        "FROM debian\n\n"
        "RUN apt-get update \\\n"
        "\t&& apt-get install -y --no-install-recommends \\\n"
        "# the compilers\n"
        "    gcc \\  \n"
        "\n"
        "    libc6\\\n"
        "-dev \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "RUN echo done \\"  # testfiles/continue-at-eof: a backslash on the last line
    )
    dockerfile = read_dockerfile(text, NAME)
    assert dockerfile.final.apt_packages == {"gcc", "libc6-dev"}
    assert [(ins.keyword, ins.line) for ins in dockerfile.final.instructions] == [
        ("RUN", 3),
        ("RUN", 11),
    ]


def test_the_escape_directive_makes_the_backquote_the_continuation() -> None:
    # testfiles/escape and testfiles/escape-nonewline.
    text = "# escape=`\nFROM debian\nRUN apt-get install -y `\n    gcc `\n    make\n"
    dockerfile = read_dockerfile(text, NAME)
    assert dockerfile.final.apt_packages == {"gcc", "make"}
    assert dockerfile.final.instructions[0].line == 3


def test_an_escape_line_after_a_comment_is_only_a_comment() -> None:
    # testfiles/escape-after-comment: the backslash stays the continuation.
    text = "# a comment first\n# escape=`\nFROM debian\nRUN apt-get install -y \\\n    gcc\n"
    assert packages(text) == ({"gcc"}, False)


def test_directives_args_before_from_platforms_and_stage_names() -> None:
    text = (
        "# syntax=docker/dockerfile:1.7\n"
        "# check=skip=JSONArgsRecommended\n"
        'ARG PYTHON_IMAGE="python:3.12-slim-trixie" VARIANT\n'
        "ARG UV_IMAGE=ghcr.io/astral-sh/uv:${UV_VERSION:-0.13.9}\n"
        "FROM --platform=$BUILDPLATFORM ${UV_IMAGE} AS UV\n"
        "FROM --platform=linux/amd64 ${PYTHON_IMAGE}${VARIANT} as Builder\n"
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked\n"
        "FROM builder\n"
    )
    dockerfile = read_dockerfile(text, NAME)
    assert [(s.label, s.base) for s in dockerfile.stages] == [
        ("uv", "ghcr.io/astral-sh/uv:0.13.9"),
        ("builder", "python:3.12-slim-trixie"),
        ("stage 2", "builder"),
    ]
    assert dockerfile.build_stage().label == "builder"
    assert dockerfile.root_image(dockerfile.final) == "python:3.12-slim-trixie"
    assert dockerfile.stages[1].instructions[0].args == (
        "--mount=type=cache,target=/root/.cache/uv uv sync --locked"
    )


def test_onbuild_runs_nothing_in_this_build() -> None:
    assert packages("FROM debian\nONBUILD RUN apt-get install -y gcc\n") == (set(), False)


@pytest.mark.parametrize(
    "run",
    [
        # A builder that only builds wheels, for the last stage to install without compiling
        # (healthchecks/healthchecks docker/Dockerfile): the last stage was taken for the builder.
        "pip wheel --wheel-dir /wheels -r requirements.txt",
        "pip3 install -r requirements.txt",  # home-assistant/core Dockerfile, frappe/frappe_docker
        "pip3.12 install --no-cache-dir -r requirements.txt",
        "pip --no-cache-dir install -r requirements.txt",  # options before the subcommand
        "python3 -m pip install -r requirements.txt",
        "uv pip sync requirements.txt",
        "uv --directory /app sync --locked",
    ],
)
def test_the_stage_that_installs_python_deps_is_the_builder(run: str) -> None:
    text = f"FROM python:3.12-slim AS builder\nRUN {run}\nFROM python:3.12-slim\nRUN true\n"
    assert read_dockerfile(text, NAME).build_stage().label == "builder"


def test_a_pip_command_that_installs_nothing_marks_no_builder() -> None:
    text = "FROM python:3.12-slim AS tools\nRUN pip3 --version && pip download x\nFROM debian\n"
    assert not any(stage.installs_python_deps for stage in read_dockerfile(text, NAME).stages)


# --- the shell commands of a RUN: never a guess --------------------------------------------


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        # Versions, suites and architectures are not part of the name.
        (
            "apt-get install -y gcc=4:12.2.0-3 libpq5/bookworm-backports libc6:amd64",
            {"gcc", "libpq5", "libc6"},
        ),
        # An option's value is not a package; neither is a redirection's file or descriptor.
        (
            'apt-get -o "Acquire::https::CAInfo=$ca" install -o Dpkg::Options::=--force-confold '
            "-t bookworm-backports -y gcc 2>/dev/null >>/log",
            {"gcc"},
        ),
        ("DEBIAN_FRONTEND=noninteractive apt install -y --no-install-recommends make", {"make"}),
        (
            "sudo -E -u root env LANG=C nice -n 5 timeout 300 eatmydata apt-get install -y make",
            {"make"},
        ),
        ("set -e; apt-get update || true; apt-get install -y gcc | tee log & wait", {"gcc"}),
        ("sh -c 'apt-get install -y gcc && bash -c \"apt-get install -y make\"'", {"gcc", "make"}),
        ('echo "a && b; c" && apt-get install -y gcc', {"gcc"}),  # operators inside quotes
        ("apt-get install -y gcc pkg-", {"gcc"}),  # "pkg-" removes pkg
        ("apt-get update && apt-get dist-upgrade -y && apt-get clean", set()),
    ],
)
def test_apt_installs_are_read_from_the_shell_commands(run: str, expected: set[str]) -> None:
    assert packages(f"FROM debian\nRUN {run}\n") == (expected, False)


def test_a_package_whose_name_ends_in_plus_keeps_its_name() -> None:
    # g++ was read as "g+" (docker-library/buildpack-deps debian/*/Dockerfile, getredash/redash
    # Dockerfile): apt looks a name up whole before it reads a final "+" as "install this".
    have, unknown = packages("FROM debian\nRUN apt-get install -y g++ libstdc++6 make+\n")
    assert {"g++", "libstdc++6", "make"} <= have
    assert not unknown


@pytest.mark.parametrize(
    "run",
    [
        "apt-get install -y $PACKAGES",
        'apt-get install -y "${BUILD_DEPS}"',
        "apt-get install -y $(cat /tmp/packages.txt)",
        "apt-get install -y `cat /tmp/packages.txt`",
        "apt-get install -y 'libpq*'",
        "apt-get install -y ./vendor/tool.deb",
        "xargs apt-get install -y < /tmp/packages.txt",
        "cat /tmp/packages.txt | xargs -r apt-get install -y",
        "for p in gcc make; do apt-get install -y $p; done",
        "apt-get build-dep -y python3-psycopg2",
        "apt-get $ACTION -y gcc",
    ],
)
def test_a_package_list_from_a_variable_or_a_file_cannot_be_told(run: str) -> None:
    assert packages(f"FROM debian\nRUN apt-get install -y tini && {run}\n") == ({"tini"}, True)


@pytest.mark.parametrize(
    ("run", "script"),
    [
        ("./install.sh", "./install.sh"),
        ("/tmp/setup --yes", "/tmp/setup"),
        ("bash /tmp/setup.sh", "/tmp/setup.sh"),
        ("sh -eux docker/deps.sh", "docker/deps.sh"),
        (". ./env.sh && make", "./env.sh"),
        ("sudo -E ./scripts/system.sh", "./scripts/system.sh"),
    ],
)
def test_a_script_file_the_dockerfile_runs_cannot_be_told(run: str, script: str) -> None:
    """What a script of the build's own installs is not in the Dockerfile: counting it as
    installing nothing failed a builder whose script installs every package it needs."""
    stage = read_dockerfile(f"FROM debian\nRUN apt-get install -y tini && {run}\n", NAME).final
    assert stage.apt_packages == {"tini"}
    assert stage.apt_unknown == f"it runs the script {script}, which it does not show"


@pytest.mark.parametrize(
    "run",
    [
        "/app/.venv/bin/python -m compileall /app",
        "/usr/local/bin/pip install --no-cache-dir gunicorn",
        "/usr/local/bin/uv sync --locked",
        "/bin/echo done",
        "/usr/bin/apt-get install -y gcc",
    ],
)
def test_programs_given_by_path_that_are_not_the_build_s_scripts_are_read(run: str) -> None:
    have, unknown = packages(f"FROM debian\nRUN {run}\n")
    assert not unknown, run
    assert have == ({"gcc"} if "/usr/bin/apt-get" in run else set())


def test_shell_commands_split_where_the_shell_splits() -> None:
    script = (
        "set -eux # strict\n"
        "FOO='a;b' apt-get install -y gcc \\\n  make && echo \"$(date; echo ')')\" | tee x\n"
        "cat <<-EOF >/etc/x.conf\n\tkey = value; not a command\n\tEOF\n"
        "(cd /app && uv sync) || exit 1\n"
    )
    words = [command.words for command in shell_commands(script)]
    assert words == [
        ["set", "-eux"],
        ["FOO=a;b", "apt-get", "install", "-y", "gcc", "make"],
        ["echo", "$(date; echo ')')"],
        ["tee", "x"],
        ["cat"],
        ["cd", "/app"],
        ["uv", "sync"],
        ["exit", "1"],
    ]
    assert shell_commands(script)[4].stdin == "key = value; not a command\n"


@given(
    st.lists(st.sampled_from([*"ab $'\"\\`#;&|()<>-\n\t{}=", "<<E", "<<-E", "E\n"])).map("".join)
)
def test_any_script_splits_without_an_error(script: str) -> None:
    for command in shell_commands(script):
        assert all(isinstance(word, str) for word in command.words)


# --- what BuildKit rejects -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # testfiles-negative/empty_dockerfile and only_comments
        ("", "cannot read Dockerfile: file with no instructions"),
        ("# syntax=docker/dockerfile:1\n# nothing else\n", "file with no instructions"),
        # testfiles-negative/env_no_value
        (
            "FROM busybox\n\nENV PATH\n",
            "cannot read Dockerfile, line 3: ENV must have two arguments",
        ),
        # testfiles-negative/shykes-nested-json
        (
            'FROM busybox\nCMD [["echo", "x"]]\n',
            "line 2: Only strings are supported in JSON arrays",
        ),
        ("FROM debian\nRUN <<EOT\napt-get install -y gcc\n", "line 2: unterminated heredoc"),
        # A delimiter with an open quote is no heredoc: its body is instructions, unknown ones.
        ("FROM debian\nRUN <<'EOT\nx\nEOT\n", "line 3: unknown instruction: x"),
        ("FROM debian\nINSTALL gcc\n", "line 2: unknown instruction: INSTALL"),
        ("RUN apt-get install -y gcc\nFROM debian\n", "line 1: RUN before any FROM"),
        ("FROM debian slim\n", "line 1: FROM requires either one or three arguments"),
        ("FROM debian AS 2nd\n", "line 1: invalid name for build stage: '2nd'"),
        ("FROM debian\nSHELL /bin/bash -c\n", "line 2: SHELL requires the arguments to be in JSON"),
        ("# escape=x\nFROM debian\n", "line 1: invalid escape token 'x'"),
        ("# escape=`\n# escape=`\nFROM debian\n", "line 2: only one escape parser directive"),
    ],
)
def test_a_dockerfile_buildkit_rejects_is_not_read(text: str, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        read_dockerfile(text, NAME)
    assert isinstance(caught.value, ScaffoldError)
    assert message in caught.value.message
    assert "\n" not in caught.value.message


PIECES = ["FROM x\n", "RUN ", "<<E", "E\n", "\\\n", "[", '"', "a", "\n", "# escape=`\n", "SHELL "]


@given(st.lists(st.sampled_from([*PIECES, "ARG A=${B:-c}\n", "FROM $A AS s\n"])).map("".join))
def test_any_text_is_a_dockerfile_or_a_dockerfile_error(text: str) -> None:
    with contextlib.suppress(DockerfileError):
        read_dockerfile(text, NAME)


@pytest.mark.parametrize(
    "case", sorted(p.name for p in GOLDEN.iterdir() if (p / "Dockerfile").is_file())
)
def test_every_generated_dockerfile_is_read(case: str) -> None:
    dockerfile = parse_dockerfile(GOLDEN / case / "Dockerfile")
    assert not any(stage.apt_unknown for stage in dockerfile.stages)
    assert dockerfile.build_stage().installs_python_deps


# --- sysdeps, without Docker ---------------------------------------------------------------

HEREDOC_INSTALLS = """\
FROM python:3.12-slim AS builder
RUN --mount=type=cache,target=/var/cache/apt <<EOT
set -e
apt-get update
apt-get install -y --no-install-recommends \\
    gcc libc6-dev libpq-dev
EOT
RUN <<EOT
uv sync --locked
EOT

FROM python:3.12-slim AS runtime
RUN ["/bin/sh", "-c", "apt-get update && apt-get install -y libpq5"]
"""


def _project(tmp_path: Path, dockerfile: str) -> Path:
    project = tmp_path / "app"
    write(project / "pyproject.toml", '[project]\nname = "app"\nversion = "0.1.0"\n')
    write(project / "uv.lock", LOCK)
    write(project / "Dockerfile", dockerfile)
    return project


def _sysdeps(project: Path) -> tuple[str, str]:
    package = load_project(project).packages[0]
    outcome = sysdeps_step(
        Context({}, _Run()), package=package, lock_file=project / "uv.lock",
        mapping_file=None, release=release_for(package, None),
    )  # fmt: skip
    return str(outcome.result.status), outcome.result.detail


def test_sysdeps_passes_a_dockerfile_that_installs_its_packages_in_heredocs(
    tmp_path: Path,
) -> None:
    status, detail = _sysdeps(_project(tmp_path, HEREDOC_INSTALLS))
    assert (status, detail) == ("ok", "installed: gcc libc6-dev libpq-dev libpq5")


def test_sysdeps_still_names_what_a_heredoc_does_not_install(tmp_path: Path) -> None:
    project = _project(tmp_path, HEREDOC_INSTALLS.replace("&& apt-get install -y libpq5", ""))
    assert _sysdeps(project) == ("failed", "runtime stage 'runtime' lacks libpq5 (for psycopg2)")


def test_sysdeps_fails_a_dockerfile_buildkit_would_reject(tmp_path: Path) -> None:
    project = _project(tmp_path, HEREDOC_INSTALLS.replace("EOT\n\nFROM", "\nFROM"))
    package = load_project(project).packages[0]
    assert release_for(package, None) == DEFAULT_RELEASE  # planning does not stop on it
    assert _sysdeps(project) == (
        "failed",
        "cannot read Dockerfile, line 8: unterminated heredoc",
    )


def test_validate_reports_an_unreadable_dockerfile_in_one_line(cli: Cli, tmp_path: Path) -> None:
    project = _project(tmp_path, "FROM python:3.12-slim\nINSTALL gcc\n")
    result = cli("validate", project, "--only", "sysdeps", "--json")
    assert result.code == 1, result
    steps = {step["name"]: step for step in json.loads(result.stdout)["steps"]}
    assert (
        steps["sysdeps"]["detail"] == "cannot read Dockerfile, line 2: unknown instruction: INSTALL"
    )
    assert "Traceback" not in result.stdout + result.stderr


META_PACKAGES = """\
FROM python:3.12-slim-bookworm AS builder
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
RUN uv sync --locked

FROM python:3.12-slim-bookworm AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev
"""


def test_sysdeps_counts_what_a_package_brings_along(tmp_path: Path) -> None:
    # build-essential depends on gcc and libc6-dev, and libpq-dev on libpq5, in Debian's own
    # index (data/system-brings.toml): a builder with build-essential is not "lacking gcc".
    # Seen in superset's, netbox's and healthchecks' Dockerfiles.
    status, detail = _sysdeps(_project(tmp_path, META_PACKAGES))
    assert (status, detail) == ("ok", "installed: gcc libc6-dev libpq-dev libpq5")


def test_what_is_brought_along_is_only_what_the_index_says(tmp_path: Path) -> None:
    # make brings no compiler: a builder with only make and the headers still lacks gcc.
    project = _project(tmp_path, META_PACKAGES.replace("build-essential", "make"))
    assert _sysdeps(project) == (
        "failed",
        "builder stage 'builder' lacks gcc libc6-dev (for psycopg2)",
    )


# --- removals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "removal",
    [
        "apt-get purge -y libpq5",
        "apt-get remove -y --auto-remove libpq5",
        "apt-get autoremove --purge -y libpq5",
        "apt-get install -y libpq5-",
        "dpkg --purge libpq5",
        "dpkg -r libpq5",
    ],
)
def test_a_package_removed_later_is_gone(removal: str) -> None:
    dockerfile = read_dockerfile(
        f"FROM python:3.12-slim\nRUN apt-get install -y libpq5 curl\nRUN {removal}\n", NAME
    )
    assert dockerfile.apt_in(dockerfile.final) == ({"curl"}, "")


def test_a_package_installed_again_after_its_removal_is_there() -> None:
    dockerfile = read_dockerfile(
        "FROM python:3.12-slim AS base\nRUN apt-get install -y libpq5\n"
        "FROM base\nRUN apt-get purge -y libpq5 && apt-get install -y libpq5\n",
        NAME,
    )
    assert dockerfile.apt_in(dockerfile.final) == ({"libpq5"}, "")


def test_a_child_stage_removes_what_its_parent_installed() -> None:
    dockerfile = read_dockerfile(
        "FROM python:3.12-slim AS base\nRUN apt-get install -y libpq5 curl\n"
        "FROM base\nRUN apt-get purge -y libpq5\n",
        NAME,
    )
    assert dockerfile.apt_in(dockerfile.final) == ({"curl"}, "")
    assert dockerfile.apt_in(dockerfile.stages[0]) == ({"libpq5", "curl"}, "")


def test_a_builder_that_removes_its_compilers_after_the_install_had_them_for_it() -> None:
    # superset's builder installs build-essential, runs pip and purges it, in one RUN.
    dockerfile = read_dockerfile(
        "FROM python:3.12-slim\n"
        "RUN apt-get install -y gcc libpq-dev && pip install -r requirements.txt "
        "&& apt-get purge -y gcc\n",
        NAME,
    )
    stage = dockerfile.final
    assert dockerfile.apt_in(stage, at_python_install=True) == ({"gcc", "libpq-dev"}, "")
    assert dockerfile.apt_in(stage) == ({"libpq-dev"}, "")


@pytest.mark.parametrize(
    "removal", ["apt-get purge -y $BUILD_DEPS", "apt-mark auto '.*' > /dev/null"]
)
def test_a_removal_that_is_not_written_down_cannot_be_told(removal: str) -> None:
    dockerfile = read_dockerfile(
        f"FROM python:3.12-slim\nRUN apt-get install -y libpq5\nRUN {removal}\n", NAME
    )
    assert dockerfile.apt_in(dockerfile.final)[1] != ""


def test_sysdeps_fails_a_runtime_stage_that_purges_what_it_needs(tmp_path: Path) -> None:
    purged = META_PACKAGES.replace(
        "install -y --no-install-recommends libpq-dev\n",
        "install -y --no-install-recommends libpq5 && apt-get purge -y libpq5\n",
    )
    assert purged != META_PACKAGES
    assert _sysdeps(_project(tmp_path, purged)) == (
        "failed",
        "runtime stage 'runtime' lacks libpq5 (for psycopg2)",
    )


def test_sysdeps_passes_a_builder_that_purges_its_compilers_after_building(
    tmp_path: Path,
) -> None:
    built_then_purged = META_PACKAGES.replace(
        "RUN uv sync --locked\n",
        "RUN uv sync --locked && apt-get purge -y --auto-remove build-essential\n",
    )
    assert built_then_purged != META_PACKAGES
    assert _sysdeps(_project(tmp_path, built_then_purged)) == (
        "ok",
        "installed: gcc libc6-dev libpq-dev libpq5",
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            ("libpq-dev\nRUN uv sync", "$HEADERS\nRUN uv sync"),
            "cannot tell what the builder stage 'builder' has "
            "(its apt-get install names $HEADERS, not a package)",
        ),
        (
            ("RUN uv sync", "COPY install.sh /tmp/\nRUN /tmp/install.sh\nRUN uv sync"),
            "cannot tell what the builder stage 'builder' has "
            "(it runs the script /tmp/install.sh, which it does not show)",
        ),
        (
            ("RUN uv sync", "RUN bash -eu docker/deps.sh\nRUN uv sync"),
            "cannot tell what the builder stage 'builder' has "
            "(it runs the script docker/deps.sh, which it does not show)",
        ),
        (
            ("RUN uv sync", "RUN apt-get update || apt-get install -y gcc\nRUN uv sync"),
            "cannot tell what the builder stage 'builder' has "
            "(an install or removal that may not run (after ||, in if, case or a loop))",
        ),
        (
            ("FROM python:3.12-slim-bookworm AS builder", "FROM python:3.12-bookworm AS builder"),
            "cannot tell what the builder stage 'builder' has "
            "(python:3.12-bookworm is not a slim Python image)",
        ),
    ],
)
def test_sysdeps_that_cannot_tell_is_skipped_not_passed(
    tmp_path: Path, change: tuple[str, str], why: str
) -> None:
    dockerfile = META_PACKAGES.replace(*change)
    assert dockerfile != META_PACKAGES
    assert _sysdeps(_project(tmp_path, dockerfile)) == ("skipped", why)


@pytest.mark.parametrize(
    "run",
    [
        'if [ -f /x ]; then apt-get install -y gcc; else apt-get install -y "make"; fi',
        '<<EOT\nif [ "$TARGETARCH" = amd64 ]; then\n  apt-get install -y libpq5\nfi\nEOT',
        "apt-get install -y gcc || apt-get install -y clang",
        'case "$X" in a) apt-get install -y gcc ;; esac',
        "for p in gcc make; do apt-get install -y gcc; done",
        "test -f /x && echo || apt-get purge -y gcc",
        "if true; then dpkg --purge gcc; fi",
    ],
)
def test_an_install_that_may_not_run_cannot_be_told(run: str) -> None:
    # Counting both branches as installed passed a stage whose taken branch lacks a package.
    assert packages(f"FROM debian\nRUN {run}\n")[1] is True


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("apt-get update || true; apt-get install -y gcc", {"gcc"}),
        ("if [ -f /x ]; then echo yes; fi; apt-get install -y gcc", {"gcc"}),
        ("apt-get install -y gcc || exit 1", {"gcc"}),
        ("if [ -f /x ]; then apt-get update; fi && apt-get install -y gcc", {"gcc"}),
    ],
)
def test_what_surely_runs_after_a_condition_is_read(run: str, expected: set[str]) -> None:
    assert packages(f"FROM debian\nRUN {run}\n") == (expected, False)
