/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The denoiser's view of the channel, built from stream tags (docs/tags.md); a plain class, no block.
#ifndef INCLUDED_DDPM_CHANNEL_STATE_H
#define INCLUDED_DDPM_CHANNEL_STATE_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/gr_complex.h>
#include <pmt/pmt.h>

namespace gr {
namespace ddpm {

/*!
 * Channel state in force at a sample: the latest valid value of each tag key (h, snr_db, kappa_t,
 * kappa_r, power, antennas, h_norm2), or its neutral default (h = 1, snr_db unknown, kappa = 0, p = 1,
 * N_t = 1, ||h||^2 unknown).
 */
class DDPM_API channel_state
{
public:
    channel_state();

    //! Whether \p key is one of the channel keys of docs/tags.md.
    static bool is_channel_key(const pmt::pmt_t& key);

    //! bounds of the "power" tag (docs/tags.md): sqrt(p) |h| and its inverse stay normal floats
    static constexpr double MIN_POWER = 1e-20, MAX_POWER = 1e20;

    /*!
     * Apply the tag \p key = \p value. Returns false, leaving the state unchanged, when \p key is a
     * channel key and \p value is not a valid value for it: not a number PMT (symbol, vector, list,
     * ...), non-finite, a complex number for a real key (snr_db, kappa_t, kappa_r, power, antennas,
     * h_norm2), h with |h|^2 not a positive normal float (h = 0, |h| < 1.1e-19 or > 1.8e19), power
     * outside [1e-20, 1e20], kappa < 0, h_norm2 < 0, antennas not an integer in 1..1024, a uint64
     * PMT (docs/tags.md: a wrong type). Long and real PMTs are numbers; h may be real or complex. Other
     * keys are not channel
     * state: nothing changes and the result is true. Never throws.
     */
    bool apply(const pmt::pmt_t& key, const pmt::pmt_t& value);

    /*!
     * Complex noise variance of the zero-forced observation y / (sqrt(p) h), unit-signal units, for
     * the additive-noise SNR \p snr_db: impairment_params::effective_noise_var(|h|^2, h_norm2) of the
     * tagged kappa_t, kappa_r and N_t. Until an h_norm2 tag arrives (or with N_t = 1) the transmit term
     * is the one-antenna kappa_t (docs/tags.md). Infinite for h = 0.
     */
    double noise_var(double snr_db) const;

    //! Zero-forcing gain 1 / (sqrt(p) h).
    gr_complex zf_gain() const;

    gr_complex h() const { return d_h; }
    //! SNR from the latest snr_db tag; NaN until one arrives
    double snr_db() const { return d_snr_db; }
    bool has_snr() const;
    double kappa_t() const { return d_kappa_t; }
    double kappa_r() const { return d_kappa_r; }
    double power() const { return d_power; }
    int antennas() const { return d_antennas; }
    //! ||h||^2 from the latest h_norm2 tag; -1 until one arrives
    double h_norm2() const { return d_h_norm2; }

private:
    gr_complex d_h;
    double d_snr_db;
    double d_kappa_t, d_kappa_r, d_power;
    int d_antennas;
    double d_h_norm2;

    bool apply_real(const pmt::pmt_t& key, double v);
};

} // namespace ddpm
} // namespace gr

#endif
