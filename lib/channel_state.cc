/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "channel_state.h"
#include <gnuradio/ddpm/impairment_params.h>
#include <cmath>
#include <limits>

namespace gr {
namespace ddpm {

namespace {
const pmt::pmt_t KEY_H = pmt::mp("h");
const pmt::pmt_t KEY_SNR = pmt::mp("snr_db");
const pmt::pmt_t KEY_KT = pmt::mp("kappa_t");
const pmt::pmt_t KEY_KR = pmt::mp("kappa_r");
const pmt::pmt_t KEY_P = pmt::mp("power");
const pmt::pmt_t KEY_NT = pmt::mp("antennas");
const pmt::pmt_t KEY_HN2 = pmt::mp("h_norm2");
} // namespace

channel_state::channel_state()
    : d_h(1.0f, 0.0f),
      d_snr_db(std::numeric_limits<double>::quiet_NaN()),
      d_kappa_t(0.0),
      d_kappa_r(0.0),
      d_power(1.0),
      d_antennas(1),
      d_h_norm2(-1.0)
{
}

bool channel_state::is_channel_key(const pmt::pmt_t& k)
{
    return pmt::eqv(k, KEY_H) || pmt::eqv(k, KEY_SNR) || pmt::eqv(k, KEY_KT) ||
           pmt::eqv(k, KEY_KR) || pmt::eqv(k, KEY_P) || pmt::eqv(k, KEY_NT) ||
           pmt::eqv(k, KEY_HN2);
}

bool channel_state::has_snr() const { return !std::isnan(d_snr_db); }

namespace {
//! a real number PMT (long or real) as a double; false for anything else: complex, uint64 (which passes
//! pmt::is_number() but not pmt::to_double(); docs/tags.md), not a number
bool real_value(const pmt::pmt_t& v, double& out)
{
    try {
        if (pmt::is_complex(v) || !pmt::is_number(v) || pmt::is_uint64(v))
            return false;
        if (pmt::is_integer(v))
            out = static_cast<double>(pmt::to_long(v));
        else if (pmt::is_real(v))
            out = pmt::to_double(v);
        else
            return false;
        return true;
    } catch (...) {
        return false;
    }
}
} // namespace

bool channel_state::apply(const pmt::pmt_t& key, const pmt::pmt_t& value)
{
    if (!is_channel_key(key))
        return true;
    try {
        if (pmt::eqv(key, KEY_H)) {
            std::complex<double> hd;
            double r;
            if (pmt::is_complex(value))
                hd = pmt::to_complex(value);
            else if (real_value(value, r))
                hd = std::complex<double>(r, 0.0);
            else
                return false;
            const gr_complex h(static_cast<float>(hd.real()), static_cast<float>(hd.imag()));
            // |h|^2 must be a positive normal float: the equaliser divides by h in float
            const float h2 = std::norm(h);
            if (!std::isfinite(h.real()) || !std::isfinite(h.imag()) || !std::isfinite(h2) ||
                !(h2 >= std::numeric_limits<float>::min()))
                return false;
            d_h = h;
            return true;
        }
        double v;
        if (!real_value(value, v)) // complex values for the real keys are invalid, not cut to their real part
            return false;
        return apply_real(key, v);
    } catch (...) { // never throws
        return false;
    }
}

bool channel_state::apply_real(const pmt::pmt_t& k, double v)
{
    if (!std::isfinite(v))
        return false;
    if (pmt::eqv(k, KEY_SNR)) {
        d_snr_db = v;
    } else if (pmt::eqv(k, KEY_P)) {
        if (!(v >= MIN_POWER && v <= MAX_POWER))
            return false;
        d_power = v;
    } else if (pmt::eqv(k, KEY_NT)) {
        if (!(v >= 1.0 && v == std::floor(v) && v <= 1024.0))
            return false;
        d_antennas = static_cast<int>(v);
    } else {
        if (!(v >= 0.0)) // h_norm2, kappa_t, kappa_r
            return false;
        (pmt::eqv(k, KEY_HN2) ? d_h_norm2 : pmt::eqv(k, KEY_KT) ? d_kappa_t : d_kappa_r) = v;
    }
    return true;
}

double channel_state::noise_var(double snr_db) const
{
    // the transmit term kappa_t ||h||^2 / (N_t |g|^2) needs ||h||^2; without it the one-antenna kappa_t
    const bool miso = d_antennas > 1 && d_h_norm2 >= 0.0;
    impairment_params p;
    p.snr_db = snr_db;
    p.kappa_t = d_kappa_t;
    p.kappa_r = d_kappa_r;
    p.antennas = miso ? d_antennas : 1;
    // |g|^2 in float, as the equaliser divides by the float h
    return p.effective_noise_var(static_cast<double>(std::norm(d_h)), d_h_norm2);
}

gr_complex channel_state::zf_gain() const
{
    return gr_complex(1.0f, 0.0f) / (static_cast<float>(std::sqrt(d_power)) * d_h);
}

} // namespace ddpm
} // namespace gr
