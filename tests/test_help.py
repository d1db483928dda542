"""``--help`` as a newcomer reads it at 80 columns: every note whole, every variable named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from scaffold.cli import app
from tests.conftest import Cli

COMMANDS = ("new", "check", "update", "templates", "validate")
SRC = Path(__file__).parent.parent / "src" / "scaffold"


def _help(cli: Cli, *args: str) -> str:
    result = cli(*args, "--help", env={"COLUMNS": "80"})
    assert result.code == 0, result
    return result.stdout


def _flat(text: str) -> str:
    """The help with its wrapping undone, so a note broken over two lines still matches."""
    return " ".join(text.split())


def _notes(command: str) -> list[str]:
    """Every bracketed note (``[default: ...]``, ``[env: ...]``, ``[@REF]``) the options'
    help texts hold, as they were written."""
    group = get_command(app)
    params = group.commands[command].params  # type: ignore[attr-defined]
    return [
        note
        for param in params
        for note in re.findall(r"\[[^\]]*\]", getattr(param, "help", None) or "")
    ]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_keeps_every_bracketed_note(cli: Cli, command: str) -> None:
    text = _flat(_help(cli, command))
    notes = _notes(command)
    for note in notes:
        assert _flat(note) in text, f"{note} is missing from 'scaffold {command} --help'"


def test_the_notes_are_there_to_keep() -> None:
    """The test above would pass on help without notes: the options do have them."""
    assert len([note for command in COMMANDS for note in _notes(command)]) >= 15
    assert "[@REF]" in " ".join(_notes("new"))


def _variables_read() -> set[str]:
    """Every ``SCAFFOLD_*`` variable the code names in a string (none is built at run time)."""
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "templates" in path.relative_to(SRC).parts:
            continue
        names |= set(re.findall(r"\bSCAFFOLD_[A-Z][A-Z_]*[A-Z]\b", path.read_text()))
    return names


def test_help_names_every_environment_variable(cli: Cli) -> None:
    variables = _variables_read()
    assert {"SCAFFOLD_PYTHON_IMAGE", "SCAFFOLD_CONFIG", "SCAFFOLD_RENDER_TIMEOUT"} <= variables
    text = "".join(_help(cli, *args) for args in [(), *((c,) for c in COMMANDS)])
    missing = sorted(name for name in variables if name not in text)
    assert missing == []


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_readable_at_80_columns(cli: Cli, command: str) -> None:
    """No line wider than the terminal, and each option's text begins by column 32 on the
    option's own line: the options column is not so wide that every text wraps into
    fragments."""
    lines = _help(cli, command).splitlines()
    assert max(len(line) for line in lines) <= 80
    params = get_command(app).commands[command].params  # type: ignore[attr-defined]
    for param in params:
        if not getattr(param, "help", None) or not param.opts[0].startswith("-"):
            continue
        first_word = param.help.split()[0]
        # The option's own line: it starts with its names (another option's text may name it).
        option = rf"^  (?:-\w, )?{re.escape(param.opts[0])}\b"
        line = next(line for line in lines if re.search(option, line))
        assert 0 < line.find(first_word) <= 32, line


@pytest.mark.parametrize("command", ["new", "validate", "check", "update"])
def test_help_shows_examples(cli: Cli, command: str) -> None:
    text = _help(cli, command)
    assert "Examples:" in text
    examples = text.split("Examples:", 1)[1]
    assert f"scaffold {command}" in examples
    # One command a line, as typed, not rewrapped into a paragraph.
    lines = [line.strip() for line in examples.strip().splitlines()]
    assert len(lines) >= 2
    assert all(
        line.startswith(("scaffold ", "mkdir ")) or line == f"scaffold {command}" for line in lines
    )


def test_help_offers_shell_completion(cli: Cli) -> None:
    text = _help(cli)
    assert "--install-completion" in text
    assert "--show-completion" in text


def test_show_completion_prints_a_script(cli: Cli) -> None:
    result = cli("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert result.code == 0, result
    assert "_SCAFFOLD_COMPLETE" in result.stdout


def test_the_cli_imports_no_private_typer_module() -> None:
    assert "typer._" not in (SRC / "cli.py").read_text()


def test_new_and_validate_share_one_declaration_of_the_validation_options() -> None:
    from scaffold.cli import _VALIDATION_OPTIONS  # noqa: PLC0415

    commands = get_command(app).commands  # type: ignore[attr-defined]

    def declared(command: str) -> dict[str, tuple[object, ...]]:
        return {
            param.name: (tuple(param.opts), param.help, param.default)
            for param in commands[command].params
            if param.name in {option.name for option in _VALIDATION_OPTIONS}
        }

    assert len(declared("new")) == len(_VALIDATION_OPTIONS)
    assert declared("new") == declared("validate")
