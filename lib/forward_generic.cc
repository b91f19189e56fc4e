/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Portable forward pass for the build's baseline instruction set (x86-64: SSE2). Chosen at run time when
// neither AVX-512F nor AVX2/FMA is present, or forced with DDPM_KERNEL_ISA=generic / set_isa("generic").
#include "kernel_impl.h"
#include "softplus.h"

#define DDPM_PORTABLE_NAME net_tile_generic
#include "forward_portable.inc"
