"""The wheel's history of built-in templates: one archive per earlier release, made from git."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from scaffold import __version__
from scaffold.create import history
from scaffold.create.templates import available, load_template_at
from scaffold.errors import UsageError

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import template_history  # noqa: E402


def test_every_archived_release_is_older_than_this_one_and_holds_every_template() -> None:
    versions = history.released()
    assert versions[-1] == __version__
    assert len(versions) >= 2, "the wheel carries no earlier release"
    for version in versions[:-1]:
        assert Version(version) < Version(__version__)
        root = history.templates_at(version)
        for name in available():
            template = load_template_at(root / name, name)
            assert "scaffold_version" in template.questions
            assert any(path.endswith("pyproject.toml.jinja") for path, _ in template.files())


def test_an_archive_is_the_tracked_templates_folder_byte_for_byte_and_the_same_each_time() -> None:
    first, second = template_history.archive("HEAD"), template_history.archive("HEAD")
    assert first == second
    tracked = template_history._git("ls-files", "-z", "templates").decode().split("\0")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = sorted(p.removeprefix("templates/") for p in tracked if p)
        assert sorted(archive.namelist()) == names
        for name in names:
            committed = template_history._git("show", f"HEAD:templates/{name}")
            assert archive.read(name) == committed, name


def test_an_unknown_older_release_is_refused_naming_it() -> None:
    with pytest.raises(UsageError, match=r"scaffold-proven 0\.0\.1 is not a release"):
        history.templates_at("0.0.1")
    with pytest.raises(UsageError, match="not a scaffold version"):
        history.templates_at("not-a-version")


def test_the_history_check_names_a_release_tag_without_its_archive(tmp_path: Path) -> None:
    """What the release workflow runs (.ci/release.sh history TAG): a tag whose templates are
    not in the history fails it, naming the command that adds them."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)  # noqa: S607
    for tag in ("v0.1.0", "v0.0.5", f"v{__version__}"):
        subprocess.run(["git", "-C", str(repo), "tag", "-f", tag], check=True)  # noqa: S607
    script = [sys.executable, str(repo / "scripts" / "template_history.py"), "check"]
    done = subprocess.run(
        [*script, "--except", f"v{__version__}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stdout.strip() == ("missing: v0.0.5: run scripts/template_history.py add 0.0.5")
    subprocess.run(["git", "-C", str(repo), "tag", "-d", "v0.0.5"], check=True, capture_output=True)  # noqa: S607
    done = subprocess.run(
        [*script, "--except", f"v{__version__}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout
