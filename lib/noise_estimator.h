/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Data-based estimate of the effective noise of equalised samples (docs/denoiser.md); a plain class.
#ifndef INCLUDED_DDPM_NOISE_ESTIMATOR_H
#define INCLUDED_DDPM_NOISE_ESTIMATOR_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/gr_complex.h>
#include <cstddef>
#include <vector>

namespace gr {
namespace ddpm {

class model;

/*!
 * M2M4 estimate of the complex noise variance of x = s + n (physical units), with a decision-directed
 * refinement at high SNR.
 *
 * The signal is the model's training data: unit average power in model units, so S0 = 1/power_scale^2 in
 * physical units (1 for the shipped models; a file-trained model's is the capture's power). The estimators
 * below give the ratio N/S, which is independent of any gain error; update() returns (N/S)·S0, the noise
 * variance in physical units, so that the block's conversion to model units (× power_scale^2) hands the
 * kernel N/S.
 *
 * For s of kurtosis k_s = E|s|^4/(E|s|^2)^2 and circular Gaussian n: M2 = S + N and
 * M4 = k_s S^2 + 4 S N + 2 N^2, so S = sqrt((2 M2^2 - M4) / (2 - k_s)), N = M2 - S; the estimate is
 * N / S. k_s is the training data's own kurtosis when the model stores it (metadata ddpm.signal_kurtosis,
 * written for recordings, whose clusters are not points), else the constellation's. Where
 * t = N/S + dd_floor has t^4 <= (N/S) DD_THRESHOLD^3 (the decision-directed estimate's bias from wrong
 * decisions, about 0.1 (t/0.05)^3 t for 16-QAM, stays below 10 % of N/S; for ideal points simply
 * N/S < DD_THRESHOLD) the decision-directed mean |x - nearest(x)|^2 - dd_floor (x scaled to
 * unit signal power; dd_floor = metadata ddpm.dd_floor, the same mean over the clean training data, 0
 * for ideal points) is more accurate and replaces it. Without a constellation and kurtosis (or k_s
 * within 0.05 of 2) N = max(M2 - S0, 0). No signal visible (2 M2^2 <= M4): infinity.
 * Non-finite samples and outliers (|x|^2 > MAX_EST_POWER) are skipped; with fewer than
 * MIN_EST_SAMPLES usable samples the previous estimate is kept.
 */
class DDPM_API noise_estimator
{
public:
    //! fewer usable samples than this: keep the previous estimate
    static constexpr size_t MIN_EST_SAMPLES = 16;
    //! below this N/S (about 13 dB, ideal points) the decision-directed estimate replaces M2M4 (see above)
    static constexpr double DD_THRESHOLD = 0.05;
    //! samples with |x|^2 above this (80 dB above unit signal power) are outliers, not signal + noise
    static constexpr double MAX_EST_POWER = 1e8;

    /*!
     * \param constellation the model's constellation points in model units (may be empty)
     * \param power_scale model units per physical unit (> 0)
     * \param signal_kurtosis the training data's kurtosis, or 0 = the constellation's
     * \param dd_floor decision-directed mean of the clean training data (model units), >= 0
     */
    noise_estimator(const std::vector<gr_complex>& constellation,
                    double power_scale,
                    double signal_kurtosis = 0.0,
                    double dd_floor = 0.0);

    /*!
     * The estimator of a model: its constellation, power scale and the optional metadata
     * ddpm.signal_kurtosis and ddpm.dd_floor (docs/model-format.md; model::load checks their range).
     */
    static noise_estimator for_model(const model& m);

    /*!
     * Estimate from the \p n equalised samples \p x (physical units), remember it and return it;
     * the previous estimate (NaN before any) when fewer than MIN_EST_SAMPLES are usable.
     */
    double update(const gr_complex* x, size_t n);

    //! The latest estimate; NaN before any.
    double last() const { return d_last; }

    //! k_s in use: the stored signal kurtosis, else E|c|^4 / (E|c|^2)^2 of the constellation (0 when
    //! neither)
    double kurtosis() const { return d_kurtosis; }

    //! physical signal power S0 = 1 / power_scale^2
    double signal_power() const { return 1.0 / (d_ps * d_ps); }

private:
    std::vector<gr_complex> d_const;
    double d_ps;
    double d_kurtosis;
    double d_dd_floor;
    double d_last;

    double decision_directed(const gr_complex* x, size_t n, size_t cnt, double s) const;
};

} // namespace ddpm
} // namespace gr

#endif
