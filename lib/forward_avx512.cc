/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// AVX-512 forward pass of one tile (48 lanes = 3 vectors). The H x H layers run an 8-row x 3-vector
// register block (24 accumulators) over the packed weights [Hp/8][Hp][8]; bias, softplus (8 vectors in
// flight), step embedding and the output layer are fused into each block's epilogue.
// Only functions with AVX-512 target attributes live here (see softplus_avx512.h); they are called only
// after cpu_has_avx512() said yes.
#include "kernel_impl.h"
#include "softplus_avx512.h"

namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {

bool cpu_has_avx512()
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
}

namespace {

constexpr int NV = TILE / 16; // vectors per row (3)
static_assert(TILE % 16 == 0, "TILE must be a multiple of 16");

// gb[o][b] = g_l[t[b]][o] for every unit o (per-lane embeddings)
DDPM_AVX512_INLINE void gather_gamma(const float* g, int Hp, const int32_t* t, float* gb)
{
    __m512i base[NV];
    const __m512i hp = _mm512_set1_epi32(Hp);
    for (int v = 0; v < NV; v++)
        base[v] = _mm512_mullo_epi32(_mm512_loadu_si512(t + 16 * v), hp);
    for (int o = 0; o < Hp; o++) {
        const __m512i off = _mm512_set1_epi32(o);
        for (int v = 0; v < NV; v++)
            _mm512_store_ps(gb + o * TILE + 16 * v,
                            _mm512_i32gather_ps(_mm512_add_epi32(base[v], off), g, 4));
    }
}

// One block of RB rows x NV vectors of pre-activations a: softplus, times gamma, store to hout
// (unless last), and in the last layer accumulate the output layer into e[2][NV].
DDPM_AVX512_INLINE void epilogue(__m512* a,
                                 int o0,
                                 const float* grow,
                                 const float* gb,
                                 float* hout,
                                 bool last,
                                 const float* wout,
                                 int Hp,
                                 __m512* e)
{
    static_assert(RB * NV == 24, "epilogue written for 24 vectors");
    softplus_avx512<8>(a);
    softplus_avx512<8>(a + 8);
    softplus_avx512<8>(a + 16);
    for (int r = 0; r < RB; r++) {
        const int o = o0 + r;
        if (grow) {
            const __m512 g = _mm512_set1_ps(grow[o]);
            for (int v = 0; v < NV; v++)
                a[r * NV + v] = _mm512_mul_ps(a[r * NV + v], g);
        } else {
            for (int v = 0; v < NV; v++)
                a[r * NV + v] = _mm512_mul_ps(a[r * NV + v], _mm512_load_ps(gb + o * TILE + 16 * v));
        }
        if (last) {
            const __m512 w0 = _mm512_set1_ps(wout[o]);
            const __m512 w1 = _mm512_set1_ps(wout[Hp + o]);
            for (int v = 0; v < NV; v++) {
                e[v] = _mm512_fmadd_ps(w0, a[r * NV + v], e[v]);
                e[NV + v] = _mm512_fmadd_ps(w1, a[r * NV + v], e[NV + v]);
            }
        } else {
            for (int v = 0; v < NV; v++)
                _mm512_store_ps(hout + o * TILE + 16 * v, a[r * NV + v]);
        }
    }
}

} // namespace

DDPM_AVX512 void net_tile_avx512(const packed_net& P,
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

    __m512 e[2 * NV];
    for (int v = 0; v < NV; v++) {
        e[v] = _mm512_set1_ps(P.bout[0]);
        e[NV + v] = _mm512_set1_ps(P.bout[1]);
    }

    // layer 0: 2 -> Hp
    {
        __m512 x0[NV], x1[NV];
        for (int v = 0; v < NV; v++) {
            x0[v] = _mm512_loadu_ps(x + 16 * v);
            x1[v] = _mm512_loadu_ps(x + TILE + 16 * v);
        }
        const float* grow = uniform ? P.g[0] + size_t(t[0]) * Hp : nullptr;
        if (!uniform)
            gather_gamma(P.g[0], Hp, t, gb);
        const bool last = D == 1;
        for (int ob = 0; ob < Hp / RB; ob++) {
            __m512 a[RB * NV];
            for (int r = 0; r < RB; r++) {
                const int o = ob * RB + r;
                const __m512 w0 = _mm512_set1_ps(P.w0[2 * o]);
                const __m512 w1 = _mm512_set1_ps(P.w0[2 * o + 1]);
                const __m512 bb = _mm512_set1_ps(P.b[0][o]);
                for (int v = 0; v < NV; v++)
                    a[r * NV + v] = _mm512_fmadd_ps(w0, x0[v], _mm512_fmadd_ps(w1, x1[v], bb));
            }
            epilogue(a, ob * RB, grow, gb, ha, last, P.wout, Hp, e);
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
            __m512 acc[RB * NV];
            for (int r = 0; r < RB; r++) {
                const __m512 bb = _mm512_set1_ps(bias[ob * RB + r]);
                for (int v = 0; v < NV; v++)
                    acc[r * NV + v] = bb;
            }
            const float* wblk = W + size_t(ob) * Hp * RB;
            for (int i = 0; i < Hp; i++) {
                const float* hi = ha + i * TILE;
                const __m512 h0 = _mm512_load_ps(hi);
                const __m512 h1 = _mm512_load_ps(hi + 16);
                const __m512 h2 = _mm512_load_ps(hi + 32);
                const float* wi = wblk + i * RB;
                for (int r = 0; r < RB; r++) {
                    const __m512 w = _mm512_set1_ps(wi[r]);
                    acc[r * NV + 0] = _mm512_fmadd_ps(w, h0, acc[r * NV + 0]);
                    acc[r * NV + 1] = _mm512_fmadd_ps(w, h1, acc[r * NV + 1]);
                    acc[r * NV + 2] = _mm512_fmadd_ps(w, h2, acc[r * NV + 2]);
                }
            }
            epilogue(acc, ob * RB, grow, gb, hb, last, P.wout, Hp, e);
        }
        float* tmp = ha;
        ha = hb;
        hb = tmp;
    }

    for (int v = 0; v < NV; v++) {
        _mm512_storeu_ps(eps + 16 * v, e[v]);
        _mm512_storeu_ps(eps + TILE + 16 * v, e[NV + v]);
    }
}

} // namespace detail
} // namespace kernel
} // namespace ddpm
} // namespace gr
