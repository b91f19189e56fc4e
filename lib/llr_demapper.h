/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Per-bit log-likelihood ratios of a labelled constellation under circular Gaussian noise (the maths of
// ddpm.llr_demapper_cf); a plain class, no block.
#ifndef INCLUDED_DDPM_LLR_DEMAPPER_H
#define INCLUDED_DDPM_LLR_DEMAPPER_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/gr_complex.h>
#include <cstddef>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {
namespace kernel {

/*!
 * gr-ddpm's constellation of a short name, the C++ twin of gnuradio.ddpm.core.constellations.by_name
 * (python/ddpm/qa_llr_demapper_cf.py checks that both give the same points): "qamM" (Gray square QAM,
 * M a power of 4 from 4 to 65536), "pskM" (Gray PSK, M a power of 2 from 2 to 65536; offset pi/4 for
 * M = 4), "bpsk" (= psk2), "qpsk" (= qam4); case-insensitive, surrounding blanks ignored. Unit average
 * power; point i carries the bits of i, most significant bit first. Throws std::invalid_argument for
 * another name.
 */
DDPM_API std::vector<gr_complex> named_constellation(const std::string& name);

/*!
 * Exact and max-log per-bit LLRs of an M-point constellation (M = 2^k, 2 <= M <= 65536) whose point j
 * carries the k bits of labels[j], most significant bit first.
 *
 * For an equalised observation x = c + n, n ~ CN(0, v) (v = complex noise variance, unit-signal units)
 * and equiprobable points, the LLR of bit b is
 *
 *     L_b(x) = ln( sum_{j: bit b of labels[j] = 1} exp(-|x - c_j|^2 / v)
 *                / sum_{j: bit b of labels[j] = 0} exp(-|x - c_j|^2 / v) )
 *
 * POSITIVE MEANS BIT 1: the sign GNU Radio's FEC decoders expect (fec.extended_decoder with cc_decoder
 * maps soft value s to the byte 128 + 48 s, and a byte above 128 reads as a 1). Max-log replaces each
 * sum by its largest term: L_b = (min_{bit 0} |x - c_j|^2 - min_{bit 1} |x - c_j|^2) / v.
 * The exact sums are evaluated in double with the largest term factored out (log-sum-exp: one exp per
 * point, relative to the best point; a set whose sum falls below 1e-250 against it is recomputed
 * relative to its own best point), so they do not underflow at any SNR. Results are cast to float and clipped to +-FLT_MAX (finite always).
 */
class DDPM_API llr_demapper
{
public:
    /*!
     * \param points constellation points c_j (finite, distinct), M = 2^k of them, 2 <= M <= 65536
     * \param labels labels[j] = the bit label of points[j]: a permutation of 0..M-1; empty = identity
     *        (point j carries the bits of j, gr-ddpm's convention)
     * Throws std::invalid_argument otherwise.
     */
    llr_demapper(const std::vector<gr_complex>& points, const std::vector<int>& labels = {});

    int bits_per_symbol() const { return d_k; }
    const std::vector<gr_complex>& points() const { return d_points; }
    const std::vector<int>& labels() const { return d_labels; }

    /*!
     * LLRs of \p n samples \p x (complex64 [n]) with complex noise variance \p noise_var into
     * \p out (float32 [n * k], sample-major, most significant bit first). A non-finite sample gives
     * LLR 0 (no information) for its k bits, and so does every sample when noise_var is +inf or NaN;
     * noise_var <= 0 is taken as the smallest positive double (a noiseless channel: the LLRs saturate
     * at +-FLT_MAX). Never throws.
     */
    void compute(const gr_complex* x, size_t n, double noise_var, bool maxlog, float* out) const;

private:
    std::vector<gr_complex> d_points;
    std::vector<int> d_labels;
    int d_k;
    // d_members[b][s]: indices of the points whose label has bit b (MSB first) equal to s
    std::vector<std::vector<int>> d_members[2];
    mutable std::vector<double> d_dist, d_exp;
};

} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif
