"""The service template is a plain copier template: copier renders what scaffold renders."""

from __future__ import annotations

from pathlib import Path

import yaml
from copier import run_copy

from scaffold.generate import NewOptions, build_spec, new_project
from scaffold.render import ANSWERS_FILE
from tests.conftest import tree_bytes

TEMPLATE = Path(__file__).parent.parent / "templates" / "service"


def test_copier_copy_gives_the_same_files(tmp_path: Path) -> None:
    options = NewOptions(
        name="my-api",
        parent=tmp_path / "scaffold",
        python="3.11",
        author='Ada "Countess" \\ Lovelace',
        description='Quotes " and backslashes \\ are escaped the same way by both',
        deps=("psycopg2>=2.9,<3", 'tomli>=2,<3; python_version < "3.11"'),
        lock=False,
        git=False,
    )
    report = new_project(options)
    answers = build_spec(options).answers()
    copied = tmp_path / "copier" / "my-api"
    run_copy(str(TEMPLATE), copied, data=answers, defaults=True, quiet=True, unsafe=True)

    ours, theirs = tree_bytes(Path(report.path)), tree_bytes(copied)
    assert sorted(ours) == sorted(theirs)
    for path in ours:
        if path != ANSWERS_FILE:
            assert ours[path] == theirs[path], path
    # Copier also records where it copied from; every answer is the same.
    their_answers = yaml.safe_load(theirs[ANSWERS_FILE])
    assert their_answers.pop("_src_path")
    their_answers.pop("_commit", None)
    assert yaml.safe_load(ours[ANSWERS_FILE]) == their_answers == answers


def test_answers_file_records_template_version_and_every_answer(tmp_path: Path) -> None:
    report = new_project(NewOptions(name="my-api", parent=tmp_path, lock=False, git=False))
    text = (Path(report.path) / ANSWERS_FILE).read_text()
    assert text.startswith("# Changes here will be overwritten by Copier")
    answers = yaml.safe_load(text)
    assert answers["template"] == "service"
    assert answers["scaffold_version"] == "0.1.0"
    assert answers["project_name"] == "my-api"
    assert answers["package_name"] == "my_api"
    assert set(answers) >= {"python_version", "dependencies", "description", "uv_version"}
