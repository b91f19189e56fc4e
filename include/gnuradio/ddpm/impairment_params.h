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
 * Channel, per sample k (complex baseband):
 *   y_k = h_k (sqrt(p) q(s_k) + eta_t,k) + eta_r,k + n_k
 * with eta_t ~ CN(0, kappa_t p), eta_r ~ CN(0, kappa_r p |h_k|^2), n ~ CN(0, sigma^2) (or Laplacian with
 * the same variance), sigma^2 = p 10^(-snr_db/10), q the quant_bits-bit mid-rise quantiser on I and Q
 * over [-full_scale, +full_scale] (identity when quant_bits = 0).
 *
 * Bounds (inclusive unless stated; every floating-point value must be finite):
 *   snr_db in [-100, 300] dB; kappa_t, kappa_r in [0, 100]; power in (0, 1e6]; quant_bits in 0..16;
 *   full_scale in (0, 1e6]; fading in {0 = FADING_NONE, 1 = FADING_RAYLEIGH}; coherence_len in
 *   1..2^30; noise in {0 = NOISE_GAUSSIAN, 1 = NOISE_LAPLACIAN}; seed: any 64-bit value.
 * fading and noise are plain ints so that GRC and Python can pass integers; the enums fading_t and
 * noise_t name their values.
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

    /*!
     * \brief Parameters with the given values; the defaults are the channel's defaults. Does not
     * validate (call validate()).
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
                      uint64_t seed = 0);

    //! The parameter names, in constructor order.
    static std::vector<std::string> names();

    /*!
     * \brief Value of the parameter called \p name (one of names()) as a double; throws
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
     * \brief Complex noise variance of the equalised observation y/(sqrt(p) h), in unit-signal units:
     * kappa_t + kappa_r + sigma^2/(p |h|^2), for a channel gain with |h|^2 = \p h_abs2 (infinite for
     * h_abs2 = 0).
     */
    double effective_noise_var(double h_abs2) const;

    //! One-line human-readable summary of the parameters (for logs).
    std::string to_string() const;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_IMPAIRMENT_PARAMS_H */
