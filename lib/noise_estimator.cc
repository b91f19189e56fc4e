/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "noise_estimator.h"
#include <algorithm>
#include <cmath>
#include <limits>

namespace gr {
namespace ddpm {

namespace {
// |x|^2 in double (|x|^2 of a float may overflow a float); false for non-finite samples and outliers
inline bool usable(const gr_complex& x, double& a)
{
    const double re = x.real(), im = x.imag();
    a = re * re + im * im;
    return a <= noise_estimator::MAX_EST_POWER;
}
} // namespace

noise_estimator::noise_estimator(const std::vector<gr_complex>& constellation, double power_scale)
    : d_const(constellation),
      d_ps(power_scale),
      d_kurtosis(0.0),
      d_last(std::numeric_limits<double>::quiet_NaN())
{
    if (d_const.empty())
        return;
    double m2 = 0.0, m4 = 0.0;
    for (const auto& p : d_const) {
        const double a = std::norm(p);
        m2 += a;
        m4 += a * a;
    }
    m2 /= d_const.size();
    m4 /= d_const.size();
    d_kurtosis = m2 > 0.0 ? m4 / (m2 * m2) : 0.0;
}

double noise_estimator::update(const gr_complex* x, size_t n)
{
    double m2 = 0.0, m4 = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        double a;
        if (!usable(x[i], a))
            continue;
        m2 += a;
        m4 += a * a;
        cnt++;
    }
    if (cnt < MIN_EST_SAMPLES)
        return d_last;
    m2 /= cnt;
    m4 /= cnt;
    if (d_const.empty() || std::abs(2.0 - d_kurtosis) < 0.05)
        return d_last = std::max(m2 - 1.0, 0.0);
    const double s2 = (2.0 * m2 * m2 - m4) / (2.0 - d_kurtosis);
    if (!(s2 > 0.0))
        return d_last = std::numeric_limits<double>::infinity(); // no signal visible: start at T-1
    const double s = std::sqrt(s2);
    const double v = std::max(m2 - s, 0.0) / s;
    return d_last = v >= DD_THRESHOLD ? v : decision_directed(x, n, cnt, s);
}

// mean |x g - nearest|^2 on the constellation (model units), signal power normalised to 1 (g = 1/sqrt(s))
double noise_estimator::decision_directed(const gr_complex* x, size_t n, size_t cnt, double s) const
{
    const double g = 1.0 / std::sqrt(s);
    double dd = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a;
        if (!usable(x[i], a))
            continue;
        const gr_complex xs = x[i] * static_cast<float>(g * d_ps);
        float best = std::numeric_limits<float>::infinity();
        for (const auto& p : d_const)
            best = std::min(best, std::norm(xs - p));
        dd += best;
    }
    return dd / cnt / (d_ps * d_ps);
}

} // namespace ddpm
} // namespace gr
