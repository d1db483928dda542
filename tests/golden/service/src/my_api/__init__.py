"""my-api: An HTTP service."""

__version__ = "0.1.0"
