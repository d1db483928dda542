"""Image sizes of generated services: scaffold's multi-stage build vs a single-stage one.

    uv run python bench/image_sizes.py

Builds two services (FastAPI alone, and with numpy + psycopg2) with the base and uv images
from scaffold's configuration (see README), each twice: with the generated Dockerfile, and
with bench/single-stage.Dockerfile, which keeps the compilers and uv. Prints the sizes next to
the base image's. Removes what it built.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from scaffold import runner
from scaffold.docker import BuildSettings, Docker
from scaffold.generate import NewOptions, new_project

HERE = Path(__file__).resolve().parent
SERVICES = {"service": (), "service + numpy + psycopg2": ("numpy>=1.24,<2", "psycopg2>=2.9,<3")}


def size_mb(docker: Docker, image: str) -> float:
    size = docker.inspect(image, "{{.Size}}")
    return int(size or 0) / 1e6


def main() -> None:
    binary = runner.docker_binary()
    if binary is None:
        raise SystemExit("no docker client: run .ci/docker-env.sh")
    docker = Docker(binary)
    problem = docker.daemon_problem()
    if problem:
        raise SystemExit(problem)
    settings = BuildSettings.resolve(None, None, None)
    base = settings.python_image or "python:3.11-slim-bookworm"
    built: list[str] = []
    rows = []
    with tempfile.TemporaryDirectory(prefix="scaffold-sizes-") as tmp:
        try:
            for label, deps in SERVICES.items():
                report = new_project(
                    NewOptions(
                        name="size-check",
                        parent=Path(tmp) / str(len(rows)),
                        python="3.11",
                        deps=deps,
                        git=False,
                    )
                )
                if not report.post_steps_ok:
                    raise SystemExit(f"uv lock failed: {report.steps}")
                root = Path(report.path)
                token = secrets.token_hex(3)
                multi = f"scaffold-bench/multi:{token}"
                built.append(multi)
                done = docker.build(root, multi, settings, timeout=900)
                if not done.ok:
                    raise SystemExit(done.tail(30))
                shutil.copy(HERE / "single-stage.Dockerfile", root / "Dockerfile.single")
                answers = (root / ".copier-answers.yml").read_text()
                single = f"scaffold-bench/single:{token}"
                built.append(single)
                done = docker.build(
                    root,
                    single,
                    settings,
                    timeout=900,
                    dockerfile="Dockerfile.single",
                    build_args={"APT_PACKAGES": " ".join(_apt_build(answers))},
                )
                if not done.ok:
                    raise SystemExit(done.tail(30))
                rows.append((label, size_mb(docker, multi), size_mb(docker, single)))
        finally:
            for image in built:
                docker.remove_image(image)
    base_mb = size_mb(docker, base)
    print(f"base image {base}: {base_mb:.0f} MB")
    print(
        f"{'project':<30} {'multi-stage':>12} {'single-stage':>13} {'saved':>7} {'over base':>10}"
    )
    for label, multi_mb, single_mb in rows:
        print(
            f"{label:<30} {multi_mb:10.0f}MB {single_mb:11.0f}MB "
            f"{1 - multi_mb / single_mb:6.0%} {multi_mb - base_mb:8.0f}MB"
        )


def _apt_build(answers: str) -> list[str]:
    """The builder's Debian packages, from the answers file (the single stage keeps them)."""
    import yaml  # noqa: PLC0415

    return list(yaml.safe_load(answers).get("apt_build") or [])


if __name__ == "__main__":
    main()
