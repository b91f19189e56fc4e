/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The denoiser's channel state (lib/channel_state.cc): tag validation, and the noise variance against
// the formula of docs/tags.md written out here independently.
#include "channel_state.h"
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <complex>
#include <limits>
#include <string>
#include <vector>

using namespace gr::ddpm;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();
const double Inf = std::numeric_limits<double>::infinity();

// sigma2_eff after zero forcing (docs/tags.md), the denoiser's formula before channel_state existed:
// kappa_t ||h||^2 / (N_t |g|^2) with N_t > 1 and a known ||h||^2, else kappa_t; |g|^2 in float
double reference_var(std::complex<float> g, double snr_db, double kt, double kr, int nt, double hn2)
{
    const double g2 = std::norm(g);
    const double tx = (nt > 1 && hn2 >= 0.0) ? kt * hn2 / (nt * g2) : kt;
    return tx + kr + std::pow(10.0, -snr_db / 10.0) / g2;
}

bool apply(channel_state& c, const std::string& key, const pmt::pmt_t& v)
{
    return c.apply(pmt::mp(key), v);
}

} // namespace

BOOST_AUTO_TEST_CASE(defaults)
{
    channel_state c;
    BOOST_CHECK(c.h() == gr_complex(1.0f, 0.0f));
    BOOST_CHECK(!c.has_snr());
    BOOST_CHECK(std::isnan(c.snr_db()));
    BOOST_CHECK_EQUAL(c.kappa_t(), 0.0);
    BOOST_CHECK_EQUAL(c.kappa_r(), 0.0);
    BOOST_CHECK_EQUAL(c.power(), 1.0);
    BOOST_CHECK_EQUAL(c.antennas(), 1);
    BOOST_CHECK_EQUAL(c.h_norm2(), -1.0);
    BOOST_CHECK_CLOSE(c.noise_var(10.0), 0.1, 1e-12);
}

BOOST_AUTO_TEST_CASE(valid_tags)
{
    channel_state c;
    BOOST_CHECK(apply(c, "h", pmt::from_complex(std::complex<double>(0.5, -0.25))));
    BOOST_CHECK(apply(c, "snr_db", pmt::from_double(12.5)));
    BOOST_CHECK(apply(c, "kappa_t", pmt::from_double(0.01)));
    BOOST_CHECK(apply(c, "kappa_r", pmt::from_long(0)));
    BOOST_CHECK(apply(c, "power", pmt::from_double(2.0)));
    BOOST_CHECK(apply(c, "antennas", pmt::from_long(4)));
    BOOST_CHECK(apply(c, "h_norm2", pmt::from_double(3.0)));
    BOOST_CHECK(c.h() == gr_complex(0.5f, -0.25f));
    BOOST_CHECK(c.has_snr());
    BOOST_CHECK_EQUAL(c.snr_db(), 12.5);
    BOOST_CHECK_EQUAL(c.kappa_t(), 0.01);
    BOOST_CHECK_EQUAL(c.kappa_r(), 0.0);
    BOOST_CHECK_EQUAL(c.power(), 2.0);
    BOOST_CHECK_EQUAL(c.antennas(), 4);
    BOOST_CHECK_EQUAL(c.h_norm2(), 3.0);
    // a real h, an integer SNR; a complex value for a real key is invalid (not cut to its real part)
    BOOST_CHECK(apply(c, "h", pmt::from_double(2.0)));
    BOOST_CHECK(c.h() == gr_complex(2.0f, 0.0f));
    BOOST_CHECK(apply(c, "snr_db", pmt::from_long(7)));
    BOOST_CHECK_EQUAL(c.snr_db(), 7.0);
    BOOST_CHECK(!apply(c, "kappa_r", pmt::from_complex(std::complex<double>(0.02, 1.0))));
    BOOST_CHECK(!apply(c, "kappa_r", pmt::from_complex(std::complex<double>(0.02, 0.0))));
    BOOST_CHECK(apply(c, "kappa_r", pmt::from_double(0.02)));
    BOOST_CHECK_EQUAL(c.kappa_r(), 0.02);
    const gr_complex g = c.zf_gain();
    BOOST_CHECK_CLOSE(g.real(), 1.0 / (std::sqrt(2.0) * 2.0), 1e-5);
    BOOST_CHECK_SMALL(g.imag(), 1e-7f);
    // not channel keys: nothing to do, nothing changes
    BOOST_CHECK(apply(c, "rx_time", pmt::from_uint64(5)));
    BOOST_CHECK(apply(c, "foo", pmt::intern("bar")));
    BOOST_CHECK(!channel_state::is_channel_key(pmt::mp("rx_time")));
    BOOST_CHECK(channel_state::is_channel_key(pmt::mp("h_norm2")));
    BOOST_CHECK_EQUAL(c.snr_db(), 7.0);
}

BOOST_AUTO_TEST_CASE(invalid_tags_are_ignored_and_never_throw)
{
    const std::vector<std::string> keys = { "h", "snr_db", "kappa_t", "kappa_r", "power", "antennas",
                                            "h_norm2" };
    // every PMT kind that is not a valid number: a uint64 passes pmt::is_number() but pmt::to_double
    // and pmt::to_complex throw wrong_type
    const std::vector<pmt::pmt_t> bad = {
        pmt::from_uint64(3),
        pmt::from_uint64(0xFFFFFFFFFFFFFFFFULL),
        pmt::intern("1.0"),
        pmt::PMT_T,
        pmt::PMT_NIL,
        pmt::from_double(NaN),
        pmt::from_double(Inf),
        pmt::from_double(-Inf),
        pmt::from_complex(std::complex<double>(NaN, 0.0)),
        pmt::cons(pmt::from_double(1.0), pmt::from_double(2.0)),
        pmt::init_f32vector(2, std::vector<float>{ 1.0f, 2.0f }),
        pmt::make_dict(),
        pmt::make_tuple(pmt::from_double(1.0)),
    };
    for (const auto& k : keys) {
        for (const auto& v : bad) {
            channel_state c;
            bool ok = true;
            BOOST_CHECK_NO_THROW(ok = apply(c, k, v));
            BOOST_CHECK_MESSAGE(!ok, k << " = " << pmt::write_string(v) << " accepted");
            BOOST_CHECK(c.h() == gr_complex(1.0f, 0.0f));
            BOOST_CHECK(!c.has_snr());
            BOOST_CHECK_EQUAL(c.kappa_t() + c.kappa_r(), 0.0);
            BOOST_CHECK_EQUAL(c.power(), 1.0);
            BOOST_CHECK_EQUAL(c.antennas(), 1);
            BOOST_CHECK_EQUAL(c.h_norm2(), -1.0);
        }
    }
    // complex values for the real keys
    for (const auto& k : keys)
        if (k != "h") {
            channel_state c;
            BOOST_CHECK(!apply(c, k, pmt::from_complex(std::complex<double>(1.0, 0.0))));
        }
    // out of bounds
    channel_state c;
    for (double p : { 0.0, -1.0, 1e-300, 9.9e-21, 1.01e20, 1e300 })
        BOOST_CHECK(!apply(c, "power", pmt::from_double(p)));
    for (double p : { 1e-20, 1e20 })
        BOOST_CHECK(apply(c, "power", pmt::from_double(p)));
    // h with |h|^2 not a positive normal float
    for (auto h : { std::complex<double>(0.0, 0.0), std::complex<double>(1e-30, 0.0),
                    std::complex<double>(0.0, 1e-20), std::complex<double>(1e30, 0.0),
                    std::complex<double>(2e19, 2e19) })
        BOOST_CHECK_MESSAGE(!apply(c, "h", pmt::from_complex(h)), "h = " << h << " accepted");
    BOOST_CHECK(apply(c, "h", pmt::from_complex(std::complex<double>(1e-18, 0.0))));
    for (double k : { -1e-9, -1.0 }) {
        BOOST_CHECK(!apply(c, "kappa_t", pmt::from_double(k)));
        BOOST_CHECK(!apply(c, "kappa_r", pmt::from_double(k)));
        BOOST_CHECK(!apply(c, "h_norm2", pmt::from_double(k)));
    }
    for (double n : { 0.0, 1.5, 1025.0, -2.0 })
        BOOST_CHECK(!apply(c, "antennas", pmt::from_double(n)));
    BOOST_CHECK(apply(c, "antennas", pmt::from_double(1024.0)));
    BOOST_CHECK_EQUAL(c.antennas(), 1024);
}

BOOST_AUTO_TEST_CASE(noise_var_is_the_tags_formula)
{
    struct ncase {
        std::complex<float> h;
        double snr_db, kt, kr;
        int nt;
        double hn2;
    };
    const std::vector<ncase> cases = {
        { { 1.0f, 0.0f }, 20.0, 0.0, 0.0, 1, -1.0 },     { { 0.3f, -0.7f }, 5.0, 0.01, 0.002, 1, -1.0 },
        { { 2.5f, 1.0f }, -3.0, 0.1, 0.0, 1, 4.0 },      // N_t = 1: h_norm2 plays no part
        { { 0.8f, 0.1f }, 15.0, 0.02, 0.01, 4, 2.75 },   // MISO with ||h||^2
        { { 1.3f, -0.2f }, 30.0, 0.05, 0.0, 8, 1.69 },   // MISO, CSI-like ||h||^2 = |g|^2
        { { 0.6f, 0.6f }, 10.0, 0.03, 0.001, 2, -1.0 },  // MISO, ||h||^2 unknown: one-antenna kappa_t
        { { 1e-3f, 0.0f }, 40.0, 0.0, 0.0, 3, 0.5 },
    };
    for (const auto& n : cases) {
        channel_state c;
        BOOST_REQUIRE(apply(c, "h", pmt::from_complex(std::complex<double>(n.h))));
        BOOST_REQUIRE(apply(c, "kappa_t", pmt::from_double(n.kt)));
        BOOST_REQUIRE(apply(c, "kappa_r", pmt::from_double(n.kr)));
        BOOST_REQUIRE(apply(c, "antennas", pmt::from_long(n.nt)));
        if (n.hn2 >= 0.0)
            BOOST_REQUIRE(apply(c, "h_norm2", pmt::from_double(n.hn2)));
        const double want = reference_var(n.h, n.snr_db, n.kt, n.kr, n.nt, n.hn2);
        const double got = c.noise_var(n.snr_db);
        BOOST_CHECK_MESSAGE(std::abs(got - want) <= 1e-14 * want,
                            "h " << n.h << " snr " << n.snr_db << " N_t " << n.nt << " ||h||^2 "
                                 << n.hn2 << ": " << got << " != " << want);
    }
    // no gain: an invalid tag (docs/tags.md), the state keeps h = 1
    channel_state c;
    BOOST_REQUIRE(!apply(c, "h", pmt::from_complex(std::complex<double>(0.0, 0.0))));
    BOOST_CHECK(std::isfinite(c.noise_var(10.0)));
}
