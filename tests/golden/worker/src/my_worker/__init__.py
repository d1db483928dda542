"""The worker; pyproject.toml and README.md describe it."""

__version__ = "0.1.0"
