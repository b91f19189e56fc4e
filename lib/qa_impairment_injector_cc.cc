/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/attributes.h>
#include <gnuradio/ddpm/impairment_injector_cc.h>
#include <gnuradio/ddpm/impairment_params.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/sync_block.h>
#include <gnuradio/top_block.h>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {

namespace {

// Minimal test-local source and sink (the test links only gnuradio-runtime).
class vec_source : public gr::sync_block
{
    std::vector<gr_complex> d_data;
    size_t d_pos = 0;

public:
    explicit vec_source(const std::vector<gr_complex>& data)
        : gr::sync_block("qa_vec_source",
                         gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_data(data)
    {
    }
    int work(int noutput_items, gr_vector_const_void_star&, gr_vector_void_star& out) override
    {
        if (d_pos >= d_data.size())
            return WORK_DONE;
        const size_t n = std::min<size_t>(noutput_items, d_data.size() - d_pos);
        auto o = static_cast<gr_complex*>(out[0]);
        std::copy(d_data.begin() + d_pos, d_data.begin() + d_pos + n, o);
        d_pos += n;
        return static_cast<int>(n);
    }
};

class vec_sink : public gr::sync_block
{
public:
    std::vector<gr_complex> data;
    std::vector<gr::tag_t> tags;
    vec_sink()
        : gr::sync_block("qa_vec_sink",
                         gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(0, 0, 0))
    {
    }
    int work(int noutput_items, gr_vector_const_void_star& in, gr_vector_void_star&) override
    {
        auto i = static_cast<const gr_complex*>(in[0]);
        data.insert(data.end(), i, i + noutput_items);
        std::vector<gr::tag_t> t;
        get_tags_in_range(t, 0, nitems_read(0), nitems_read(0) + noutput_items);
        tags.insert(tags.end(), t.begin(), t.end());
        return noutput_items;
    }
};

std::vector<gr_complex> run_through(impairment_injector_cc::sptr inj,
                                    const std::vector<gr_complex>& x,
                                    std::vector<gr::tag_t>* tags = nullptr)
{
    auto tb = gr::make_top_block("qa_injector");
    auto src = std::make_shared<vec_source>(x);
    auto snk = std::make_shared<vec_sink>();
    tb->connect(src, 0, inj, 0);
    tb->connect(inj, 0, snk, 0);
    tb->run();
    if (tags)
        *tags = snk->tags;
    return snk->data;
}

std::vector<gr_complex> qpsk(size_t n)
{
    std::vector<gr_complex> x(n);
    const float a = static_cast<float>(1.0 / std::sqrt(2.0));
    for (size_t i = 0; i < n; i++)
        x[i] = gr_complex((i & 1) ? a : -a, (i & 2) ? a : -a);
    return x;
}

} // namespace

BOOST_AUTO_TEST_CASE(test_impairment_params_validate_bounds)
{
    impairment_params ok;
    BOOST_CHECK_NO_THROW(ok.validate());
    BOOST_CHECK_EQUAL(ok.snr_db, 20.0);
    BOOST_CHECK_EQUAL(ok.coherence_len, 1000);

    // edges of the allowed ranges are accepted
    BOOST_CHECK_NO_THROW(impairment_params(300.0, 100.0, 0.0, 1e6, 16, 1e6, 1, 1, 1, 7).validate());
    BOOST_CHECK_NO_THROW(impairment_params(-100.0).validate());

    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    struct bad_case {
        impairment_params p;
        const char* name;
    };
    const std::vector<bad_case> bad = {
        { impairment_params(nan), "snr_db" },
        { impairment_params(inf), "snr_db" },
        { impairment_params(301.0), "snr_db" },
        { impairment_params(20.0, -0.1), "kappa_t" },
        { impairment_params(20.0, 0.0, -1e-9), "kappa_r" },
        { impairment_params(20.0, 0.0, nan), "kappa_r" },
        { impairment_params(20.0, 0.0, 0.0, 0.0), "power" },
        { impairment_params(20.0, 0.0, 0.0, -1.0), "power" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 17), "quant_bits" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, -1), "quant_bits" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 4, 0.0), "full_scale" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 4, inf), "full_scale" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 2), "fading" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 1, 0), "coherence_len" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 10, -1), "noise" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 10, 0, 0, 0), "antennas" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 10, 0, 0, 65), "antennas" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 10, 0, 0, 4, 2), "csi" },
        { impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 10, 0, 0, 4, -1), "csi" },
    };
    for (const auto& c : bad) {
        bool thrown = false;
        try {
            c.p.validate();
        } catch (const std::invalid_argument& e) {
            thrown = true;
            // the message names the parameter
            BOOST_CHECK_MESSAGE(std::string(e.what()).find(c.name) != std::string::npos,
                                "message '" << e.what() << "' does not name " << c.name);
        }
        BOOST_CHECK_MESSAGE(thrown, "no std::invalid_argument for bad " << c.name);
    }
    BOOST_CHECK_THROW(impairment_injector_cc::make(20.0, -1.0), std::invalid_argument);
    auto blk = impairment_injector_cc::make();
    BOOST_CHECK_THROW(blk->set_quant_bits(20), std::invalid_argument);
    BOOST_CHECK_EQUAL(blk->quant_bits(), 0); // unchanged after a rejected setter
    BOOST_CHECK_NO_THROW(impairment_params(20.0, 0.0, 0.0, 1.0, 0, 1.5, 1, 1, 0, 0, 64, 1).validate());
    BOOST_CHECK_EQUAL(ok.antennas, 1);
    BOOST_CHECK_EQUAL(ok.csi, 0);
    BOOST_CHECK_THROW(
        impairment_injector_cc::make(20.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 1000, 0, 0, 65), std::invalid_argument);
    BOOST_CHECK_THROW(blk->set_antennas(0), std::invalid_argument);
    BOOST_CHECK_THROW(blk->set_csi(3), std::invalid_argument);
    BOOST_CHECK_EQUAL(blk->antennas(), 1);
    BOOST_CHECK_EQUAL(blk->csi(), 0);
    blk->set_antennas(8);
    blk->set_csi(1);
    BOOST_CHECK_EQUAL(blk->antennas(), 8);
    BOOST_CHECK_EQUAL(blk->params().csi, 1);
}

BOOST_AUTO_TEST_CASE(test_impairment_injector_cc_identity_and_tags)
{
    // kappa = 0, 200 dB SNR, no fading, no quantisation: y = sqrt(p) s to float precision
    const double p = 2.5;
    auto inj = impairment_injector_cc::make(200.0, 0.0, 0.0, p);
    const auto x = qpsk(5000);
    std::vector<gr::tag_t> tags;
    const auto y = run_through(inj, x, &tags);
    BOOST_REQUIRE_EQUAL(y.size(), x.size());
    double max_err = 0.0;
    for (size_t i = 0; i < x.size(); i++)
        max_err = std::max(max_err, double(std::abs(y[i] - float(std::sqrt(p)) * x[i])));
    BOOST_CHECK_LT(max_err, 1e-6 * std::sqrt(p));

    // one tag of each key at sample 0, h = 1
    int n_h = 0, n_snr = 0;
    for (const auto& t : tags) {
        BOOST_CHECK_EQUAL(t.offset, 0u);
        const std::string k = pmt::symbol_to_string(t.key);
        if (k == "h") {
            n_h++;
            BOOST_CHECK_EQUAL(pmt::to_complex(t.value), std::complex<double>(1.0, 0.0));
        } else if (k == "snr_db") {
            n_snr++;
            BOOST_CHECK_EQUAL(pmt::to_double(t.value), 200.0);
        } else if (k == "power") {
            BOOST_CHECK_EQUAL(pmt::to_double(t.value), p);
        }
    }
    BOOST_CHECK_EQUAL(n_h, 1);
    BOOST_CHECK_EQUAL(n_snr, 1);
}

BOOST_AUTO_TEST_CASE(test_impairment_injector_cc_rayleigh_h_tags)
{
    // noise off: y = h s, and the h tag at the start of every block of 10 is the h applied
    const int L = 10;
    const size_t n = 2000;
    auto inj = impairment_injector_cc::make(300.0, 0.0, 0.0, 1.0, 0, 1.5, FADING_RAYLEIGH, L, 0, 5);
    const auto x = qpsk(n);
    std::vector<gr::tag_t> tags;
    const auto y = run_through(inj, x, &tags);
    BOOST_REQUIRE_EQUAL(y.size(), n);
    std::vector<gr::tag_t> h_tags;
    for (const auto& t : tags)
        if (pmt::symbol_to_string(t.key) == "h")
            h_tags.push_back(t);
    BOOST_REQUIRE_EQUAL(h_tags.size(), n / L);
    double sum_h2 = 0.0;
    for (size_t b = 0; b < h_tags.size(); b++) {
        BOOST_CHECK_EQUAL(h_tags[b].offset, b * L);
        const std::complex<double> h = pmt::to_complex(h_tags[b].value);
        sum_h2 += std::norm(h);
        for (int k = 0; k < L; k++) {
            const size_t i = b * L + k;
            const std::complex<double> expect = h * std::complex<double>(x[i]);
            BOOST_CHECK_SMALL(std::abs(std::complex<double>(y[i]) - expect), 1e-5 * (1 + std::abs(h)));
        }
        if (b > 0) // changes between blocks
            BOOST_CHECK(pmt::to_complex(h_tags[b].value) != pmt::to_complex(h_tags[b - 1].value));
    }
    // E|h|^2 = 1 over B = 200 blocks: |h|^2 exponential, 5 standard errors = 5/sqrt(B)
    BOOST_CHECK_CLOSE_FRACTION(sum_h2 / h_tags.size(), 1.0, 5.0 / std::sqrt(double(h_tags.size())));
}

BOOST_AUTO_TEST_CASE(test_impairment_injector_cc_noise_power)
{
    // Gaussian noise at 10 dB, p = 1: measured E|y - s|^2 = 0.1. N = 200000 complex samples: the
    // variance estimate has relative std sqrt(1/N) (|n|^2 is exponential, std = mean), so 5 sigma
    // is 5/sqrt(N) ~ 1.1 %.
    const size_t n = 200000;
    auto inj = impairment_injector_cc::make(10.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 1000, 0, 42);
    const auto x = qpsk(n);
    const auto y = run_through(inj, x);
    double acc = 0.0;
    for (size_t i = 0; i < n; i++)
        acc += std::norm(y[i] - x[i]);
    const double measured = acc / n;
    BOOST_CHECK_CLOSE_FRACTION(measured, 0.1, 5.0 / std::sqrt(double(n)));
}

BOOST_AUTO_TEST_CASE(test_impairment_injector_cc_one_antenna_unchanged)
{
    // antennas = 1, csi = 0 given explicitly: the same samples as the single-antenna default
    const auto x = qpsk(3000);
    auto a = impairment_injector_cc::make(5.0, 0.05, 0.02, 1.0, 0, 1.5, FADING_RAYLEIGH, 7, 0, 11);
    auto b = impairment_injector_cc::make(5.0, 0.05, 0.02, 1.0, 0, 1.5, FADING_RAYLEIGH, 7, 0, 11, 1, 0);
    const auto ya = run_through(a, x);
    const auto yb = run_through(b, x);
    BOOST_REQUIRE_EQUAL(ya.size(), yb.size());
    BOOST_CHECK(ya == yb);
}

BOOST_AUTO_TEST_CASE(test_impairment_injector_cc_miso_array_gain)
{
    // N_t = 4, Rayleigh blocks of L = 5, no noise. The "h" tag carries g = h^T w, "h_norm2" ||h||^2.
    // With CSI g = ||h||: |g|^2 ~ Gamma(4, 1), mean 4, std 2, so over B blocks 5 standard errors are
    // 5 * (2/4) / sqrt(B) relative. Without CSI g ~ CN(0, 1): |g|^2 exponential, 5 / sqrt(B).
    const int nt = 4, L = 5;
    const size_t n = 20000;
    const auto x = qpsk(n);
    for (int csi = 0; csi <= 1; csi++) {
        auto inj = impairment_injector_cc::make(
            300.0, 0.0, 0.0, 1.0, 0, 1.5, FADING_RAYLEIGH, L, 0, 77 + csi, nt, csi);
        std::vector<gr::tag_t> tags;
        const auto y = run_through(inj, x, &tags);
        BOOST_REQUIRE_EQUAL(y.size(), n);
        std::vector<std::complex<double>> g;
        std::vector<double> n2;
        int n_ant = 0;
        for (const auto& t : tags) {
            const std::string k = pmt::symbol_to_string(t.key);
            if (k == "h") {
                BOOST_CHECK_EQUAL(t.offset, g.size() * L);
                g.push_back(pmt::to_complex(t.value));
            } else if (k == "h_norm2") {
                n2.push_back(pmt::to_double(t.value));
            } else if (k == "antennas") {
                n_ant++;
                BOOST_CHECK_EQUAL(t.offset, 0u);
                BOOST_CHECK_EQUAL(pmt::to_long(t.value), nt);
            }
        }
        BOOST_CHECK_EQUAL(n_ant, 1);
        BOOST_REQUIRE_EQUAL(g.size(), n / L);
        BOOST_REQUIRE_EQUAL(n2.size(), g.size());
        double sum_g2 = 0.0;
        for (size_t b = 0; b < g.size(); b++) {
            sum_g2 += std::norm(g[b]);
            if (csi) {
                BOOST_CHECK_EQUAL(g[b].imag(), 0.0);
                BOOST_CHECK_CLOSE_FRACTION(std::norm(g[b]), n2[b], 1e-6);
            } else {
                BOOST_CHECK_LE(std::norm(g[b]), n2[b] * (1 + 1e-6)); // |sum h|^2 / N_t <= ||h||^2
            }
            // y = g s with the tagged g
            const size_t i = b * L + 2;
            BOOST_CHECK_SMALL(std::abs(std::complex<double>(y[i]) - g[b] * std::complex<double>(x[i])),
                              1e-5 * (1 + std::abs(g[b])));
        }
        const double B = static_cast<double>(g.size());
        if (csi)
            BOOST_CHECK_CLOSE_FRACTION(sum_g2 / B, double(nt), 5.0 * 0.5 / std::sqrt(B));
        else
            BOOST_CHECK_CLOSE_FRACTION(sum_g2 / B, 1.0, 5.0 / std::sqrt(B));
    }
}

BOOST_AUTO_TEST_CASE(test_impairment_params_effective_noise_var_miso)
{
    // 1 antenna: kappa_t + kappa_r + 10^(-snr/10)/|h|^2 whatever h_norm2 says
    const impairment_params one(10.0, 0.2, 0.01);
    BOOST_CHECK_CLOSE(one.effective_noise_var(0.5), 0.21 + 0.1 / 0.5, 1e-12);
    BOOST_CHECK_CLOSE(one.effective_noise_var(0.5, 0.5), one.effective_noise_var(0.5), 1e-12);
    BOOST_CHECK(std::isinf(one.effective_noise_var(0.0)));
    // 4 antennas, given ||h||^2: kappa_t ||h||^2 / (4 |g|^2) + kappa_r + sigma^2/(p |g|^2)
    impairment_params four(10.0, 0.2, 0.01, 2.0, 0, 1.5, FADING_RAYLEIGH, 10, 0, 0, 4, 0);
    BOOST_CHECK_CLOSE(four.effective_noise_var(0.5, 3.0), 0.2 * 3.0 / 2.0 + 0.01 + 0.1 / 0.5, 1e-12);
    // only g, no CSI, Rayleigh: E[||h||^2 | g] = |g|^2 + 3
    BOOST_CHECK_CLOSE(four.effective_noise_var(0.5), 0.2 * 3.5 / 2.0 + 0.01 + 0.1 / 0.5, 1e-12);
    four.csi = 1; // g = ||h||: kappa_t / 4
    BOOST_CHECK_CLOSE(four.effective_noise_var(0.5), 0.05 + 0.01 + 0.1 / 0.5, 1e-12);
    four.csi = 0;
    four.fading = FADING_NONE; // ||h||^2 = 1
    BOOST_CHECK_CLOSE(four.effective_noise_var(1.0), 0.05 + 0.01 + 0.1, 1e-12);
    BOOST_CHECK(std::isinf(four.effective_noise_var(1.0, std::nan(""))));
}

} /* namespace ddpm */
} /* namespace gr */

namespace gr {
namespace ddpm {

BOOST_AUTO_TEST_CASE(test_impairment_params_hardware_bounds_and_off_by_default)
{
    impairment_params ok;
    BOOST_CHECK(!ok.hardware_on());
    BOOST_CHECK_EQUAL(ok.pa_p, 2.0);
    BOOST_CHECK_EQUAL(ok.pn_corr_len, 20.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct bad_case {
        const char* name;
        double value;
    };
    const std::vector<bad_case> bad = { { "pa_sat", 0.005 },       { "pa_sat", -1.0 },
                                        { "pa_sat", nan },         { "pa_p", 0.05 },
                                        { "pm_alpha", 10.5 },      { "pm_beta", -0.1 },
                                        { "iq_amp_db", 20.5 },     { "iq_phase_deg", -46.0 },
                                        { "dc_re", 11.0 },         { "dc_im", nan },
                                        { "pn_model", 3.0 },       { "pn_deg", 181.0 },
                                        { "pn_corr_len", 0.5 } };
    for (const auto& c : bad) {
        impairment_params p;
        const std::string n = c.name;
        (n == "pa_sat"         ? p.pa_sat
         : n == "pa_p"         ? p.pa_p
         : n == "pm_alpha"     ? p.pm_alpha
         : n == "pm_beta"      ? p.pm_beta
         : n == "iq_amp_db"    ? p.iq_amp_db
         : n == "iq_phase_deg" ? p.iq_phase_deg
         : n == "dc_re"        ? p.dc_re
         : n == "dc_im"        ? p.dc_im
         : n == "pn_deg"       ? p.pn_deg
                               : p.pn_corr_len) = c.value;
        if (n == "pn_model") {
            p.pn_corr_len = 20.0;
            p.pn_model = static_cast<int>(c.value);
        }
        bool thrown = false;
        try {
            p.validate();
        } catch (const std::invalid_argument& e) {
            thrown = true;
            BOOST_CHECK_MESSAGE(std::string(e.what()).find(c.name) != std::string::npos,
                                "message '" << e.what() << "' does not name " << c.name);
        }
        BOOST_CHECK_MESSAGE(thrown, "no std::invalid_argument for bad " << c.name);
    }
    auto blk = impairment_injector_cc::make();
    BOOST_CHECK_THROW(blk->set_pn_model(5), std::invalid_argument);
    BOOST_CHECK_EQUAL(blk->pn_model(), 0);
    blk->set_pa_sat(1.0);
    BOOST_CHECK(blk->params().hardware_on());
}

BOOST_AUTO_TEST_CASE(test_impairment_injector_cc_rapp_saleh_at_high_snr)
{
    // noise at 300 dB: |y| = A(r), arg(y / x) = Phi(r) to float precision, r = input amplitude
    const double sat = 1.0, p = 2.0, alpha = 0.2, beta = 0.5;
    auto inj = impairment_injector_cc::make(300.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 1000, 0, 1, 1, 0, sat, p, alpha, beta);
    std::vector<gr_complex> x;
    const double amps[] = { 0.1, 0.5, 1.0, 1.3, 2.0, 4.0 };
    for (double r : amps)
        for (int k = 0; k < 8; k++)
            x.push_back(std::polar(static_cast<float>(r), static_cast<float>(0.7 * k)));
    const auto y = run_through(inj, x);
    BOOST_REQUIRE_EQUAL(y.size(), x.size());
    for (size_t i = 0; i < x.size(); i++) {
        const double r = std::abs(x[i]);
        const double a = r / std::pow(1.0 + std::pow(r / sat, 2 * p), 1.0 / (2 * p));
        const double phi = alpha * r * r / (1.0 + beta * r * r);
        BOOST_CHECK_SMALL(std::abs(y[i]) - a, 1e-5);
        BOOST_CHECK_SMALL(std::arg(y[i] / x[i]) - phi, 1e-5);
    }
}

BOOST_AUTO_TEST_CASE(test_impairment_injector_cc_pll_phase_noise_rms)
{
    // PLL-tracked phase noise, RMS s = 3 deg, L = 20: theta = arg(y) on a constant input. mean(theta^2)
    // of n samples of a stationary AR(1), a = exp(-1/L): relative std sqrt(2 (1 + a^2)/(1 - a^2)/n).
    const size_t n = 200000;
    const double L = 20.0, s = 3.0 * M_PI / 180.0, a = std::exp(-1.0 / L);
    auto inj = impairment_injector_cc::make(
        300.0, 0.0, 0.0, 1.0, 0, 1.5, 0, 1000, 0, 5, 1, 0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, PN_PLL, 3.0, L);
    const auto y = run_through(inj, std::vector<gr_complex>(n, gr_complex(1.0f, 0.0f)));
    double m2 = 0.0, m11 = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double t = std::arg(y[i]);
        m2 += t * t;
        if (i)
            m11 += t * std::arg(y[i - 1]);
    }
    BOOST_CHECK_CLOSE_FRACTION(m2 / n, s * s, 5.0 * std::sqrt(2.0 * (1 + a * a) / (1 - a * a) / n));
    // lag-1 autocorrelation a, standard error sqrt((1 - a^2)/n)
    BOOST_CHECK_SMALL(m11 / m2 - a, 5.0 * std::sqrt((1 - a * a) / n));
}

} // namespace ddpm
} // namespace gr
