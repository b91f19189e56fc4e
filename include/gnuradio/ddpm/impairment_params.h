/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_IMPAIRMENT_PARAMS_H
#define INCLUDED_DDPM_IMPAIRMENT_PARAMS_H

#include <gnuradio/ddpm/api.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {

//! Channel fading of the impairment channel (impairment_params::fading).
enum fading_t {
    FADING_NONE = 0,    //!< h = 1 for every sample
    FADING_RAYLEIGH = 1 //!< Rayleigh block fading: h ~ CN(0, 1), held for coherence_len samples
};

//! Phase-noise model of the transmitter's LO (impairment_params::pn_model).
enum pn_model_t {
    PN_OFF = 0,    //!< no phase noise
    PN_WIENER = 1, //!< free-running oscillator: Wiener phase, increments N(0, pn_deg^2) per sample
    PN_PLL = 2     //!< PLL-tracked residual: stationary Gauss-Markov phase, RMS pn_deg, correlation length pn_corr_len
};

//! Additive noise distribution of the impairment channel (impairment_params::noise).
enum noise_t {
    NOISE_GAUSSIAN = 0, //!< circular complex Gaussian CN(0, sigma^2)
    NOISE_LAPLACIAN = 1 //!< Laplacian, independent on I and Q, variance sigma^2/2 per real dimension
};

/*!
 * \brief The one definition of the hardware-impairment channel's parameters, their defaults and bounds.
 * \ingroup ddpm
 *
 * Shared by the C++ block ddpm::impairment_injector_cc and the numpy reference
 * gnuradio.ddpm.channel.apply_impairments: both validate through validate().
 *
 * Channel (docs/channel.md), MISO with N_t = antennas transmit antennas and one receive antenna, per
 * sample k (complex baseband): y_k = h_k^T (sqrt(p) w_k q(s_k) + eta_t,k) + eta_r,k + n_k.
 *
 * h_k in C^{N_t} is Rayleigh block fading (fading = FADING_RAYLEIGH): i.i.d. CN(0, 1) entries, held for
 * coherence_len samples, independent between blocks; without fading h = (1, ..., 1)/sqrt(N_t) (unit
 * norm, so that the effective gain g below is 1 with and without CSI; h = 1 for N_t = 1).
 *
 * w_k is the precoder: with transmitter CSI (csi = 1) maximum-ratio transmission w = conj(h)/||h||,
 * without CSI (csi = 0) equal power w = (1, ..., 1)/sqrt(N_t); ||w|| = 1 in both cases.
 *
 * eta_t,k in C^{N_t} is each antenna's own transmit distortion, independent CN(0, kappa_t p / N_t)
 * (total kappa_t p, as for one antenna). g_k = h_k^T w_k is the effective scalar gain (g = ||h|| with
 * CSI, g = 1 without fading); eta_r ~ CN(0, kappa_r p |g_k|^2); n ~ CN(0, sigma^2) (or Laplacian with
 * the same variance), sigma^2 = p 10^(-snr_db/10).
 *
 * q is the quant_bits-bit mid-rise quantiser on I and Q over [-full_scale, +full_scale] (identity when
 * quant_bits = 0), applied to the symbol stream s that feeds every antenna's chain (before the
 * precoder), so that y = sqrt(p) g q(s) + h^T eta_t + eta_r + n. With N_t = 1 and csi = 0 this is the
 * single-antenna channel y = h (sqrt(p) q(s) + eta_t) + eta_r + n.
 *
 * Bounds (inclusive unless stated; every floating-point value must be finite):
 *   snr_db in [-100, 300] dB; kappa_t, kappa_r in [0, 100]; power in (0, 1e6]; quant_bits in 0..16;
 *   full_scale in (0, 1e6]; fading in {0 = FADING_NONE, 1 = FADING_RAYLEIGH}; coherence_len in
 *   1..2^30; noise in {0 = NOISE_GAUSSIAN, 1 = NOISE_LAPLACIAN}; seed: any 64-bit value;
 *   antennas in 1..64; csi in {0 = no CSI (equal power), 1 = CSI (maximum-ratio transmission)}.
 * fading, noise and csi are plain ints so that GRC and Python can pass integers (Python's False/True
 * are accepted for csi); the enums fading_t and noise_t name their values.
 *
 * Transmitter hardware (docs/channel.md, "Transmitter hardware"; every part off by default), applied to
 * the unit-scale stream q(s) before the sqrt(p) scaling, in the order of a real transmitter:
 *   1. IQ modulator: u = K1 x + K2 conj(x) + d, K1 = (1 + g e^{-j phi})/2, K2 = (1 - g e^{j phi})/2,
 *      g = 10^(iq_amp_db/20), phi = iq_phase_deg (the Q branch has gain g and phase error phi:
 *      u = I + j g (Q cos phi - I sin phi) + d), d = dc_re + j dc_im (LO leakage);
 *      image rejection ratio |K1|^2/|K2|^2 = (1 + g^2 + 2 g cos phi)/(1 + g^2 - 2 g cos phi);
 *   2. PA, r = |u|: AM/AM Rapp A(r) = r / (1 + (r/pa_sat)^(2 pa_p))^(1/(2 pa_p)) (pa_sat = saturation
 *      amplitude relative to the unit-power input's RMS amplitude 1; 0 = linear PA), AM/PM Saleh form
 *      Phi(r) = pm_alpha r^2 / (1 + pm_beta r^2) radians: v = A(r) e^{j Phi(r)} u/r;
 *   3. LO phase noise: v e^{j theta_k}; pn_model = PN_WIENER: theta_k = theta_{k-1} + N(0, pn_deg^2)
 *      (theta_0 = 0 before the first sample); PN_PLL: theta_k = a theta_{k-1} + sqrt(1 - a^2) pn_deg w_k,
 *      a = exp(-1/pn_corr_len) (RMS pn_deg, autocorrelation pn_deg^2 a^|m|; theta starts stationary).
 * Bounds: pa_sat 0 (off) or in [0.01, 1000]; pa_p in [0.1, 100]; pm_alpha in [-10, 10] rad; pm_beta in
 *   [0, 1000]; iq_amp_db in [-20, 20] dB; iq_phase_deg in [-45, 45]; dc_re, dc_im in [-10, 10];
 *   pn_model in {0, 1, 2}; pn_deg in [0, 180]; pn_corr_len in [1, 1e9] samples.
 */
struct DDPM_API impairment_params {
    double snr_db;           //!< SNR of the additive noise, dB: sigma^2 = power 10^(-snr_db/10)
    double kappa_t;          //!< transmitter impairment level (EVM^2), relative to power
    double kappa_r;          //!< receiver impairment level (EVM^2), relative to power |h|^2
    double power;            //!< signal power p (the input is scaled by sqrt(p))
    int quant_bits;          //!< quantiser resolution in bits, 0 = no quantisation
    double full_scale;       //!< quantiser range [-full_scale, +full_scale] on I and Q
    int fading;              //!< fading_t: 0 none, 1 Rayleigh block fading
    int coherence_len;       //!< samples per Rayleigh coherence block
    int noise;               //!< noise_t: 0 Gaussian, 1 Laplacian
    uint64_t seed;           //!< PRNG seed (same seed, same output)
    int antennas;            //!< number of transmit antennas N_t (MISO), 1..64
    int csi;                 //!< 1: transmitter CSI, maximum-ratio precoding; 0: equal power
    double pa_sat;           //!< Rapp PA saturation amplitude relative to the input RMS amplitude, 0 = linear PA
    double pa_p;             //!< Rapp smoothness p
    double pm_alpha;         //!< Saleh-form AM/PM alpha, radians: Phi(r) = pm_alpha r^2/(1 + pm_beta r^2)
    double pm_beta;          //!< Saleh-form AM/PM beta
    double iq_amp_db;        //!< IQ amplitude imbalance, dB (gain of the Q branch relative to I)
    double iq_phase_deg;     //!< IQ phase imbalance, degrees
    double dc_re;            //!< DC offset (LO leakage), real part, relative to the input RMS amplitude
    double dc_im;            //!< DC offset, imaginary part
    int pn_model;            //!< pn_model_t: 0 off, 1 Wiener, 2 PLL-tracked
    double pn_deg;           //!< phase noise, degrees: Wiener increment std per sample, or PLL-tracked RMS
    double pn_corr_len;      //!< PLL-tracked phase noise correlation length, samples

    /*!
     * \brief Parameters with the given values; the defaults are the channel's defaults. Does not
     * validate (call validate()).
     *
     * \param snr_db SNR of the additive noise in dB, sigma^2 = power 10^(-snr_db/10), [-100, 300]
     * \param kappa_t transmitter impairment level (EVM^2, relative to power), [0, 100]
     * \param kappa_r receiver impairment level (EVM^2, relative to power |h|^2), [0, 100]
     * \param power signal power p (the input is scaled by sqrt(p)), (0, 1e6]
     * \param quant_bits quantiser bits, 0 (off) .. 16
     * \param full_scale quantiser range [-full_scale, +full_scale] on I and Q, (0, 1e6]
     * \param fading 0 = FADING_NONE, 1 = FADING_RAYLEIGH (block fading)
     * \param coherence_len samples per Rayleigh coherence block, 1 .. 2^30
     * \param noise 0 = NOISE_GAUSSIAN, 1 = NOISE_LAPLACIAN
     * \param seed PRNG seed (same seed, same output)
     * \param antennas number of transmit antennas N_t (MISO), 1 .. 64
     * \param csi 1 = transmitter CSI (maximum-ratio transmission), 0 = equal power
     * \param pa_sat Rapp saturation amplitude relative to the input RMS amplitude, 0 (linear) or [0.01, 1000]
     * \param pa_p Rapp smoothness p, [0.1, 100]
     * \param pm_alpha Saleh-form AM/PM alpha in radians, [-10, 10] (0 = no AM/PM)
     * \param pm_beta Saleh-form AM/PM beta, [0, 1000]
     * \param iq_amp_db IQ amplitude imbalance in dB, [-20, 20]
     * \param iq_phase_deg IQ phase imbalance in degrees, [-45, 45]
     * \param dc_re DC offset, real part (relative to the input RMS amplitude), [-10, 10]
     * \param dc_im DC offset, imaginary part, [-10, 10]
     * \param pn_model phase noise: 0 = PN_OFF, 1 = PN_WIENER, 2 = PN_PLL
     * \param pn_deg phase noise in degrees (Wiener: increment std per sample; PLL: RMS), [0, 180]
     * \param pn_corr_len PLL-tracked phase noise correlation length in samples, [1, 1e9]
     */
    impairment_params(double snr_db = 20.0,
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

    //! The parameter names, in constructor order.
    static std::vector<std::string> names();

    /*!
     * \brief Value of the parameter called name (one of names()) as a double; throws
     * std::invalid_argument for an unknown name.
     */
    double value(const std::string& name) const;

    /*!
     * \brief Check every parameter against its bounds.
     *
     * Throws std::invalid_argument (ValueError in Python) whose message names the parameter, the
     * value and the allowed range, e.g. "impairment_params: kappa_t = -0.1 is out of range; allowed
     * 0 <= kappa_t <= 100".
     */
    void validate() const;

    //! Additive noise variance sigma^2 = power 10^(-snr_db/10) (complex, both dimensions together).
    double noise_var() const;

    /*!
     * \brief Complex noise variance of the equalised observation y/(sqrt(p) g), in unit-signal units.
     *
     * Given the channel vector's squared norm ||h||^2 = h_norm2 (>= 0):
     *   kappa_t ||h||^2 / (N_t |g|^2) + kappa_r + sigma^2 / (p |g|^2),   |g|^2 = h_abs2
     * (exact, conditionally on h). With N_t = 1, ||h||^2 = |g|^2: kappa_t + kappa_r + sigma^2/(p |h|^2).
     *
     * Without h_norm2 (negative, the default: only the scalar "h" tag g is known) the variance given g
     * alone, E[||h||^2 | g] in place of ||h||^2: with CSI ||h||^2 = |g|^2 (kappa_t/N_t); without fading
     * ||h||^2 = 1; without CSI under Rayleigh fading E[||h||^2 | g] = |g|^2 + N_t - 1. All three are exact
     * for N_t = 1. Infinite for h_abs2 = 0 (or not a number).
     */
    double effective_noise_var(double h_abs2, double h_norm2 = -1.0) const;

    //! The transmitter-hardware parameter names (pa_sat .. pn_corr_len), a subset of names().
    static std::vector<std::string> hardware_names();

    //! True when any transmitter hardware impairment is on (the hardware map is not the identity).
    bool hardware_on() const;

    //! One-line human-readable summary of the parameters (for logs).
    std::string to_string() const;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_IMPAIRMENT_PARAMS_H */
