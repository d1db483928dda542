from importlib.metadata import metadata, version

from typer.testing import CliRunner

from my_tool.cli import DISTRIBUTION, app

runner = CliRunner()


def test_help_shows_the_description_and_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])

    assert result.exit_code == 0
    # --help wraps its text to the terminal's width.
    summary = metadata(DISTRIBUTION)["Summary"]
    assert "".join(summary.split()) in "".join(result.output.split())
    assert "hello" in result.output
    assert "add" in result.output


def test_version_is_the_installed_one() -> None:
    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.output == f"{DISTRIBUTION} {version(DISTRIBUTION)}\n"


def test_hello_greets() -> None:
    assert runner.invoke(app, ["hello"]).output == "Hello, world!\n"
    assert runner.invoke(app, ["hello", "Ada", "--shout"]).output == "HELLO, ADA!\n"


def test_add_sums_the_numbers() -> None:
    result = runner.invoke(app, ["add", "1", "2", "39"])

    assert result.exit_code == 0
    assert result.output == "42\n"


def test_add_refuses_what_is_not_a_number() -> None:
    result = runner.invoke(app, ["add", "1", "two"])

    assert result.exit_code == 2
    assert "Invalid value" in result.output
