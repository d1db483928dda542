"""The merge core of ``scaffold update``: text, pyproject.toml, the answers file, and their laws."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import tomlkit
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scaffold.lifecycle.merge import (
    Action,
    FileMerge,
    Labels,
    merge_answers,
    merge_file,
    merge_pyproject,
    merge_text,
)
from scaffold.lifecycle.merge.result import MISSING
from tests.conftest import IN_CI

LABELS = {"ours_label": "project", "theirs_label": "template v2", "base_label": "template v1"}


def text(base: str | None, ours: str | None, theirs: str | None) -> FileMerge:
    return merge_text(base, ours, theirs, **LABELS)


def lines(*items: str) -> str:
    return "".join(f"{item}\n" for item in items)


# --- text: file-level cases --------------------------------------------------------------------

BASE = lines("a", "b", "c")


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "content", "action"),
    [
        pytest.param(None, None, None, None, Action.UNCHANGED, id="nowhere"),
        pytest.param(None, None, BASE, BASE, Action.ADDED, id="added-by-template"),
        pytest.param(None, BASE, None, BASE, Action.UNCHANGED, id="projects-own-file"),
        pytest.param(None, BASE, BASE, BASE, Action.UNCHANGED, id="added-alike-by-both"),
        pytest.param(BASE, BASE, None, None, Action.DELETED, id="deleted-by-template"),
        pytest.param(BASE, None, BASE, None, Action.UNCHANGED, id="deleted-by-project"),
        pytest.param(BASE, None, None, None, Action.UNCHANGED, id="deleted-by-both"),
        pytest.param(BASE, BASE, BASE, BASE, Action.UNCHANGED, id="nobody-changed"),
        pytest.param(BASE, lines("A", "b", "c"), BASE, lines("A", "b", "c"), Action.UNCHANGED,
                     id="project-changed"),
        pytest.param(BASE, BASE, lines("a", "b", "C"), lines("a", "b", "C"), Action.UPDATED,
                     id="template-changed"),
        pytest.param(BASE, lines("A", "b", "c"), lines("a", "b", "C"), lines("A", "b", "C"),
                     Action.UPDATED, id="both-changed-apart"),
        pytest.param(BASE, lines("a", "B", "c"), lines("a", "B", "c"), lines("a", "B", "c"),
                     Action.UNCHANGED, id="same-change-on-both"),
        pytest.param(BASE, lines("x", "a", "b", "c"), lines("a", "b", "c", "y"),
                     lines("x", "a", "b", "c", "y"), Action.UPDATED, id="inserts-at-both-ends"),
        pytest.param(BASE, lines("a", "c"), lines("a", "b", "c", "d"), lines("a", "c", "d"),
                     Action.UPDATED, id="project-deleted-a-line"),
    ],
)  # fmt: skip
def test_text_cases(
    base: str | None, ours: str | None, theirs: str | None, content: str | None, action: Action
) -> None:
    result = text(base, ours, theirs)
    assert (result.content, result.action, result.conflicts) == (content, action, ())


def test_deleted_by_template_but_edited_by_project_is_kept_as_a_conflict() -> None:
    result = text(BASE, lines("a", "mine", "c"), None)
    assert result.content == lines("a", "mine", "c")
    assert result.action is Action.CONFLICT
    [conflict] = result.conflicts
    assert conflict.lines is None
    assert "template deleted it" in conflict.reason
    assert "<<<<<<<" not in (result.content or "")


def test_deleted_by_project_but_changed_by_template_comes_back_as_a_conflict() -> None:
    result = text(BASE, None, lines("a", "b", "c", "new"))
    assert result.content == lines("a", "b", "c", "new")
    assert result.action is Action.CONFLICT
    assert "project deleted it" in result.conflicts[0].reason
    # Deleted again by the project, the next update (base = this template version) leaves it out.
    assert text(result.content, None, result.content).content is None


# --- text: conflicts ---------------------------------------------------------------------------


def test_both_changed_the_same_line_differently_gives_diff3_markers() -> None:
    base = lines("FROM python:3.12-slim", "WORKDIR /app", "RUN a", "USER app")
    ours = lines("FROM python:3.12-slim", "WORKDIR /app", "RUN a --mine", "USER app")
    theirs = lines("FROM python:3.13-slim", "WORKDIR /app", "RUN a --theirs", "USER app")
    result = text(base, ours, theirs)
    assert result.content == lines(
        "FROM python:3.13-slim",
        "WORKDIR /app",
        "<<<<<<< project",
        "RUN a --mine",
        "||||||| template v1",
        "RUN a",
        "=======",
        "RUN a --theirs",
        ">>>>>>> template v2",
        "USER app",
    )
    assert result.action is Action.CONFLICT
    [conflict] = result.conflicts
    assert conflict.lines == (3, 9)
    assert (
        conflict.reason
        == "project and template v2 both changed the same lines; marked at lines 3-9"
    )


def test_changes_on_adjacent_lines_conflict_as_in_git() -> None:
    result = text(lines("1", "2", "3"), lines("1", "two", "3"), lines("1", "2", "THREE"))
    assert result.content == lines(
        "1", "<<<<<<< project", "two", "3", "||||||| template v1", "2", "3", "=======", "2",
        "THREE", ">>>>>>> template v2",
    )  # fmt: skip
    assert result.conflicts[0].reason.endswith("marked at lines 2-11")


def test_added_by_both_differently_conflicts_only_where_they_differ() -> None:
    result = text(None, lines("x", "ours", "y"), lines("x", "theirs", "y"))
    assert result.content == lines(
        "x", "<<<<<<< project", "ours", "||||||| template v1", "=======", "theirs",
        ">>>>>>> template v2", "y",
    )  # fmt: skip
    assert [c.lines for c in result.conflicts] == [(2, 7)]


def test_conflicts_are_listed_in_order_with_their_lines() -> None:
    base = lines("1", "2", "3", "4", "5")
    ours = lines("1", "two", "3", "4", "five")
    theirs = lines("1", "TWO", "3", "4", "FIVE")
    result = text(base, ours, theirs)
    assert [c.lines for c in result.conflicts] == [(2, 8), (11, 17)]
    numbered = (result.content or "").splitlines()
    for conflict in result.conflicts:
        assert conflict.lines is not None
        first, last = conflict.lines
        assert numbered[first - 1].startswith("<<<<<<<")
        assert numbered[last - 1].startswith(">>>>>>>")


# --- text: newlines ----------------------------------------------------------------------------


def test_crlf_of_ours_is_kept_when_the_template_uses_lf() -> None:
    result = text(BASE, "A\r\nb\r\nc\r\n", lines("a", "b", "C"))
    assert result.content == "A\r\nb\r\nC\r\n"


def test_a_missing_final_newline_is_kept() -> None:
    assert text(BASE, "A\nb\nc", lines("a", "b", "C")).content == "A\nb\nC"
    assert text("a\nm\nb", "A\nm\nb", "a\nm\nB").content == "A\nm\nB"


def test_the_template_dropping_the_final_newline_applies() -> None:
    assert text(BASE, lines("A", "b", "c"), "a\nb\nc").content == "A\nb\nc"


# --- pyproject.toml ----------------------------------------------------------------------------

PYPROJECT = """\
[project]
name = "my-api"
version = "0.1.0"
dependencies = [
    "fastapi>=0.115,<0.116",
    "uvicorn[standard]>=0.30,<1",
]

[dependency-groups]
dev = [
    "pytest>=8,<9",
    {include-group = "lint"},
]
lint = ["mypy>=1.13,<2"]

[build-system]
requires = ["hatchling>=1.26,<2"]
build-backend = "hatchling.build"

[tool.ruff]
line-length = 100

[tool.ruff.lint]
select = ["E", "F"]
"""

UVICORN = '    "uvicorn[standard]>=0.30,<1",\n'


def edit(source: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in source, old
        source = source.replace(old, new, 1)
    return source


def parsed(result: FileMerge) -> dict[str, Any]:
    assert isinstance(result.content, str)
    return tomllib.loads(result.content)


def test_pyproject_takes_the_templates_changes_and_keeps_the_projects() -> None:
    theirs = edit(
        PYPROJECT,
        ('"fastapi>=0.115,<0.116"', '"fastapi>=0.116,<0.117"'),
        ('select = ["E", "F"]', 'select = ["E", "F", "B"]'),
        ('"pytest>=8,<9",', '"pytest>=8,<9",\n    "httpx>=0.27,<1",'),
    )
    theirs += '\n[tool.pytest.ini_options]\naddopts = ["-ra"]\n'
    ours = edit(
        PYPROJECT,
        (UVICORN, f'{UVICORN}    "requests>=2.32",\n'),
        ("[tool.ruff]\n", "# the team's width\n[tool.ruff]\n"),
    )
    ours += "\n[tool.coverage.run]\nbranch = true  # measure branches\n"
    result = merge_pyproject(PYPROJECT, ours, theirs)
    assert result.action is Action.UPDATED
    data = parsed(result)
    assert data["project"]["dependencies"] == [
        "fastapi>=0.116,<0.117",
        "uvicorn[standard]>=0.30,<1",
        "requests>=2.32",
    ]
    assert data["dependency-groups"]["dev"] == [
        "pytest>=8,<9",
        "httpx>=0.27,<1",
        {"include-group": "lint"},
    ]
    assert data["tool"]["ruff"]["lint"]["select"] == ["E", "F", "B"]
    assert data["tool"]["coverage"] == {"run": {"branch": True}}
    assert data["tool"]["pytest"] == {"ini_options": {"addopts": ["-ra"]}}
    assert "# the team's width\n[tool.ruff]" in (result.content or "")
    assert "branch = true  # measure branches" in (result.content or "")


def test_pyproject_key_changed_on_both_sides_keeps_ours_under_a_comment() -> None:
    ours = edit(PYPROJECT, ("line-length = 100", "line-length = 120"))
    theirs = edit(PYPROJECT, ("line-length = 100", "line-length = 110"))
    result = merge_pyproject(PYPROJECT, ours, theirs)
    assert result.action is Action.CONFLICT
    content = result.content or ""
    assert (
        "[tool.ruff]\n# scaffold update: conflict: template has 110 (was 100)\nline-length = 120\n"
        in content
    )
    [conflict] = result.conflicts
    assert conflict.key == "tool.ruff.line-length"
    assert conflict.lines is not None
    numbered = content.splitlines()
    assert numbered[conflict.lines[1] - 1] == "line-length = 120"
    assert parsed(result)["tool"]["ruff"]["line-length"] == 120


def test_pyproject_dependency_changed_on_both_sides_is_a_conflict_naming_it() -> None:
    ours = edit(PYPROJECT, ('"fastapi>=0.115,<0.116"', '"FastAPI[all]>=0.115,<0.116"'))
    theirs = edit(PYPROJECT, ('"fastapi>=0.115,<0.116"', '"fastapi>=0.116,<0.117"'))
    result = merge_pyproject(PYPROJECT, ours, theirs)
    [conflict] = result.conflicts
    assert conflict.key == "fastapi"
    assert "dependency fastapi" in conflict.reason
    assert parsed(result)["project"]["dependencies"][0] == "FastAPI[all]>=0.115,<0.116"
    assert (
        '# scaffold update: conflict: template has "fastapi>=0.116,<0.117"'
        ' (was "fastapi>=0.115,<0.116")\ndependencies = [' in (result.content or "")
    )


def test_pyproject_dependency_the_project_removed_stays_removed() -> None:
    ours = edit(PYPROJECT, ('    "uvicorn[standard]>=0.30,<1",\n', ""))
    theirs = edit(PYPROJECT, ("build-backend", "# a comment\nbuild-backend"))
    result = merge_pyproject(PYPROJECT, ours, theirs)
    assert parsed(result)["project"]["dependencies"] == ["fastapi>=0.115,<0.116"]
    assert result.conflicts == ()


def test_pyproject_dependency_the_project_removed_and_the_template_changed_conflicts() -> None:
    ours = edit(PYPROJECT, ('    "uvicorn[standard]>=0.30,<1",\n', ""))
    theirs = edit(PYPROJECT, ('"uvicorn[standard]>=0.30,<1"', '"uvicorn[standard]>=0.32,<1"'))
    result = merge_pyproject(PYPROJECT, ours, theirs)
    [conflict] = result.conflicts
    assert conflict.key == "uvicorn"
    assert parsed(result)["project"]["dependencies"] == ["fastapi>=0.115,<0.116"]


def test_pyproject_dependency_spelling_does_not_count_as_a_change() -> None:
    ours = edit(PYPROJECT, ('"fastapi>=0.115,<0.116"', '"FastAPI >= 0.115, < 0.116"'))
    theirs = edit(PYPROJECT, ('"hatchling>=1.26,<2"', '"hatchling>=1.27,<2"'))
    result = merge_pyproject(PYPROJECT, ours, theirs)
    assert result.conflicts == ()
    assert parsed(result)["project"]["dependencies"][0] == "FastAPI >= 0.115, < 0.116"
    assert parsed(result)["build-system"]["requires"] == ["hatchling>=1.27,<2"]


def test_pyproject_template_removing_what_the_project_left_alone_removes_it() -> None:
    theirs = edit(PYPROJECT, ('[tool.ruff.lint]\nselect = ["E", "F"]\n', ""))
    theirs = edit(
        theirs, ('    {include-group = "lint"},\n', ""), ('lint = ["mypy>=1.13,<2"]\n', "")
    )
    result = merge_pyproject(PYPROJECT, PYPROJECT.replace('"0.1.0"', '"0.2.0"'), theirs)
    data = parsed(result)
    assert "lint" not in data["tool"]["ruff"]
    assert data["dependency-groups"] == {"dev": ["pytest>=8,<9"]}
    assert data["project"]["version"] == "0.2.0"


def test_pyproject_template_removing_a_key_the_project_changed_conflicts() -> None:
    ours = edit(PYPROJECT, ("line-length = 100", "line-length = 120"))
    theirs = edit(PYPROJECT, ("line-length = 100\n", ""))
    result = merge_pyproject(PYPROJECT, ours, theirs)
    assert "# scaffold update: conflict: template has nothing (was 100)\nline-length = 120" in (
        result.content or ""
    )


def test_pyproject_same_new_key_on_both_sides_is_not_duplicated() -> None:
    added = PYPROJECT + "\n[tool.mypy]\nstrict = true\n"
    result = merge_pyproject(
        PYPROJECT, added, added.replace("line-length = 100", "line-length = 99")
    )
    assert (result.content or "").count("[tool.mypy]") == 1
    assert parsed(result)["tool"]["ruff"]["line-length"] == 99


def test_pyproject_that_does_not_parse_is_merged_as_text_and_reported() -> None:
    broken = PYPROJECT + "\n[oops\n"
    result = merge_pyproject(PYPROJECT, broken, edit(PYPROJECT, ('"0.1.0"', '"0.2.0"')))
    assert result.action is Action.CONFLICT
    assert "not valid TOML" in result.conflicts[0].reason
    assert 'version = "0.2.0"' in (result.content or "")


def test_pyproject_conflict_merged_again_is_not_marked_twice() -> None:
    ours = edit(PYPROJECT, ("line-length = 100", "line-length = 120"))
    theirs = edit(PYPROJECT, ("line-length = 100", "line-length = 110"))
    first = merge_pyproject(PYPROJECT, ours, theirs)
    again = merge_pyproject(PYPROJECT, first.content, theirs)
    assert again.content == first.content


def test_pyproject_unparsable_requirements_merge_by_their_text() -> None:
    base = '[project]\ndependencies = ["fastapi", "not a requirement!"]\n'
    ours = '[project]\ndependencies = ["fastapi", "not   a requirement!", "requests"]\n'
    theirs = '[project]\ndependencies = ["fastapi>=1"]\n'
    result = merge_pyproject(base, ours, theirs)
    assert parsed(result)["project"]["dependencies"] == ["fastapi>=1", "requests"]


def test_pyproject_new_tables_keep_the_blank_lines_around_them() -> None:
    base = '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n'
    theirs = base + "\n[tool.mypy]\nstrict = true\n"
    ours = base + '\n[project.urls]\nhome = "https://example.org"\n'
    assert merge_pyproject(base, ours, theirs).content == (
        '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n\n[tool.mypy]\nstrict = true\n'
        '\n[project.urls]\nhome = "https://example.org"\n'
    )


def test_pyproject_keeps_comments_in_tables_the_template_changed() -> None:
    ours = edit(PYPROJECT, ("line-length = 100\n", "line-length = 100\n# keep me\n"))
    theirs = edit(PYPROJECT, ("[tool.ruff]\n", "[tool.ruff]\ntarget-version = 'py312'\n"))
    content = merge_pyproject(PYPROJECT, ours, theirs).content or ""
    assert "line-length = 100\n# keep me\n" in content
    assert "target-version = 'py312'" in content


def test_pyproject_keeps_crlf_and_comments_inside_dependency_arrays() -> None:
    ours = edit(PYPROJECT, (UVICORN, UVICORN.replace(",\n", ",  # the server\n"))).replace(
        "\n", "\r\n"
    )
    theirs = edit(PYPROJECT, ('"fastapi>=0.115,<0.116"', '"fastapi>=0.116,<0.117"'))
    content = merge_pyproject(PYPROJECT, ours, theirs).content or ""
    assert (
        '    "fastapi>=0.116,<0.117",\r\n    "uvicorn[standard]>=0.30,<1",  # the server\r\n'
        in content
    )
    assert "\n" not in content.replace("\r\n", "")


def test_pyproject_include_group_entries_merge_by_group() -> None:
    theirs = edit(
        PYPROJECT, ('    {include-group = "lint"},\n', '    {include-group = "types"},\n')
    )
    ours = edit(PYPROJECT, ('"pytest>=8,<9",', '"pytest>=8,<9",\n    "hypothesis>=6",'))
    assert parsed(merge_pyproject(PYPROJECT, ours, theirs))["dependency-groups"]["dev"] == [
        "pytest>=8,<9",
        {"include-group": "types"},  # where theirs has it: after pytest
        "hypothesis>=6",
    ]


def test_pyproject_added_by_both_merges_against_nothing() -> None:
    ours = PYPROJECT + "\n[tool.coverage.run]\nbranch = true\n"
    theirs = edit(PYPROJECT, ("line-length = 100", "line-length = 110"))
    result = merge_pyproject(None, ours, theirs)
    assert parsed(result)["tool"]["coverage"] == {"run": {"branch": True}}
    [conflict] = result.conflicts
    assert conflict.reason == (
        "tool.ruff.line-length: the project has 100, the template has 110 (was nothing);"
        " the project's is kept"
    )


# --- answers file ------------------------------------------------------------------------------

ANSWERS = """\
# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY
_commit: v1
_src_path: gh:team/template
project_name: my-api
python: '3.12'
"""


def test_answers_merge_key_by_key_in_theirs_order() -> None:
    theirs = (
        "# Changes here will be overwritten by Copier (v2)\n"
        "_commit: v2\n_src_path: gh:team/template\nci: true\nproject_name: my-api\npython: '3.12'\n"
    )
    ours = ANSWERS.replace("python: '3.12'", "python: '3.13'") + "team: payments\n"
    result = merge_answers(ANSWERS, ours, theirs)
    assert result.content == (
        "# Changes here will be overwritten by Copier (v2)\n"
        "_commit: v2\n_src_path: gh:team/template\nci: true\nproject_name: my-api\n"
        "python: '3.13'\nteam: payments\n"
    )
    assert result.action is Action.UPDATED


def test_answers_changed_on_both_sides_keep_ours_and_are_marked() -> None:
    ours = ANSWERS.replace("python: '3.12'", "python: '3.13'")
    theirs = ANSWERS.replace("python: '3.12'", "python: '3.14'").replace("v1", "v2")
    result = merge_answers(ANSWERS, ours, theirs)
    content = result.content or ""
    assert yaml.safe_load(content)["python"] == "3.13"
    assert yaml.safe_load(content)["_commit"] == "v2"
    [conflict] = result.conflicts
    assert conflict.key == "python"
    assert conflict.lines == (2, 2)
    assert (
        content.splitlines()[1]
        == "# scaffold update: conflict: python: template has '3.14' (was '3.12')"
    )
    assert merge_answers(ANSWERS, content, theirs).content == content


# --- dispatch ----------------------------------------------------------------------------------


def test_merge_file_picks_the_strategy_by_name() -> None:
    ours = edit(PYPROJECT, ("line-length = 100", "line-length = 120"))
    theirs = edit(PYPROJECT, ("line-length = 100", "line-length = 110"))
    as_toml = merge_file("services/api/pyproject.toml", PYPROJECT, ours, theirs)
    assert "# scaffold update: conflict" in (as_toml.content or "")
    as_text = merge_file("notes/pyproject.toml.txt", PYPROJECT, ours, theirs)
    assert "<<<<<<< project" in (as_text.content or "")
    answers = merge_file(".copier-answers.yml", ANSWERS, ANSWERS, ANSWERS.replace("v1", "v2"))
    assert answers.content == ANSWERS.replace("v1", "v2")


def test_merge_file_decodes_utf8_bytes_and_labels_markers() -> None:
    labels = Labels(ours="mine", base="old", theirs="new")
    result = merge_file("a.txt", b"caf\xc3\xa9\n", b"ours\n", b"theirs\n", labels)
    assert (
        result.data
        == "<<<<<<< mine\nours\n||||||| old\ncafé\n=======\ntheirs\n>>>>>>> new\n".encode()
    )


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "content", "action"),
    [
        pytest.param(b"\0a", b"\0a", b"\0b", b"\0b", Action.UPDATED, id="template-changed"),
        pytest.param(b"\0a", b"\0c", b"\0a", b"\0c", Action.UNCHANGED, id="project-changed"),
        pytest.param(b"\xff", b"\xfe", b"\xfd", b"\xfe", Action.CONFLICT, id="both-changed"),
        pytest.param(None, None, b"\0", b"\0", Action.ADDED, id="added"),
    ],
)
def test_merge_file_never_merges_binary_content(
    base: bytes | None, ours: bytes | None, theirs: bytes | None, content: bytes, action: Action
) -> None:
    result = merge_file("logo.png", base, ours, theirs)
    assert (result.content, result.action) == (content, action)
    if action is Action.CONFLICT:
        assert result.conflicts[0].lines is None


# --- the story of issue 10 ---------------------------------------------------------------------

DOCKERFILE_V1 = lines(
    "ARG PYTHON_IMAGE=python:3.12-slim-bookworm",
    "FROM ${PYTHON_IMAGE} AS builder",
    "RUN uv sync --locked --no-dev",
    "FROM ${PYTHON_IMAGE}",
    "USER 10001",
    'CMD ["uvicorn", "my_api.main:app"]',
)
MAIN_V1 = lines("from fastapi import FastAPI", "", "app = FastAPI()")


def test_story_update_applies_the_template_keeps_the_project_and_marks_one_conflict() -> None:
    v1 = {"Dockerfile": DOCKERFILE_V1, "src/my_api/main.py": MAIN_V1, "pyproject.toml": PYPROJECT}
    v2 = {
        "Dockerfile": edit(
            DOCKERFILE_V1,
            ("RUN uv sync --locked --no-dev", "RUN uv sync --locked --no-dev --no-editable"),
            ("USER 10001\n", "USER 10001\nHEALTHCHECK CMD python -c 'print(1)'\n"),
        ),
        "src/my_api/main.py": MAIN_V1,
        "pyproject.toml": edit(
            PYPROJECT,
            ('"fastapi>=0.115,<0.116"', '"fastapi>=0.116,<0.117"'),
            ("line-length = 100", "line-length = 110"),
        ),
        ".github/workflows/ci.yml": "on: push\n",
    }
    project = {
        "Dockerfile": edit(
            DOCKERFILE_V1, ("RUN uv sync --locked --no-dev", "RUN uv sync --locked --no-dev -v")
        ),
        "src/my_api/main.py": MAIN_V1
        + lines("", "", "@app.get('/items')", "def items() -> list[str]:", "    return []"),
        "pyproject.toml": edit(PYPROJECT, (UVICORN, f'{UVICORN}    "requests>=2.32.3",\n'))
        + "\n[tool.coverage.run]\nbranch = true\n",
    }
    results = {
        path: merge_file(path, v1.get(path), project.get(path), v2.get(path))
        for path in sorted(v1.keys() | v2.keys() | project.keys())
    }
    actions = {path: result.action for path, result in results.items()}
    assert actions == {
        ".github/workflows/ci.yml": Action.ADDED,
        "Dockerfile": Action.CONFLICT,
        "pyproject.toml": Action.UPDATED,
        "src/my_api/main.py": Action.UNCHANGED,
    }
    assert [len(result.conflicts) for result in results.values()] == [0, 1, 0, 0]
    dockerfile = results["Dockerfile"].content
    assert dockerfile == edit(
        v2["Dockerfile"],
        (
            "RUN uv sync --locked --no-dev --no-editable\n",
            "<<<<<<< project\nRUN uv sync --locked --no-dev -v\n"
            "||||||| template (recorded version)\nRUN uv sync --locked --no-dev\n"
            "=======\nRUN uv sync --locked --no-dev --no-editable\n"
            ">>>>>>> template (new version)\n",
        ),
    )
    assert results["src/my_api/main.py"].content == project["src/my_api/main.py"]
    data = parsed(results["pyproject.toml"])
    assert data["project"]["dependencies"] == [
        "fastapi>=0.116,<0.117",
        "uvicorn[standard]>=0.30,<1",
        "requests>=2.32.3",
    ]
    assert data["tool"]["ruff"]["line-length"] == 110
    assert data["tool"]["coverage"] == {"run": {"branch": True}}


# --- laws --------------------------------------------------------------------------------------

# A few lines from a small alphabet, so that generated sides share lines and collide often.
LINES = st.lists(st.sampled_from(["a", "b", "c", "d", "", "x = 1"]), max_size=8)
# CI runs a few hundred examples per law in well under 20 s in all; the TOML laws parse three
# documents per example with tomlkit, which is slow, so they run fewer.
LAWS = settings(max_examples=300 if IN_CI else 100, deadline=None, database=None)
TOML_LAWS = settings(LAWS, max_examples=150 if IN_CI else 50)


@st.composite
def sides(draw: st.DrawFn) -> tuple[str, str, str]:
    """base, and ours and theirs each an edit of it, every one with or without a final newline."""
    base = draw(LINES)
    ours, theirs = draw(_edited(base)), draw(_edited(base))
    return (
        _joined(base, draw(st.booleans())),
        _joined(ours, draw(st.booleans())),
        _joined(theirs, draw(st.booleans())),
    )


def _edited(base: list[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(
        st.just(base),
        LINES,
        st.builds(_splice, st.just(base), LINES, st.integers(0, 8), st.integers(0, 3)),
    )


def _splice(base: list[str], insert: list[str], at: int, remove: int) -> list[str]:
    at = min(at, len(base))
    return [*base[:at], *insert, *base[at + remove :]]


def _joined(items: list[str], final_newline: bool) -> str:
    return "\n".join(items) + ("\n" if final_newline and items else "")


@LAWS
@given(sides())
def test_law_deterministic(three: tuple[str, str, str]) -> None:
    assert text(*three) == text(*three)


@LAWS
@given(sides())
def test_law_untouched_template_returns_ours(three: tuple[str, str, str]) -> None:
    base, ours, _ = three
    assert text(base, ours, base) == FileMerge(ours, Action.UNCHANGED)


@LAWS
@given(sides())
def test_law_untouched_project_returns_theirs(three: tuple[str, str, str]) -> None:
    base, _, theirs = three
    assert text(base, base, theirs).content == theirs


@LAWS
@given(sides())
def test_law_the_same_update_twice_changes_nothing(three: tuple[str, str, str]) -> None:
    base, ours, theirs = three
    once = text(base, ours, theirs)
    # A second update starts from the version the first one reached. (Merging once.content
    # against the old base again is not a law of diff3: with repeated lines, the diff may pair
    # them differently the second time.)
    assert text(theirs, once.content, theirs).content == once.content


@LAWS
@given(sides())
def test_law_no_line_either_side_added_is_lost(three: tuple[str, str, str]) -> None:
    base, ours, theirs = (side.splitlines() for side in three)
    merged = (text(*three).content or "").splitlines()
    # Which base line a side's line stands for depends on how a diff pairs repeated lines, but a
    # line that is nowhere in base was added, whatever the pairing: it arrives, in its order,
    # in the merge with every conflict settled for its side.
    for side, lines_of_side in (("ours", ours), ("theirs", theirs)):
        added = [line for line in lines_of_side if line not in base]
        assert _is_subsequence(added, _settled(merged, side)), side


def _settled(merged: list[str], side: str) -> list[str]:
    """The merged lines with every conflict settled for one side."""
    out: list[str] = []
    section = None
    for line in merged:
        if line.startswith(("<<<<<<< ", "||||||| ", "=======", ">>>>>>> ")):
            section = {"<": "ours", "|": "base", "=": "theirs", ">": None}[line[0]]
        elif section in (None, side):
            out.append(line)
    return out


def _is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    remaining = iter(haystack)
    return all(needle in remaining for needle in needles)


@LAWS
@given(sides())
def test_law_conflict_lines_point_at_markers(three: tuple[str, str, str]) -> None:
    result = text(*three)
    numbered = (result.content or "").splitlines()
    assert (result.action is Action.CONFLICT) == bool(result.conflicts)
    for conflict in result.conflicts:
        assert conflict.lines is not None
        assert numbered[conflict.lines[0] - 1].startswith("<<<<<<< ")
        assert numbered[conflict.lines[1] - 1].startswith(">>>>>>> ")


# --- laws for pyproject.toml -------------------------------------------------------------------

SCALARS = st.sampled_from([1, 2, "a", "b", True, ["x"], ["x", "y"]])
LEAVES = st.dictionaries(st.sampled_from(["x", "y", "z"]), SCALARS, max_size=3)
# name -> version bound: one entry per name, spelled in several ways that mean the same.
REQUIREMENTS = st.dictionaries(
    st.sampled_from(["fastapi", "requests", "uvicorn"]),
    st.sampled_from([">=1", ">=2", ">= 2", "<3"]),
    max_size=3,
)
_SPELLING = {"fastapi": "FastAPI", "requests": "requests", "uvicorn": "Uvicorn"}


@st.composite
def pyprojects(draw: st.DrawFn) -> str:
    """A small pyproject.toml; its tables exist on every side, so each leaf merges on its own."""
    requirements = draw(REQUIREMENTS)
    document = {
        "project": {
            "name": "demo",
            **draw(LEAVES),
            "dependencies": [_SPELLING[name] + bound for name, bound in requirements.items()],
        },
        "tool": {"a": draw(LEAVES), "b": draw(LEAVES)},
    }
    return tomlkit.dumps(document)


def three_way(base: Any, ours: Any, theirs: Any) -> tuple[Any, bool]:
    """The expected value of one leaf, and whether it is a conflict (ours kept)."""
    if theirs in (base, ours):
        return ours, False
    if ours == base:
        return theirs, False
    return ours, True


def _requirements(entries: list[str]) -> dict[str, str]:
    return {
        canonicalize_name(req.name): str(req) for req in (Requirement(entry) for entry in entries)
    }


def _leaves(data: dict[str, Any]) -> dict[str, Any]:
    project = {k: v for k, v in data["project"].items() if k != "dependencies"}
    return {
        **{f"project.{k}": v for k, v in project.items()},
        **{f"tool.{t}.{k}": v for t in ("a", "b") for k, v in data["tool"].get(t, {}).items()},
    }


@TOML_LAWS
@given(pyprojects(), pyprojects(), pyprojects())
def test_law_pyproject_merges_each_key_and_dependency_three_way(
    base: str, ours: str, theirs: str
) -> None:
    result = merge_pyproject(base, ours, theirs)
    assert merge_pyproject(base, ours, theirs) == result
    merged = parsed(result)  # always parses: no duplicate keys, no broken layout
    sides = [tomllib.loads(side) for side in (base, ours, theirs)]
    conflicts = {conflict.key for conflict in result.conflicts}
    leaves = [_leaves(side) for side in sides]
    for key in sorted(set().union(*leaves)):
        expected, conflict = three_way(*(side.get(key, MISSING) for side in leaves))
        assert _leaves(merged).get(key, MISSING) == expected, key
        assert (key in conflicts) == conflict, key
    requirements = [_requirements(side["project"]["dependencies"]) for side in sides]
    got = _requirements(merged["project"]["dependencies"])
    for name in sorted(set().union(*requirements)):
        expected, conflict = three_way(*(side.get(name, MISSING) for side in requirements))
        assert got.get(name, MISSING) == expected, name
        assert (name in conflicts) == conflict, name


@TOML_LAWS
@given(pyprojects(), pyprojects(), pyprojects())
def test_law_pyproject_update_twice_changes_nothing(base: str, ours: str, theirs: str) -> None:
    once = merge_pyproject(base, ours, theirs).content
    assert merge_pyproject(theirs, once, theirs).content == once
    assert merge_pyproject(base, once, theirs).content == once


@st.composite
def commented(draw: st.DrawFn, source: str) -> str:
    """The source with comment lines the project wrote between its lines."""
    lines = source.splitlines()
    positions = draw(st.sets(st.integers(1, len(lines)), max_size=3))
    for number, at in enumerate(sorted(positions, reverse=True)):
        lines.insert(at, f"# note {number}")
    return "\n".join(lines) + "\n"


@TOML_LAWS
@given(pyprojects(), pyprojects(), pyprojects(), st.data())
def test_law_pyproject_keeps_the_projects_comments(
    base: str, ours: str, theirs: str, data: st.DataObject
) -> None:
    ours = data.draw(commented(ours))
    result = merge_pyproject(base, ours, theirs).content or ""
    notes = [line for line in ours.splitlines() if line.startswith("# note")]
    assert [line for line in result.splitlines() if line.startswith("# note")] == notes


ANSWER_MAPS = st.dictionaries(
    st.sampled_from(["_commit", "name", "python", "ci"]),
    st.sampled_from(["v1", "v2", "3.12", True, None, 1]),
    max_size=4,
)


@LAWS
@given(ANSWER_MAPS, ANSWER_MAPS, ANSWER_MAPS)
def test_law_answers_merge_each_answer_three_way(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> None:
    dumped = [f"# header\n{yaml.safe_dump(side, sort_keys=False)}" for side in (base, ours, theirs)]
    result = merge_answers(*dumped)
    assert result == merge_answers(*dumped)
    merged = yaml.safe_load(result.content or "") or {}
    conflicts = {conflict.key for conflict in result.conflicts}
    for key in sorted(base.keys() | ours.keys() | theirs.keys()):
        expected, conflict = three_way(*(side.get(key, MISSING) for side in (base, ours, theirs)))
        assert merged.get(key, MISSING) == expected, key
        assert (key in conflicts) == conflict, key
    if dumped[2] not in dumped[:2]:  # a real merge (otherwise ours is kept as it is)
        order = [*theirs, *(key for key in ours if key not in theirs)]
        assert list(merged) == [key for key in order if key in merged]
