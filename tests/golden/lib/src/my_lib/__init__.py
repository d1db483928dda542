"""The my-lib library.

Its public API is what ``__all__`` names.
"""

__all__ = ["greet"]


def greet(name: str) -> str:
    """Return a greeting for ``name``, a name with at least one non-space character."""
    cleaned = name.strip()
    if not cleaned:
        raise ValueError("name must not be empty")
    return f"Hello, {cleaned}!"
