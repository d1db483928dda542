"""The commands, as a Typer app: the console script in pyproject.toml runs :data:`app`."""

from importlib.metadata import metadata
from typing import Annotated

import typer

# The version and the one-line description live in pyproject.toml only; the installed
# distribution's metadata carries them here.
DISTRIBUTION = "my-tool"
_METADATA = metadata(DISTRIBUTION)

# Plain help text: the description is shown as written, never read as Rich markup.
app = typer.Typer(help=_METADATA["Summary"], no_args_is_help=True, rich_markup_mode=None)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"{DISTRIBUTION} {_METADATA['Version']}")
        raise typer.Exit


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Options that come before the command."""


@app.command()
def hello(
    name: Annotated[str, typer.Argument(help="Who to greet.")] = "world",
    shout: Annotated[bool, typer.Option("--shout", help="Greet in capitals.")] = False,
) -> None:
    """Greet NAME."""
    greeting = f"Hello, {name}!"
    typer.echo(greeting.upper() if shout else greeting)


@app.command()
def add(numbers: Annotated[list[int], typer.Argument(help="The whole numbers to add.")]) -> None:
    """Print the sum of NUMBERS."""
    typer.echo(sum(numbers))
