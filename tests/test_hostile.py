"""Templates written by a hostile author: nothing they wrote runs on this machine without
--trust, their `.git` never reaches a project, and their renders are bounded in time and size.

Each template is built inline (the helpers of test_external); each attack aims at a marker
file outside the project, which must never appear, and ends with the documented exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffold.tools import runner
from tests.conftest import Cli
from tests.test_external import (
    ANSWERS_JINJA,
    ANSWERS_TEXT,
    BASIC,
    FAST,
    GIT,
    git_template,
    new_in_terminal,
    one_line_error,
    private_dirs,
    read_until,
    versions,
    write_tree,
)

__all__ = ["private_dirs", "versions"]  # test_external's fixtures, used here too


def hook_script(marker: Path) -> str:
    return f"#!/bin/sh\ntouch {marker}\n"


def planted_config(script: Path) -> str:
    return f'[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tfsmonitor = "{script}"\n'


def test_scaffolds_git_commands_never_run_a_planted_config(tmp_path: Path) -> None:
    """Defence in depth: even a repository whose config names an fsmonitor and whose hooks
    folder is full runs nothing when scaffold asks git for its status."""
    marker = tmp_path / "marker"
    script = tmp_path / "monitor.sh"
    script.write_text(hook_script(marker))
    script.chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    (repo / ".git" / "config").write_text(planted_config(script))
    for hook in ("post-index-change", "pre-commit", "post-checkout"):
        path = repo / ".git" / "hooks" / hook
        path.write_text(hook_script(marker))
        path.chmod(0o755)
    (repo / "file.txt").write_text("x\n")
    subprocess.run([*GIT, "add", "file.txt"], cwd=repo, check=True)
    (repo / "file.txt").write_text("changed\n")
    subprocess.run([*GIT, "status"], cwd=repo, check=True, capture_output=True)
    assert marker.exists()  # the test can see the attack work without scaffold's settings
    marker.unlink()

    done = runner.git("status", "--porcelain", cwd=repo)
    assert done is not None
    assert done.ok, done
    assert "file.txt" in done.output
    assert not marker.exists()


# --- git's own files in a template -----------------------------------------------------------


def monitor(tmp_path: Path) -> tuple[Path, Path]:
    """A program that leaves a marker when it runs, and the marker."""
    marker = tmp_path / "marker"
    script = tmp_path / "monitor.sh"
    script.write_text(hook_script(marker))
    script.chmod(0o755)
    return script, marker


def planting(tmp_path: Path, git_dir: str) -> dict[str, str]:
    """A template with no tasks whose `_subdirectory` holds ``git_dir`` (a templated name):
    a config whose fsmonitor is the monitor, and the hooks git fires on status and commit."""
    script, marker = monitor(tmp_path)
    return {
        "copier.yml": "_subdirectory: tpl\nproject_name: {type: str}\n",
        f"tpl/{ANSWERS_JINJA}": ANSWERS_TEXT,
        "tpl/README.md.jinja": "{{ project_name }}\n",
        f"tpl/{git_dir}/config": planted_config(script),
        f"tpl/{git_dir}/hooks/pre-commit": hook_script(marker),
        f"tpl/{git_dir}/hooks/post-index-change": hook_script(marker),
    }


@pytest.mark.parametrize(
    "git_dir",
    ["{{ '.git' }}", "{{ '.G' ~ 'IT' | lower }}", "sub/{{ '.git' }}", ".GIT", "x/.git."],
)
def test_a_planted_git_folder_is_refused_with_nothing_written(
    cli: Cli, tmp_path: Path, git_dir: str
) -> None:
    # A folder, not a repository: git itself refuses to commit `.GIT` or `.git.`.
    template = write_tree(tmp_path / "planting", planting(tmp_path, git_dir))
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, "--no-lock")
    one_line_error(result, "would put git's own files into the project")
    assert not out.exists()
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        # a file pointing git at another folder (copier leaves out one spelt `.git` exactly)
        ("sub/{{ '.Git' }}", "gitdir: /tmp/elsewhere\n"),
        ("vendor/HEAD", "ref: refs/heads/main\n"),  # with objects/ and refs/: a bare repository
    ],
)
def test_a_git_file_or_a_bare_repository_is_refused(
    cli: Cli, tmp_path: Path, rel: str, text: str
) -> None:
    files = {**BASIC, rel: text, "vendor/objects/.keep": "", "vendor/refs/.keep": ""}
    template = write_tree(tmp_path / "gitfile", files)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    one_line_error(result, "would put git's own files into the project")
    assert not out.exists()


def test_git_s_content_files_are_a_template_s_own(cli: Cli, tmp_path: Path) -> None:
    """.gitignore, .gitattributes and .gitmodules run nothing by themselves: they stay."""
    files = {**BASIC, ".gitignore": "*.pyc\n", ".gitattributes": "* text=auto\n", ".gitmodules": ""}
    template = write_tree(tmp_path / "content", files)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    assert result.code == 0, result
    assert (out / "my-svc" / ".gitattributes").is_file()


def test_a_task_s_repository_never_reaches_the_project(cli: Cli, tmp_path: Path) -> None:
    """Trusted, a task may run git init in the render; scaffold's own git init makes the
    project's repository, without the hooks the task left."""
    script, marker = monitor(tmp_path)
    task = f"git init -q && cp {script} .git/hooks/pre-commit"
    files = {**BASIC, "copier.yml": BASIC["copier.yml"] + f"_tasks: [{json.dumps(task)}]\n"}
    template = write_tree(tmp_path / "task-git", files)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, "--trust", "--no-lock")
    assert result.code == 0, result
    assert "left out what a task made of git's: .git" in result.stdout
    assert not (out / "my-svc" / ".git" / "hooks" / "pre-commit").exists()
    assert not marker.exists()


def test_update_of_a_project_with_a_planted_git_runs_nothing(cli: Cli, tmp_path: Path) -> None:
    """A project copier made from the template before (copier keeps the planted `.git`):
    scaffold's `git status` runs no monitor, and a render with git's files is refused."""
    from copier import run_copy  # noqa: PLC0415

    template = git_template(tmp_path / "planting", planting(tmp_path, "{{ '.git' }}"))
    project = tmp_path / "svc"
    run_copy(str(template), project, data={"project_name": "svc"}, defaults=True, quiet=True)
    assert (project / ".git" / "config").is_file()
    quiet = (*GIT, "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "from copier")):
        subprocess.run([*quiet, *args], cwd=project, check=True, capture_output=True)
    (project / "README.md").write_text("edited\n")  # git status has something to look at
    assert not (tmp_path / "marker").exists()

    dirty = cli("update", project)  # git status ran, and found the edit
    one_line_error(dirty, "has uncommitted changes")
    assert not (tmp_path / "marker").exists()
    result = cli("update", project, "--allow-dirty")
    one_line_error(result, "would put git's own files into the project")
    assert not (tmp_path / "marker").exists()
    assert (project / "README.md").read_text() == "edited\n"
    check = cli("check", project, "--json")
    assert check.code == 2, check
    assert not (tmp_path / "marker").exists()


# --- bounds on a render ----------------------------------------------------------------------

# The sandbox refuses a range over 100,000; three of them nested are 10**15 iterations.
BOMB = (
    "{% for a in range(n) %}{% for b in range(99999) %}{% for c in range(99999) %}"
    "x{% endfor %}{% endfor %}{% endfor %}\n"
)
BOUND = {"SCAFFOLD_RENDER_TIMEOUT": "3"}


def bomb_template(tmp_path: Path) -> Path:
    files = {
        **BASIC,
        "copier.yml": BASIC["copier.yml"] + "n:\n  type: int\n  default: 99999\n",
        "bomb.txt.jinja": BOMB,
    }
    return git_template(tmp_path / "bomb", files)


def test_a_render_without_end_is_stopped_within_the_bound(cli: Cli, tmp_path: Path) -> None:
    template = bomb_template(tmp_path)
    out = tmp_path / "out"
    started = time.monotonic()
    result = cli("new", "my-svc", "--path", out, "--template", template, *FAST, env=BOUND)
    assert time.monotonic() - started < 30
    one_line_error(result, "took more than 3 s to render: stopped")
    assert not out.exists()


def test_in_a_terminal_the_questions_are_not_the_render_s_time(tmp_path: Path) -> None:
    """A person answers after longer than the bound; the endless render after the answers is
    still stopped (by the CPU clock: the wall clock starts only once copier has asked)."""
    files = {
        **BASIC,
        "copier.yml": BASIC["copier.yml"].replace("  default: nobody\n", "  help: Who owns it\n")
        + "n:\n  type: int\n  default: 99999\n  when: false\n",
        "bomb.txt.jinja": BOMB,
    }
    template = write_tree(tmp_path / "asking-bomb", files)
    out = tmp_path / "out"
    main, proc = new_in_terminal(template, out, BOUND)
    try:
        seen = read_until(main, b"Who owns it", b"")
        time.sleep(4)  # longer than the bound, at the prompt
        os.write(main, b"payments\r")
        started = time.monotonic()
        proc.wait(timeout=60)
        seen = read_until(main, b"", seen)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    text = seen.decode(errors="replace")
    assert proc.returncode == 2, text
    assert "took more than 3 s to render" in text
    assert time.monotonic() - started < 30
    assert not out.exists()


def test_check_of_a_render_without_end_is_stopped(cli: Cli, tmp_path: Path) -> None:
    """The answers file of a project (a pull request can change it) makes its template's
    render endless: check stops too, with exit 2."""
    template = bomb_template(tmp_path)
    out = tmp_path / "out"
    made = cli("new", "svc", "--path", out, "--template", template, "--data", "n=0", *FAST)
    assert made.code == 0, made
    answers = out / "svc" / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("n: 0", "n: 99999"))
    started = time.monotonic()
    result = cli("check", out / "svc", env=BOUND)
    assert time.monotonic() - started < 30
    assert result.code == 2, result
    assert "stopped" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("files", "env", "message"),
    [
        ({f"f{i}.txt": "x\n" for i in range(30)}, {"SCAFFOLD_RENDER_MAX_FILES": "10"}, "files"),
        (
            {"big.txt.jinja": "{% for a in range(2000) %}{{ 'x' * 1000 }}{% endfor %}"},
            {"SCAFFOLD_RENDER_MAX_MB": "1"},
            "MB",
        ),
    ],
)
def test_a_render_past_the_size_bound_is_stopped(
    cli: Cli, tmp_path: Path, files: dict[str, str], env: dict[str, str], message: str
) -> None:
    template = write_tree(tmp_path / "big", {**BASIC, **files})
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, *FAST, env=env)
    one_line_error(result, message)
    assert "stopped" in result.stderr
    assert not out.exists()


def test_a_bad_bound_is_a_usage_error(cli: Cli, tmp_path: Path, versions: Path) -> None:
    out = tmp_path / "out"
    env = {"SCAFFOLD_RENDER_TIMEOUT": "soon"}
    result = cli("new", "my-svc", "--path", out, "--template", versions, *FAST, env=env)
    one_line_error(result, "$SCAFFOLD_RENDER_TIMEOUT must be a positive number")
    assert not out.exists()


@pytest.mark.parametrize("where", ["~", "plain-folder"])
def test_a_folder_without_copier_yml_is_not_a_template(
    cli: Cli, tmp_path: Path, where: str
) -> None:
    home = write_tree(tmp_path / "home", {".bashrc": "echo hi\n", "notes.txt": "mine\n"})
    write_tree(tmp_path / "plain-folder", {"README.md": "hello\n"})
    out = tmp_path / "out"
    template = where if where == "~" else str(tmp_path / where)
    result = cli(
        "new", "my-svc", "--path", out, "--template", template, *FAST, env={"HOME": str(home)}
    )
    one_line_error(result, "is not a copier template: it has no copier.yml or copier.yaml")
    assert not out.exists()


# --- check and update of a template that needs trust ------------------------------------------


def test_check_and_update_run_a_template_s_extensions_only_with_trust(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Jinja extension that ships with the template (importable as if installed beside
    copier): imported, its code run, only with --trust; without it check and update are one
    line that names --trust."""
    script, marker = monitor(tmp_path)
    extension = (
        "import subprocess\nfrom jinja2.ext import Extension\n\n"
        f"subprocess.run([{str(script)!r}], check=True)\n\n"
        "class Shout(Extension):\n"
        "    def __init__(self, environment):\n"
        "        super().__init__(environment)\n"
        "        environment.filters['shout'] = lambda text: text.upper()\n"
    )
    ext = "_jinja_extensions: [shouting.Shout]\n"
    v1 = {
        **BASIC,
        "copier.yml": BASIC["copier.yml"] + ext + "_exclude: [shouting.py, copier.yml]\n",
        "shouting.py": extension,
        "README.md.jinja": "{{ project_name | shout }} v1\n",
    }
    template = git_template(tmp_path / "shouting", v1, {"README.md.jinja": "{{ owner }} v2\n"})
    monkeypatch.syspath_prepend(str(template))
    out = tmp_path / "out"
    args = ("--path", out, "--template", f"{template}@v1", *FAST)
    refused = cli("new", "svc", *args)
    one_line_error(refused, "uses jinja_extensions, which scaffold runs only with --trust")
    made = cli("new", "svc", *args, "--trust")
    assert made.code == 0, made
    assert marker.exists()  # the extension ran: the test sees it when it does
    marker.unlink()
    project = out / "svc"
    assert (project / "README.md").read_text() == "SVC v1\n"
    quiet = (*GIT, "-c", "core.hooksPath=/dev/null")
    for command in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "v1")):
        subprocess.run([*quiet, *command], cwd=project, check=True, capture_output=True)

    unchecked = cli("check", project, "--json")  # many projects in one call: one line each
    assert unchecked.code == 2, unchecked
    (line,) = json.loads(unchecked.stdout)["projects"]
    assert "uses jinja_extensions, which scaffold runs only with --trust" in line["message"]
    refused = cli("update", project)
    one_line_error(refused, "uses jinja_extensions, which scaffold runs only with --trust")
    assert not marker.exists()
    assert (project / "README.md").read_text() == "SVC v1\n"

    checked = cli("check", project, "--trust", "--json")
    assert checked.code == 0, checked
    assert json.loads(checked.stdout)["projects"][0]["status"] == "in_step"
    updated = cli("update", project, "--trust")
    assert updated.code == 0, updated
    assert (project / "README.md").read_text() == "nobody v2\n"


# --- a project whose lock or tests would run the template's code ------------------------------


def local_backend(marker: Path) -> dict[str, str]:
    """A Python project whose build backend is its own module (dynamic version: uv must build
    it to lock it), leaving the marker when imported."""
    return {
        "copier.yml": "project_name: {type: str}\npackage_name: {type: str}\n",
        ANSWERS_JINJA: ANSWERS_TEXT,
        "pyproject.toml.jinja": (
            '[project]\nname = "{{ project_name }}"\ndynamic = ["version"]\n'
            'requires-python = ">=3.11"\ndependencies = []\n\n'
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        ),
        "backend.py.jinja": (
            f"import pathlib\n\npathlib.Path({str(marker)!r}).touch()\n\n\n"
            "def prepare_metadata_for_build_wheel(directory, config_settings=None):\n"
            "    info = pathlib.Path(directory, '{{ package_name }}-0.1.0.dist-info')\n"
            "    info.mkdir()\n"
            "    (info / 'METADATA').write_text(\n"
            "        'Metadata-Version: 2.1\\nName: {{ project_name }}\\nVersion: 0.1.0\\n'\n"
            "    )\n"
            "    return info.name\n\n\n"
            "prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel\n"
        ),
    }


@pytest.mark.parametrize("validate", [True, False])
def test_a_project_whose_lock_runs_its_own_backend_is_not_locked_untrusted(
    cli: Cli, tmp_path: Path, validate: bool
) -> None:
    marker = tmp_path / "marker"
    template = git_template(tmp_path / "backend", local_backend(marker))
    out = tmp_path / "out"
    args = ("--path", out, "--template", template, "--offline", "--no-git", "--json")
    result = cli("new", "svc", *args, *(() if validate else ("--no-validate",)))
    assert result.code == 0, result
    report = json.loads(result.stdout)
    (lock,) = report["steps"]
    assert (lock["status"], lock["skip_reason"]) == ("skipped", "not_trusted")
    assert "backend-path" in lock["detail"]
    assert report["validation"] is None
    notes = "\n".join(report["notices"])
    assert "not locked: uv lock would run the template's own code" in notes
    assert "(or use --trust)" in notes
    assert ("not validated:" in notes) is validate
    assert not (out / "svc" / "uv.lock").exists()
    assert (out / "svc" / "backend.py").is_file()  # rendered, to be read
    assert not marker.exists()

    trusted = cli("new", "trusted", *args, "--no-validate", "--trust")
    assert trusted.code == 0, trusted
    assert [s["status"] for s in json.loads(trusted.stdout)["steps"]] == ["ok"]
    assert (out / "trusted" / "uv.lock").is_file()
    assert marker.exists()  # the lock ran the backend: the test sees it when it runs


def test_a_team_project_s_tests_are_not_run_untrusted(cli: Cli, tmp_path: Path) -> None:
    """Even a project uv locks without building (static metadata): validation would run its
    conftest, so it waits for --trust, and says so."""
    from tests.test_external import TEAM_PYTHON  # noqa: PLC0415

    marker = tmp_path / "marker"
    conftest = f"import pathlib\n\npathlib.Path({str(marker)!r}).touch()\n"
    files = {**TEAM_PYTHON, "tests/conftest.py": conftest}
    template = git_template(tmp_path / "conftest", files)
    out = tmp_path / "out"
    result = cli("new", "svc", "--path", out, "--template", template, "--no-git", "--json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert [(s["name"], s["status"]) for s in report["steps"]] == [("lock", "ok")]
    assert report["validation"] is None
    assert "scaffold validate" in report["needs_trust"]
    assert any(note.startswith("not validated:") for note in report["notices"])
    assert (out / "svc" / "uv.lock").is_file()
    assert not marker.exists()


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"setup.py": "", "pyproject.toml": "[project]\nname = 'x'\nversion = '1'\n"}, "setup.py"),
        ({"pyproject.toml": "[project]\nname = 'x'\ndynamic = ['version']\n"}, "dynamic"),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n[tool.uv.sources]\n"
                "lib = { path = 'lib', editable = true }\n"
            },
            "[tool.uv.sources] lib: a path source",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n"
                "dependencies = ['lib @ file:///tmp/lib']\n"
            },
            "a direct reference",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n[tool.uv]\n"
                "find-links = ['dists']\n"
            },
            "find-links 'dists'",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n",
                "uv.toml": "python-install-mirror = 'https://example.invalid'\n",
            },
            "uv.toml",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n"
                "[tool.uv.workspace]\nmembers = ['packages/*']\n",
                "packages/a/pyproject.toml": "[project]\nname='a'\ndynamic=['version']\n",
            },
            "packages/a: [project] dynamic",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n"
                "dependencies = ['lib@file:///tmp/lib']\n"  # no spaces round the @
            },
            "a direct reference",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n[tool.uv]\n"
                "dev-dependencies = ['evil @ file:///tmp/evil']\n"
            },
            "[tool.uv] dev-dependencies 'evil @ file:///tmp/evil': a direct reference",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n[tool.uv]\n"
                "override-dependencies = ['idna @ git+https://example.invalid/idna']\n"
            },
            "override-dependencies",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n",
                "uv.toml": "constraint-dependencies = ['idna @ https://example.invalid/i.tar.gz']\n",
            },
            "uv.toml constraint-dependencies",
        ),
        (
            {"pyproject.toml": "[project]\nname='x'\nversion='1'\n", ".python-version": "./py\n"},
            ".python-version './py': a path to a program",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n",
                ".python-versions": "3.12\n/opt/team/bin/python\n",
            },
            ".python-versions '/opt/team/bin/python'",
        ),
        (
            {"pyproject.toml": "[project]\nname='x'\nversion='1'\n", ".venv/pyvenv.cfg": ""},
            ".venv: a virtual environment of the template's",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n"
                "[tool.uv.workspace]\nmembers = ['../*']\n",
            },
            "members '../*': a folder outside the project",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\n"
                "[tool.uv.workspace]\nmembers = ['/etc']\n",
            },
            "members '/etc': not a folder of the project's",
        ),
        (
            {
                "pyproject.toml": "[project]\nname='x'\nversion='1'\ndependencies=['idna>=3']\n"
                "[dependency-groups]\ndev=['pytest>=8']\n[[tool.uv.index]]\n"
                "url='https://pypi.example/simple'\n",
                ".python-version": "# the team's\n3.12\ncpython@3.11\npypy3.10\n",
            },
            None,
        ),
    ],
)
def test_what_counts_as_a_project_s_own_code(
    tmp_path: Path, files: dict[str, str], reason: str | None
) -> None:
    from scaffold.create.copier import own_code  # noqa: PLC0415

    write_tree(
        tmp_path / "beside", {"pyproject.toml": "[project]\nname='b'\ndynamic=['version']\n"}
    )
    found = own_code(write_tree(tmp_path / "project", files))
    assert (found is None) if reason is None else (found is not None and reason in found), found


def test_update_validate_of_a_team_template_needs_trust(
    cli: Cli, tmp_path: Path, versions: Path
) -> None:
    out = tmp_path / "out"
    made = cli("new", "svc", "--path", out, "--template", f"{versions}@v1", *FAST)
    assert made.code == 0, made
    before = (out / "svc" / "README.md").read_text()
    result = cli("update", out / "svc", "--validate")
    one_line_error(result, "--validate runs the tests and the build of")
    assert "only with --trust" in result.stderr
    assert (out / "svc" / "README.md").read_text() == before


def test_git_run_by_copier_in_a_planted_template_repository_runs_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    """A template folder handed over with its repository (an archive of it): at HEAD copier
    asks git whether it is dirty; the repository's own config names a monitor, which must not
    run."""
    script, marker = monitor(tmp_path)
    template = git_template(tmp_path / "handed-over", BASIC)
    config = template / ".git" / "config"
    config.write_text(config.read_text() + f'[core]\n\tfsmonitor = "{script}"\n')
    (template / "README.md.jinja").write_text("dirty {{ project_name }}\n")
    subprocess.run([*GIT, "status"], cwd=template, check=True, capture_output=True)
    assert marker.exists()  # the test can see the monitor run
    marker.unlink()
    out = tmp_path / "out"
    result = cli("new", "svc", "--path", out, "--template", f"{template}@HEAD", *FAST)
    assert result.code == 0, result
    assert (out / "svc" / "README.md").read_text() == "dirty svc\n"  # copier's git status ran
    assert not marker.exists()


def _committed_at_v1(cli: Cli, template: Path, out: Path) -> Path:
    """A project made from the template's v1 and locked, committed as it was made."""
    made = cli("new", "svc", "--path", out, "--template", f"{template}@v1", "--offline")
    assert made.code == 0, made
    project = out / "svc"
    for command in (("add", "-A"), ("commit", "-qm", "v1")):
        subprocess.run([*GIT, *command], cwd=project, check=True, capture_output=True)
    return project


def test_update_does_not_lock_what_would_run_the_template_s_code(cli: Cli, tmp_path: Path) -> None:
    """A newer template version turns the project's build into its own backend and changes
    its dependencies: update merges the files and leaves the lock to the user."""
    marker = tmp_path / "marker"
    static = local_backend(marker)
    static["pyproject.toml.jinja"] = (
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
        'requires-python = ">=3.11"\ndependencies = []\n'
    )
    newer = {
        "pyproject.toml.jinja": local_backend(marker)["pyproject.toml.jinja"].replace(
            "dependencies = []", 'dependencies = ["idna>=3,<4"]'
        )
    }
    template = git_template(tmp_path / "turning", static, newer)
    project = _committed_at_v1(cli, template, tmp_path / "out")
    lock = (project / "uv.lock").read_text()

    result = cli("update", project, "--offline", "--json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["locked"] is None
    assert "backend-path" in report["not_locked"]
    assert "idna>=3,<4" in (project / "pyproject.toml").read_text()
    assert (project / "uv.lock").read_text() == lock
    assert not marker.exists()


# --- a Python the template ships, which uv lock would run to ask it its version ---------------


def _planted_python(marker: Path) -> str:
    return f'#!/bin/sh\ntouch {marker}\nexec {sys.executable} "$@"\n'


@pytest.mark.parametrize("trust", [False, True], ids=["untrusted", "trusted"])
@pytest.mark.parametrize(
    ("rel", "extra", "reason"),
    [
        ("tools/python", {".python-version": "./tools/python\n"}, ".python-version"),
        (".venv/bin/python", {".venv/pyvenv.cfg": "home = /usr/bin\n"}, ".venv"),
    ],
    ids=["python-version", "venv"],
)
def test_a_python_the_template_ships_is_not_run_by_the_lock(
    cli: Cli, tmp_path: Path, rel: str, extra: dict[str, str], reason: str, trust: bool
) -> None:
    """uv lock asks the interpreter it finds for its version (uv 0.13 runs both): one the
    template names in .python-version, or the one in a .venv it ships, is the template's
    program. It runs only with --trust."""
    marker = tmp_path / "marker"
    files = {
        "copier.yml": "project_name: {type: str}\n",
        ANSWERS_JINJA: ANSWERS_TEXT,
        "pyproject.toml.jinja": '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
        'requires-python = ">=3.11"\ndependencies = []\n',
    }
    template = write_tree(tmp_path / "python", {**files, **extra, rel: _planted_python(marker)})
    (template / rel).chmod(0o755)
    out = tmp_path / "out"
    args = ("--path", out, "--template", template, "--offline", "--no-git", "--no-validate")
    result = cli("new", "svc", *args, *(["--trust"] if trust else []), "--json")
    assert result.code == 0, result
    (lock,) = json.loads(result.stdout)["steps"]
    if trust:  # the test sees the planted Python run when it runs
        assert lock["status"] == "ok", lock
        assert marker.exists()
        return
    assert (lock["status"], lock["skip_reason"]) == ("skipped", "not_trusted"), lock
    assert reason in lock["detail"]
    assert not (out / "svc" / "uv.lock").exists()
    assert not marker.exists()


def test_update_locks_a_project_with_its_user_s_own_venv(cli: Cli, tmp_path: Path) -> None:
    """The .venv a user made with uv sync is not the template's: a newer version's dependency
    is locked."""
    static = {
        **BASIC,
        "pyproject.toml.jinja": '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
        'requires-python = ">=3.11"\ndependencies = []\n',
    }
    newer = {"pyproject.toml.jinja": static["pyproject.toml.jinja"].replace("= []", '= ["idna"]')}
    template = git_template(tmp_path / "venv", static, newer)
    out = tmp_path / "out"
    made = cli("new", "svc", "--path", out, "--template", f"{template}@v1", "--offline")
    assert made.code == 0, made
    project = out / "svc"
    synced = subprocess.run(
        [runner.uv_binary(), "sync", "--offline"], cwd=project, capture_output=True, check=False
    )
    assert synced.returncode == 0, synced.stderr
    assert (project / ".venv" / "pyvenv.cfg").is_file()
    for command in (("add", "-A"), ("commit", "-qm", "v1")):
        subprocess.run([*GIT, *command], cwd=project, check=True, capture_output=True)
    result = cli("update", project, "--offline", "--json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert (report["locked"], report["not_locked"]) == (True, None), report
    assert 'name = "idna"' in (project / "uv.lock").read_text()


# --- a package index of the template's choosing, whose source distributions uv would build ---


@pytest.fixture
def sdist_index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real package index over HTTP on this machine, as a template may name one: it offers
    ``evil`` 1.0 only as a source distribution, whose in-tree build backend leaves a marker
    when it runs. The index's URL, and the marker."""
    import http.server  # noqa: PLC0415
    import tarfile  # noqa: PLC0415
    import threading  # noqa: PLC0415
    from functools import partial  # noqa: PLC0415

    marker = tmp_path / "built"
    sdist = write_tree(
        tmp_path / "sdist" / "evil-1.0",
        {
            "PKG-INFO": "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
            "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'backend'\n"
            "backend-path = ['.']\n",
            "backend.py": f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n",
        },
    )
    served = tmp_path / "index"
    (served / "simple" / "evil").mkdir(parents=True)
    with tarfile.open(served / "simple" / "evil" / "evil-1.0.tar.gz", "w:gz") as archive:
        archive.add(sdist, arcname="evil-1.0")
    (served / "simple" / "evil" / "index.html").write_text(
        '<html><body><a href="evil-1.0.tar.gz">evil-1.0.tar.gz</a></body></html>\n'
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = partial(Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple", marker
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("trust", [False, True], ids=["untrusted", "trusted"])
def test_a_source_distribution_from_the_template_s_index_is_not_built_untrusted(
    cli: Cli, tmp_path: Path, sdist_index: tuple[str, Path], trust: bool
) -> None:
    """A web index is no folder of the template's, but the template chose it: without --trust
    uv lock builds no source distribution (its build runs its code), from any index."""
    url, marker = sdist_index
    files = {
        "copier.yml": "project_name: {type: str}\n",
        ANSWERS_JINJA: ANSWERS_TEXT,
        "pyproject.toml.jinja": '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
        f'requires-python = ">=3.11"\ndependencies = ["evil"]\n[[tool.uv.index]]\nurl = "{url}"\n'
        "default = true\n",
    }
    template = write_tree(tmp_path / "indexed", files)
    out = tmp_path / "out"
    args = ("--path", out, "--template", template, "--no-git", "--no-validate", "--json")
    result = cli("new", "svc", *args, *(["--trust"] if trust else []))
    report = json.loads(result.stdout)
    (lock,) = report["steps"]
    if trust:  # the test sees the build run when it runs (the backend is no real one)
        assert (result.code, lock["status"]) == (3, "failed"), result
        assert marker.exists()
        return
    assert result.code == 0, result
    assert (lock["status"], lock["skip_reason"]) == ("skipped", "not_trusted"), lock
    assert "building it would run its code" in lock["detail"]
    assert any(note.startswith("not locked: a dependency") for note in report["notices"])
    assert not (out / "svc" / "uv.lock").exists()
    assert not marker.exists()


def test_update_builds_no_source_distribution_of_the_template_s_index(
    cli: Cli, tmp_path: Path, sdist_index: tuple[str, Path]
) -> None:
    url, marker = sdist_index
    pyproject = (
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
        'requires-python = ">=3.11"\ndependencies = []\n'
    )
    newer = pyproject.replace("= []", '= ["evil"]') + f'[[tool.uv.index]]\nurl = "{url}"\n'
    template = git_template(
        tmp_path / "indexed",
        {**BASIC, "pyproject.toml.jinja": pyproject},
        {"pyproject.toml.jinja": newer},
    )
    project = _committed_at_v1(cli, template, tmp_path / "out")
    lock = (project / "uv.lock").read_text()
    result = cli("update", project, "--json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["locked"] is None, report
    assert "building it would run its code" in report["not_locked"]
    assert (project / "uv.lock").read_text() == lock
    assert not marker.exists()
