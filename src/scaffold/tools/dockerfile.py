"""A small reader of Dockerfiles: stages, their base images, and what each stage installs.

Enough to check, before spending a minute on a build, that the stage which installs the Python
dependencies has the compilers and headers they need and the final stage has their shared
libraries. It never guesses: where a package list comes from a variable or a file, it says that
it cannot tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_ARG_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}?")
_SEPARATORS = {"&&", "||", ";", "|", "&"}


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    args: str
    line: int


@dataclass
class Stage:
    index: int
    name: str | None
    base: str  # the FROM image with build arguments' defaults filled in
    instructions: list[Instruction] = field(default_factory=list)
    apt_packages: set[str] = field(default_factory=set)
    apt_unknown: bool = False  # an install whose package list cannot be read
    installs_python_deps: bool = False

    @property
    def label(self) -> str:
        return self.name or f"stage {self.index}"


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

    def apt_in(self, stage: Stage) -> tuple[set[str], bool]:
        """Debian packages a stage has from its own and its parent stages' installs."""
        packages: set[str] = set()
        unknown = False
        for link in self.lineage(stage):
            packages |= link.apt_packages
            unknown = unknown or link.apt_unknown
        return packages, unknown

    def build_stage(self) -> Stage:
        """The stage that installs the Python dependencies (uv sync, pip install), else the last."""
        return next((s for s in self.stages if s.installs_python_deps), self.final)

    def values(self, keyword: str) -> list[str]:
        return [ins.args for ins in self.final.instructions if ins.keyword == keyword]


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Instructions joined across backslash continuations, comments dropped, with line numbers."""
    result: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not current:
            start = number
        if stripped.endswith("\\"):
            current.append(stripped[:-1])
            continue
        current.append(stripped)
        result.append((start, " ".join(part for part in current if part)))
        current = []
    if current:
        result.append((start, " ".join(current)))
    return result


def parse_dockerfile(path: Path) -> Dockerfile:
    text = path.read_text("utf-8", errors="replace")
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line, content in logical_lines(text):
        keyword, _, rest = content.partition(" ")
        keyword = keyword.upper()
        rest = rest.strip()
        if keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name.strip()] = default.strip().strip("\"'")
            continue
        if keyword == "FROM":
            stages.append(_stage(len(stages), rest, args))
            continue
        if not stages:
            continue
        stage = stages[-1]
        stage.instructions.append(Instruction(keyword, rest, line))
        if keyword == "RUN":
            _read_run(stage, rest)
    if not stages:
        stages.append(Stage(0, None, ""))
    return Dockerfile(path, tuple(stages))


def _stage(index: int, rest: str, args: dict[str, str]) -> Stage:
    words = [w for w in rest.split() if not w.startswith("--platform")]
    image = _ARG_REF.sub(
        lambda m: args.get(m.group(1)) or m.group(2) or "", words[0] if words else ""
    )
    name = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else None
    return Stage(index, name, image)


def _read_run(stage: Stage, command: str) -> None:
    # Flags of RUN itself (--mount=..., --network=...) come first.
    words = command.split()
    while words and words[0].startswith("--"):
        words.pop(0)
    tokens = _tokens(" ".join(words))
    if any(
        _is_command(tokens, i, ("uv", "sync"))
        or _is_command(tokens, i, ("uv", "pip", "install"))
        or _is_command(tokens, i, ("pip", "install"))
        or _is_command(tokens, i, ("uv", "export"))
        for i in range(len(tokens))
    ):
        stage.installs_python_deps = True
    for i, token in enumerate(tokens):
        if token not in ("apt-get", "apt") or "install" not in tokens[i + 1 : i + 8]:
            continue
        position = tokens.index("install", i + 1) + 1
        while position < len(tokens) and tokens[position] not in _SEPARATORS:
            word = tokens[position].strip("\"'")
            position += 1
            if word.startswith("-") or not word:
                continue
            if "$" in word or "`" in word or "*" in word:
                stage.apt_unknown = True
                continue
            # "pkg=version" pins a version; "pkg/suite" picks a suite.
            stage.apt_packages.add(re.split(r"[=/]", word, maxsplit=1)[0])


def _tokens(command: str) -> list[str]:
    spaced = re.sub(r"(&&|\|\||;|\|)", r" \1 ", command)
    return spaced.split()


def _is_command(tokens: list[str], index: int, words: tuple[str, ...]) -> bool:
    return tuple(tokens[index : index + len(words)]) == words or (
        tokens[index].endswith("/" + words[0])
        and tuple(tokens[index + 1 : index + len(words)]) == words[1:]
    )
