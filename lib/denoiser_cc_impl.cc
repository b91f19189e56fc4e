/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "denoiser_cc_impl.h"
#include "work_guard.h"
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <boost/thread/thread.hpp>

namespace gr {
namespace ddpm {

namespace {
enum source_t : uint8_t { SRC_SNR = 0, SRC_TAGS = 1, SRC_EST = 2 };
const char* source_name(int s)
{
    switch (s) {
    case SRC_SNR:
        return "snr_db";
    case SRC_TAGS:
        return "tags";
    case SRC_EST:
        return "estimate";
    default:
        return "none";
    }
}
using clock_type = std::chrono::steady_clock;
//! upper bound of batch (docs/denoiser.md): keeps the scheduler's buffers and the per-call scratch bounded
constexpr int MAX_BATCH = 1 << 20;
double seconds_since(clock_type::time_point t0)
{
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}
} // namespace

denoiser_cc::sptr denoiser_cc::make(const std::string& model,
                                    int sampler,
                                    int steps,
                                    float eta,
                                    int batch,
                                    int threads,
                                    uint64_t seed,
                                    double snr_db,
                                    int equalize,
                                    int output)
{
    return gnuradio::make_block_sptr<denoiser_cc_impl>(
        model, sampler, steps, eta, batch, threads, seed, snr_db, equalize, output);
}

void denoiser_cc_impl::check_sampler(int sampler)
{
    kernel::sampler_from_int(sampler, "denoiser_cc: sampler"); // the names' table, lib/sampler_type.cc
}
void denoiser_cc_impl::check_steps(int steps)
{
    if (steps < 1)
        throw std::invalid_argument("denoiser_cc: steps must be >= 1, got " +
                                    std::to_string(steps));
}
void denoiser_cc_impl::check_eta(float eta)
{
    if (!(eta >= 0.0f && eta <= 1.0f))
        throw std::invalid_argument("denoiser_cc: eta must be in [0, 1], got " +
                                    std::to_string(eta));
}
void denoiser_cc_impl::check_snr(double snr_db)
{
    if (std::isinf(snr_db))
        throw std::invalid_argument(
            "denoiser_cc: snr_db must be finite (or NaN = estimate from the data), got " +
            std::to_string(snr_db));
}

void denoiser_cc_impl::check_block(int batch, int threads, int equalize, int output)
{
    if (batch < 1 || batch > MAX_BATCH)
        throw std::invalid_argument("denoiser_cc: batch must be in 1..1048576 (2^20), got " +
                                    std::to_string(batch));
    if (threads < 0)
        throw std::invalid_argument("denoiser_cc: threads must be >= 0 (0 = all cores), got " +
                                    std::to_string(threads));
    if (equalize < 0 || equalize > 2)
        throw std::invalid_argument("denoiser_cc: equalize must be 0 (off), 1 (zero forcing) or "
                                    "2 (MMSE), got " +
                                    std::to_string(equalize));
    if (output < 0 || output > 1)
        throw std::invalid_argument("denoiser_cc: output must be 0 (denoised) or 1 (hard "
                                    "decisions), got " +
                                    std::to_string(output));
}

denoiser_cc_impl::denoiser_cc_impl(const std::string& model,
                                   int sampler,
                                   int steps,
                                   float eta,
                                   int batch,
                                   int threads,
                                   uint64_t seed,
                                   double snr_db,
                                   int equalize,
                                   int output)
    : gr::sync_block("denoiser_cc",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_batch(batch),
      d_snr_db(snr_db),
      d_equalize(equalize),
      d_output(output),
      d_ps(1.0),
      d_last_nv(std::numeric_limits<double>::quiet_NaN()),
      d_last_source(-1),
      d_logged_source(-1),
      d_work_s(0.0),
      d_kernel_s(0.0),
      d_items(0),
      d_warned_tag(false),
      d_warned_nonfinite(false),
      d_warned_overflow(false)
{
    check_sampler(sampler);
    check_steps(steps);
    check_eta(eta);
    check_snr(snr_db);
    check_block(batch, threads, equalize, output);

    d_path = model::resolve_path(model); // model_error when a short name is not found
    d_model = model::load(d_path);      // model_error with the loader's message
    if (output == 1 && d_model->constellation().empty())
        throw std::invalid_argument("denoiser_cc: output = hard decisions needs a model with a "
                                    "constellation; " +
                                    d_path + " (dataset '" + d_model->dataset() +
                                    "') has none");
    d_ps = d_model->power_scale();
    if (!(d_ps > 0.0) || !std::isfinite(d_ps))
        throw model_error(d_path + ": bad metadata 'ddpm.power_scale'");
    d_estimator = std::make_unique<noise_estimator>(noise_estimator::for_model(*d_model));

    d_kernel = std::make_unique<kernel::ddpm_sampler>(d_model, threads);
    d_cfg.type = kernel::sampler_from_int(sampler);
    d_cfg.steps = steps;
    d_cfg.eta = eta;
    d_cfg.stochastic = true;
    d_cfg.top_up = false;
    d_cfg.seed = seed;
    // top_block::stop() interrupts the block's thread: the kernel polls for it between network steps
    d_cfg.interrupted = [] { return boost::this_thread::interruption_requested(); };

    // Ask for whole batches (a hint: a shorter tail still flows at the end of a stream).
    set_alignment(std::max(1, batch));
}

denoiser_cc_impl::~denoiser_cc_impl() {}

bool denoiser_cc_impl::start()
{
    d_kernel->clear_cancel();
    return sync_block::start();
}

bool denoiser_cc_impl::stop()
{
    // GNU Radio calls stop() on the block's thread after its last work(); top_block::stop() itself
    // interrupts that thread, which d_cfg.interrupted reports to the kernel. cancel() (an atomic flag, no
    // lock) also covers a stop() called from another thread while work() runs.
    d_kernel->cancel();
    return sync_block::stop();
}

// ---------------------------------------------------------------- setters / getters
// A setter takes d_setlock, which work() holds for a whole call: every batch sees one parameter
// set.
void denoiser_cc_impl::set_snr_db(double snr_db)
{
    check_snr(snr_db);
    gr::thread::scoped_lock l(d_setlock);
    d_snr_db = snr_db;
}
double denoiser_cc_impl::snr_db() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return d_snr_db;
}
void denoiser_cc_impl::set_sampler(int sampler)
{
    check_sampler(sampler);
    gr::thread::scoped_lock l(d_setlock);
    d_cfg.type = kernel::sampler_from_int(sampler);
}
int denoiser_cc_impl::sampler() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return static_cast<int>(d_cfg.type);
}
void denoiser_cc_impl::set_steps(int steps)
{
    check_steps(steps);
    gr::thread::scoped_lock l(d_setlock);
    d_cfg.steps = steps;
}
int denoiser_cc_impl::steps() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return d_cfg.steps;
}
void denoiser_cc_impl::set_eta(float eta)
{
    check_eta(eta);
    gr::thread::scoped_lock l(d_setlock);
    d_cfg.eta = eta;
}
float denoiser_cc_impl::eta() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return d_cfg.eta;
}
double denoiser_cc_impl::throughput() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return d_work_s > 0.0 ? d_items / d_work_s : 0.0;
}
double denoiser_cc_impl::kernel_throughput() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return d_kernel_s > 0.0 ? d_items / d_kernel_s : 0.0;
}
std::string denoiser_cc_impl::noise_source() const { return source_name(d_last_source.load()); }

// ---------------------------------------------------------------- tags and noise
void denoiser_cc_impl::apply_tag(const tag_t& tag)
{
    if (d_chan.apply(tag.key, tag.value) || d_warned_tag)
        return;
    d_logger->warn("ignoring tag {} = {} at item {}: not a valid number (this warning is "
                   "shown once)",
                   pmt::symbol_to_string(tag.key),
                   pmt::write_string(tag.value),
                   tag.offset);
    d_warned_tag = true;
}

void denoiser_cc_impl::log_source(int source)
{
    if (source == d_logged_source)
        return;
    d_logged_source = source;
    switch (source) {
    case SRC_TAGS:
        d_logger->info("noise level from stream tags (snr_db = {} dB)", d_chan.snr_db());
        break;
    case SRC_SNR:
        d_logger->info("noise level from the snr_db parameter ({} dB)", d_snr_db);
        break;
    default:
        d_logger->info("no SNR known: estimating the noise level from the data (M2M4, "
                       "decision-directed at high SNR) per batch of {} samples",
                       d_batch);
    }
}

// ---------------------------------------------------------------- work
// 1. Equalise and derive the noise from the channel state in force at each sample; the state only
//    changes at tags, so it is evaluated once per segment between tags. Returns whether some sample
//    has no known SNR (source SRC_EST, d_nv still 0 there).
bool denoiser_cc_impl::equalise(const gr_complex* in, size_t n)
{
    std::vector<tag_t> tags;
    const uint64_t n0 = nitems_read(0);
    get_tags_in_window(tags, 0, 0, n);
    std::stable_sort(tags.begin(), tags.end(), [](const tag_t& a, const tag_t& b) {
        return a.offset < b.offset;
    });
    size_t ti = 0;
    bool any_est = false;
    for (size_t i0 = 0; i0 < n;) {
        while (ti < tags.size() && tags[ti].offset <= n0 + i0)
            apply_tag(tags[ti++]);
        const size_t i1 =
            ti < tags.size() ? std::min(n, static_cast<size_t>(tags[ti].offset - n0)) : n;
        const uint8_t src = d_chan.has_snr() ? SRC_TAGS : !std::isnan(d_snr_db) ? SRC_SNR : SRC_EST;
        any_est = any_est || src == SRC_EST;
        log_source(src);
        const float v = src == SRC_EST ? 0.0f
                                       : static_cast<float>(d_chan.noise_var(
                                             src == SRC_TAGS ? d_chan.snr_db() : d_snr_db));
        const gr_complex g = d_equalize == 0 ? gr_complex(1.0f, 0.0f) : d_chan.zf_gain();
        for (size_t i = i0; i < i1; i++) {
            d_x[i] = in[i] * g;
            d_nv[i] = v;
            d_src[i] = src;
        }
        i0 = i1;
    }
    return any_est;
}

// 2. Data-based estimate, per batch, where no SNR is known.
void denoiser_cc_impl::estimate_noise(size_t n)
{
    for (size_t s = 0; s < n; s += d_batch) {
        const size_t e = std::min(n, s + static_cast<size_t>(d_batch));
        if (std::find(d_src.begin() + s, d_src.begin() + e, uint8_t(SRC_EST)) == d_src.begin() + e)
            continue;
        const float v = static_cast<float>(d_estimator->update(&d_x[s], e - s));
        for (size_t i = s; i < e; i++)
            if (d_src[i] == SRC_EST)
                d_nv[i] = v;
    }
}

// 3. MMSE scaling, then model units.
void denoiser_cc_impl::to_model_units(size_t n)
{
    const float ps = static_cast<float>(d_ps);
    const float ps2 = static_cast<float>(d_ps * d_ps);
    for (size_t i = 0; i < n; i++) {
        float v = d_nv[i];
        gr_complex x = d_x[i];
        d_xeq[i] = x * ps;
        if (d_equalize == 2) {
            if (std::isfinite(v) && v >= 0.0f) {
                const float g = 1.0f / (1.0f + v);
                x *= g;
                v *= g;
            } else { // no information: the LMMSE estimate is the prior mean, error = signal power
                x = gr_complex(0.0f, 0.0f);
                v = 1.0f;
            }
        }
        d_x[i] = x * ps;
        d_nv[i] = v * ps2;
    }
}

// 4. The kernel (first_index = absolute index keys the random numbers); outputs that overflowed in
//    the network are zeroed. One warning each for non-finite inputs and overflowing ones.
void denoiser_cc_impl::run_kernel(size_t n)
{
    for (size_t i = 0; i < n; i++)
        d_bad[i] = !std::isfinite(d_x[i].real()) || !std::isfinite(d_x[i].imag());
    const auto t_kernel = clock_type::now();
    const size_t nonfinite =
        d_kernel->sample(d_x.data(), d_nv.data(), d_y.data(), n, nitems_written(0), d_cfg);
    d_kernel_s += seconds_since(t_kernel);
    if (nonfinite && !d_warned_nonfinite) {
        d_logger->warn("{} non-finite input sample(s) (NaN/Inf) between items {} and {}: their "
                       "output is 0 (this warning is shown once)",
                       nonfinite,
                       nitems_read(0),
                       nitems_read(0) + n);
        d_warned_nonfinite = true;
    }
    // A finite input far beyond the signal range (|x| ~ 1e38) can overflow inside the network:
    // its output is 0, like a non-finite input's, and no other sample is affected.
    size_t overflow = 0;
    for (size_t i = 0; i < n; i++) {
        if (!std::isfinite(d_y[i].real()) || !std::isfinite(d_y[i].imag())) {
            d_y[i] = gr_complex(0.0f, 0.0f);
            d_bad[i] = 1;
            overflow++;
        }
    }
    if (overflow && !d_warned_overflow) {
        d_logger->warn("{} finite input sample(s) too large for the network between items {} and {}: "
                       "their output is 0 (this warning is shown once)",
                       overflow,
                       nitems_read(0),
                       nitems_read(0) + n);
        d_warned_overflow = true;
    }
}

// 5. Back to physical units, or hard decisions.
void denoiser_cc_impl::write_output(gr_complex* out, size_t n) const
{
    const float inv_ps = 1.0f / static_cast<float>(d_ps);
    if (d_output == 0) {
        for (size_t i = 0; i < n; i++)
            out[i] = d_y[i] * inv_ps;
        return;
    }
    // MAP decision over the model's constellation given the equalised input x (before any MMSE
    // shrinking) and its noise variance v: argmax_j log pi_j - |x - c_j|^2 / v. Model files carry no
    // prior (format v1), so pi is uniform and the decision is the nearest point to x for every v; with
    // equal priors no rule has a lower symbol error probability under Gaussian noise (docs/denoiser.md).
    const auto& c = d_model->constellation();
    for (size_t i = 0; i < n; i++) {
        if (d_bad[i]) { // non-finite (equalised) input: 0, as for denoised output (docs/denoiser.md)
            out[i] = gr_complex(0.0f, 0.0f);
            continue;
        }
        const gr_complex x = d_xeq[i];
        float best = std::numeric_limits<float>::infinity();
        size_t k = 0;
        for (size_t j = 0; j < c.size(); j++) {
            const float d = std::norm(x - c[j]);
            if (d < best) {
                best = d;
                k = j;
            }
        }
        out[i] = c[k] * inv_ps;
    }
}

// No exception leaves work(): a cancelled kernel call (stop()) produces nothing; any other failure is
// logged once per kind and the call's items come out as 0, so the stream goes on (docs/reliability.md).
int denoiser_cc_impl::work(int noutput_items,
                           gr_vector_const_void_star& input_items,
                           gr_vector_void_star& output_items)
{
    const gr_complex* in = static_cast<const gr_complex*>(input_items[0]);
    gr_complex* out = static_cast<gr_complex*>(output_items[0]);
    try {
        return do_work(noutput_items, in, out);
    } catch (const kernel::sampler_cancelled&) {
        return 0; // stop(): nothing consumed, nothing produced
    } catch (...) {
        return detail::zero_output_after_failure(out, noutput_items, nitems_read(0), d_warned_errors, d_logger);
    }
}

int denoiser_cc_impl::do_work(int noutput_items, const gr_complex* in, gr_complex* out)
{
    const auto t_work = clock_type::now();
    const size_t n = static_cast<size_t>(noutput_items);

    gr::thread::scoped_lock l(d_setlock); // one parameter set for the whole call
    if (d_x.size() < n) {
        d_x.resize(n);
        d_xeq.resize(n);
        d_y.resize(n);
        d_nv.resize(n);
        d_src.resize(n);
        d_bad.resize(n);
    }
    if (equalise(in, n))
        estimate_noise(n);
    to_model_units(n);
    if (d_output == 0) {
        run_kernel(n);
    } else { // hard decisions use the equalised input, not the network: no kernel call
        for (size_t i = 0; i < n; i++)
            d_bad[i] = !std::isfinite(d_xeq[i].real()) || !std::isfinite(d_xeq[i].imag());
    }
    write_output(out, n);

    if (n > 0) {
        d_last_nv.store(d_nv[n - 1]);
        d_last_source.store(d_src[n - 1]);
    }
    d_items += n;
    d_work_s += seconds_since(t_work);
    return noutput_items;
}

} /* namespace ddpm */
} /* namespace gr */
