/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// gr::ddpm::kernel::ddpm_sampler against a straightforward float64 evaluation of docs/model-format.md and
// docs/sampling.md written here (one sample at a time, libm's exp/log1p), on the committed tiny fixtures
// and on every model shipped in models/. Both instruction-set paths are tested when the CPU has AVX-512.
#include "rng.h"
#include <gnuradio/ddpm/ddpm_sampler.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <complex>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <random>
#include <string>
#include <vector>

using gr::ddpm::model;
using gr::ddpm::kernel::ddpm_sampler;
using gr::ddpm::kernel::sampler_config;
using gr::ddpm::kernel::sampler_type;

namespace {

const std::string FIX = std::string(DDPM_SOURCE_DIR) + "/tests/fixtures/";

std::vector<std::string> model_files()
{
    std::vector<std::string> v = { FIX + "tiny_h8_d2_t10.onnx", FIX + "tiny_h12_d3_t16_floatdata.onnx" };
    std::string dir = std::string(DDPM_SOURCE_DIR) + "/models/";
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            // mimo_*: the MIMO channel denoiser's own architecture (docs/model-format.md), read in Python
            if (n.size() > 5 && n.substr(n.size() - 5) == ".onnx" && n.rfind("mimo_", 0) != 0)
                v.push_back(dir + n);
        }
        closedir(d);
    }
    return v;
}

std::vector<std::string> isas()
{
    std::vector<std::string> v = { "generic" };
    if (ddpm_sampler::cpu_has_avx2())
        v.push_back("avx2");
    if (ddpm_sampler::cpu_has_avx512())
        v.push_back("avx512");
    return v;
}

// eps_theta in float64 from the model's weights; s0, s1 (optional): the output layer's absolute sums
// |b_out| + sum_o |W_out[c][o] h_o|, the condition scale of each output (see eps_scaled_err)
void eps_ref(const model& m,
             double x0,
             double x1,
             int t,
             double& e0,
             double& e1,
             double* s0 = nullptr,
             double* s1 = nullptr)
{
    const int H = m.hidden();
    thread_local std::vector<double> h, a;
    h.assign(size_t(std::max(H, 2)), 0.0);
    a.assign(size_t(H), 0.0);
    h[0] = x0;
    h[1] = x1;
    for (int l = 0; l < m.depth(); l++) {
        const int in = l == 0 ? 2 : H;
        const float* W = m.weight(l).data();
        for (int o = 0; o < H; o++) {
            double s = m.bias(l)[size_t(o)];
            for (int i = 0; i < in; i++)
                s += double(W[size_t(o * in + i)]) * h[size_t(i)];
            double sp = std::max(s, 0.0) + std::log1p(std::exp(-std::fabs(s)));
            a[size_t(o)] = sp * m.embedding(l)[size_t(t * H + o)];
        }
        std::swap(h, a);
        a.resize(size_t(H));
    }
    e0 = m.out_bias()[0];
    e1 = m.out_bias()[1];
    double a0 = std::fabs(e0), a1 = std::fabs(e1);
    for (int o = 0; o < H; o++) {
        e0 += double(m.out_weight()[size_t(o)]) * h[size_t(o)];
        e1 += double(m.out_weight()[size_t(H + o)]) * h[size_t(o)];
        a0 += std::fabs(double(m.out_weight()[size_t(o)]) * h[size_t(o)]);
        a1 += std::fabs(double(m.out_weight()[size_t(H + o)]) * h[size_t(o)]);
    }
    if (s0)
        *s0 = a0;
    if (s1)
        *s1 = a1;
}

// eps comparison: max_i |a_i - b_i| / scale_i with scale_i = |b_out| + sum_o |W_out h_o| >= |b_i|, the sum of
// the absolute terms of the output dot product. A float32 evaluation has an absolute error of a few 1e-7
// times that sum (whatever the cancellation), so this is the relative error that a correct float32
// kernel keeps small for every element, while a wrong weight, step or activation gives O(1).
double eps_scaled_err(const std::vector<float>& a,
                      const std::vector<double>& b,
                      const std::vector<double>& scale)
{
    double worst = 0;
    for (size_t i = 0; i < a.size(); i++)
        worst = std::max(worst, std::fabs(double(a[i]) - b[i]) / scale[i]);
    return worst;
}

// docs/sampling.md in float64 for one sample
std::complex<double> sample_ref(const model& m,
                                std::complex<double> y,
                                double nv,
                                const sampler_config& c,
                                uint64_t index)
{
    const int T = m.T();
    const auto& ab = m.alpha_bar();
    const auto& be = m.betas();
    const uint64_t key = gr::ddpm::rng::sample_key(c.seed, index);
    // outside the schedule's range (SNR-matched samplers, known noise variance): linear MMSE, no chain
    if (c.type != sampler_type::PAPER && std::isfinite(nv) && nv >= 0 &&
        (nv / 2 < m.levels().front() || nv / 2 > m.levels().back()))
        return y / (1.0 + nv);
    int k = c.type == sampler_type::PAPER ? T - 1 : m.start_step(nv);
    double x0 = y.real(), x1 = y.imag(), z0, z1, e0, e1;
    if (c.type != sampler_type::PAPER) {
        if (c.top_up && c.stochastic) {
            const bool known = std::isfinite(nv) && nv >= 0;
            double amp = known ? std::sqrt(std::max(m.levels()[size_t(k)] - nv / 2, 0.0)) : 0.0;
            gr::ddpm::rng::normal_pair(key, uint64_t(T), z0, z1);
            x0 += amp * z0;
            x1 += amp * z1;
        }
        x0 *= std::sqrt(ab[size_t(k)]);
        x1 *= std::sqrt(ab[size_t(k)]);
    }
    if (c.type != sampler_type::DDIM) {
        for (int t = k; t >= 0; t--) {
            eps_ref(m, float(x0), float(x1), t, e0, e1);
            const double cc = be[size_t(t)] / std::sqrt(1 - ab[size_t(t)]);
            x0 = (x0 - cc * e0) / std::sqrt(1 - be[size_t(t)]);
            x1 = (x1 - cc * e1) / std::sqrt(1 - be[size_t(t)]);
            if (c.stochastic && t > 0) {
                gr::ddpm::rng::normal_pair(key, uint64_t(t), z0, z1);
                x0 += std::sqrt(be[size_t(t)]) * z0;
                x1 += std::sqrt(be[size_t(t)]) * z1;
            }
        }
    } else {
        const int S = std::min(c.steps, k + 1);
        std::vector<int> tau;
        for (int i = 0; i < S; i++)
            tau.push_back(S == 1 ? k : int(std::nearbyint(double(k) * (S - 1 - i) / (S - 1))));
        for (int i = 0; i < S; i++) {
            const int t = tau[size_t(i)];
            const double at = ab[size_t(t)], ap = i + 1 < S ? ab[size_t(tau[size_t(i + 1)])] : 1.0;
            eps_ref(m, float(x0), float(x1), t, e0, e1);
            const double h0 = (x0 - std::sqrt(1 - at) * e0) / std::sqrt(at);
            const double h1 = (x1 - std::sqrt(1 - at) * e1) / std::sqrt(at);
            const double sig = c.eta * std::sqrt((1 - ap) / (1 - at)) * std::sqrt(1 - at / ap);
            const double d = std::sqrt(std::max(1 - ap - sig * sig, 0.0));
            x0 = std::sqrt(ap) * h0 + d * e0;
            x1 = std::sqrt(ap) * h1 + d * e1;
            if (c.stochastic && sig > 0) {
                gr::ddpm::rng::normal_pair(key, uint64_t(t), z0, z1);
                x0 += sig * z0;
                x1 += sig * z1;
            }
        }
    }
    return { x0, x1 };
}

// sampler outputs: max over i of |a_i - b_i| / max(|b_i|, floor * rms(b)). The floor: an output that
// happens to be near 0 cannot be compared relatively (float32 network, ~1e-7 of the terms' scale).
double rel_err(const std::vector<double>& a, const std::vector<double>& b, double floor = 1e-2)
{
    double ms = 0;
    for (double v : b)
        ms += v * v;
    const double fl = floor * std::sqrt(ms / double(b.size()));
    double worst = 0;
    for (size_t i = 0; i < a.size(); i++)
        worst = std::max(worst, std::fabs(a[i] - b[i]) / std::max(std::fabs(b[i]), fl));
    return worst;
}

std::vector<gr_complex> random_y(size_t n, uint32_t seed, double sd = 1.0)
{
    std::mt19937 g(seed);
    std::normal_distribution<float> nd(0.0f, float(sd));
    std::vector<gr_complex> y(n);
    for (auto& v : y)
        v = gr_complex(nd(g), nd(g));
    return y;
}

// per-sample noise variances spanning below, inside and above the model's levels, plus bad values
std::vector<float> random_nv(const model& m, size_t n, uint32_t seed)
{
    std::mt19937 g(seed);
    const double lmax = std::log10(2 * m.levels().back()), lmin = std::log10(2 * m.levels().front());
    std::uniform_real_distribution<double> u(lmin - 1, lmax + 0.5);
    std::vector<float> v(n);
    for (auto& x : v)
        x = float(std::pow(10.0, u(g)));
    if (n > 10) {
        v[3] = -1.0f;
        v[5] = std::nanf("");
        v[7] = INFINITY;
        v[9] = 0.0f;
    }
    return v;
}

} // namespace

BOOST_AUTO_TEST_CASE(eps_matches_float64_reference_every_t)
{
    for (const auto& path : model_files()) {
        auto m = model::load(path);
        // every t, `per` samples each (61: not a multiple of the 48-lane tile), mixed steps within every
        // tile; fewer per step for the shipped T = 100 models (the float64 reference is slow)
        const int T = m->T();
        const size_t per = T > 20 ? 13 : 61, n = per * size_t(T);
        std::mt19937 g(11);
        std::normal_distribution<float> nd(0.0f, 1.5f);
        std::vector<float> x(2 * n);
        std::vector<int64_t> t(n);
        for (size_t i = 0; i < n; i++) {
            x[2 * i] = nd(g);
            x[2 * i + 1] = nd(g);
            t[i] = int64_t(i % size_t(T));
        }
        std::vector<double> b(2 * n), sc(2 * n);
        for (size_t i = 0; i < n; i++)
            eps_ref(*m, x[2 * i], x[2 * i + 1], int(t[i]), b[2 * i], b[2 * i + 1], &sc[2 * i],
                    &sc[2 * i + 1]);
        for (const auto& isa : isas()) {
            ddpm_sampler s(m, 2);
            s.set_isa(isa);
            BOOST_CHECK_EQUAL(s.isa(), isa);
            std::vector<float> out(2 * n);
            s.eps(x.data(), t.data(), out.data(), n);
            double err = eps_scaled_err(out, b, sc);
            BOOST_TEST_MESSAGE(path << " " << isa << " eps rel err " << err);
            BOOST_CHECK_MESSAGE(err <= 1e-4, path << " " << isa << ": eps rel err " << err);
            // uniform t (the broadcast path) gives the same bits as the gathered path
            for (int tt : { 0, T / 2, T - 1 }) {
                std::vector<int64_t> tu(n, tt);
                std::vector<float> o1(2 * n), o2(2 * n);
                s.eps(x.data(), tu.data(), o1.data(), n);
                tu[0] = (tt + 1) % T; // breaks uniformity of the first tile only
                s.eps(x.data(), tu.data(), o2.data(), n);
                BOOST_CHECK(std::memcmp(o1.data() + 2, o2.data() + 2, (2 * n - 2) * 4) == 0);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(isa_paths_agree)
{
    if (isas().size() < 2) {
        BOOST_TEST_MESSAGE("no AVX2 or AVX-512 on this CPU: only the generic path exists");
        return;
    }
    for (const auto& path : model_files())
    for (const auto& isa : isas()) {
        if (isa == "generic")
            continue;
        auto m = model::load(path);
        ddpm_sampler a(m, 1), b(m, 1);
        a.set_isa("generic");
        b.set_isa(isa);
        const size_t n = 960;
        std::mt19937 g(5);
        std::normal_distribution<float> nd(0.0f, 2.0f);
        std::vector<float> x(2 * n), ea(2 * n), eb(2 * n);
        std::vector<int64_t> t(n);
        for (size_t i = 0; i < n; i++) {
            x[2 * i] = nd(g);
            x[2 * i + 1] = nd(g);
            t[i] = int64_t(g() % uint32_t(m->T()));
        }
        a.eps(x.data(), t.data(), ea.data(), n);
        b.eps(x.data(), t.data(), eb.data(), n);
        std::vector<double> r(2 * n), sc(2 * n);
        for (size_t i = 0; i < n; i++)
            eps_ref(*m, x[2 * i], x[2 * i + 1], int(t[i]), r[2 * i], r[2 * i + 1], &sc[2 * i],
                    &sc[2 * i + 1]);
        double err = eps_scaled_err(eb, std::vector<double>(ea.begin(), ea.end()), sc);
        BOOST_TEST_MESSAGE(path << " " << isa << " vs generic eps rel err " << err);
        BOOST_CHECK_LE(err, 1e-5);
    }
}

BOOST_AUTO_TEST_CASE(rng_float_matches_double)
{
    // the kernel's float32 Box-Muller against the float64 definition of ddpm-rng-v1
    double worst = 0, m1 = 0, m2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        const uint64_t key = gr::ddpm::rng::sample_key(42, uint64_t(i) * 7919);
        double a, b;
        float fa, fb;
        gr::ddpm::rng::normal_pair(key, uint64_t(i % 101), a, b);
        gr::ddpm::rng::normal_pair_f(key, uint64_t(i % 101), fa, fb);
        worst = std::max(worst, std::max(std::fabs(fa - a), std::fabs(fb - b)));
        m1 += a + b;
        m2 += a * a + b * b;
    }
    BOOST_TEST_MESSAGE("rng float vs double: max abs diff " << worst);
    BOOST_CHECK_LT(worst, 5e-6);
    // N(0, 1): mean within 5 standard errors (1/sqrt(2n)), variance within 5 * sqrt(2/(2n))
    BOOST_CHECK_LT(std::fabs(m1 / (2 * n)), 5 / std::sqrt(2.0 * n));
    BOOST_CHECK_LT(std::fabs(m2 / (2 * n) - 1), 5 * std::sqrt(2.0 / (2 * n)));
}

BOOST_AUTO_TEST_CASE(eps_rejects_bad_t)
{
    auto m = model::load(FIX + "tiny_h8_d2_t10.onnx");
    ddpm_sampler s(m, 1);
    float x[4] = { 0, 0, 0, 0 }, o[4];
    int64_t t1[2] = { 0, 10 }, t2[2] = { -1, 0 };
    BOOST_CHECK_THROW(s.eps(x, t1, o, 2), std::out_of_range);
    BOOST_CHECK_THROW(s.eps(x, t2, o, 2), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(samplers_match_float64_reference)
{
    struct scase {
        sampler_type type;
        int steps;
        float eta;
        bool stochastic, top_up;
    };
    const std::vector<scase> cases = {
        { sampler_type::PAPER, 10, 0.0f, false, false },  { sampler_type::MATCHED, 10, 0.0f, false, false },
        { sampler_type::DDIM, 4, 0.0f, false, false },    { sampler_type::DDIM, 1, 0.0f, false, false },
        { sampler_type::DDIM, 100, 0.0f, false, false },  { sampler_type::PAPER, 10, 0.0f, true, false },
        { sampler_type::MATCHED, 10, 0.0f, true, true },  { sampler_type::DDIM, 5, 1.0f, true, true },
        { sampler_type::DDIM, 3, 0.5f, true, false },
    };
    for (const auto& path : model_files()) {
        auto m = model::load(path);
        // shipped models (T = 100, H = 128): fewer samples, the float64 reference is slow
        const size_t n = m->T() > 20 ? 24 : 200;
        auto y = random_y(n, 3);
        auto nv = random_nv(*m, n, 4);
        for (const auto& c : cases) {
            sampler_config cfg;
            cfg.type = c.type;
            cfg.steps = c.steps;
            cfg.eta = c.eta;
            cfg.stochastic = c.stochastic;
            cfg.top_up = c.top_up;
            cfg.seed = 77;
            std::vector<double> b; // float64 reference, computed once for all ISAs
            for (size_t i = 0; i < n; i++) {
                auto r = sample_ref(*m, std::complex<double>(y[i]), nv[i], cfg, 1000 + i);
                b.push_back(r.real());
                b.push_back(r.imag());
            }
            for (const auto& isa : isas()) {
                ddpm_sampler s(m, 2);
                s.set_isa(isa);
                std::vector<gr_complex> out(n);
                BOOST_CHECK_EQUAL(s.sample(y.data(), nv.data(), out.data(), n, 1000, cfg), 0u);
                std::vector<double> a;
                for (size_t i = 0; i < n; i++) {
                    a.push_back(out[i].real());
                    a.push_back(out[i].imag());
                }
                double err = rel_err(a, b);
                BOOST_TEST_MESSAGE(path << " " << isa << " sampler " << int(c.type) << " steps "
                                        << c.steps << " eta " << c.eta << " stoch " << c.stochastic
                                        << ": rel err " << err);
                BOOST_CHECK_MESSAGE(err <= 1e-4,
                                    path << " " << isa << " sampler " << int(c.type) << " steps "
                                         << c.steps << " eta " << c.eta << " stochastic "
                                         << c.stochastic << ": rel err " << err);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(bit_identical_across_batches_and_threads)
{
    auto m = model::load(FIX + "tiny_h12_d3_t16_floatdata.onnx");
    const size_t n = 1000;
    auto y = random_y(n, 8);
    auto nv = random_nv(*m, n, 9); // per-sample start steps differ within tiles
    for (const auto& isa : isas()) {
        for (auto type : { sampler_type::MATCHED, sampler_type::DDIM, sampler_type::PAPER }) {
            sampler_config cfg;
            cfg.type = type;
            cfg.steps = 5;
            cfg.eta = 0.7f;
            cfg.top_up = true;
            cfg.seed = 123456789;
            ddpm_sampler s(m, 1);
            s.set_isa(isa);
            const uint64_t F = 5000;
            std::vector<gr_complex> full(n);
            s.sample(y.data(), nv.data(), full.data(), n, F, cfg);
            for (int th : { 1, 2 }) {
                s.set_threads(th);
                for (size_t bs : { size_t(1), size_t(7), size_t(1000) }) {
                    for (size_t a = 0; a < n; a += (bs == 1 ? 37 : bs)) {
                        size_t cnt = std::min(bs, n - a);
                        std::vector<gr_complex> part(cnt);
                        s.sample(y.data() + a, nv.data() + a, part.data(), cnt, F + a, cfg);
                        BOOST_REQUIRE_MESSAGE(
                            std::memcmp(part.data(), full.data() + a, cnt * sizeof(gr_complex)) == 0,
                            isa << " type " << int(type) << " threads " << th << " batch " << bs
                                << " at " << a << " differs");
                    }
                }
            }
            // a different seed or index changes the output (the key is used)
            std::vector<gr_complex> other(n);
            s.sample(y.data(), nv.data(), other.data(), n, F + 1, cfg);
            BOOST_CHECK(std::memcmp(other.data(), full.data(), n * sizeof(gr_complex)) != 0);
            // in-place operation
            std::vector<gr_complex> io(y);
            s.sample(io.data(), nv.data(), io.data(), n, F, cfg);
            BOOST_CHECK(std::memcmp(io.data(), full.data(), n * sizeof(gr_complex)) == 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(non_finite_inputs)
{
    auto m = model::load(FIX + "tiny_h8_d2_t10.onnx");
    const size_t n = 300;
    auto y = random_y(n, 21);
    auto nv = random_nv(*m, n, 22);
    for (const auto& isa : isas()) {
        ddpm_sampler s(m, 2);
        s.set_isa(isa);
        sampler_config cfg;
        cfg.seed = 5;
        cfg.top_up = true;
        std::vector<gr_complex> clean(n), dirty(n), yd(y);
        BOOST_CHECK_EQUAL(s.sample(y.data(), nv.data(), clean.data(), n, 0, cfg), 0u);
        const float bad[] = { std::nanf(""), INFINITY, -INFINITY };
        std::vector<size_t> where = { 0, 1, 47, 48, 100, 299 };
        for (size_t k = 0; k < where.size(); k++) {
            if (k % 2)
                yd[where[k]].real(bad[k % 3]);
            else
                yd[where[k]].imag(bad[k % 3]);
        }
        BOOST_CHECK_EQUAL(s.sample(yd.data(), nv.data(), dirty.data(), n, 0, cfg), where.size());
        for (size_t i = 0; i < n; i++) {
            bool is_bad = std::find(where.begin(), where.end(), i) != where.end();
            if (is_bad)
                BOOST_CHECK(dirty[i] == gr_complex(0.0f, 0.0f));
            else
                BOOST_CHECK(std::memcmp(&dirty[i], &clean[i], sizeof(gr_complex)) == 0);
        }
        // clean outputs are finite and not all equal to the input (the chain ran)
        size_t moved = 0;
        for (size_t i = 0; i < n; i++) {
            BOOST_CHECK(std::isfinite(clean[i].real()) && std::isfinite(clean[i].imag()));
            moved += std::abs(clean[i] - y[i]) > 1e-3f;
        }
        BOOST_CHECK_GT(moved, n / 2);
    }
}

BOOST_AUTO_TEST_CASE(linear_mmse_outside_the_schedule)
{
    // a noise level below L_0 or above L_{T-1} gets y / (1 + nv) from the matched and DDIM samplers
    // (docs/sampling.md); a level inside the range, an unknown one and the paper sampler run the chain
    auto m = model::load(FIX + "tiny_h8_d2_t10.onnx");
    const double L0 = m->levels().front(), L1 = m->levels().back();
    const std::vector<float> nv = { float(2 * L0 * 0.5), float(2 * L1 * 2.0), 0.0f, float(2 * L1 * 1e6),
                                    float(L0 + L1), std::nanf(""), -1.0f };
    const std::vector<bool> linear = { true, true, true, true, false, false, false };
    const size_t n = nv.size();
    auto y = random_y(n, 31);
    for (auto type : { sampler_type::MATCHED, sampler_type::DDIM, sampler_type::PAPER }) {
        sampler_config cfg;
        cfg.type = type;
        cfg.steps = 1;
        cfg.seed = 9;
        ddpm_sampler s(m, 1);
        std::vector<gr_complex> out(n);
        BOOST_CHECK_EQUAL(s.sample(y.data(), nv.data(), out.data(), n, 0, cfg), 0u);
        for (size_t i = 0; i < n; i++) {
            const double v = std::isfinite(nv[i]) && nv[i] >= 0 ? double(nv[i]) : 0.0;
            const std::complex<double> lin = std::complex<double>(y[i]) / (1.0 + v);
            const bool want = linear[i] && type != sampler_type::PAPER;
            const double d = std::abs(std::complex<double>(out[i]) - lin);
            if (want)
                BOOST_CHECK_MESSAGE(d <= 1e-6 * std::max(1.0, std::abs(lin)),
                                    "type " << int(type) << " sample " << i << ": " << out[i]
                                            << " is not the linear MMSE " << lin);
            else
                BOOST_CHECK_MESSAGE(d > 1e-4, "type " << int(type) << " sample " << i
                                                      << ": the chain did not run");
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_arguments)
{
    auto m = model::load(FIX + "tiny_h8_d2_t10.onnx");
    BOOST_CHECK_THROW(ddpm_sampler(nullptr, 1), std::invalid_argument);
    BOOST_CHECK_THROW(ddpm_sampler(m, -1), std::invalid_argument);
    ddpm_sampler s(m, 0);
    BOOST_CHECK_THROW(s.set_threads(-2), std::invalid_argument);
    BOOST_CHECK_THROW(s.set_isa("sse9"), std::invalid_argument);
    gr_complex y(0.1f, 0.2f), o;
    sampler_config c;
    c.type = sampler_type::DDIM;
    c.steps = 0;
    BOOST_CHECK_THROW(s.sample(&y, nullptr, &o, 1, 0, c), std::invalid_argument);
    c.steps = 3;
    for (float eta : { -0.1f, 1.5f, std::nanf("") }) {
        c.eta = eta;
        BOOST_CHECK_THROW(s.sample(&y, nullptr, &o, 1, 0, c), std::invalid_argument);
    }
    c.eta = 0.0f;
    c.type = sampler_type(7);
    BOOST_CHECK_THROW(s.sample(&y, nullptr, &o, 1, 0, c), std::invalid_argument);
    // empty batch is fine
    c.type = sampler_type::MATCHED;
    BOOST_CHECK_EQUAL(s.sample(&y, nullptr, &o, 0, 0, c), 0u);
}
