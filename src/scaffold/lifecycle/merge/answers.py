"""The answers file (``.copier-answers.yml``) merged as data: a flat mapping, answer by answer.

Written back with ``yaml.safe_dump`` in a stable order (theirs' keys, then the project's own), under
theirs' first comment line, so the same inputs always give the same bytes. A conflict keeps the
project's answer and is listed in a comment under that first line.
"""

from __future__ import annotations

from typing import Any, Final

import yaml

from scaffold.lifecycle.merge.result import (
    MARK,
    MISSING,
    Conflict,
    FileMerge,
    data_conflict,
    merge_sides,
    merged,
)
from scaffold.lifecycle.merge.text import merge_as_text

_CONFLICT: Final = object()


def merge_answers(base: str | None, ours: str | None, theirs: str | None) -> FileMerge:
    """Merge the answers key by key; text merge (and a conflict) if a side is not a mapping."""
    return merge_sides(base, ours, theirs, _merge)


def _merge(base: str | None, ours: str, theirs: str) -> FileMerge:
    try:
        base_map, our_map, their_map = (_load(text) for text in (base or "", ours, theirs))
    except ValueError as error:
        return merge_as_text(base, ours, theirs, str(error))
    answers: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    marks: list[str] = []
    header = [line for line in theirs.splitlines()[:1] if line.startswith("#")]
    for key in [*their_map, *(key for key in our_map if key not in their_map)]:
        sides = (base_map.get(key, MISSING), our_map.get(key, MISSING), their_map.get(key, MISSING))
        value = _resolve(*sides)
        if value is _CONFLICT:  # the project's answer stays
            value_base, value, value_theirs = sides
            marks.append(
                f"{MARK}{key}: template has {_show(value_theirs)} (was {_show(value_base)})"
            )
            line = len(header) + len(marks)
            shown = None if value is MISSING else _show(value)
            reason = data_conflict(key, _show(value_base), shown, _show(value_theirs))
            conflicts.append(Conflict(reason, (line, line), key))
        if value is not MISSING:
            answers[key] = value
    body = yaml.safe_dump(answers, sort_keys=False, allow_unicode=True, default_flow_style=False)
    text = "".join(f"{line}\n" for line in [*header, *marks]) + body
    return merged(text, ours, conflicts)


def _resolve(base: Any, ours: Any, theirs: Any) -> Any:
    """The merged answer, MISSING for none, or _CONFLICT."""
    if theirs in (base, ours):
        return ours
    if ours == base:
        return theirs
    return _CONFLICT


def _load(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"not valid YAML on one side ({error})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("the answers file is not a mapping on one side")  # noqa: TRY004
    return data


def _show(value: Any) -> str:
    """An answer on one line, as YAML flow style writes it."""
    if value is MISSING:
        return "nothing"
    return " ".join(yaml.safe_dump(value, default_flow_style=True).removesuffix("...\n").split())
