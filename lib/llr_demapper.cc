/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "llr_demapper.h"
#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

namespace gr {
namespace ddpm {
namespace kernel {

namespace {
//! a sum of exp(d_j - max) below this has lost precision (subnormal range is 1e-308): recompute that set
constexpr double MIN_SHARED_SUM = 1e-250;

int log2_exact(long m)
{
    int k = 0;
    while ((1L << k) < m)
        k++;
    return (1L << k) == m ? k : -1;
}

// gnuradio.ddpm.core.constellations.qam: levels 2j - (side - 1), label gray(j) at level j per axis,
// first half of the bits on I, second half on Q, unit average power
std::vector<gr_complex> qam(long order)
{
    const int k = log2_exact(order);
    if (order < 4 || order > (1L << 16) || k < 0 || k % 2)
        throw std::invalid_argument("QAM order must be a power of 4 from 4 to 65536, got " +
                                    std::to_string(order));
    const long side = 1L << (k / 2);
    std::vector<long> pos(side);
    for (long j = 0; j < side; j++)
        pos[j ^ (j >> 1)] = j;
    std::vector<std::complex<double>> p(order);
    double power = 0.0;
    for (long i = 0; i < order; i++) {
        const double re = 2.0 * pos[i >> (k / 2)] - (side - 1);
        const double im = 2.0 * pos[i & (side - 1)] - (side - 1);
        p[i] = std::complex<double>(re, im);
        power += re * re + im * im;
    }
    const double scale = 1.0 / std::sqrt(power / order);
    std::vector<gr_complex> out(order);
    for (long i = 0; i < order; i++)
        out[i] = gr_complex(static_cast<float>(p[i].real() * scale),
                            static_cast<float>(p[i].imag() * scale));
    return out;
}

// gnuradio.ddpm.core.constellations.psk: point gray(j) at angle 2 pi j / M + offset (pi/4 for M = 4)
std::vector<gr_complex> psk(long order)
{
    if (order < 2 || order > (1L << 16) || log2_exact(order) < 0)
        throw std::invalid_argument("PSK order must be a power of 2 from 2 to 65536, got " +
                                    std::to_string(order));
    const double offset = order == 4 ? M_PI / 4.0 : 0.0;
    std::vector<gr_complex> out(order);
    for (long j = 0; j < order; j++) {
        const double a = 2.0 * M_PI * j / order + offset;
        out[j ^ (j >> 1)] =
            gr_complex(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)));
    }
    return out;
}
} // namespace

std::vector<gr_complex> named_constellation(const std::string& name)
{
    std::string key;
    for (char c : name)
        key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto b = key.find_first_not_of(" \t\r\n");
    const auto e = key.find_last_not_of(" \t\r\n");
    key = b == std::string::npos ? std::string() : key.substr(b, e - b + 1);
    if (key == "bpsk")
        key = "psk2";
    else if (key == "qpsk")
        key = "qam4";
    for (const char* prefix : { "qam", "psk" }) {
        const std::string pre(prefix);
        if (key.size() > pre.size() && key.compare(0, pre.size(), pre) == 0) {
            const std::string digits = key.substr(pre.size());
            if (digits.size() <= 6 && std::all_of(digits.begin(), digits.end(), [](char c) {
                    return c >= '0' && c <= '9';
                })) {
                const long m = std::stol(digits);
                return pre == "qam" ? qam(m) : psk(m);
            }
        }
    }
    throw std::invalid_argument("unknown constellation name '" + name +
                                "': use qamM, pskM, bpsk or qpsk");
}

llr_demapper::llr_demapper(const std::vector<gr_complex>& points, const std::vector<int>& labels)
    : d_points(points), d_labels(labels)
{
    const long m = static_cast<long>(points.size());
    d_k = log2_exact(m);
    if (m < 2 || m > (1L << 16) || d_k < 1)
        throw std::invalid_argument("llr_demapper: need 2^k points (2 <= M <= 65536), got " +
                                    std::to_string(m));
    for (const auto& c : points)
        if (!std::isfinite(c.real()) || !std::isfinite(c.imag()))
            throw std::invalid_argument("llr_demapper: constellation points must be finite");
    {
        std::set<std::pair<float, float>> seen;
        for (const auto& c : points)
            if (!seen.insert({ c.real(), c.imag() }).second)
                throw std::invalid_argument("llr_demapper: constellation points must be distinct");
    }
    if (d_labels.empty()) {
        d_labels.resize(m);
        for (long j = 0; j < m; j++)
            d_labels[j] = static_cast<int>(j);
    }
    if (static_cast<long>(d_labels.size()) != m)
        throw std::invalid_argument("llr_demapper: " + std::to_string(d_labels.size()) +
                                    " labels for " + std::to_string(m) + " points");
    std::vector<char> used(m, 0);
    for (int l : d_labels) {
        if (l < 0 || l >= m || used[l])
            throw std::invalid_argument(
                "llr_demapper: labels must be a permutation of 0..M-1 (each label once)");
        used[l] = 1;
    }
    for (int s = 0; s < 2; s++)
        d_members[s].assign(d_k, {});
    for (int b = 0; b < d_k; b++)
        for (long j = 0; j < m; j++)
            d_members[(d_labels[j] >> (d_k - 1 - b)) & 1][b].push_back(static_cast<int>(j));
    d_dist.resize(m);
    d_exp.resize(m);
}

void llr_demapper::compute(const gr_complex* x, size_t n, double noise_var, bool maxlog, float* out) const
{
    const size_t k = static_cast<size_t>(d_k);
    const size_t m = d_points.size();
    if (!(noise_var < std::numeric_limits<double>::infinity())) { // +inf or NaN: no information
        std::fill(out, out + n * k, 0.0f);
        return;
    }
    const double inv_v = 1.0 / std::max(noise_var, std::numeric_limits<double>::min());
    auto clip = [](double l) {
        return static_cast<float>(std::max(-static_cast<double>(FLT_MAX),
                                           std::min(static_cast<double>(FLT_MAX), l)));
    };
    double* d = d_dist.data();
    double* e = d_exp.data();
    for (size_t i = 0; i < n; i++) {
        float* o = out + i * k;
        const std::complex<double> xi(x[i].real(), x[i].imag());
        if (!std::isfinite(xi.real()) || !std::isfinite(xi.imag())) {
            std::fill(o, o + k, 0.0f);
            continue;
        }
        // d_j = -|x - c_j|^2 / v (log-likelihood up to a constant)
        for (size_t j = 0; j < m; j++) {
            const double re = xi.real() - d_points[j].real();
            const double im = xi.imag() - d_points[j].imag();
            d[j] = -(re * re + im * im) * inv_v;
        }
        double gmax = -std::numeric_limits<double>::infinity();
        for (size_t j = 0; j < m; j++)
            gmax = std::max(gmax, d[j]);
        if (!maxlog && gmax > -std::numeric_limits<double>::infinity())
            for (size_t j = 0; j < m; j++)
                e[j] = std::exp(d[j] - gmax); // one exp per point; the largest is exp(0) = 1
        for (size_t b = 0; b < k; b++) {
            double lse[2];
            for (int s = 0; s < 2; s++) {
                const std::vector<int>& mem = d_members[s][b];
                if (!maxlog && gmax > -std::numeric_limits<double>::infinity()) {
                    double sum = 0.0;
                    for (int j : mem)
                        sum += e[j];
                    if (sum > MIN_SHARED_SUM) { // full precision: the shared maximum is good enough
                        lse[s] = gmax + std::log(sum);
                        continue;
                    }
                }
                // max-log, or a set far below the best point (its terms underflow against gmax):
                // factor out the set's own maximum
                double mx = -std::numeric_limits<double>::infinity();
                for (int j : mem)
                    mx = std::max(mx, d[j]);
                if (maxlog || mx == -std::numeric_limits<double>::infinity()) {
                    lse[s] = mx;
                    continue;
                }
                double sum = 0.0;
                for (int j : mem)
                    sum += std::exp(d[j] - mx); // the largest term is exp(0) = 1: no underflow
                lse[s] = mx + std::log(sum);
            }
            double l = lse[1] - lse[0];
            if (std::isnan(l)) // both -inf (v so small that every distance overflows): undecided
                l = 0.0;
            o[b] = clip(l);
        }
    }
}

} // namespace kernel
} // namespace ddpm
} // namespace gr
