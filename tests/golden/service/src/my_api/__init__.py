"""The my-api service.

pyproject.toml and README.md describe it.
"""

__version__ = "0.1.0"
