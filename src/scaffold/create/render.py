"""Render a template into a plan: relative paths and bytes, nothing written.

Rendering follows copier's rules, so ``copier copy`` of the same template with the same answers
gives the same files: path segments are Jinja templates, a segment that renders empty drops the
file, files ending in ``.jinja`` are rendered and lose the suffix, other files are copied.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scaffold.create.templates import TEMPLATES_SUFFIX, Template
from scaffold.errors import ExitCode, ScaffoldError

ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class PlannedFile:
    path: str  # posix, relative to the project root
    content: bytes
    executable: bool = False


@dataclass(frozen=True)
class RenderPlan:
    files: tuple[PlannedFile, ...]

    def paths(self) -> list[str]:
        return [item.path for item in self.files]


def _to_nice_yaml(value: Any, indent: int = 4) -> str:
    """Copier's ``to_nice_yaml`` filter (from jinja2-ansible-filters), byte for byte."""
    import yaml  # noqa: PLC0415

    return yaml.dump(value, indent=indent, allow_unicode=True, default_flow_style=False)


@cache
def environment() -> Any:
    from jinja2 import StrictUndefined  # noqa: PLC0415 - jinja2 only on the rendering path
    from jinja2.sandbox import SandboxedEnvironment  # noqa: PLC0415

    # Copier's defaults: a sandbox and kept trailing newlines. StrictUndefined on top, so a
    # typo in a template fails here instead of rendering an empty string.
    env = SandboxedEnvironment(
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        loader=_by_source(),
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["to_nice_yaml"] = _to_nice_yaml
    env.filters["regex_search"] = _regex_search
    env.filters["strftime"] = _strftime
    return env


def _bytecode_cache() -> Any:
    """Jinja's cache of compiled templates on disk, so a template is compiled once per machine
    rather than once per render (most of a render's own time). Its own folder, named by Jinja's
    version: the code it holds was generated for this environment's settings. None (compile
    every time) where the cache cannot be made; Jinja recompiles any entry it cannot read and
    writes each through a temporary file and a rename."""
    import jinja2  # noqa: PLC0415
    from jinja2 import FileSystemBytecodeCache  # noqa: PLC0415

    from scaffold.tools.config import cache_home  # noqa: PLC0415

    folder = cache_home() / f"jinja-{jinja2.__version__}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return None
    return FileSystemBytecodeCache(str(folder))


def _by_source() -> Any:
    """A loader that names each template by its source's digest, so text that is not a file
    (a template file read from a wheel's archive, a path segment) goes through Jinja's own
    caches: compiled once per process in memory, once per machine on disk."""
    from jinja2 import BaseLoader, TemplateNotFound  # noqa: PLC0415

    class BySource(BaseLoader):
        def __init__(self) -> None:
            self.sources: dict[str, str] = {}

        def name(self, source: str) -> str:
            name = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
            self.sources.setdefault(name, source)
            return name

        def get_source(self, environment: Any, template: str) -> tuple[str, None, Any]:
            source = self.sources.get(template)
            if source is None:
                raise TemplateNotFound(template)
            return source, None, lambda: True  # named by its content: never out of date

    return BySource()


def compiled(source: str) -> Any:
    """``source`` as a Jinja template of :func:`environment`, compiled at most once."""
    env = environment()
    return env.get_template(env.loader.name(source))


def _strftime(string_format: str, second: float | None = None) -> str:
    """Copier's ``strftime`` filter (from jinja2-ansible-filters): local time, as copier's."""
    import time  # noqa: PLC0415

    return time.strftime(string_format, time.localtime(second))


def _regex_search(value: Any, pattern: str) -> str | None:
    """The ``regex_search`` filter copier templates use in validators."""
    import re  # noqa: PLC0415

    match = re.search(pattern, str(value))
    return match.group(0) if match else None


def render(template: Template, answers: Mapping[str, Any]) -> RenderPlan:
    """Render every file of ``template`` with ``answers`` into an in-memory plan."""
    from jinja2 import TemplateError  # noqa: PLC0415

    context: dict[str, Any] = dict(answers)
    context["_copier_answers"] = dict(answers)
    context["_copier_conf"] = {"answers_file": ANSWERS_FILE}
    files: list[PlannedFile] = []
    for rel, resource in template.files():
        try:
            segments = [
                compiled(seg).render(context) if "{" in seg else seg for seg in rel.split("/")
            ]
            if not all(segments):
                continue
            _check_segments(template, rel, segments)
            path = "/".join(segments)
            if path.endswith(TEMPLATES_SUFFIX):
                text = compiled(resource.read_text("utf-8")).render(context)
                content = text.encode("utf-8")
                path = path.removesuffix(TEMPLATES_SUFFIX)
            else:
                content = resource.read_bytes()
        except TemplateError as exc:
            raise ScaffoldError(
                f"template '{template.name}' failed to render {rel}: {exc}",
                exit_code=ExitCode.INTERNAL,
            ) from None
        files.append(PlannedFile(path, content, executable=_is_executable(resource)))
    files.sort(key=lambda item: item.path)
    return RenderPlan(tuple(files))


def _check_segments(template: Template, rel: str, segments: list[str]) -> None:
    """A rendered name is one name: the answers' checkers keep paths out of them, and this
    keeps any that got through from writing outside the project."""
    for segment in segments:
        if segment in (".", "..") or "/" in segment or "\\" in segment or "\x00" in segment:
            raise ScaffoldError(
                f"template '{template.name}' rendered {rel} to a path out of its folder: "
                f"'{segment}'",
                exit_code=ExitCode.INTERNAL,
            )


def _is_executable(resource: Any) -> bool:
    import zipfile  # noqa: PLC0415

    if isinstance(
        resource, zipfile.Path
    ):  # an earlier release's templates (scaffold.create.history)
        return bool((resource.root.getinfo(resource.at).external_attr >> 16) & 0o111)
    try:
        return bool(Path(str(resource)).stat().st_mode & 0o111)
    except OSError:
        return False
