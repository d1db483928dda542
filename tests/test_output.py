"""What scaffold prints of data is literal: rich's markup and emoji codes in a path print as
themselves, and no escape sequence from a path, a template or a tool reaches the terminal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from scaffold import ui
from scaffold.create.new import NewOptions, new_project
from scaffold.report import Status, StepResult, ValidationReport
from tests.conftest import FAST, Cli

HOSTILE = ":fire:[bold]x[/bold]\x1b]0;pwned\x07\x1b[2J\x9b1m\x7f"


def shown(text: str) -> str:
    """How scaffold shows ``text``: control characters escaped, the rest as it is."""
    return (
        text.replace("\x1b", "\\x1b")
        .replace("\x07", "\\x07")
        .replace("\x9b", "\\x9b")
        .replace("\x7f", "\\x7f")
    )


def assert_inert(output: str) -> None:
    for byte in ("\x1b", "\x07", "\x9b", "\x7f"):
        assert byte not in output, repr(output)
    assert "🔥" not in output  # :fire: is not an emoji code here


def test_a_project_path_prints_literally_in_the_tree_and_the_cd_step(
    cli: Cli, tmp_path: Path
) -> None:
    parent = tmp_path / ":fire:" / "[bold]x[/bold]" / "\x1b]0;pwned\x07"
    result = cli("new", "my-api", "--path", parent, *FAST)
    assert result.code == 0, result
    target = str((parent / "my-api").absolute())
    lines = result.stdout.splitlines()
    assert f"  cd {shown(target)}" in lines
    tree = result.stdout.split("├──")[0]  # the root, wrapped where it is longer than the width
    assert tree.replace("\n", "") == shown(target)
    assert_inert(result.stdout)


TEAM = {
    "copier.yml": (
        "project_name:\n  type: str\n"
        '_scaffold_next:\n  - "echo \\e]0;pwned\\a \\e[2J[bold]done[/bold] {{ project_name }}"\n'
    ),
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
    "README.md.jinja": "{{ project_name }}\n",
    ":fire:.txt": "x\n",
    "[red]y.txt": "y\n",
    "\x1b[2Jclear.txt": "z\n",
}


def test_a_templates_next_steps_and_file_names_reach_the_terminal_without_escapes(
    cli: Cli, tmp_path: Path
) -> None:
    template = tmp_path / "team"
    for rel, text in TEAM.items():
        (template / rel).parent.mkdir(parents=True, exist_ok=True)
        (template / rel).write_text(text)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    assert result.code == 0, result
    assert_inert(result.stdout)
    assert (
        "  echo \\x1b]0;pwned\\x07 \\x1b[2J[bold]done[/bold] my-svc" in result.stdout.splitlines()
    )
    for name in (":fire:.txt", "[red]y.txt", "\\x1b[2Jclear.txt"):
        assert any(line.endswith(f" {name}") for line in result.stdout.splitlines()), name
    # --json is JSON: its own escapes, the text as it is.
    report = json.loads(cli("new", "my-svc2", "--path", out, "--template", template, *FAST,
                            "--json").stdout)  # fmt: skip
    assert report["next_steps"] == ["echo \x1b]0;pwned\x07 \x1b[2J[bold]done[/bold] my-svc2"]


def test_an_error_quoting_markup_prints_it_literally(cli: Cli, tmp_path: Path) -> None:
    result = cli("new", "[bold]x[/bold]:fire:", "--path", tmp_path, *FAST)
    assert result.code == 2, result
    assert "'[bold]x[/bold]:fire:'" in result.stderr
    assert_inert(result.stderr)


def test_check_and_update_print_paths_literally(cli: Cli, tmp_path: Path) -> None:
    parent = tmp_path / "[bold]x[/bold]" / "\x1b]0;pwned\x07:fire:"
    project = Path(
        new_project(NewOptions(name="my-api", parent=parent, lock=False, git=False)).path
    )
    (project / "Dockerfile").write_text("FROM scratch\n")
    checked = cli("check", project, "--diff")
    assert checked.code == 1, checked
    assert f"{shown(str(project))}: Dockerfile changed" in checked.stdout
    assert_inert(checked.stdout)
    updated = cli("update", project, "--to", "0.0.0-no-such", "--offline")
    assert_inert(updated.stderr + updated.stdout)
    stranger = parent / "\x1b[2Jnot-ours"
    stranger.mkdir()
    missing = cli("check", stranger)
    assert missing.code == 4, missing
    assert missing.stderr.startswith(f"error: {shown(str(stranger))} is not a scaffold project")
    assert_inert(missing.stderr + missing.stdout)


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")


def test_step_details_and_tool_output_are_shown_without_escapes(
    wide: None, capsys: pytest.CaptureFixture[str]
) -> None:
    step = StepResult(
        "build",
        Status.FAILED,
        1.0,
        detail=f"failed {HOSTILE}",
        command=f"docker build {HOSTILE}",
        output_tail=f"line one\r\n{HOSTILE}\nline three\tend",
        target="[bold]member[/bold]",
        notes=[f"note {HOSTILE}"],
        data={"fix": [f"fix {HOSTILE}"]},
    )
    report = ValidationReport("/p", steps=[step])
    assert ui.Output().validation_done(report) == 1
    out = capsys.readouterr().out
    assert_inert(out)
    assert "line one\n" in out
    assert "line three" in out  # the tab expanded, as rich does
    assert "build ([bold]member[/bold])" in out
    assert ui._step_line(step).plain.endswith(shown(f"failed {HOSTILE}"))
    # The table a terminal gets in place of the live lines.
    screen = io.StringIO()
    Console(file=screen, width=200).print(ui._table(report))
    table = screen.getvalue()
    assert_inert(table)
    assert shown(f"failed {HOSTILE}") in table


def test_a_prompt_shows_the_templates_help_literally(
    wide: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich import prompt  # noqa: PLC0415

    screen = io.StringIO()
    console = Console(file=screen, width=100, markup=False, emoji=False, highlight=False)
    monkeypatch.setattr(ui, "_console", lambda stderr=False: console)

    def get_input(console: Console, shown: object, password: bool, stream: object = None) -> str:
        console.print(shown, end="")
        return ""

    monkeypatch.setattr(prompt.Prompt, "get_input", staticmethod(get_input))
    question = {"help": f"Owner {HOSTILE}", "default": None}
    answer = ui.ask("owner", question, f"team{HOSTILE}", f"refused {HOSTILE}")
    assert answer == f"team{HOSTILE}"  # the default itself, not how it is shown
    assert_inert(screen.getvalue())
    assert shown(f"Owner {HOSTILE}") in screen.getvalue()
