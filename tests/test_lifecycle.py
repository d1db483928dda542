"""scaffold check and scaffold update: a built-in template between two scaffold versions (wheels
built here, served from a local folder, offline), and a team's copier template between git tags."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy

from scaffold import __version__
from scaffold.create.new import NewOptions, new_project
from scaffold.lifecycle.check import render_memory
from scaffold.lifecycle.memory import read_memory
from scaffold.tools import runner
from tests.conftest import Cli, build_wheel

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parent.parent
NEXT = "0.3.0"  # the "newer" scaffold the test builds and serves from a local folder
GIT = shutil.which("git") or "git"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [GIT, *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


# --- two scaffold versions, as wheels in a local folder ----------------------------------


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This scaffold's wheel, and one at NEXT whose service template changed."""
    out = tmp_path_factory.mktemp("wheels")
    source = tmp_path_factory.mktemp("next") / "scaffold"
    top_level = {".git", ".venv", "tests", "bench", ".ci"}
    # symlinks=True: src/scaffold/templates stays a link to the copy's own templates/.
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=lambda folder, names: [n for n in names if Path(folder) == ROOT and n in top_level],
    )
    edit(source / "src" / "scaffold" / "__init__.py", f'"{__version__}"', f'"{NEXT}"')
    service = source / "templates" / "service"
    dockerfile = service / "Dockerfile.jinja"
    edit(dockerfile, "HEALTHCHECK --interval=30s", "HEALTHCHECK --interval=20s")
    edit(
        dockerfile,
        "WORKDIR /app\nUSER",
        'WORKDIR /app\nLABEL org.opencontainers.image.vendor="acme"\nUSER',
    )
    (service / ".editorconfig").write_text("root = true\n\n[*]\nend_of_line = lf\n")
    pyproject = service / "pyproject.toml.jinja"
    edit(pyproject, "line-length = 100", "line-length = 110")
    edit(service / "copier.yml", "    - fastapi>=0.115,<1", "    - fastapi>=0.116,<1")
    for folder in (ROOT, source):
        build_wheel(folder, out)
    return out


@pytest.fixture
def uv_env(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"UV_FIND_LINKS": str(wheels), "UV_OFFLINE": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def project(tmp_path: Path, warm_uv_cache: None) -> Path:
    report = new_project(
        NewOptions(name="my-api", parent=tmp_path, python="3.11", offline=True, lock=True)
    )
    assert report.post_steps_ok, [s.to_json() for s in report.steps]
    path = Path(report.path)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "scaffold new")
    return path


def user_edits(project: Path) -> None:
    """What a team does to its service after `scaffold new`."""
    main = project / "src" / "my_api" / "main.py"
    main.write_text(
        main.read_text() + '\n\n@app.get("/orders")\ndef orders() -> list[str]:\n    return []\n'
    )
    added = runner.run(
        [runner.uv_binary(), "add", "--offline", "--no-sync", "anyio>=4,<5"],
        cwd=project,
        timeout=300,
    )
    assert added.ok, added.output
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.coverage.run]\nbranch = true\n")
    edit(project / "Dockerfile", "HEALTHCHECK --interval=30s", "HEALTHCHECK --interval=15s")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "our edits")


def test_check_reports_drift_with_a_diff(cli: Cli, project: Path) -> None:
    assert cli("check", project).code == 0
    user_edits(project)
    result = cli("check", project, "--json")
    assert result.code == 1, result
    data = json.loads(result.stdout)["projects"][0]
    assert data["status"] == "drifted"
    drifted = {f["path"]: f for f in data["files"]}
    assert set(drifted) == {"Dockerfile"}  # main.py is seeded; pyproject only gained our keys
    assert "+HEALTHCHECK --interval=15s" in drifted["Dockerfile"]["diff"]
    assert "pyproject.toml" in data["in_step"]


def test_check_many_paths_and_a_stranger(cli: Cli, project: Path, tmp_path: Path) -> None:
    stranger = tmp_path / "not-ours"
    stranger.mkdir()
    result = cli("check", project, stranger, "--json")
    assert result.code == 4  # could not be checked: not "drifted" (1)
    statuses = [p["status"] for p in json.loads(result.stdout)["projects"]]
    assert statuses == ["in_step", "error"]
    table = cli("check", project, stranger)
    assert "not a scaffold project" in table.stdout
    assert "in step" in table.stdout


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ("- not a mapping\n", "expected a mapping"),
        ("project_name: x\n", "unknown answers file"),
        ("template: service\nscaffold_version: [1]\n", "'scaffold_version' must be a version"),
        # Not PEP 440 (the pattern this replaced let both through), and not written normalized.
        ("template: service\nscaffold_version: 1.2.3foo\n", "'scaffold_version' must be"),
        ("template: service\nscaffold_version: '1!!'\n", "'scaffold_version' must be"),
        ("template: service\nscaffold_version: 0.2.0-rc1\n", "'scaffold_version' must be"),
        ("template: [\n", "cannot be read"),
    ],
)
def test_a_malformed_answers_file_names_file_and_key(
    cli: Cli, tmp_path: Path, answers: str, message: str
) -> None:
    (tmp_path / ".copier-answers.yml").write_text(answers)
    result = cli("check", tmp_path, "--json")
    assert result.code == 2, result  # could not be checked: not "drifted" (1)
    project = json.loads(result.stdout)["projects"][0]
    assert project["status"] == "error"
    assert message in project["message"]
    assert ".copier-answers.yml" in project["message"] or "answers" in project["message"]


def test_update_between_two_scaffold_versions_keeps_every_edit(
    cli: Cli, project: Path, uv_env: dict[str, str]
) -> None:
    user_edits(project)
    ours_before = {p: (project / p).read_text() for p in ("src/my_api/main.py", "Dockerfile")}

    latest = cli("check", project, "--latest", "--json", env=uv_env)
    updates = {f["path"]: f["state"] for f in json.loads(latest.stdout)["projects"][0]["updates"]}
    assert updates[".editorconfig"] == "added"
    assert updates["Dockerfile"] == "updated"

    dry = cli("update", project, "--to", NEXT, "--dry-run", env=uv_env)
    assert dry.code == 6, dry
    assert git(project, "status", "--porcelain") == ""  # a dry run writes nothing

    result = cli("update", project, "--to", NEXT, "--json", env=uv_env)
    assert result.code == 6, result  # one conflict, marked in the Dockerfile
    report = json.loads(result.stdout)
    assert [c.split(":")[0] for c in report["conflicts"]] == ["Dockerfile"]

    dockerfile = (project / "Dockerfile").read_text()
    assert "<<<<<<< project\nHEALTHCHECK --interval=15s" in dockerfile
    assert "HEALTHCHECK --interval=20s" in dockerfile
    assert 'LABEL org.opencontainers.image.vendor="acme"' in dockerfile  # applied cleanly
    assert (project / ".editorconfig").is_file()
    assert (project / "src/my_api/main.py").read_text() == ours_before["src/my_api/main.py"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["ruff"]["line-length"] == 110
    assert pyproject["tool"]["coverage"]["run"]["branch"] is True
    deps = pyproject["project"]["dependencies"]
    assert "fastapi>=0.116,<1" in deps
    assert any(dep.startswith("anyio") for dep in deps)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["scaffold_version"] == NEXT
    # No line of ours is lost: every line we had is still there, except the one in conflict,
    # which is inside the markers.
    for line in ours_before["Dockerfile"].splitlines():
        assert line in dockerfile
    changed = set(git(project, "diff", "--name-only").split())
    workflows = {".github/workflows/ci.yml", ".github/workflows/scaffold-update.yml"}
    assert changed == {".copier-answers.yml", "Dockerfile", "pyproject.toml", "uv.lock", *workflows}
    for workflow in workflows:  # the pin moved to the release the project was updated to
        assert f"uvx --from scaffold-proven=={NEXT} scaffold" in (project / workflow).read_text()


def test_the_same_update_twice_gives_the_same_result(
    cli: Cli, project: Path, uv_env: dict[str, str], tmp_path: Path
) -> None:
    user_edits(project)
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)
    for folder in (project, twin):
        assert cli("update", folder, "--to", NEXT, env=uv_env).code == 6
    for rel in ("Dockerfile", "pyproject.toml", ".copier-answers.yml", ".editorconfig"):
        assert (project / rel).read_bytes() == (twin / rel).read_bytes(), rel


def test_an_update_to_the_recorded_version_changes_nothing(cli: Cli, project: Path) -> None:
    user_edits(project)
    result = cli("update", project, "--to", __version__, "--json")
    assert result.code == 0, result
    assert json.loads(result.stdout)["files"] == []
    assert git(project, "status", "--porcelain") == ""


def test_update_refuses_uncommitted_changes(cli: Cli, project: Path) -> None:
    (project / "README.md").write_text("changed\n")
    result = cli("update", project)
    assert result.code == 2
    assert "uncommitted changes" in result.stderr
    assert cli("update", project, "--to", __version__, "--allow-dirty").code == 0


# --- a team's copier template in git, between tags -----------------------------------------


TEMPLATE_V1 = {
    "copier.yml": "project_name:\n  type: str\n  default: svc\n",
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    "pyproject.toml.jinja": (
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["fastapi>=0.115,<1"]\n\n[tool.ruff]\nline-length = 100\n'
    ),
    "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nEXPOSE 8000\n",
    "app.py": "print('hello')\n",
}


def make_template(root: Path) -> Path:
    repo = root / "team-template"
    repo.mkdir()
    for rel, text in TEMPLATE_V1.items():
        (repo / rel).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    git(repo, "tag", "v1")
    edit(repo / "Dockerfile", "WORKDIR /app\n", "WORKDIR /srv\n")
    (repo / "Makefile").write_text("test:\n\tuv run pytest\n")
    edit(repo / "pyproject.toml.jinja", "line-length = 100", "line-length = 120")
    edit(repo / "pyproject.toml.jinja", "fastapi>=0.115,<1", "fastapi>=0.120,<1")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v2")
    git(repo, "tag", "v2")
    return repo


def test_a_copier_template_in_git_updates_across_tags(cli: Cli, tmp_path: Path) -> None:
    repo = make_template(tmp_path)
    project = tmp_path / "svc"
    run_copy(
        str(repo), project, data={"project_name": "svc"}, vcs_ref="v1", defaults=True, quiet=True
    )
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1"
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "from copier")
    edit(project / "Dockerfile", "WORKDIR /app\n", "WORKDIR /opt/app\n")  # v2 changes it too
    edit(
        project / "pyproject.toml",
        'dependencies = ["fastapi>=0.115,<1"]',
        'dependencies = ["fastapi>=0.115,<1", "requests>=2.32,<3"]',
    )
    git(project, "commit", "-qam", "ours")

    check = cli("check", project, "--latest", "--json")
    data = json.loads(check.stdout)["projects"][0]
    assert data["status"] == "drifted"
    assert data["latest"] == "v2"

    result = cli("update", project, "--json")
    assert result.code == 6, result
    dockerfile = (project / "Dockerfile").read_text()
    assert "<<<<<<< project\nWORKDIR /opt/app" in dockerfile
    assert "WORKDIR /srv" in dockerfile
    assert (project / "Makefile").is_file()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["ruff"]["line-length"] == 120
    assert pyproject["project"]["dependencies"] == ["fastapi>=0.120,<1", "requests>=2.32,<3"]
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2"


def test_a_copier_template_says_which_files_it_owns_and_which_it_only_seeds(
    cli: Cli, tmp_path: Path
) -> None:
    """A team's template declares, as the built-in ones do, what a project may change freely."""
    repo = tmp_path / "team-template"
    repo.mkdir()
    (repo / "copier.yml").write_text(
        "project_name:\n  type: str\n  default: svc\n"
        "_scaffold_owned: [Dockerfile, '*.toml']\n_scaffold_seeded: [README.md]\n"
    )
    for rel in ("{{_copier_conf.answers_file}}.jinja", "Dockerfile", "app.py"):
        (repo / rel).write_text(TEMPLATE_V1[rel])
    (repo / "README.md").write_text("Write what the service does.\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    git(repo, "tag", "v1")
    project = tmp_path / "svc"
    run_copy(str(repo), project, data={}, vcs_ref="v1", defaults=True, quiet=True)

    (project / "README.md").write_text("The billing service.\n")  # seeded: the project's now
    (project / "app.py").write_text("print('ours')\n")  # neither owned nor seeded: not checked
    result = cli("check", project, "--json")
    assert result.code == 0, result
    assert json.loads(result.stdout)["projects"][0]["in_step"] == ["Dockerfile"]

    edit(project / "Dockerfile", "EXPOSE 8000", "EXPOSE 9000")  # owned
    result = cli("check", project, "--json")
    assert result.code == 1, result
    data = json.loads(result.stdout)["projects"][0]
    assert [f["path"] for f in data["files"]] == ["Dockerfile"]


@pytest.mark.parametrize("target", ["/etc/hostname", "../../../../../../etc/hostname"])
def test_an_update_to_a_template_version_with_a_symlink_out_of_the_project_is_refused(
    cli: Cli, tmp_path: Path, target: str
) -> None:
    """A template's later version must not carry a file of this machine into the project (and
    from there into the pull request an update workflow opens)."""
    repo = make_template(tmp_path)
    project = tmp_path / "svc"
    run_copy(str(repo), project, data={}, vcs_ref="v1", defaults=True, quiet=True)
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "from copier")
    (repo / "copier.yml").write_text(TEMPLATE_V1["copier.yml"] + "_preserve_symlinks: true\n")
    (repo / "hostname").symlink_to(target)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v3")
    git(repo, "tag", "v3")

    result = cli("update", project, "--json")

    assert result.code == 2, result
    assert "outside the project" in result.stderr, result
    assert not (project / "hostname").exists()
    assert git(project, "status", "--porcelain") == ""


# --- scaffold's own releases: the wheel's history, and nothing else from the index runs ----

OLD = "0.1.0"  # the release before this one: its templates ship in the wheel's history


REAL_RUN = runner.run


def no_process(argv: list[str], **kwargs: Any) -> runner.Completed:
    """Only git may run (update asks it whether the tree is clean): no uv, no download."""
    if Path(argv[0]).name == "git":
        return REAL_RUN(argv, **kwargs)
    raise AssertionError(f"nothing may be run or downloaded, but this ran: {argv}")


@pytest.fixture
def old_project(tmp_path: Path) -> Path:
    """A service as scaffold 0.1.0 rendered it (its templates, from the wheel's history)."""
    report = new_project(
        NewOptions(name="my-api", parent=tmp_path, python="3.11", lock=False, git=False)
    )
    path = Path(report.path)
    for rel, data in render_memory(read_memory(path), OLD).files.items():
        (path / rel).write_bytes(data.data)
    return path


def test_a_project_at_an_earlier_release_checks_and_updates_offline_from_the_history(
    cli: Cli, old_project: Path
) -> None:
    ci = old_project / ".github" / "workflows" / "ci.yml"
    assert "uvx --from scaffold scaffold check" in ci.read_text()  # 0.1.0's own words
    runner.set_runner(no_process)
    try:
        result = cli("check", old_project, "--json")
        assert result.code == 0, result
        assert json.loads(result.stdout)["projects"][0]["at"] == f"scaffold {OLD}"
        updated = cli("update", old_project, "--to", __version__, "--json")
        assert updated.code == 0, updated
        assert ".github/workflows/ci.yml" in {
            f["path"] for f in json.loads(updated.stdout)["files"]
        }
        assert cli("check", old_project).code == 0
    finally:
        runner.set_runner(None)
    # The update moved the pin to the release it updated to, under scaffold's own name.
    assert f"uvx --from scaffold-proven=={__version__} scaffold check" in ci.read_text()
    answers = yaml.safe_load((old_project / ".copier-answers.yml").read_text())
    assert answers["scaffold_version"] == __version__


def test_a_release_this_scaffold_does_not_know_is_an_error_naming_it(
    cli: Cli, old_project: Path
) -> None:
    answers = old_project / ".copier-answers.yml"
    answers.write_text(
        answers.read_text().replace(f"scaffold_version: {OLD}", "scaffold_version: 0.0.9")
    )
    result = cli("check", old_project, "--json")
    assert result.code == 2, result
    (found,) = json.loads(result.stdout)["projects"]
    assert found["message"].startswith("scaffold-proven 0.0.9 is not a release this scaffold")


def impostor_sdist(index: Path, name: str, version: str, marker: Path) -> None:
    """An sdist on the index under ``name``, whose build writes ``marker``: a stranger's code."""
    stem = f"{name.replace('-', '_')}-{version}"
    folder = index.parent / "impostor" / stem
    folder.mkdir(parents=True)
    (folder / "backend.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "def build_wheel(*args, **kwargs): raise SystemExit(1)\n"
        "def build_sdist(*args, **kwargs): raise SystemExit(1)\n"
    )
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
    )
    (folder / "PKG-INFO").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    shutil.make_archive(str(index / stem), "gztar", folder.parent, stem)


@pytest.fixture
def hostile_index(tmp_path: Path, wheels: Path) -> tuple[Path, Path]:
    """A local index folder: scaffold's wheels, and impostor sdists under scaffold's name (a
    newer version) and under the index's unrelated "scaffold"."""
    index, marker = tmp_path / "index", tmp_path / "impostor-ran"
    shutil.copytree(wheels, index)
    impostor_sdist(index, "scaffold-proven", "9.9.9", marker)
    impostor_sdist(index, "scaffold", "9.9.9", marker)
    return index, marker


def test_check_latest_takes_the_newest_wheel_and_never_builds_an_sdist(
    cli: Cli, project: Path, hostile_index: tuple[Path, Path]
) -> None:
    index, marker = hostile_index
    env = {"UV_FIND_LINKS": str(index), "UV_OFFLINE": "1"}
    result = cli("check", project, "--latest", "--json", env=env)
    assert result.code == 0, result
    assert json.loads(result.stdout)["projects"][0]["latest"] == NEXT  # not the sdist's 9.9.9
    assert not marker.exists()


def test_without_a_wheel_to_fetch_check_latest_and_update_fail_and_run_nothing(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    index, marker = tmp_path / "only-sdists", tmp_path / "impostor-ran"
    index.mkdir()
    impostor_sdist(index, "scaffold-proven", "9.9.9", marker)
    env = {"UV_FIND_LINKS": str(index), "UV_OFFLINE": "1"}
    checked = cli("check", project, "--latest", "--json", env=env)
    assert checked.code == 2, checked  # never "in step"
    (found,) = json.loads(checked.stdout)["projects"]
    assert found["status"] == "error"
    assert "cannot get scaffold-proven" in found["message"]
    updated = cli("update", project, env=env)
    assert updated.code == 2, updated
    assert "cannot get scaffold-proven" in updated.stderr
    assert git(project, "status", "--porcelain") == ""
    assert not marker.exists()


def test_the_generated_workflows_command_runs_scaffold_pinned_never_an_impostor(
    project: Path, hostile_index: tuple[Path, Path]
) -> None:
    index, marker = hostile_index
    ci = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    (command,) = [
        step["run"]
        for job in ci["jobs"].values()
        for step in job["steps"]
        if str(step.get("run", "")).startswith("uvx ") and " check " in step["run"]
    ]
    assert command == f"uvx --from scaffold-proven=={__version__} scaffold check --diff ."
    done = runner.run(
        [runner.uv_binary(), "tool", "run", *shlex.split(command)[1:]],
        cwd=project,
        # Online: uv resolves scaffold's own dependencies from the index (its cache has no
        # index pages); scaffold-proven itself is only in the local folder.
        env={"UV_FIND_LINKS": str(index), "NO_COLOR": "1"},
        timeout=300,
    )
    assert done.ok, done.output
    assert "in step" in done.output
    assert not marker.exists()
