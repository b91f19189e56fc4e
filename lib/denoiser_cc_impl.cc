/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "denoiser_cc_impl.h"
#include "model_path.h"
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

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
const pmt::pmt_t KEY_H = pmt::mp("h");
const pmt::pmt_t KEY_SNR = pmt::mp("snr_db");
const pmt::pmt_t KEY_KT = pmt::mp("kappa_t");
const pmt::pmt_t KEY_KR = pmt::mp("kappa_r");
const pmt::pmt_t KEY_P = pmt::mp("power");
const pmt::pmt_t KEY_NT = pmt::mp("antennas");
const pmt::pmt_t KEY_HN2 = pmt::mp("h_norm2");

// Fewer finite samples than this in a batch: keep the previous noise estimate.
constexpr size_t MIN_EST_SAMPLES = 16;
// Below this effective noise (about 13 dB) the decision-directed estimate replaces M2M4.
constexpr double DD_THRESHOLD = 0.05;
// Samples with |x|^2 above this (80 dB above the unit signal power) are outliers, not signal plus
// noise at any SNR a model handles: the noise estimate skips them like non-finite samples.
constexpr double MAX_EST_POWER = 1e8;

using clock_type = std::chrono::steady_clock;
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
    if (sampler < 0 || sampler > 2)
        throw std::invalid_argument("denoiser_cc: sampler must be 0 (paper), 1 (matched) or 2 "
                                    "(DDIM), got " +
                                    std::to_string(sampler));
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
      d_kurtosis(0.0),
      d_h(1.0f, 0.0f),
      d_tag_snr_db(std::numeric_limits<double>::quiet_NaN()),
      d_kappa_t(0.0),
      d_kappa_r(0.0),
      d_power(1.0),
      d_antennas(1),
      d_h_norm2(-1.0),
      d_est_var(std::numeric_limits<double>::quiet_NaN()),
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
    if (batch < 1)
        throw std::invalid_argument("denoiser_cc: batch must be >= 1, got " +
                                    std::to_string(batch));
    if (threads < 0)
        throw std::invalid_argument("denoiser_cc: threads must be >= 0 (0 = all cores), got " +
                                    std::to_string(threads));
    check_snr(snr_db);
    if (equalize < 0 || equalize > 2)
        throw std::invalid_argument("denoiser_cc: equalize must be 0 (off), 1 (zero forcing) or "
                                    "2 (MMSE), got " +
                                    std::to_string(equalize));
    if (output < 0 || output > 1)
        throw std::invalid_argument("denoiser_cc: output must be 0 (denoised) or 1 (hard "
                                    "decisions), got " +
                                    std::to_string(output));

    d_path = resolve_model_path(model); // model_error when a short name is not found
    d_model = model::load(d_path);      // model_error with the loader's message
    if (output == 1 && d_model->constellation().empty())
        throw std::invalid_argument("denoiser_cc: output = hard decisions needs a model with a "
                                    "constellation; " +
                                    d_path + " (dataset '" + d_model->dataset() +
                                    "') has none");
    d_ps = d_model->power_scale();
    if (!(d_ps > 0.0) || !std::isfinite(d_ps))
        throw model_error(d_path + ": bad metadata 'ddpm.power_scale'");
    const auto& c = d_model->constellation();
    if (!c.empty()) {
        double m2 = 0.0, m4 = 0.0;
        for (const auto& p : c) {
            const double a = std::norm(p);
            m2 += a;
            m4 += a * a;
        }
        m2 /= c.size();
        m4 /= c.size();
        d_kurtosis = m2 > 0.0 ? m4 / (m2 * m2) : 0.0;
    }

    d_kernel = std::make_unique<kernel::ddpm_sampler>(d_model, threads);
    d_cfg.type = static_cast<kernel::sampler_type>(sampler);
    d_cfg.steps = steps;
    d_cfg.eta = eta;
    d_cfg.stochastic = true;
    d_cfg.top_up = false;
    d_cfg.seed = seed;

    // Ask for whole batches (a hint: a shorter tail still flows at the end of a stream).
    set_alignment(std::max(1, batch));
}

denoiser_cc_impl::~denoiser_cc_impl() {}

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
    d_cfg.type = static_cast<kernel::sampler_type>(sampler);
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
    const pmt::pmt_t& k = tag.key;
    const bool known = pmt::eqv(k, KEY_H) || pmt::eqv(k, KEY_SNR) || pmt::eqv(k, KEY_KT) ||
                       pmt::eqv(k, KEY_KR) || pmt::eqv(k, KEY_P) || pmt::eqv(k, KEY_NT) ||
                       pmt::eqv(k, KEY_HN2);
    if (!known)
        return;
    bool ok = pmt::is_number(tag.value);
    if (ok && pmt::eqv(k, KEY_H)) {
        const std::complex<double> hd = pmt::to_complex(tag.value);
        const gr_complex h(static_cast<float>(hd.real()), static_cast<float>(hd.imag()));
        ok = std::isfinite(h.real()) && std::isfinite(h.imag());
        if (ok)
            d_h = h;
    } else if (ok) {
        const double v =
            pmt::is_complex(tag.value) ? pmt::to_complex(tag.value).real() : pmt::to_double(tag.value);
        if (pmt::eqv(k, KEY_SNR)) {
            ok = std::isfinite(v);
            if (ok)
                d_tag_snr_db = v;
        } else if (pmt::eqv(k, KEY_P)) {
            ok = std::isfinite(v) && v > 0.0;
            if (ok)
                d_power = v;
        } else if (pmt::eqv(k, KEY_NT)) {
            ok = std::isfinite(v) && v >= 1.0 && v == std::floor(v) && v <= 1024.0;
            if (ok)
                d_antennas = static_cast<int>(v);
        } else if (pmt::eqv(k, KEY_HN2)) {
            ok = std::isfinite(v) && v >= 0.0;
            if (ok)
                d_h_norm2 = v;
        } else {
            ok = std::isfinite(v) && v >= 0.0;
            if (ok)
                (pmt::eqv(k, KEY_KT) ? d_kappa_t : d_kappa_r) = v;
        }
    }
    if (!ok && !d_warned_tag) {
        d_logger->warn("ignoring tag {} = {} at item {}: not a valid number (this warning is "
                       "shown once)",
                       pmt::symbol_to_string(k),
                       pmt::write_string(tag.value),
                       tag.offset);
        d_warned_tag = true;
    }
}

// Effective complex noise variance of x (physical units), estimated from the data.
// M2M4: for x = s + n with s of kurtosis k_s = E|s|^4/(E|s|^2)^2 and circular Gaussian n,
// M2 = S + N and M4 = k_s S^2 + 4 S N + 2 N^2, so S = sqrt((2 M2^2 - M4) / (2 - k_s)), N = M2 - S;
// the block uses N / S (noise relative to unit signal power). At low noise (N/S < DD_THRESHOLD)
// the decision-directed estimate mean |x - nearest(x)|^2 is more accurate and replaces it.
// Without a constellation (or k_s close to 2) N = max(M2 - 1, 0) (unit-power training data).
double denoiser_cc_impl::estimate_noise(const gr_complex* x, size_t n) const
{
    double m2 = 0.0, m4 = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        const double re = x[i].real(), im = x[i].imag();
        const double a = re * re + im * im; // in double: |x|^2 of a float may overflow a float
        if (!(a <= MAX_EST_POWER))          // non-finite or an outlier
            continue;
        m2 += a;
        m4 += a * a;
        cnt++;
    }
    if (cnt < MIN_EST_SAMPLES)
        return d_est_var;
    m2 /= cnt;
    m4 /= cnt;
    const auto& c = d_model->constellation();
    if (c.empty() || std::abs(2.0 - d_kurtosis) < 0.05)
        return std::max(m2 - 1.0, 0.0);
    const double s2 = (2.0 * m2 * m2 - m4) / (2.0 - d_kurtosis);
    if (!(s2 > 0.0))
        return std::numeric_limits<double>::infinity(); // no signal visible: start at T-1
    const double s = std::sqrt(s2);
    const double v = std::max(m2 - s, 0.0) / s;
    if (v >= DD_THRESHOLD)
        return v;
    // decision-directed on the constellation (physical units), signal power normalised to 1
    const double g = 1.0 / std::sqrt(s);
    double dd = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double re = x[i].real(), im = x[i].imag();
        if (!(re * re + im * im <= MAX_EST_POWER))
            continue;
        const gr_complex xs = x[i] * static_cast<float>(g * d_ps);
        float best = std::numeric_limits<float>::infinity();
        for (const auto& p : c)
            best = std::min(best, std::norm(xs - p));
        dd += best;
    }
    return dd / cnt / (d_ps * d_ps);
}

void denoiser_cc_impl::log_source(int source)
{
    if (source == d_logged_source)
        return;
    d_logged_source = source;
    switch (source) {
    case SRC_TAGS:
        d_logger->info("noise level from stream tags (snr_db = {} dB)", d_tag_snr_db);
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
int denoiser_cc_impl::work(int noutput_items,
                           gr_vector_const_void_star& input_items,
                           gr_vector_void_star& output_items)
{
    const auto t_work = clock_type::now();
    const gr_complex* in = static_cast<const gr_complex*>(input_items[0]);
    gr_complex* out = static_cast<gr_complex*>(output_items[0]);
    const size_t n = static_cast<size_t>(noutput_items);

    gr::thread::scoped_lock l(d_setlock);
    if (d_x.size() < n) {
        d_x.resize(n);
        d_y.resize(n);
        d_nv.resize(n);
        d_src.resize(n);
    }

    std::vector<tag_t> tags;
    const uint64_t n0 = nitems_read(0);
    get_tags_in_window(tags, 0, 0, n);
    std::stable_sort(tags.begin(), tags.end(), [](const tag_t& a, const tag_t& b) {
        return a.offset < b.offset;
    });

    // 1. equalise and derive the noise from the state in force at each sample; the state only
    //    changes at tags, so it is evaluated once per segment between tags
    size_t ti = 0;
    bool any_est = false;
    for (size_t i0 = 0; i0 < n;) {
        while (ti < tags.size() && tags[ti].offset <= n0 + i0)
            apply_tag(tags[ti++]);
        const size_t i1 =
            ti < tags.size() ? std::min(n, static_cast<size_t>(tags[ti].offset - n0)) : n;
        uint8_t src;
        double snr = 0.0;
        if (!std::isnan(d_tag_snr_db)) {
            src = SRC_TAGS;
            snr = d_tag_snr_db;
        } else if (!std::isnan(d_snr_db)) {
            src = SRC_SNR;
            snr = d_snr_db;
        } else {
            src = SRC_EST;
            any_est = true;
        }
        if (src != d_logged_source)
            log_source(src);
        // sigma2_eff after zero forcing (docs/tags.md): with N_t > 1 transmit antennas and a known
        // ||h||^2 the transmit distortion term is kappa_t ||h||^2 / (N_t |g|^2); otherwise kappa_t.
        const double g2 = std::norm(d_h);
        const double kt = (d_antennas > 1 && d_h_norm2 >= 0.0)
                              ? d_kappa_t * d_h_norm2 / (d_antennas * g2)
                              : d_kappa_t;
        const float v = src == SRC_EST
                            ? 0.0f
                            : static_cast<float>(kt + d_kappa_r + std::pow(10.0, -snr / 10.0) / g2);
        const gr_complex g = d_equalize == 0
                                 ? gr_complex(1.0f, 0.0f)
                                 : gr_complex(1.0f, 0.0f) /
                                       (static_cast<float>(std::sqrt(d_power)) * d_h);
        for (size_t i = i0; i < i1; i++) {
            d_x[i] = in[i] * g;
            d_nv[i] = v;
            d_src[i] = src;
        }
        i0 = i1;
    }

    // 2. data-based estimate, per batch, where no SNR is known
    if (any_est) {
        for (size_t s = 0; s < n; s += d_batch) {
            const size_t e = std::min(n, s + static_cast<size_t>(d_batch));
            bool need = false;
            for (size_t i = s; i < e && !need; i++)
                need = d_src[i] == SRC_EST;
            if (!need)
                continue;
            d_est_var = estimate_noise(&d_x[s], e - s);
            for (size_t i = s; i < e; i++)
                if (d_src[i] == SRC_EST)
                    d_nv[i] = static_cast<float>(d_est_var);
        }
    }

    // 3. MMSE scaling, then model units
    const float ps = static_cast<float>(d_ps);
    const float ps2 = static_cast<float>(d_ps * d_ps);
    for (size_t i = 0; i < n; i++) {
        float v = d_nv[i];
        gr_complex x = d_x[i];
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

    // 4. the kernel; first_index = absolute index keys the random numbers
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

    // 5. back to physical units, or hard decisions
    const float inv_ps = 1.0f / ps;
    if (d_output == 1) {
        const auto& c = d_model->constellation();
        for (size_t i = 0; i < n; i++) {
            float best = std::numeric_limits<float>::infinity();
            size_t k = 0;
            for (size_t j = 0; j < c.size(); j++) {
                const float d = std::norm(d_y[i] - c[j]);
                if (d < best) {
                    best = d;
                    k = j;
                }
            }
            out[i] = c[k] * inv_ps;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = d_y[i] * inv_ps;
    }

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
