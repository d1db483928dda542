"""scaffold's own release: the workflow is linted and shaped for trusted publishing, and its
commands (``.ci/release.sh``) run here up to the upload, with a local index standing in for PyPI.

The build runs online, as in the workflow (it fetches hatchling and twine). Everything after it
runs offline, from uv's cache, with the versions of uv.lock as constraints, so it installs the
same packages every time: ``uv sync --locked`` has put them all in the cache.
"""

from __future__ import annotations

import email
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

import scaffold
from scaffold.tools import runner
from tests.test_workflows import actionlint, load, shellcheck, shellcheck_findings

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
SCRIPT = Path(".ci") / "release.sh"
VERSION = scaffold.__version__
WHEEL = f"scaffold_proven-{VERSION}-py3-none-any.whl"
SDIST = f"scaffold_proven-{VERSION}.tar.gz"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def zizmor(*args: str | Path) -> list[dict[str, Any]]:
    """zizmor's findings, every persona's (pedantic includes the others'), with no network."""
    binary = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail("zizmor is not installed: it comes with the dev group")
    argv = [binary, "--offline", "--no-config", "--persona=pedantic", "--format=json", *args]
    done = subprocess.run(
        [str(arg) for arg in argv], capture_output=True, text=True, timeout=120, check=False
    )
    # 0: nothing found; 10 and up: findings, which the JSON lists.
    assert done.returncode == 0 or done.returncode >= 10, done.stderr
    findings = json.loads(done.stdout)
    assert isinstance(findings, list)
    return findings


def uv_env(**extra: str) -> dict[str, str]:
    """What the release commands run with: this project's uv first on PATH."""
    uv_dir = str(Path(runner.uv_binary()).parent)
    return {"PATH": f"{uv_dir}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1", **extra}


def release(tree: Path, *args: str, **env: str) -> runner.Completed:
    return runner.run(["bash", str(SCRIPT), *args], cwd=tree, env=uv_env(**env), timeout=600)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository (what git tracks or would, as it is on disk now), built by the
    workflow's build step: dist/ holds the sdist and the wheel."""
    copy = tmp_path_factory.mktemp("release") / "scaffold"
    listed = runner.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT
    )
    assert listed.ok, listed.output
    for name in filter(None, listed.output.split("\0")):
        source = ROOT / name
        if source.is_symlink() or source.exists():  # not deleted in the work tree
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name, follow_symlinks=False)
    built = release(copy, "build")
    assert built.ok, built.output
    # uv adds a .gitignore; the artifact upload leaves hidden files out.
    built_files = (path.name for path in (copy / "dist").iterdir())
    assert sorted(name for name in built_files if not name.startswith(".")) == [WHEEL, SDIST]
    return copy


@pytest.fixture(scope="module")
def locked(tree: Path) -> dict[str, str]:
    """Offline, with every version uv.lock names as a constraint."""
    constraints = tree.parent / "constraints.txt"
    uv = runner.uv_binary()
    args = ["export", "--frozen", "--no-emit-project", "--no-hashes", "-o", str(constraints)]
    exported = runner.run([uv, *args], cwd=tree, timeout=120)
    assert exported.ok, exported.output
    # What the test job installs, resolved online once: offline, uv reads the index's answers
    # from its cache, which `uv sync` from a lock file never asked for (the job passed only
    # after some earlier test had resolved these online).
    venv = tree.parent / "warm-venv"
    made = runner.run([uv, "venv", "--quiet", "--python", PYTHON, str(venv)], timeout=120)
    assert made.ok, made.output
    warm = [uv, "pip", "install", "--python", str(venv / "bin" / "python"), "-c", str(constraints)]
    warmed = runner.run(
        [*warm, "-r", "pyproject.toml", "--group", "pyproject.toml:dev"], cwd=tree, timeout=600
    )
    assert warmed.ok, warmed.output
    return {"UV_OFFLINE": "1", "UV_CONSTRAINT": str(constraints)}


# --- the workflow, linted ----------------------------------------------------------------------


def test_the_release_workflow_passes_actionlint() -> None:
    done = actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_its_run_scripts_and_the_release_script_pass_shellcheck() -> None:
    assert shellcheck_findings(WORKFLOW) == {}
    done = shellcheck((ROOT / SCRIPT).read_text(), exclude="")
    assert done.returncode == 0, done.stdout


def test_zizmor_finds_nothing_in_the_release_workflow() -> None:
    assert zizmor(WORKFLOW) == []


def test_zizmor_reports_what_a_release_must_not_do(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(
        "on:\n"
        "  push:\n"
        '    tags: ["v*"]\n'
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: astral-sh/setup-uv@v6\n"
        '      - run: echo "${{ github.event.head_commit.message }}"\n'
    )
    found = {finding["ident"] for finding in zizmor(unsafe)}
    assert {"unpinned-uses", "artipacked", "cache-poisoning", "template-injection"} <= found


# --- the workflow, shaped for trusted publishing ------------------------------------------------


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it() -> None:
    text = WORKFLOW.read_text()
    uses = [line.strip() for line in text.splitlines() if re.match(r"\s*(- )?uses:", line)]
    workflow = load(WORKFLOW)
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert len(uses) == len([step for step in steps if "uses" in step]) > 0
    for line in uses:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_only_the_publish_job_may_mint_a_token_and_it_needs_no_secret() -> None:
    workflow = load(WORKFLOW)
    assert workflow["on"]["push"] == {"tags": ["v*"]}
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert set(jobs) == {"build", "test", "publish"}
    for name in ("build", "test"):
        assert jobs[name]["permissions"] == {"contents": "read"}, name
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"] == {
        "name": "pypi",
        "url": "https://pypi.org/project/scaffold-proven/",
    }
    assert set(publish["needs"]) == {"build", "test"}
    assert "github.ref_type == 'tag'" in publish["if"]
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
    published = str(publish)
    for word in ("password", "secrets.", "token:"):
        assert word not in published, word
    assert "secrets." not in WORKFLOW.read_text()


def test_the_jobs_run_the_release_script_and_no_expression_in_a_script() -> None:
    workflow = load(WORKFLOW)
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), name
        for step in job["steps"]:
            if "run" in step:
                assert step["run"].startswith(f"{SCRIPT} "), step["run"]
                assert "${{" not in step["run"], step["run"]
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
            if step.get("uses", "").startswith("astral-sh/setup-uv@"):
                assert step["with"]["enable-cache"] is False
    assert os.access(ROOT / SCRIPT, os.X_OK), "the jobs run the script itself"
    test = workflow["jobs"]["test"]
    assert test["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13", "3.14"]
    assert [step["run"] for step in test["steps"] if "run" in step] == [
        f'{SCRIPT} test-wheel "$PYTHON"'
    ]


def test_the_matrix_is_the_pythons_the_package_supports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<4"
    matrix = load(WORKFLOW)["jobs"]["test"]["strategy"]["matrix"]["python"]
    assert matrix == [f"3.{minor}" for minor in range(11, 15)]


# --- the commands, run: build, check, publish to a local index, install from it ----------------


def test_the_version_is_written_once_and_the_wheel_carries_it(tree: Path) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["dynamic"] == ["version"]
    assert "version" not in pyproject["project"]
    assert pyproject["tool"]["hatch"]["version"] == {"path": "src/scaffold/__init__.py"}
    with zipfile.ZipFile(tree / "dist" / WHEEL) as wheel:
        metadata = email.message_from_bytes(
            wheel.read(f"scaffold_proven-{VERSION}.dist-info/METADATA")
        )
    with tarfile.open(tree / "dist" / SDIST) as sdist:
        member = sdist.extractfile(f"scaffold_proven-{VERSION}/PKG-INFO")
        assert member is not None
        pkg_info = email.message_from_bytes(member.read())
    for found in (metadata, pkg_info):
        assert found["Name"] == "scaffold-proven"
        assert found["Version"] == VERSION
        # The newest the uploader of the publish job (twine 6.1) reads: pyproject.toml says so.
        assert found["Metadata-Version"] == "2.4"


def test_the_wheel_carries_the_templates_and_the_license(tree: Path) -> None:
    with zipfile.ZipFile(tree / "dist" / WHEEL) as wheel:
        names = set(wheel.namelist())
        license_text = wheel.read(f"scaffold_proven-{VERSION}.dist-info/licenses/LICENSE")
    templates = ROOT / "templates"
    for path in sorted(templates.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"scaffold/templates/{path.relative_to(templates).as_posix()}" in names
    assert license_text == (ROOT / "LICENSE").read_bytes()
    assert {"scaffold/py.typed", f"scaffold_proven-{VERSION}.dist-info/entry_points.txt"} <= names


def test_the_tag_must_be_the_version(tree: Path) -> None:
    done = release(tree, "check-tag", f"v{VERSION}")
    assert done.ok, done.output
    for wrong in ("v0.0.1", VERSION, f"v{VERSION}.1", f"{VERSION}v"):
        done = release(tree, "check-tag", wrong)
        assert done.returncode == 1, wrong
        assert f"tag {wrong} does not match scaffold.__version__ (expected v{VERSION})" in (
            done.output
        )


def test_the_uploaded_files_install_from_the_index_and_render_a_project(
    tree: Path, locked: dict[str, str], tmp_path: Path
) -> None:
    # The upload's stand-in: a flat folder of the files the publish job would send.
    index = tmp_path / "index"
    index.mkdir()
    for name in (WHEEL, SDIST):
        shutil.copy2(tree / "dist" / name, index / name)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    uvx = str(Path(runner.uv_binary()).with_name("uvx"))
    tool = [uvx, "--no-config", "--from", f"scaffold-proven=={VERSION}", "--find-links", str(index)]
    env = uv_env(**locked, PYTHONPATH="")

    answered = runner.run([*tool, "scaffold-proven", "--version"], cwd=elsewhere, env=env)
    assert answered.ok, answered.output
    assert answered.output.strip().splitlines()[-1] == f"scaffold {VERSION}"
    new = ["scaffold-proven", "new", "my-api", "--no-lock", "--no-git", "--no-validate"]
    done = runner.run([*tool, *new], cwd=elsewhere, env=env, timeout=300)
    assert done.ok, done.output
    project = tomllib.loads((elsewhere / "my-api" / "pyproject.toml").read_text())["project"]
    assert project["name"] == "my-api"
    assert (elsewhere / "my-api" / "src" / "my_api" / "main.py").is_file()


def test_the_test_job_passes_on_this_python(tree: Path, locked: dict[str, str]) -> None:
    """The test job's command, with one fast test file instead of the whole fast layer."""
    done = release(tree, "test-wheel", PYTHON, "tests/test_naming.py", "-q", **locked)
    assert done.ok, done.output
    assert f"scaffold {VERSION}" in done.output
    assert re.search(r"^\d+ passed", done.output, flags=re.MULTILINE), done.output
