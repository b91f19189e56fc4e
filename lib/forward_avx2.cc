/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The portable forward pass (forward_portable.inc) compiled for AVX2 + FMA (x86-64-v3 class CPUs without
// AVX-512). Every header is included before the target pragma, so only this file's own functions (and the
// internal-linkage softplus) are compiled for AVX2: nothing leaks into inline functions shared with other
// translation units.
#include "kernel_impl.h"
#include "softplus.h"

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define DDPM_PORTABLE_NAME net_tile_avx2
#define DDPM_PORTABLE_VBYTES 32
#include "forward_portable.inc"
#pragma GCC pop_options

namespace gr {
namespace ddpm {
namespace kernel {
namespace detail {
bool cpu_has_avx2()
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
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
