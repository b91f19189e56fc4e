/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// AVX2 + FMA forward pass of one tile (48 lanes = 6 vectors of 8), hand-blocked for 16 ymm registers:
// the H x H layers run a 4-row x 3-vector register block (12 accumulators, 3 activation vectors and one
// broadcast weight; each broadcast weight feeds 3 FMAs, each activation vector 4) over the packed weights
// [Hp/8][Hp][8], as four sub-blocks per 8-row weight block (2 row halves x 2 lane halves). Bias
// (accumulator initial value), softplus (softplus_avx2.h), step embedding and the output layer are fused
// into each sub-block's epilogue, as in forward_avx512.cc.
// Only functions with AVX2 target attributes live here; they are called only after cpu_has_avx2() said yes.
// Tested against the portable path (generic) and ONNX Runtime per model: lib/qa_ddpm_sampler.cc,
// python/ddpm/qa_ddpm_sampler.py.
#include "kernel_impl.h"
#include "softplus.h"

#if defined(__x86_64__) || defined(__i386__)
#include "softplus_avx2.h"

namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {

bool cpu_has_avx2()
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

namespace {

constexpr int VW = 8;             // lanes per vector
constexpr int NV = 3;             // vectors per sub-block (half a tile)
constexpr int HALF = NV * VW;     // 24 lanes
constexpr int RS = 4;             // rows per sub-block
static_assert(TILE == 2 * HALF, "the AVX2 blocking assumes 48-lane tiles");
static_assert(RB == 2 * RS, "the AVX2 blocking assumes 8-row weight blocks");

// gb[o][b] = g_l[t[b]][o] for every unit o (per-lane embeddings)
DDPM_AVX2_INLINE void gather_gamma(const float* g, int Hp, const int32_t* t, float* gb)
{
    __m256i base[TILE / VW];
    const __m256i hp = _mm256_set1_epi32(Hp);
    for (int v = 0; v < TILE / VW; v++)
        base[v] = _mm256_mullo_epi32(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + VW * v)), hp);
    for (int o = 0; o < Hp; o++) {
        const __m256i off = _mm256_set1_epi32(o);
        for (int v = 0; v < TILE / VW; v++)
            _mm256_store_ps(gb + o * TILE + VW * v,
                            _mm256_i32gather_ps(g, _mm256_add_epi32(base[v], off), 4));
    }
}

// One sub-block of RS rows (o0 ..) x NV vectors (lanes c0 ..) of pre-activations a: softplus, times
// gamma, store to hout (unless last), and in the last layer accumulate the output layer into e[2][TILE].
DDPM_AVX2_INLINE void epilogue(__m256* a,
                               int o0,
                               int c0,
                               const float* grow,
                               const float* gb,
                               float* hout,
                               bool last,
                               const float* wout,
                               int Hp,
                               float* e)
{
    static_assert(RS * NV == 12, "epilogue written for 12 vectors");
    // 6 vectors in flight (measured: 4 and 12 within noise, 12 slightly slower: spills)
    softplus_avx2<6>(a);
    softplus_avx2<6>(a + 6);
    for (int r = 0; r < RS; r++) {
        const int o = o0 + r;
        if (grow) {
            const __m256 g = _mm256_broadcast_ss(grow + o);
            for (int v = 0; v < NV; v++)
                a[r * NV + v] = _mm256_mul_ps(a[r * NV + v], g);
        } else {
            for (int v = 0; v < NV; v++)
                a[r * NV + v] =
                    _mm256_mul_ps(a[r * NV + v], _mm256_load_ps(gb + o * TILE + c0 + VW * v));
        }
        if (last) {
            const __m256 w0 = _mm256_broadcast_ss(wout + o);
            const __m256 w1 = _mm256_broadcast_ss(wout + Hp + o);
            for (int v = 0; v < NV; v++) {
                float* e0 = e + c0 + VW * v;
                float* e1 = e + TILE + c0 + VW * v;
                _mm256_store_ps(e0, _mm256_fmadd_ps(w0, a[r * NV + v], _mm256_load_ps(e0)));
                _mm256_store_ps(e1, _mm256_fmadd_ps(w1, a[r * NV + v], _mm256_load_ps(e1)));
            }
        } else {
            for (int v = 0; v < NV; v++)
                _mm256_store_ps(hout + o * TILE + c0 + VW * v, a[r * NV + v]);
        }
    }
}

} // namespace

DDPM_AVX2 void net_tile_avx2(const packed_net& P,
                             const float* x,
                             const int32_t* t,
                             bool uniform,
                             float* eps,
                             float* scratch)
{
    const int Hp = P.Hp;
    const int D = P.D;
    float* ha = scratch;
    float* hb = scratch + size_t(Hp) * TILE;
    float* gb = scratch + size_t(2) * Hp * TILE;

    alignas(32) float e[2 * TILE];
    for (int b = 0; b < TILE; b++) {
        e[b] = P.bout[0];
        e[TILE + b] = P.bout[1];
    }

    // layer 0: 2 -> Hp
    {
        const float* grow = uniform ? P.g[0] + size_t(t[0]) * Hp : nullptr;
        if (!uniform)
            gather_gamma(P.g[0], Hp, t, gb);
        const bool last = D == 1;
        for (int c0 = 0; c0 < TILE; c0 += HALF) {
            __m256 x0[NV], x1[NV];
            for (int v = 0; v < NV; v++) {
                x0[v] = _mm256_loadu_ps(x + c0 + VW * v);
                x1[v] = _mm256_loadu_ps(x + TILE + c0 + VW * v);
            }
            for (int o0 = 0; o0 < Hp; o0 += RS) {
                __m256 a[RS * NV];
                for (int r = 0; r < RS; r++) {
                    const int o = o0 + r;
                    const __m256 w0 = _mm256_broadcast_ss(P.w0 + 2 * o);
                    const __m256 w1 = _mm256_broadcast_ss(P.w0 + 2 * o + 1);
                    const __m256 bb = _mm256_broadcast_ss(P.b[0] + o);
                    for (int v = 0; v < NV; v++)
                        a[r * NV + v] = _mm256_fmadd_ps(w0, x0[v], _mm256_fmadd_ps(w1, x1[v], bb));
                }
                epilogue(a, o0, c0, grow, gb, ha, last, P.wout, Hp, e);
            }
        }
    }

    // layers 1 .. D-1: Hp -> Hp
    for (int l = 1; l < D; l++) {
        const float* grow = uniform ? P.g[l] + size_t(t[0]) * Hp : nullptr;
        if (!uniform)
            gather_gamma(P.g[l], Hp, t, gb);
        const bool last = l == D - 1;
        const float* W = P.w[l];
        const float* bias = P.b[l];
        for (int ob = 0; ob < Hp / RB; ob++) {
            const float* wblk = W + size_t(ob) * Hp * RB;
            for (int c0 = 0; c0 < TILE; c0 += HALF) {
                for (int rs = 0; rs < RB; rs += RS) {
                    const int o0 = ob * RB + rs;
                    // 12 named accumulators: with an array whose address reaches the epilogue, GCC keeps
                    // storing it to the stack inside the loop
                    __m256 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
                    c00 = c01 = c02 = _mm256_broadcast_ss(bias + o0);
                    c10 = c11 = c12 = _mm256_broadcast_ss(bias + o0 + 1);
                    c20 = c21 = c22 = _mm256_broadcast_ss(bias + o0 + 2);
                    c30 = c31 = c32 = _mm256_broadcast_ss(bias + o0 + 3);
                    const float* hi = ha + c0;
                    const float* wi = wblk + rs;
                    for (int i = 0; i < Hp; i++, hi += TILE, wi += RB) {
                        const __m256 h0 = _mm256_load_ps(hi);
                        const __m256 h1 = _mm256_load_ps(hi + 8);
                        const __m256 h2 = _mm256_load_ps(hi + 16);
                        __m256 w = _mm256_broadcast_ss(wi);
                        c00 = _mm256_fmadd_ps(w, h0, c00);
                        c01 = _mm256_fmadd_ps(w, h1, c01);
                        c02 = _mm256_fmadd_ps(w, h2, c02);
                        w = _mm256_broadcast_ss(wi + 1);
                        c10 = _mm256_fmadd_ps(w, h0, c10);
                        c11 = _mm256_fmadd_ps(w, h1, c11);
                        c12 = _mm256_fmadd_ps(w, h2, c12);
                        w = _mm256_broadcast_ss(wi + 2);
                        c20 = _mm256_fmadd_ps(w, h0, c20);
                        c21 = _mm256_fmadd_ps(w, h1, c21);
                        c22 = _mm256_fmadd_ps(w, h2, c22);
                        w = _mm256_broadcast_ss(wi + 3);
                        c30 = _mm256_fmadd_ps(w, h0, c30);
                        c31 = _mm256_fmadd_ps(w, h1, c31);
                        c32 = _mm256_fmadd_ps(w, h2, c32);
                    }
                    __m256 acc[RS * NV] = { c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32 };
                    epilogue(acc, o0, c0, grow, gb, hb, last, P.wout, Hp, e);
                }
            }
        }
        float* tmp = ha;
        ha = hb;
        hb = tmp;
    }

    for (int b = 0; b < 2 * TILE; b++)
        eps[b] = e[b];
}

} // namespace detail
} // namespace kernel
} // namespace ddpm
} // namespace gr
#else
namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {
void net_tile_avx2(const packed_net& P, const float* x, const int32_t* t, bool u, float* e, float* s)
{
    net_tile_generic(P, x, t, u, e, s);
}
bool cpu_has_avx2() { return false; }
} // namespace detail
} // namespace kernel
} // namespace ddpm
} // namespace gr
#endif
