"""Whole-tree golden tests: every path and every byte of each rendered template.

Missing, extra and changed files all fail. After a deliberate template change, regenerate with
``uv run pytest tests/test_golden.py --update-golden`` and review the diff in git.
"""

from __future__ import annotations

import difflib
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from scaffold.create.new import NewOptions, new_project
from scaffold.create.templates import available
from scaffold.tools import runner
from tests.conftest import GOLDEN, tree_bytes

CASES: dict[str, NewOptions] = {
    "service": NewOptions(name="my-api", python="3.11", lock=False, git=False),
    "service-sysdeps": NewOptions(
        name="Billing Worker",
        python="3.12",
        description="Bills customers, nightly.",
        author="Ada Lovelace",
        deps=("numpy>=1.24,<2", "psycopg2>=2.9,<3", "httpx>=0.27,<1"),
        apt_runtime=("tini",),
        lock=False,
        git=False,
    ),
}


def compare_trees(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    problems = [f"missing: {path}" for path in sorted(expected.keys() - actual.keys())]
    problems += [f"extra: {path}" for path in sorted(actual.keys() - expected.keys())]
    for path in sorted(expected.keys() & actual.keys()):
        if expected[path] != actual[path]:
            diff = difflib.unified_diff(
                expected[path].decode("utf-8", "replace").splitlines(),
                actual[path].decode("utf-8", "replace").splitlines(),
                f"golden/{path}",
                f"rendered/{path}",
                lineterm="",
            )
            problems.append("changed: " + "\n".join(diff))
    return problems


def assert_matches_golden(project: Path, case: str, request: pytest.FixtureRequest) -> None:
    """Every path and byte of ``project`` against ``tests/golden/CASE``; with
    ``--update-golden`` the golden tree is rewritten instead (and the test says so)."""
    golden_dir = GOLDEN / case
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden_dir, ignore_errors=True)
        shutil.copytree(project, golden_dir)
        pytest.skip(f"rewrote {golden_dir}")
    assert golden_dir.is_dir(), f"no golden tree for {case}: run with --update-golden"
    problems = compare_trees(tree_bytes(golden_dir), tree_bytes(project))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_tree_matches_golden(
    case: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    report = new_project(replace(CASES[case], parent=tmp_path))
    assert_matches_golden(Path(report.path), case, request)


def test_the_comparison_sees_missing_extra_and_changed_files() -> None:
    expected = {"a": b"1", "b": b"2", "c": b"3"}
    actual = {"a": b"1", "b": b"changed", "d": b"4"}
    problems = compare_trees(expected, actual)
    assert problems[0] == "missing: c"
    assert problems[1] == "extra: d"
    assert problems[2].startswith("changed: --- golden/b")


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    trees = []
    for run in ("one", "two"):
        parent = tmp_path / run
        report = new_project(replace(CASES["service-sysdeps"], parent=parent))
        trees.append(tree_bytes(Path(report.path)))
    assert trees[0] == trees[1]


@pytest.mark.parametrize("template", available())
def test_the_longest_name_keeps_every_template_ruff_clean(template: str, tmp_path: Path) -> None:
    """A 64-character name (the longest scaffold accepts) must not push a generated line past
    the project's own line-length limit."""
    name = "a" * 60 + "-api"
    report = new_project(
        NewOptions(
            name=name, parent=tmp_path, template=template, python="3.11", lock=False, git=False
        )
    )
    done = runner.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=Path(report.path),
        timeout=120,
    )
    assert done.ok, done.output
