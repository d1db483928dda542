"""The lib template: whole-tree golden files, copier parity, metadata that validates and parses
back to every answer, and the answers it refuses."""

from __future__ import annotations

import ast
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from validate_pyproject import api

from scaffold.create.new import NewOptions, build_spec, new_project
from scaffold.create.presets import load_preset
from scaffold.create.render import ANSWERS_FILE, render
from scaffold.create.spec import ProjectSpec
from scaffold.create.templates import load_template
from scaffold.errors import UsageError
from tests.conftest import Cli, assert_copier_renders_the_same
from tests.test_golden import assert_matches_golden

TEMPLATE = load_template("lib")
TEMPLATE_DIR = Path(__file__).parent.parent / "templates" / "lib"
VALIDATOR = api.Validator()

# The copyright year is given: its default, this year, would change the golden trees yearly.
CASES: dict[str, NewOptions] = {
    "lib": NewOptions(
        name="my-lib",
        template="lib",
        python="3.11",
        data={"copyright_year": "2026"},
        lock=False,
        git=False,
    ),
    "lib-metadata": NewOptions(
        name="Data Tools",
        template="lib",
        python="3.13",
        description='Reads "CSV" files; paths like C:\\data work too.',
        author='Ada "Countess" Lovelace',
        deps=("attrs>=24.2,<26",),
        data={
            "license": "BSD-3-Clause",
            "copyright_year": "2025",
            "keywords": "[csv, data, etl]",
            "repository": "https://git.example.com/acme/data-tools",
        },
        lock=False,
        git=False,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_tree_matches_golden(
    case: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    report = new_project(replace(CASES[case], parent=tmp_path))
    assert_matches_golden(Path(report.path), case, request)


def test_a_library_has_no_container_files() -> None:
    paths = render(TEMPLATE, build_spec(CASES["lib"]).answers()).paths()
    assert "Dockerfile" not in paths
    assert ".dockerignore" not in paths
    assert {"LICENSE", "src/my_lib/py.typed", "src/my_lib/__init__.py"} <= set(paths)
    assert not {"apt_build", "apt_runtime", "uv_version", "python_image"} & set(TEMPLATE.questions)


@pytest.mark.parametrize("case", sorted(CASES))
def test_copier_copy_gives_the_same_files(case: str, tmp_path: Path) -> None:
    assert_copier_renders_the_same(CASES[case], tmp_path)


def _parses_back(spec: ProjectSpec) -> dict[str, object]:
    files = {item.path: item.content.decode() for item in render(TEMPLATE, spec.answers()).files}
    pyproject = tomllib.loads(files["pyproject.toml"])
    VALIDATOR(pyproject)
    answers = spec.answers()
    project = pyproject["project"]
    assert project["description"] == spec.description
    assert project.get("authors", [{"name": ""}]) == [{"name": spec.author}]
    assert project["license"] == answers["license"]
    assert project.get("keywords", []) == answers["keywords"]
    assert project.get("urls", {}).get("Repository", "") == answers["repository"]
    assert project["dependencies"] == answers["dependencies"]
    assert pyproject["tool"]["scaffold"] == {"kind": "lib"}
    assert yaml.safe_load(files[ANSWERS_FILE]) == answers
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)
    return project


def test_the_metadata_is_ready_for_publishing() -> None:
    project = _parses_back(build_spec(CASES["lib-metadata"]))
    assert project["license-files"] == ["LICENSE"]
    assert project["requires-python"] == ">=3.13"
    assert project["readme"] == "README.md"
    assert "Typing :: Typed" in project["classifiers"]
    # PEP 639: with a license expression, License :: classifiers are not allowed.
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]
    defaults = _parses_back(build_spec(CASES["lib"]))
    assert "urls" not in defaults
    assert "keywords" not in defaults
    assert "authors" not in defaults
    assert defaults["dependencies"] == []


_TRICKY = st.sampled_from(['"', "'", "\\", '"""', "\\u0041", "#", ": ", "- ", "{{", "%", "\n"])
_TEXT = st.lists(st.one_of(st.text(max_size=12), _TRICKY), max_size=8).map("".join)


def _spec_or_usage_error(**data: str) -> ProjectSpec | None:
    options = replace(CASES["lib"], data=data)
    try:
        return build_spec(options, TEMPLATE)
    except UsageError as exc:
        assert "\n" not in exc.message  # noqa: PT017 - most examples are fine, some refused
        return None


@given(description=_TEXT, author=_TEXT, keyword=_TEXT, url=_TEXT)
@example(
    description='say "hi" \\o/', author="O'Brien \\", keyword="c++", url="https://x.example/a?b=1"
)
def test_answers_are_refused_or_parse_back(
    description: str, author: str, keyword: str, url: str
) -> None:
    keywords = yaml.safe_dump([keyword], default_flow_style=True).strip()
    for data in (
        {"description": description, "author": author},
        {"keywords": keywords},
        {"repository": url},
        {"repository": "https://git.example.com/" + url},
    ):
        spec = _spec_or_usage_error(**data)
        if spec is not None:
            _parses_back(spec)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("keywords", "csv"),
        ("keywords", "{a: b}"),
        ("keywords", "[1, 2]"),
        ("keywords", "['say \"hi\"']"),
        ("keywords", '["two\\nlines"]'),  # a YAML escape: a real line break
        ("keywords", "['back\\slash']"),
        ("repository", "git.example.com/acme"),
        ("repository", 'https://example.com/"quoted"'),
        ("repository", "https://example.com/a b"),
        ("repository", "https://example.com/\n"),
        ("license", "GPL-3.0-only"),
    ],
)
def test_answers_that_would_break_the_metadata_are_refused(key: str, value: str) -> None:
    with pytest.raises(UsageError, match=f"'{key}'"):
        build_spec(replace(CASES["lib"], data={key: value}), TEMPLATE)


def test_container_options_are_refused(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "new", "my-lib", "--template", "lib", "--path", tmp_path, "--apt-runtime", "tini",
        "--no-lock", "--no-git", "--no-validate",
    )  # fmt: skip
    assert result.code == 2, result
    assert "template 'lib' installs no Debian packages" in result.stderr
    assert not (tmp_path / "my-lib").exists()


def test_a_name_its_dev_dependencies_install_is_refused() -> None:
    with pytest.raises(UsageError, match="would shadow 'pluggy'"):
        build_spec(replace(CASES["lib"], name="pluggy"), TEMPLATE)


def test_new_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "new", "my-lib", "--template", "lib", "--path", tmp_path, "--python", "3.12",
        "--author", "Ada", "--data", "license=BSD-3-Clause", "--data", "copyright_year=2024",
        "--no-lock", "--no-git", "--no-validate",
    )  # fmt: skip
    assert result.code == 0, result
    project = tmp_path / "my-lib"
    assert "uv build" in result.stdout
    license_text = (project / "LICENSE").read_text()
    assert license_text.startswith("BSD 3-Clause License\n\nCopyright (c) 2024, Ada\n")
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert answers["template"] == "lib"
    assert answers["python_version"] == "3.12"


def test_a_teams_preset_with_base_images_serves_a_library_too(tmp_path: Path) -> None:
    """The preset's base images are for templates with a Dockerfile; its [data] stays strict."""
    preset = tmp_path / "acme.toml"
    preset.write_text(
        'python-image = "registry.acme.example/python:3.12-slim-bookworm"\n'
        'uv-image = "registry.acme.example/astral-sh/uv:0.13.9"\nauthor = "Platform Team"\n'
    )
    spec = build_spec(replace(CASES["lib"], preset=load_preset(preset)), TEMPLATE)
    assert spec.author == "Platform Team"
    assert "python_image" not in spec.answers()
    preset.write_text('author = "Platform Team"\n[data]\npython_image = "x"\n')
    with pytest.raises(UsageError, match="template 'lib' asks no question 'python_image'"):
        build_spec(replace(CASES["lib"], preset=load_preset(preset)), TEMPLATE)
