"""The project's own code imported, every module of it: what a missing module means.

``import postmodern`` of a namespace package always works, so a wheel or an image that ships
the project is proven only when each of its modules imports. A module that is missing is then
one of three things: the project's own (the wheel left it out), one an optional extra brings
(fine without that extra), or a dependency the project never declared (the failure, naming the
distribution to declare when the environment validation synced knows which one provides it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from scaffold.tools.names import canonical


@dataclass(frozen=True)
class Declared:
    """What a project's pyproject.toml says it needs, and where to look up module owners."""

    dependencies: frozenset[str]  # canonical distribution names
    extras: Mapping[str, frozenset[str]]  # extra -> canonical distribution names
    providers: Mapping[str, str]  # top-level module -> the distribution that installs it

    @classmethod
    def of(
        cls, pyproject: Mapping[str, Any], environment: Path | None, own: Iterable[str]
    ) -> Declared:
        from scaffold.tools.installed import modules_of_dependencies  # noqa: PLC0415 - metadata

        project = pyproject.get("project") or {}
        optional = project.get("optional-dependencies") or {}
        extras = {
            str(extra): frozenset(_name(req) for req in reqs if isinstance(req, str))
            for extra, reqs in optional.items()
            if isinstance(reqs, list)
        }
        dependencies = frozenset(
            _name(req) for req in project.get("dependencies") or [] if isinstance(req, str)
        )
        providers = modules_of_dependencies(environment, own) if environment else {}
        return cls(dependencies, extras, providers)

    def provider(self, module: str) -> str:
        """The distribution that installs top-level ``module`` ("" when none is known)."""
        top = module.split(".", maxsplit=1)[0]
        if top in self.providers:
            return self.providers[top]
        guess = canonical(top)
        known = self.dependencies.union(*self.extras.values())
        return guess if guess in known else ""

    def extra_for(self, dist: str) -> str:
        return next((extra for extra, names in sorted(self.extras.items()) if dist in names), "")


def _name(requirement: str) -> str:
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415

    try:
        return canonical(Requirement(requirement).name)
    except InvalidRequirement:
        return canonical(requirement.split(";", maxsplit=1)[0].split("[", maxsplit=1)[0].strip())


# Tools that load a package's modules as their plugins: a module that needs one is imported
# only where it runs (a pytest plugin, a Sphinx extension, a setuptools or hatch hook).
_HOSTS = frozenset(
    {"pytest", "_pytest", "sphinx", "setuptools", "hatchling", "mypy", "IPython", "nox"}
)


@dataclass
class Findings:
    imported: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def judge(entry: Mapping[str, Any], declared: Declared, where: str) -> Findings:
    """What the probe's report of one own distribution (``import_probe.probe_own``) means;
    ``where`` says where it was imported ("in the image", "from the wheel alone")."""
    found = Findings()
    modules: Mapping[str, str] = entry.get("modules") or {}
    missing: Mapping[str, str] = entry.get("missing") or {}
    own_tops = {module.split(".")[0] for module in modules}
    reported: set[str] = set()
    for module, error in sorted(modules.items()):
        if not error:
            found.imported += 1
            continue
        absent = missing.get(module, "")
        if absent and absent in reported:
            continue  # a submodule of a package that failed for the same reason
        reported.add(absent)
        if not absent:
            if error.startswith(("ImportError", "OSError")):
                found.problems.append(f"import {module} failed {where}: {error}")
            else:
                found.notes.append(f"import {module} raised {error[:160]}")
            continue
        if absent.split(".")[0] in own_tops:
            found.problems.append(
                f"import {module} failed {where}: the project's module {absent} is missing "
                "(is it left out of the build?)"
            )
            continue
        top = absent.split(".", maxsplit=1)[0]
        if top in sys.stdlib_module_names:
            found.notes.append(f"{module} needs {top}, a standard module this Python lacks")
            continue
        if top in _HOSTS:
            # A plugin of the tool that loads it (a pytest plugin the package ships): it is
            # imported only where that tool runs.
            found.notes.append(f"{module} needs {top}: a plugin for it, loaded only under it?")
            continue
        dist = declared.provider(absent)
        extra = declared.extra_for(dist) if dist else ""
        if extra:
            found.notes.append(f"{module} needs {dist}, from the extra '{extra}'")
            continue
        declare = (
            f"declare {dist} in [project] dependencies"
            if dist
            else f"declare the distribution that provides '{absent.split('.')[0]}' in "
            "[project] dependencies"
        )
        found.problems.append(
            f"import {module} failed {where}: No module named '{absent}' ({declare})"
        )
    return found


def probe_script() -> str:
    """The import probe (:mod:`scaffold.data.import_probe`), run by another Python."""
    return (resources.files("scaffold") / "data" / "import_probe.py").read_text("utf-8")
