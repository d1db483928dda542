"""What `scaffold new` leaves behind when something goes wrong: an empty target folder that is
kept as it is, no half `.git`, and no next steps that cannot work."""

from __future__ import annotations

import signal
import tomllib
from pathlib import Path

import pytest

from scaffold.create import write
from scaffold.create.new import NewOptions, new_project
from scaffold.create.render import PlannedFile, RenderPlan
from scaffold.create.write import TEMP_SUFFIX, write_plan
from scaffold.report import Status
from scaffold.tools import runner
from tests.conftest import GOLDEN, Cli, signal_sweep, tree_bytes


def test_an_empty_existing_target_keeps_its_inode_and_mode(tmp_path: Path) -> None:
    """It may be a mount point or carry permissions someone chose: it is filled, not replaced."""
    target = tmp_path / "my-api"
    target.mkdir(mode=0o750)
    target.chmod(0o750)
    before = target.stat()
    new_project(NewOptions(name="my-api", parent=tmp_path, python="3.11", lock=False, git=False))
    after = target.stat()
    assert (after.st_ino, after.st_dev, after.st_mode) == (before.st_ino, before.st_dev, 0o40750)
    assert tree_bytes(target) == tree_bytes(GOLDEN / "service")
    assert not any(p.name.endswith(TEMP_SUFFIX) for p in target.iterdir())


def test_a_failure_filling_an_existing_target_leaves_it_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    plan = RenderPlan(tuple(PlannedFile(f"f{i}.txt", b"x") for i in range(5)))
    real_rename = write.rename_noreplace  # how each entry moves into the target
    calls = []

    def flaky(source: Path, dest: Path) -> None:
        calls.append(dest)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_rename(source, dest)

    monkeypatch.setattr(write, "rename_noreplace", flaky)
    with pytest.raises(Exception, match="No space left on device"):
        write_plan(plan, target)
    assert list(target.iterdir()) == []


def test_signals_while_filling_an_existing_target_leave_it_empty_or_complete(
    tmp_path: Path,
) -> None:
    expected = tree_bytes(GOLDEN / "service")
    for run in signal_sweep(tmp_path, signal.SIGTERM, attempts=8, span=1.5, into_existing=True):
        target = run.parent / "my-api"
        seen = f"attempt {run.attempt}: exit {run.returncode}, stderr {run.stderr!r}"
        assert target.is_dir(), seen
        inside = sorted(path.name for path in target.iterdir())
        assert inside == [] or tree_bytes(target) == expected, (seen, inside)
        assert list(run.parent.iterdir()) == [target], (seen, list(run.parent.iterdir()))


def test_a_failed_git_init_leaves_no_partial_git(tmp_path: Path) -> None:
    real_run = runner.run

    def half_git(argv: list[str], **kwargs: object) -> runner.Completed:
        if "init" in argv[1:]:
            cwd = kwargs["cwd"]
            assert isinstance(cwd, Path)
            (cwd / ".git" / "objects").mkdir(parents=True)
            (cwd / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
            return runner.Completed(tuple(argv), 128, "fatal: No space left on device\n", 0.01)
        return real_run(argv, **kwargs)

    runner.set_runner(half_git)
    try:
        report = new_project(NewOptions(name="my-api", parent=tmp_path, lock=False))
    finally:
        runner.set_runner(None)
    (git,) = report.steps
    assert git.status is Status.FAILED
    assert not (Path(report.path) / ".git").exists()
    assert (Path(report.path) / "pyproject.toml").is_file()


@pytest.mark.e2e
def test_an_unsolvable_lock_names_no_command_that_cannot_finish_the_job(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli(
        "new",
        "my-api",
        "--path",
        tmp_path,
        "--python",
        "3.11",
        "--no-git",
        "--dep",
        "scaffold-surely-not-on-pypi-4f2a>=1,<2",
    )
    assert result.code == 3, result
    assert "uv lock failed" in result.stdout
    assert "to finish by hand" not in result.stdout
    assert "next:" not in result.stdout
    assert "scaffold-lock-probe" not in result.stdout  # uv's words name the real project


def test_a_failed_second_lock_leaves_no_lock_made_under_the_probe_name(tmp_path: Path) -> None:
    """The first lock of a project with --dep runs under a neutral name; if the lock with the
    real name fails, that first uv.lock must not stay behind as if it were the project's."""
    calls = []

    def fake_uv(argv: list[str], **kwargs: object) -> runner.Completed:
        cwd = kwargs["cwd"]
        assert isinstance(cwd, Path)
        if argv[1] == "sync":  # the module-clash check's install: no answer, no refusal
            return runner.Completed(tuple(argv), 2, "error: offline\n", 0.01)
        calls.append(tomllib.loads((cwd / "pyproject.toml").read_text())["project"]["name"])
        if len(calls) == 1:
            (cwd / "uv.lock").write_text(
                'version = 1\n[[package]]\nname = "scaffold-lock-probe"\nversion = "0.1.0"\n'
                '[[package]]\nname = "numpy"\nversion = "2.4.6"\n'
            )
            return runner.Completed(tuple(argv), 0, "", 0.01)
        return runner.Completed(tuple(argv), 2, "error: Failed to fetch: timed out\n", 0.01)

    runner.set_runner(fake_uv)
    try:
        report = new_project(
            NewOptions(name="my-api", parent=tmp_path, deps=("numpy",), git=False, python="3.11")
        )
    finally:
        runner.set_runner(None)
    assert calls == ["scaffold-lock-probe", "my-api"]
    (lock,) = report.steps
    assert lock.status is Status.FAILED
    project = Path(report.path)
    assert not (project / "uv.lock").exists()
    assert "uv.lock" not in report.files
    written = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert written["name"] == "my-api"
    assert "numpy>=2.4.6,<3" in written["dependencies"]
    assert lock.data["fix"] == f"cd {project} && uv lock"
