/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_H
#define INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/ddpm/impairment_params.h>
#include <gnuradio/sync_block.h>
#include <cstdint>

namespace gr {
namespace ddpm {

/*!
 * \brief Hardware-impairment channel: transmitter/receiver distortion, quantisation, Rayleigh block
 * fading, Gaussian or Laplacian additive noise, and N_t transmit antennas (MISO) with or without
 * transmitter CSI.
 * \ingroup ddpm
 *
 * Input: complex stream s (gr_complex). Output: complex stream y, one sample per input sample
 * (docs/channel.md):
 *
 *   y_k = h_k^T (sqrt(p) w_k q(s_k) + eta_t,k) + eta_r,k + n_k = sqrt(p) g_k q(s_k) + h_k^T eta_t,k + ...
 *   h_k in C^{N_t}, w_k in C^{N_t}, g_k = h_k^T w_k,
 *   eta_t,k ~ CN(0, (kappa_t p / N_t) I), eta_r ~ CN(0, kappa_r p |g_k|^2), n ~ CN(0, sigma^2) or
 *   Laplacian (independent on I and Q, same variance), sigma^2 = p 10^(-snr_db/10).
 *
 * q is a quant_bits-bit uniform mid-rise quantiser on I and Q over [-full_scale, +full_scale]
 * (clipping outside, identity for quant_bits = 0), applied before the precoder. With fading =
 * FADING_RAYLEIGH, h has i.i.d. CN(0, 1) entries held for coherence_len samples, independent between
 * blocks; otherwise h = (1, ..., 1)/sqrt(N_t) (so g = 1). The precoder is w = conj(h)/||h|| with
 * csi = 1 (maximum-ratio transmission, g = ||h||, E|g|^2 = N_t under Rayleigh fading) and
 * w = (1, ..., 1)/sqrt(N_t) with csi = 0 (E|g|^2 = 1). With antennas = 1 and csi = 0 (the defaults) this
 * is the single-antenna channel y = h (sqrt(p) q(s) + eta_t) + eta_r + n, sample for sample as before
 * the antennas parameter existed (same seed, same output).
 *
 * Stream tags (docs/tags.md): "h" (complex) = the effective scalar gain g at the first sample of every
 * coherence block (g = 1 once at the start when fading is off), and again when csi or antennas change;
 * "snr_db", "kappa_t", "kappa_r", "power" (doubles) at the first sample and at the first sample produced
 * with a changed value; with antennas > 1 also "h_norm2" (double, ||h||^2) with every "h" tag, and
 * "antennas" (long) at the first sample when antennas > 1 and whenever antennas changes. Input tags pass
 * through.
 *
 * Parameters and bounds are those of impairment_params; invalid values throw std::invalid_argument
 * (ValueError in Python) from make() and from every setter, leaving the block unchanged. All
 * parameters except the seed can be changed while the flowgraph runs; a change applies from the first
 * sample of the next call to work(). A change of fading, coherence_len or antennas starts a new
 * coherence block; a change of csi keeps h and recomputes w and g.
 *
 * Transmitter hardware (impairment_params, docs/channel.md "Transmitter hardware"; all off by default,
 * and then the output is sample for sample what it was before these parameters existed): on the
 * quantised unit-scale stream, before the sqrt(p) scaling, in the order of a real transmitter: IQ
 * imbalance (iq_amp_db, iq_phase_deg) and DC offset (dc_re, dc_im) at the modulator, the PA's Rapp
 * AM/AM (pa_sat relative to the RMS amplitude, pa_p) and Saleh-form AM/PM (pm_alpha, pm_beta), then LO
 * phase noise (pn_model: 1 Wiener with increment std pn_deg per sample, 2 PLL-tracked with RMS pn_deg
 * and correlation length pn_corr_len samples). Tag "hardware" (a PMT dict name -> value of the eleven
 * hardware parameters) at the first sample when any is on and at the first sample produced after any
 * of them changed. A change of pn_model restarts the phase-noise process.
 */
class DDPM_API impairment_injector_cc : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<impairment_injector_cc> sptr;

    /*!
     * \brief Make an impairment injector.
     *
     * \param snr_db SNR of the additive noise in dB, sigma^2 = power 10^(-snr_db/10), [-100, 300]
     * \param kappa_t transmitter impairment level (relative to power), [0, 100]
     * \param kappa_r receiver impairment level (relative to power |h|^2), [0, 100]
     * \param power signal power p, (0, 1e6]
     * \param quant_bits quantiser bits, 0 (off) .. 16
     * \param full_scale quantiser range on I and Q, (0, 1e6]
     * \param fading 0 = FADING_NONE, 1 = FADING_RAYLEIGH
     * \param coherence_len samples per coherence block, 1 .. 2^30
     * \param noise 0 = NOISE_GAUSSIAN, 1 = NOISE_LAPLACIAN
     * \param seed PRNG seed
     * \param antennas number of transmit antennas N_t, 1 .. 64
     * \param csi 1 = transmitter CSI (maximum-ratio transmission), 0 = equal power
     * \param pa_sat Rapp saturation amplitude relative to the input RMS amplitude, 0 (linear) or [0.01, 1000]
     * \param pa_p Rapp smoothness p, [0.1, 100]
     * \param pm_alpha Saleh-form AM/PM alpha in radians, [-10, 10]
     * \param pm_beta Saleh-form AM/PM beta, [0, 1000]
     * \param iq_amp_db IQ amplitude imbalance in dB, [-20, 20]
     * \param iq_phase_deg IQ phase imbalance in degrees, [-45, 45]
     * \param dc_re DC offset, real part (relative to the input RMS amplitude), [-10, 10]
     * \param dc_im DC offset, imaginary part, [-10, 10]
     * \param pn_model phase noise: 0 off, 1 Wiener, 2 PLL-tracked
     * \param pn_deg phase noise in degrees (Wiener: increment std; PLL: RMS), [0, 180]
     * \param pn_corr_len PLL-tracked phase-noise correlation length in samples, [1, 1e9]
     */
    static sptr make(double snr_db = 20.0,
                     double kappa_t = 0.0,
                     double kappa_r = 0.0,
                     double power = 1.0,
                     int quant_bits = 0,
                     double full_scale = 1.5,
                     int fading = 0,
                     int coherence_len = 1000,
                     int noise = 0,
                     uint64_t seed = 0,
                     int antennas = 1,
                     int csi = 0,
                     double pa_sat = 0.0,
                     double pa_p = 2.0,
                     double pm_alpha = 0.0,
                     double pm_beta = 0.0,
                     double iq_amp_db = 0.0,
                     double iq_phase_deg = 0.0,
                     double dc_re = 0.0,
                     double dc_im = 0.0,
                     int pn_model = 0,
                     double pn_deg = 0.0,
                     double pn_corr_len = 20.0);

    //! Current parameters (a copy).
    virtual impairment_params params() const = 0;
    //! Replace every parameter except the seed (validated first; the seed of p is ignored).
    virtual void set_params(const impairment_params& p) = 0;

    virtual double snr_db() const = 0;
    virtual double kappa_t() const = 0;
    virtual double kappa_r() const = 0;
    virtual double power() const = 0;
    virtual int quant_bits() const = 0;
    virtual double full_scale() const = 0;
    virtual int fading() const = 0;
    virtual int coherence_len() const = 0;
    virtual int noise() const = 0;
    virtual uint64_t seed() const = 0;
    virtual int antennas() const = 0;
    virtual int csi() const = 0;
    virtual double pa_sat() const = 0;
    virtual double pa_p() const = 0;
    virtual double pm_alpha() const = 0;
    virtual double pm_beta() const = 0;
    virtual double iq_amp_db() const = 0;
    virtual double iq_phase_deg() const = 0;
    virtual double dc_re() const = 0;
    virtual double dc_im() const = 0;
    virtual int pn_model() const = 0;
    virtual double pn_deg() const = 0;
    virtual double pn_corr_len() const = 0;

    virtual void set_snr_db(double snr_db) = 0;
    virtual void set_kappa_t(double kappa_t) = 0;
    virtual void set_kappa_r(double kappa_r) = 0;
    virtual void set_power(double power) = 0;
    virtual void set_quant_bits(int quant_bits) = 0;
    virtual void set_full_scale(double full_scale) = 0;
    virtual void set_fading(int fading) = 0;
    virtual void set_coherence_len(int coherence_len) = 0;
    virtual void set_noise(int noise) = 0;
    virtual void set_antennas(int antennas) = 0;
    virtual void set_csi(int csi) = 0;
    virtual void set_pa_sat(double pa_sat) = 0;
    virtual void set_pa_p(double pa_p) = 0;
    virtual void set_pm_alpha(double pm_alpha) = 0;
    virtual void set_pm_beta(double pm_beta) = 0;
    virtual void set_iq_amp_db(double iq_amp_db) = 0;
    virtual void set_iq_phase_deg(double iq_phase_deg) = 0;
    virtual void set_dc_re(double dc_re) = 0;
    virtual void set_dc_im(double dc_im) = 0;
    virtual void set_pn_model(int pn_model) = 0;
    virtual void set_pn_deg(double pn_deg) = 0;
    virtual void set_pn_corr_len(double pn_corr_len) = 0;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_H */
