"""`scaffold new .`: the project in the current (or --path) folder, named after it, as
`uv init` works in the current folder; the rules for an existing empty target apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FAST, Cli


def test_new_dot_makes_the_project_in_the_current_folder(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "billing-api"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli("new", ".", *FAST, "--json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert (report["name"], report["package"]) == ("billing-api", "billing_api")
    assert report["path"] == str(here)
    assert (here / "src" / "billing_api" / "main.py").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["billing-api"]  # no sibling, no child
    assert not (here / "billing-api").exists()


def test_new_dot_with_path_takes_that_folder_and_its_name(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "My_Worker"
    folder.mkdir()
    result = cli("new", ".", "--path", folder, *FAST, "--template", "worker")
    assert result.code == 0, result
    assert (folder / "src" / "my_worker").is_dir()
    assert "using 'my-worker' for the repository" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["My_Worker"]


def test_new_dot_refuses_a_folder_that_is_not_empty(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "my-api"
    here.mkdir()
    (here / "notes.txt").write_text("mine\n")
    monkeypatch.chdir(here)
    result = cli("new", ".", *FAST)
    assert result.code == 2, result
    assert "already exists and is not empty" in result.stderr
    assert [p.name for p in here.iterdir()] == ["notes.txt"]


def test_new_dot_checks_the_folder_s_name(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "json"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli("new", ".", *FAST)
    assert result.code == 2, result
    assert "would shadow the standard-library module 'json'" in result.stderr
    assert list(here.iterdir()) == []


def test_a_name_with_path_dot_makes_a_folder_in_the_current_one(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged: NAME is the new folder, --path . its parent."""
    monkeypatch.chdir(tmp_path)
    result = cli("new", "my-api", "--path", ".", *FAST)
    assert result.code == 0, result
    assert (tmp_path / "my-api" / "pyproject.toml").is_file()
