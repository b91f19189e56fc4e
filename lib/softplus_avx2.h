/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// AVX2 + FMA softplus on N vectors in lock step: the twin of softplus_avx512.h (the same formulas as
// softplus.h, see there for the accuracy). AVX2 has no scalef and no 14-bit reciprocal: n is rounded by
// the 1.5 * 2^23 trick and 2^n built in the exponent bits (n is an integer in [-100, 0], so 2^n is a
// normal float), and u / (2 + u) starts from the 12-bit _mm256_rcp_ps estimate refined by one residual
// step (~2^-24). Measured worst relative error 4.2e-7 (tested <= 2e-6 in lib/qa_model.cc).
// Functions carry target attributes instead of the translation unit being compiled with -mavx2, so no
// AVX2 code can leak into inline functions shared with the portable path.
#ifndef INCLUDED_DDPM_SOFTPLUS_AVX2_H
#define INCLUDED_DDPM_SOFTPLUS_AVX2_H

#include "softplus.h"
#include <immintrin.h>

#define DDPM_AVX2 __attribute__((target("avx2,fma")))
#define DDPM_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {

//! v[k] <- softplus(v[k]), k = 0..N-1, all N vectors in flight
template <int N>
DDPM_AVX2_INLINE void softplus_avx2(__m256* v)
{
    using namespace sp;
    const __m256 amax = _mm256_set1_ps(AMAX);
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 x[N], n[N], f[N], u[N];
    for (int k = 0; k < N; k++)
        x[k] = _mm256_min_ps(_mm256_and_ps(v[k], absmask), amax); // |a| clamped; NaN -> AMAX (NaN added back below)
    // n = round(-|a| log2 e) by the 1.5 * 2^23 trick (as softplus.h): tn holds n in its low mantissa bits,
    // which also give 2^n below without a float -> int conversion
    __m256 tn[N];
    for (int k = 0; k < N; k++)
        tn[k] = _mm256_fmadd_ps(x[k], _mm256_set1_ps(-LOG2E), _mm256_set1_ps(ROUND_MAGIC));
    for (int k = 0; k < N; k++)
        n[k] = _mm256_sub_ps(tn[k], _mm256_set1_ps(ROUND_MAGIC));
    for (int k = 0; k < N; k++) { // f = |a| + n ln 2 (Cody-Waite)
        f[k] = _mm256_fmadd_ps(n[k], _mm256_set1_ps(LN2_HI), x[k]);
        f[k] = _mm256_fmadd_ps(n[k], _mm256_set1_ps(LN2_LO), f[k]);
    }
    for (int k = 0; k < N; k++)
        u[k] = _mm256_fmadd_ps(_mm256_set1_ps(P5), f[k], _mm256_set1_ps(P4));
    for (int k = 0; k < N; k++)
        u[k] = _mm256_fmadd_ps(u[k], f[k], _mm256_set1_ps(P3));
    for (int k = 0; k < N; k++)
        u[k] = _mm256_fmadd_ps(u[k], f[k], _mm256_set1_ps(P2));
    for (int k = 0; k < N; k++)
        u[k] = _mm256_fmadd_ps(u[k], f[k], _mm256_set1_ps(P1));
    for (int k = 0; k < N; k++)
        u[k] = _mm256_fmadd_ps(u[k], f[k], _mm256_set1_ps(P0));
    for (int k = 0; k < N; k++) { // times 2^n: (n + 127) << 23, n in [-100, 0], n = bits(tn) - bits(MAGIC)
        const __m256i e = _mm256_slli_epi32(
            _mm256_add_epi32(_mm256_castps_si256(tn[k]), _mm256_set1_epi32(127 - 0x4B400000)), 23);
        u[k] = _mm256_mul_ps(u[k], _mm256_castsi256_ps(e)); // exp(-|a|) in (0, 1]
    }
    // s = u / (2 + u): reciprocal estimate (1.5 * 2^-12) refined by one residual step (~2^-24)
    __m256 s[N];
    for (int k = 0; k < N; k++) {
        const __m256 d = _mm256_add_ps(u[k], _mm256_set1_ps(2.0f));
        const __m256 r = _mm256_rcp_ps(d);
        const __m256 s0 = _mm256_mul_ps(u[k], r);
        s[k] = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(d, s0, u[k]), s0);
    }
    __m256 w[N], q[N];
    for (int k = 0; k < N; k++) {
        w[k] = _mm256_mul_ps(s[k], s[k]);
        q[k] = _mm256_fmadd_ps(_mm256_set1_ps(Q3), w[k], _mm256_set1_ps(Q2));
    }
    for (int k = 0; k < N; k++)
        q[k] = _mm256_fmadd_ps(q[k], w[k], _mm256_set1_ps(Q1));
    for (int k = 0; k < N; k++)
        q[k] = _mm256_fmadd_ps(q[k], w[k], _mm256_set1_ps(Q0));
    for (int k = 0; k < N; k++) {
        // max(0, a) + log1p term; (a - a) is 0, or NaN when a is NaN (NaN propagates as in softplus.h)
        const __m256 pos = _mm256_max_ps(v[k], _mm256_setzero_ps());
        const __m256 nanp = _mm256_sub_ps(v[k], v[k]);
        v[k] = _mm256_add_ps(_mm256_fmadd_ps(s[k], q[k], pos), nanp);
    }
}

} // namespace detail
} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif
