/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_LLR_DEMAPPER_CF_H
#define INCLUDED_DDPM_LLR_DEMAPPER_CF_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/sync_interpolator.h>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {

/*!
 * \brief Soft demapper: per-bit log-likelihood ratios of received symbols, exact or max-log, for
 * gr-ddpm's constellations, following the channel's stream tags.
 * \ingroup ddpm
 *
 * Input: complex64 symbols y (one per symbol). Output: float32, k = log2(M) LLRs per input symbol,
 * most significant bit of the label first.
 *
 * Per symbol n the block forms, from the channel state in force at n (docs/tags.md, the same rules
 * and code as ddpm.denoiser_cc: lib/channel_state.cc), the zero-forced observation
 * x = y / (sqrt(p) h) and its complex noise variance
 * v = kappa_t + kappa_r + 10^(-snr_db/10) / |h|^2 (impairment_params::effective_noise_var), and outputs
 *
 *     L_b = ln( sum_{j: bit b = 1} exp(-|x - c_j|^2 / v) / sum_{j: bit b = 0} exp(-|x - c_j|^2 / v) )
 *
 * (exact, method 0), or max-log (method 1): (min_{bit 0} |x - c_j|^2 - min_{bit 1} |x - c_j|^2) / v.
 * For a scalar channel zero forcing loses nothing here: |y - sqrt(p) h c|^2 / sigma^2 = |x - c|^2 / v.
 *
 * Sign: POSITIVE MEANS BIT 1 (L = ln P(1)/P(0)), the convention of GNU Radio's FEC decoders
 * (fec.extended_decoder + cc_decoder read a soft value s as the byte 128 + 48 s, 1 above 128).
 * Their byte input saturates at |s| = 2.67: scale the LLRs down (e.g. Multiply Const 0.1..0.3) to keep
 * soft information at high SNR.
 *
 * Stream tags read (each applies from its tagged symbol on): "snr_db" (dB, default: the snr_db
 * parameter), "h" (complex gain, default 1), "kappa_t", "kappa_r", "power", "antennas", "h_norm2".
 * A tag of a channel key whose value is not a valid number (any other PMT type, not finite, out of
 * bounds) is ignored with one warning. With use_tags = false every tag is ignored: x = y,
 * v = 10^(-snr_db/10). Tags pass through (offsets scaled by k).
 *
 * A non-finite input symbol gives k LLRs of 0 (an erasure), with one warning.
 */
class DDPM_API llr_demapper_cf : virtual public gr::sync_interpolator
{
public:
    typedef std::shared_ptr<llr_demapper_cf> sptr;

    /*!
     * \brief Make a soft demapper.
     *
     * \param constellation a gr-ddpm constellation name ("qam16", "qam64", "psk8", "bpsk", "qpsk", ...,
     *        the points of gnuradio.ddpm.core.constellations.by_name: point i carries the bits of i), or
     *        "custom" (or "") to use \p points and \p labels
     * \param points custom constellation: M = 2^k finite distinct points (ignored for a named one)
     * \param labels custom bit labels: labels[j] is the label of points[j], a permutation of 0..M-1;
     *        empty = identity (ignored for a named constellation)
     * \param method 0 = exact (log-sum-exp over all points), 1 = max-log
     * \param snr_db Es/N0 in dB of the additive noise (sigma^2 = p 10^(-snr_db/10)) used until a
     *        snr_db tag arrives (always, with use_tags = false); finite
     * \param use_tags whether the channel tags (snr_db, h, ...) are followed
     * Throws std::invalid_argument for a bad name, constellation, method or SNR.
     */
    static sptr make(const std::string& constellation = "qam16",
                     const std::vector<gr_complex>& points = std::vector<gr_complex>(),
                     const std::vector<int>& labels = std::vector<int>(),
                     int method = 0,
                     double snr_db = 10.0,
                     bool use_tags = true);

    //! Set the SNR parameter (finite; dB). Takes effect from the next work() call.
    virtual void set_snr_db(double snr_db) = 0;
    virtual double snr_db() const = 0;
    //! Set the method: 0 = exact, 1 = max-log.
    virtual void set_method(int method) = 0;
    virtual int method() const = 0;
    //! Bits (LLRs) per input symbol, k = log2(M).
    virtual int bits_per_symbol() const = 0;
    //! The constellation points in use, complex64 [M].
    virtual std::vector<gr_complex> points() const = 0;
    //! The bit labels in use, int [M] (labels()[j] = label of points()[j]).
    virtual std::vector<int> labels() const = 0;
    //! Noise variance v used for the last symbol of the last work() call (NaN before any).
    virtual double last_noise_var() const = 0;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_LLR_DEMAPPER_CF_H */
