/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Internal to the sampling kernel: the network laid out for batch-as-SIMD evaluation, and the
// implementations of one tile's forward pass (portable C++ for the baseline ISA, hand-blocked AVX2 + FMA
// and hand-blocked AVX-512).
#ifndef INCLUDED_DDPM_KERNEL_IMPL_H
#define INCLUDED_DDPM_KERNEL_IMPL_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {

//! samples per tile: the SIMD dimension (3 AVX-512 vectors of 16 floats)
constexpr int TILE = 48;
//! output rows per register block of the H x H layers
constexpr int RB = 8;

//! 64-byte aligned float buffer (no std::vector, so that no inline template is shared between the
//! translation units compiled for different instruction sets)
struct fbuf {
    float* p = nullptr;
    size_t n = 0;
    fbuf() = default;
    explicit fbuf(size_t count) { resize(count); }
    fbuf(const fbuf&) = delete;
    fbuf& operator=(const fbuf&) = delete;
    ~fbuf() { std::free(p); }
    void resize(size_t count)
    {
        std::free(p);
        n = count;
        size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
        p = static_cast<float*>(std::aligned_alloc(64, bytes ? bytes : 64));
        if (!p)
            throw std::bad_alloc();
        for (size_t i = 0; i < count; i++)
            p[i] = 0.0f;
    }
};

/*!
 * The network of docs/model-format.md, padded to Hp = ceil(H / 8) * 8 hidden units (zero rows and columns;
 * a padded unit has bias 0 and embedding 0, so its activation is exactly 0) and laid out for the kernel.
 * All pointers are 64-byte aligned; the arrays are owned by packed_store.
 */
struct packed_net {
    int H = 0, Hp = 0, D = 0, T = 0;
    const float* w0 = nullptr;      //!< [Hp][2] first layer W_0
    const float* const* w = nullptr; //!< [D] per layer l >= 1: [Hp/8][Hp][8] (block, input, row); w[0] unused
    const float* const* b = nullptr; //!< [D][Hp] biases
    const float* const* g = nullptr; //!< [D][T][Hp] step embeddings gamma_l
    const float* wout = nullptr;    //!< [2][Hp] output layer
    float bout[2] = { 0.0f, 0.0f }; //!< output bias
};

/*!
 * Forward pass eps_theta for one tile of TILE samples.
 *   x       float32 [2][TILE]: row 0 = I, row 1 = Q (model units)
 *   t       int32 [TILE]: step of each lane, 0 <= t < T
 *   uniform true when every lane has t[0] (the embeddings are then broadcast, else gathered per lane)
 *   eps     float32 [2][TILE] output
 *   scratch float32 [scratch_floats(Hp)], 64-byte aligned
 * Lanes are independent: a lane's result does not depend on the other lanes' inputs.
 */
typedef void (*net_fn)(const packed_net& P,
                       const float* x,
                       const int32_t* t,
                       bool uniform,
                       float* eps,
                       float* scratch);

inline size_t scratch_floats(int Hp) { return size_t(3) * size_t(Hp) * TILE + 64; }

void net_tile_generic(const packed_net&, const float*, const int32_t*, bool, float*, float*);
void net_tile_avx2(const packed_net&, const float*, const int32_t*, bool, float*, float*);
void net_tile_avx512(const packed_net&, const float*, const int32_t*, bool, float*, float*);
//! whether this CPU can run net_tile_avx512
bool cpu_has_avx512();
//! whether this CPU can run net_tile_avx2 (AVX2 and FMA)
bool cpu_has_avx2();

} // namespace detail
} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif
