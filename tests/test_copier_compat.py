"""The service template is a plain copier template: copier renders what scaffold renders."""

from __future__ import annotations

from pathlib import Path

import yaml

from scaffold import __version__
from scaffold.create.new import NewOptions, new_project
from scaffold.create.render import ANSWERS_FILE
from tests.conftest import assert_copier_renders_the_same

TEMPLATE = Path(__file__).parent.parent / "templates" / "service"


def test_copier_copy_gives_the_same_files(tmp_path: Path) -> None:
    options = NewOptions(
        name="my-api",
        python="3.11",
        author='Ada "Countess" \\ Lovelace',
        description='Quotes " and backslashes \\ are escaped the same way by both',
        deps=("psycopg2>=2.9,<3", 'tomli>=2,<3; python_version < "3.11"'),
    )
    assert_copier_renders_the_same(options, tmp_path)


def test_answers_file_records_template_version_and_every_answer(tmp_path: Path) -> None:
    report = new_project(NewOptions(name="my-api", parent=tmp_path, lock=False, git=False))
    text = (Path(report.path) / ANSWERS_FILE).read_text()
    assert text.startswith("# Changes here will be overwritten by Copier")
    answers = yaml.safe_load(text)
    assert answers["template"] == "service"
    assert answers["scaffold_version"] == __version__
    assert answers["project_name"] == "my-api"
    assert answers["package_name"] == "my_api"
    assert set(answers) >= {"python_version", "dependencies", "description", "uv_version"}
