#!/usr/bin/env bash
# Set up everything gr-ddpm needs on a Debian 12 machine, idempotently:
#   1. Debian packages (GNU Radio 3.10, compilers, ONNX/protobuf headers), after apt-get update;
#   2. a virtual environment .venv made from /usr/bin/python3 --system-site-packages, with pinned pip packages;
#   3. configure, build and install the module into a prefix inside the repository.
# Each stage is skipped when it is already done, so re-running is fast.
#
# Usage: scripts/setup.sh [deps|venv|build|all]      (default: all)
# Environment: BUILD_DIR (default build), PREFIX (default install), JOBS (default nproc)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAGE="${1:-all}"
BUILD_DIR="${BUILD_DIR:-build}"
PREFIX="${PREFIX:-install}"
JOBS="${JOBS:-$(nproc)}"
VENV="$ROOT/.venv"

# Debian packages: keep in sync with README.md.
APT_PACKAGES=(gnuradio gnuradio-dev cmake g++ make pkg-config pybind11-dev libonnx-dev libprotobuf-dev clang-14 libclang-rt-14-dev
              protobuf-compiler libboost-test-dev python3-venv python3-dev castxml doxygen python3-matplotlib python3-pygccxml xvfb xauth gir1.2-gtk-3.0)

log() { printf '[setup] %s\n' "$*" >&2; }

stage_deps() {
    local missing=()
    for p in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "gr-ddpm needs Debian packages that are not installed. Run, as root:" >&2
        echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
}

stage_venv() {
    local req="$ROOT/requirements.txt"
    local stamp="$VENV/.requirements.stamp"
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating $VENV from /usr/bin/python3 (system site packages: GNU Radio's bindings)"
        /usr/bin/python3 -m venv --system-site-packages "$VENV"
    fi
    if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
        log "installing pinned Python packages from requirements.txt"
        "$VENV/bin/python" -m pip install -q -r "$req"
        cp "$req" "$stamp"
    fi
}

stage_build() {
    local py="$VENV/bin/python"
    [ -x "$py" ] || py=/usr/bin/python3
    # ENABLE_DOXYGEN=ON: GR_PYBIND_MAKE_OOT fills the Python docstrings from the headers' Doxygen
    # comments (docs/doxygen/update_pydoc.py); a build dir configured earlier with OFF is switched.
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
        log "configuring in $BUILD_DIR (install prefix $ROOT/$PREFIX)"
        cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$ROOT/$PREFIX" \
              -DPYTHON_EXECUTABLE=/usr/bin/python3 -DENABLE_DOXYGEN=ON >/dev/null
    elif ! grep -q '^ENABLE_DOXYGEN:BOOL=ON$' "$BUILD_DIR/CMakeCache.txt"; then
        log "reconfiguring $BUILD_DIR with ENABLE_DOXYGEN=ON (docstrings from the headers)"
        cmake -S . -B "$BUILD_DIR" -DENABLE_DOXYGEN=ON >/dev/null
    fi
    log "building and installing (make -j$JOBS)"
    if ! cmake --build "$BUILD_DIR" -j "$JOBS" -- --no-print-directory; then
        log "build failed"; exit 1
    fi
    cmake --install "$BUILD_DIR" >/dev/null
}

case "$STAGE" in
    deps) stage_deps ;;
    venv) stage_deps; stage_venv ;;
    build) stage_deps; stage_build ;;
    all) stage_deps; stage_venv; stage_build ;;
    *) echo "usage: $0 [deps|venv|build|all]" >&2; exit 2 ;;
esac
