"""A command-line application: cli.py holds its commands, pyproject.toml describes it."""
