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

/*!
 * M2M4 estimate of the complex noise variance N of x = s + n relative to unit signal power, with a
 * decision-directed refinement at high SNR.
 *
 * For s of kurtosis k_s = E|s|^4/(E|s|^2)^2 and circular Gaussian n: M2 = S + N and
 * M4 = k_s S^2 + 4 S N + 2 N^2, so S = sqrt((2 M2^2 - M4) / (2 - k_s)), N = M2 - S; the estimate is
 * N / S. Below DD_THRESHOLD the decision-directed mean |x - nearest(x)|^2 (x scaled to unit signal
 * power) is more accurate and replaces it. Without a constellation (or k_s within 0.05 of 2)
 * N = max(M2 - 1, 0) (unit-power data). No signal visible (2 M2^2 <= M4): infinity.
 * Non-finite samples and outliers (|x|^2 > MAX_EST_POWER) are skipped; with fewer than
 * MIN_EST_SAMPLES usable samples the previous estimate is kept.
 */
class DDPM_API noise_estimator
{
public:
    //! fewer usable samples than this: keep the previous estimate
    static constexpr size_t MIN_EST_SAMPLES = 16;
    //! below this N/S (about 13 dB) the decision-directed estimate replaces M2M4
    static constexpr double DD_THRESHOLD = 0.05;
    //! samples with |x|^2 above this (80 dB above unit signal power) are outliers, not signal + noise
    static constexpr double MAX_EST_POWER = 1e8;

    /*!
     * \param constellation the model's constellation points in model units (may be empty)
     * \param power_scale model units per physical unit (> 0)
     */
    noise_estimator(const std::vector<gr_complex>& constellation, double power_scale);

    /*!
     * Estimate from the \p n equalised samples \p x (physical units), remember it and return it;
     * the previous estimate (NaN before any) when fewer than MIN_EST_SAMPLES are usable.
     */
    double update(const gr_complex* x, size_t n);

    //! The latest estimate; NaN before any.
    double last() const { return d_last; }

    //! E|c|^4 / (E|c|^2)^2 of the constellation (0 when empty)
    double kurtosis() const { return d_kurtosis; }

private:
    std::vector<gr_complex> d_const;
    double d_ps;
    double d_kurtosis;
    double d_last;

    double decision_directed(const gr_complex* x, size_t n, size_t cnt, double s) const;
};

} // namespace ddpm
} // namespace gr

#endif
