"""`scaffold validate` on real projects, broken in the ways projects break (no Docker needed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scaffold.create.new import NewOptions, new_project
from scaffold.report import Status
from scaffold.tools import runner
from scaffold.validate.validation import STEPS, ValidateOptions, validate_project
from tests.conftest import Cli

pytestmark = pytest.mark.e2e
NO_DOCKER = ("--skip", "sysdeps", "--skip", "build", "--skip", "imports", "--skip", "run")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = new_project(
        NewOptions(
            name="my-api", parent=tmp_path_factory.mktemp("validate"), python="3.11", git=False
        )
    )
    assert report.post_steps_ok, report.steps
    return Path(report.path)


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "my-api"
    shutil.copytree(pristine, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    return copy


def steps_of(stdout: str) -> dict[str, dict[str, object]]:
    data = json.loads(stdout)
    return {step["name"]: step for step in data["steps"]}


def test_healthy_project_passes_everything_but_docker(cli: Cli, project: Path) -> None:
    result = cli("validate", project, "--json", *NO_DOCKER)
    assert result.code == 0, result
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["exit_code"] == 0
    assert [s["name"] for s in data["steps"]] == list(STEPS)
    steps = steps_of(result.stdout)
    for name in ("lock", "sync", "tests", "lint"):
        assert steps[name]["status"] == "ok", steps[name]
        assert isinstance(steps[name]["duration"], float)
        assert steps[name]["command"]
    assert "1 passed" in str(steps["tests"]["detail"])
    assert steps["build"] == {**steps["build"], "status": "skipped", "detail": "not requested"}


def test_stale_lock_fails_the_lock_step_and_skips_its_dependents(cli: Cli, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    # Drop a dependency after locking: resolvable from the cache, and the lock no longer matches.
    pyproject.write_text(pyproject.read_text().replace('    "uvicorn>=0.32,<1",\n', ""))
    result = cli("validate", project, "--json", "--offline", *NO_DOCKER)
    assert result.code == 1, result
    steps = steps_of(result.stdout)
    assert steps["lock"]["status"] == "failed"
    assert "stale" in str(steps["lock"]["detail"])
    assert steps["lock"]["exit_code"] not in (0, None)
    assert "uv" in str(steps["lock"]["command"])
    for dependent in ("sync", "tests", "lint"):
        assert steps[dependent]["status"] == "skipped"
        assert "needs" in str(steps[dependent]["detail"])


def test_missing_lock_fails(project: Path) -> None:
    (project / "uv.lock").unlink()
    report = validate_project(project, ValidateOptions(only=frozenset({"lock"})))
    assert report.steps[0].status is Status.FAILED
    assert "no uv.lock" in report.steps[0].detail


def test_failing_tests_fail_the_tests_step(cli: Cli, project: Path) -> None:
    test_file = project / "tests" / "test_main.py"
    test_file.write_text(test_file.read_text().replace('{"status": "ok"}', '{"status": "down"}'))
    result = cli("validate", project, "--json", *NO_DOCKER)
    assert result.code == 1
    steps = steps_of(result.stdout)
    assert steps["tests"]["status"] == "failed"
    assert "1 failed" in str(steps["tests"]["detail"])
    assert steps["tests"]["exit_code"] == 1
    assert "AssertionError" in str(steps["tests"]["output_tail"])
    assert steps["lint"]["status"] == "ok"  # lint does not depend on tests


def test_lint_failures_are_reported(project: Path) -> None:
    main = project / "src" / "my_api" / "main.py"
    main.write_text(main.read_text() + "\n\ndef untyped(x):\n    return x\n")
    report = validate_project(project, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    lint = next(s for s in report.steps if s.name == "lint")
    assert lint.status is Status.FAILED
    assert "mypy" in lint.detail
    assert "untyped" in (lint.output_tail or "")


def test_project_without_tests_or_docker_skips_with_reasons(cli: Cli, project: Path) -> None:
    shutil.rmtree(project / "tests")
    (project / "Dockerfile").unlink()
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('files = ["src", "tests"]', 'files = ["src"]')
    )
    result = cli("validate", project, "--json")
    # Without tests nothing proves the code works: not a pass, and not a failure either.
    assert result.code == 5, result
    data = json.loads(result.stdout)
    assert data["verdict"] == "not_proven"
    assert data["ok"] is False
    steps = steps_of(result.stdout)
    assert steps["tests"]["status"] == "skipped"
    assert steps["tests"]["skip_reason"] == "unavailable"
    assert steps["tests"]["essential"] is True
    assert steps["tests"]["detail"] == "the project has no tests"
    assert steps["build"]["detail"] == "the project has no Dockerfile"
    assert steps["build"]["skip_reason"] == "not_applicable"
    assert steps["build"]["essential"] is False
    plain = cli("validate", project)
    assert "not proven: tests (the project has no tests)" in plain.stdout
    strict = cli("validate", project, "--json", "--strict")
    assert strict.code == 1
    assert steps_of(strict.stdout)["tests"]["status"] == "failed"
    assert "--strict" in str(steps_of(strict.stdout)["tests"]["detail"])


def test_no_docker_client_is_not_proven(cli: Cli, project: Path) -> None:
    result = cli("validate", project, "--json", "--docker", "/nonexistent/docker")
    assert result.code == 5, result
    assert json.loads(result.stdout)["verdict"] == "not_proven"
    steps = steps_of(result.stdout)
    assert steps["build"]["status"] == "skipped"
    assert steps["build"]["skip_reason"] == "unavailable"
    assert "no docker client found" in str(steps["build"]["detail"])
    for name in ("imports", "run"):
        assert steps[name]["status"] == "skipped"
        assert steps[name]["essential"] is True
    assert steps["tests"]["status"] == "ok"
    # Left out by the user's choice, the same steps do not make the project unproven.
    chosen = cli("validate", project, "--json", "--docker", "/nonexistent/docker", *NO_DOCKER)
    assert chosen.code == 0, chosen
    strict = cli("validate", project, "--json", "--docker", "/nonexistent/docker", "--strict")
    assert strict.code == 1
    assert steps_of(strict.stdout)["build"]["status"] == "failed"


def test_no_daemon_skips_docker_steps_with_the_reason(cli: Cli, project: Path) -> None:
    docker = runner.docker_binary()
    if docker is None:
        pytest.skip("needs a docker client (without a daemon) for this case")
    env = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    result = cli("validate", project, "--json", "--docker", docker, env=env)
    assert result.code == 5, result
    steps = steps_of(result.stdout)
    assert steps["build"]["status"] == "skipped"
    assert "no Docker daemon answers" in str(steps["build"]["detail"])
    assert steps["run"]["status"] == "skipped"
    assert steps["sync"]["status"] == "ok"


def test_only_runs_one_step(project: Path) -> None:
    report = validate_project(project, ValidateOptions(only=frozenset({"lock"})))
    assert [s.status for s in report.steps] == [Status.OK] + [Status.SKIPPED] * (len(STEPS) - 1)


def test_only_tests_syncs_first_and_runs_the_tests(cli: Cli, project: Path) -> None:
    """`--only tests --only lint` (the example in --help) runs them: the sync they need is
    pulled in, never "left out by request" beside a verdict of passed that ran nothing."""
    test_file = project / "tests" / "test_main.py"
    test_file.write_text(test_file.read_text().replace('{"status": "ok"}', '{"status": "down"}'))
    result = cli("validate", project, "--json", "--only", "tests", "--only", "lint")
    assert result.code == 1, result
    steps = steps_of(result.stdout)
    assert steps["sync"]["status"] == "ok", steps["sync"]
    assert steps["tests"]["status"] == "failed", steps["tests"]
    assert "1 failed" in str(steps["tests"]["detail"])
    assert steps["lint"]["status"] == "ok", steps["lint"]
    assert steps["lock"]["detail"] == "not requested"  # only waited for, not needed
    assert steps["build"]["detail"] == "not requested"


def test_only_a_step_whose_prerequisite_is_skipped_is_refused(cli: Cli, project: Path) -> None:
    result = cli("validate", project, "--only", "tests", "--skip", "sync")
    assert result.code == 2, result
    assert "--only tests needs 'sync', which --skip leaves out" in result.stderr


def test_terminal_summary_lists_every_step(cli: Cli, project: Path) -> None:
    result = cli("validate", project, *NO_DOCKER)
    assert result.code == 0, result
    for name in STEPS:
        assert name in result.stdout
    # What --skip left out is named: "passed" does not claim it.
    assert "passed: every step that ran passed; left out by request: " in result.stdout
    assert "every step that matters" not in result.stdout


def test_tests_without_pytest_installed_say_so(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('    "pytest>=8.3,<10",\n', ""))
    locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=project, timeout=300)
    assert locked.ok, locked.output
    report = validate_project(project, ValidateOptions(only=frozenset({"lock", "sync", "tests"})))
    tests = next(s for s in report.steps if s.name == "tests")
    assert tests.status is Status.FAILED
    assert tests.detail == (
        "pytest is not installed in the project's environment (add it to the dev group)"
    )


def test_ruff_configured_in_a_config_folder_is_run_with_that_config(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index("[tool.ruff]")
    end = text.index("[tool.mypy]")
    ruff_config = text[start:end].replace("[tool.ruff]\n", "").replace("[tool.ruff.", "[")
    pyproject.write_text(text[:start] + text[end:])
    (project / "config").mkdir()
    (project / "config" / "ruff.toml").write_text(ruff_config)
    main = project / "src" / "my_api" / "main.py"
    main.write_text(main.read_text() + "\nimport os\n")  # F401 and I001 under that config
    report = validate_project(project, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    lint = next(s for s in report.steps if s.name == "lint")
    assert lint.status is Status.FAILED, lint
    assert "--config" in (lint.command or "")
    assert "config/ruff.toml" in (lint.command or "")
    assert "ruff check found problems" in lint.detail


def test_a_conftest_that_cannot_import_says_so(project: Path) -> None:
    (project / "tests" / "conftest.py").write_text("import no_such_helper_module\n")
    report = validate_project(project, ValidateOptions(only=frozenset({"lock", "sync", "tests"})))
    tests = next(s for s in report.steps if s.name == "tests")
    assert tests.status is Status.FAILED
    assert tests.exit_code == 4
    assert "conftest failed to import" in tests.detail
    assert "no_such_helper_module" in tests.detail


def test_a_collection_error_names_the_file_and_cause(project: Path) -> None:
    (project / "tests" / "test_broken.py").write_text("from my_api.main import nothing_here\n")
    report = validate_project(project, ValidateOptions(only=frozenset({"lock", "sync", "tests"})))
    tests = next(s for s in report.steps if s.name == "tests")
    assert tests.status is Status.FAILED
    assert "test_broken.py" in tests.detail
    assert "nothing_here" in tests.detail


def test_wrong_types_in_tool_scaffold_are_one_line_errors(cli: Cli, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("port = 8000", 'port = "eight"'))
    result = cli("validate", project)
    assert result.code == 2, result
    assert "[tool.scaffold] port must be a TCP port" in result.stderr
    assert "pyproject.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_workspace_member_uses_the_roots_lock(tmp_path: Path, pristine: Path) -> None:
    root = tmp_path / "ws"
    member = root / "services" / "api"
    shutil.copytree(pristine, member, ignore=shutil.ignore_patterns(".venv", "uv.lock"))
    (member / "Dockerfile").unlink()
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["services/*"]\n')
    locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=root, timeout=300)
    assert locked.ok, locked.output
    whole = validate_project(root, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    by_label = {s.label: s for s in whole.steps}
    assert by_label["tests (services/api)"].status is Status.OK, by_label
    assert "1 passed" in by_label["tests (services/api)"].detail
    assert by_label["lint (services/api)"].status is Status.OK
    assert by_label["tests"].skip_reason is not None  # the virtual root has no code of its own
    assert whole.ok, [s.to_json() for s in whole.steps]
    alone = validate_project(member, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    assert {s.name: s.status for s in alone.steps}["lock"] is Status.OK
    assert alone.ok, [s.to_json() for s in alone.steps]


def test_ty_configured_in_ty_toml_is_run(project: Path) -> None:
    added = runner.run(
        [runner.uv_binary(), "add", "--dev", "--no-sync", "ty>=0.0.1"], cwd=project, timeout=300
    )
    assert added.ok, added.output
    (project / "ty.toml").write_text("[rules]\n")
    main = project / "src" / "my_api" / "main.py"
    main.write_text(main.read_text() + '\n\nWRONG: int = "not an int"\n')
    report = validate_project(project, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    lint = next(s for s in report.steps if s.name == "lint")
    assert lint.status is Status.FAILED, lint
    assert "ty check" in (lint.command or "")
    assert "ty check found problems" in lint.detail


def test_validation_changes_nothing_in_the_project(project: Path) -> None:
    """ruff's `fix = true` must not let validation rewrite a file, and the environment lives
    outside the project (a .venv there would end up in a Docker build context)."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("[tool.ruff]\n", "[tool.ruff]\nfix = true\n")
    )
    main = project / "src" / "my_api" / "main.py"
    main.write_text("import os\n" + main.read_text())  # F401, which ruff could fix
    before = main.read_text()
    report = validate_project(project, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    lint = next(s for s in report.steps if s.name == "lint")
    assert lint.status is Status.FAILED, lint
    assert main.read_text() == before
    assert not (project / ".venv").exists()


def test_ty_configured_in_a_config_folder_is_found(project: Path) -> None:
    added = runner.run(
        [runner.uv_binary(), "add", "--dev", "--no-sync", "ty>=0.0.1"], cwd=project, timeout=300
    )
    assert added.ok, added.output
    (project / "config").mkdir()
    (project / "config" / "ty.toml").write_text("[rules]\n")
    report = validate_project(project, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    lint = next(s for s in report.steps if s.name == "lint")
    assert "ty check --config-file" in (lint.command or ""), lint
    assert lint.status is Status.OK, lint


def test_a_member_alone_gets_the_workspace_roots_dev_group(tmp_path: Path, pristine: Path) -> None:
    root = tmp_path / "ws"
    member = root / "api"
    shutil.copytree(pristine, member, ignore=shutil.ignore_patterns(".venv", "uv.lock"))
    text = (member / "pyproject.toml").read_text()
    start = text.index("[dependency-groups]")
    end = text.index("[build-system]")
    (member / "pyproject.toml").write_text(text[:start] + text[end:])
    (root / "pyproject.toml").write_text(
        '[tool.uv.workspace]\nmembers = ["api"]\n\n' + text[start:end]
    )
    locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=root, timeout=300)
    assert locked.ok, locked.output
    alone = validate_project(member, ValidateOptions(skip=frozenset(NO_DOCKER[1::2])))
    assert alone.ok, [s.to_json() for s in alone.steps if s.status is not Status.OK]


def test_a_module_of_the_project_that_a_dependency_installs_fails_sync(
    cli: Cli, project: Path
) -> None:
    """uv installs both without a word; then one of the two cannot be imported."""
    (project / "src" / "anyio").mkdir()
    (project / "src" / "anyio" / "__init__.py").write_text("")

    result = cli("validate", project, "--json", *NO_DOCKER)

    assert result.code == 1, result
    steps = steps_of(result.stdout)
    assert steps["sync"]["status"] == "failed"
    assert steps["sync"]["detail"] == (
        "the project's module 'anyio' is also installed by its dependency 'anyio': "
        "one of them cannot be imported (rename the package)"
    )
    assert steps["tests"]["status"] == "skipped"


def test_a_flat_project_we_did_not_make_named_like_a_dependency_s_module_fails_sync(
    tmp_path: Path,
) -> None:
    project = tmp_path / "yaml"
    (project / "yaml").mkdir(parents=True)
    (project / "yaml" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "yaml"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["pyyaml>=6,<7"]\n\n[tool.uv]\npackage = false\n'
    )
    done = runner.run([runner.uv_binary(), "lock"], cwd=project, timeout=300)
    assert done.ok, done.output

    report = validate_project(project, ValidateOptions(only=frozenset({"lock", "sync"})))

    sync = next(step for step in report.steps if step.name == "sync")
    assert sync.status is Status.FAILED
    assert "module 'yaml' is also installed by its dependency 'pyyaml'" in sync.detail


def test_tests_that_all_skip_prove_nothing(cli: Cli, project: Path) -> None:
    """pytest exits 0 when every test is skipped: that is not a working project."""
    for test in (project / "tests").glob("test_*.py"):
        text = test.read_text().replace(
            "\ndef test_", "\n@pytest.mark.skip(reason='later')\ndef test_"
        )
        test.write_text("import pytest\n" + text)

    result = cli("validate", project, "--json", *NO_DOCKER)

    assert result.code == 5, result
    tests = steps_of(result.stdout)["tests"]
    assert tests["status"] == "skipped"
    assert tests["skip_reason"] == "unavailable"
    assert tests["detail"].startswith("no test passed: 1 skipped")
    plain = cli("validate", project, *NO_DOCKER)
    assert "not proven: tests (no test passed: 1 skipped" in plain.stdout


@pytest.mark.parametrize(
    ("skip", "status", "detail"), [(False, "ok", "1 passed"), (True, "skipped", "no test passed")]
)
def test_what_passed_is_counted_whatever_the_project_s_output_options(
    cli: Cli, project: Path, skip: bool, status: str, detail: str
) -> None:
    """`-qq` hides pytest's summary line: the count comes from its JUnit report instead."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert text.count('addopts = ["-ra", "--strict-markers"]') == 1
    pyproject.write_text(text.replace('addopts = ["-ra"', 'addopts = ["-qq"'))
    if skip:
        for test in (project / "tests").glob("test_*.py"):
            text = test.read_text().replace("\ndef test_", "\n@pytest.mark.skip\ndef test_")
            test.write_text("import pytest\n" + text)

    result = cli("validate", project, "--json", *NO_DOCKER)

    tests = steps_of(result.stdout)["tests"]
    assert (tests["status"], tests["detail"]) == (status, detail), tests
    assert result.code == (5 if skip else 0), result


def test_a_poetry_project_without_a_project_table_is_named_with_the_way_to_uv(
    cli: Cli, tmp_path: Path
) -> None:
    """uv locks it as an empty root, so lock and sync would pass on nothing of what it needs."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "legacy"\nversion = "0.1.0"\ndescription = ""\nauthors = []\n\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "^2.31"\n\n'
        '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    (tmp_path / "uv.lock").write_text('version = 1\nrequires-python = ">=3.11"\n')

    result = cli("validate", tmp_path)

    assert result.code == 4, result
    assert "described in [tool.poetry], which uv does not read" in result.stderr
    assert "uvx migrate-to-uv" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_pyproject_with_tool_settings_only_is_not_taken_for_a_uv_project(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    (tmp_path / "requirements.txt").write_text("flask>=3,<4\n")

    result = cli("validate", tmp_path)

    assert result.code == 4, result
    assert "has no [project] table" in result.stderr
    assert "uv add -r requirements.txt" in result.stderr


def test_several_dockerfiles_and_none_chosen_is_not_proven(cli: Cli, project: Path) -> None:
    dockerfile = project / "Dockerfile"
    (project / "deploy").mkdir()
    for name in ("api.Dockerfile", "worker.Dockerfile"):
        (project / "deploy" / name).write_text(dockerfile.read_text())
    dockerfile.unlink()

    result = cli("validate", project, "--only", "build", "--only", "run")

    assert result.code == 5, result
    assert (
        "not proven: build, run (several Dockerfiles (deploy/api.Dockerfile, "
        "deploy/worker.Dockerfile): choose one with --dockerfile or [tool.scaffold] dockerfile)"
    ) in result.stdout
