"""Time `scaffold new` against its peers, side by side, on this machine.

    uv run --group bench python bench/bench.py [--runs 15]

Each tool creates one comparable service project into a fresh folder, many times, in turns, so a
noisy neighbour slows all of them alike. Prints the median wall time, the peak memory (max RSS)
and the ratio to scaffold. Bytecode caching is allowed for every tool (warm-up runs write it),
as on a normal machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATE = ROOT / "templates" / "service"

COOKIECUTTER_FILES = {
    "cookiecutter.json": '{"project_name": "my-api", "package_name": "my_api"}\n',
    "{{cookiecutter.project_name}}/pyproject.toml": (
        '[project]\nname = "{{cookiecutter.project_name}}"\nversion = "0.1.0"\n'
        'dependencies = ["fastapi>=0.115,<1", "uvicorn>=0.32,<1"]\n'
    ),
    "{{cookiecutter.project_name}}/README.md": "# {{cookiecutter.project_name}}\n",
    "{{cookiecutter.project_name}}/.python-version": "3.11\n",
    "{{cookiecutter.project_name}}/.gitignore": ".venv/\n",
    "{{cookiecutter.project_name}}/.dockerignore": ".venv/\n",
    "{{cookiecutter.project_name}}/Dockerfile": "FROM python:3.11-slim\n",
    "{{cookiecutter.project_name}}/src/{{cookiecutter.package_name}}/__init__.py": "",
    "{{cookiecutter.project_name}}/src/{{cookiecutter.package_name}}/main.py": "app = None\n",
    "{{cookiecutter.project_name}}/src/{{cookiecutter.package_name}}/py.typed": "",
    "{{cookiecutter.project_name}}/tests/test_main.py": "def test_ok() -> None:\n    pass\n",
}


def write_cookiecutter_template(where: Path) -> Path:
    for rel, text in COOKIECUTTER_FILES.items():
        path = where / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return where


def commands(cookie: Path) -> dict[str, Callable[[Path], list[str]]]:
    uv = shutil.which("uv", path=str(BIN)) or shutil.which("uv") or "uv"
    uv_init = [uv, "init", "--app", "--package", "--vcs", "none", "--no-workspace"]
    return {
        "scaffold new --no-lock --no-git --no-validate": lambda out: [
            str(BIN / "scaffold"),
            "new",
            "my-api",
            "--path",
            str(out),
            "--python",
            "3.11",
            "--no-lock",
            "--no-git",
            "--no-validate",
        ],
        "uv init --app --package": lambda out: [*uv_init, str(out / "my-api")],
        "uv init --app --package --python PATH": lambda out: [
            *uv_init,
            "--python",
            sys.executable,
            str(out / "my-api"),
        ],
        "cookiecutter (11 files)": lambda out: [
            str(BIN / "cookiecutter"),
            "--no-input",
            "-o",
            str(out),
            str(cookie),
        ],
        "copier copy (service template)": lambda out: [
            str(BIN / "copier"),
            "copy",
            "--defaults",
            "--quiet",
            "--trust",
            "-d",
            "project_name=my-api",
            "-d",
            "python_version=3.11",
            str(TEMPLATE),
            str(out / "my-api"),
        ],
    }


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}):\n{err}")
    if proc.stderr:
        proc.stderr.close()
    return elapsed, usage.ru_maxrss  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as tmp:
        base = Path(tmp)
        tools = commands(write_cookiecutter_template(base / "cookie"))
        times: dict[str, list[float]] = {name: [] for name in tools}
        memory: dict[str, list[int]] = {name: [] for name in tools}
        counter = 0
        for round_no in range(args.runs + 2):  # two warm-up rounds, not counted
            for name, make in tools.items():
                counter += 1
                out = base / f"out{counter}"
                out.mkdir()
                elapsed, rss = run_once(make(out), env)
                if round_no >= 2:
                    times[name].append(elapsed)
                    memory[name].append(rss)
                shutil.rmtree(out)
    reference = statistics.median(times[next(iter(tools))])
    print(f"{'command':<48} {'median':>8} {'min':>8} {'max RSS':>9} {'vs scaffold':>12}")
    for name in tools:
        median = statistics.median(times[name])
        print(
            f"{name:<48} {median:7.3f}s {min(times[name]):7.3f}s "
            f"{max(memory[name]) / 1024:7.1f}MB {median / reference:11.2f}x"
        )
    print(f"({args.runs} runs each, interleaved; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
