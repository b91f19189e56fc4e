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

} /* namespace ddpm */
} /* namespace gr */
