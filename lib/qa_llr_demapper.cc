/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The LLR kernel (lib/llr_demapper.cc) against brute-force enumeration written out here independently:
// every point's likelihood summed directly in long double, bit by bit.
#include "llr_demapper.h"
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cfloat>
#include <cmath>
#include <complex>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

using namespace gr::ddpm::kernel;

namespace {

// ln P(b = 1 | x) / P(b = 0 | x) by enumerating every point, no log-sum-exp trick (moderate SNR only)
std::vector<double> brute_llr(std::complex<float> x,
                              const std::vector<gr_complex>& pts,
                              const std::vector<int>& labels,
                              double v,
                              bool maxlog)
{
    int k = 0;
    while ((1u << k) < pts.size())
        k++;
    std::vector<double> out(k);
    for (int b = 0; b < k; b++) {
        long double s[2] = { 0.0L, 0.0L };
        double best[2] = { 1e300, 1e300 };
        for (size_t j = 0; j < pts.size(); j++) {
            const int bit = (labels[j] >> (k - 1 - b)) & 1;
            const double d2 = std::norm(std::complex<double>(x) - std::complex<double>(pts[j]));
            s[bit] += std::exp(-static_cast<long double>(d2) / v);
            best[bit] = std::min(best[bit], d2);
        }
        out[b] = maxlog ? (best[0] - best[1]) / v : static_cast<double>(std::log(s[1]) - std::log(s[0]));
    }
    return out;
}

std::vector<int> identity(size_t m)
{
    std::vector<int> l(m);
    for (size_t j = 0; j < m; j++)
        l[j] = static_cast<int>(j);
    return l;
}

void check_against_brute(const std::string& name, double v, bool maxlog)
{
    const auto pts = named_constellation(name);
    llr_demapper dem(pts);
    const int k = dem.bits_per_symbol();
    std::mt19937 gen(1234);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::uniform_int_distribution<size_t> pick(0, pts.size() - 1);
    const size_t n = 200;
    std::vector<gr_complex> x(n);
    const float s = static_cast<float>(std::sqrt(v / 2.0));
    for (auto& xi : x)
        xi = pts[pick(gen)] + gr_complex(s * g(gen), s * g(gen));
    std::vector<float> out(n * k);
    dem.compute(x.data(), n, v, maxlog, out.data());
    for (size_t i = 0; i < n; i++) {
        const auto ref = brute_llr(x[i], pts, identity(pts.size()), v, maxlog);
        for (int b = 0; b < k; b++)
            BOOST_CHECK_SMALL(out[i * k + b] - ref[b], 1e-4 * (1.0 + std::fabs(ref[b])));
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(named_qam16_points)
{
    // Gray per axis, levels -3, -1, 1, 3 over sqrt(10): label gray(j) sits at level j, I bits first
    const auto p = named_constellation("QAM16 ");
    BOOST_REQUIRE_EQUAL(p.size(), 16u);
    const float a = 1.0f / std::sqrt(10.0f);
    const float lv[4] = { -3 * a, -1 * a, 3 * a, 1 * a }; // level of the 2-bit label 0, 1, 2, 3
    for (int i = 0; i < 16; i++) {
        BOOST_CHECK_SMALL(p[i].real() - lv[i >> 2], 1e-6f);
        BOOST_CHECK_SMALL(p[i].imag() - lv[i & 3], 1e-6f);
    }
    const auto q = named_constellation("qpsk");
    BOOST_CHECK_EQUAL(q.size(), 4u);
    BOOST_CHECK_SMALL(std::abs(q[0] - gr_complex(-a * std::sqrt(5.0f), -a * std::sqrt(5.0f))), 1e-6f);
    const auto b = named_constellation("bpsk");
    BOOST_CHECK_SMALL(std::abs(b[0] - gr_complex(1, 0)), 1e-6f);
    BOOST_CHECK_SMALL(std::abs(b[1] - gr_complex(-1, 0)), 1e-6f);
    BOOST_CHECK_THROW(named_constellation("qam8"), std::invalid_argument);
    BOOST_CHECK_THROW(named_constellation("psk3"), std::invalid_argument);
    BOOST_CHECK_THROW(named_constellation("foo16"), std::invalid_argument);
    BOOST_CHECK_THROW(named_constellation(""), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(exact_matches_enumeration)
{
    for (const char* name : { "bpsk", "qpsk", "psk8", "qam16", "qam64" })
        for (double v : { 1.0, 0.1, 0.02 })
            check_against_brute(name, v, false);
    // high SNR: the far set's terms underflow against the best point (exp(-d^2/v) < 1e-250) and are
    // recomputed against their own best point; the long double enumeration still holds them
    for (const char* name : { "bpsk", "qpsk", "qam16" })
        for (double v : { 2e-3, 5e-4 })
            check_against_brute(name, v, false);
}

BOOST_AUTO_TEST_CASE(maxlog_matches_enumeration)
{
    for (const char* name : { "qpsk", "psk8", "qam16", "qam64" })
        for (double v : { 0.5, 0.02 })
            check_against_brute(name, v, true);
}

BOOST_AUTO_TEST_CASE(labels_permute_points)
{
    // the same constellation described by a shuffled list of points with their labels gives the same LLRs
    const auto pts = named_constellation("qam16");
    std::vector<int> order = identity(16);
    std::mt19937 gen(7);
    std::shuffle(order.begin(), order.end(), gen);
    std::vector<gr_complex> shuffled(16);
    for (int j = 0; j < 16; j++)
        shuffled[j] = pts[order[j]];
    llr_demapper a(pts), b(shuffled, order);
    std::vector<gr_complex> x = { { 0.1f, -0.7f }, { 1.2f, 0.3f }, { -0.05f, 0.02f } };
    std::vector<float> la(12), lb(12);
    a.compute(x.data(), 3, 0.1, false, la.data());
    b.compute(x.data(), 3, 0.1, false, lb.data());
    for (int i = 0; i < 12; i++)
        BOOST_CHECK_SMALL(la[i] - lb[i], 1e-5f * (1.0f + std::fabs(la[i])));
}

BOOST_AUTO_TEST_CASE(sign_positive_means_one)
{
    // BPSK: point 0 = +1 carries bit 0, so x near +1 must give a negative LLR; 2 x / (v / 2) exactly
    const auto pts = named_constellation("bpsk");
    llr_demapper dem(pts);
    gr_complex x(0.9f, 0.0f);
    float l;
    dem.compute(&x, 1, 0.5, false, &l);
    BOOST_CHECK_CLOSE(l, -4.0 * 0.9 / 0.5, 1e-4);
}

BOOST_AUTO_TEST_CASE(extremes_stay_finite)
{
    const auto pts = named_constellation("qam16");
    llr_demapper dem(pts);
    const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
    std::vector<gr_complex> x = { pts[5], { nan, 0.0f }, { 0.0f, inf }, { 1e30f, -1e30f } };
    std::vector<float> out(16);
    for (double v : { 1e-300, 0.0, -1.0, 1e-12, 1e12 }) {
        for (bool ml : { false, true }) {
            dem.compute(x.data(), x.size(), v, ml, out.data());
            for (float o : out)
                BOOST_CHECK(std::isfinite(o));
            for (int b = 4; b < 12; b++) // non-finite samples: no information
                BOOST_CHECK_EQUAL(out[b], 0.0f);
        }
    }
    // a noiseless channel saturates at the right sign: point 5 = label 0101
    dem.compute(x.data(), 1, 1e-300, false, out.data());
    BOOST_CHECK_EQUAL(out[0], -FLT_MAX);
    BOOST_CHECK_EQUAL(out[1], FLT_MAX);
    BOOST_CHECK_EQUAL(out[2], -FLT_MAX);
    BOOST_CHECK_EQUAL(out[3], FLT_MAX);
    for (double v : { std::numeric_limits<double>::infinity(), std::nan("") }) {
        dem.compute(x.data(), 1, v, false, out.data());
        for (int b = 0; b < 4; b++)
            BOOST_CHECK_EQUAL(out[b], 0.0f);
    }
}

BOOST_AUTO_TEST_CASE(bad_constellations_throw)
{
    const auto pts = named_constellation("qam16");
    BOOST_CHECK_THROW(llr_demapper(std::vector<gr_complex>(pts.begin(), pts.begin() + 12)),
                      std::invalid_argument);
    BOOST_CHECK_THROW(llr_demapper({ gr_complex(1, 0) }), std::invalid_argument);
    BOOST_CHECK_THROW(llr_demapper({ gr_complex(1, 0), gr_complex(1, 0) }), std::invalid_argument);
    BOOST_CHECK_THROW(llr_demapper({ gr_complex(1, 0), gr_complex(std::nanf(""), 0) }),
                      std::invalid_argument);
    BOOST_CHECK_THROW(llr_demapper(pts, std::vector<int>(16, 0)), std::invalid_argument);
    BOOST_CHECK_THROW(llr_demapper(pts, { 0, 1, 2 }), std::invalid_argument);
    std::vector<int> bad = identity(16);
    bad[3] = 16;
    BOOST_CHECK_THROW(llr_demapper(pts, bad), std::invalid_argument);
}
