"""Run inside a runtime image by ``scaffold validate``: import what the image ships.

argv[1] is a JSON list of distribution names (the lock's runtime closure). For each, the
installed distribution's metadata names its top-level modules, and each is imported. argv[2],
when given, is a JSON object naming the project's own distributions, each with the top-level
names its source makes (for one that is not installed): every module of those is imported, not
only the top level (``import postmodern`` of a namespace package proves nothing). One JSON
object goes to stdout. Standard library only: the image has nothing else to offer.
:func:`top_level` also serves scaffold itself (:mod:`scaffold.tools.installed`), on the host.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import platform
import signal
import sys
from pathlib import Path

# Modules a distribution ships that importing would run or that are not its code's own.
_NOT_IMPORTED = frozenset({"__main__", "tests", "test", "conftest", "setup", "__pycache__"})


def top_level(dist: importlib.metadata.Distribution) -> list[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return sorted({line.strip() for line in text.splitlines() if line.strip()})
    names: set[str] = set()
    for item in dist.files or ():
        parts = item.parts
        if not parts or parts[0].endswith((".dist-info", ".data", ".egg-info")):
            continue
        if parts[0] in ("..", "__pycache__") or parts[0].startswith("."):
            continue
        if len(parts) == 1:
            name = parts[0]
            if name.endswith(".py"):
                names.add(name[:-3])
            elif name.endswith((".so", ".pyd")):
                names.add(name.split(".")[0])
        elif parts[0].isidentifier():
            names.add(parts[0])
    return sorted(names)


def probe(name: str) -> dict[str, object]:
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return {"name": name, "installed": False, "modules": {}}
    modules: dict[str, str] = {}
    for module in top_level(dist):
        if not module.isidentifier() or module.startswith("_distutils"):
            continue
        try:
            importlib.import_module(module)
        except BaseException as exc:
            modules[module] = f"{type(exc).__name__}: {exc}"
        else:
            modules[module] = ""
    return {"name": name, "installed": True, "version": dist.version, "modules": modules}


def _dotted(parts: tuple[str, ...]) -> str | None:
    """The module a file path under site-packages is, or None for what is not one."""
    if not parts or parts[0].endswith((".dist-info", ".data", ".egg-info")):
        return None
    last = parts[-1]
    if last.endswith(".py"):
        stem = last[:-3]
    elif last.endswith((".so", ".pyd")):
        stem = last.split(".")[0]
    else:
        return None
    names = [*parts[:-1]] if stem == "__init__" else [*parts[:-1], stem]
    if not names or any(not n.isidentifier() or n in _NOT_IMPORTED for n in names):
        return None
    return ".".join(names)


def _walk(package: str) -> list[str]:
    """Every module below an imported package's folders (namespace packages included)."""
    module = sys.modules.get(package)
    found = [package]
    for folder in getattr(module, "__path__", None) or ():
        for base, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d.isidentifier() and d not in _NOT_IMPORTED)
            prefix = Path(base).relative_to(folder).parts
            for name in sorted(files):
                dotted = _dotted((package, *prefix, name))
                if dotted:
                    found.append(dotted)
    return list(dict.fromkeys(found))


def own_modules(dist: importlib.metadata.Distribution | None, fallback: list[str]) -> list[str]:
    """Every module of one of the project's own distributions: from its RECORD, else (an
    editable install, or the source on the path without an install) walked from its top level."""
    found: list[str] = []
    for item in (dist.files or ()) if dist is not None else ():
        dotted = _dotted(tuple(item.parts))
        if dotted:
            found.append(dotted)
    if found and dist is not None and not any(str(f).endswith(".pth") for f in dist.files or ()):
        return sorted(set(found))
    tops = top_level(dist) if dist is not None else []
    modules: list[str] = []
    for top in [t for t in tops if t.isidentifier() and t not in _NOT_IMPORTED] or fallback:
        try:
            _import_timed(top)
        except BaseException:  # reported when it is imported again below
            modules.append(top)
            continue
        modules += _walk(top)
    return sorted(set(modules + found))


IMPORT_SECONDS = 20  # a module that runs a server at import never finishes importing


class ImportTimedOut(BaseException):
    """Raised by the alarm in a module whose import does not end."""


def _timed_out(signum: int, frame: object) -> None:
    raise ImportTimedOut(
        f"the import did not finish in {IMPORT_SECONDS} s (does it run at import?)"
    )


def _import_timed(module: str) -> None:
    previous = signal.signal(signal.SIGALRM, _timed_out)
    signal.alarm(IMPORT_SECONDS)
    try:
        importlib.import_module(module)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def probe_own(name: str, fallback: list[str]) -> dict[str, object]:
    """Import every module of one of the project's own distributions."""
    try:
        dist: importlib.metadata.Distribution | None = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    modules: dict[str, str] = {}
    missing: dict[str, str] = {}
    for module in own_modules(dist, fallback):
        try:
            _import_timed(module)
        except BaseException as exc:
            modules[module] = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, ModuleNotFoundError) and exc.name:
                missing[module] = exc.name
        else:
            modules[module] = ""
    installed = dist is not None or bool(modules and not all(modules.values()))
    return {"name": name, "installed": installed, "modules": modules, "missing": missing}


def main() -> None:
    names = json.loads(sys.argv[1])
    own = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "packages": [probe(name) for name in names if name not in own],
        "own": [probe_own(name, fallback) for name, fallback in own.items()],
    }
    sys.stdout.write("SCAFFOLD-PROBE " + json.dumps(report) + "\n")
    sys.stdout.flush()
    # A module may have started threads that never end (a server it runs at import).
    os._exit(0)


if __name__ == "__main__":
    main()
