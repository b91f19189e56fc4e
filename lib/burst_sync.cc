/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "burst_sync.h"
#include <algorithm>
#include <cmath>
#include <complex>
#include <stdexcept>
#include <string>

namespace gr {
namespace ddpm {
namespace kernel {

namespace {
typedef std::complex<double> cd;
constexpr double PI = 3.14159265358979323846;
constexpr int PRE = burst_format::PREAMBLE_LEN;
constexpr int SEG = burst_format::SEGMENT_LEN;
constexpr int HDR = burst_format::HEADER_BITS;
constexpr int PIL = burst_format::PILOT_LEN;
constexpr int BLK = burst_format::DATA_BLOCK;

// Solve A x = b in place (A: n x n row-major), Gaussian elimination with partial pivoting.
// Returns false for a (numerically) singular A.
bool solve(std::vector<cd>& a, std::vector<cd>& b, int n)
{
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (std::abs(a[r * n + c]) > std::abs(a[p * n + c]))
                p = r;
        if (!(std::abs(a[p * n + c]) > 1e-300))
            return false;
        if (p != c) {
            for (int k = 0; k < n; k++)
                std::swap(a[p * n + k], a[c * n + k]);
            std::swap(b[p], b[c]);
        }
        const cd inv = 1.0 / a[c * n + c];
        for (int r = c + 1; r < n; r++) {
            const cd f = a[r * n + c] * inv;
            if (f == cd(0.0))
                continue;
            for (int k = c; k < n; k++)
                a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        cd s = b[r];
        for (int k = r + 1; k < n; k++)
            s -= a[r * n + k] * b[k];
        b[r] = s / a[r * n + r];
    }
    for (int r = 0; r < n; r++)
        if (!std::isfinite(b[r].real()) || !std::isfinite(b[r].imag()))
            return false;
    return true;
}

// pilot block b (0 .. nblocks-1) of a burst with nd data symbols: index of its first symbol
size_t pilot_start(size_t b, size_t nd) { return PRE + HDR + PIL * b + std::min(size_t(BLK) * b, nd); }
} // namespace

burst_sync::burst_sync(const burst_format& fmt, int sps, float threshold, int max_payload)
    : d_fmt(fmt), d_sps(sps), d_threshold(threshold), d_max_payload(max_payload)
{
    if (sps < 2 || sps > 64)
        throw std::invalid_argument("burst_sync: sps must be 2 .. 64, got " + std::to_string(sps));
    if (!(threshold > 0.0f && threshold < 1.0f))
        throw std::invalid_argument("burst_sync: threshold must be in (0, 1), got " +
                                    std::to_string(threshold));
    if (max_payload < 1 || max_payload > burst_format::MAX_PAYLOAD)
        throw std::invalid_argument("burst_sync: max_payload must be 1 .. 65535, got " +
                                    std::to_string(max_payload));
    for (const auto& p : burst_format::preamble())
        d_tmpl.push_back(std::conj(p));
}

float burst_sync::metric(size_t n) const
{
    // c_k = sum_i conj(a_i) x[n + (16 k + i) sps], E = sum |x|^2 over the 64 symbols
    const gr_complex* x = d_buf.data() + n;
    const gr_complex* t = d_tmpl.data();
    const int s = d_sps;
    gr_complex c[4];
    float e = 0.0f;
    for (int k = 0; k < 4; k++) {
        float re = 0.0f, im = 0.0f;
        for (int i = 0; i < SEG; i++) {
            const gr_complex v = x[(SEG * k + i) * s];
            const gr_complex a = t[SEG * k + i];
            re += a.real() * v.real() - a.imag() * v.imag();
            im += a.real() * v.imag() + a.imag() * v.real();
            e += v.real() * v.real() + v.imag() * v.imag();
        }
        c[k] = gr_complex(re, im);
    }
    if (!(e > 0.0f))
        return 0.0f;
    const gr_complex p = std::conj(c[0]) * c[1] + std::conj(c[1]) * c[2] + std::conj(c[2]) * c[3];
    const float m = std::abs(p) / (12.0f * e);
    return std::isfinite(m) ? m : 0.0f;
}

bool burst_sync::gate(size_t n) const
{
    // |sum_{i<16} x[n + (i + 16) sps] conj(x[n + i sps])| > 0.3 sum_{i<32} |x[n + i sps]|^2: a quarter of the
    // metric's cost; 0.5 SNR / (1 + SNR) on the first two segments of a preamble (whatever the CFO), ~0.11 on
    // noise. It passes from the preamble's start to 16 symbols later, where the metric's maximum is searched.
    const gr_complex* x = d_buf.data() + n;
    const int s = d_sps;
    float re = 0.0f, im = 0.0f, e = 0.0f;
    for (int i = 0; i < SEG; i++) {
        const gr_complex a = x[i * s], b = x[(i + SEG) * s];
        re += b.real() * a.real() + b.imag() * a.imag();
        im += b.imag() * a.real() - b.real() * a.imag();
        e += a.real() * a.real() + a.imag() * a.imag() + b.real() * b.real() + b.imag() * b.imag();
    }
    return re * re + im * im > 0.09f * e * e;
}

gr_complex burst_sync::sample(const estimate& e, long j, double dt) const
{
    // cubic Lagrange interpolation at n0 + j (sps + drift) + mu + dt (the matched-filter output is oversampled)
    const double t = double(e.n0) + double(j) * (d_sps + e.drift) + e.mu + dt;
    const long i1 = long(std::floor(t));
    const double f = t - double(i1);
    const double w[4] = { -f * (f - 1.0) * (f - 2.0) / 6.0,
                          (f + 1.0) * (f - 1.0) * (f - 2.0) / 2.0,
                          -(f + 1.0) * f * (f - 2.0) / 2.0,
                          (f + 1.0) * f * (f - 1.0) / 6.0 };
    cd v(0.0);
    for (int q = 0; q < 4; q++) {
        const long idx = i1 - 1 + q;
        if (idx >= 0 && idx < long(d_buf.size()))
            v += w[q] * cd(d_buf[idx]);
    }
    const double ph = -2.0 * PI * e.fsym * double(j);
    return gr_complex(v * cd(std::cos(ph), std::sin(ph)));
}

bool burst_sync::estimate_at(size_t n0, float m, estimate& e) const
{
    e = estimate();
    e.n0 = n0;
    e.metric = m;
    const auto& pre = burst_format::preamble();
    // fractional timing: the vertex of the parabola through the metric at n0 - 1, n0, n0 + 1
    if (n0 >= 1) {
        const double ml = metric(n0 - 1), mr = metric(n0 + 1), den = ml - 2.0 * double(m) + mr;
        if (den < 0.0)
            e.mu = std::min(0.5, std::max(-0.5, 0.5 * (ml - mr) / den));
    }
    std::vector<cd> y(PRE);
    for (int j = 0; j < PRE; j++)
        y[j] = cd(sample(e, j)); // fsym = 0 here: not derotated
    // CFO: lag-16 products over symbol pairs that see identical ISI (channel span -3 .. +3 symbols)
    cd r(0.0);
    for (int i = 3; i < 29; i++)
        r += y[i + SEG] * std::conj(y[i]);
    for (int i = 35; i < 45; i++)
        r -= y[i + SEG] * std::conj(y[i]);
    e.fsym = std::abs(r) > 0.0 ? std::arg(r) / (2.0 * PI * SEG) : 0.0;
    for (int j = 0; j < PRE; j++)
        y[j] = cd(sample(e, j));
    // LS channel: y[j] = sum_l h_l s[j + CIR_PRE - l], j in [CIR_TAPS - 1 - CIR_PRE, PRE - 1 - CIR_PRE]
    const int L = CIR_TAPS;
    const int j0 = L - 1 - CIR_PRE, j1 = PRE - 1 - CIR_PRE;
    std::vector<cd> g(L * L, cd(0.0)), b(L, cd(0.0));
    for (int j = j0; j <= j1; j++) {
        cd row[CIR_TAPS];
        for (int l = 0; l < L; l++)
            row[l] = cd(pre[j + CIR_PRE - l]);
        for (int a = 0; a < L; a++) {
            b[a] += std::conj(row[a]) * y[j];
            for (int c = 0; c < L; c++)
                g[a * L + c] += std::conj(row[a]) * row[c];
        }
    }
    if (!solve(g, b, L))
        return false;
    double res = 0.0, hp = 0.0;
    for (int j = j0; j <= j1; j++) {
        cd f(0.0);
        for (int l = 0; l < L; l++)
            f += b[l] * cd(pre[j + CIR_PRE - l]);
        res += std::norm(y[j] - f);
    }
    for (int l = 0; l < L; l++)
        hp += std::norm(b[l]);
    const double sigma2 = std::max(res / double(j1 - j0 + 1 - L), 1e-12 * hp);
    if (!(hp > 0.0) || !std::isfinite(hp) || !std::isfinite(sigma2))
        return false;
    e.h.assign(b.begin(), b.end());
    e.snr_db = float(10.0 * std::log10(hp / sigma2));
    std::vector<gr_complex> w;
    double beta = 0.0;
    if (!design_mmse(e.h, {}, sigma2, w, beta))
        return false;
    e.beta = beta;
    e.w = w;
    const double bclip = std::min(beta, 1.0 - 1e-9);
    e.snr_eq_db = float(10.0 * std::log10(bclip / (1.0 - bclip)));
    return true;
}

void burst_sync::equalise(const estimate& e, int k0, int k1, std::vector<gr_complex>& out) const
{
    const int N = EQ_TAPS, c = EQ_CENTRE;
    std::vector<gr_complex> y(size_t(k1 - k0 + N));
    for (int j = 0; j < int(y.size()); j++)
        y[j] = sample(e, long(k0) + j - c);
    out.assign(size_t(k1 - k0), gr_complex(0.0f, 0.0f));
    for (int k = 0; k < k1 - k0; k++) {
        gr_complex s(0.0f, 0.0f);
        for (int mm = 0; mm < N; mm++)
            s += e.w[mm] * y[k + mm];
        out[k] = s;
    }
}

// MMSE equaliser: Y_k[m] = y[k + m - c] = sum_q H[m][q] s[k + q - q0] + G[m][q] conj(s[k + q - q0]),
// q - q0 = m - c + CIR_PRE - l. Linear (g empty): w [N], s_hat[k] = sum_m w[m] y[k + m - c]. Widely linear:
// the augmented observation z = [Y; conj(Y)] = [[H, G], [conj(G), conj(H)]] [S; conj(S)] + [n; conj(n)] with
// proper unit-power symbols and noise (E[s s] = 0 for the module's square QAMs), w [2 N],
// s_hat[k] = sum_m w[m] y[k + m - c] + w[N + m] conj(y[k + m - c]). w is already divided by the bias beta.
bool burst_sync::design_mmse(const std::vector<gr_complex>& h, const std::vector<gr_complex>& g, double sigma2,
                             std::vector<gr_complex>& wout, double& beta_out)
{
    const int L = CIR_TAPS, N = EQ_TAPS, c = EQ_CENTRE;
    const int q0 = c - CIR_PRE + L - 1;
    const int nq = N + L - 1;
    const bool wl = !g.empty();
    const int M = wl ? 2 * N : N, Q = wl ? 2 * nq : nq;
    std::vector<cd> hm(size_t(M) * Q, cd(0.0));
    for (int mm = 0; mm < N; mm++)
        for (int l = 0; l < L; l++) {
            const int q = mm - c + CIR_PRE - l + q0;
            if (q < 0 || q >= nq)
                continue;
            hm[mm * Q + q] = cd(h[l]);
            if (wl) {
                hm[mm * Q + nq + q] = cd(g[l]);
                hm[(N + mm) * Q + q] = std::conj(cd(g[l]));
                hm[(N + mm) * Q + nq + q] = std::conj(cd(h[l]));
            }
        }
    std::vector<cd> rm(size_t(M) * M, cd(0.0)), w(M);
    for (int a = 0; a < M; a++) {
        for (int bb = 0; bb < M; bb++) {
            cd s(0.0);
            for (int q = 0; q < Q; q++)
                s += hm[a * Q + q] * std::conj(hm[bb * Q + q]);
            rm[a * M + bb] = s;
        }
        rm[a * M + a] += sigma2;
        w[a] = hm[a * Q + q0];
    }
    std::vector<cd> r0(w);
    if (!solve(rm, w, M))
        return false;
    cd beta(0.0);
    for (int a = 0; a < M; a++)
        beta += std::conj(r0[a]) * w[a];
    if (!(beta.real() > 1e-6) || !(beta.real() < 1.0 + 1e-9))
        return false;
    beta_out = beta.real();
    wout.resize(M);
    for (int a = 0; a < M; a++)
        wout[a] = gr_complex(std::conj(w[a]) / beta_out);
    return true;
}

std::vector<double> burst_sync::phase_from_refs(const std::vector<gr_complex>& sym,
                                                const std::vector<gr_complex>& ref,
                                                const std::vector<std::pair<size_t, size_t>>& groups)
{
    std::vector<double> pos, ph, wt;
    for (const auto& g : groups) {
        if (g.second > sym.size() || g.second <= g.first)
            continue;
        cd acc(0.0);
        for (size_t k = g.first; k < g.second; k++)
            acc += cd(sym[k]) * std::conj(cd(ref[k]));
        double p = std::arg(acc);
        if (!ph.empty())
            p += 2.0 * PI * std::round((ph.back() - p) / (2.0 * PI)); // unwrap
        pos.push_back(0.5 * double(g.first + g.second - 1));
        ph.push_back(p);
        wt.push_back(double(g.second - g.first));
    }
    std::vector<double> out(sym.size(), 0.0);
    if (ph.empty())
        return out;
    // local weighted linear fit over +-2 references
    const int nr = int(ph.size());
    std::vector<double> sm(ph.size());
    for (int r = 0; r < nr; r++) {
        double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int q = std::max(0, r - 2); q <= std::min(nr - 1, r + 2); q++) {
            const double x = pos[q] - pos[r];
            sw += wt[q];
            sx += wt[q] * x;
            sy += wt[q] * ph[q];
            sxx += wt[q] * x * x;
            sxy += wt[q] * x * ph[q];
        }
        const double det = sw * sxx - sx * sx;
        sm[r] = det > 1e-9 * sw * sxx ? (sxx * sy - sx * sxy) / det : sy / sw;
    }
    size_t r = 0;
    for (size_t k = 0; k < sym.size(); k++) {
        const double x = double(k);
        while (r + 1 < pos.size() && pos[r + 1] <= x)
            r++;
        if (x <= pos[0])
            out[k] = sm[0];
        else if (r + 1 >= pos.size())
            out[k] = sm.back();
        else
            out[k] = sm[r] + (sm[r + 1] - sm[r]) * (x - pos[r]) / (pos[r + 1] - pos[r]);
    }
    return out;
}

namespace {
void rotate(std::vector<gr_complex>& sym, const std::vector<double>& ph)
{
    for (size_t k = 0; k < sym.size(); k++)
        sym[k] *= gr_complex(float(std::cos(ph[k])), float(-std::sin(ph[k])));
}
} // namespace

// The whole burst in two passes. Pass 1: the preamble's channel and equaliser, phase from the preamble
// and the pilots, nearest-point decisions. Pass 2 (decision-aided): the LS channel re-estimated over the
// whole burst (preamble, header, pilots, decided data) on the samples derotated by pass 1's phase, a new
// MMSE equaliser, and the phase from the preamble + header and from every pilot block with its data block.
void burst_sync::decode(burst_result& r) const
{
    const estimate& e = d_est;
    const size_t total = d_fmt.burst_symbols(e.len);
    const size_t nd = d_fmt.data_symbols(e.len);
    const size_t nb = d_fmt.pilot_blocks(e.len);
    // the reference sequence: known symbols, data decided after pass 1
    std::vector<gr_complex> ref(total, gr_complex(0.0f, 0.0f));
    const auto& pre = burst_format::preamble();
    const auto& pil = burst_format::pilots();
    std::copy(pre.begin(), pre.end(), ref.begin());
    const auto hb = burst_format::header_bits(e.len, e.seq);
    for (int i = 0; i < HDR; i++)
        ref[PRE + i] = gr_complex(hb[i] ? -1.0f : 1.0f, 0.0f);
    std::vector<std::pair<size_t, size_t>> g1{ { 0, PRE } };
    for (size_t b = 0; b < nb; b++) {
        const size_t s0 = pilot_start(b, nd);
        std::copy(pil.begin(), pil.end(), ref.begin() + s0);
        g1.push_back({ s0, s0 + PIL });
    }
    std::vector<gr_complex> sym;
    std::vector<double> ph1;
    // pass 1 with the drift of ee: equalise, phase from the known groups, decide the data into ref
    auto pass1 = [&](const estimate& ee) {
        equalise(ee, 0, int(total), sym);
        ph1 = phase_from_refs(sym, ref, g1);
        rotate(sym, ph1);
        for (size_t i = 0; i < nd; i++) {
            int v;
            d_fmt.decide(&sym[d_fmt.data_index(i)], 1, &v);
            ref[d_fmt.data_index(i)] = d_fmt.points()[v];
        }
    };
    // timing drift (sampling-rate offset) over [PRE, kend): a data-aided timing error -S/C in each half (S, C:
    // first and second derivative of the samples against the expected ones); the channel's bias cancels in the
    // difference. Returns the residual drift (samples per symbol) with respect to ee's.
    auto drift = [&](const estimate& ee, size_t kend) {
        const gr_complex g = ee.h[CIR_PRE];
        double tau[2] = { 0.0, 0.0 }, kc[2] = { 0.0, 0.0 };
        const size_t half = (kend - PRE) / 2;
        for (int hh = 0; hh < 2; hh++) {
            const size_t k0 = PRE + hh * half, k1 = hh ? kend : PRE + half;
            double sd = 0.0, cd2 = 0.0;
            for (size_t k = k0; k < k1; k++) {
                const cd rr = cd(g * ref[k]) * cd(std::cos(ph1[k]), std::sin(ph1[k]));
                const cd ym = cd(sample(ee, long(k), -1.0)), y0 = cd(sample(ee, long(k))),
                         yp = cd(sample(ee, long(k), 1.0));
                sd += (std::conj(rr) * (yp - ym)).real() * 0.5;
                cd2 += (std::conj(rr) * (yp - 2.0 * y0 + ym)).real();
            }
            if (!(cd2 < 0.0))
                return 0.0;
            tau[hh] = -sd / cd2;
            kc[hh] = 0.5 * double(k0 + k1 - 1);
        }
        return kc[1] > kc[0] ? (tau[1] - tau[0]) / (kc[1] - kc[0]) : 0.0;
    };
    auto clamp = [&](double d) { return std::max(-2e-3 * d_sps, std::min(2e-3 * d_sps, d)); };
    estimate e2 = e;
    pass1(e2);
    // long bursts: the drift from the first SHORT symbols first (where pass 1's decisions hold), then again
    const size_t SHORT = PRE + 1024;
    if (total > SHORT) {
        e2.drift = clamp(e2.drift + drift(e2, SHORT));
        pass1(e2);
    }
    e2.drift = clamp(e2.drift + drift(e2, total));
    // pass 2: y2[j + c] = y'(j) e^{-j phase(j)}, j = -c .. total + c
    const int c = EQ_CENTRE, L = CIR_TAPS;
    std::vector<gr_complex> y2(total + 2 * c + EQ_TAPS);
    for (size_t q = 0; q < y2.size(); q++) {
        const long j = long(q) - c;
        const double p = ph1[size_t(std::min<long>(std::max<long>(j, 0), long(total) - 1))];
        y2[q] = sample(e2, j) * gr_complex(float(std::cos(p)), float(-std::sin(p)));
    }
    // the widely-linear design assumes proper data symbols (E[s^2] = 0: QPSK, 8-PSK, the square QAMs); for BPSK
    // an IQ image is only a complex gain on the data, and the linear equaliser is the right one
    cd pseudo(0.0);
    double pw = 0.0;
    for (const auto& p : d_fmt.points()) {
        pseudo += cd(p) * cd(p);
        pw += std::norm(cd(p));
    }
    const bool proper = std::abs(pseudo) < 0.1 * pw;
    // the second, decision-aided pass on y2 with the reference ref; returns false when its channel fit or
    // equaliser failed (r.symbols then hold pass 1's symbols)
    auto second_pass = [&]() {
        // widely-linear LS channel over the whole burst: y2[j + c] = sum_l h_l s[j + CIR_PRE - l]
        // + g_l conj(s[j + CIR_PRE - l]) (g: the image of a transmitter's IQ imbalance, ~0 on a clean radio)
        const int U = 2 * L;
        std::vector<cd> gm(size_t(U) * U, cd(0.0)), b(U, cd(0.0));
        const int j0 = L - 1 - CIR_PRE, j1 = int(total) - 1 - CIR_PRE;
        auto regressor = [&](int j, cd* row) {
            for (int l = 0; l < L; l++) {
                row[l] = cd(ref[j + CIR_PRE - l]);
                row[L + l] = std::conj(row[l]);
            }
        };
        for (int j = j0; j <= j1; j++) {
            cd row[2 * CIR_TAPS];
            regressor(j, row);
            const cd y = cd(y2[j + c]);
            for (int a = 0; a < U; a++) {
                b[a] += std::conj(row[a]) * y;
                for (int k = 0; k < U; k++)
                    gm[a * U + k] += std::conj(row[a]) * row[k];
            }
        }
        // the linear fit (the first L unknowns alone) beside the widely-linear one; the image is used only when it
        // explains more of the burst than noise would: 2 (RSS_lin - RSS_wl) / sigma2 ~ chi2 with 2 L = 12 degrees
        // of freedom without an image; WL_TEST is its 99.9 % quantile / 2
        constexpr double WL_TEST = 16.5;
        std::vector<cd> gl(size_t(L) * L), bl(b.begin(), b.begin() + L);
        for (int a = 0; a < L; a++)
            for (int k = 0; k < L; k++)
                gl[a * L + k] = gm[a * U + k];
        const bool okw = solve(gm, b, U), okl = solve(gl, bl, L);
        auto rss = [&](const std::vector<cd>& coef, int n) {
            double res = 0.0;
            for (int j = j0; j <= j1; j++) {
                cd row[2 * CIR_TAPS], f(0.0);
                regressor(j, row);
                for (int a = 0; a < n; a++)
                    f += coef[a] * row[a];
                res += std::norm(cd(y2[j + c]) - f);
            }
            return res;
        };
        const int nobs = j1 - j0 + 1;
        const double rss_w = okw ? rss(b, U) : 0.0, rss_l = okl ? rss(bl, L) : 0.0;
        const double s2w = std::max(rss_w / double(nobs - U), 1e-12);
        // ... and only an image that matters: above -40 dB of the channel (at very high SNR a timing residual can
        // pass the test alone)
        double eh = 0.0, eg = 0.0;
        for (int l = 0; l < L; l++) {
            eh += std::norm(b[l]);
            eg += std::norm(b[L + l]);
        }
        const bool wl = proper && okw && (!okl || (rss_l - rss_w) / s2w > WL_TEST) && eg > 1e-4 * eh;
        std::vector<gr_complex> w = e.w;
        bool pass2 = okw || okl;
        if (pass2) {
            const std::vector<cd>& coef = wl ? b : bl;
            std::vector<gr_complex> h2(coef.begin(), coef.begin() + L), g2;
            if (wl)
                g2.assign(b.begin() + L, b.end());
            double beta = 0.0;
            const double sigma2 = wl ? s2w : std::max(rss_l / double(nobs - L), 1e-12);
            pass2 = design_mmse(h2, g2, sigma2, w, beta);
            if (pass2) {
                r.h = h2;
                r.widely_linear = wl;
                const double bclip = std::min(beta, 1.0 - 1e-9);
                r.snr_eq_db = float(10.0 * std::log10(bclip / (1.0 - bclip)));
            }
        }
        if (pass2) {
            sym.assign(total, gr_complex(0.0f, 0.0f));
            for (size_t k = 0; k < total; k++) {
                gr_complex s(0.0f, 0.0f);
                for (int mm = 0; mm < EQ_TAPS; mm++)
                    s += w[mm] * y2[k + mm];
                if (w.size() == size_t(2 * EQ_TAPS))
                    for (int mm = 0; mm < EQ_TAPS; mm++)
                        s += w[EQ_TAPS + mm] * std::conj(y2[k + mm]);
                sym[k] = s;
            }
            std::vector<std::pair<size_t, size_t>> g2{ { 0, PRE + HDR } };
            for (size_t bb = 0; bb < nb; bb++)
                g2.push_back({ pilot_start(bb, nd), bb + 1 < nb ? pilot_start(bb + 1, nd) : pilot_start(bb, nd) + PIL });
            rotate(sym, phase_from_refs(sym, ref, g2));
            r.phase_noise = track_phase_noise(sym, ref);
        }
        r.symbols.resize(nd);
        for (size_t i = 0; i < nd; i++)
            r.symbols[i] = sym[d_fmt.data_index(i)];
        if (pass2)
            r.compression = undo_compression(sym, ref, r.symbols);
        return pass2;
    };
    const bool ok2 = second_pass();
    // a cheap transmitter: pass 1 decided without the corrections (at 256-QAM through P5 at 40 dB its decisions
    // were 8 % wrong); decide again on the corrected symbols and repeat the pass while decisions change, at most
    // 4 times (256-QAM, P5, 40 dB: 10, 7, 3, 2 changed decisions in a burst; 3 -> 14 of 20 bursts received)
    for (int it = 0; it < 4 && ok2 && (r.widely_linear || r.compression || r.phase_noise); it++) {
        size_t changed = 0;
        for (size_t i = 0; i < nd; i++) {
            int v;
            d_fmt.decide(&r.symbols[i], 1, &v);
            const gr_complex p = d_fmt.points()[v];
            changed += p != ref[d_fmt.data_index(i)];
            ref[d_fmt.data_index(i)] = p;
        }
        if (!changed)
            break;
        const burst_result before = r;
        const std::vector<gr_complex> sym_before = sym;
        if (!second_pass()) { // keep the last pass that worked
            r = before;
            sym = sym_before;
            break;
        }
    }
}

// What a linear equaliser leaves of a transmitter PA's memoryless AM/AM and AM/PM: sym ~ a s + k s |s|^2,
// (a, k) fitted by LS on the known and decided symbols of the burst; each data symbol is moved so that
// nearest-point decisions on the module's points become nearest-centre (ML) decisions on the bent
// constellation (below). Left unchanged (returns false) when the fit is degenerate, not significant, or the
// correction would not be small (|k / a| > 0.3).
bool burst_sync::undo_compression(const std::vector<gr_complex>& sym, const std::vector<gr_complex>& ref,
                                  std::vector<gr_complex>& data) const
{
    cd g11(0.0), g12(0.0), g22(0.0), b1(0.0), b2(0.0);
    for (size_t k = 0; k < sym.size(); k++) {
        const cd s(ref[k]), u = s * std::norm(s), y(sym[k]);
        g11 += std::norm(s);
        g12 += std::conj(s) * u;
        g22 += std::norm(u);
        b1 += std::conj(s) * y;
        b2 += std::conj(u) * y;
    }
    const cd det = g11 * g22 - g12 * std::conj(g12);
    if (!(std::abs(det) > 1e-9 * std::abs(g11 * g22)))
        return false;
    const cd a = (g22 * b1 - g12 * b2) / det, kk = (g11 * b2 - std::conj(g12) * b1) / det;
    if (!std::isfinite(std::abs(a)) || !std::isfinite(std::abs(kk)) || !(std::abs(a) > 0.5) ||
        !(std::abs(kk) < 0.3 * std::abs(a)))
        return false;
    // only a significant term: 2 (RSS_a - RSS_ak) / sigma2 ~ chi2 with 2 degrees of freedom when k = 0;
    // 6.9 = its 99.9 % quantile / 2
    double rss_a = 0.0, rss_ak = 0.0;
    const cd a0 = b1 / g11;
    for (size_t k = 0; k < sym.size(); k++) {
        const cd s(ref[k]), u = s * std::norm(s), y(sym[k]);
        rss_a += std::norm(y - a0 * s);
        rss_ak += std::norm(y - a * s - kk * u);
    }
    const double s2 = rss_ak / double(std::max<size_t>(sym.size(), 3) - 2);
    if (!(s2 > 0.0) || !((rss_a - rss_ak) / s2 > 6.9) || !(std::abs(kk) > 0.005 * std::abs(a)))
        return false; // not significant, or too small to matter (< 1 % at the corners of 16-QAM)
    // the constellation as the transmitter bent it: c_i = a p_i + k p_i |p_i|^2. Nearest-centre decisions are
    // ML; every data symbol x is moved by the posterior mean of (p_i - c_i) (weights exp(-|x - c_i|^2 / s2)):
    // ~ p_j + (x - c_j) near centre j, on the ideal boundary where x is on the bent one, its noise unscaled
    const auto& pts = d_fmt.points();
    const size_t m = pts.size();
    std::vector<cd> cen(m), shift(m);
    for (size_t i = 0; i < m; i++) {
        const cd p(pts[i]);
        cen[i] = a * p + kk * p * std::norm(p);
        shift[i] = p - cen[i];
    }
    std::vector<double> d(m);
    for (auto& x : data) {
        const cd y(x);
        double dmin = INFINITY;
        for (size_t i = 0; i < m; i++)
            dmin = std::min(dmin, d[i] = std::norm(y - cen[i]));
        cd num(0.0);
        double den = 0.0;
        for (size_t i = 0; i < m; i++) {
            const double wt = std::exp(-(d[i] - dmin) / s2);
            num += wt * shift[i];
            den += wt;
        }
        const cd v = y + num / den;
        if (std::isfinite(v.real()) && std::isfinite(v.imag()))
            x = gr_complex(v);
    }
    return true;
}

// Phase noise faster than the pilot blocks: the residual phase of groups of PN_GROUP symbols against the
// known and decided ones, phi_g, has variance v_pn + v_g (v_g = s2 / (2 E_g): the estimate's own noise, s2 the
// mean |sym - ref|^2, E_g the group's energy). Where the excess mean(phi_g^2) - mean(v_g) is significant
// (> 3 standard errors of a chi2 mean), each group is rotated by the Wiener-shrunk phi_g v_pn / (v_pn + v_g),
// interpolated linearly between group centres; otherwise nothing changes (a clean radio loses nothing).
bool burst_sync::track_phase_noise(std::vector<gr_complex>& sym, const std::vector<gr_complex>& ref)
{
    constexpr size_t PN_GROUP = 16;
    const size_t n = std::min(sym.size(), ref.size()), ng = n / PN_GROUP;
    if (ng < 8)
        return false;
    double s2 = 0.0;
    for (size_t k = 0; k < n; k++)
        s2 += std::norm(cd(sym[k]) - cd(ref[k]));
    s2 /= double(n);
    std::vector<double> phi(ng), vg(ng), pos(ng);
    double m2 = 0.0, mv = 0.0;
    for (size_t g = 0; g < ng; g++) {
        const size_t k0 = g * PN_GROUP, k1 = g + 1 == ng ? n : k0 + PN_GROUP;
        cd acc(0.0);
        double e = 0.0;
        for (size_t k = k0; k < k1; k++) {
            acc += cd(sym[k]) * std::conj(cd(ref[k]));
            e += std::norm(cd(ref[k]));
        }
        if (!(e > 0.0))
            return false;
        phi[g] = std::arg(acc);
        vg[g] = s2 / (2.0 * e);
        pos[g] = 0.5 * double(k0 + k1 - 1);
        m2 += phi[g] * phi[g];
        mv += vg[g];
    }
    m2 /= double(ng);
    mv /= double(ng);
    const double vpn = m2 - mv;
    // significant, and large enough to matter: above (0.32 deg)^2 = -45 dB
    if (!(vpn > 3.0 * mv * std::sqrt(2.0 / double(ng))) || !(vpn > 3.2e-5))
        return false;
    std::vector<double> c(ng);
    for (size_t g = 0; g < ng; g++)
        c[g] = phi[g] * vpn / (vpn + vg[g]);
    size_t g = 0;
    for (size_t k = 0; k < sym.size(); k++) {
        const double x = double(k);
        while (g + 1 < ng && pos[g + 1] <= x)
            g++;
        double p;
        if (x <= pos[0])
            p = c[0];
        else if (g + 1 >= ng)
            p = c[ng - 1];
        else
            p = c[g] + (c[g + 1] - c[g]) * (x - pos[g]) / (pos[g + 1] - pos[g]);
        sym[k] *= gr_complex(float(std::cos(p)), float(-std::sin(p)));
    }
    return true;
}

// One detection step from d_pos. Returns false when more samples are needed.
bool burst_sync::try_detect()
{
    const size_t s = size_t(d_sps);
    const size_t win = (PRE + 1) * s;                 // search window after the first crossing
    const size_t span = size_t(PRE) * s;              // samples spanned by m(n)
    const size_t hdr_need = size_t(PRE + HDR + PIL + EQ_TAPS) * s;
    const size_t lookahead = win + std::max(span, hdr_need);
    if (d_buf.size() < lookahead)
        return false;
    const size_t last = d_buf.size() - lookahead; // last position that may start a crossing
    size_t n = d_pos;
    for (; n <= last; n++)
        if (gate(n) && metric(n) > d_threshold)
            break;
    if (n > last) {
        d_pos = std::max(d_pos, last + 1);
        return false;
    }
    // the maximum over the window (the preamble's partial peaks lie up to 32 symbols after the first crossing)
    size_t n0 = n;
    float best = metric(n);
    for (size_t q = n + 1; q <= n + win; q++) {
        const float mq = metric(q);
        if (mq > best) {
            best = mq;
            n0 = q;
        }
    }
    d_stats.detections++;
    estimate e;
    bool ok = estimate_at(n0, best, e);
    if (ok) {
        // header: equalise preamble .. first pilot block, track the phase, decide the BPSK bits
        std::vector<gr_complex> sym;
        equalise(e, 0, PRE + HDR + PIL, sym);
        // references: the preamble and pilot block 0 (right after the header whatever the length)
        std::vector<gr_complex> ref(sym.size(), gr_complex(0.0f, 0.0f));
        const auto& pre = burst_format::preamble();
        std::copy(pre.begin(), pre.end(), ref.begin());
        std::copy(burst_format::pilots().begin(), burst_format::pilots().end(), ref.begin() + PRE + HDR);
        rotate(sym, phase_from_refs(sym, ref, { { 0, PRE }, { PRE + HDR, PRE + HDR + PIL } }));
        uint8_t bits[HDR];
        for (int i = 0; i < HDR; i++)
            bits[i] = sym[PRE + i].real() < 0.0f ? 1 : 0;
        ok = burst_format::parse_header(bits, e.len, e.seq);
        // one soft retry (Chase): flip the least reliable bit. Only for a clear preamble (m >= 0.5; noise
        // alone crosses the threshold with m ~ 0.2 .. 0.3), so noise gets no second chance at the CRC-16.
        if (!ok && best >= 0.5f) {
            int weakest = 0;
            for (int i = 1; i < HDR; i++)
                if (std::abs(sym[PRE + i].real()) < std::abs(sym[PRE + weakest].real()))
                    weakest = i;
            bits[weakest] ^= 1;
            ok = burst_format::parse_header(bits, e.len, e.seq);
        }
        ok = ok && e.len >= 1 && e.len <= d_max_payload;
    }
    if (!ok) {
        d_stats.header_failures++;
        d_pos = n0 + size_t(SEG) * s;
        return true;
    }
    d_est = e;
    d_pending = true;
    return true;
}

void burst_sync::compact()
{
    // keep EQ_CENTRE + 2 symbols of history before the search position (the equaliser looks back)
    const size_t keep = size_t(EQ_CENTRE + 2) * d_sps;
    if (d_pending || d_pos <= keep + (size_t(1) << 15))
        return;
    const size_t drop = d_pos - keep;
    d_buf.erase(d_buf.begin(), d_buf.begin() + drop);
    d_buf_start += drop;
    d_pos -= drop;
}

void burst_sync::push(const gr_complex* x, size_t n, std::vector<burst_result>& out)
{
    const size_t old = d_buf.size();
    d_buf.insert(d_buf.end(), x, x + n);
    for (size_t i = old; i < d_buf.size(); i++)
        if (!std::isfinite(d_buf[i].real()) || !std::isfinite(d_buf[i].imag())) {
            d_buf[i] = gr_complex(0.0f, 0.0f);
            d_stats.nonfinite++;
        }
    for (;;) {
        if (!d_pending) {
            if (!try_detect())
                break;
            continue;
        }
        const size_t total = d_fmt.burst_symbols(d_est.len);
        if (d_buf.size() < d_est.n0 + (total + EQ_TAPS) * size_t(d_sps))
            break;
        burst_result r;
        r.time = d_buf_start + d_est.n0;
        r.seq = d_est.seq;
        r.len = d_est.len;
        r.cfo = d_est.fsym / d_sps;
        r.detect_metric = d_est.metric;
        r.snr_db = d_est.snr_db;
        r.snr_eq_db = d_est.snr_eq_db;
        r.h = d_est.h;
        decode(r);
        out.push_back(std::move(r));
        d_stats.bursts++;
        d_pending = false;
        d_pos = d_est.n0 + (total - 1) * size_t(d_sps);
    }
    compact();
}

} // namespace kernel
} // namespace ddpm
} // namespace gr
