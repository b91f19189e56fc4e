/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

// The denoiser block against the kernel called directly: the block's wiring (tags, equalisation, noise,
// units, batching, random-number indexing) must add nothing. Self-contained test source/sink blocks keep
// this test linked against gnuradio-runtime only.

#include "denoiser_cc_impl.h"
#include <gnuradio/attributes.h>
#include <gnuradio/ddpm/ddpm_sampler.h>
#include <gnuradio/ddpm/denoiser_cc.h>
#include <gnuradio/ddpm/model.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/sync_block.h>
#include <gnuradio/top_block.h>
#include <boost/test/unit_test.hpp>
#include <unistd.h>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {

namespace {

// the shipped QAM-16 model ($DDPM_QA_MODEL overrides, e.g. to try a freshly trained one)
const std::string QAM16 = std::getenv("DDPM_QA_MODEL") ? std::getenv("DDPM_QA_MODEL")
                                                       : std::string(DDPM_SOURCE_DIR) + "/models/qam16.onnx";

//! Emits a fixed vector with tags, at most \p chunk items per work() call (forces unaligned calls).
class test_source : public gr::sync_block
{
public:
    test_source(const std::vector<gr_complex>& data, const std::vector<gr::tag_t>& tags, int chunk)
        : gr::sync_block("test_source",
                         gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_data(data),
          d_tags(tags),
          d_chunk(chunk),
          d_pos(0)
    {
    }
    int work(int noutput_items, gr_vector_const_void_star&, gr_vector_void_star& out) override
    {
        if (d_pos >= d_data.size())
            return WORK_DONE;
        const size_t n =
            std::min({ static_cast<size_t>(noutput_items), static_cast<size_t>(d_chunk), d_data.size() - d_pos });
        auto o = static_cast<gr_complex*>(out[0]);
        std::copy(d_data.begin() + d_pos, d_data.begin() + d_pos + n, o);
        for (const auto& t : d_tags)
            if (t.offset >= d_pos && t.offset < d_pos + n)
                add_item_tag(0, t.offset, t.key, t.value);
        d_pos += n;
        return static_cast<int>(n);
    }

private:
    std::vector<gr_complex> d_data;
    std::vector<gr::tag_t> d_tags;
    int d_chunk;
    size_t d_pos;
};

class test_sink : public gr::sync_block
{
public:
    test_sink()
        : gr::sync_block("test_sink",
                         gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(0, 0, 0))
    {
    }
    int work(int noutput_items, gr_vector_const_void_star& in, gr_vector_void_star&) override
    {
        auto i = static_cast<const gr_complex*>(in[0]);
        std::vector<gr::tag_t> t;
        get_tags_in_window(t, 0, 0, noutput_items);
        tags.insert(tags.end(), t.begin(), t.end());
        data.insert(data.end(), i, i + noutput_items);
        return noutput_items;
    }
    std::vector<gr_complex> data;
    std::vector<gr::tag_t> tags;
};

gr::tag_t make_tag(uint64_t offset, const std::string& key, pmt::pmt_t value)
{
    gr::tag_t t;
    t.offset = offset;
    t.key = pmt::mp(key);
    t.value = value;
    return t;
}

// Random unit-power QAM-16 symbols plus complex Gaussian noise of variance nv (seeded).
std::vector<gr_complex> noisy_qam16(size_t n, double nv, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> sym(0, 3);
    std::normal_distribution<float> g(0.0f, static_cast<float>(std::sqrt(nv / 2)));
    const float a = 1.0f / std::sqrt(10.0f);
    std::vector<gr_complex> y(n);
    for (auto& v : y)
        v = gr_complex((2 * sym(rng) - 3) * a + g(rng), (2 * sym(rng) - 3) * a + g(rng));
    return y;
}

std::vector<gr_complex> run_block(denoiser_cc::sptr den,
                                  const std::vector<gr_complex>& y,
                                  const std::vector<gr::tag_t>& tags,
                                  int chunk,
                                  std::vector<gr::tag_t>* tags_out = nullptr)
{
    auto tb = gr::make_top_block("qa_denoiser");
    auto src = gnuradio::make_block_sptr<test_source>(y, tags, chunk);
    auto snk = gnuradio::make_block_sptr<test_sink>();
    tb->connect(src, 0, den, 0);
    tb->connect(den, 0, snk, 0);
    tb->run();
    if (tags_out)
        *tags_out = snk->tags;
    return snk->data;
}

// float32 rounding of the block's equalisation (it multiplies by 1/(sqrt(p) h)) grows to ~1e-5 through
// the network; wiring errors (noise level, index, scale) change outputs by 1e-3 or more.
constexpr double TOL = 1e-4;

bool message_has(const std::exception& e, const std::string& s)
{
    return std::string(e.what()).find(s) != std::string::npos;
}

double max_abs_diff(const std::vector<gr_complex>& a, const std::vector<gr_complex>& b)
{
    double m = 0.0;
    for (size_t i = 0; i < a.size(); i++)
        m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
    return m;
}

} // namespace

//! Reaches into the block to make its kernel fail (a sampler type the kernel rejects).
struct denoiser_cc_test_access {
    static void break_kernel(const denoiser_cc::sptr& den)
    {
        static_cast<denoiser_cc_impl*>(den.get())->d_cfg.type = static_cast<kernel::sampler_type>(99);
    }
};

// ------------------------------------------------------------------------------ errors

// Guarantee (docs/reliability.md): no exception escapes work(). The kernel throws std::invalid_argument
// on every call; the block logs it once and outputs every item as 0, the flowgraph ends normally.
BOOST_AUTO_TEST_CASE(test_denoiser_kernel_exception_does_not_escape_work)
{
    auto den = denoiser_cc::make(QAM16, 2, 1, 0.0f, 256, 1, 0, 20.0, 1, 0);
    denoiser_cc_test_access::break_kernel(den);
    const auto y = noisy_qam16(3000, 0.01, 11);
    std::vector<gr_complex> out;
    BOOST_CHECK_NO_THROW(out = run_block(den, y, {}, 700));
    BOOST_REQUIRE_EQUAL(out.size(), y.size());
    size_t nonzero = 0;
    for (const auto& v : out)
        nonzero += v != gr_complex(0.0f, 0.0f);
    BOOST_CHECK_EQUAL(nonzero, 0u);
}
BOOST_AUTO_TEST_CASE(test_denoiser_bad_parameters)
{
    // parameters are checked before the model is loaded: no model file needed
    auto bad = [](const std::string& what, auto fn) {
        BOOST_CHECK_EXCEPTION(fn(), std::invalid_argument, [&](const std::invalid_argument& e) {
            return message_has(e, what);
        });
    };
    bad("sampler", [] { denoiser_cc::make(QAM16, 3); });
    bad("sampler", [] { denoiser_cc::make(QAM16, -1); });
    bad("steps", [] { denoiser_cc::make(QAM16, 2, 0); });
    bad("eta", [] { denoiser_cc::make(QAM16, 2, 10, 1.5f); });
    bad("eta", [] { denoiser_cc::make(QAM16, 2, 10, NAN); });
    bad("batch", [] { denoiser_cc::make(QAM16, 2, 10, 0.0f, 0); });
    bad("threads", [] { denoiser_cc::make(QAM16, 2, 10, 0.0f, 64, -1); });
    bad("snr_db", [] { denoiser_cc::make(QAM16, 2, 10, 0.0f, 64, 1, 0, INFINITY); });
    bad("equalize", [] { denoiser_cc::make(QAM16, 2, 10, 0.0f, 64, 1, 0, 10.0, 3); });
    bad("output", [] { denoiser_cc::make(QAM16, 2, 10, 0.0f, 64, 1, 0, 10.0, 1, 2); });
}

BOOST_AUTO_TEST_CASE(test_denoiser_bad_model)
{
    BOOST_CHECK_EXCEPTION(denoiser_cc::make("no_such_model_xyz"),
                          model_error,
                          [](const model_error& e) {
                              return message_has(e, "cannot open") &&
                                     message_has(e, "no_such_model_xyz");
                          });
    BOOST_CHECK_EXCEPTION(denoiser_cc::make("/nonexistent/dir/m.onnx"),
                          model_error,
                          [](const model_error& e) { return message_has(e, "cannot open"); });
    const std::string junk =
        "/tmp/qa_denoiser_junk_model_" + std::to_string(::getpid()) + ".onnx";
    {
        std::ofstream f(junk, std::ios::binary);
        f << "this is not a protobuf \xff\xff\xff\xff";
    }
    BOOST_CHECK_EXCEPTION(denoiser_cc::make(junk),
                          model_error,
                          [](const model_error& e) { return message_has(e, "not an ONNX model"); });
    std::remove(junk.c_str());
}

// ------------------------------------------------------------------------------ block == kernel
// Tags (h, power, kappa_t, a mid-stream snr_db change) applied from their sample on; source chunks of
// 37 items force partial batches; the output must equal one direct kernel call on the whole stream.
BOOST_AUTO_TEST_CASE(test_denoiser_matches_kernel_with_tags)
{
    const size_t n = 5000;
    const double p = 2.0, kt = 0.01;
    const gr_complex h1(0.8f, 0.3f), h2(-0.5f, 1.1f);
    const size_t n_h2 = 1700, n_snr = 2500;
    const double snr1 = 20.0, snr2 = 5.0;
    auto y = noisy_qam16(n, 0.01, 1);
    for (size_t i = 0; i < n; i++)
        y[i] *= static_cast<float>(std::sqrt(p)) * (i < n_h2 ? h1 : h2);
    std::vector<gr::tag_t> tags = {
        make_tag(0, "power", pmt::from_double(p)),
        make_tag(0, "kappa_t", pmt::from_double(kt)),
        make_tag(0, "h", pmt::from_complex(h1)),
        make_tag(0, "snr_db", pmt::from_double(snr1)),
        make_tag(n_h2, "h", pmt::from_complex(h2)),
        make_tag(n_snr, "snr_db", pmt::from_double(snr2)),
        make_tag(3000, "unrelated", pmt::from_long(7)),
    };
    auto den = denoiser_cc::make(QAM16, 2, 10, 0.0f, 256, 2, 7, /*snr_db*/ 30.0, /*zf*/ 1, 0);
    std::vector<gr::tag_t> tags_out;
    auto out = run_block(den, y, tags, 37, &tags_out);
    BOOST_REQUIRE_EQUAL(out.size(), n);

    // the same computation by hand
    auto m = model::load(QAM16);
    const float ps = static_cast<float>(m->power_scale());
    std::vector<gr_complex> x(n), ref(n);
    std::vector<float> nv(n);
    for (size_t i = 0; i < n; i++) {
        const gr_complex h = i < n_h2 ? h1 : h2;
        const double snr = i < n_snr ? snr1 : snr2;
        x[i] = y[i] / (static_cast<float>(std::sqrt(p)) * h) * ps;
        nv[i] = static_cast<float>((kt + std::pow(10.0, -snr / 10.0) / std::norm(h)) * ps * ps);
    }
    kernel::ddpm_sampler k(m, 1);
    kernel::sampler_config cfg;
    cfg.type = kernel::sampler_type::DDIM;
    cfg.steps = 10;
    cfg.eta = 0.0f;
    cfg.seed = 7;
    k.sample(x.data(), nv.data(), ref.data(), n, 0, cfg);
    for (auto& v : ref)
        v /= ps;
    BOOST_CHECK_SMALL(max_abs_diff(out, ref), TOL);

    // the snr change is visible: samples after it differ from a run that ignores it
    std::vector<float> nv_no_change(nv);
    std::vector<gr_complex> ref2(n);
    for (size_t i = n_snr; i < n; i++)
        nv_no_change[i] = static_cast<float>(
            (kt + std::pow(10.0, -snr1 / 10.0) / std::norm(h2)) * ps * ps);
    k.sample(x.data(), nv_no_change.data(), ref2.data(), n, 0, cfg);
    for (auto& v : ref2)
        v /= ps;
    BOOST_CHECK_GT(std::abs(ref2[n_snr] - ref[n_snr]), 1e-4);

    // tags pass through on the same samples
    size_t seen = 0;
    for (const auto& t : tags_out)
        for (const auto& ti : tags)
            if (t.offset == ti.offset && pmt::eqv(t.key, ti.key) && pmt::equal(t.value, ti.value))
                seen++;
    BOOST_CHECK_EQUAL(seen, tags.size());
    BOOST_CHECK_EQUAL(tags_out.size(), tags.size());
    BOOST_CHECK_EQUAL(den->noise_source(), "tags");
    BOOST_CHECK_CLOSE(den->last_noise_var(), nv[n - 1], 1e-4);
    BOOST_CHECK_GT(den->throughput(), 0.0);
}

// MMSE equalisation: x and v scaled by g = 1/(1+v); stochastic DDPM (matched) sampler; no tags, so the
// snr_db parameter gives the noise. A stream length that is not a multiple of the batch.
BOOST_AUTO_TEST_CASE(test_denoiser_mmse_matched_untagged)
{
    const size_t n = 3001;
    const double snr = 8.0;
    auto y = noisy_qam16(n, std::pow(10.0, -snr / 10.0), 2);
    auto den = denoiser_cc::make(QAM16, 1, 10, 0.0f, 1000, 1, 11, snr, /*mmse*/ 2, 0);
    auto out = run_block(den, y, {}, 4096);
    BOOST_REQUIRE_EQUAL(out.size(), n);
    auto m = model::load(QAM16);
    const float ps = static_cast<float>(m->power_scale());
    const float v = static_cast<float>(std::pow(10.0, -snr / 10.0));
    const float g = 1.0f / (1.0f + v);
    std::vector<gr_complex> x(n), ref(n);
    for (size_t i = 0; i < n; i++)
        x[i] = y[i] * g * ps;
    kernel::ddpm_sampler k(m, 1);
    kernel::sampler_config cfg;
    cfg.type = kernel::sampler_type::MATCHED;
    cfg.seed = 11;
    cfg.noise_var = v * g * ps * ps;
    k.sample(x.data(), nullptr, ref.data(), n, 0, cfg);
    for (auto& r : ref)
        r /= ps;
    BOOST_CHECK_SMALL(max_abs_diff(out, ref), TOL);
    BOOST_CHECK_EQUAL(den->noise_source(), "snr_db");
}

// Hard decisions: every output is one of the model's constellation points (physical units): the MAP
// point given the equalised input, which with a model file's uniform prior is the point nearest to the
// equalised input (here h = 1: the input itself), whatever the denoised output of the block.
BOOST_AUTO_TEST_CASE(test_denoiser_hard_decisions)
{
    const size_t n = 2000;
    auto y = noisy_qam16(n, 0.05, 3);
    auto hard = run_block(denoiser_cc::make(QAM16, 2, 10, 0.0f, 512, 1, 5, 13.0, 1, 1), y, {}, 4096);
    BOOST_REQUIRE_EQUAL(hard.size(), n);
    auto m = model::load(QAM16);
    const auto& c = m->constellation();
    BOOST_REQUIRE(!c.empty());
    const float ps = static_cast<float>(m->power_scale());
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t j = 1; j < c.size(); j++)
            if (std::norm(y[i] * ps - c[j]) < std::norm(y[i] * ps - c[best]))
                best = j;
        if (std::abs(hard[i] - c[best] / ps) > 1e-6f)
            bad++;
    }
    BOOST_CHECK_EQUAL(bad, 0u);
}

// Runtime setters: bad values rejected, good ones read back.
BOOST_AUTO_TEST_CASE(test_denoiser_setters)
{
    auto den = denoiser_cc::make(QAM16, 2, 10, 0.0f, 64, 1, 0, 10.0, 1, 0);
    BOOST_CHECK_THROW(den->set_steps(0), std::invalid_argument);
    BOOST_CHECK_THROW(den->set_eta(-0.1f), std::invalid_argument);
    BOOST_CHECK_THROW(den->set_sampler(5), std::invalid_argument);
    BOOST_CHECK_THROW(den->set_snr_db(-INFINITY), std::invalid_argument);
    BOOST_CHECK_EQUAL(den->steps(), 10); // unchanged by the rejected call
    den->set_steps(4);
    den->set_eta(0.5f);
    den->set_sampler(1);
    den->set_snr_db(NAN);
    BOOST_CHECK_EQUAL(den->steps(), 4);
    BOOST_CHECK_EQUAL(den->eta(), 0.5f);
    BOOST_CHECK_EQUAL(den->sampler(), 1);
    BOOST_CHECK(std::isnan(den->snr_db()));
}

} /* namespace ddpm */
} /* namespace gr */
