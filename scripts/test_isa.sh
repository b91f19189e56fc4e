#!/usr/bin/env bash
# Run the whole test suite (ctest and pytest) once per kernel ISA this CPU has: DDPM_KERNEL_ISA = generic, avx2
# (with AVX2 + FMA) and avx512 (with AVX-512F). For the runs below AVX-512, numpy's own dispatched AVX-512 loops
# (and for generic also its AVX/AVX2/FMA loops) are switched off with NPY_DISABLE_CPU_FEATURES, so that one
# machine also reproduces the last-bit differences of numpy's vectorised maths on a CPU without them.
# Prints one summary line per ISA; exits non-zero when any run fails. Called by `make test-isa`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"
. scripts/env.sh

NPY_AVX512="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"
isas=(generic)
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && isas+=(avx2)
grep -qw avx512f /proc/cpuinfo && isas+=(avx512)

declare -A result
rc=0
for isa in "${isas[@]}"; do
    case "$isa" in
        generic) npy="$NPY_AVX512 AVX2 FMA3 F16C AVX" ;;
        avx2) npy="$NPY_AVX512" ;;
        *) npy="" ;;
    esac
    echo "== DDPM_KERNEL_ISA=$isa NPY_DISABLE_CPU_FEATURES='$npy' =="
    ok=pass
    ( cd "$BUILD_DIR" && DDPM_KERNEL_ISA="$isa" NPY_DISABLE_CPU_FEATURES="$npy" ctest --output-on-failure ) || ok=FAIL
    DDPM_KERNEL_ISA="$isa" NPY_DISABLE_CPU_FEATURES="$npy" python -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-} || ok=FAIL
    result[$isa]=$ok
    [ "$ok" = pass ] || rc=1
done
echo "== summary (CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)) =="
for isa in "${isas[@]}"; do
    echo "  $isa: ${result[$isa]}"
done
exit $rc
