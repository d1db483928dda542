#!/usr/bin/env bash
# Bring up a local Docker environment for scaffold's real `docker build` tests,
# on a Debian 12 machine without a container registry (see docs on offline Docker).
#
#   1. Debian's docker.io / docker-compose / debootstrap (only if missing)
#   2. dockerd in the background (only if `docker info` does not answer); it keeps
#      running after this script exits
#   3. scaffold-local/python:3.11  - debootstrapped bookworm with python3 (only if missing)
#   4. scaffold-local/uv:$UV_VERSION - FROM scratch with /uv and /uvx from the PyPI wheel
#      (only if missing)
#   5. scaffold-local/postgres:15 - PostgreSQL from Debian over that image, for projects whose
#      compose file has a database (only if missing)
#   6. scaffold's config file pointing at that client and those images
#
# Idempotent: on a machine where all of this exists it only checks, and takes ~1 s.
# Run as root. Always uses /usr/bin/docker: /usr/local/bin/docker (if present) is a
# client without buildx and cannot build with BuildKit.
#
# Environment:
#   UV_VERSION      uv version for the uv image (default: the service template's uv_version,
#                   which a test keeps equal to the uv that scaffold runs)
#   PYTHON_IMAGE    tag of the python image (default scaffold-local/python:3.11)
#   DEBIAN_SUITE    suite to debootstrap (default bookworm)
#   DEBIAN_MIRROR   mirror for debootstrap (default: first URIs: in debian.sources)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
template_uv_version() {
    sed -n '/^uv_version:/,/^$/s/^ *default: *"\(.*\)"/\1/p' "$ROOT/templates/service/copier.yml"
}
UV_VERSION="${UV_VERSION:-$(template_uv_version)}"
[[ -n "$UV_VERSION" ]] || { echo "cannot read uv_version from templates/service/copier.yml" >&2; exit 1; }
PYTHON_IMAGE="${PYTHON_IMAGE:-scaffold-local/python:3.11}"
POSTGRES_IMAGE="${POSTGRES_IMAGE:-scaffold-local/postgres:15}"
TRIXIE_IMAGE="${TRIXIE_IMAGE:-scaffold-local/python:3.13-trixie}"
UV_IMAGE="scaffold-local/uv:${UV_VERSION}"
DEBIAN_SUITE="${DEBIAN_SUITE:-bookworm}"
DOCKER=/usr/bin/docker
DOCKERD_LOG=/var/log/scaffold-dockerd.log
HOST_CA_BUNDLE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"

log() { printf '[docker-env] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# retry CMD...: up to 3 attempts, sleeping 5 s then 10 s between them.
retry() {
    local attempt=1
    until "$@"; do
        if (( attempt >= 3 )); then
            log "failed after ${attempt} attempts: $*"
            return 1
        fi
        log "attempt ${attempt} failed, retrying in $(( attempt * 5 ))s: $*"
        sleep $(( attempt * 5 ))
        attempt=$(( attempt + 1 ))
    done
}

phase_start=0
phase() { phase_start=$(date +%s%N); log "$*"; }
phase_done() { log "  done in $(( ($(date +%s%N) - phase_start) / 1000000 )) ms"; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

# Temporary directories, removed on exit whatever happens.
TMP_DIRS=()
cleanup() {
    local d
    for d in "${TMP_DIRS[@]}"; do
        [[ -n "$d" && -d "$d" ]] && rm -rf --one-file-system "$d"
    done
    return 0
}
trap cleanup EXIT

# Serialise concurrent runs on one machine (two CI jobs at once). fd 9 is closed
# for dockerd below so the daemon does not keep holding the lock.
exec 9>/var/lock/scaffold-docker-env.lock
flock 9

# ---------------------------------------------------------------- 1. packages
phase "1/6 packages: docker.io docker-compose debootstrap"
missing=()
for bin in /usr/bin/docker /usr/sbin/dockerd /usr/bin/docker-compose /usr/sbin/debootstrap; do
    [[ -x "$bin" ]] || missing+=("$bin")
done
if (( ${#missing[@]} )); then
    log "  missing: ${missing[*]}; installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # apt's progress goes to stderr: stdout carries only the summary lines.
    retry apt-get update -q >&2
    retry apt-get install -y -q --no-install-recommends docker.io docker-compose debootstrap >&2
    for bin in "${missing[@]}"; do
        [[ -x "$bin" ]] || die "$bin still missing after apt-get install"
    done
else
    log "  already installed"
fi
phase_done

# ---------------------------------------------------------------- 2. dockerd
phase "2/6 docker engine"
if "$DOCKER" info >/dev/null 2>&1; then
    log "  dockerd already answering"
else
    pid=""
    [[ -s /var/run/docker.pid ]] && pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        log "  dockerd (pid $pid) is running but not answering yet; waiting"
    else
        log "  starting dockerd, log: $DOCKERD_LOG"
        # setsid: own session, survives this script and the CI step's process group.
        # All fds redirected/closed so nothing waits on the daemon's output.
        # Restarted when it dies: Engine 20.10's BuildKit can panic ("failed to get edge") under
        # concurrent builds, which would fail every later Docker test, not only the one building.
        setsid bash -c 'while :; do /usr/sbin/dockerd; echo "dockerd exited ($?); restarting"; sleep 1; done' \
            >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    fi
    ok=0
    deadline=$(( SECONDS + 60 ))
    while (( SECONDS < deadline )); do
        if timeout 5 "$DOCKER" info >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.5
    done
    if (( ! ok )); then
        log "dockerd did not answer within 60 s; last lines of $DOCKERD_LOG:"
        tail -n 40 "$DOCKERD_LOG" >&2 || true
        exit 1
    fi
    log "  dockerd is up ($("$DOCKER" info --format '{{.ServerVersion}}, {{.Driver}}, cgroup v{{.CgroupVersion}}'))"
fi
phase_done

image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# One line per certificate: the PEM body with line breaks removed.
pem_bodies() {
    awk '/-----BEGIN CERTIFICATE-----/ { body = ""; inside = 1; next }
         /-----END CERTIFICATE-----/   { if (inside) print body; inside = 0; next }
         inside { gsub(/[ \t\r]/, ""); body = body $0 }' "$@"
}

# Fail if the image's CA bundle holds a certificate the host added locally (the
# TLS-inspecting proxy's CA or a company CA): those must only reach builds as a
# BuildKit secret, never be baked into an image.
check_no_host_ca() {
    local image=$1 work=$2 f
    : >"$work/host-local-cas"
    # Certificates the host adds to Debian's Mozilla set ...
    while IFS= read -r -d '' f; do
        pem_bodies "$f" >>"$work/host-local-cas"
    done < <(find /usr/local/share/ca-certificates -type f -name '*.crt' -print0 2>/dev/null)
    # ... and the last block of the host bundle (update-ca-certificates appends local CAs last).
    if [[ -r "$HOST_CA_BUNDLE" ]]; then
        pem_bodies "$HOST_CA_BUNDLE" | tail -n 1 >>"$work/host-local-cas"
    fi
    sort -u -o "$work/host-local-cas" "$work/host-local-cas"
    sed -i '/^$/d' "$work/host-local-cas"
    "$DOCKER" run --rm --network none --entrypoint cat "$image" /etc/ssl/certs/ca-certificates.crt \
        >"$work/image-bundle.crt" || return 1
    pem_bodies "$work/image-bundle.crt" >"$work/image-cas"
    if [[ ! -s "$work/image-cas" ]]; then
        log "ERROR: $image has an empty /etc/ssl/certs/ca-certificates.crt"
        return 1
    fi
    if grep -qxFf "$work/host-local-cas" "$work/image-cas"; then
        log "ERROR: $image contains one of the host's local CA certificates; removing it"
        return 1
    fi
    log "  checked: none of the host's $(wc -l <"$work/host-local-cas") local CA certificate(s) is among the image's $(wc -l <"$work/image-cas")"
}

# ---------------------------------------------------------------- 3. python image
# build_python_image TAG SUITE: a debootstrapped Debian SUITE with its python3, as TAG (only if
# missing). The official python images carry their own headers and a `python` command, hence
# python3-dev and python-is-python3.
build_python_image() {
    local tag=$1 suite=$2
    if image_exists "$tag"; then
        log "  $tag already present"
        return 0
    fi
    local mirror="${DEBIAN_MIRROR:-}"
    if [[ -z "$mirror" && -r /etc/apt/sources.list.d/debian.sources ]]; then
        mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    mirror="${mirror:-http://deb.debian.org/debian}"
    local work
    work=$(mktemp -d /var/tmp/scaffold-python-image.XXXXXX)
    TMP_DIRS+=("$work")
    local rootfs="$work/rootfs"
    log "  debootstrap $suite from $mirror into $rootfs"
    bootstrap() {
        rm -rf --one-file-system "$rootfs"
        debootstrap --variant=minbase \
            --include=python3,python3-venv,python3-dev,python-is-python3,ca-certificates \
            "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
                tail -n 20 "$work/debootstrap.log" >&2
                [[ -f "$rootfs/debootstrap/debootstrap.log" ]] \
                    && tail -n 20 "$rootfs/debootstrap/debootstrap.log" >&2
                return 1
            }
    }
    retry bootstrap
    # Slim down and drop what belongs to the host, not the image. Nothing from the
    # host's certificate store is copied in: ca-certificates built the image's bundle
    # from its own Mozilla set inside the chroot.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/archives/partial/* \
        "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/var/tmp/*
    mkdir -p "$rootfs/var/lib/apt/lists/partial"
    : >"$rootfs/etc/resolv.conf"    # docker provides its own at run time
    : >"$rootfs/etc/hostname"
    log "  importing as $tag"
    tar -C "$rootfs" -c . | "$DOCKER" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        - "$tag" >/dev/null
    rm -rf --one-file-system "$rootfs"
    if ! check_no_host_ca "$tag" "$work"; then
        "$DOCKER" image rm "$tag" >/dev/null 2>&1 || true
        exit 1
    fi
}

phase "3/6 python images: $PYTHON_IMAGE ($DEBIAN_SUITE), $TRIXIE_IMAGE (trixie)"
build_python_image "$PYTHON_IMAGE" "$DEBIAN_SUITE"
# Debian 13, the release of the official python:X.Y-slim images: its python3 is 3.13.
build_python_image "$TRIXIE_IMAGE" trixie
phase_done

# ---------------------------------------------------------------- 4. uv image
phase "4/6 uv image: $UV_IMAGE"
if image_exists "$UV_IMAGE"; then
    log "  already present"
else
    work=$(mktemp -d /var/tmp/scaffold-uv-image.XXXXXX)
    TMP_DIRS+=("$work")
    mkdir -p "$work/wheel" "$work/ctx"
    # The musllinux wheel holds statically linked uv/uvx (the build the official
    # ghcr.io/astral-sh/uv image ships): they run in a FROM-scratch image and on any
    # base. The manylinux binaries need glibc and fail in scratch ("exec /uv: no such
    # file or directory").
    log "  downloading the uv $UV_VERSION wheel (musllinux, static binaries)"
    retry python3 -m pip download -q --no-deps --only-binary=:all: \
        --platform musllinux_1_1_x86_64 "uv==${UV_VERSION}" -d "$work/wheel"
    wheel=$(find "$work/wheel" -maxdepth 1 -name "uv-${UV_VERSION}-*.whl" | head -n 1)
    [[ -n "$wheel" ]] || die "no uv ${UV_VERSION} wheel downloaded"
    python3 - "$wheel" "$UV_VERSION" "$work/ctx" <<'PY'
import os, sys, zipfile
wheel, version, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as zf:
    for name in ("uv", "uvx"):
        member = f"uv-{version}.data/scripts/{name}"
        with zf.open(member) as src, open(os.path.join(dest, name), "wb") as out:
            out.write(src.read())
        os.chmod(os.path.join(dest, name), 0o755)
PY
    "$work/ctx/uv" --version >/dev/null || die "extracted uv binary does not run"
    # No `# syntax=` line: it would make BuildKit pull a frontend image from a registry.
    printf 'FROM scratch\nCOPY uv uvx /\n' >"$work/ctx/Dockerfile"
    log "  building $UV_IMAGE"
    DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$UV_IMAGE" "$work/ctx" >/dev/null
    if ! "$DOCKER" run --rm --network none --entrypoint /uv "$UV_IMAGE" --version >/dev/null; then
        "$DOCKER" image rm "$UV_IMAGE" >/dev/null 2>&1 || true
        die "/uv does not run in $UV_IMAGE"
    fi
fi
phase_done

# ---------------------------------------------------------------- 5. postgres image
phase "5/6 postgres image: $POSTGRES_IMAGE"
if image_exists "$POSTGRES_IMAGE"; then
    log "  already present"
else
    build_postgres() {
        DOCKER_BUILDKIT=1 "$DOCKER" build -q --build-arg "BASE_IMAGE=$PYTHON_IMAGE" \
            -t "$POSTGRES_IMAGE" -f "$ROOT/.ci/postgres.Dockerfile" "$ROOT/.ci" >/dev/null
    }
    retry build_postgres
fi
phase_done

# ---------------------------------------------------------------- 6. scaffold's config
# Point scaffold at this client and these images, so `scaffold new` / `validate` build here
# without a registry. A config the user wrote (without our marker) is left alone.
CONFIG_FILE="${SCAFFOLD_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/scaffold/config.toml}"
MARKER="# Written by scaffold's .ci/docker-env.sh"
phase "6/6 scaffold config: $CONFIG_FILE"
if [[ -f "$CONFIG_FILE" ]] && ! head -n 1 "$CONFIG_FILE" | grep -qF "$MARKER"; then
    log "  $CONFIG_FILE was written by someone else; leaving it as it is"
else
    mkdir -p "$(dirname "$CONFIG_FILE")"
    cat >"$CONFIG_FILE.tmp" <<EOF_CONFIG
$MARKER: this machine reaches no container registry,
# so scaffold builds with the Docker client and local images that script prepared.
[docker]
binary = "$DOCKER"
python-image = "$PYTHON_IMAGE"
uv-image = "$UV_IMAGE"
EOF_CONFIG
    mv "$CONFIG_FILE.tmp" "$CONFIG_FILE"
    log "  written"
fi
phase_done

python_size=$("$DOCKER" image ls --format '{{.Size}}' "$PYTHON_IMAGE" | head -n 1)
echo "python image: $PYTHON_IMAGE (${python_size})"
echo "uv image: $UV_IMAGE"
echo "trixie python image: $TRIXIE_IMAGE"
echo "postgres image: $POSTGRES_IMAGE"
