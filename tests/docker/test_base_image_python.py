"""A Python whose base image is another Python is refused before anything is written; a team
names an image per Python with a `{python}` pattern (real engine, local images)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.tools.docker import BuildSettings
from scaffold.validate.validation import ValidateOptions, check_base_image
from tests.conftest import LOCAL_PYTHON_IMAGE, LOCAL_TRIXIE_IMAGE, Cli

pytestmark = pytest.mark.docker


def test_a_python_the_base_image_lacks_is_refused_before_writing(
    cli: Cli, docker: object, tmp_path: Path
) -> None:
    result = cli(
        "new", "my-api", "--path", tmp_path, "--python", "3.12",
        env={"SCAFFOLD_PYTHON_IMAGE": LOCAL_PYTHON_IMAGE},
    )  # fmt: skip
    assert result.code == 2, result
    assert f"the base image {LOCAL_PYTHON_IMAGE} has Python 3.11, not 3.12" in result.stderr
    assert "{python}" in result.stderr  # the way to name an image per Python
    assert list(tmp_path.iterdir()) == []


def test_an_image_per_python_is_named_by_a_pattern(docker: object) -> None:
    pattern = LOCAL_TRIXIE_IMAGE.replace("3.13", "{python}")
    assert "{python}" in pattern
    options = ValidateOptions(python_image=pattern)
    settings = BuildSettings.resolve(pattern, None, None, "3.13")
    assert settings.python_image == LOCAL_TRIXIE_IMAGE
    check_base_image(options, "3.13")  # that image is here, and has Python 3.13
    with pytest.raises(UsageError, match=r"has Python 3\.11, not 3\.13"):
        check_base_image(ValidateOptions(python_image=LOCAL_PYTHON_IMAGE), "3.13")
