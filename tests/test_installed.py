"""Which modules an environment's distributions install, and which of the project's they take."""

from __future__ import annotations

from pathlib import Path

from scaffold.tools.installed import clashes, project_modules


def install(environment: Path, dist: str, *files: str, top_level: str | None = None) -> None:
    """A distribution as an installer leaves it: its files and a dist-info with a RECORD."""
    site = environment / "lib" / "python3.11" / "site-packages"
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    records = [*files, f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    for rel in files:
        path = site / rel.split(",")[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    if top_level is not None:
        (info / "top_level.txt").write_text(top_level)
        records.append(f"{info.name}/top_level.txt,,")
    (info / "RECORD").write_text("\n".join(r if "," in r else f"{r},," for r in records) + "\n")


def package(root: Path, name: str, init: str = "") -> None:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text(init)


def test_a_module_named_unlike_its_distribution_is_found(tmp_path: Path) -> None:
    env = tmp_path / "venv"
    install(env, "PyYAML", "yaml/__init__.py", "_yaml/__init__.py")
    install(env, "attrs", "attr/__init__.py", "attrs/__init__.py", top_level="attr\nattrs\n")
    install(env, "six", "six.py")
    install(env, "broken-wheel", "tests/__init__.py", "docs/conf.py")  # shipped by mistake

    found = clashes(["yaml", "attr", "six", "tests", "docs", "mine"], env, ["my-project"])

    assert [(c.module, c.distribution) for c in found] == [
        ("attr", "attrs"),
        ("six", "six"),
        ("yaml", "pyyaml"),
    ]


def test_the_project_itself_and_its_workspace_members_are_not_dependencies(
    tmp_path: Path,
) -> None:
    env = tmp_path / "venv"
    install(env, "my_project", "my_project/__init__.py")
    install(env, "my-member", "my_member/__init__.py")

    assert clashes(["my_project", "my_member"], env, ["My.Project", "my-member"]) == []


def test_no_environment_no_clash(tmp_path: Path) -> None:
    assert clashes(["yaml"], tmp_path / "nowhere", []) == []


def test_the_modules_of_a_src_layout(tmp_path: Path) -> None:
    src = tmp_path / "src"
    package(src, "my_api")
    package(src, "yaml")
    (src / "helpers.py").write_text("")
    (src / "conftest.py").write_text("")
    (src / "acme").mkdir()  # a namespace package (PEP 420): shared by design
    package(src, "zope", "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n")
    (src / "data").mkdir()

    assert project_modules(tmp_path, "my-api") == {"my_api", "yaml", "helpers"}


def test_the_module_of_a_flat_layout_is_named_after_the_distribution(tmp_path: Path) -> None:
    package(tmp_path, "my_tool")
    package(tmp_path, "tests")

    assert project_modules(tmp_path, "My.Tool") == {"my_tool"}
    assert project_modules(tmp_path / "tests", "other") == set()
