"""The license question: every choice's text is the pinned source's, renders into metadata that
validates, and a proprietary project cannot reach PyPI by accident."""

from __future__ import annotations

import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from pychoosealicense import get_license
from validate_pyproject import api

from scaffold.create.new import NewOptions, build_spec
from scaffold.create.render import ANSWERS_FILE, render
from scaffold.create.templates import available, load_template
from scaffold.errors import UsageError
from tests.conftest import FAST, Cli, assert_copier_renders_the_same, uv

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import licenses  # noqa: E402

VALIDATOR = api.Validator()
# The templates that ask for a license: those that publish a distribution.
ASKING = tuple(name for name in available() if "license" in load_template(name).questions)
CHOICES = (*licenses.TEXTS, licenses.PROPRIETARY)
PRIVATE = "Private :: Do Not Upload"


def rendered(template: str, author: str | None = "Ada Lovelace", **data: str) -> dict[str, str]:
    options = NewOptions(
        name="my-project",
        template=template,
        author=author,
        data={"copyright_year": "2024", **data},
        lock=False,
        git=False,
    )
    answers = build_spec(options, load_template(template)).answers()
    plan = render(load_template(template), answers)
    return {item.path: item.content.decode() for item in plan.files}


def test_the_vendored_texts_are_what_the_pinned_package_gives() -> None:
    wanted = licenses.render()
    for path in licenses.TARGETS:
        assert path.read_text("utf-8") == wanted, f"{path} is stale: run scripts/licenses.py write"


@pytest.mark.parametrize("spdx_id", licenses.TEXTS)
def test_each_text_is_the_one_the_packages_api_gives(spdx_id: str) -> None:
    """The script reads the package's files; its API gives the same text (bar the leading
    spaces of a centred title, which its front-matter parser strips)."""
    package = get_license(licenses.TEXTS[spdx_id])
    assert package.spdx_id == spdx_id.removesuffix("-or-later")
    text = package.content.format(year="[year]", fullname="[fullname]")
    assert licenses.source_text(spdx_id).strip() == text
    assert len(text) > 1000  # the whole license, not a summary


def test_the_templates_that_publish_ask_and_their_copies_are_identical() -> None:
    """lib and cli both publish to PyPI (their release workflow), so both ask; a copier
    template cannot include a file from outside its folder, so each keeps a copy."""
    assert ASKING == ("cli", "lib")
    root = ROOT / "templates"
    assert (root / "lib" / "LICENSE.jinja").read_bytes() == (
        root / "cli" / "LICENSE.jinja"
    ).read_bytes()
    questions = [load_template(name).questions for name in ASKING]
    for key in ("license", "copyright_year"):
        assert questions[0][key] == questions[1][key], key
    for name in ASKING:
        assert "LICENSE" in load_template(name).owned


def test_every_template_that_asks_offers_every_choice() -> None:
    for name in ASKING:
        template = load_template(name)
        assert template.choices("license") == list(CHOICES)
        assert template.default("license") == "MIT"
        assert "license" in template.prompts


@pytest.mark.parametrize("template", ASKING)
@pytest.mark.parametrize("spdx_id", CHOICES)
def test_every_choice_renders_its_text_and_valid_metadata(template: str, spdx_id: str) -> None:
    files = rendered(template, license=spdx_id)
    pyproject = tomllib.loads(files["pyproject.toml"])
    VALIDATOR(pyproject)
    project = pyproject["project"]
    assert project["license"] == spdx_id
    assert project["license-files"] == ["LICENSE"]
    # PEP 639: no License :: classifier beside a license expression.
    assert not [c for c in project.get("classifiers", []) if c.startswith("License ::")]
    assert (PRIVATE in project.get("classifiers", [])) == (spdx_id == licenses.PROPRIETARY)
    assert yaml.safe_load(files[ANSWERS_FILE])["license"] == spdx_id
    text = files["LICENSE"]
    if spdx_id == licenses.PROPRIETARY:
        assert text.startswith("Copyright (c) 2024 Ada Lovelace\nAll rights reserved.\n\n")
        return
    source = licenses.source_text(spdx_id)
    filled = source.replace("[year]", "2024").replace("[fullname]", "Ada Lovelace")
    assert text == filled
    # Only MIT and BSD-3-Clause have placeholders to fill; the others are used unmodified.
    assert (text == source) == (spdx_id not in ("MIT", "BSD-3-Clause"))


@pytest.mark.parametrize("template", ASKING)
@pytest.mark.parametrize("spdx_id", ["Apache-2.0", licenses.PROPRIETARY])
def test_copier_copy_gives_the_same_files(template: str, spdx_id: str, tmp_path: Path) -> None:
    """Apache-2.0's title starts with spaces no Jinja whitespace control may eat; the
    proprietary choice changes pyproject.toml and the README."""
    options = NewOptions(
        name="my-project",
        template=template,
        python="3.12",
        data={"license": spdx_id, "copyright_year": "2024"},
    )
    assert assert_copier_renders_the_same(options, tmp_path)["license"] == spdx_id


def test_a_proprietary_librarys_readme_publishes_to_its_own_index() -> None:
    readme = rendered("lib", license=licenses.PROPRIETARY)["README.md"]
    assert "\nuv publish --publish-url URL  # to your own index" in readme
    assert "to PyPI" not in readme
    assert "\nuv publish    # to PyPI" in rendered("lib", license="MPL-2.0")["README.md"]


def test_the_holder_is_the_author_or_the_projects_authors() -> None:
    text = rendered("lib", license="BSD-3-Clause")["LICENSE"]
    assert "\nCopyright (c) 2024, Ada Lovelace\n" in text
    text = rendered("lib", author=None, license="MIT")["LICENSE"]
    assert "\nCopyright (c) 2024 the my-project authors\n" in text


def test_the_year_defaults_to_this_one_and_must_be_a_year() -> None:
    options = NewOptions(name="my-lib", template="lib", lock=False, git=False)
    assert build_spec(options).answers()["copyright_year"] == time.strftime("%Y")
    for year in ("26", "20266", "MMXXVI", "2026\n", "2026 Ada"):
        with pytest.raises(UsageError, match="'copyright_year': give a year of four digits"):
            build_spec(NewOptions(name="my-lib", template="lib", data={"copyright_year": year}))


def test_copier_works_the_default_year_out_the_same_way(tmp_path: Path) -> None:
    from copier import run_copy  # noqa: PLC0415 - only the parity tests need copier

    data = {"project_name": "my-lib", "scaffold_version": "0.0.0", "license": "MIT"}
    run_copy(str(ROOT / "templates" / "lib"), tmp_path, data=data, defaults=True, quiet=True)
    assert yaml.safe_load((tmp_path / ANSWERS_FILE).read_text())["copyright_year"] == (
        time.strftime("%Y")
    )
    assert f"Copyright (c) {time.strftime('%Y')} the my-lib authors\n" in (
        (tmp_path / "LICENSE").read_text()
    )


def test_a_license_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "new", "my-lib", "--template", "lib", "--path", tmp_path, "--data", "license=Apache-2.0",
        *FAST,
    )  # fmt: skip
    assert result.code == 0, result
    project = tmp_path / "my-lib"
    assert (project / "LICENSE").read_text() == licenses.source_text("Apache-2.0")
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["license"] == (
        "Apache-2.0"
    )


def test_an_unknown_license_is_refused_with_the_choices(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "new", "my-lib", "--template", "lib", "--path", tmp_path, "--data", "license=Nope", *FAST
    )  # fmt: skip
    assert result.code == 2, result
    assert f"'license' must be one of {', '.join(CHOICES)}, not 'Nope'" in result.stderr
    assert not (tmp_path / "my-lib").exists()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("template", "spdx_id"), [("lib", licenses.PROPRIETARY), ("cli", "GPL-3.0-or-later")]
)
def test_the_wheel_carries_the_license_and_a_proprietary_one_stays_private(
    cli: Cli, tmp_path: Path, template: str, spdx_id: str
) -> None:
    result = cli(
        "new", "my-project", "--template", template, "--path", tmp_path,
        "--data", f"license={spdx_id}", *FAST,
    )  # fmt: skip
    assert result.code == 0, result
    project = tmp_path / "my-project"
    uv(project, "build", "--wheel", "--out-dir", str(tmp_path / "dist"))
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        carried = archive.read("my_project-0.1.0.dist-info/licenses/LICENSE")
        metadata = archive.read("my_project-0.1.0.dist-info/METADATA").decode()
    assert carried == (project / "LICENSE").read_bytes()
    assert f"License-Expression: {spdx_id}\n" in metadata
    assert "License-File: LICENSE\n" in metadata
    assert (f"Classifier: {PRIVATE}\n" in metadata) == (spdx_id == licenses.PROPRIETARY)
