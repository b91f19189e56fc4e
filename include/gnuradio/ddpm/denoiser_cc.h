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
 * variance v[n] from the channel state in force at n:
 *   - zero forcing:  x = y / (sqrt(p) h),  v = kappa_t + kappa_r + 10^(-snr_db/10) / |h|^2
 *   - MMSE:          x = g y / (sqrt(p) h), v = g (kappa_t + kappa_r + 10^(-snr_db/10) / |h|^2),
 *                    g = 1 / (1 + v_zf)   (LMMSE estimate of a unit-power symbol; v its error)
 *   - off:           x = y (already equalised upstream), v as for zero forcing.
 * The channel state comes from stream tags (keys h, snr_db, kappa_t, kappa_r, power; each applies
 * from its tagged sample on), defaults h = 1, p = 1, kappa_t = kappa_r = 0 and snr_db from the
 * parameter. When neither a tag nor the parameter gives the SNR (snr_db = NaN), v is estimated
 * from the data per batch (M2M4 moments estimator, see docs/denoiser.md).
 * x and v are converted to model units (power_scale, power_scale^2) and handed to
 * gr::ddpm::kernel::ddpm_sampler with first_index = absolute sample index, so the output does not
 * depend on how the scheduler chunks the stream. Tags pass through unchanged.
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
     * \param sampler 0 = paper (full chain from x_T = y), 1 = SNR-matched DDPM chain,
     *        2 = DDIM from the matched step
     * \param steps DDIM steps (>= 1)
     * \param eta DDIM eta in [0, 1] (0 = deterministic)
     * \param batch samples per batch (>= 1): scheduler alignment hint and noise-estimation window
     * \param threads kernel worker threads (>= 0, 0 = all cores)
     * \param seed key of the counter-based random generator
     * \param snr_db SNR in dB used until a snr_db tag arrives; NaN = unknown (estimate from data);
     *        +-Inf is rejected
     * \param equalize 0 = off, 1 = zero forcing, 2 = MMSE
     * \param output 0 = denoised samples, 1 = hard decisions (needs a model with a constellation)
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
    //! 0 = paper, 1 = matched, 2 = DDIM
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
