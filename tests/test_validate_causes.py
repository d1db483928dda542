"""The line that explains a failed build or sync, taken from the output, and hints that fire
only on their real cause (outputs as uv and BuildKit print them)."""

from __future__ import annotations

from pathlib import Path

from scaffold.report import Status, StepResult
from scaffold.tools.runner import Completed
from scaffold.validate.container import _without_image_options, explaining_line
from scaffold.validate.python import uv_failure

HTTPTOOLS = """\
  x Failed to build `httptools==0.6.4`
  |-> The build backend returned an error
  `-> Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)
      [stderr]
      building 'httptools.parser.parser' extension
      creating build/temp.linux-x86_64-cpython-313/httptools/parser
      gcc -pthread -fPIC -I/root/.cache/uv/builds-v0/.tmpX/include -c httptools/parser/parser.c
      error: command 'gcc' failed: No such file or directory
  Caused by: build/temp.linux-x86_64-cpython-313/httptools/parser/parser.o was not made
"""


def test_a_compiler_failure_is_not_told_to_install_a_python() -> None:
    detail = uv_failure("uv sync --locked failed", Completed(("uv",), 1, HTTPTOOLS, 1.0))
    assert "cpython-313" in detail  # what used to make it "install that Python"
    assert "install that Python" not in detail
    assert "command 'gcc' failed" in detail


def test_what_a_build_says_of_itself_explains_it() -> None:
    assert (
        explaining_line(
            "#12 3.1   Exception: you need a C compiler to build uWSGI\n"
            "#12 3.1   error: command 'gcc' failed\n"
        )
        == "uWSGI needs a C compiler (gcc) in the stage"
    )
    assert explaining_line(
        "#12 9.9 Error: Please make sure the libxml2 and libxslt development packages are "
        "installed.\n"
    ).startswith("lxml needs the libxml2 and libxslt development packages")
    assert (
        explaining_line("#14 0.52   ModuleNotFoundError: No module named 'setuptools'\n")
        == "ModuleNotFoundError: No module named 'setuptools'"
    )


def test_image_options_are_suggested_only_to_a_dockerfile_that_takes_them(
    tmp_path: Path,
) -> None:
    detail = (
        "cannot pull python:3.12-slim (no registry reachable? give --python-image/--uv-image "
        "or a mirror)"
    )
    plain = tmp_path / "Dockerfile"
    plain.write_text("FROM python:3.12-slim\nCOPY . /app\n")
    arguments = tmp_path / "Dockerfile.args"
    arguments.write_text("ARG PYTHON_IMAGE=python:3.12-slim\nFROM ${PYTHON_IMAGE}\n")

    fixed = _without_image_options(StepResult("build", Status.FAILED, detail=detail), plain)
    kept = _without_image_options(StepResult("build", Status.FAILED, detail=detail), arguments)

    assert fixed.detail == (
        "cannot pull python:3.12-slim (no registry reachable? use a registry mirror, or a local "
        "image of that name)"
    )
    assert kept.detail == detail
