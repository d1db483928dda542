"""A reader of Dockerfiles: stages, their base images, and what each stage installs.

Enough to check, before spending a minute on a build, that the stage which installs the Python
dependencies has the compilers and headers they need and the final stage has their shared
libraries. It never guesses: where a package list comes from a variable or a file, or from a
script it cannot read as shell commands, it says that it cannot tell.

The instructions are read by BuildKit's own parser, as ported to Python by
``e2b-dockerfile-utils`` (continuations, the ``escape`` directive, exec form, heredocs). What a
``RUN`` runs is then taken as BuildKit runs it: the exec form's words as they are; the shell
form through the stage's ``SHELL`` (``/bin/sh -c``); a ``RUN <<EOT`` whose whole command is
the heredoc runs the heredoc's text in that shell (or, from a ``#!`` line, in the interpreter
it names); any other heredoc goes to the shell as a shell heredoc. Shell commands are split
here (:func:`shell_commands`) to find each ``apt-get install``/``apt install`` and its
packages.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import ScaffoldError

if TYPE_CHECKING:
    from e2b_dockerfile_utils import DockerfileInstruction

DEFAULT_SHELL = ("/bin/sh", "-c")  # BuildKit's on Linux, where the base image sets none


class DockerfileError(ScaffoldError):
    """A Dockerfile that BuildKit would not read either: where, and what is wrong."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        where = f"{path.name}, line {line}" if line else path.name
        super().__init__(f"cannot read {where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    args: str  # what follows the keyword on its (continuation-joined) line, flags included
    line: int


@dataclass
class Stage:
    index: int
    name: str | None
    base: str  # the FROM image with build arguments' defaults filled in
    instructions: list[Instruction] = field(default_factory=list)
    apt_packages: set[str] = field(default_factory=set)  # installed by it and still there
    apt_removed: set[str] = field(default_factory=set)  # removed by it (its parents' too)
    # Why what it installs cannot be told ("" when it can): the first such reason.
    apt_unknown: str = ""
    installs_python_deps: bool = False
    # What it had installed and removed when it first installed the Python dependencies: a
    # builder may remove its compilers after the build, in the same RUN.
    at_python_install: tuple[frozenset[str], frozenset[str]] | None = None
    shell: tuple[str, ...] = DEFAULT_SHELL  # what runs a shell-form RUN

    @property
    def label(self) -> str:
        return self.name or f"stage {self.index}"

    def cannot_tell(self, why: str) -> None:
        self.apt_unknown = self.apt_unknown or why


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    stages: tuple[Stage, ...]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, ref: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.name == ref.lower()), None)

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the stages it is built FROM, nearest first."""
        chain = [stage]
        while (parent := self.stage(chain[-1].base)) is not None and parent not in chain:
            chain.append(parent)
        return chain

    def root_image(self, stage: Stage) -> str:
        return self.lineage(stage)[-1].base

    def apt_in(self, stage: Stage, *, at_python_install: bool = False) -> tuple[set[str], str]:
        """Debian packages a stage has from its own and its parent stages' installs and
        removals, in the order they run: at its end, or (``at_python_install``) when it
        installed the Python dependencies; and why that cannot be told ("" when it can)."""
        packages: set[str] = set()
        unknown = ""
        for link in reversed(self.lineage(stage)):  # the root first
            installed: Set[str] = link.apt_packages
            removed: Set[str] = link.apt_removed
            if link is stage and at_python_install and link.at_python_install is not None:
                installed, removed = link.at_python_install
            packages = (packages - removed) | installed
            unknown = unknown or link.apt_unknown
        return packages, unknown

    def build_stage(self) -> Stage:
        """The stage that installs the Python dependencies (uv sync, pip install), else the last."""
        return next((s for s in self.stages if s.installs_python_deps), self.final)

    def values(self, keyword: str) -> list[str]:
        return [ins.args for ins in self.final.instructions if ins.keyword == keyword]


def parse_dockerfile(path: Path) -> Dockerfile:
    """The Dockerfile at ``path``; :class:`DockerfileError` where BuildKit would reject it."""
    return read_dockerfile(path.read_text("utf-8", errors="replace"), path)


# BuildKit's own rule for a stage's name (frontend/dockerfile/instructions/parse.go).
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9-_.]*$")
_PREFIX = re.compile(r"^Dockerfile parse error(?: on line \d+)?: ")


def read_dockerfile(text: str, path: Path) -> Dockerfile:
    """The Dockerfile ``text`` (read from ``path``, which names it in errors)."""
    # Imported here: only validation reads a Dockerfile, and `scaffold new` should not pay for it.
    from e2b_dockerfile_utils import parse_dockerfile_ast  # noqa: PLC0415

    try:
        ast = parse_dockerfile_ast(text)
    except ValueError as exc:  # DockerfileSyntaxError, and the lexer's own errors
        raise DockerfileError(path, _PREFIX.sub("", str(exc)), getattr(exc, "line", None)) from exc
    if not ast.instructions:
        raise DockerfileError(path, "file with no instructions")
    args: dict[str, str] = {}  # the build arguments declared before the first FROM
    stages: list[Stage] = []
    for ins in ast.instructions:
        keyword = ins.name
        if keyword == "ARG" and not stages:
            for word in ins.args:
                name, equals, default = word.partition("=")
                if equals:
                    args[name] = _expand(default, args, ast.escape_token, path, ins.start_line)
            continue
        if keyword == "FROM":
            stages.append(_stage(len(stages), ins, args, stages, ast.escape_token, path))
            continue
        if not stages:
            raise DockerfileError(
                path,
                f"{keyword} before any FROM: no build stage in current context",
                ins.start_line,
            )
        stage = stages[-1]
        stage.instructions.append(Instruction(keyword, _rest(ins.original), ins.start_line))
        if keyword == "SHELL":
            if not ins.json or not ins.args:
                raise DockerfileError(
                    path, "SHELL requires the arguments to be in JSON form", ins.start_line
                )
            stage.shell = tuple(ins.args)
        elif keyword == "RUN":
            _read_run(stage, ins)
    return Dockerfile(path, tuple(stages))


def _rest(original: str) -> str:
    parts = original.strip().split(None, 1)
    return parts[1] if len(parts) == 2 else ""


def _expand(word: str, args: dict[str, str], escape: str, path: Path, line: int) -> str:
    """``word`` with the build arguments' defaults filled in, as BuildKit fills in FROM and ARG
    (a build argument without a default is empty, unless ``${NAME:-default}`` gives one)."""
    from e2b_dockerfile_utils import ShellLex  # noqa: PLC0415 - imported with the parser

    try:
        return ShellLex(escape, env=args, skip_unset_env=False).process_word(word)
    except ValueError as exc:
        raise DockerfileError(path, str(exc), line) from exc


def _stage(
    index: int,
    ins: DockerfileInstruction,
    args: dict[str, str],
    stages: list[Stage],
    escape: str,
    path: Path,
) -> Stage:
    words = ins.args
    name: str | None = None
    if len(words) == 3 and words[1].lower() == "as":
        name = words[2].lower()
        if not _STAGE_NAME.match(name):
            raise DockerfileError(
                path,
                f"invalid name for build stage: {words[2]!r}, name can't start with a number "
                "or contain symbols",
                ins.start_line,
            )
    elif len(words) != 1:
        raise DockerfileError(path, "FROM requires either one or three arguments", ins.start_line)
    image = _expand(words[0], args, escape, path, ins.start_line)
    parent = next((stage for stage in stages if stage.name == image.lower()), None)
    return Stage(index, name, image, shell=parent.shell if parent else DEFAULT_SHELL)


# --- what a RUN runs ---------------------------------------------------------------------


def _read_run(stage: Stage, ins: DockerfileInstruction) -> None:
    from e2b_dockerfile_utils import chomp_heredoc_content, parse_heredoc  # noqa: PLC0415

    if ins.json:  # exec form: these words, no shell (BuildKit reads no heredoc in it)
        _read_command(stage, list(ins.args), None)
        return
    if not ins.args:
        return
    line = ins.args[0]
    if not ins.heredocs:
        _read_command(stage, [*stage.shell, line], None)
        return
    try:
        whole = parse_heredoc(line) is not None
    except ValueError:
        whole = False
    if whole:  # RUN <<EOT: the heredoc is the script
        heredoc = ins.heredocs[0]
        script = chomp_heredoc_content(heredoc.content) if heredoc.chomp else heredoc.content
        if script.startswith("#!"):  # written to a file and run: its #! line names the program
            _read_program(stage, _shebang(script), script)
        else:
            _read_command(stage, [*stage.shell, script], None)
        return
    # Any other heredoc (RUN <<EOT python3, RUN cat <<EOF >file, several): BuildKit hands the
    # line and the heredocs, as the shell would read them, to the shell.
    script = line + "".join(f"\n{heredoc.content}{heredoc.name}" for heredoc in ins.heredocs)
    _read_command(stage, [*stage.shell, script], None)


def _shebang(script: str) -> list[str]:
    words = script[2:].split("\n", 1)[0].split()
    if words and _base(words[0]) == "env":  # #!/usr/bin/env [-S] bash
        words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    return words


# Shells whose `-c SCRIPT` and script text are read here as POSIX shell commands.
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})
# Commands that run the command after them (and the options of theirs that take a value).
_WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-p", "-C", "-D", "-h", "-r", "-t", "-U", "-T"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
    "command": frozenset(),
    "exec": frozenset({"-a"}),
    "nohup": frozenset(),
    "time": frozenset(),
    "eatmydata": frozenset(),
}
# Words that may open a command in a shell script without being its program.
_RESERVED = frozenset({"!", "{", "}", "then", "else", "elif", "do", "if", "while", "until"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# An apt install in text not read as shell commands (a Python script, an unknown wrapper).
_APT_MENTION = re.compile(r"(?<![\w.-])apt(?:-get)?(?![\w/.-]).{0,120}?(?<![\w-])install\b", re.S)
_APT_VALUE_OPTIONS = frozenset(
    {"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release"}
    | {"-a", "--host-architecture"}
)
# Debian policy: lower case letters, digits, plus, minus and full stops, alphanumeric first.
_DEBIAN_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
# What installs the Python dependencies: the subcommands of pip (pip3, pip3.12; `pip wheel`
# builds them for a later stage to install) and of uv, after the options given before them.
_PIP = re.compile(r"^pip(?:3(?:\.\d+)?)?$")
_PYTHON_INSTALLS: dict[str, tuple[tuple[str, ...], ...]] = {
    "pip": (("install",), ("wheel",)),
    "uv": (("sync",), ("pip", "install"), ("pip", "sync"), ("export",)),
}
_PYTHON_VALUE_OPTIONS = frozenset(
    {"--cache-dir", "--python", "--log", "--proxy", "--retries", "--timeout", "--cert"}
    | {"--client-cert", "--trusted-host", "--exists-action", "--directory", "--project"}
    | {"--config-file", "--color", "--allow-insecure-host"}
)
_DEPTH = 8  # sh -c "sh -c '...'": how deep a command is followed
# Programs given by path that are not the build's own scripts: they install no Debian package.
_NOT_A_SCRIPT = re.compile(
    r"^(?:python[\d.]*|pip[\d.]*|uvx?|env|true|echo|ln|cp|mkdir|chmod|chown)$"
)


def _read_command(
    stage: Stage, words: list[str], stdin: str | None, depth: int = 0, conditional: bool = False
) -> None:
    """What running ``words`` installs (``stdin``: the heredoc it reads, if any); a
    ``conditional`` one may not run, so what it installs or removes cannot be told."""
    if depth > _DEPTH:
        if _mentions_apt(words, stdin):
            stage.cannot_tell("an apt-get install nested too deep in shells to read")
        return
    if _installs_python(words):
        stage.installs_python_deps = True
        if stage.at_python_install is None:
            stage.at_python_install = (frozenset(stage.apt_packages), frozenset(stage.apt_removed))
    argv = _unwrapped(words)
    program = _base(argv[0]) if argv else ""
    if program in _SHELLS:
        _read_shell(stage, argv, stdin, depth, conditional)
        return
    dpkg_removes = program == "dpkg" and any(w in _DPKG_REMOVES for w in argv[1:])
    apt = program in ("apt-get", "apt")
    if conditional and (dpkg_removes or (apt and _changes_packages(argv[1:]))):
        stage.cannot_tell(
            "an install or removal that may not run (after ||, in if, case or a loop)"
        )
        return
    if apt:
        _read_apt(stage, argv[1:])
        return
    if program == "apt-mark" and "auto" in argv[1:]:
        # What a later autoremove takes is then what nothing marked manual depends on.
        stage.cannot_tell("apt-mark auto: what autoremove takes then is not written down")
        return
    if dpkg_removes:
        _removed(stage, [w for w in argv[1:] if not w.startswith("-")])
        return
    _read_other(stage, argv, words, stdin)


def _read_shell(
    stage: Stage, argv: list[str], stdin: str | None, depth: int, conditional: bool
) -> None:
    """A shell: the commands of its ``-c`` script or of the heredoc it reads; a script file
    it runs, the Dockerfile does not show."""
    script, reads_stdin = _shell_script(argv)
    if script is None and reads_stdin:
        script = stdin
    if script is None:
        if not reads_stdin:
            stage.cannot_tell(f"it runs the script {_script_file(argv)}, which it does not show")
        return
    for command in shell_commands(script):
        _read_command(
            stage, command.words, command.stdin, depth + 1, conditional or command.conditional
        )


def _read_other(stage: Stage, argv: list[str], words: list[str], stdin: str | None) -> None:
    """Any other program: a script of the build's own (``./install.sh``, ``/tmp/setup``, a
    sourced file) may install anything; another program that mentions an apt-get install
    (a Python script, a wrapper) is not read as shell."""
    program = _base(argv[0]) if argv else ""
    own = program in (".", "source") or (
        "/" in (argv[0] if argv else "") and not _NOT_A_SCRIPT.match(program)
    )
    if argv and own:
        stage.cannot_tell(f"it runs the script {_script_file(argv)}, which it does not show")
    elif _mentions_apt(words, stdin):
        stage.cannot_tell(f"an apt-get install run by {program or 'a program'}, not a shell")


def _script_file(argv: list[str]) -> str:
    """The script a command runs: ``./install.sh``, ``bash -e setup.sh``'s, ``. ./env.sh``'s."""
    if "/" in argv[0] and _base(argv[0]) not in _SHELLS:
        return argv[0]
    return next((word for word in argv[1:] if word[:1] not in "-+"), argv[0])


def _read_program(stage: Stage, interpreter: list[str], script: str) -> None:
    """A script run by the program its ``#!`` line names: shell commands, or unknowable."""
    if interpreter and _base(interpreter[0]) in _SHELLS:
        for command in shell_commands(script):
            _read_command(stage, command.words, command.stdin, 1, command.conditional)
    elif _APT_MENTION.search(script):
        program = _base(interpreter[0]) if interpreter else "a program"
        stage.cannot_tell(f"an apt-get install run by {program}, not a shell")


def _mentions_apt(words: list[str], stdin: str | None) -> bool:
    return bool(_APT_MENTION.search(" ".join(words)) or (stdin and _APT_MENTION.search(stdin)))


def _base(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _installs_python(words: list[str]) -> bool:
    """Whether the command runs pip or uv to install Python distributions (anywhere in it:
    ``python3 -m pip install``, ``sudo uv sync``)."""
    for index, word in enumerate(words):
        program = _base(word)
        subcommands = _PYTHON_INSTALLS.get("pip" if _PIP.match(program) else program)
        if subcommands is None:
            continue
        i = index + 1
        while i < len(words) and words[i].startswith("-"):  # pip --no-cache-dir install
            i += 2 if words[i] in _PYTHON_VALUE_OPTIONS else 1
        if any(tuple(words[i : i + len(sub)]) == sub for sub in subcommands):
            return True
    return False


def _unwrapped(words: list[str]) -> list[str]:
    """The command's program and arguments: without the variables set for it, shell words
    such as ``then``, and the commands that only run it (sudo, env, nice, ...)."""
    i = 0
    while i < len(words):
        word = words[i]
        if _ASSIGNMENT.match(word) or word in _RESERVED:
            i += 1
            continue
        takes_value = _WRAPPERS.get(_base(word))
        if takes_value is None:
            break
        i += 1
        while i < len(words) and words[i].startswith("-") and words[i] != "-":
            i += 2 if words[i] in takes_value else 1
        if _base(word) == "timeout" and i < len(words):
            i += 1  # its duration
    return words[i:]


def _shell_script(argv: list[str]) -> tuple[str | None, bool]:
    """The script a shell's ``-c`` gives it, and whether the shell reads its standard input
    (no ``-c`` and no script file)."""
    command_mode = False
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if word.startswith("--"):  # --login, --norc, --rcfile FILE
            i += 2 if word in ("--rcfile", "--init-file") else 1
            continue
        if len(word) > 1 and word[0] in "-+":
            command_mode = command_mode or (word[0] == "-" and "c" in word[1:])
            i += 1 + sum(word[1:].count(letter) for letter in "oO")  # -o pipefail, -euo pipefail
            continue
        break
    if command_mode:
        return (argv[i] if i < len(argv) else None), False
    return None, i >= len(argv)


def _read_apt(stage: Stage, args: list[str]) -> None:
    """``apt-get``/``apt`` with these arguments: the packages an ``install`` names."""
    i = 0
    action = None
    while i < len(args):
        word = args[i]
        i += 1
        if word in _APT_VALUE_OPTIONS:
            i += 1
        elif not word.startswith("-"):
            action = word
            break
    if action in ("build-dep", "satisfy"):  # installs what a source package needs
        stage.cannot_tell(f"apt-get {action}, whose packages the archive decides")
        return
    if action in ("remove", "purge", "autoremove"):
        _removed(stage, [word for word in args[i:] if not word.startswith("-")])
        return
    if action != "install":
        if action and re.search(r"[$`]", action):  # `apt-get $ACTION ...`
            stage.cannot_tell("apt-get's action is a variable")
        return
    _read_install(stage, args[i:])


def _read_install(stage: Stage, args: list[str]) -> None:
    """The packages ``apt-get install ARGS`` names (``pkg-`` removes one)."""
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word in _APT_VALUE_OPTIONS:
            i += 1
            continue
        if word.startswith("-") or not word:
            continue
        # "pkg=version" pins a version; "pkg/suite" picks a suite; "pkg:arch" an architecture.
        name = re.split(r"[=/:]", word, maxsplit=1)[0]
        if name.endswith("-") and word == name:  # "pkg-" removes pkg
            _removed(stage, [name.removesuffix("-")])
            continue
        # apt looks the name up whole first (g++ is a package) and reads a final "+" as "install
        # pkg" only where no package has the whole name. Which one is a package is in the
        # archive, not here: both are kept, and the one that is not a package is wanted by none.
        names = {n for n in (name, name.removesuffix("+")) if _DEBIAN_NAME.match(n)}
        if names:
            stage.apt_packages |= names
            stage.apt_removed -= names
        else:  # a variable, a pattern, a command's output, a .deb file
            stage.cannot_tell(f"its apt-get install names {word}, not a package")


_DPKG_REMOVES = frozenset({"-r", "--remove", "-P", "--purge"})
_CHANGES = frozenset({"install", "remove", "purge", "autoremove", "build-dep", "satisfy"})


def _changes_packages(args: list[str]) -> bool:
    """Whether ``apt-get ARGS`` installs or removes packages (``update`` and ``clean`` do not)."""
    return bool(_CHANGES & set(args)) or any(re.search(r"[$`]", word) for word in args)


def _removed(stage: Stage, words: list[str]) -> None:
    """Packages removed (``apt-get purge``, ``dpkg -r``): gone from what the stage has."""
    for word in words:
        name = re.split(r"[=/:]", word, maxsplit=1)[0]
        if _DEBIAN_NAME.match(name):
            stage.apt_packages.discard(name)
            stage.apt_removed.add(name)
        else:  # a variable or a pattern: which packages are gone is not written down
            stage.cannot_tell(f"it removes {word}, not a package")


# --- shell commands ----------------------------------------------------------------------


@dataclass
class ShellCommand:
    """One simple command of a shell script: its words with the shell's quoting removed
    (``$VAR``, ``$(...)`` and backquotes kept as written: they are not expanded here), and the
    text of the heredoc it reads on its standard input, if any."""

    words: list[str] = field(default_factory=list)
    stdin: str | None = None
    # Whether it runs only on some runs of the script: after `||`, or inside an if, case,
    # while, until or for, whose condition is not known here.
    conditional: bool = False


_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
_REDIRECTIONS = ("<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "&>>", "&>", "<", ">")


def shell_commands(script: str) -> list[ShellCommand]:
    """The simple commands of a POSIX shell ``script``, split where the shell splits them:
    newlines, ``;``, ``&&``, ``||``, ``|``, ``&``, parentheses. Comments, redirections and
    heredoc bodies are not words; a heredoc's text is its command's standard input."""
    commands = _Splitter(script).run()
    depth = 0
    for command in commands:
        first = command.words[0]
        if first in _CLOSES:
            depth = max(0, depth - 1)
        elif first in _OPENS:
            depth += 1
        command.conditional = command.conditional or depth > 0
    return commands


_OPENS = frozenset({"if", "case", "while", "until", "for"})
_CLOSES = frozenset({"fi", "esac", "done"})


class _Splitter:
    def __init__(self, script: str) -> None:
        self.text = script
        self.i = 0
        self.commands: list[ShellCommand] = []
        self.current = ShellCommand()
        self.word: list[str] = []
        self.in_word = False
        self.quoted = False
        self.redirection: str | None = None  # the operator whose target the next word is
        self.to_stdin = True  # whether that redirection is of the standard input
        # The heredocs this line opens, read after it: delimiter, <<-, whose standard input.
        self.heredocs: list[tuple[str, bool, ShellCommand | None]] = []

    def run(self) -> list[ShellCommand]:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if self._quoting(char):
                continue
            if char in " \t\r":
                self._end_word()
                self.i += 1
            elif char == "#" and not self.in_word:
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            elif char == "\n":
                self._end_command()
                self.i += 1
                self._read_heredocs()
            elif char in "<>" or text.startswith("&>", self.i):
                self._redirection()
            elif char in ";&|()":
                self._end_command()
                operator = next(op for op in _OPERATORS if text.startswith(op, self.i))
                self.current.conditional = operator == "||"  # runs only where the left failed
                self.i += len(operator)
            else:
                self._add(char)
                self.i += 1
        self._end_command()
        self._read_heredocs()
        return self.commands

    def _quoting(self, char: str) -> bool:
        """A backslash, quotes, ``$(...)``/``${...}`` or backquotes, read into the word."""
        text = self.text
        if char == "\\":
            if not text.startswith("\n", self.i + 1):  # else a line continuation
                self._add(text[self.i + 1 : self.i + 2])
            self.i += 2
        elif char == "'":
            end = text.find("'", self.i + 1)
            end = len(text) if end < 0 else end
            self._add(text[self.i + 1 : end], quoted=True)
            self.i = end + 1
        elif char == '"':
            self._double_quoted()
        elif char == "$" and text.startswith(("$(", "${"), self.i):
            self._add(self._balanced(self.i + 1))
        elif char == "`":
            end = self._backquote_end(self.i + 1)
            self._add(text[self.i : end])
            self.i = end
        else:
            return False
        return True

    def _add(self, text: str, *, quoted: bool = False) -> None:
        self.word.append(text)
        self.in_word = True
        self.quoted = self.quoted or quoted

    def _end_word(self) -> None:
        if not self.in_word:
            return
        word = "".join(self.word)
        self.word, self.in_word, self.quoted = [], False, False
        operator, self.redirection = self.redirection, None
        if operator in ("<<", "<<-"):
            self.heredocs.append((word, operator == "<<-", self.current if self.to_stdin else None))
        elif operator == "<<<" and self.to_stdin:
            self.current.stdin = word + "\n"
        elif operator is None:
            self.current.words.append(word)
        # else the file of a redirection: not a word of the command

    def _end_command(self) -> None:
        self._end_word()
        self.redirection = None  # `cat >` with no file: nothing to carry to the next command
        if self.current.words:
            self.commands.append(self.current)
        self.current = ShellCommand()

    def _redirection(self) -> None:
        written = "".join(self.word)
        descriptor = self.in_word and not self.quoted and written.isdigit()  # 2>/dev/null
        if descriptor:
            self.word, self.in_word = [], False
        else:
            self._end_word()
        operator = next(op for op in _REDIRECTIONS if self.text.startswith(op, self.i))
        self.i += len(operator)
        self.redirection = operator
        self.to_stdin = not descriptor or written == "0"

    def _read_heredocs(self) -> None:
        """The bodies of the heredocs the line just ended opened, one after the other."""
        text = self.text
        for delimiter, strip_tabs, command in self.heredocs:
            lines: list[str] = []
            while self.i < len(text):
                end = text.find("\n", self.i)
                end = len(text) if end < 0 else end
                line = text[self.i : end]
                self.i = end + 1
                if strip_tabs:
                    line = line.lstrip("\t")
                if line.rstrip("\r") == delimiter:
                    break
                lines.append(line + "\n")
            if command is not None:  # the last heredoc on a command's input is what it reads
                command.stdin = "".join(lines)
        self.heredocs = []

    def _double_quoted(self) -> None:
        text = self.text
        i = self.i + 1
        parts: list[str] = []
        while i < len(text) and text[i] != '"':
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                following = text[i + 1]
                if following == "\n":
                    pass  # a line continuation
                elif following in '$`"\\':
                    parts.append(following)
                else:
                    parts.append(char + following)
                i += 2
            elif char == "$" and text.startswith(("$(", "${"), i):
                expansion = self._balanced(i + 1)
                parts.append(expansion)
                i = self.i
            elif char == "`":
                end = self._backquote_end(i + 1)
                parts.append(text[i:end])
                i = end
            else:
                parts.append(char)
                i += 1
        self._add("".join(parts), quoted=True)
        self.i = i + 1

    def _balanced(self, start: int) -> str:
        """``$(...)`` or ``${...}`` from its ``$`` (just before ``start``), as written; moves
        past it."""
        text = self.text
        opening = text[start]
        closing = ")" if opening == "(" else "}"
        depth = 0
        i = start
        while i < len(text):
            char = text[i]
            if char == "\\":
                i += 2
                continue
            if char in "'\"" and opening == "(":  # a quoted ")" does not close it
                end = text.find(char, i + 1)
                while char == '"' and end > 0 and text[end - 1] == "\\":
                    end = text.find(char, end + 1)
                i = len(text) if end < 0 else end + 1
                continue
            if char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            i += 1
        self.i = i
        return text[start - 1 : i]

    def _backquote_end(self, start: int) -> int:
        i = start
        while i < len(self.text) and self.text[i] != "`":
            i += 2 if self.text[i] == "\\" else 1
        return min(i + 1, len(self.text))
