"""The Docker adapter against a stand-in client binary: what it sends and how it reads answers.

The real engine is exercised in tests/docker; the fault here (moby/moby#41595) cannot be brought
about on purpose, so a client that answers the way Docker Engine 20.10 does stands in for it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from scaffold.tools.docker import LOST_LAYER, REBUILT_NOTE, BuildSettings, Docker
from scaffold.tools.system import load_system_mapping
from scaffold.validate.container import _build_failure

# What Docker 20.10 prints when every step is cached and the export finds a layer missing.
EXPORT_FAILURE = f"""#15 [runtime 4/4] WORKDIR /app
#15 CACHED

#16 exporting to image
#16 exporting layers done
#16 ERROR: {LOST_LAYER}
------
 > exporting to image:
------
{LOST_LAYER}
"""

CLIENT = """\
import json, sys
from pathlib import Path
here = Path(__file__).parent
with (here / "calls.jsonl").open("a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if "--no-cache" in sys.argv or (here / "healthy").exists():
    print("#16 exporting to image\\n#16 naming to docker.io/x done")
    sys.exit(0)
sys.stdout.write((here / "failure.txt").read_text())
sys.exit(1)
"""


def stand_in(tmp_path: Path, *, always_fails: bool = False) -> Docker:
    client = tmp_path / "docker"
    client.write_text(f"#!{sys.executable}\n{CLIENT}")
    client.chmod(0o755)
    (tmp_path / "failure.txt").write_text(EXPORT_FAILURE)
    if always_fails:  # even a build without the cache loses its layer
        client.write_text(client.read_text().replace('"--no-cache" in sys.argv or ', ""))
    return Docker(str(client))


def calls(tmp_path: Path) -> list[list[str]]:
    lines = (tmp_path / "calls.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_a_build_the_engine_cannot_export_from_its_cache_is_built_again_without_it(
    tmp_path: Path,
) -> None:
    docker = stand_in(tmp_path)

    done = docker.build(tmp_path, "x:1", BuildSettings(), timeout=60)

    assert done.ok
    first, second = calls(tmp_path)
    assert "--no-cache" not in first
    # The same build, from the same context (a path of its own, see Docker.build), uncached.
    assert second == [*first[:-1], "--no-cache", first[-1]]
    assert done.output.startswith(REBUILT_NOTE)


@pytest.mark.parametrize("no_cache", [False, True])
def test_other_outcomes_are_not_retried(tmp_path: Path, no_cache: bool) -> None:
    docker = stand_in(tmp_path)
    if not no_cache:
        (tmp_path / "failure.txt").write_text("#9 ERROR: process did not complete\n")

    done = docker.build(tmp_path, "x:1", BuildSettings(), timeout=60, no_cache=no_cache)

    assert done.ok is no_cache
    assert len(calls(tmp_path)) == 1


def test_a_healthy_build_runs_once(tmp_path: Path) -> None:
    docker = stand_in(tmp_path)
    (tmp_path / "healthy").touch()

    done = docker.build(tmp_path, "x:1", BuildSettings(), timeout=60)

    assert done.ok
    assert not done.output.startswith(REBUILT_NOTE)
    assert len(calls(tmp_path)) == 1


def test_a_lost_layer_that_persists_is_reported_as_the_engine_s_fault_with_the_fix(
    tmp_path: Path,
) -> None:
    docker = stand_in(tmp_path, always_fails=True)

    done = docker.build(tmp_path, "x:1", BuildSettings(), timeout=60)
    result = _build_failure(done, docker, load_system_mapping())

    assert not done.ok
    assert len(calls(tmp_path)) == 2
    assert "moby/moby#41595" in result.detail
    assert "not a fault of the project" in result.detail
    assert result.data["fix"] == ["docker builder prune, then validate again"]


def test_the_printed_docker_build_repeats_what_validation_built_with() -> None:
    from scaffold.tools.docker import BuildSettings, build_command  # noqa: PLC0415

    settings = BuildSettings("scaffold-local/python:3.11", "scaffold-local/uv:0.13.9", Path("/c a"))
    assert build_command(settings, "docker build -t my-api .") == (
        "DOCKER_BUILDKIT=1 docker build --build-arg PYTHON_IMAGE=scaffold-local/python:3.11 "
        "--build-arg UV_IMAGE=scaffold-local/uv:0.13.9 --secret 'id=ca-bundle,src=/c a' "
        "-t my-api ."
    )
    assert build_command(BuildSettings(), "docker build -t my-api .") == "docker build -t my-api ."
    assert build_command(settings, "uv run my-api --help") == "uv run my-api --help"
