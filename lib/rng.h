/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The module's random number generators, one definition each:
//  - ddpm-rng-v1 (docs/sampling.md): counter-based normal pairs keyed by (seed, absolute sample index,
//    counter), used by the sampling kernel;
//  - xoshiro256** seeded through splitmix64 (mix), the sequential generator of the impairment injector.
#ifndef INCLUDED_DDPM_RNG_H
#define INCLUDED_DDPM_RNG_H

#include <cmath>
#include <cstdint>

namespace gr {
namespace ddpm {
namespace rng {

//! splitmix64 finaliser, all arithmetic modulo 2^64
inline uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

//! per-sample key mix(mix(seed) ^ n); the pair for counter c is then keyed by mix(key ^ c)
inline uint64_t sample_key(uint64_t seed, uint64_t n) { return mix(mix(seed) ^ n); }

//! the two N(0, 1) values (z_I, z_Q) for (key = sample_key(seed, n), counter c), in float64
inline void normal_pair(uint64_t key, uint64_t c, double& zi, double& zq)
{
    const uint64_t h = mix(key ^ c);
    const double u1 = double((h >> 40) + 1) * (1.0 / 16777216.0);       // (0, 1]
    const double u2 = double((h >> 16) & 0xFFFFFFULL) * (1.0 / 16777216.0); // [0, 1)
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double ph = 6.283185307179586 * u2;
    zi = r * std::cos(ph);
    zq = r * std::sin(ph);
}

//! the same pair computed with float32 libm (logf, sincosf): within ~1e-6 of normal_pair, ~2x cheaper
inline void normal_pair_f(uint64_t key, uint64_t c, float& zi, float& zq)
{
    const uint64_t h = mix(key ^ c);
    const float u1 = float((h >> 40) + 1) * (1.0f / 16777216.0f);       // exact: 24-bit integers
    const float u2 = float((h >> 16) & 0xFFFFFFULL) * (1.0f / 16777216.0f);
    const float r = std::sqrt(-2.0f * std::log(u1));
    float sn, cs;
    ::sincosf(6.28318530717958648f * u2, &sn, &cs);
    zi = r * cs;
    zq = r * sn;
}

//! xoshiro256** (Blackman & Vigna); the state is seeded with mix(seed + i * 0x9E3779B97F4A7C15), i = 0..3
//! (the splitmix64 sequence started at seed), which is never all zero
struct xoshiro256ss {
    uint64_t s[4];

    explicit xoshiro256ss(uint64_t seed)
    {
        for (auto& w : s) {
            w = mix(seed);
            seed += 0x9E3779B97F4A7C15ULL;
        }
    }

    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    uint64_t next()
    {
        const uint64_t result = rotl(s[1] * 5, 7) * 9;
        const uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
    }
};

} // namespace rng
} // namespace ddpm
} // namespace gr

#endif
