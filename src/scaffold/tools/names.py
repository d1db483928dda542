"""Project names as the package index compares them (PEP 503), for every part that meets them:
the lock file, the Debian mapping, the templates' dependency lists."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def canonical(name: str) -> str:
    """PEP 503 normalization: what ``packaging.utils.canonicalize_name`` returns for a valid
    name, without the ~20 ms of importing ``packaging.utils`` (it imports ``packaging.tags``)
    on the way to rendering a project."""
    return _SEPARATORS.sub("-", name).lower()
