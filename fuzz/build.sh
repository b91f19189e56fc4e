#!/usr/bin/env bash
# Build the sanitizer programs of gr-ddpm with clang (needs clang-14 and libclang-rt-14-dev, which
# scripts/setup.sh installs):
#   fuzz_model_loader  libFuzzer harness of the model reader: fuzz/fuzz_model_loader.cc + lib/model.cc,
#                      -fsanitize=fuzzer,address,undefined
#   tsan_setters       concurrency check of the C++ blocks: fuzz/tsan_setters.cc + the block and kernel
#                      sources of lib/, -fsanitize=thread (GNU Radio's runtime stays uninstrumented)
# Each is rebuilt only when one of its sources is newer than the binary.
#
# Usage: fuzz/build.sh [OUT_DIR [fuzz|tsan|all]]      (default: build-fuzz all; prints the binaries' paths)
# Environment: CXX (default clang++-14)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/build-fuzz}"
WHAT="${2:-all}"
CXX="${CXX:-clang++-14}"
mkdir -p "$OUT"
command -v "$CXX" >/dev/null || { echo "fuzz/build.sh: $CXX not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }

# up_to_date BIN SRC...: the binary exists and is newer than every source (and this script)
up_to_date() {
    local bin="$1"; shift
    [ -x "$bin" ] || return 1
    for s in "$@" "${BASH_SOURCE[0]}"; do [ "$s" -nt "$bin" ] && return 1; done
    return 0
}

COMMON=(-std=c++17 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Dgnuradio_ddpm_EXPORTS
        -DONNX_NAMESPACE=onnx -DONNX_ML=1 -I"$ROOT/include")

if [ "$WHAT" = fuzz ] || [ "$WHAT" = all ]; then
    BIN="$OUT/fuzz_model_loader"
    SRCS=("$ROOT/fuzz/fuzz_model_loader.cc" "$ROOT/lib/model.cc")
    if ! up_to_date "$BIN" "${SRCS[@]}" "$ROOT/include/gnuradio/ddpm/model.h"; then
        "$CXX" "${COMMON[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            "${SRCS[@]}" -lonnx_proto -lprotobuf -lpthread -o "$BIN.tmp"
        mv "$BIN.tmp" "$BIN"
    fi
    echo "$BIN"
fi

if [ "$WHAT" = tsan ] || [ "$WHAT" = all ]; then
    BIN="$OUT/tsan_setters"
    LIBSRC=(impairment_params.cc impairment_injector_cc_impl.cc model.cc ddpm_sampler.cc sampler_type.cc
            step_plan.cc forward_generic.cc forward_avx2.cc forward_avx512.cc channel_state.cc
            noise_estimator.cc denoiser_cc_impl.cc model_path.cc)
    SRCS=("$ROOT/fuzz/tsan_setters.cc")
    for s in "${LIBSRC[@]}"; do SRCS+=("$ROOT/lib/$s"); done
    if ! up_to_date "$BIN" "${SRCS[@]}" "$ROOT"/lib/*.h "$ROOT"/lib/*.inc "$ROOT"/include/gnuradio/ddpm/*.h; then
        "$CXX" "${COMMON[@]}" -fsanitize=thread -Wno-unknown-pragmas -Wno-psabi -Wno-unknown-warning-option -I"$ROOT/lib" \
            -DDDPM_MODEL_INSTALL_DIR="\"$ROOT/models\"" \
            "${SRCS[@]}" -lgnuradio-runtime -lgnuradio-pmt -lboost_thread -lspdlog -lfmt -lonnx_proto -lprotobuf -lpthread \
            -o "$BIN.tmp"
        mv "$BIN.tmp" "$BIN"
    fi
    echo "$BIN"
fi
