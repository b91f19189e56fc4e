/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The denoiser's data-based noise estimate (lib/noise_estimator.cc) on synthetic QAM-16 at known SNRs.
#include "noise_estimator.h"
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace gr::ddpm;

namespace {

const float NaNf = std::numeric_limits<float>::quiet_NaN();

// unit-power QAM-16 (physical units)
std::vector<gr_complex> qam16()
{
    std::vector<gr_complex> c;
    const float s = 1.0f / std::sqrt(10.0f);
    for (int i = -3; i <= 3; i += 2)
        for (int q = -3; q <= 3; q += 2)
            c.emplace_back(i * s, q * s);
    return c;
}

std::vector<gr_complex> scaled(std::vector<gr_complex> c, float k)
{
    for (auto& p : c)
        p *= k;
    return c;
}

// n random QAM-16 symbols plus CN(0, nv) noise (physical units)
std::vector<gr_complex> noisy_qam16(size_t n, double nv, unsigned seed)
{
    const auto c = qam16();
    std::mt19937_64 g(seed);
    std::uniform_int_distribution<size_t> sym(0, c.size() - 1);
    std::normal_distribution<double> z(0.0, std::sqrt(nv / 2.0));
    std::vector<gr_complex> x(n);
    for (auto& v : x)
        v = c[sym(g)] + gr_complex(float(z(g)), float(z(g)));
    return x;
}

} // namespace

BOOST_AUTO_TEST_CASE(kurtosis_of_qam16)
{
    noise_estimator e(qam16(), 1.0);
    BOOST_CHECK_CLOSE(e.kurtosis(), 1.32, 1e-4);
    BOOST_CHECK_EQUAL(noise_estimator({}, 1.0).kurtosis(), 0.0);
    BOOST_CHECK(std::isnan(e.last()));
}

BOOST_AUTO_TEST_CASE(known_snr_qam16)
{
    // The model contract: model-unit data has unit power, so a model of power_scale ps sees a physical
    // signal of power 1/ps^2 (a recording's power) and the estimate is in physical units.
    // 20 dB exercises the decision-directed refinement, the others M2M4.
    const size_t n = 8192;
    for (double ps : { 1.0, 2.0, 0.05 }) {
        for (double snr_db : { 0.0, 5.0, 10.0, 20.0 }) {
            const double s0 = 1.0 / (ps * ps);
            const double nv = s0 * std::pow(10.0, -snr_db / 10.0); // physical units
            noise_estimator e(qam16(), ps);
            BOOST_CHECK_CLOSE(e.signal_power(), s0, 1e-9);
            auto x = noisy_qam16(n, nv * ps * ps, 11 + unsigned(snr_db));
            for (auto& v : x)
                v /= float(ps); // model units -> physical units
            const double est = e.update(x.data(), n);
            // the moments' relative standard error is a few / sqrt(n); 8 / sqrt(n) ~ 9 % leaves room
            const double tol = 8.0 / std::sqrt(double(n));
            BOOST_TEST_MESSAGE("ps " << ps << " snr " << snr_db << " dB: estimate " << est << " true "
                                     << nv);
            BOOST_CHECK_MESSAGE(std::abs(est / nv - 1.0) <= tol,
                                "ps " << ps << " snr " << snr_db << " dB: estimate " << est
                                      << " true " << nv);
            BOOST_CHECK_EQUAL(e.last(), est);
        }
    }
}

BOOST_AUTO_TEST_CASE(stored_kurtosis_and_dd_floor_for_clustered_data)
{
    // A recording's clusters are not points: QAM-16 centres with a CN(0, w) spread (w = 0.02, like a
    // transmitter EVM of -17 dB), unit power in model units, power_scale 3. The estimator is given the
    // data's own kurtosis and decision-directed floor (what ddpm-train stores), computed here from a
    // separate clean draw, and must find the added noise from 5 to 25 dB within 1 dB; without them the
    // spread is counted as noise (the estimate is several dB high at 25 dB).
    const double w = 0.02, ps = 3.0;
    const size_t n = 1 << 15;
    const auto c = scaled(qam16(), float(std::sqrt(1.0 - w)));
    auto cloud = [&](size_t k, double nv, unsigned seed) {
        std::mt19937_64 g(seed);
        std::uniform_int_distribution<size_t> sym(0, c.size() - 1);
        std::normal_distribution<double> spread(0.0, std::sqrt(w / 2.0)), z(0.0, std::sqrt(nv / 2.0));
        std::vector<gr_complex> x(k);
        for (auto& v : x)
            v = c[sym(g)] + gr_complex(float(spread(g) + z(g)), float(spread(g) + z(g)));
        return x;
    };
    const auto clean = cloud(n, 0.0, 99);
    double m2 = 0, m4 = 0, floor = 0;
    for (const auto& v : clean) {
        const double a = std::norm(v);
        m2 += a;
        m4 += a * a;
        float best = std::numeric_limits<float>::infinity();
        for (const auto& p : c)
            best = std::min(best, std::norm(v - p));
        floor += best;
    }
    m2 /= n;
    m4 /= n;
    floor /= n;
    const double k_s = m4 / (m2 * m2);
    for (double snr_db : { 5.0, 10.0, 15.0, 20.0, 25.0 }) {
        const double nv_model = std::pow(10.0, -snr_db / 10.0);
        auto x = cloud(n, nv_model, 7 + unsigned(snr_db));
        for (auto& v : x)
            v /= float(ps);
        noise_estimator e(c, ps, k_s, floor);
        BOOST_CHECK_CLOSE(e.kurtosis(), k_s, 1e-9);
        const double truth = nv_model / (ps * ps);
        const double err_db = 10.0 * std::log10(e.update(x.data(), n) / truth);
        BOOST_TEST_MESSAGE("clusters, snr " << snr_db << " dB: error " << err_db << " dB");
        BOOST_CHECK_MESSAGE(std::abs(err_db) <= 1.0, "snr " << snr_db << " dB: error " << err_db << " dB");
        if (snr_db == 25.0) { // the floor matters: without it the estimate is far too high
            noise_estimator naive(c, ps);
            const double naive_db = 10.0 * std::log10(naive.update(x.data(), n) / truth);
            BOOST_CHECK_MESSAGE(naive_db > 3.0, "without the floor: error " << naive_db << " dB");
        }
    }
}

BOOST_AUTO_TEST_CASE(stored_kurtosis_without_constellation)
{
    // a file-trained model without labels: M2M4 with the stored kurtosis (no decision-directed step)
    const size_t n = 1 << 15;
    const double ps = 0.5, nv_model = 0.1; // 10 dB
    auto x = noisy_qam16(n, nv_model, 21);
    for (auto& v : x)
        v /= float(ps);
    noise_estimator e({}, ps, 1.32);
    const double est = e.update(x.data(), n);
    BOOST_CHECK_MESSAGE(std::abs(est / (nv_model / (ps * ps)) - 1.0) <= 8.0 / std::sqrt(double(n)),
                        "estimate " << est << " true " << nv_model / (ps * ps));
}

BOOST_AUTO_TEST_CASE(too_few_or_unusable_samples_keep_the_previous_estimate)
{
    noise_estimator e(qam16(), 1.0);
    const size_t few = noise_estimator::MIN_EST_SAMPLES - 1;
    auto x = noisy_qam16(4096, 0.1, 3);
    BOOST_CHECK(std::isnan(e.update(x.data(), few))); // none yet
    const double first = e.update(x.data(), x.size());
    BOOST_CHECK(std::isfinite(first));
    BOOST_CHECK_EQUAL(e.update(x.data(), few), first);
    BOOST_CHECK_EQUAL(e.update(x.data(), 0), first);
    std::vector<gr_complex> bad(1000, gr_complex(NaNf, NaNf));
    BOOST_CHECK_EQUAL(e.update(bad.data(), bad.size()), first);
    for (auto& v : bad)
        v = gr_complex(std::numeric_limits<float>::infinity(), 0.0f);
    BOOST_CHECK_EQUAL(e.update(bad.data(), bad.size()), first);
    BOOST_CHECK_EQUAL(e.last(), first);
}

BOOST_AUTO_TEST_CASE(outliers_and_nonfinite_samples_are_skipped)
{
    noise_estimator a(qam16(), 1.0), b(qam16(), 1.0);
    auto x = noisy_qam16(4096, 0.2, 5);
    const double clean = a.update(x.data(), x.size());
    auto y = x;
    y.emplace_back(1e5f, 0.0f); // |x|^2 = 1e10 > MAX_EST_POWER
    y.emplace_back(NaNf, 1.0f);
    y.emplace_back(3e38f, 3e38f); // |x|^2 overflows a float, not a double
    BOOST_CHECK_EQUAL(b.update(y.data(), y.size()), clean);
}

BOOST_AUTO_TEST_CASE(no_constellation_and_no_signal)
{
    // without a constellation: max(M2 - S0, 0), S0 = 1 / power_scale^2
    noise_estimator e({}, 1.0);
    std::vector<gr_complex> x(100, gr_complex(1.2f, 0.0f)); // M2 = 1.44
    BOOST_CHECK_CLOSE(e.update(x.data(), x.size()), 0.44, 1e-4);
    std::vector<gr_complex> small(100, gr_complex(0.5f, 0.0f));
    BOOST_CHECK_EQUAL(e.update(small.data(), small.size()), 0.0);
    noise_estimator e2({}, 2.0);                                        // S0 = 0.25
    BOOST_CHECK_CLOSE(e2.update(small.data(), small.size()), 0.0, 1e-9); // M2 = 0.25
    BOOST_CHECK_CLOSE(e2.update(x.data(), x.size()), 1.19, 1e-4);
    // moments no signal of kurtosis 1.32 plus Gaussian noise can give (M4 > 2 M2^2): infinite noise
    noise_estimator q(qam16(), 1.0);
    std::vector<gr_complex> spiky(100, gr_complex(0.0f, 0.0f));
    spiky[0] = gr_complex(10.0f, 0.0f); // M2 = 1, M4 = 100
    BOOST_CHECK(std::isinf(q.update(spiky.data(), spiky.size())));
}
