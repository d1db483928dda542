"""The answers file (``.copier-answers.yml``) merged as data: a flat mapping, answer by answer.

Written back with ``yaml.safe_dump`` in a stable order (theirs' keys, then the project's own), under
theirs' first comment line, so the same inputs always give the same bytes. A conflict keeps the
project's answer and is listed in a comment under that first line.
"""

from __future__ import annotations

from typing import Any, Final

import yaml

from scaffold.merge.result import (
    MARK,
    MISSING,
    Action,
    Conflict,
    FileMerge,
    merge_sides,
    merged,
)
from scaffold.merge.text import merge_text

_CONFLICT: Final = object()


def merge_answers(base: str | None, ours: str | None, theirs: str | None) -> FileMerge:
    """Merge the answers key by key; text merge (and a conflict) if a side is not a mapping."""
    return merge_sides(base, ours, theirs, _merge)


def _merge(base: str | None, ours: str, theirs: str) -> FileMerge:
    try:
        base_map, our_map, their_map = (_load(text) for text in (base or "", ours, theirs))
    except ValueError as error:
        result = merge_text(
            base, ours, theirs, ours_label="project", theirs_label="template", base_label="base"
        )
        reason = f"{error}; merged as text"
        return FileMerge(result.content, Action.CONFLICT, (Conflict(reason), *result.conflicts))
    answers: dict[str, Any] = {}
    marks: list[tuple[str, str]] = []  # (key, comment)
    for key in [*their_map, *(key for key in our_map if key not in their_map)]:
        value_base = base_map.get(key, MISSING)
        value_ours = our_map.get(key, MISSING)
        value_theirs = their_map.get(key, MISSING)
        value = _resolve(value_base, value_ours, value_theirs)
        if value is _CONFLICT:  # the project's answer stays
            value = value_ours
            mark = f"{key}: template has {_show(value_theirs)} (was {_show(value_base)})"
            marks.append((key, MARK + mark))
        if value is not MISSING:
            answers[key] = value
    header = [line for line in theirs.splitlines()[:1] if line.startswith("#")]
    lines = [*header, *(comment for _, comment in marks)]
    body = yaml.safe_dump(answers, sort_keys=False, allow_unicode=True, default_flow_style=False)
    text = "".join(f"{line}\n" for line in lines) + body
    conflicts = [
        Conflict(f"{comment.removeprefix(MARK)}; the project's answer is kept", (n, n), key)
        for n, (key, comment) in enumerate(marks, start=len(header) + 1)
    ]
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
