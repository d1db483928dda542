"""Docker image references, checked by Docker's own grammar before they reach a Dockerfile
line or a ``docker build`` argument."""

from __future__ import annotations

import re

from scaffold.errors import UsageError, quoted

# An image reference, as Docker reads it: distribution/reference's grammar (regexp.go,
# github.com/distribution/reference), written once here:
#   reference := name [ ":" tag ] [ "@" digest ]
#   name      := [ domain "/" ] path-component [ "/" path-component ]*
#   domain    := host [ ":" port ]   host := domain-component [ "." domain-component ]* | [ IPv6 ]
# Path components are lower case; Go's \w is ASCII, hence re.ASCII. fullmatch, never "$", which
# would let a trailing line break through into the Dockerfile line the image is written on.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?P<name>(?:{_HOST}(?::[0-9]+)?/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?",
    re.ASCII,
)
_MAX_IMAGE_NAME = 255  # distribution/reference's NameTotalLengthMax


def check_image(reference: str) -> str:
    """A Docker image reference (``python:3.12-slim``, ``registry:5000/team/py@sha256:...``):
    it is written into the Dockerfile's ``ARG`` lines and given to ``docker build``, so
    nothing but the reference grammar gets through."""
    match = _IMAGE.fullmatch(reference)
    if match is None or len(match["name"]) > _MAX_IMAGE_NAME:
        hint = "e.g. python:3.12-slim or registry.example:5000/team/python:3.12"
        if match is None and _IMAGE.fullmatch(reference.lower()):
            hint = "the repository path must be lower case"
        raise UsageError(f"{quoted(reference)} is not a Docker image reference", hint=hint)
    return reference


PYTHON_PLACEHOLDER = "{python}"


def check_image_pattern(reference: str) -> str:
    """An image reference that may name the project's Python as ``{python}`` (a team's
    ``registry/python:{python}-slim-trixie``): checked as it will be for any Python."""
    check_image(reference.replace(PYTHON_PLACEHOLDER, "3.12"))
    return reference


def image_for_python(reference: str, python: str) -> str:
    """``reference`` with the project's Python in place of ``{python}``, checked."""
    return check_image(reference.replace(PYTHON_PLACEHOLDER, python))
