/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// lib/rng.h: splitmix64 (mix) and the injector's xoshiro256** pinned to the sequences the injector
// produced before both moved into this header (its output must stay bit-identical for a given seed).
#include "rng.h"
#include <boost/test/unit_test.hpp>
#include <cstdint>

using namespace gr::ddpm;

namespace {
// splitmix64 as published (Vigna), written independently of rng::mix: the state advances, then mixes
uint64_t splitmix64(uint64_t& x)
{
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
} // namespace

BOOST_AUTO_TEST_CASE(mix_is_splitmix64)
{
    for (uint64_t seed : { 0ULL, 1ULL, 42ULL, 0xFFFFFFFFFFFFFFFFULL }) {
        uint64_t x = seed, y = seed;
        for (int i = 0; i < 8; i++) {
            BOOST_CHECK_EQUAL(rng::mix(y), splitmix64(x));
            y += 0x9e3779b97f4a7c15ULL;
        }
    }
}

BOOST_AUTO_TEST_CASE(xoshiro256ss_first_outputs)
{
    // the first outputs of the injector's generator before it moved here (seed 0 is also the
    // published xoshiro256** sequence for splitmix64(0) seeding)
    struct golden {
        uint64_t seed;
        uint64_t out[4];
    };
    const golden cases[] = {
        { 0ULL,
          { 0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL } },
        { 1ULL,
          { 0xb3f2af6d0fc710c5ULL, 0x853b559647364ceaULL, 0x92f89756082a4514ULL, 0x642e1c7bc266a3a7ULL } },
        { 42ULL,
          { 0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL, 0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL } },
        { 0xFFFFFFFFFFFFFFFFULL,
          { 0x8f5520d52a7ead08ULL, 0xc476a018caa1802dULL, 0x81de31c0d260469eULL, 0xbf658d7e065f3c2fULL } },
    };
    for (const auto& c : cases) {
        rng::xoshiro256ss g(c.seed);
        for (uint64_t want : c.out)
            BOOST_CHECK_EQUAL(g.next(), want);
    }
}
