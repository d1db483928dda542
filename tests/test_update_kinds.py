"""`scaffold update` with every kind of change a template makes, against a project whose user
edited the same files: a copier template in a local git repository, tagged v1, v2 and a
pre-release, and a project made from v1. An update is all or nothing, however it is cut short."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy

from scaffold.create import write
from scaffold.create.new import NewOptions, new_project
from scaffold.create.tree import read_tree
from scaffold.errors import ScaffoldError, signals
from scaffold.lifecycle import update as lifecycle
from scaffold.lifecycle.update import UpdateInterrupted, UpdateOptions, update_project
from scaffold.tools import runner
from tests.conftest import Cli
from tests.test_lifecycle import git

pytestmark = pytest.mark.e2e

LOGO_V1, LOGO_OURS, LOGO_V2 = b"\x89PNG\0v1", b"\x89PNG\0ours", b"\x89PNG\0v2"
SETTINGS_V1 = "".join(f"option_{n} = {n}\n" for n in range(12))

V1: dict[str, str | bytes] = {
    "copier.yml": "project_name:\n  type: str\n  default: svc\n_preserve_symlinks: true\n",
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    "pyproject.toml.jinja": (
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n"
    ),
    "notes.txt": "first\nsecond\nthird\n",
    "logo.bin": LOGO_V1,
    "old.bin": b"\0old",
    "config/settings.ini": SETTINGS_V1,
    "scripts": "a file that v2 turns into a folder\n",
    "docs/index.md": "# docs, a folder that v2 turns into a file\n",
    "run.sh": "#!/bin/sh\necho v1\n",
}


def commit(repo: Path, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", tag)
    git(repo, "tag", tag)


# A copier template's own files: its one question, and the answers file it writes.
TEMPLATE_HEAD = {
    "copier.yml": "project_name:\n  type: str\n  default: svc\n",
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
}


def two_versions(repo: Path, v1: dict[str, str], v2: dict[str, str]) -> None:
    """A template repository at ``repo``: ``v1``'s files tagged v1, then ``v2``'s over them."""
    git(repo.parent, "init", "-q", repo.name)  # also makes the folder
    for tag, files in (("v1", v1), ("v2", v2)):
        for rel, text in files.items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text)
        commit(repo, tag)


def made_at_v1(repo: Path, project: Path, edit: Callable[[Path], None]) -> Path:
    """``project`` made by copier from ``repo`` at v1, changed by ``edit``, then committed."""
    run_copy(str(repo), project, data={}, vcs_ref="v1", defaults=True, quiet=True)
    edit(project)
    git(project, "init", "-q")
    commit(project, "made")
    return project


@pytest.fixture
def template(tmp_path: Path) -> Path:
    repo = tmp_path / "template"
    for rel, content in V1.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (repo / "run.sh").chmod(0o755)
    (repo / "link").symlink_to("notes.txt")
    git(repo, "init", "-q")
    commit(repo, "v1")
    # v2: a change of every kind.
    (repo / "notes.txt").write_text("first\nsecond\nthird, as v2 has it\n")
    (repo / "logo.bin").write_bytes(LOGO_V2)
    (repo / "old.bin").unlink()
    (repo / "config" / "settings.ini").rename(repo / "settings.ini")
    (repo / "config").rmdir()
    ini = repo / "settings.ini"
    ini.write_text(ini.read_text().replace("option_11 = 11", "option_11 = eleven"))
    (repo / "scripts").unlink()
    (repo / "scripts").mkdir()
    (repo / "scripts" / "run.sh").write_text("echo now a folder\n")
    shutil.rmtree(repo / "docs")
    (repo / "docs").write_text("now a file\n")
    (repo / "run.sh").write_text("#!/bin/sh\necho v2\n")
    (repo / "tool").write_text("#!/bin/sh\necho tool\n")
    (repo / "tool").chmod(0o755)
    commit(repo, "v2")
    (repo / "notes.txt").write_text("a pre-release\n")
    commit(repo, "v3.0.0a1")
    return repo


@pytest.fixture
def project(tmp_path: Path, template: Path) -> Path:
    path = tmp_path / "svc"
    run_copy(str(template), path, data={}, vcs_ref="v1", defaults=True, quiet=True)
    git(path, "init", "-q")
    commit(path, "made")
    # The user's edits, on the same files the template changes.
    notes = path / "notes.txt"
    notes.write_text(notes.read_text().replace("first", "first, as we have it"))
    (path / "logo.bin").write_bytes(LOGO_OURS)
    (path / "old.bin").write_bytes(b"\0ours")
    ini = path / "config" / "settings.ini"
    ini.write_text(ini.read_text().replace("option_0 = 0", "option_0 = ours"))
    git(path, "commit", "-qam", "our edits")
    return path


def state(root: Path) -> dict[str, Any]:
    """Everything a user could lose: every file's bytes, mode and kind, and every folder."""
    tree: dict[str, Any] = {
        rel: (entry.data, entry.executable, entry.link) for rel, entry in read_tree(root).items()
    }
    tree["folders"] = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_dir() and not p.is_symlink() and ".git" not in p.relative_to(root).parts
    )
    return tree


def test_every_kind_of_change_is_applied_kept_or_listed(cli: Cli, project: Path) -> None:
    dry = cli("update", project, "--dry-run", "--json")
    before = state(project)
    result = cli("update", project, "--json")
    assert result.code == 6, result  # conflicts, listed
    report = json.loads(result.stdout)
    assert report["to"] == "v2"  # the newest stable tag, not v3.0.0a1
    assert json.loads(dry.stdout)["files"] == report["files"]  # the dry run told the truth
    assert json.loads(dry.stdout)["conflicts"] == report["conflicts"]
    conflicts = {c.split(":")[0]: c for c in report["conflicts"]}
    assert set(conflicts) == {"logo.bin", "old.bin"}
    assert "logo.bin.scaffold-template" in conflicts["logo.bin"]
    assert "the template deleted it" in conflicts["old.bin"]

    # text: both edits
    assert (
        project / "notes.txt"
    ).read_text() == "first, as we have it\nsecond\nthird, as v2 has it\n"
    # binary: ours kept, theirs findable beside it
    assert (project / "logo.bin").read_bytes() == LOGO_OURS
    assert (project / "logo.bin.scaffold-template").read_bytes() == LOGO_V2
    assert (project / "old.bin").read_bytes() == b"\0ours"
    # a rename carries the user's edit; the old folder is gone
    ini = (project / "settings.ini").read_text()
    assert "option_0 = ours" in ini
    assert "option_11 = eleven" in ini
    assert not (project / "config").exists()
    # a file turned into a folder, and a folder into a file
    assert (project / "scripts" / "run.sh").read_text() == "echo now a folder\n"
    assert (project / "docs").read_text() == "now a file\n"
    # modes and symlinks as the template has them
    assert os.access(project / "run.sh", os.X_OK)
    assert (project / "run.sh").read_text().endswith("echo v2\n")
    assert os.access(project / "tool", os.X_OK)
    assert (project / "link").is_symlink()
    assert (project / "link").readlink().as_posix() == "notes.txt"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2"
    # Nothing of the user's was lost: every file they had is there (or, renamed, its edit is).
    gone = {"config/settings.ini", "scripts", "docs/index.md"}  # renamed, or unedited + replaced
    for rel in set(before) - {"folders"} - gone:
        assert (project / rel).exists() or (project / rel).is_symlink(), rel

    git(project, "add", "-A")
    git(project, "commit", "-qm", "update to v2, conflicts left as they are")
    again = cli("update", project, "--json")  # at v2 already: nothing more to do
    assert again.code == 0, again
    assert json.loads(again.stdout)["files"] == []


def test_the_same_update_twice_gives_the_same_tree(cli: Cli, project: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(project, twin, symlinks=True)
    for folder in (project, twin):
        assert cli("update", folder, "--to", "v2").code == 6
    assert state(project) == state(twin)


def test_prereleases_only_when_asked(cli: Cli, project: Path) -> None:
    latest = cli("check", project, "--latest", "--json")
    assert json.loads(latest.stdout)["projects"][0]["latest"] == "v2"
    latest = cli("check", project, "--latest", "--prerelease", "--json")
    assert json.loads(latest.stdout)["projects"][0]["latest"] == "v3.0.0a1"


def test_an_answers_file_without_the_recorded_version_is_an_error(cli: Cli, project: Path) -> None:
    answers = project / ".copier-answers.yml"
    answers.write_text(
        "".join(line for line in answers.read_text().splitlines(True) if "_commit" not in line)
    )
    git(project, "commit", "-qam", "lost the version")
    result = cli("update", project)
    assert result.code == 2, result
    assert "no _commit" in result.stderr


@pytest.fixture
def updated(cli: Cli, project: Path, tmp_path: Path) -> dict[str, Any]:
    """The state of the project once fully updated to v2 (on a copy)."""
    copy = tmp_path / "reference"
    shutil.copytree(project, copy, symlinks=True)
    assert cli("update", copy, "--to", "v2").code == 6
    result = state(copy)
    shutil.rmtree(copy)
    return result


def test_an_update_that_fails_at_any_step_leaves_the_project_as_it_was(
    project: Path, tmp_path: Path, updated: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rename, folder made or removed and staged write fails in turn (as a full disk, a
    read-only file or a vanished folder would): the project is exactly as it was each time,
    and once nothing fails it is exactly as a clean update leaves it."""
    original = state(project)
    real = {name: getattr(write, name) for name in ("rename_noreplace", "_stage")}
    path_ops = {name: getattr(Path, name) for name in ("rename", "mkdir", "rmdir")}
    for failing in range(1, 200):
        calls, active = 0, False

        def faulty(real_op: Any) -> Any:
            def op(*args: Any, **kwargs: Any) -> Any:
                nonlocal calls
                if active:  # noqa: B023 - read when called, as meant
                    calls += 1
                    if calls == failing:  # noqa: B023 - the attempt's own number
                        raise OSError(28, "No space left on device (injected)")
                return real_op(*args, **kwargs)

            return op

        def applying(*args: Any, **kwargs: Any) -> None:
            nonlocal active
            active = True  # only the update's own writes fail, not the renders before them
            try:
                write.apply_changes(*args, **kwargs)
            finally:
                active = False

        copy = tmp_path / f"attempt-{failing}"
        shutil.copytree(project, copy, symlinks=True)
        with monkeypatch.context() as patch:
            patch.setattr(lifecycle, "apply_changes", applying)
            for name, real_op in real.items():
                patch.setattr(write, name, faulty(real_op))
            for name, real_op in path_ops.items():
                patch.setattr(Path, name, faulty(real_op))
            failed = None
            try:
                update_project(copy, UpdateOptions(to="v2"))
            except ScaffoldError as exc:
                failed = exc.message
        if failed is not None:
            assert "nothing was changed" in failed, failed
            assert state(copy) == original, f"fault at step {failing} changed the project"
            assert not list(copy.glob(".scaffold-update.*")), "a staging folder was left"
            shutil.rmtree(copy)
            continue
        assert state(copy) == updated
        assert failing > 10, "the update made fewer steps than the test expects"
        return
    pytest.fail("every attempt failed")


def test_a_signal_at_any_moment_leaves_the_project_as_it_was_or_fully_updated(
    project: Path, tmp_path: Path, updated: dict[str, Any]
) -> None:
    original = state(project)
    argv = [sys.executable, "-m", "scaffold", "update", "--to", "v2", "-q"]
    began = time.monotonic()
    timing = tmp_path / "timing"
    shutil.copytree(project, timing, symlinks=True)
    subprocess.run([*argv, str(timing)], check=False, capture_output=True, timeout=120)
    full = time.monotonic() - began
    outcomes = set()
    # Later each time, from at once to past a whole run (measured, but a loaded machine is
    # slower): until the sweep has seen both sides of the moment the update is applied.
    for attempt in range(24):
        copy = tmp_path / f"signal-{attempt}"
        shutil.copytree(project, copy, symlinks=True)
        proc = subprocess.Popen(
            [*argv, str(copy)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(full * 0.15 * attempt)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        now = state(copy)
        assert now in (original, updated), f"attempt {attempt}: half an update ({proc.returncode})"
        assert b"Traceback" not in stderr
        assert not list(copy.glob(".scaffold-update.*"))
        outcomes.add("updated" if now == updated else "as it was")
        shutil.rmtree(copy)
        if len(outcomes) == 2 and attempt >= 8:
            break
    assert outcomes == {"updated", "as it was"}  # the sweep did reach both sides


def test_a_project_in_a_monorepo_folder_with_uncommitted_edits_is_not_updated(
    cli: Cli, template: Path, tmp_path: Path
) -> None:
    monorepo = tmp_path / "monorepo"
    project = monorepo / "services" / "svc"
    run_copy(str(template), project, data={}, vcs_ref="v1", defaults=True, quiet=True)
    (monorepo / "README.md").write_text("many services\n")
    git(monorepo, "init", "-q")
    commit(monorepo, "start")
    (project / "notes.txt").write_text("uncommitted\n")
    before = state(project)
    result = cli("update", project)
    assert result.code == 2, result
    assert "uncommitted changes" in result.stderr
    assert state(project) == before

    git(monorepo, "checkout", "--", ".")
    (monorepo / "README.md").write_text("an edit elsewhere in the monorepo counts not\n")
    assert cli("update", project).code == 0


@pytest.mark.usefixtures("warm_uv_cache")
def test_a_library_after_uv_add_has_not_drifted(cli: Cli, tmp_path: Path) -> None:
    """The lib template starts with `dependencies = []`: what the project adds is its own."""
    report = new_project(
        NewOptions(name="my-lib", template="lib", parent=tmp_path, python="3.11", offline=True)
    )
    assert report.post_steps_ok, [s.to_json() for s in report.steps]
    project = Path(report.path)
    added = runner.run(
        [runner.uv_binary(), "add", "--offline", "--no-sync", "packaging>=24,<27"],
        cwd=project,
        timeout=300,
    )
    assert added.ok, added.output
    result = cli("check", project, "--json")
    assert result.code == 0, result
    assert "pyproject.toml" in json.loads(result.stdout)["projects"][0]["in_step"]


def test_a_lock_that_fails_after_an_update_says_why(cli: Cli, tmp_path: Path) -> None:
    """The template adds a dependency and changes uv.toml where the project changed it too: the
    markers in uv.toml make uv lock fail, and the report carries uv's own line."""
    repo = tmp_path / "uv-template"
    pyproject = (
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = [{deps}]\n"
    )
    files = {
        **TEMPLATE_HEAD,
        "pyproject.toml": pyproject.format(deps=""),
        "uv.toml": "native-tls = false\n",
    }
    two_versions(
        repo,
        files,
        {
            "pyproject.toml": pyproject.format(deps='"packaging>=24,<27"'),
            "uv.toml": "native-tls = true\n",
        },
    )
    project = made_at_v1(
        repo,
        tmp_path / "svc",
        lambda made: (made / "uv.toml").write_text("native-tls = false  # ours\n"),
    )
    result = cli("update", project, "--json", env={"UV_OFFLINE": "1"})
    report = json.loads(result.stdout)
    assert [c.split(":")[0] for c in report["conflicts"]] == ["uv.toml"]
    assert report["locked"] is False
    assert "uv.toml" in report["lock_error"], report["lock_error"]
    assert result.code == 6, result  # conflicts first; the lock's failure is in the report


def test_the_templates_comments_in_pyproject_are_applied_or_listed(
    cli: Cli, tmp_path: Path
) -> None:
    """pyproject.toml merges as data, which has no comments: simple-modern-uv v0.4.0 added
    `exclude-newer` under a comment saying why, and renamed a section's comment; a project
    that had only run `uv add` got the key without the comment, and no conflict said so."""
    repo = tmp_path / "toml-template"
    v1 = (
        '[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = [\n]\n\n'
        '# ---- Settings ----\n\n[tool.uv]\nrequired-version = ">=0.9"\n\n'
        "[tool.ruff]\nline-length = 100\n"
    )
    v2 = v1.replace("# ---- Settings ----", "# ---- Tool Settings ----").replace(
        'required-version = ">=0.9"\n',
        'required-version = ">=0.9"\n# Why: a cool-off for new releases.\n'
        'exclude-newer = "14 days"\n',
    )
    files = {
        **TEMPLATE_HEAD,
        "pyproject.toml": v1,
    }
    two_versions(repo, files, {"pyproject.toml": v2})
    project = tmp_path / "svc"
    run_copy(str(repo), project, data={}, vcs_ref="v1", defaults=True, quiet=True)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[\n]", '[\n    "httpx>=0.27",\n]'))
    git(project, "init", "-q")
    commit(project, "made-then-uv-add")
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)

    result = cli("update", project, "--json")
    assert result.code == 0, result
    assert pyproject.read_text() == v2.replace("[\n]", '[\n    "httpx>=0.27",\n]')

    # Where the lines do not merge cleanly (the project changed the line next to the new
    # ones), the data merge's comments it cannot carry are a conflict that names them.
    ours = twin / "pyproject.toml"
    ours.write_text(ours.read_text().replace('">=0.9"', '">=0.10"'))
    git(twin, "commit", "-qam", "ours")
    result = cli("update", twin, "--json")
    assert result.code == 6, result
    [comments] = json.loads(result.stdout)["conflicts"]
    assert comments.startswith("pyproject.toml: comments: "), comments
    assert "# ---- Tool Settings ----" in comments
    assert "# Why: a cool-off for new releases." in comments
    assert 'exclude-newer = "14 days"' in ours.read_text()


# --- an update cut short once written, and the lock it leaves behind ----------------------

LOCKED_PYPROJECT = (
    '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    "dependencies = [{deps}]\n"
)


def locked_project(tmp_path: Path) -> Path:
    """A project made from v1 of a template and locked; v2 adds a dependency (so an update
    runs uv lock) and changes notes.txt where the project changed it too (a conflict)."""
    repo = tmp_path / "lock-template"
    files = {
        **TEMPLATE_HEAD,
        "pyproject.toml": LOCKED_PYPROJECT.format(deps=""),
        "notes.txt": "first\n",
    }
    two_versions(
        repo,
        files,
        {
            "pyproject.toml": LOCKED_PYPROJECT.format(deps='"packaging>=24,<27"'),
            "notes.txt": "first, as v2 has it\n",
        },
    )

    def edit(made: Path) -> None:
        (made / "notes.txt").write_text("first, as we have it\n")
        locked = runner.run([runner.uv_binary(), "lock", "--offline"], cwd=made, timeout=120)
        assert locked.ok, locked.output

    return made_at_v1(repo, tmp_path / "svc", edit)


@contextlib.contextmanager
def stalled_index() -> Iterator[tuple[str, threading.Event]]:
    """A package index that never answers: uv lock waits on it; the event is set once uv asks."""
    asked, release = threading.Event(), threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.set()
            release.wait(120)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/simple", asked
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def lock_in_step(project: Path) -> bool:
    return runner.run(
        [runner.uv_binary(), "lock", "--locked", "--offline"], cwd=project, timeout=120
    ).ok


@pytest.mark.usefixtures("warm_uv_cache")
@pytest.mark.parametrize(
    ("signum", "json_output"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGTERM", "SIGINT-json"],
)
def test_a_signal_while_uv_locks_says_what_was_written_and_a_rerun_locks(
    cli: Cli, tmp_path: Path, signum: int, json_output: bool
) -> None:
    """A real `scaffold update` child, and a real signal while its real uv lock waits on an
    index: the one line says the files were written (with the conflict) and the lock was not;
    then check calls the lock stale and a re-run locks it, never "nothing to change"."""
    project = locked_project(tmp_path)
    argv = [sys.executable, "-m", "scaffold", "update", str(project), "--to", "v2"]
    argv += ["--json"] if json_output else []
    with stalled_index() as (url, asked):
        env = {**os.environ, "UV_DEFAULT_INDEX": url, "UV_CACHE_DIR": str(tmp_path / "cold")}
        env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb")
        env.pop("UV_OFFLINE", None)
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            assert asked.wait(120), "uv lock never asked the index"
            proc.send_signal(signum)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == 128 + signum, (out, err)
    assert "Traceback" not in out + err
    line = (
        "interrupted while locking: the files were updated to v2 (1 conflict: notes.txt); "
        f"uv.lock was not updated; run 'uv lock' in {project}"
    )
    assert err.strip().splitlines() == [f"error: {line}"], err
    if json_output:
        report = json.loads(out)
        assert (report["ok"], report["exit_code"], report["error"]) == (False, 128 + signum, line)
        assert (report["written"], report["signal"], report["to"]) == (True, signum, "v2")
        assert (report["locked"], report["lock_error"]) == (False, "interrupted")
        assert [c.split(":")[0] for c in report["conflicts"]] == ["notes.txt"]
    else:
        assert "updated notes.txt (conflict)" in out, out
        assert "updated pyproject.toml (updated)" in out, out
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2"
    assert not lock_in_step(project)

    checked = cli("check", project, "--json", env={"UV_OFFLINE": "1"})
    assert checked.code == 1, checked
    assert json.loads(checked.stdout)["projects"][0]["lock"] == "stale"

    again = cli("update", project, "--allow-dirty", env={"UV_OFFLINE": "1"})
    assert again.code == 0, again
    assert "nothing to change" not in again.stdout
    assert "uv.lock was out of date with pyproject.toml: locked" in again.stdout, again
    assert lock_in_step(project)
    checked = cli("check", project, "--json", env={"UV_OFFLINE": "1"})
    assert json.loads(checked.stdout)["projects"][0]["lock"] == "in_step"


def test_a_signal_let_through_as_the_update_is_applied_says_the_lock_did_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renames run with signals held; one sent then lands as they are let through, with
    every file in place: the report says so, and that the lock did not run."""
    project = locked_project(tmp_path)
    real_swap = write._swap

    def swap_then_signal(*args: Any, **kwargs: Any) -> None:
        real_swap(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # held until the block ends

    ran: list[str] = []

    def recorded(argv: list[str], **kwargs: Any) -> runner.Completed:
        ran.append(Path(argv[0]).name)
        return runner._run(argv, **kwargs)

    monkeypatch.setattr(write, "_swap", swap_then_signal)
    runner.set_runner(recorded)
    saved = signal.signal(signal.SIGTERM, signals._handle)
    try:
        with pytest.raises(UpdateInterrupted) as raised:
            update_project(project, UpdateOptions(to="v2"))
    finally:
        runner.set_runner(None)
        signal.signal(signal.SIGTERM, saved)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signals.received = None
    report = raised.value.report
    assert (report.written, report.signal, report.exit_code) == (True, signal.SIGTERM, 143)
    assert (report.locked, report.lock_error) == (False, "interrupted before it ran")
    assert "uv" not in ran
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2"
