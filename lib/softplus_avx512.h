/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// AVX-512 softplus on N vectors in lock step (the same formulas as softplus.h, see there for the accuracy).
// Functions carry target attributes instead of the translation unit being compiled with -mavx512f, so no
// AVX-512 code can leak into inline functions shared with the portable path.
#ifndef INCLUDED_DDPM_SOFTPLUS_AVX512_H
#define INCLUDED_DDPM_SOFTPLUS_AVX512_H

#include "softplus.h"
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_*() idiom
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#define DDPM_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,fma")))
#define DDPM_AVX512_INLINE \
    __attribute__((target("avx512f,avx512dq,avx512vl,fma"), always_inline)) static inline

namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {

//! v[k] <- softplus(v[k]), k = 0..N-1, all N vectors in flight
template <int N>
DDPM_AVX512_INLINE void softplus_avx512(__m512* v)
{
    using namespace sp;
    const __m512 amax = _mm512_set1_ps(AMAX);
    const __m512 zero = _mm512_setzero_ps();
    __m512 x[N], n[N], f[N], u[N];
    for (int k = 0; k < N; k++)
        x[k] = _mm512_min_ps(amax, _mm512_abs_ps(v[k])); // |a| clamped; NaN stays NaN
    for (int k = 0; k < N; k++)
        n[k] = _mm512_roundscale_ps(_mm512_mul_ps(x[k], _mm512_set1_ps(-LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    for (int k = 0; k < N; k++) { // f = |a| + n ln 2 (Cody-Waite)
        f[k] = _mm512_fmadd_ps(n[k], _mm512_set1_ps(LN2_HI), x[k]);
        f[k] = _mm512_fmadd_ps(n[k], _mm512_set1_ps(LN2_LO), f[k]);
    }
    for (int k = 0; k < N; k++)
        u[k] = _mm512_fmadd_ps(_mm512_set1_ps(P5), f[k], _mm512_set1_ps(P4));
    for (int k = 0; k < N; k++)
        u[k] = _mm512_fmadd_ps(u[k], f[k], _mm512_set1_ps(P3));
    for (int k = 0; k < N; k++)
        u[k] = _mm512_fmadd_ps(u[k], f[k], _mm512_set1_ps(P2));
    for (int k = 0; k < N; k++)
        u[k] = _mm512_fmadd_ps(u[k], f[k], _mm512_set1_ps(P1));
    for (int k = 0; k < N; k++)
        u[k] = _mm512_fmadd_ps(u[k], f[k], _mm512_set1_ps(P0));
    for (int k = 0; k < N; k++)
        u[k] = _mm512_scalef_ps(u[k], n[k]); // exp(-|a|) in (0, 1]
    // s = u / (2 + u): reciprocal estimate (2^-14) refined by one residual step (~2^-28)
    __m512 s[N];
    for (int k = 0; k < N; k++) {
        const __m512 d = _mm512_add_ps(u[k], _mm512_set1_ps(2.0f));
        const __m512 r = _mm512_rcp14_ps(d);
        const __m512 s0 = _mm512_mul_ps(u[k], r);
        s[k] = _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, s0, u[k]), s0);
    }
    __m512 w[N], q[N];
    for (int k = 0; k < N; k++) {
        w[k] = _mm512_mul_ps(s[k], s[k]);
        q[k] = _mm512_fmadd_ps(_mm512_set1_ps(Q3), w[k], _mm512_set1_ps(Q2));
    }
    for (int k = 0; k < N; k++)
        q[k] = _mm512_fmadd_ps(q[k], w[k], _mm512_set1_ps(Q1));
    for (int k = 0; k < N; k++)
        q[k] = _mm512_fmadd_ps(q[k], w[k], _mm512_set1_ps(Q0));
    for (int k = 0; k < N; k++)
        v[k] = _mm512_fmadd_ps(s[k], q[k], _mm512_max_ps(zero, v[k])); // NaN stays NaN
}

} // namespace detail
} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif
