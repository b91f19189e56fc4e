/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_DENOISER_CC_H
#define INCLUDED_DDPM_DENOISER_CC_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/sync_block.h>
#include <cstdint>
#include <string>

namespace gr {
namespace ddpm {

/*!
 * \brief DDPM receiver: equalises the received samples and denoises them with a gr-ddpm model
 * (docs/denoiser.md).
 * \ingroup ddpm
 *
 * Input: complex64 stream y. Output: complex64 stream, one item per input item: the denoised
 * samples (physical units, i.e. unit-power symbols), or hard decisions to the model's
 * constellation points.
 *
 * Per sample n the block forms the equalised observation x[n] and its effective complex noise
 * variance v[n] (unit-signal units) from the channel state in force at n, with
 * sigma2_eff = kappa_t + kappa_r + 10^(-snr_db/10) / |h|^2 (impairment_params::effective_noise_var;
 * with N_t > 1 transmit antennas and a known h_norm2 the transmit term is
 * kappa_t h_norm2 / (N_t |h|^2)). Zero forcing (equalize = 1): x = y / (sqrt(p) h), v = sigma2_eff.
 * MMSE (equalize = 2): x = g y / (sqrt(p) h), v = g sigma2_eff, g = 1 / (1 + sigma2_eff) (the LMMSE
 * estimate of a unit-power symbol and its error). Off (equalize = 0): x = y (equalised upstream),
 * v = sigma2_eff.
 *
 * Stream tags read (docs/tags.md; each applies from its tagged sample on): "h" (complex channel gain,
 * default 1), "snr_db" (SNR of the additive noise in dB; default the snr_db parameter), "kappa_t" and
 * "kappa_r" (transmitter and receiver impairment levels, default 0), "power" (signal power p, default 1),
 * "antennas" (transmit antennas N_t, default 1) and "h_norm2" (||h||^2 of the channel vector). A tag
 * whose value is not a valid number (wrong PMT type, not finite, out of bounds) is ignored with one
 * warning. Tags pass through unchanged.
 *
 * When neither a tag nor the parameter gives the SNR (snr_db = NaN), v is estimated from the data per
 * batch (M2M4 moments estimator, decision-directed at high SNR; docs/denoiser.md).
 *
 * x and v are converted to model units (power_scale, power_scale^2) and handed to
 * gr::ddpm::kernel::ddpm_sampler with first_index = absolute sample index, so the output does not
 * depend on how the scheduler chunks the stream.
 */
class DDPM_API denoiser_cc : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<denoiser_cc> sptr;

    /*!
     * \brief Make a DDPM denoiser.
     *
     * \param model model file path, or the short name of a shipped model (e.g. "qam16", searched
     *        as NAME.onnx in the directories of $DDPM_MODEL_PATH, then in the installed
     *        share/gr-ddpm/models)
     * \param sampler 0 = "paper" (full chain from x_T = y), 1 = "matched" (SNR-matched DDPM
     *        chain), 2 = "ddim" (DDIM from the matched step); kernel::sampler_type values, named by
     *        kernel::sampler_name()
     * \param steps DDIM steps (>= 1)
     * \param eta DDIM eta in [0, 1] (0 = deterministic)
     * \param batch samples per batch, 1 .. 1048576 (2^20): scheduler alignment hint and
     *        noise-estimation window
     * \param threads kernel worker threads (>= 0, 0 = all cores)
     * \param seed key of the counter-based random generator
     * \param snr_db SNR of the additive noise in dB, used until a "snr_db" tag arrives; NaN =
     *        unknown (estimate from the data); +-Inf is rejected
     * \param equalize 0 = off, 1 = zero forcing, 2 = MMSE
     * \param output 0 = denoised samples, 1 = hard decisions (needs a model with a constellation):
     *        MAP over the model's constellation points given the equalised input (before MMSE
     *        shrinking) and its noise variance; with the uniform prior of a model file this is the
     *        nearest point to the equalised input (never worse than nearest-point on that input)
     */
    static sptr make(const std::string& model = "qam16",
                     int sampler = 2,
                     int steps = 1,
                     float eta = 0.0,
                     int batch = 1024,
                     int threads = 0,
                     uint64_t seed = 0,
                     double snr_db = 20.0,
                     int equalize = 1,
                     int output = 0);

    //! SNR in dB used when no snr_db tag has been seen (NaN = estimate from data)
    virtual void set_snr_db(double snr_db) = 0;
    virtual double snr_db() const = 0;
    //! 0 = paper, 1 = matched, 2 = ddim (kernel::sampler_type)
    virtual void set_sampler(int sampler) = 0;
    virtual int sampler() const = 0;
    //! DDIM steps (>= 1)
    virtual void set_steps(int steps) = 0;
    virtual int steps() const = 0;
    //! DDIM eta in [0, 1]
    virtual void set_eta(float eta) = 0;
    virtual float eta() const = 0;

    //! Resolved path of the model file in use
    virtual std::string model_path() const = 0;
    //! Samples per second over the wall time spent inside work() (equalisation, noise, kernel)
    virtual double throughput() const = 0;
    //! Samples per second over the wall time spent inside the kernel's sample() calls only
    virtual double kernel_throughput() const = 0;
    //! Effective complex noise variance (model units) handed to the kernel for the last sample
    virtual double last_noise_var() const = 0;
    //! Where the noise level came from for the last sample: "tags", "snr_db" or "estimate"
    virtual std::string noise_source() const = 0;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_DENOISER_CC_H */
