"""A template's answers: from what the user gave, in layers, to what the template renders with.

Precedence, highest first: the command line (options and ``--data key=value``), then the data
file (``--data-file``, YAML or TOML), then the team's preset, then the template's default. A key
the template does not ask is an error, never ignored; a value of the wrong type, outside the
question's choices or failing its validator names the key.

An answer that scaffold knows (a name, a version, an image, a dependency...) has one checker,
:data:`CHECKS`, whatever it comes from: an option, ``--data``, the data file, the preset, a
prompt, or the answers file read back by ``check`` and ``update``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scaffold.create import naming, spec
from scaffold.create.deps import parse_dependency
from scaffold.create.templates import Template
from scaffold.errors import UsageError
from scaffold.tools import images, system

# (key, question, default, why the last answer was refused or None) -> answer
Ask = Callable[[str, Mapping[str, Any], Any, str | None], Any]
_TRIES = 5


def parse_data_args(items: Sequence[str]) -> dict[str, str]:
    """``--data key=value`` options into a mapping (values are typed later, per question)."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data '{item}' is not key=value", hint="e.g. --data author=Ada")
        data[key.strip()] = value
    return data


def load_data_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the data file {path}: {exc}") from None
    if path.suffix == ".toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path} is not valid TOML: {exc}") from None
    else:
        import yaml  # noqa: PLC0415

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0]
            raise UsageError(f"{path} is not valid YAML: {first}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise UsageError(f"{path}: the data file must be a mapping of question names to answers")
    return data


def check_known(template: Template, given: Mapping[str, Any], source: str) -> None:
    unknown = sorted(set(given) - set(template.questions))
    if unknown:
        raise UsageError(
            f"{source}: template '{template.name}' asks no question '{unknown[0]}'",
            hint=f"its questions: {', '.join(q for q in template.questions if q)}",
        )


def coerce(template: Template, key: str, value: Any, source: str) -> Any:
    """A given answer as the question's type, checked against its choices and validator."""
    question = template.questions.get(key, {})
    kind = str(question.get("type") or "str")
    try:
        typed = _typed(kind, value)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{source}: '{key}' must be {kind}: {exc}") from None
    choices = question.get("choices")
    if choices:
        allowed = list(choices.values()) if isinstance(choices, dict) else list(choices)
        if typed not in allowed and str(typed) not in [str(c) for c in allowed]:
            shown = ", ".join(str(c) for c in allowed)
            raise UsageError(f"{source}: '{key}' must be one of {shown}, not '{typed}'")
    problem = validator_message(template, key, typed)
    if problem:
        raise UsageError(f"{source}: '{key}': {problem}")
    return check_answer(key, typed, source)


def _text(check: Callable[[str], str]) -> Callable[[Any], str]:
    def checked(value: Any) -> str:
        if not isinstance(value, str):
            raise UsageError(f"must be a string, not {type(value).__name__}")
        return check(value)

    return checked


def _each(check: Callable[[str], object]) -> Callable[[Any], list[str]]:
    def checked(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise UsageError("must be a list of strings")
        for item in value:
            check(item)
        return list(value)

    return checked


# The checker of each answer scaffold knows, by question name: what the templates write into
# paths, pyproject.toml, the Dockerfile and the answers file gets through these only.
CHECKS: Mapping[str, Callable[[Any], Any]] = {
    "project_name": _text(naming.check_project_name),
    "package_name": _text(naming.check_package_name),
    "python_version": _text(spec.check_python),
    "description": _text(spec.check_description),
    "author": _text(spec.check_author),
    "dependencies": _each(parse_dependency),
    "apt_build": _each(system.check_apt_name),
    "apt_runtime": _each(system.check_apt_name),
    "python_image": _text(images.check_image_pattern),  # {python}: the project's, when known
    "uv_image": _text(images.check_image),
    "uv_version": _text(spec.check_uv_version),
}


def check_answer(key: str, value: Any, source: str | None, label: str | None = None) -> Any:
    """``value`` through the checker of ``key`` (unchanged for a question scaffold does not
    know); a refusal names ``source`` and the key (``label``, where the source spells it so)."""
    check = CHECKS.get(key)
    if check is None:
        return value
    try:
        return check(value)
    except UsageError as exc:
        if source is None:
            raise
        raise UsageError(f"{source}: '{label or key}': {exc.message}", hint=exc.hint) from None


def check_recorded(template: Template, answers: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Answers read back (an answers file) as :func:`coerce` checks what a user gives: a
    recorded answer becomes paths and file contents again, as on the first render."""
    return {key: coerce(template, key, value, source) for key, value in answers.items()}


def _as_str(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"got {type(value).__name__}")
    return str(value)


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "yes", "y", "1", "on"):
        return True
    if lowered in ("false", "no", "n", "0", "off"):
        return False
    raise ValueError(f"'{value}' is not yes or no")


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a yes/no is not a number")
    return int(value)


def _as_yaml(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    import yaml  # noqa: PLC0415

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": _as_str,
    "path": _as_str,
    "bool": _as_bool,
    "int": _as_int,
    "float": float,
    "json": lambda value: json.loads(value) if isinstance(value, str) else value,
    "yaml": _as_yaml,
}


def _typed(kind: str, value: Any) -> Any:
    converter = _CONVERTERS.get(kind)
    if converter is None:
        raise TypeError(f"unknown question type '{kind}'")
    return converter(value)


def validator_message(template: Template, key: str, value: Any) -> str:
    """The question's validator (a Jinja template that renders a message when wrong)."""
    validator = template.questions.get(key, {}).get("validator")
    if not isinstance(validator, str) or not validator.strip():
        return ""
    from jinja2 import TemplateError  # noqa: PLC0415

    from scaffold.create.render import environment  # noqa: PLC0415

    try:
        return str(environment().from_string(validator).render({key: value})).strip()
    except TemplateError:
        return ""  # a validator that needs other answers cannot judge one alone


def resolve(
    template: Template,
    computed: Mapping[str, Any],
    given: Mapping[str, Any],
    ask: Ask | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every answer the template asks for, in the order of its questions.

    ``computed``: what scaffold works out (names, dependencies...); ``given``: what the user
    gave, already merged by precedence and typed; ``ask``: a prompt for the template's
    ``prompts`` the user did not give (in a terminal), else their defaults are taken;
    ``defaults``: scaffold's own defaults where they beat the template's.
    """
    from scaffold.create.render import environment  # noqa: PLC0415

    env = environment()
    result: dict[str, Any] = {}
    for key, question in template.questions.items():
        if key in given:
            result[key] = given[key]
            continue
        if key in computed:
            result[key] = computed[key]
            continue
        default = (defaults or {}).get(key, question.get("default"))
        if isinstance(default, str) and "{" in default:
            default = env.from_string(default).render(result)
        if ask is not None and key in template.prompts:
            result[key] = _asked(template, key, question, default, ask)
        else:
            result[key] = default
    return result


def _asked(
    template: Template, key: str, question: Mapping[str, Any], default: Any, ask: Ask
) -> Any:
    """Ask until the answer passes the question's type, choices and validator."""
    problem: str | None = None
    for _ in range(_TRIES):
        try:
            return coerce(template, key, ask(key, question, default, problem), "answer")
        except UsageError as exc:
            problem = exc.message.removeprefix("answer: ")
    raise UsageError(f"no valid answer for '{key}' after {_TRIES} tries: {problem}")


_SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_keys(data: Mapping[str, Any], source: str) -> None:
    for key in data:
        if not _SAFE_KEY.match(key):
            raise UsageError(f"{source}: '{key}' is not a question name")
