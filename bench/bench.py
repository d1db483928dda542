"""Benchmark scaffold against its peers, side by side, on this machine (issue 11).

    uv run --group bench python bench/bench.py --all [--runs N] [--markdown]
    uv run --group bench python bench/bench.py --section render --section help --runs 5
    uv run --group bench python bench/bench.py --from-json bench-results/latest.json --markdown

Sections (``--section``, repeatable; ``--all`` or none given: every one):

- ``render``: ``scaffold new --no-lock --no-git --no-validate`` against ``copier copy`` of the
  same template, cookiecutter with a template made from scaffold's own output, ``uv init``, and
  and the floor under it, layer by layer: the interpreter, Jinja, typer, PyYAML, rich and
  scaffold's own command line, each imported alone (cumulative rows: a profile of the imports);
- ``proven``: ``scaffold new my-api`` with full validation, warm (caches hot) and cold (an empty
  uv cache, ``--isolated`` builds), each against ``--jobs 1``, every step's time from ``--json``,
  and ``scaffold validate`` alone on the fresh project. Warm runs make byte-identical projects,
  so their image build is a layer-cache hit, as a second run on a user's machine would be;
- ``rebuild``: ``docker build`` after an edit of ``main.py`` against a build without the layer
  cache, with the proof that the dependency layer was ``CACHED`` and uv installed only the project;
- ``images``: runtime image size over the base image, multi-stage against
  ``bench/single-stage.Dockerfile``, and the compilers and headers in each image;
- ``help``: ``scaffold --help`` against ``python -c pass``.

Commands that are compared run in turns, so a noisy neighbour slows all of them alike; the first
round is a warm-up and not counted. Prints the tables and writes every figure with its samples to
``bench-results/latest.json``. Everything built or created is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from report import STEPS_GROUP, Figure, Results, Section, Target, markdown, text_tables

from scaffold import __version__
from scaffold.tools import runner
from scaffold.tools.docker import BuildSettings, Docker
from scaffold.validate.project import load_project
from scaffold.validate.validation import environment_for

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
BIN = Path(sys.executable).parent
SCAFFOLD = str(BIN / "scaffold")
TEMPLATE = ROOT / "templates" / "service"
RESULTS = ROOT / "bench-results" / "latest.json"
SECTIONS = ("render", "proven", "rebuild", "images", "help")
DEFAULT_RUNS = {"render": 15, "proven": 3, "rebuild": 5, "images": 1, "help": 15}
NEW_ARGS = ("--python", "3.11", "--no-input")
RENDER_ONLY = ("--no-lock", "--no-git", "--no-validate")
IMAGE_PROJECTS = {
    "service": (),
    "service + numpy + psycopg2": ("numpy>=1.24,<3", "psycopg2>=2.9,<3"),
}
BUILD_TIMEOUT = 1200.0


# --- running commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    seconds: float
    stdout: str


def base_env() -> dict[str, str]:
    """Bytecode caching allowed (as on a normal machine), no colours, no CI-driven defaults."""
    skip = {"PYTHONDONTWRITEBYTECODE", "CI"}
    env = {key: value for key, value in os.environ.items() if key not in skip}
    env["NO_COLOR"] = "1"
    return env


def timed(argv: Sequence[str], env: dict[str, str] | None = None) -> Timed:
    """Wall time of one whole command; its stdout kept (a file, never a full pipe)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        code = subprocess.call(list(argv), stdout=out, stderr=err, env=env or base_env())
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{err.read()[-3000:]}")
        return Timed(seconds, out.read())


def in_turns(
    names: Sequence[str], runs: int, once: Callable[[str, int], float], warmup: int = 1
) -> dict[str, list[float]]:
    """``once(name, round)`` for every name in turn, ``warmup + runs`` rounds; warm-ups dropped."""
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(warmup + runs):
        for name in names:
            seconds = once(name, round_no)
            if round_no >= warmup:
                samples[name].append(seconds)
    return samples


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"scaffold-bench-{prefix}-") as tmp:
        yield Path(tmp)


def fresh_dir(base: Path) -> Path:
    path = base / secrets.token_hex(4)
    path.mkdir()
    return path


def forget_project(root: Path) -> None:
    """Remove the project and the environment validation installed for it (outside it)."""
    if (root / "pyproject.toml").is_file():
        shutil.rmtree(environment_for(load_project(root)), ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)


# --- the machine ------------------------------------------------------------------------------


def machine(docker: Docker | None) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    server = docker.command("version", "--format", "{{.Server.Version}}") if docker else None
    commit = subprocess.run(
        [shutil.which("git") or "/usr/bin/git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "kernel": platform.release(),
        "docker": server.output.strip() if server and server.ok else "none",
        "python": platform.python_version(),
        "scaffold": commit or "unknown",
    }


def docker_or_none() -> Docker | None:
    binary = runner.docker_binary()
    if binary is None:
        return None
    docker = Docker(binary)
    return None if docker.daemon_problem() else docker


# --- 1. render --------------------------------------------------------------------------------


def cookiecutter_template(rendered: Path, where: Path) -> int:
    """A cookiecutter template whose output is scaffold's: its files, the names as variables."""
    names = {"my-api": "{{cookiecutter.project_name}}", "my_api": "{{cookiecutter.package_name}}"}

    def variables(text: str) -> str:
        for literal, variable in names.items():
            text = text.replace(literal, variable)
        return text

    files = [path for path in rendered.rglob("*") if path.is_file()]
    for path in files:
        target = where / variables(str(Path("my-api") / path.relative_to(rendered)))
        target.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text("utf-8")
        # GitHub's ${{ }} expressions (the workflows) are not cookiecutter's: keep such a file
        # verbatim; its names are the fixed ones every run uses anyway.
        body = "{% raw %}" + text + "{% endraw %}" if "${{" in text else variables(text)
        target.write_text(body, "utf-8")
    (where / "cookiecutter.json").write_text(
        json.dumps({"project_name": "my-api", "package_name": "my_api"})
    )
    return len(files)


def scaffold_new(out: Path, *options: str) -> list[str]:
    """``scaffold new my-api`` into ``out`` for Python 3.11, never asking."""
    return [SCAFFOLD, "new", "my-api", "--path", str(out), *NEW_ARGS, *options]


def scaffold_render(out: Path) -> list[str]:
    return scaffold_new(out, *RENDER_ONLY)


# The floor under any render through scaffold's CLI, layer by layer: the interpreter, then
# what a render cannot do without (Jinja's sandbox, the CLI's parser, PyYAML for copier.yml),
# then the output (rich) and scaffold's own command line, each imported and nothing run. The
# rows are cumulative, so each one's growth over the last is that layer's cost.
FLOOR = (
    ("nothing (python starts)", ()),
    ("jinja2", ("jinja2.sandbox",)),
    ("jinja2, typer", ("jinja2.sandbox", "typer.main")),
    ("typer, jinja2, yaml", ("typer.main", "jinja2.sandbox", "yaml")),
    ("... and rich", ("typer.main", "jinja2.sandbox", "yaml", "rich.console", "rich.live")),
    ("scaffold's CLI and output", ("scaffold.cli", "scaffold.ui", "jinja2.sandbox", "yaml")),
)


def _importing(modules: tuple[str, ...]) -> Callable[[Path], list[str]]:
    code = f"import {', '.join(modules)}" if modules else "pass"
    return lambda _out: [sys.executable, "-c", code]


def render_commands(cookie: Path, files: int) -> dict[str, Callable[[Path], list[str]]]:
    uv = shutil.which("uv", path=str(BIN)) or "uv"
    uv_init = [uv, "init", "--app", "--package", "--vcs", "none", "--no-workspace"]
    return {
        "scaffold new --no-lock --no-git --no-validate": scaffold_render,
        "copier copy (same template)": lambda out: [
            str(BIN / "copier"),
            "copy",
            "--defaults",
            "--quiet",
            "--trust",
            "-d",
            "project_name=my-api",
            "-d",
            "python_version=3.11",
            "-d",
            f"scaffold_version={__version__}",  # scaffold fills it in; copier must be told
            str(TEMPLATE),
            str(out / "my-api"),
        ],
        f"cookiecutter ({files} files, same output)": lambda out: [
            str(BIN / "cookiecutter"),
            "--no-input",
            "-o",
            str(out),
            str(cookie),
        ],
        **{f"imports alone: {name}": _importing(modules) for name, modules in FLOOR},
        "uv init --app --package": lambda out: [*uv_init, str(out / "my-api")],
        "uv init --app --package --python PATH": lambda out: [
            *uv_init,
            "--python",
            sys.executable,
            str(out / "my-api"),
        ],
    }


def render_section(runs: int) -> Section:
    section = Section("render", "Render a project", runs)
    with scratch("render") as base:
        rendered = fresh_dir(base)
        timed(scaffold_render(rendered))
        files = cookiecutter_template(rendered / "my-api", base / "cookie")
        commands = render_commands(base / "cookie", files)

        def once(name: str, _round: int) -> float:
            out = fresh_dir(base)
            seconds = timed(commands[name](out)).seconds
            shutil.rmtree(out)
            return seconds

        samples = in_turns(list(commands), runs, once, warmup=2)
    copier = "copier copy (same template)"
    for name, values in samples.items():
        section.figures.append(Figure(name, values, peer=None if name == copier else copier))
    scaffold = section.figures[0]
    section.targets.append(Target("scaffold / copier", section.ratio(scaffold) or 0, 0.2, "x"))
    return section


# --- 2. time to a proven project --------------------------------------------------------------

# warm: the second run and later, every cache hot; cold: an empty uv cache, --isolated builds
WARM, WARM_1 = "new warm", "new warm --jobs 1"
VALIDATE, VALIDATE_1 = "validate warm", "validate warm --jobs 1"
COLD, COLD_1 = "new cold", "new cold --jobs 1"
PROVEN_ORDER = (WARM, VALIDATE, VALIDATE_1, WARM_1, COLD, COLD_1)  # validate: on new warm's
PROVEN_SHOWN = (WARM, WARM_1, VALIDATE, VALIDATE_1, COLD, COLD_1)  # each beside its peer
PROVEN_PEERS = {WARM: WARM_1, VALIDATE: VALIDATE_1, COLD: COLD_1}


class ProvenRuns:
    """The runs of one section, in turns; ``validate`` runs on the project ``new warm`` made."""

    def __init__(self, base: Path, warmup: int) -> None:
        self.base = base
        self.warmup = warmup
        self.steps: dict[str, dict[str, list[float]]] = {}
        self.project: Path | None = None

    def once(self, name: str, round_no: int) -> float:
        counting = round_no >= self.warmup
        if name.startswith("new cold") and not counting:
            return 0.0  # a cold run warms nothing up
        jobs = ["--jobs", "1"] if name.endswith("--jobs 1") else []
        if name.startswith("validate"):
            if self.project is None:
                raise SystemExit("validate needs the project new warm made first")
            done = timed(
                [SCAFFOLD, "validate", str(self.project), "--shared-cache", "--json", *jobs]
            )
            self._record(name, json.loads(done.stdout), [], counting)
            return done.seconds
        return self._new(name, jobs, counting)

    def _new(self, name: str, jobs: list[str], counting: bool) -> float:
        self.forget()
        out = fresh_dir(self.base)
        env = base_env()
        cache = ["--shared-cache"]
        if name.startswith("new cold"):
            env["UV_CACHE_DIR"] = str(fresh_dir(self.base))
            cache = ["--isolated"]
        try:
            done = timed(scaffold_new(out, *cache, "--json", *jobs), env)
        finally:
            if "UV_CACHE_DIR" in env:
                shutil.rmtree(env["UV_CACHE_DIR"], ignore_errors=True)
        self.project = out / "my-api"
        report = json.loads(done.stdout)
        self._record(name, report["validation"], report["steps"], counting)
        return done.seconds

    def forget(self) -> None:
        if self.project is not None:
            forget_project(self.project)
            self.project.parent.rmdir()
            self.project = None

    def _record(
        self, name: str, validation: dict[str, Any], post: list[dict[str, Any]], counting: bool
    ) -> None:
        if validation["verdict"] != "passed":
            failed = [s for s in validation["steps"] if s["status"] != "ok"]
            raise SystemExit(f"{name}: validation {validation['verdict']}: {failed}")
        if not counting:
            return
        steps = self.steps.setdefault(name, {})
        labelled = [(f"new: {step['name']}", step) for step in post]
        labelled += [(step["name"], step) for step in validation["steps"]]
        for label, step in labelled:
            if step["status"] != "skipped":
                steps.setdefault(label, []).append(step["duration"])
        steps.setdefault("validation wall_time", []).append(validation["wall_time"])


def proven_section(runs: int) -> Section:
    section = Section("proven", "Time to a proven project", runs)
    with scratch("proven") as base:
        proven = ProvenRuns(base, warmup=1)
        try:
            samples = in_turns(PROVEN_ORDER, runs, proven.once, warmup=1)
        finally:
            proven.forget()
    for name in PROVEN_SHOWN:
        peer = PROVEN_PEERS.get(name)
        label = _proven_label(name)
        section.figures.append(Figure(label, samples[name], peer=peer and _proven_label(peer)))
    for name in PROVEN_SHOWN:
        for step, values in proven.steps.get(name, {}).items():
            peer = PROVEN_PEERS.get(name)
            has_peer = peer is not None and step in proven.steps.get(peer, {})
            figure = Figure(f"{name}: {step}", values, group=STEPS_GROUP)
            figure.peer = f"{peer}: {step}" if has_peer else None
            section.figures.append(figure)
    section.targets += [
        Target("scaffold validate, warm", statistics.median(samples[VALIDATE]), 3.5, strict=True),
        Target("scaffold new my-api, warm", statistics.median(samples[WARM]), 4.5, strict=True),
    ]
    return section


def _proven_label(name: str) -> str:
    """``new warm --jobs 1`` -> ``scaffold new my-api (warm --jobs 1)``."""
    command = "scaffold validate" if name.startswith("validate") else "scaffold new my-api"
    return f"{command} ({name.split(' ', 1)[1]})"


# --- 3. rebuild after a source edit -----------------------------------------------------------

REBUILD, FULL = "docker build after editing main.py", "docker build --no-cache"
DEPENDENCY_STEP = "--no-install-project"  # the generated Dockerfile's dependency layer
UV_WORK = re.compile(r"\b(Downloading|Downloaded|Installed|Prepared|Building|Built)\b")
INSTALLED = re.compile(r"^#\d+ [\d.]+\s+\+ (\S+)", re.MULTILINE)


def build_proof(output: str) -> dict[str, Any]:
    """From BuildKit's plain output: was the dependency layer CACHED, what did uv do in it, and
    which packages did uv install in the whole build."""
    vertices: dict[str, list[str]] = {}
    for line in output.splitlines():
        match = re.match(r"^#(\d+) ", line)
        if match:
            vertices.setdefault(match.group(1), []).append(line)
    dependency = next((lines for lines in vertices.values() if DEPENDENCY_STEP in lines[0]), [])
    return {
        "dependency_layer_cached": any(line.endswith(" CACHED") for line in dependency),
        "uv_lines_in_dependency_layer": [ln for ln in dependency[1:] if UV_WORK.search(ln)],
        "installed": sorted(set(INSTALLED.findall(output))),
    }


def rebuild_section(runs: int, docker: Docker) -> Section:
    section = Section("rebuild", "Rebuild after a source edit", runs)
    settings = BuildSettings.resolve(None, None, None)
    tag = f"scaffold-bench/rebuild:{secrets.token_hex(4)}"
    proofs: list[dict[str, Any]] = []
    with scratch("rebuild") as base:
        # validated once: the build cache holds every layer before the edit
        timed(scaffold_new(base, "--no-git", "--shared-cache", "--quiet"))
        project = base / "my-api"
        main = project / "src" / "my_api" / "main.py"

        def once(name: str, _round: int) -> float:
            if name == REBUILD:
                # never seen before: BuildKit must not find this source in any earlier build
                main.write_text(main.read_text() + f"# edit {secrets.token_hex(8)}\n")
            done = docker.build(project, tag, settings, BUILD_TIMEOUT, no_cache=name == FULL)
            if not done.ok:
                raise SystemExit(f"{name} failed:\n{done.tail(30)}")
            if name == REBUILD:  # the warm-up's too: the first rebuild after validation
                proofs.append(build_proof(done.output))
            return done.duration

        try:
            samples = in_turns((REBUILD, FULL), runs, once, warmup=1)
        finally:
            docker.remove_image(tag)
            forget_project(project)
    section.figures += [Figure(REBUILD, samples[REBUILD], peer=FULL), Figure(FULL, samples[FULL])]
    # one entry per rebuild, the first right after validation (the warm-up, not timed)
    section.facts = {
        "dependency layer CACHED, per rebuild": [p["dependency_layer_cached"] for p in proofs],
        "uv download/install lines in the dependency layer, per rebuild": [
            p["uv_lines_in_dependency_layer"] for p in proofs
        ],
        "packages uv installed, per rebuild": [p["installed"] for p in proofs],
    }
    section.targets.append(
        Target("rebuild after a source edit", statistics.median(samples[REBUILD]), 3.0, strict=True)
    )
    return section


# --- 4. images --------------------------------------------------------------------------------

TOOLCHAIN_PROBE = (
    "for c in gcc cc g++ c++ clang; do command -v $c || true; done; "
    "find /usr/include -name '*.h' 2>/dev/null | wc -l"
)


@dataclass(frozen=True)
class Toolchain:
    compilers: list[str]
    headers: int


def toolchain(docker: Docker, image: str) -> Toolchain:
    done = docker.command(
        "run",
        "--rm",
        "--user",
        "0",
        "--entrypoint",
        "sh",
        image,
        "-c",
        TOOLCHAIN_PROBE,
        timeout=120,
    )
    lines = done.output.split()
    if not done.ok or not lines or not lines[-1].isdigit():
        raise SystemExit(f"cannot look into {image}: {done.tail()}")
    return Toolchain(lines[:-1], int(lines[-1]))


def size_mb(docker: Docker, image: str) -> float:
    return int(docker.inspect(image, "{{.Size}}") or 0) / 1e6


def build_pair(docker: Docker, project: Path, settings: BuildSettings) -> tuple[str, str]:
    """The generated multi-stage image and the single-stage one of the same project."""
    token = secrets.token_hex(4)
    multi, single = f"scaffold-bench/multi:{token}", f"scaffold-bench/single:{token}"
    shutil.copy(HERE / "single-stage.Dockerfile", project / "Dockerfile.single")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    apt = " ".join(answers.get("apt_build") or [])  # the single stage keeps the compilers
    done = docker.build(project, multi, settings, BUILD_TIMEOUT)
    if done.ok:
        done = docker.build(
            project,
            single,
            settings,
            BUILD_TIMEOUT,
            dockerfile="Dockerfile.single",
            build_args={"APT_PACKAGES": apt},
        )
    if not done.ok:
        raise SystemExit(f"building {multi} / {single} failed:\n{done.tail(30)}")
    return multi, single


def images_section(docker: Docker) -> Section:
    section = Section("images", "Runtime images", 1)
    settings = BuildSettings.resolve(None, None, None)
    base_image = settings.python_image or "python:3.11-slim-bookworm"
    base_mb = size_mb(docker, base_image)
    base_tools = toolchain(docker, base_image)
    section.facts[f"base image {base_image}"] = {"MB": round(base_mb), **vars(base_tools)}
    built: list[str] = []
    with scratch("images") as base:
        try:
            for label, deps in IMAGE_PROJECTS.items():
                out = fresh_dir(base)
                dep_args = [arg for dep in deps for arg in ("--dep", dep)]
                timed(scaffold_new(out, "--no-git", "--no-validate", "--quiet", *dep_args))
                images = build_pair(docker, out / "my-api", settings)
                built += images
                _image_figures(section, docker, label, images, base_mb, base_tools)
                forget_project(out / "my-api")
        finally:
            for image in built:
                docker.remove_image(image)
    heavy = section.figure(f"{list(IMAGE_PROJECTS)[-1]}: multi stage, over base")
    ratio = section.ratio(heavy) or 0.0
    section.targets.append(
        Target("numpy+psycopg2 over base: multi / single stage", ratio, 1 / 3, "x")
    )
    return section


def _image_figures(
    section: Section,
    docker: Docker,
    label: str,
    images: tuple[str, str],
    base_mb: float,
    base_tools: Toolchain,
) -> None:
    multi, single = (f"{label}: {kind} stage, over base" for kind in ("multi", "single"))
    for name, image in zip((multi, single), images, strict=True):
        section.figures.append(
            Figure(
                name, [size_mb(docker, image) - base_mb], "MB", single if name == multi else None
            )
        )
        tools = toolchain(docker, image)
        section.facts[f"{name.rsplit(',', 1)[0]}: compilers and headers added to the base"] = {
            "compilers": [c for c in tools.compilers if c not in base_tools.compilers],
            "headers": tools.headers - base_tools.headers,
        }


# --- 5. --help --------------------------------------------------------------------------------


def help_section(runs: int) -> Section:
    section = Section("help", "Start-up", runs)
    commands = {
        "scaffold --help": [SCAFFOLD, "--help"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    samples = in_turns(list(commands), runs, lambda name, _: timed(commands[name]).seconds, 2)
    section.figures += [
        Figure("scaffold --help", samples["scaffold --help"], peer="python -c pass"),
        Figure("python -c pass", samples["python -c pass"]),
    ]
    return section


# --- the command ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join((__doc__ or "").splitlines()[1:]),
    )
    parser.add_argument("--all", action="store_true", help="every section (the default)")
    parser.add_argument("--section", action="append", choices=SECTIONS, default=[])
    parser.add_argument("--runs", type=int, help="counted runs per section (default: per section)")
    parser.add_argument("--quick", action="store_true", help="two runs: proves the script works")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    parser.add_argument("--markdown", action="store_true", help="also print the README table")
    parser.add_argument("--from-json", type=Path, help="print a saved run, measure nothing")
    return parser.parse_args(argv)


def measure(sections: Sequence[str], runs: dict[str, int], out: Path) -> Results:
    """Every chosen section; the JSON is rewritten after each, so a failure keeps the rest."""
    docker = docker_or_none()
    results = Results(machine(docker))
    needs_docker = {"proven", "rebuild", "images"}
    for key in sections:
        if key in needs_docker and docker is None:
            raise SystemExit(f"section {key} needs Docker: run .ci/docker-env.sh")
        print(f"measuring {key} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        if key == "render":
            results.sections.append(render_section(runs[key]))
        elif key == "proven":
            results.sections.append(proven_section(runs[key]))
        elif key == "rebuild" and docker is not None:
            results.sections.append(rebuild_section(runs[key], docker))
        elif key == "images" and docker is not None:
            results.sections.append(images_section(docker))
        elif key == "help":
            results.sections.append(help_section(runs[key]))
        print(f"  {key}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(results.to_json())
    return results


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.from_json:
        results = Results.from_dict(json.loads(args.from_json.read_text()))
    else:
        chosen = set(SECTIONS) if args.all else set(args.section)
        sections = [key for key in SECTIONS if key in chosen] or list(SECTIONS)
        count = 2 if args.quick else args.runs
        runs = {key: count or DEFAULT_RUNS[key] for key in sections}
        results = measure(sections, runs, args.json)
        print(f"wrote {args.json}", file=sys.stderr)
    print(text_tables(results))
    if args.markdown:
        print()
        print(markdown(results))


if __name__ == "__main__":
    main()
