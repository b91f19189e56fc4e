/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "impairment_injector_cc_impl.h"
#include "tx_hardware.h"
#include "work_guard.h"
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace gr {
namespace ddpm {

/* ---------------------------------------------------------------------------------------------- */
/* PRNG                                                                                            */
/* ---------------------------------------------------------------------------------------------- */

namespace {
constexpr double TWO_PI = 6.283185307179586476925286766559;
} // namespace

impairment_rng::impairment_rng(uint64_t seed) : d_gen(seed) {}

uint64_t impairment_rng::next() { return d_gen.next(); }

double impairment_rng::uniform_open()
{
    // (k + 1/2) / 2^53 with k uniform in [0, 2^53): never 0, never 1, never exactly 1/2
    return (static_cast<double>(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double impairment_rng::normal()
{
    if (d_have_spare) {
        d_have_spare = false;
        return d_spare;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_open()));
    const double phi = TWO_PI * uniform_open();
    d_spare = r * std::sin(phi);
    d_have_spare = true;
    return r * std::cos(phi);
}

double impairment_rng::laplace()
{
    // inverse CDF of the Laplacian with scale b = 1/sqrt(2) (variance 2 b^2 = 1)
    const double u = uniform_open() - 0.5; // in (-1/2, 1/2), |u| < 1/2
    const double m = -std::log(1.0 - 2.0 * std::fabs(u)) * 0.70710678118654752440;
    return u < 0.0 ? -m : m;
}

/* ---------------------------------------------------------------------------------------------- */
/* Block                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

impairment_injector_cc::sptr impairment_injector_cc::make(double snr_db,
                                                          double kappa_t,
                                                          double kappa_r,
                                                          double power,
                                                          int quant_bits,
                                                          double full_scale,
                                                          int fading,
                                                          int coherence_len,
                                                          int noise,
                                                          uint64_t seed,
                                                          int antennas,
                                                          int csi,
                                                          double pa_sat,
                                                          double pa_p,
                                                          double pm_alpha,
                                                          double pm_beta,
                                                          double iq_amp_db,
                                                          double iq_phase_deg,
                                                          double dc_re,
                                                          double dc_im,
                                                          int pn_model,
                                                          double pn_deg,
                                                          double pn_corr_len)
{
    const impairment_params p(snr_db,
                              kappa_t,
                              kappa_r,
                              power,
                              quant_bits,
                              full_scale,
                              fading,
                              coherence_len,
                              noise,
                              seed,
                              antennas,
                              csi,
                              pa_sat,
                              pa_p,
                              pm_alpha,
                              pm_beta,
                              iq_amp_db,
                              iq_phase_deg,
                              dc_re,
                              dc_im,
                              pn_model,
                              pn_deg,
                              pn_corr_len);
    p.validate(); // throws before any block is made
    return gnuradio::make_block_sptr<impairment_injector_cc_impl>(p);
}

impairment_injector_cc_impl::impairment_injector_cc_impl(const impairment_params& p)
    : gr::sync_block("impairment_injector_cc",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_params(p),
      d_rng(p.seed),
      d_g_re(1.0),
      d_g_im(0.0),
      d_h_norm2(1.0),
      d_block_left(0),
      d_h_tag_pending(true),
      d_ant_tag_pending(p.antennas != 1),
      d_snr_tag_pending(true),
      d_kt_tag_pending(true),
      d_kr_tag_pending(true),
      d_power_tag_pending(true),
      d_hw_tag_pending(p.hardware_on()),
      d_key_h(pmt::intern("h")),
      d_key_snr_db(pmt::intern("snr_db")),
      d_key_kappa_t(pmt::intern("kappa_t")),
      d_key_kappa_r(pmt::intern("kappa_r")),
      d_key_power(pmt::intern("power")),
      d_key_h_norm2(pmt::intern("h_norm2")),
      d_key_antennas(pmt::intern("antennas")),
      d_key_hardware(pmt::intern("hardware"))
{
    d_params.validate();
    for (int a = 0; a < MAX_ANTENNAS; a++)
        d_h_re[a] = d_h_im[a] = d_w_re[a] = d_w_im[a] = 0.0;
    if (d_params.fading == FADING_NONE)
        fixed_channel();
    d_logger->trace("impairment injector: {:s}", d_params.to_string());
}

impairment_injector_cc_impl::~impairment_injector_cc_impl() {}

void impairment_injector_cc_impl::install(const impairment_params& p_in)
{
    impairment_params p = p_in;
    p.seed = d_params.seed; // the seed is fixed at construction
    p.validate();
    const impairment_params old = d_params;
    d_params = p;
    d_snr_tag_pending |= (p.snr_db != old.snr_db);
    d_kt_tag_pending |= (p.kappa_t != old.kappa_t);
    d_kr_tag_pending |= (p.kappa_r != old.kappa_r);
    d_power_tag_pending |= (p.power != old.power);
    d_ant_tag_pending |= (p.antennas != old.antennas);
    for (const auto& name : impairment_params::hardware_names())
        d_hw_tag_pending |= (p.value(name) != old.value(name));
    if (p.pn_model != old.pn_model) {
        // a new phase-noise process starts at the next sample
        d_pn_theta = 0.0;
        d_pn_start = true;
    }
    if (p.fading != old.fading || p.antennas != old.antennas ||
        (p.fading == FADING_RAYLEIGH && p.coherence_len != old.coherence_len)) {
        // a new coherence block starts at the next sample
        if (p.fading == FADING_RAYLEIGH)
            d_block_left = 0; // draws h (and flags its tag) at the next sample
        else
            fixed_channel();
    } else if (p.csi != old.csi) {
        // same channel, new precoder: new g from the next sample on
        update_precoder();
        d_h_tag_pending = true;
    }
    d_logger->trace("impairment injector: parameters now {:s}", d_params.to_string());
}

void impairment_injector_cc_impl::fixed_channel()
{
    const int nt = d_params.antennas;
    const double v = (nt == 1) ? 1.0 : 1.0 / std::sqrt(static_cast<double>(nt));
    for (int a = 0; a < nt; a++) {
        d_h_re[a] = v;
        d_h_im[a] = 0.0;
    }
    update_precoder();
    d_block_left = std::numeric_limits<int64_t>::max();
    d_h_tag_pending = true;
}

void impairment_injector_cc_impl::draw_channel()
{
    const int nt = d_params.antennas;
    for (int a = 0; a < nt; a++) {
        // CN(0, 1); float-rounded like the single-antenna h always was
        d_h_re[a] = static_cast<float>(d_rng.normal() * 0.70710678118654752440);
        d_h_im[a] = static_cast<float>(d_rng.normal() * 0.70710678118654752440);
    }
    update_precoder();
    d_block_left = d_params.coherence_len;
    d_h_tag_pending = true;
}

void impairment_injector_cc_impl::update_precoder()
{
    const int nt = d_params.antennas;
    double n2 = 0.0;
    for (int a = 0; a < nt; a++)
        n2 += d_h_re[a] * d_h_re[a] + d_h_im[a] * d_h_im[a];
    d_h_norm2 = n2;
    const double eq = 1.0 / std::sqrt(static_cast<double>(nt)); // 1 for one antenna
    double g_re, g_im;
    if (d_params.fading == FADING_NONE) {
        // h = w = (1, ..., 1)/sqrt(N_t) with or without CSI: g = 1
        for (int a = 0; a < nt; a++) {
            d_w_re[a] = eq;
            d_w_im[a] = 0.0;
        }
        g_re = 1.0;
        g_im = 0.0;
    } else if (d_params.csi && n2 > 0.0) {
        // maximum-ratio transmission w = conj(h)/||h||: g = ||h||, real
        const double nrm = std::sqrt(n2);
        for (int a = 0; a < nt; a++) {
            d_w_re[a] = d_h_re[a] / nrm;
            d_w_im[a] = -d_h_im[a] / nrm;
        }
        g_re = nrm;
        g_im = 0.0;
    } else {
        // equal power w = (1, ..., 1)/sqrt(N_t): g = sum(h)/sqrt(N_t) (= h for one antenna)
        g_re = g_im = 0.0;
        for (int a = 0; a < nt; a++) {
            d_w_re[a] = eq;
            d_w_im[a] = 0.0;
            g_re += d_h_re[a];
            g_im += d_h_im[a];
        }
        g_re *= eq;
        g_im *= eq;
    }
    // the applied gain is exactly the value that the "h" tag carries
    d_g_re = static_cast<float>(g_re);
    d_g_im = static_cast<float>(g_im);
}

impairment_params impairment_injector_cc_impl::params() const
{
    gr::thread::scoped_lock guard(const_cast<gr::thread::mutex&>(d_setlock));
    return d_params;
}

void impairment_injector_cc_impl::set_params(const impairment_params& p)
{
    gr::thread::scoped_lock guard(d_setlock);
    install(p);
}

#define DDPM_INJ_GETTER(type, name)                                           \
    type impairment_injector_cc_impl::name() const                            \
    {                                                                         \
        gr::thread::scoped_lock guard(const_cast<gr::thread::mutex&>(d_setlock)); \
        return d_params.name;                                                 \
    }
DDPM_INJ_GETTER(double, snr_db)
DDPM_INJ_GETTER(double, kappa_t)
DDPM_INJ_GETTER(double, kappa_r)
DDPM_INJ_GETTER(double, power)
DDPM_INJ_GETTER(int, quant_bits)
DDPM_INJ_GETTER(double, full_scale)
DDPM_INJ_GETTER(int, fading)
DDPM_INJ_GETTER(int, coherence_len)
DDPM_INJ_GETTER(int, noise)
DDPM_INJ_GETTER(uint64_t, seed)
DDPM_INJ_GETTER(int, antennas)
DDPM_INJ_GETTER(int, csi)
DDPM_INJ_GETTER(double, pa_sat)
DDPM_INJ_GETTER(double, pa_p)
DDPM_INJ_GETTER(double, pm_alpha)
DDPM_INJ_GETTER(double, pm_beta)
DDPM_INJ_GETTER(double, iq_amp_db)
DDPM_INJ_GETTER(double, iq_phase_deg)
DDPM_INJ_GETTER(double, dc_re)
DDPM_INJ_GETTER(double, dc_im)
DDPM_INJ_GETTER(int, pn_model)
DDPM_INJ_GETTER(double, pn_deg)
DDPM_INJ_GETTER(double, pn_corr_len)
#undef DDPM_INJ_GETTER

#define DDPM_INJ_SETTER(type, name)                                  \
    void impairment_injector_cc_impl::set_##name(type value)         \
    {                                                                \
        gr::thread::scoped_lock guard(d_setlock);                    \
        impairment_params p = d_params;                              \
        p.name = value;                                              \
        install(p);                                                  \
    }
DDPM_INJ_SETTER(double, snr_db)
DDPM_INJ_SETTER(double, kappa_t)
DDPM_INJ_SETTER(double, kappa_r)
DDPM_INJ_SETTER(double, power)
DDPM_INJ_SETTER(int, quant_bits)
DDPM_INJ_SETTER(double, full_scale)
DDPM_INJ_SETTER(int, fading)
DDPM_INJ_SETTER(int, coherence_len)
DDPM_INJ_SETTER(int, noise)
DDPM_INJ_SETTER(int, antennas)
DDPM_INJ_SETTER(int, csi)
DDPM_INJ_SETTER(double, pa_sat)
DDPM_INJ_SETTER(double, pa_p)
DDPM_INJ_SETTER(double, pm_alpha)
DDPM_INJ_SETTER(double, pm_beta)
DDPM_INJ_SETTER(double, iq_amp_db)
DDPM_INJ_SETTER(double, iq_phase_deg)
DDPM_INJ_SETTER(double, dc_re)
DDPM_INJ_SETTER(double, dc_im)
DDPM_INJ_SETTER(int, pn_model)
DDPM_INJ_SETTER(double, pn_deg)
DDPM_INJ_SETTER(double, pn_corr_len)
#undef DDPM_INJ_SETTER

pmt::pmt_t impairment_injector_cc_impl::hardware_dict() const
{
    pmt::pmt_t d = pmt::make_dict();
    for (const auto& name : impairment_params::hardware_names()) {
        const double v = d_params.value(name);
        d = pmt::dict_add(d,
                          pmt::intern(name),
                          name == "pn_model" ? pmt::from_long(static_cast<long>(v))
                                             : pmt::from_double(v));
    }
    return d;
}

// No exception leaves work(): a failure is logged once per kind and the call's items come out as 0, so the
// stream goes on (docs/reliability.md, "Guarantees").
int impairment_injector_cc_impl::work(int noutput_items,
                                      gr_vector_const_void_star& input_items,
                                      gr_vector_void_star& output_items)
{
    try {
        return do_work(noutput_items, input_items, output_items);
    } catch (...) {
        return detail::zero_output_after_failure(static_cast<gr_complex*>(output_items[0]),
                                                 noutput_items,
                                                 nitems_read(0),
                                                 d_warned_errors,
                                                 d_logger);
    }
}

int impairment_injector_cc_impl::do_work(int noutput_items,
                                         gr_vector_const_void_star& input_items,
                                         gr_vector_void_star& output_items)
{
    gr::thread::scoped_lock guard(d_setlock);

    const auto in = static_cast<const gr_complex*>(input_items[0]);
    auto out = static_cast<gr_complex*>(output_items[0]);
    const uint64_t n0 = nitems_written(0);
    const pmt::pmt_t src = alias_pmt();

    if (d_snr_tag_pending)
        add_item_tag(0, n0, d_key_snr_db, pmt::from_double(d_params.snr_db), src);
    if (d_kt_tag_pending)
        add_item_tag(0, n0, d_key_kappa_t, pmt::from_double(d_params.kappa_t), src);
    if (d_kr_tag_pending)
        add_item_tag(0, n0, d_key_kappa_r, pmt::from_double(d_params.kappa_r), src);
    if (d_power_tag_pending)
        add_item_tag(0, n0, d_key_power, pmt::from_double(d_params.power), src);
    if (d_ant_tag_pending)
        add_item_tag(0, n0, d_key_antennas, pmt::from_long(d_params.antennas), src);
    if (d_hw_tag_pending)
        add_item_tag(0, n0, d_key_hardware, hardware_dict(), src);
    d_snr_tag_pending = d_kt_tag_pending = d_kr_tag_pending = d_power_tag_pending = false;
    d_ant_tag_pending = d_hw_tag_pending = false;

    const impairment_params& p = d_params;
    const int nt = p.antennas;
    // one antenna without CSI: the single-antenna channel h (x + eta_t), in exactly its arithmetic
    const bool siso = (nt == 1 && !p.csi);
    const double sqrt_p = std::sqrt(p.power);
    const double sd_t = std::sqrt(p.kappa_t * p.power / 2.0 / nt); // per real dimension and antenna
    const double kr_p = p.kappa_r * p.power;
    const double sd_n = std::sqrt(p.noise_var() / 2.0);
    const bool laplacian = (p.noise == NOISE_LAPLACIAN);
    const bool rayleigh = (p.fading == FADING_RAYLEIGH);
    const int qb = p.quant_bits;
    const double delta = qb > 0 ? 2.0 * p.full_scale / static_cast<double>(1 << qb) : 0.0;
    const double k_lo = qb > 0 ? -static_cast<double>(1 << (qb - 1)) : 0.0;
    const double k_hi = qb > 0 ? static_cast<double>((1 << (qb - 1)) - 1) : 0.0;
    auto quant = [delta, k_lo, k_hi](double v) {
        double k = std::floor(v / delta);
        k = k < k_lo ? k_lo : (k > k_hi ? k_hi : k); // NaN passes through
        return (k + 0.5) * delta;
    };

    // transmitter hardware (all off: skipped, the arithmetic is exactly as before it existed)
    const bool hw = p.hardware_on();
    const tx_hardware txhw(p);
    const int pn = (p.pn_deg > 0.0) ? p.pn_model : PN_OFF;
    const double pn_sd = p.pn_deg * (TWO_PI / 360.0);              // radians
    const double pn_a = (pn == PN_PLL) ? std::exp(-1.0 / p.pn_corr_len) : 1.0;
    const double pn_b = (pn == PN_PLL) ? pn_sd * std::sqrt(-std::expm1(-2.0 / p.pn_corr_len)) : pn_sd;

    double sd_r = std::sqrt(kr_p * (d_g_re * d_g_re + d_g_im * d_g_im) / 2.0);
    int nonfinite = 0; // non-finite input samples: passed through (their output is not finite)

    for (int i = 0; i < noutput_items; i++) {
        if (d_block_left <= 0) {
            // new Rayleigh coherence block: h ~ CN(0, I)
            draw_channel();
            sd_r = std::sqrt(kr_p * (d_g_re * d_g_re + d_g_im * d_g_im) / 2.0);
        }
        if (d_h_tag_pending) {
            add_item_tag(0, n0 + i, d_key_h, pmt::from_complex(d_g_re, d_g_im), src);
            if (nt > 1)
                add_item_tag(0, n0 + i, d_key_h_norm2, pmt::from_double(d_h_norm2), src);
            d_h_tag_pending = false;
        }
        if (rayleigh)
            d_block_left--;

        double x_re = in[i].real(), x_im = in[i].imag();
        nonfinite += !(std::isfinite(x_re) && std::isfinite(x_im));
        if (qb > 0) {
            x_re = quant(x_re);
            x_im = quant(x_im);
        }
        if (hw) {
            txhw.apply(x_re, x_im);
            if (pn != PN_OFF) {
                // LO phase noise: one normal per sample, drawn before the sample's other draws
                if (pn == PN_PLL) {
                    d_pn_theta = d_pn_start ? pn_sd * d_rng.normal()
                                            : pn_a * d_pn_theta + pn_b * d_rng.normal();
                } else {
                    d_pn_theta += pn_b * d_rng.normal();
                    d_pn_theta = std::remainder(d_pn_theta, TWO_PI); // keep it small: no precision loss
                }
                d_pn_start = false;
                const double c = std::cos(d_pn_theta), sn = std::sin(d_pn_theta);
                const double r = c * x_re - sn * x_im;
                x_im = c * x_im + sn * x_re;
                x_re = r;
            }
        }
        x_re *= sqrt_p;
        x_im *= sqrt_p;
        const double g_re = d_g_re, g_im = d_g_im;
        double y_re, y_im;
        if (siso) {
            if (sd_t > 0.0) {
                x_re += sd_t * d_rng.normal();
                x_im += sd_t * d_rng.normal();
            }
            y_re = g_re * x_re - g_im * x_im;
            y_im = g_re * x_im + g_im * x_re;
        } else {
            // h^T (w x + eta_t) = g x + sum_a h_a eta_t,a
            y_re = g_re * x_re - g_im * x_im;
            y_im = g_re * x_im + g_im * x_re;
            if (sd_t > 0.0) {
                for (int a = 0; a < nt; a++) {
                    const double e_re = sd_t * d_rng.normal();
                    const double e_im = sd_t * d_rng.normal();
                    y_re += d_h_re[a] * e_re - d_h_im[a] * e_im;
                    y_im += d_h_re[a] * e_im + d_h_im[a] * e_re;
                }
            }
        }
        if (sd_r > 0.0) {
            y_re += sd_r * d_rng.normal();
            y_im += sd_r * d_rng.normal();
        }
        if (laplacian) {
            y_re += sd_n * d_rng.laplace();
            y_im += sd_n * d_rng.laplace();
        } else {
            y_re += sd_n * d_rng.normal();
            y_im += sd_n * d_rng.normal();
        }
        out[i] = gr_complex(static_cast<float>(y_re), static_cast<float>(y_im));
    }
    if (nonfinite && !d_warned_nonfinite) {
        // the random draws do not depend on the input: every other sample is as in a clean run
        d_logger->warn("{} non-finite input sample(s) (NaN/Inf) between items {} and {}: passed "
                       "through, no other sample is affected (this warning is shown once)",
                       nonfinite,
                       n0,
                       n0 + noutput_items);
        d_warned_nonfinite = true;
    }

    return noutput_items;
}

} /* namespace ddpm */
} /* namespace gr */
