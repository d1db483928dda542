"""The images the service template builds: they serve, run unprivileged, ship no compiler, keep
system libraries right, rebuild from cache after a source edit, and carry no host CA."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.tools.docker import Docker
from tests.conftest import LOCAL_PYTHON_IMAGE
from tests.docker.conftest import (
    SERVICE_PORT,
    TOKEN,
    Measure,
    ServiceImage,
    build_or_fail,
    run_in_image,
)

pytestmark = pytest.mark.docker

SERVICE_NAMES = ("plain", "sysdeps")
HOST_LOCAL_CAS = Path("/usr/local/share/ca-certificates")
PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


def http_get(url: str) -> tuple[int, str]:
    # No proxy: the container is on this machine, whatever http_proxy says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return int(response.status), response.read().decode("utf-8", "replace")


# --- 1. both services answer /health ------------------------------------------------------


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_service_answers_health(docker_services, service: str) -> None:
    port = docker_services.port_for(service, SERVICE_PORT)
    url = f"http://127.0.0.1:{port}/health"

    def answers() -> bool:
        try:
            return http_get(url)[0] == 200
        except (urllib.error.URLError, OSError):
            return False

    docker_services.wait_until_responsive(check=answers, timeout=60, pause=0.5)
    status, body = http_get(url)
    assert status == 200
    assert json.loads(body) == {"status": "ok"}


# --- 2. the running container is not root -------------------------------------------------


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_running_container_is_not_root(
    docker: Docker, compose_container: Callable[[str], str], service: str
) -> None:
    done = docker.exec(compose_container(service), "id", "-u")
    assert done.ok, done.output
    uid = done.output.strip()
    assert uid.isdigit(), uid
    assert uid != "0"


# --- 3. no compiler in the runtime image --------------------------------------------------


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_runtime_image_has_no_compiler(
    docker: Docker, service_images: dict[str, ServiceImage], service: str
) -> None:
    image = service_images[service].tag
    # `command -v` prints the path of a name it finds and nothing otherwise (dash's takes one
    # name per call, hence the loop).
    probe = 'for name in {names}; do command -v "$name"; done; true'
    done = run_in_image(
        docker,
        image,
        "sh",
        "-c",
        probe.format(names="gcc cc c++ g++ clang"),
    )
    assert done.ok, done.output
    assert done.output.strip() == "", f"compilers on PATH in {image}:\n{done.output}"
    # The probe does print what exists.
    control = run_in_image(
        docker,
        image,
        "sh",
        "-c",
        probe.format(names="sh python"),
    )
    assert len(control.output.split()) == 2, control.output


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_runtime_image_carries_no_build_leftovers(
    docker: Docker, service_images: dict[str, ServiceImage], service: str
) -> None:
    """No uv, no uv cache, no apt lists or downloaded packages, no project sources or tests."""
    image = service_images[service].tag
    probe = (
        "for name in uv uvx; do command -v $name; done; "
        "ls -A /root/.cache /var/lib/apt/lists /var/cache/apt/archives 2>/dev/null "
        "| grep -v -e '^partial$' -e '^lock$' -e ':$' -e '^$'; "
        "ls -A /app; true"
    )
    done = run_in_image(docker, image, "sh", "-c", probe, user="0")
    assert done.ok, done.output
    assert done.output.split() == [".venv"], f"leftovers in {image}:\n{done.output}"


# --- 4. system libraries: runtime yes, headers no -----------------------------------------


def test_sysdeps_image_imports_and_keeps_only_runtime_libraries(
    docker: Docker, service_images: dict[str, ServiceImage]
) -> None:
    image = service_images["sysdeps"].tag
    done = run_in_image(
        docker,
        image,
        "python",
        "-c",
        "import numpy, psycopg2; print(numpy.__version__); print(psycopg2.__version__)",
    )
    assert done.ok, done.output
    numpy_version, psycopg2_version = done.output.strip().splitlines()[-2:]
    assert numpy_version.startswith("1."), done.output
    assert psycopg2_version.startswith("2."), done.output

    def dpkg_status(package: str) -> str:
        query = run_in_image(
            docker,
            image,
            "dpkg-query",
            "--show",
            "--showformat=${Status}",
            package,
        )
        return query.output.strip() if query.ok else f"not installed ({query.output.strip()})"

    assert dpkg_status("libpq5") == "install ok installed"
    assert dpkg_status("libpq-dev") != "install ok installed"
    assert dpkg_status("gcc") != "install ok installed"


# --- 5. a source-only edit reuses the dependency layer ------------------------------------


def buildkit_steps(output: str) -> dict[str, set[str]]:
    """BuildKit plain progress -> {step title: {states}}, e.g. ``{'[builder 4/6] RUN ...':
    {'CACHED'}}``. Lines of one step share its ``#N`` prefix and may interleave with others."""
    titles: dict[str, str] = {}
    states: dict[str, set[str]] = {}
    for line in output.splitlines():
        match = re.match(r"^#(\d+) (.*)$", line.rstrip())
        if not match:
            continue
        step, rest = match.groups()
        if step not in titles:
            titles[step] = rest
            states[step] = set()
        elif rest == "CACHED" or rest.startswith("DONE") or rest.startswith("ERROR"):
            states[step].add(rest.split()[0])
    return {titles[step]: states[step] for step in titles}


def the_step(steps: dict[str, set[str]], pattern: str) -> tuple[str, set[str]]:
    found = [(title, state) for title, state in steps.items() if re.search(pattern, title)]
    assert len(found) == 1, f"expected one step matching {pattern!r}, got {found}"
    return found[0]


def test_source_only_rebuild_reuses_dependency_layer(
    docker: Docker,
    service_images: dict[str, ServiceImage],
    ca_bundle: Path | None,
    made_images: list[str],
    tmp_path: Path,
    measure: Measure,
) -> None:
    plain = service_images["plain"]
    project = tmp_path / plain.project.name
    shutil.copytree(plain.project, project)
    main = project / "src" / plain.package / "main.py"
    # A new route with a value no earlier run used: BuildKit's cache outlives the session, and
    # an edit it has seen before would come back CACHED.
    edit = f"{TOKEN}-{time.time_ns()}"
    main.write_text(
        main.read_text()
        + '\n\n@app.get("/version")\ndef version() -> dict[str, str]:\n'
        + f'    return {{"version": "{edit}"}}\n'
    )
    tag = f"scaffold-test/plain-edited:{TOKEN}"
    made_images.append(tag)
    try:
        done = build_or_fail(docker, project, tag, ca_bundle)
    finally:
        docker.remove_image(tag)
    measure("build time plain after a source-only edit", f"{done.duration:.1f} s")
    steps = buildkit_steps(done.output)
    deps_title, deps_state = the_step(
        steps, r"^\[builder \d+/\d+\] RUN .*uv sync --locked --no-install-project"
    )
    assert deps_state == {"CACHED"}, f"{deps_title}: {deps_state}\n{done.output}"
    copy_title, copy_state = the_step(steps, r"^\[builder \d+/\d+\] COPY \. /app$")
    assert copy_state == {"DONE"}, f"{copy_title}: {copy_state}\n{done.output}"
    project_title, project_state = the_step(
        steps, r"^\[builder \d+/\d+\] RUN .*uv sync --locked --no-dev --no-editable$"
    )
    assert project_state == {"DONE"}, f"{project_title}: {project_state}\n{done.output}"


def test_buildkit_steps_parser() -> None:
    output = (
        "#9 [builder 4/6] RUN --mount=type=cache uv sync --locked --no-install-project\n"
        "#10 [builder 5/6] COPY . /app\n"
        "#9 sha256:9d3f\n"
        "#9 CACHED\n"
        "#10 0.1 copying\n"
        "#10 DONE 0.0s\n"
        "#11 [runtime 2/4] RUN exit 3\n"
        "#11 ERROR: executor failed running [/bin/sh -c exit 3]: exit code: 3\n"
    )
    assert buildkit_steps(output) == {
        "[builder 4/6] RUN --mount=type=cache uv sync --locked --no-install-project": {"CACHED"},
        "[builder 5/6] COPY . /app": {"DONE"},
        "[runtime 2/4] RUN exit 3": {"ERROR:"},
    }


# --- 6. the proxy's CA reaches no layer ---------------------------------------------------


def pem_bodies(text: str) -> list[str]:
    """The base64 body of each PEM certificate in ``text``, line breaks removed."""
    return ["".join(block.split()) for block in PEM.findall(text)]


def host_local_cas() -> list[str]:
    """Bodies of the CAs this host adds (the TLS proxy's, a company's): never for images."""
    bodies = [
        body
        for path in sorted(HOST_LOCAL_CAS.glob("*.crt"))
        for body in pem_bodies(path.read_text(errors="replace"))
    ]
    if not bodies and os.environ.get("SSL_CERT_FILE"):
        # update-ca-certificates appends the local CAs after Mozilla's set.
        bundle = pem_bodies(Path(os.environ["SSL_CERT_FILE"]).read_text(errors="replace"))
        bodies = bundle[-1:]
    return bodies


def needles(body: str) -> list[bytes]:
    """Byte strings that give a certificate away in an uncompressed layer tar: its first two
    base64 lines as PEM writes them (64 wide) and its DER form."""
    return [body[:64].encode(), body[64:128].encode(), base64.b64decode(body)]


def scan_saved_image(docker: Docker, image: str, wanted: list[bytes]) -> set[bytes]:
    """Which of ``wanted`` occur in ``docker save IMAGE`` (layers are plain tars in it)."""
    pattern = re.compile(b"|".join(re.escape(n) for n in wanted))
    overlap = max(len(n) for n in wanted)
    found: set[bytes] = set()
    proc = subprocess.Popen([docker.binary, "save", image], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        tail = b""
        while chunk := proc.stdout.read(16 << 20):
            data = tail + chunk
            found.update(match.group(0) for match in pattern.finditer(data))
            tail = data[-overlap:]
    finally:
        proc.stdout.close()
        code = proc.wait(timeout=120)
    assert code == 0, f"docker save {image} exited with {code}"
    return found


@pytest.mark.parametrize("which", ["base", *SERVICE_NAMES])
def test_host_ca_is_in_no_layer(
    docker: Docker, service_images: dict[str, ServiceImage], which: str
) -> None:
    image = LOCAL_PYTHON_IMAGE if which == "base" else service_images[which].tag
    host_cas = host_local_cas()
    if not host_cas:
        pytest.skip("this host adds no CA of its own: nothing to look for")

    bundle = run_in_image(
        docker,
        image,
        "cat",
        "/etc/ssl/certs/ca-certificates.crt",
    )
    assert bundle.ok, bundle.output
    image_cas = pem_bodies(bundle.output)
    assert len(image_cas) > 50, f"{image} has almost no CA bundle: {len(image_cas)} certificates"
    leaked = [body[:64] for body in host_cas if body in image_cas]
    assert not leaked, f"{image}'s CA bundle holds the host's local CA(s): {leaked}"

    # One of the image's own certificates must be found: proves the scan sees layer content.
    control = needles(image_cas[len(image_cas) // 2])[1]
    host_needles = [n for body in host_cas for n in needles(body)]
    found = scan_saved_image(docker, image, [control, *host_needles])
    assert control in found, f"the scan of docker save {image} saw no certificate at all"
    leaked_bytes = [n[:64] for n in host_needles if n in found]
    assert not leaked_bytes, f"a layer of {image} holds the host's local CA: {leaked_bytes}"


# --- 7. image sizes -----------------------------------------------------------------------


def test_image_sizes(
    docker: Docker,
    service_images: dict[str, ServiceImage],
    record_property: Callable[[str, object], None],
    measure: Measure,
) -> None:
    images = {"base": LOCAL_PYTHON_IMAGE} | {n: service_images[n].tag for n in SERVICE_NAMES}
    sizes: dict[str, int] = {}
    for which, image in images.items():
        size = docker.inspect(image, "{{.Size}}")
        assert size is not None, f"cannot inspect {image}"
        assert size.isdigit(), size
        sizes[which] = int(size)
        record_property(f"image_size_{which}", sizes[which])
        measure(f"image size {which} ({image})", f"{sizes[which] / 1e6:.0f} MB")
    # Each service image is the base plus a virtual environment (and libpq5 for sysdeps).
    assert sizes["base"] < sizes["plain"] < sizes["sysdeps"], sizes


def test_image_healthcheck_reports_healthy(
    docker: Docker, service_images: dict[str, ServiceImage]
) -> None:
    """The image's own HEALTHCHECK command (Python, no curl) passes against the running app."""
    image = service_images["plain"].tag
    name = f"scaffold-health-{service_images['plain'].tag.rsplit(':', 1)[-1]}"
    # Only the schedule is shortened; the command is the one in the Dockerfile.
    started = docker.command(
        "run",
        "--detach",
        "--name",
        name,
        "--health-interval",
        "1s",
        "--health-start-period",
        "1s",
        image,
    )
    assert started.ok, started.output
    try:
        status = ""
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            status = docker.inspect(name, "{{.State.Health.Status}}") or ""
            if status in ("healthy", "unhealthy"):
                break
            time.sleep(0.5)
        assert status == "healthy", docker.inspect(name, "{{json .State.Health}}")
    finally:
        docker.remove_container(name)
