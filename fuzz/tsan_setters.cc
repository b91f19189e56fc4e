/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Concurrency check of the C++ blocks under ThreadSanitizer (built by fuzz/build.sh with
// -fsanitize=thread; the block and kernel sources are compiled into this program, instrumented; GNU
// Radio's runtime is the system's uninstrumented library).
//
// Two flowgraphs run in a gr::top_block while a second thread calls the runtime setters (and getters) in
// a tight loop:
//   1. source -> impairment_injector_cc -> sink; the setter thread alternates set_params(P1) and
//      set_params(P2) (plus single setters that leave the value unchanged). P1 = (power 1, no quantiser),
//      P2 = (power 4, 2-bit quantiser over [-1, 1]), both at snr_db = 300 dB (noise ~1e-15): every output
//      sample must equal sqrt(p) q(x) of exactly one of the two sets; a torn set (power of one, quantiser
//      of the other) matches neither.
//   2. source -> denoiser_cc (DDIM, threads 2) -> sink; the setter thread alternates set_steps(1) and
//      set_steps(3) (and calls set_snr_db/set_eta/set_sampler with unchanged values and every getter):
//      every output sample must equal the bare kernel's output for the whole stream with steps 1 or with
//      steps 3 (the kernel's output per sample does not depend on the batch split).
// Exit status: 0 when both checks pass (TSan itself sets the status when it reported a race: run with
// TSAN_OPTIONS=exitcode=66). Prints one summary line per flowgraph.
//
// Usage: tsan_setters MODEL.onnx [N_INJECTOR] [N_DENOISER]
//        tsan_setters --selftest-race     (a deliberate race: TSan must report it)

#include <gnuradio/ddpm/ddpm_sampler.h>
#include <gnuradio/ddpm/denoiser_cc.h>
#include <gnuradio/ddpm/impairment_injector_cc.h>
#include <gnuradio/ddpm/model.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/sync_block.h>
#include <gnuradio/top_block.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

//! Emits a fixed vector, at most \p chunk items per work() call (many work calls, many batches).
class vec_source : public gr::sync_block
{
public:
    vec_source(const std::vector<gr_complex>& data, size_t chunk)
        : gr::sync_block(
              "vec_source", gr::io_signature::make(0, 0, 0), gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_data(data),
          d_chunk(chunk)
    {
    }
    int work(int noutput_items, gr_vector_const_void_star&, gr_vector_void_star& out) override
    {
        if (d_pos >= d_data.size())
            return WORK_DONE;
        const size_t n = std::min({ size_t(noutput_items), d_chunk, d_data.size() - d_pos });
        std::copy(d_data.begin() + d_pos, d_data.begin() + d_pos + n, static_cast<gr_complex*>(out[0]));
        d_pos += n;
        return int(n);
    }

private:
    std::vector<gr_complex> d_data;
    size_t d_chunk, d_pos = 0;
};

//! Records its input.
class vec_sink : public gr::sync_block
{
public:
    vec_sink()
        : gr::sync_block(
              "vec_sink", gr::io_signature::make(1, 1, sizeof(gr_complex)), gr::io_signature::make(0, 0, 0))
    {
    }
    int work(int noutput_items, gr_vector_const_void_star& in, gr_vector_void_star&) override
    {
        auto p = static_cast<const gr_complex*>(in[0]);
        std::lock_guard<std::mutex> l(d_mu);
        d_data.insert(d_data.end(), p, p + noutput_items);
        d_calls++;
        return noutput_items;
    }
    std::vector<gr_complex> data()
    {
        std::lock_guard<std::mutex> l(d_mu);
        return d_data;
    }

private:
    std::mutex d_mu;
    std::vector<gr_complex> d_data;
    size_t d_calls = 0;
};

template <class T, class... A>
std::shared_ptr<T> mk(A&&... a)
{
    return gnuradio::make_block_sptr<T>(std::forward<A>(a)...);
}

double quant(double v, int bits, double fs)
{
    const double delta = 2.0 * fs / double(1 << bits);
    double k = std::floor(v / delta);
    k = std::min(std::max(k, -double(1 << (bits - 1))), double((1 << (bits - 1)) - 1));
    return (k + 0.5) * delta;
}

int injector_check(size_t n)
{
    using gr::ddpm::impairment_params;
    const impairment_params p1(300.0, 0.0, 0.0, 1.0, 0, 1.5);
    const impairment_params p2(300.0, 0.0, 0.0, 4.0, 2, 1.0);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.2f, 1.2f);
    std::vector<gr_complex> x(n);
    for (auto& v : x)
        v = gr_complex(u(rng), u(rng));

    auto tb = gr::make_top_block("tsan_injector");
    auto src = mk<vec_source>(x, 37);
    auto inj = gr::ddpm::impairment_injector_cc::make(300.0);
    auto snk = mk<vec_sink>();
    tb->connect(src, 0, inj, 0);
    tb->connect(inj, 0, snk, 0);

    std::atomic<bool> stop(false);
    std::atomic<long> nset(0);
    std::thread setter([&] {
        bool one = true;
        while (!stop.load()) {
            inj->set_params(one ? p1 : p2);
            inj->set_snr_db(300.0);
            (void)inj->params();
            (void)inj->power();
            (void)inj->quant_bits();
            one = !one;
            nset++;
        }
    });
    tb->run();
    stop = true;
    setter.join();

    const auto y = snk->data();
    size_t n1 = 0, n2 = 0, bad = 0;
    for (size_t i = 0; i < y.size(); i++) {
        const gr_complex a = x[i];
        const gr_complex e2(float(2.0 * quant(a.real(), 2, 1.0)), float(2.0 * quant(a.imag(), 2, 1.0)));
        const bool m1 = std::abs(y[i] - a) <= 1e-6f, m2 = std::abs(y[i] - e2) <= 1e-6f;
        n1 += m1 && !m2;
        n2 += m2 && !m1;
        bad += !m1 && !m2;
    }
    std::printf("injector: %zu samples, %ld parameter sets installed, %zu samples with set 1, %zu with set 2, "
                "%zu torn\n",
                y.size(), nset.load(), n1, n2, bad);
    return (y.size() == n && bad == 0) ? 0 : 1;
}

int denoiser_check(const std::string& path, size_t n)
{
    const double snr_db = 10.0;
    auto m = gr::ddpm::model::load(path);
    const auto& c = m->constellation();
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const float sd = float(std::sqrt(std::pow(10.0, -snr_db / 10.0) / 2.0));
    std::vector<gr_complex> y(n);
    for (auto& v : y)
        v = c[rng() % c.size()] / float(m->power_scale()) + gr_complex(sd * g(rng), sd * g(rng));

    // the bare kernel on the whole stream, with each of the two settings (the block's arithmetic: ZF with
    // h = 1, p = 1, then model units)
    const float ps = float(m->power_scale());
    std::vector<gr_complex> xm(n);
    std::vector<float> nv(n, float(std::pow(10.0, -snr_db / 10.0)) * float(m->power_scale() * m->power_scale()));
    for (size_t i = 0; i < n; i++)
        xm[i] = y[i] * ps;
    gr::ddpm::kernel::ddpm_sampler k(m, 2);
    gr::ddpm::kernel::sampler_config cfg;
    cfg.type = gr::ddpm::kernel::sampler_type::DDIM;
    cfg.eta = 0.0f;
    cfg.seed = 11;
    std::vector<gr_complex> r1(n), r3(n);
    cfg.steps = 1;
    k.sample(xm.data(), nv.data(), r1.data(), n, 0, cfg);
    cfg.steps = 3;
    k.sample(xm.data(), nv.data(), r3.data(), n, 0, cfg);

    auto tb = gr::make_top_block("tsan_denoiser");
    auto src = mk<vec_source>(y, 301);
    auto den = gr::ddpm::denoiser_cc::make(path, 2, 1, 0.0f, 256, 2, 11, snr_db, 1, 0);
    auto snk = mk<vec_sink>();
    tb->connect(src, 0, den, 0);
    tb->connect(den, 0, snk, 0);
    std::atomic<bool> stop(false);
    std::atomic<long> nset(0);
    std::thread setter([&] {
        bool one = true;
        while (!stop.load()) {
            den->set_steps(one ? 1 : 3);
            den->set_snr_db(snr_db);
            den->set_eta(0.0f);
            den->set_sampler(2);
            (void)den->steps();
            (void)den->throughput();
            (void)den->kernel_throughput();
            (void)den->last_noise_var();
            (void)den->noise_source();
            one = !one;
            nset++;
        }
    });
    tb->run();
    stop = true;
    setter.join();

    const auto out = snk->data();
    size_t n1 = 0, n3 = 0, bad = 0;
    for (size_t i = 0; i < out.size() && i < n; i++) {
        const gr_complex e1 = r1[i] / ps, e3 = r3[i] / ps;
        const float tol = 1e-5f * (1.0f + std::abs(e1));
        const bool m1 = std::abs(out[i] - e1) <= tol, m3 = std::abs(out[i] - e3) <= tol;
        n1 += m1 && !m3;
        n3 += m3 && !m1;
        bad += !m1 && !m3;
    }
    std::printf("denoiser: %zu samples, %ld setter rounds, %zu samples match steps=1 only, %zu steps=3 only, "
                "%zu match neither\n",
                out.size(), nset.load(), n1, n3, bad);
    return (out.size() == n && bad == 0) ? 0 : 1;
}

} // namespace

// A deliberate race on a plain int: proves that this build reports races (the test expects a report).
int selftest_race()
{
    static int counter = 0;
    std::thread a([] {
        for (int i = 0; i < 100000; i++)
            counter++;
    });
    std::thread b([] {
        for (int i = 0; i < 100000; i++)
            counter++;
    });
    a.join();
    b.join();
    std::printf("selftest: counter = %d\n", counter);
    return 0;
}

int main(int argc, char** argv)
{
    if (argc == 2 && std::string(argv[1]) == "--selftest-race")
        return selftest_race();
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL.onnx [N_INJECTOR] [N_DENOISER]\n", argv[0]);
        return 2;
    }
    const size_t ni = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200000;
    const size_t nd = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 20000;
    int rc = injector_check(ni);
    rc |= denoiser_check(argv[1], nd) << 1;
    std::printf("result: %s\n", rc == 0 ? "PASS" : "FAIL");
    return rc;
}
