/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Portable softplus(a) = max(a, 0) + log1p(exp(-|a|)) from polynomial approximations, written so that the
// compiler can vectorise a loop over it (no libm calls, no branches; the selects need -fno-trapping-math
// to be if-converted, see lib/CMakeLists.txt). The AVX-512 version
// (softplus_avx512.h) evaluates the same formulas.
//
//   exp(-|a|):  |a| clamped to <= 100·ln 2; n = round(-|a|·log2 e) <= 0, f = |a| + n·ln 2 (Cody-Waite: ln 2
//               split in an exact high part and a low part, so f is accurate even for large |a|),
//               |f| <= ln(2)/2, exp(-f) by a degree-5 near-minimax polynomial (relative error 7.7e-8),
//               times 2^n (exponent bits);
//   log1p(u) = 2·atanh(s), s = u/(2 + u) in [0, 1/3]: s·Q(s²) with Q a degree-3 near-minimax polynomial
//               of 2·atanh(√w)/√w on w in [0, 1/9] (relative error 1.7e-7).
// Coefficients: weighted least squares on Chebyshev nodes, Lawson-iterated to equioscillation (numpy).
// Relative error of the result <= 1e-6 for a >= -69.3 (tested: lib/qa_model.cc); below that
// (exp(a) < 2^-100) the result is about 2^-100 ≈ 7.9e-31 instead of exp(a): absolute error < 1e-30.
#ifndef INCLUDED_DDPM_SOFTPLUS_H
#define INCLUDED_DDPM_SOFTPLUS_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {

namespace sp {
constexpr float LOG2E = 1.4426950408889634f;
constexpr float AMAX = 69.31471805599453f; // 100 ln 2: exp(-|a|) >= 2^-100 (no denormals)
constexpr float LN2_HI = 0.693359375f;       // 355/512: n * LN2_HI is exact for |n| <= 2^15
constexpr float LN2_LO = -2.12194440e-4f;    // ln 2 - LN2_HI
constexpr float ROUND_MAGIC = 12582912.0f; // 1.5 * 2^23: x + M - M rounds x to an integer (|x| < 2^22)
// exp(-f), |f| <= ln(2)/2
constexpr float P0 = 1.0000001192092896f, P1 = -0.9999997019767761f, P2 = 0.4999887943267822f,
                P3 = -0.16667529940605164f, P4 = 0.04191702604293823f, P5 = -0.008301115594804287f;
// 2 atanh(sqrt(w)) / sqrt(w), 0 <= w <= 1/9
constexpr float Q0 = 1.9999996423721313f, Q1 = 0.6667611002922058f, Q2 = 0.395867258310318f,
                Q3 = 0.34243452548980713f;
} // namespace sp

//! softplus of one float32 (see the header comment for the accuracy); NaN in -> NaN out
static inline float softplus_approx(float a)
{
    using namespace sp;
    float ax = std::fabs(a);
    ax = ax < AMAX ? ax : AMAX;
    const float tn = ax * -LOG2E + ROUND_MAGIC; // round to an integer n, held in the low mantissa bits
    const float n = tn - ROUND_MAGIC;
    uint32_t tbits;
    std::memcpy(&tbits, &tn, sizeof tbits);
    const float f = (ax + n * LN2_HI) + n * LN2_LO;
    float p = P5;
    p = p * f + P4;
    p = p * f + P3;
    p = p * f + P2;
    p = p * f + P1;
    p = p * f + P0;
    const uint32_t bits = (tbits - 0x4B400000u + 127u) << 23; // 0x4B400000: bits of 1.5 * 2^23
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const float u = p * scale;
    const float s = u / (2.0f + u);
    const float w = s * s;
    float q = Q3;
    q = q * w + Q2;
    q = q * w + Q1;
    q = q * w + Q0;
    const float pos = 0.0f < a ? a : 0.0f;
    return pos + s * q + (a - a); // (a - a): NaN propagates
}

} // namespace detail
} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif
