/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The burst synchroniser kernel of burst_sync_cc (docs/burst.md): a plain class, tested on its own
// (qa_burst_sync.cc).
#ifndef INCLUDED_DDPM_BURST_SYNC_H
#define INCLUDED_DDPM_BURST_SYNC_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/ddpm/burst_format.h>
#include <gnuradio/gr_complex.h>
#include <cstdint>
#include <utility>
#include <vector>

namespace gr {
namespace ddpm {
namespace kernel {

//! One received burst whose header passed its CRC.
struct burst_result {
    uint64_t time = 0;        //!< input sample index (counted from the first sample pushed) of preamble symbol 0
    uint16_t seq = 0;         //!< sequence number from the header
    uint16_t len = 0;         //!< payload bytes from the header
    double cfo = 0.0;         //!< carrier frequency offset, cycles per SAMPLE (x sps = cycles per symbol)
    float detect_metric = 0;  //!< normalised preamble metric at the chosen timing, 0 .. 1
    float snr_db = 0;         //!< Es/N0 estimate: sum |h|^2 / residual noise of the LS fit on the preamble
    float snr_eq_db = 0;      //!< SNR of the unbiased MMSE-equalised symbols, 10 log10(beta / (1 - beta))
    std::vector<gr_complex> h; //!< symbol-spaced channel estimate, 6 taps (tap 2 = the main one)
    std::vector<gr_complex> symbols; //!< the data symbols: equalised, unbiased, phase-tracked [data_symbols(len)]
    bool widely_linear = false; //!< the second pass found a significant IQ image and equalised widely linearly
    bool compression = false;   //!< a significant memoryless PA term was fitted and undone on the data symbols
    bool phase_noise = false;   //!< significant phase noise between the pilots was tracked on the decisions
};

struct burst_sync_stats {
    uint64_t detections = 0;      //!< metric crossings that led to a header decode
    uint64_t header_failures = 0; //!< header CRC failed, or its length was out of range
    uint64_t bursts = 0;          //!< bursts delivered
    uint64_t nonfinite = 0;       //!< non-finite input samples (replaced by 0)
};

/*!
 * Detection, integer timing, CFO, LS channel estimate, MMSE linear equaliser, header decoding and pilot
 * phase tracking on a matched-filtered complex stream at \p sps samples per symbol.
 *
 * Detection: at every sample n, the correlations c_k of the four 16-symbol preamble segments (symbol-
 * spaced, template [A A A -A]) and the energy E over the 64 symbols give
 * m(n) = |sum_{k<3} conj(c_k) c_{k+1}| / (12 E) (1 for a clean preamble, independent of gain, phase and
 * CFO up to a segment's coherence); m is evaluated where a cheap lag-16 autocorrelation gate passes (from the
 * preamble's start to 16 symbols later); the first such n with m > threshold starts a search for the maximum of m
 * over the next 65 symbols (the preamble's partial peaks), which fixes the timing n0.
 * CFO: arg of the sum of lag-16 products y[i+16] conj(y[i]) over the symbol pairs that see identical ISI
 * (range +-1/32 cycles per symbol). Channel: 6-tap LS fit (taps at symbol offsets -2..3) on the
 * derotated preamble; noise variance from its residual. Header: BPSK decisions and CRC-16, with one retry
 * flipping the least reliable bit when m >= 0.5. Equaliser: 21-tap MMSE (centre 10) computed from
 * the estimate, output divided by its bias beta. Phase: references from the preamble and every pilot
 * block, linearly interpolated. Second, decision-aided pass over the whole burst: the channel and, when it is
 * significant (an F-type test at 0.1 % false alarms), the image channel of a transmitter's IQ imbalance are
 * re-estimated and a widely-linear MMSE equaliser (21 taps on y and 21 on conj(y)) removes the image; a
 * significant memoryless PA term (sym ~ a s + k s |s|^2) is fitted and the data symbols are moved so that
 * nearest-point decisions are ML on the bent constellation; significant phase noise between the pilots is
 * tracked on groups of 16 decided symbols (Wiener-shrunk). When any of these applied, the data are decided again
 * and the second pass repeats while decisions change (at most 4 times).
 */
class DDPM_API burst_sync
{
public:
    /*!
     * \param fmt frame format (constellation)
     * \param sps samples per symbol, 2 .. 64
     * \param threshold detection threshold on m, (0, 1)
     * \param max_payload largest payload accepted (bytes), 1 .. 65535; longer headers count as failures
     */
    burst_sync(const burst_format& fmt, int sps, float threshold = 0.2f, int max_payload = 4096);

    //! Append \p n samples and append every burst completed to \p out.
    void push(const gr_complex* x, size_t n, std::vector<burst_result>& out);

    //! The detection metric m(n) and its correlations at buffer position \p n (testing/diagnostics).
    float metric(size_t n) const;

    const burst_sync_stats& stats() const { return d_stats; }
    int sps() const { return d_sps; }
    const burst_format& format() const { return d_fmt; }

    static constexpr int EQ_TAPS = 21;
    static constexpr int EQ_CENTRE = 10;
    static constexpr int CIR_TAPS = 6;
    static constexpr int CIR_PRE = 2;

private:
    struct estimate {
        size_t n0 = 0;          // buffer position of preamble symbol 0
        double fsym = 0;        // CFO, cycles per symbol
        double mu = 0;          // fractional timing, samples (-0.5 .. 0.5) after n0
        double drift = 0;       // timing drift, samples per symbol (sampling-rate offset x sps)
        float metric = 0;
        float snr_db = 0, snr_eq_db = 0;
        double beta = 1;
        std::vector<gr_complex> h, w;
        uint16_t len = 0, seq = 0;
    };

    bool try_detect(); // returns false when more samples are needed
    bool gate(size_t n) const; // cheap pre-test of position n (lag-16 autocorrelation of segments 0 and 1)
    bool estimate_at(size_t n0, float m, estimate& e) const;
    void equalise(const estimate& e, int k0, int k1, std::vector<gr_complex>& out) const;
    gr_complex sample(const estimate& e, long j, double dt = 0.0) const; // derotated symbol-spaced sample j (+dt samples)
    // per-symbol phase from references: group g = [first, last) of sym against ref; local linear fit over
    // +-2 groups (weights = group sizes), linear interpolation between the smoothed references
    static std::vector<double> phase_from_refs(const std::vector<gr_complex>& sym,
                                               const std::vector<gr_complex>& ref,
                                               const std::vector<std::pair<size_t, size_t>>& groups);
    // MMSE equaliser from the channel h (CIR_TAPS) and, widely linear, the image channel g (CIR_TAPS; empty:
    // linear): w [EQ_TAPS] or [2 EQ_TAPS] (the second half applied to conj(y)), divided by the bias beta
    static bool design_mmse(const std::vector<gr_complex>& h, const std::vector<gr_complex>& g, double sigma2,
                            std::vector<gr_complex>& w, double& beta);
    void decode(burst_result& r) const;
    static bool track_phase_noise(std::vector<gr_complex>& sym, const std::vector<gr_complex>& ref);
    bool undo_compression(const std::vector<gr_complex>& sym, const std::vector<gr_complex>& ref,
                          std::vector<gr_complex>& data) const;
    void compact();

    burst_format d_fmt;
    int d_sps;
    float d_threshold;
    int d_max_payload;
    std::vector<gr_complex> d_buf;
    uint64_t d_buf_start = 0; // absolute index of d_buf[0]
    size_t d_pos = 0;         // next search position in d_buf
    bool d_pending = false;
    estimate d_est;
    burst_sync_stats d_stats;
    std::vector<gr_complex> d_tmpl; // conj(preamble)
};

} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_BURST_SYNC_H */
