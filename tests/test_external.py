"""Teams' own copier templates (`--template PATH|URL[@REF]`), rendered through copier's API.

Every template here is built inline in tmp_path from a dict of path -> text, most of them in a
git repository with tags.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.create.copier import parse_source
from scaffold.create.templates import is_external
from tests.conftest import Cli, ScaffoldResult
from tests.test_render_imports import imported_by

FAST = ("--no-lock", "--no-git", "--no-validate")
ANSWERS_JINJA = "{{ _copier_conf.answers_file }}.jinja"
ANSWERS_TEXT = "{{ _copier_answers | to_nice_yaml }}"
GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=x")

BASIC = {
    "copier.yml": "project_name:\n  type: str\nowner:\n  type: str\n  default: nobody\n",
    ANSWERS_JINJA: ANSWERS_TEXT,
    "README.md.jinja": "v1 of {{ project_name }} by {{ owner }}\n",
}


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def git(repo: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True)


def git_template(root: Path, *versions: Mapping[str, str]) -> Path:
    """A template repository with one commit and tag (v1, v2, ...) per version of its files."""
    root.mkdir(parents=True)
    git(root, "init", "--quiet")
    for number, files in enumerate(versions, start=1):
        write_tree(root, files)
        git(root, "add", "-A")
        git(root, "commit", "--quiet", "-m", f"version {number}")
        git(root, "tag", f"v{number}")
    return root


def new_in_terminal(
    template: Path | None, out: Path, env: Mapping[str, str] | None = None
) -> tuple[int, subprocess.Popen[bytes]]:
    """`scaffold new my-svc --template TEMPLATE` (None: the default built-in) in a child whose
    terminal is a pty: the fd of the terminal's other end (to read what it shows and type
    answers), and the child."""
    main, child = pty.openpty()
    full_env = {**scaffold_env(), "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
    chosen = ["--template", str(template)] if template is not None else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "new", "my-svc", "--path", str(out), *chosen, *FAST],
        stdin=child, stdout=child, stderr=child, env=full_env, close_fds=True,
    )  # fmt: skip
    os.close(child)
    return main, proc


def answers_of(project: Path, name: str = ".copier-answers.yml") -> dict[str, Any]:
    data = yaml.safe_load((project / name).read_text())
    assert isinstance(data, dict)
    return data


def scaffold_env() -> dict[str, str]:
    """The environment for scaffold in a child process (the copier cache set by the fixture)."""
    return {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}


def one_line_error(result: ScaffoldResult, text: str) -> None:
    assert result.code == 2, result
    assert text in result.stderr, result
    assert len(result.stderr.strip().splitlines()) == 1, result
    assert "Traceback" not in result.stdout + result.stderr


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """copier's clone cache and the system temp folder inside tmp_path, so a test can see that
    nothing was left anywhere."""
    monkeypatch.setenv("COPIER_CACHE_DIR", str(tmp_path / "copier-cache"))
    temp = tmp_path / "system-tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    yield temp
    leftovers = [p.name for p in temp.iterdir() if p.name.startswith("scaffold-render-")]
    assert leftovers == []


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    v2 = {"README.md.jinja": "v2 of {{ project_name }} by {{ owner }}\n"}
    return git_template(tmp_path / "team-template", BASIC, v2)


@pytest.mark.parametrize(
    ("text", "location", "ref"),
    [
        ("gh:acme/template", "gh:acme/template", None),
        ("gh:acme/template@v2", "gh:acme/template", "v2"),
        ("git@github.com:acme/template.git", "git@github.com:acme/template.git", None),
        ("git@github.com:acme/template.git@1.0", "git@github.com:acme/template.git", "1.0"),
        ("https://example.com/t.git@main", "https://example.com/t.git", "main"),
        ("git+https://example.com/t@v1", "git+https://example.com/t", "v1"),
        ("file:///srv/templates/t@v1", "git+file:///srv/templates/t", "v1"),
        ("ssh://git@example.com/t.git", "ssh://git@example.com/t.git", None),
    ],
)
def test_sources_and_refs(text: str, location: str, ref: str | None) -> None:
    source = parse_source(text)
    assert (source.location, source.ref) == (location, ref)
    assert is_external(text)


def test_built_in_names_are_not_sources(tmp_path: Path) -> None:
    assert not is_external("service")
    assert not is_external("my_template-2")
    folder = tmp_path / "odd@name"
    folder.mkdir()
    (folder / "copier.yml").write_text("")
    assert parse_source("odd@name", cwd=tmp_path).location == str(folder)
    assert parse_source("odd@name", cwd=tmp_path).ref is None
    assert parse_source("./odd@name@v1", cwd=tmp_path).ref == "v1"


def test_by_path_renders_the_latest_tag_and_records_source_and_commit(
    cli: Cli, tmp_path: Path, versions: Path
) -> None:
    out = tmp_path / "out"
    args = ("--path", out, "--template", versions, "--data", "owner=ada", *FAST)
    result = cli("new", "My Svc", *args)
    assert result.code == 0, result
    project = out / "my-svc"
    assert (project / "README.md").read_text() == "v2 of my-svc by ada\n"
    answers = answers_of(project)
    assert answers == {
        "_commit": "v2",
        "_src_path": str(versions),
        "project_name": "my-svc",
        "owner": "ada",
    }
    assert "rendered the template" in result.stdout
    assert "uv sync" not in result.stdout  # not a Python project: no uv steps to suggest


def test_by_file_url_at_a_tag(cli: Cli, tmp_path: Path, versions: Path) -> None:
    out = tmp_path / "out"
    url = f"file://{versions}@v1"
    result = cli("new", "my-svc", "--path", out, "--template", url, "--json", *FAST)
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["template"] == url
    assert report["files"] == [".copier-answers.yml", "README.md"]
    project = out / "my-svc"
    assert (project / "README.md").read_text() == "v1 of my-svc by nobody\n"
    answers = answers_of(project)
    assert answers["_commit"] == "v1"
    assert answers["_src_path"] == f"git+file://{versions}"


def test_subdirectory_exclude_skip_if_exists_and_templated_paths(cli: Cli, tmp_path: Path) -> None:
    files = {
        "copier.yml": (
            "_subdirectory: project\n"
            "_exclude: ['*.bak', 'copier.yml']\n"
            "_skip_if_exists: ['notes.txt']\n"
            "package_name:\n  type: str\n"
            "with_cli:\n  type: bool\n  default: false\n"
        ),
        "README.md": "the template's own readme, not the project's\n",
        "project/{{ package_name }}/__init__.py.jinja": '"""{{ package_name }}."""\n',
        "project/{% if with_cli %}cli.py{% endif %}": "print('cli')\n",
        "project/old.bak": "excluded\n",
        "project/notes.txt": "seeded\n",
    }
    template = git_template(tmp_path / "sub-template", files)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, "--json", *FAST)
    assert result.code == 0, result
    # No answers file in this template: scaffold writes copier's, so `copier update` works.
    assert json.loads(result.stdout)["files"] == [
        ".copier-answers.yml",
        "my_svc/__init__.py",
        "notes.txt",
    ]
    project = out / "my-svc"
    assert (project / "my_svc" / "__init__.py").read_text() == '"""my_svc."""\n'
    assert answers_of(project) == {
        "_commit": "v1",
        "_src_path": str(template),
        "package_name": "my_svc",
        "with_cli": False,
    }
    again = cli(
        "new", "other", "--path", out, "--template", template, "--data", "with_cli=yes", *FAST
    )
    assert again.code == 0, again
    assert (out / "other" / "cli.py").is_file()


def test_a_task_runs_only_with_trust(cli: Cli, tmp_path: Path) -> None:
    files = {
        **BASIC,
        "copier.yml": BASIC["copier.yml"] + "_tasks:\n  - echo noisy task && touch task-ran\n",
    }
    template = write_tree(tmp_path / "task-template", files)
    out = tmp_path / "out"
    refused = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    one_line_error(refused, "uses tasks, which scaffold runs only with --trust")
    assert not out.exists()

    # A real process: the task writes to the file descriptors it inherits, which CliRunner
    # does not capture.
    trusted = subprocess.run(
        [sys.executable, "-m", "scaffold", "new", "my-svc", "--path", out, "--template", template,
         "--trust", "--json", *FAST],
        capture_output=True, text=True, env=scaffold_env(), check=False,
    )  # fmt: skip
    assert trusted.returncode == 0, trusted
    assert json.loads(trusted.stdout)["ok"] is True  # the task's output stayed off stdout
    assert "noisy task" in trusted.stderr
    assert (out / "my-svc" / "task-ran").is_file()


def test_copiers_own_trust_settings_do_not_count(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {**BASIC, "copier.yml": BASIC["copier.yml"] + "_tasks: [touch task-ran]\n"}
    template = write_tree(tmp_path / "task-template", files)
    settings = tmp_path / "copier-settings.yml"
    settings.write_text(f"trust:\n  - {template}\n")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    one_line_error(result, "only with --trust")
    assert not out.exists()


def test_a_failing_task_is_one_line_with_nothing_written(cli: Cli, tmp_path: Path) -> None:
    files = {**BASIC, "copier.yml": BASIC["copier.yml"] + "_tasks: [touch half && exit 3]\n"}
    template = write_tree(tmp_path / "failing-task", files)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, "--trust", *FAST)
    one_line_error(result, "returned non-zero exit status 3")
    assert not out.exists()


def test_a_jinja_extension_needs_trust(cli: Cli, tmp_path: Path) -> None:
    files = {**BASIC, "copier.yml": BASIC["copier.yml"] + "_jinja_extensions: [jinja2.ext.do]\n"}
    template = write_tree(tmp_path / "ext-template", files)
    out = tmp_path / "out"
    refused = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    one_line_error(refused, "uses jinja_extensions, which scaffold runs only with --trust")
    assert not out.exists()
    trusted = cli("new", "my-svc", "--path", out, "--template", template, "--trust", *FAST)
    assert trusted.code == 0, trusted


def escaping_templates(tmp_path: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """Templates that try to write outside the project, with the arguments that make them."""
    outside = tmp_path / "outside-target"
    made = {}
    made["dot-dot"] = (write_tree(tmp_path / "t1", {**BASIC, "{{ '..' }}/outside": "x\n"}), ())
    absolute = write_tree(
        tmp_path / "t2",
        {**BASIC, "copier.yml": BASIC["copier.yml"] + "where: {type: str}\n", "{{ where }}": "x\n"},
    )
    made["absolute"] = (absolute, ("--data", f"where={outside}"))
    for name, preserve in (("symlink-kept", "true"), ("symlink-followed", "false")):
        root = write_tree(
            tmp_path / name,
            {**BASIC, "copier.yml": BASIC["copier.yml"] + f"_preserve_symlinks: {preserve}\n"},
        )
        (root / "etc").symlink_to("/etc")
        made[name] = (root, ())
    relative = write_tree(
        tmp_path / "t5", {**BASIC, "copier.yml": BASIC["copier.yml"] + "_preserve_symlinks: true\n"}
    )
    (relative / "up").symlink_to("../..")
    made["symlink-up"] = (relative, ())
    # No answers file of its own: the one scaffold writes in its place must stay inside too.
    answers_out = {"copier.yml": "_answers_file: ../answers.yml\n", "README.md": "hello\n"}
    made["answers-file"] = (write_tree(tmp_path / "t6", answers_out), ())
    return made


@pytest.mark.parametrize(
    "case",
    ["dot-dot", "absolute", "symlink-kept", "symlink-followed", "symlink-up", "answers-file"],
)
def test_a_template_that_writes_outside_is_refused_with_nothing_written(
    cli: Cli, tmp_path: Path, case: str
) -> None:
    template, args = escaping_templates(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, *args, *FAST)
    one_line_error(result, "would write outside the project")
    assert not out.exists()
    assert not (tmp_path / "outside-target").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_required_answer_without_default_is_listed(cli: Cli, tmp_path: Path) -> None:
    files = {
        **BASIC,
        "copier.yml": "project_name: {type: str}\nowner: {type: str}\nteam: {type: str}\n",
    }
    template = write_tree(tmp_path / "required", files)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, "--no-input", *FAST)
    one_line_error(result, "needs an answer with no default: 'owner', 'team'")
    assert not out.exists()
    data_file = tmp_path / "answers.yml"
    data_file.write_text("team: platform\n")
    answered = cli(
        "new", "my-svc", "--path", out, "--template", template, "--data", "owner=ada",
        "--data-file", data_file, *FAST,
    )  # fmt: skip
    assert answered.code == 0, answered
    assert answers_of(out / "my-svc")["team"] == "platform"
    assert (out / "my-svc" / "README.md").read_text() == "v1 of my-svc by ada\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--data", "colour=blue"), "--data: the template"),
        (("--dep", "requests>=2,<3"), "--dep, --apt-build, --apt-runtime and --system-packages"),
    ],
)
def test_answers_a_template_does_not_take_are_refused(
    cli: Cli, tmp_path: Path, versions: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", versions, *args, *FAST)
    one_line_error(result, message)
    assert not out.exists()


def test_a_python_project_is_locked_and_a_repository(cli: Cli, tmp_path: Path) -> None:
    files = {
        **BASIC,
        "pyproject.toml.jinja": (
            '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
            'requires-python = ">=3.11"\ndependencies = []\n'
        ),
    }
    template = git_template(tmp_path / "py-template", files)
    out = tmp_path / "out"
    result = cli(
        "new", "my-svc", "--path", out, "--template", template, "--offline", "--no-validate",
        "--json",
    )  # fmt: skip
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert [(s["name"], s["status"]) for s in report["steps"]] == [("lock", "ok"), ("git", "ok")]
    assert report["python"] is True
    project = out / "my-svc"
    assert 'name = "my-svc"' in (project / "uv.lock").read_text()
    assert (project / ".git").is_dir()
    assert "uv.lock" in report["files"]


def test_a_project_that_is_not_python_is_not_locked(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    template = write_tree(tmp_path / "docs-template", BASIC)
    result = cli("new", "my-svc", "--path", out, "--template", template, "--json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["python"] is False
    assert [s["name"] for s in report["steps"]] == ["git"]
    assert report["validation"] is None
    assert any("not a Python project" in note for note in report["notices"])


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("file://{repo}@v9", "cannot fetch the template git+file://"),
        ("{repo}@no-such-tag", "at 'no-such-tag'"),
        ("file://{missing}", "cannot fetch the template"),
        ("{missing}", "unknown template '"),
        ("{bad}", "cannot be rendered"),
    ],
)
def test_a_template_that_cannot_be_fetched_or_read_is_one_line(
    cli: Cli, tmp_path: Path, versions: Path, source: str, message: str
) -> None:
    bad = write_tree(tmp_path / "bad-yaml", {"copier.yml": "project_name: [unclosed\n"})
    given = source.format(repo=versions, missing=tmp_path / "nowhere", bad=bad)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", given, *FAST)
    one_line_error(result, message)
    assert not out.exists()


def test_an_existing_project_is_never_touched(cli: Cli, tmp_path: Path, versions: Path) -> None:
    target = tmp_path / "out" / "my-svc"
    target.mkdir(parents=True)
    (target / "mine.txt").write_text("mine")
    result = cli("new", "my-svc", "--path", tmp_path / "out", "--template", versions, *FAST)
    one_line_error(result, "already exists and is not empty")
    assert [p.name for p in target.iterdir()] == ["mine.txt"]


def test_copier_is_imported_only_for_a_teams_template(tmp_path: Path) -> None:
    env = scaffold_env()
    help_only = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import scaffold.cli"],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    assert "copier" not in help_only.stderr
    assert "scaffold.cli" in help_only.stderr  # the import time listing was made
    assert imported_by("new", "my-api", "--path", str(tmp_path), *FAST) & {"copier"} == set()
    assert (tmp_path / "my-api" / "pyproject.toml").is_file()


def test_a_terminal_gets_copiers_own_prompts(tmp_path: Path) -> None:
    """A real pseudo-terminal: copier asks what is not given; the answers land in the project."""
    files = {
        **BASIC,
        "copier.yml": (
            "project_name: {type: str}\n"
            "owner: {type: str, help: Which team owns it}\n"
            "colour: {type: str, default: blue, help: Favourite colour}\n"
        ),
    }
    template = write_tree(tmp_path / "asking", files)
    out = tmp_path / "out"
    main, proc = new_in_terminal(template, out)
    seen = b""
    try:
        for reply, prompt in ((b"payments\r", b"Which team owns it"), (b"\r", b"Favourite")):
            seen = read_until(main, prompt, seen)
            os.write(main, reply)
        proc.wait(timeout=60)
        seen = read_until(main, b"", seen)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert proc.returncode == 0, seen.decode(errors="replace")
    answers = answers_of(out / "my-svc")
    assert (answers["owner"], answers["colour"]) == ("payments", "blue")
    assert b"project_name" not in seen  # NAME answered it


def read_until(fd: int, needle: bytes, seen: bytes) -> bytes:
    deadline = time.monotonic() + 30
    start = len(seen)
    while needle not in seen[start:] or not needle:
        assert time.monotonic() < deadline, seen.decode(errors="replace")
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            if not needle:
                break
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_a_team_template_s_next_steps_are_shown_with_its_answers(cli: Cli, tmp_path: Path) -> None:
    files = {
        **BASIC,
        "copier.yml": BASIC["copier.yml"]
        + "_scaffold_next:\n  - make run OWNER={{ owner }}\n  - open {{ no_such_answer }}\n",
    }
    template = write_tree(tmp_path / "next-template", files)
    out = tmp_path / "out"
    result = cli("new", "my-svc", "--path", out, "--template", template, "--json", *FAST)
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["next_steps"] == ["make run OWNER=nobody"]
    assert any("next step 2" in note and "no_such_answer" in note for note in report["notices"])


TEAM_PYTHON = {
    "copier.yml": (
        "project_name: {type: str}\npackage_name: {type: str}\n"
        "_scaffold_next: ['uv run python -m {{ package_name }}']\n"
    ),
    ANSWERS_JINJA: ANSWERS_TEXT,
    "pyproject.toml.jinja": (
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = []\n\n[dependency-groups]\ndev = ["pytest>=8,<10"]\n\n'
        '[build-system]\nrequires = ["uv_build>=0.8,<0.11"]\nbuild-backend = "uv_build"\n'
    ),
    "src/{{ package_name }}/__init__.py": '"""The team\'s package."""\n',
    "src/{{ package_name }}/__main__.py": 'print("hello")\n',
    "tests/test_it.py.jinja": (
        "import {{ package_name }}\n\n\ndef test_it() -> None:\n"
        "    assert {{ package_name }}.__doc__\n"
    ),
}


def test_a_python_project_from_a_team_template_is_locked_and_proven(
    cli: Cli, tmp_path: Path
) -> None:
    """The whole `new` of a team's template: copier's render, the lock, and a validation that
    ran the project's own tests (no Dockerfile: nothing of Docker is essential)."""
    template = git_template(tmp_path / "team-python", TEAM_PYTHON)
    out = tmp_path / "out"
    args = ("--path", out, "--template", template, "--no-git", "--json", "--trust")
    result = cli("new", "team-svc", *args)  # a team's tests run only with --trust
    assert result.code == 0, result
    report = json.loads(result.stdout)
    validation = report["validation"]
    assert validation["verdict"] == "passed", validation
    steps = {step["name"]: step for step in validation["steps"]}
    assert steps["tests"]["status"] == "ok"
    assert "1 passed" in steps["tests"]["detail"]
    assert steps["build"]["skip_reason"] == "not_applicable"
    assert report["next_steps"] == ["uv run python -m team_svc"]


def test_a_team_template_s_open_dependencies_are_bounded_from_the_lock(
    cli: Cli, tmp_path: Path
) -> None:
    """As the built-in templates' are: a lower bound from the lock, an upper one at the next
    breaking version; a bound the template gives is kept, and so are its comments."""
    files = {
        **TEAM_PYTHON,
        "pyproject.toml.jinja": TEAM_PYTHON["pyproject.toml.jinja"].replace(
            "dependencies = []",
            'dependencies = [\n    "idna",  # the team\'s pick\n    "sniffio>=1.3",\n'
            '    "anyio>=4,<5",\n]',
        ),
    }
    template = git_template(tmp_path / "team-open", files)
    out = tmp_path / "out"
    result = cli(
        "new", "team-svc", "--path", out, "--template", template, "--no-git", "--no-validate",
        "--json",
    )  # fmt: skip
    assert result.code == 0, result
    project = out / "team-svc"
    text = (project / "pyproject.toml").read_text()
    assert "# the team's pick" in text
    deps = tomllib.loads(text)["project"]["dependencies"]
    locked = {
        pkg["name"]: pkg["version"]
        for pkg in tomllib.loads((project / "uv.lock").read_text())["package"]
    }
    assert deps == [
        f"idna>={locked['idna']},<{int(locked['idna'].split('.')[0]) + 1}",
        f"sniffio>=1.3,<{int(locked['sniffio'].split('.')[0]) + 1}",
        "anyio>=4,<5",
    ]
    (lock,) = [step for step in json.loads(result.stdout)["steps"] if step["name"] == "lock"]
    assert lock["detail"].startswith("bounded idna>=")
    done = subprocess.run(
        [sys.executable, "-m", "uv", "lock", "--check", "--offline"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_names_are_offered_not_forced_unless_the_template_declares_them(
    cli: Cli, tmp_path: Path
) -> None:
    """NAME answers project_name and package_name by default; --data may answer them otherwise
    (a title-like project_name, "Demo Sub"), unless _scaffold_names says they are the names."""
    files = {
        **BASIC,
        "copier.yml": "project_name:\n  type: str\n  default: Demo\npackage_name:\n  type: str\n",
        "README.md.jinja": "# {{ project_name }}\n",
        "src/{{ package_name }}/__init__.py": "",
    }
    template = write_tree(tmp_path / "titled", files)
    out = tmp_path / "out"
    done = cli(
        "new", "my-svc", "--path", out, "--template", template, "--data",
        "project_name=Demo Sub", *FAST,
    )  # fmt: skip
    assert done.code == 0, done
    assert (out / "my-svc" / "README.md").read_text() == "# Demo Sub\n"
    assert (out / "my-svc" / "src" / "my_svc" / "__init__.py").is_file()

    declared = {
        **files,
        "copier.yml": files["copier.yml"]
        + "_scaffold_names:\n  project_name: distribution\n  package_name: package\n",
    }
    template = write_tree(tmp_path / "declared", declared)
    out = tmp_path / "out-declared"
    refused = cli(
        "new", "my-svc", "--path", out, "--template", template, "--data", "project_name=x", *FAST
    )
    one_line_error(refused, "'project_name' is worked out by scaffold")
    done = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    assert done.code == 0, done
    assert (out / "my-svc" / "README.md").read_text() == "# my-svc\n"

    broken = write_tree(
        tmp_path / "broken",
        {**files, "copier.yml": files["copier.yml"] + "_scaffold_names:\n  project_name: title\n"},
    )
    result = cli("new", "my-svc", "--path", tmp_path / "o3", "--template", broken, *FAST)
    one_line_error(result, "_scaffold_names must map its questions to one of")
