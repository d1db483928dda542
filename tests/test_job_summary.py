"""On GitHub Actions `scaffold validate` also writes its step table to the job summary, as
Markdown in which nothing from a project or a tool becomes markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.create.new import NewOptions, new_project
from scaffold.report import Status, StepResult, ValidationReport, markdown_table
from tests.conftest import Cli


def test_the_table_escapes_what_it_is_given() -> None:
    hostile = "<img src=x onerror=alert(1)> | [link](https://evil) **bold**\nsecond line"
    report = ValidationReport(
        "/p", [StepResult("tests", Status.FAILED, 1.25, hostile), StepResult("lock", Status.OK)]
    )
    table = markdown_table(report)
    assert table.splitlines()[0] == "### scaffold validate: failed (exit 1)"
    row = next(line for line in table.splitlines() if line.startswith("| tests "))
    assert "<img" not in row
    assert "&lt;img src=x onerror=alert\\(1\\)&gt; \\| \\[link\\]\\(https://evil\\)" in row
    assert row.count(" | ") == 3  # four cells: the detail's | cannot open a fifth
    assert "second line" in row  # one row per step, newlines folded
    assert "| lock | ok | 0.0 s |  |" in table


@pytest.mark.usefixtures("warm_uv_cache")
def test_validate_appends_to_the_job_summary(cli: Cli, tmp_path: Path) -> None:
    report = new_project(
        NewOptions(name="my-api", parent=tmp_path, python="3.11", git=False, offline=True)
    )
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step's summary\n")
    result = cli(
        "validate", report.path, "--only", "lock", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.code == 0, result
    text = summary.read_text()
    assert text.startswith("earlier step's summary\n### scaffold validate: passed (exit 0)\n")
    assert "| lock | ok |" in text
