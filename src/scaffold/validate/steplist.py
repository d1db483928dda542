"""The one list of validation steps, in report order, with a line each.

It lives apart from :mod:`scaffold.validate` so the CLI can build ``--skip``/``--only`` and its
help from it without importing the validation machinery.
"""

STEP_HELP: dict[str, str] = {
    "lock": "uv lock --check: uv.lock matches pyproject.toml",
    "sync": "uv sync --locked: the locked environment installs",
    "services": "the compose file's backing services (databases) up for tests and the container",
    "tests": "the project's own pytest passes",
    "lint": "ruff, mypy and ty, as the project configures them",
    "package": "a library's sdist and wheel build, and the wheel installs and imports alone",
    "sysdeps": "the Dockerfile installs the Debian packages the dependencies need",
    "build": "docker build with BuildKit",
    "imports": "the image imports every runtime dependency, as its own user",
    "run": "the image's command: health check, stays up or exits 0, non-root, stops",
}
STEPS = tuple(STEP_HELP)
