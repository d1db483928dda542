"""Run inside a runtime image by ``scaffold validate``: import what the image ships.

argv[1] is a JSON list of distribution names (the lock's runtime closure). For each, the
installed distribution's metadata names its top-level modules, and each is imported. One JSON
object goes to stdout. Standard library only: the image has nothing else to offer.
:func:`top_level` also serves scaffold itself (:mod:`scaffold.installed`), on the host.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import platform
import sys


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


def main() -> None:
    names = json.loads(sys.argv[1])
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "packages": [probe(name) for name in names],
    }
    sys.stdout.write("SCAFFOLD-PROBE " + json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
