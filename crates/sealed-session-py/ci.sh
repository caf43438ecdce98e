#!/usr/bin/env bash
# The Python package's CI steps, for `cargo xtask ci` (or by hand):
#
#   crates/sealed-session-py/ci.sh [--release] [-- PYTEST_ARGS...]
#
# 1. the venv `target/venv` from tests/python/requirements.txt (maturin,
#    pytest, requests, Flask, itsdangerous, pycryptodome, all pinned);
# 2. the wheel, built by maturin (debug unless --release) into
#    crates/sealed-session-py/target/wheels;
# 3. that wheel installed into the venv (never the source tree: the tests
#    check it);
# 4. pytest over the installed wheel (the cross-service test is opt-in:
#    `-- -m cross_service` with SEALED_SESSION_RUST_URL set).
#
# Each step prints its wall time. Exits non-zero on the first failure,
# including pytest's "no tests collected".
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${SEALED_SESSION_VENV:-$ROOT/target/venv}"
PROFILE=debug
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --release) PROFILE=release ;;
        --) shift; PYTEST_ARGS=("$@"); break ;;
        *) echo "usage: $0 [--release] [-- PYTEST_ARGS...]" >&2; exit 2 ;;
    esac
    shift
done

step() {
    local name="$1"; shift
    echo "==> $name"
    local start=$SECONDS
    "$@"
    echo "==> $name ok in $((SECONDS - start)) s"
}

venv() {
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$ROOT/tests/python/requirements.txt"
}

wheel() {
    rm -rf "$HERE/target/wheels"
    local flags=()
    [ "$PROFILE" = release ] && flags=(--release)
    # maturin alone switches on what an extension module needs.
    "$VENV/bin/maturin" build --manifest-path "$HERE/Cargo.toml" --interpreter "$VENV/bin/python" \
        --out "$HERE/target/wheels" "${flags[@]}"
}

install() {
    local wheels=("$HERE"/target/wheels/sealed_session-*.whl)
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q --force-reinstall --no-deps "${wheels[@]}"
}

tests() {
    # From the crate directory, where the package's sources are under
    # python/ and so not importable: the installed wheel is what runs.
    (cd "$HERE" && "$VENV/bin/python" -m pytest -q "${PYTEST_ARGS[@]}")
}

step "venv (tests/python/requirements.txt)" venv
step "maturin build ($PROFILE wheel)" wheel
step "pip install the wheel" install
step "pytest over the installed wheel" tests
