/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The burst frame (burst_format) and the burst synchroniser kernel (burst_sync) on simulated bursts:
// RRC pulse shaping (GNU Radio's firdes), symbol-spaced multipath, CFO, carrier phase, AWGN, matched
// filter, pushed in chunks of random sizes.
#include "burst_sync.h"
#include <gnuradio/filter/firdes.h>
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

using namespace gr::ddpm::kernel;

namespace {
const double PI = 3.14159265358979323846;
const int SPS = 4;

// Gray square 16-QAM, unit power, label i: 2 bits on I (MSB first), 2 on Q, as gnuradio.ddpm.core.constellations
std::vector<gr_complex> qam16()
{
    const float lv[4] = { -3, -1, 3, 1 }; // gray(j) at level j: labels 0,1,3,2 -> -3,-1,1,3
    std::vector<gr_complex> p(16);
    for (int i = 0; i < 16; i++)
        p[i] = gr_complex(lv[i >> 2], lv[i & 3]) / std::sqrt(10.0f);
    return p;
}

std::vector<float> rrc()
{
    auto t = gr::filter::firdes::root_raised_cosine(1.0, SPS, 1.0, 0.35, 16 * SPS + 1);
    double e = 0;
    for (float v : t)
        e += double(v) * v;
    for (float& v : t)
        v = float(v / std::sqrt(e));
    return t;
}

std::vector<gr_complex> conv(const std::vector<gr_complex>& x, const std::vector<float>& h)
{
    std::vector<gr_complex> y(x.size() + h.size() - 1, gr_complex(0, 0));
    for (size_t i = 0; i < x.size(); i++)
        if (x[i] != gr_complex(0, 0))
            for (size_t k = 0; k < h.size(); k++)
                y[i + k] += x[i] * h[k];
    return y;
}

struct sim_link_cfg {
    double esn0_db = 30;
    double cfo = 0;     // cycles per sample
    double phase = 0;   // rad
    std::vector<gr_complex> taps{ gr_complex(1, 0) }; // symbol-spaced
    int gap = 200;      // zero symbols between bursts
    unsigned seed = 1;
    bool noise = true;
    gr_complex iq_image{ 0, 0 }; // transmitter IQ imbalance: x + iq_image conj(x)
    double cubic = 0;            // transmitter PA: x - cubic x |x|^2 (unit power per sample in a burst)
    double pn_deg = 0;           // phase noise, rms degrees: single-pole low-pass Gaussian, 100-sample correlation
};

struct sent {
    std::vector<std::vector<uint8_t>> payloads;
    std::vector<uint64_t> starts; // sample index (at the matched-filter output) of preamble symbol 0
};

// TX -> channel -> matched filter; returns the matched-filter output
std::vector<gr_complex> simulate(const burst_format& fmt, const sim_link_cfg& L, int nbursts, size_t len, sent& s)
{
    std::mt19937_64 rng(L.seed);
    std::vector<gr_complex> up(size_t(L.gap * SPS) + 37, gr_complex(0, 0)); // odd offset: not symbol aligned
    for (int b = 0; b < nbursts; b++) {
        std::vector<uint8_t> pl(len);
        for (auto& v : pl)
            v = uint8_t(rng() & 0xFF);
        s.payloads.push_back(pl);
        const auto sym = fmt.modulate(pl.data(), pl.size(), uint16_t(b));
        s.starts.push_back(up.size());
        for (const auto& v : sym) {
            up.push_back(v);
            for (int k = 1; k < SPS; k++)
                up.push_back(gr_complex(0, 0));
        }
        up.resize(up.size() + size_t(L.gap * SPS), gr_complex(0, 0));
    }
    const auto h = rrc();
    auto tx = conv(up, h);
    for (auto& v : tx) {
        v = float(std::sqrt(double(SPS))) * v; // power 1 per sample in a burst, as burst_tx
        v += L.iq_image * std::conj(v);
        v -= float(L.cubic) * v * std::norm(v);
        v /= float(std::sqrt(double(SPS)));
    }
    // symbol-spaced multipath
    std::vector<gr_complex> ch(tx.size() + L.taps.size() * SPS, gr_complex(0, 0));
    for (size_t l = 0; l < L.taps.size(); l++)
        for (size_t i = 0; i < tx.size(); i++)
            ch[i + l * SPS] += L.taps[l] * tx[i];
    std::normal_distribution<double> g(0.0, 1.0);
    const double nsd = std::sqrt(std::pow(10.0, -L.esn0_db / 10.0) / 2.0);
    const double alpha = 0.01, pn_drive = L.pn_deg * PI / 180.0 * std::sqrt((2.0 - alpha) / alpha);
    double pn = 0.0;
    for (size_t i = 0; i < ch.size(); i++) {
        pn += alpha * (pn_drive * g(rng) - pn);
        const double ph = L.phase + 2.0 * PI * L.cfo * double(i) + pn;
        ch[i] *= gr_complex(float(std::cos(ph)), float(std::sin(ph)));
        if (L.noise)
            ch[i] += gr_complex(float(nsd * g(rng)), float(nsd * g(rng)));
    }
    auto rx = conv(ch, h);
    // the pulse of a symbol at up[i] peaks at rx[i + ntaps - 1]
    for (auto& t : s.starts)
        t += h.size() - 1;
    return rx;
}

std::vector<burst_result> receive(burst_sync& k, const std::vector<gr_complex>& rx, unsigned seed)
{
    std::mt19937 rng(seed);
    std::vector<burst_result> out;
    for (size_t i = 0; i < rx.size();) {
        const size_t n = std::min(rx.size() - i, size_t(1 + rng() % 5000));
        k.push(rx.data() + i, n, out);
        i += n;
    }
    return out;
}

// simulate() -> a fresh burst_sync fed in chunks of random sizes (push_seed): its bursts
std::vector<burst_result>
run_link(const burst_format& fmt, const sim_link_cfg& L, int nbursts, size_t len, unsigned push_seed, sent& s)
{
    const auto rx = simulate(fmt, L, nbursts, len, s);
    burst_sync k(fmt, SPS);
    return receive(k, rx, push_seed);
}

int decoded(const burst_format& fmt, const std::vector<burst_result>& r, const sent& s)
{
    int ok = 0;
    for (const auto& b : r) {
        std::vector<uint8_t> pl;
        if (b.seq < s.payloads.size() && fmt.decode_payload(b.symbols.data(), b.symbols.size(), b.len, pl) &&
            pl == s.payloads[b.seq])
            ok++;
    }
    return ok;
}
} // namespace

BOOST_AUTO_TEST_CASE(t_burst_format_crcs_and_layout)
{
    const uint8_t check[] = { '1', '2', '3', '4', '5', '6', '7', '8', '9' };
    BOOST_CHECK_EQUAL(burst_format::crc32(check, 9), 0xCBF43926u);  // CRC-32 check value
    BOOST_CHECK_EQUAL(burst_format::crc16(check, 9), 0x29B1u);      // CRC-16/CCITT-FALSE check value
    burst_format fmt(qam16());
    BOOST_CHECK_EQUAL(fmt.bits_per_symbol(), 4);
    BOOST_CHECK_EQUAL(fmt.data_symbols(256), size_t(520));
    BOOST_CHECK_EQUAL(fmt.pilot_blocks(256), size_t(10));
    BOOST_CHECK_EQUAL(fmt.burst_symbols(256), size_t(64 + 48 + 520 + 80));
    std::vector<uint8_t> pl = { 1, 2, 3, 250, 7 };
    const auto sym = fmt.modulate(pl.data(), pl.size(), 77);
    BOOST_REQUIRE_EQUAL(sym.size(), fmt.burst_symbols(pl.size()));
    // header bits come back; a flipped bit fails the CRC
    uint8_t bits[48];
    for (int i = 0; i < 48; i++)
        bits[i] = sym[64 + i].real() < 0 ? 1 : 0;
    uint16_t len = 0, seq = 0;
    BOOST_CHECK(burst_format::parse_header(bits, len, seq));
    BOOST_CHECK_EQUAL(len, 5);
    BOOST_CHECK_EQUAL(seq, 77);
    for (int i = 0; i < 48; i++) {
        bits[i] ^= 1;
        BOOST_CHECK(!burst_format::parse_header(bits, len, seq));
        bits[i] ^= 1;
    }
    // payload symbols decode back; one wrong symbol fails the CRC
    std::vector<gr_complex> data;
    for (size_t i = 0; i < fmt.data_symbols(pl.size()); i++)
        data.push_back(sym[fmt.data_index(i)]);
    std::vector<uint8_t> back;
    BOOST_CHECK(fmt.decode_payload(data.data(), data.size(), pl.size(), back));
    BOOST_CHECK(back == pl);
    data[3] = -data[3];
    BOOST_CHECK(!fmt.decode_payload(data.data(), data.size(), pl.size(), back));
    // pilots: every pilot block holds the 8 pilot symbols
    const auto& p = burst_format::pilots();
    for (size_t b = 0; b < fmt.pilot_blocks(pl.size()); b++)
        for (int k = 0; k < 8; k++)
            BOOST_CHECK(sym[112 + 8 * b + std::min<size_t>(64 * b, data.size()) + k] == p[k]);
    BOOST_CHECK_THROW(burst_format(std::vector<gr_complex>(3)), std::invalid_argument);
    BOOST_CHECK_THROW(burst_sync(fmt, 1), std::invalid_argument);
    BOOST_CHECK_THROW(burst_sync(fmt, 4, 1.5f), std::invalid_argument);
    BOOST_CHECK_THROW(burst_sync(fmt, 4, 0.2f, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(t_burst_sync_detects_every_header_at_10db)
{
    burst_format fmt(qam16());
    sim_link_cfg L;
    L.esn0_db = 10;
    L.phase = 2.1;
    L.cfo = 0.01 / SPS;
    L.seed = 11;
    sent s;
    const auto r = run_link(fmt, L, 30, 40, 3, s);
    BOOST_REQUIRE_EQUAL(r.size(), size_t(30));
    for (size_t i = 0; i < r.size(); i++) {
        BOOST_CHECK_EQUAL(r[i].seq, i);
        BOOST_CHECK_EQUAL(r[i].len, 40);
        // integer timing: within half a sample of the true position (+-1 sample after the noise)
        BOOST_CHECK_LE(std::abs(double(r[i].time) - double(s.starts[i])), 1.0);
    }
}

BOOST_AUTO_TEST_CASE(t_burst_sync_no_false_header_on_noise)
{
    burst_format fmt(qam16());
    std::mt19937_64 rng(5);
    std::normal_distribution<float> g(0.0f, 0.7f);
    std::vector<gr_complex> x(2000000);
    for (auto& v : x)
        v = gr_complex(g(rng), g(rng));
    burst_sync k(fmt, SPS);
    const auto r = receive(k, conv(x, rrc()), 9);
    BOOST_CHECK_EQUAL(r.size(), size_t(0));
    BOOST_CHECK_EQUAL(k.stats().bursts, 0u);
    // non-finite samples are replaced and counted, never delivered
    std::vector<gr_complex> bad(1000, gr_complex(NAN, INFINITY));
    std::vector<burst_result> out;
    k.push(bad.data(), bad.size(), out);
    BOOST_CHECK_EQUAL(k.stats().nonfinite, 1000u);
    BOOST_CHECK(out.empty());
}

BOOST_AUTO_TEST_CASE(t_burst_sync_random_phase_no_ambiguity)
{
    burst_format fmt(qam16());
    std::mt19937_64 rng(21);
    std::uniform_real_distribution<double> u(-PI, PI);
    int ok = 0, n = 0;
    for (int t = 0; t < 12; t++) {
        sim_link_cfg L;
        L.esn0_db = 26;
        L.phase = u(rng);
        L.seed = 100 + t;
        sent s;
        const auto r = run_link(fmt, L, 2, 64, t, s);
        ok += decoded(fmt, r, s);
        n += 2;
    }
    BOOST_CHECK_EQUAL(ok, n);
}

BOOST_AUTO_TEST_CASE(t_burst_sync_cfo)
{
    burst_format fmt(qam16());
    for (double fsym : { 0.01, -0.01, 0.03, -0.03 }) {
        sim_link_cfg L;
        L.esn0_db = 24;
        L.cfo = fsym / SPS;
        L.phase = 0.7;
        L.seed = unsigned(1000 + fsym * 1000);
        sent s;
        const auto r = run_link(fmt, L, 4, 256, 4, s);
        BOOST_REQUIRE_EQUAL(r.size(), size_t(4));
        BOOST_CHECK_EQUAL(decoded(fmt, r, s), 4);
        for (const auto& b : r) // CFO error std ~2e-4 cycles/symbol at 20 dB: 5e-4 / sps is > 2.5 sigma
            BOOST_CHECK_SMALL(b.cfo - L.cfo, 1e-3 / SPS);
    }
}

BOOST_AUTO_TEST_CASE(t_burst_sync_multipath)
{
    burst_format fmt(qam16());
    sim_link_cfg L;
    L.esn0_db = 24;
    L.cfo = 0.005 / SPS;
    L.phase = -1.0;
    L.taps = { gr_complex(1, 0), gr_complex(0, 0.3f), gr_complex(0.1f, 0) };
    L.seed = 77;
    sent s;
    const auto r = run_link(fmt, L, 6, 256, 5, s);
    BOOST_REQUIRE_EQUAL(r.size(), size_t(6));
    BOOST_CHECK_EQUAL(decoded(fmt, r, s), 6);
    // the estimate holds the channel: main tap and the 0.3j echo one symbol later (times e^{j phase})
    for (const auto& b : r) {
        const gr_complex ratio = b.h[3] / b.h[2];
        BOOST_CHECK_SMALL(std::abs(ratio - gr_complex(0, 0.3f)), 0.05f);
    }
}

BOOST_AUTO_TEST_CASE(t_burst_sync_snr_estimate)
{
    burst_format fmt(qam16());
    for (double snr : { 8.0, 16.0, 25.0 }) {
        sim_link_cfg L;
        L.esn0_db = snr;
        L.seed = unsigned(snr * 10);
        L.phase = 0.3;
        sent s;
        auto r = run_link(fmt, L, 21, 16, 6, s);
        // at 8 dB a BPSK header bit fails with p = Q(sqrt(2 * 6.3)) = 2e-4: ~1 % of the headers
        if (snr < 10)
            BOOST_REQUIRE_GE(r.size(), size_t(18));
        else
            BOOST_REQUIRE_EQUAL(r.size(), size_t(21));
        std::vector<float> e;
        for (const auto& b : r)
            e.push_back(b.snr_db);
        const size_t mid = e.size() / 2;
        std::nth_element(e.begin(), e.begin() + mid, e.end());
        // 53 degrees of freedom per burst: the median of ~21 is within ~0.25 dB (1 sigma); 0.6 dB allowed
        BOOST_CHECK_SMALL(double(e[mid]) - snr, 0.6);
    }
}

BOOST_AUTO_TEST_CASE(t_burst_sync_back_to_back_bursts)
{
    // burst mode streams bursts with only the filter tail between them: 2 zero symbols here (the RRC tails
    // of neighbouring bursts overlap), one sample stream
    burst_format fmt(qam16());
    sim_link_cfg L;
    L.esn0_db = 25;
    L.gap = 2;
    L.phase = 1.2;
    L.cfo = -0.005 / SPS;
    L.seed = 31;
    sent s;
    auto rx = simulate(fmt, L, 8, 100, s);
    // the receiver decides once it holds ~210 symbols after a preamble: a stream goes on after the last burst
    rx.resize(rx.size() + 300 * SPS, gr_complex(0, 0));
    burst_sync k(fmt, SPS);
    const auto r = receive(k, rx, 8);
    BOOST_REQUIRE_EQUAL(r.size(), size_t(8));
    BOOST_CHECK_EQUAL(decoded(fmt, r, s), 8);
}

namespace {
// MSE (dB) of the delivered data symbols against the points sent, over the bursts that decoded
double data_mse_db(const burst_format& fmt, const std::vector<burst_result>& r, const sent& s)
{
    double e = 0.0;
    size_t n = 0;
    for (const auto& b : r) {
        const auto sym = fmt.modulate(s.payloads[b.seq].data(), s.payloads[b.seq].size(), b.seq);
        for (size_t i = 0; i < b.symbols.size(); i++, n++)
            e += std::norm(b.symbols[i] - sym[fmt.data_index(i)]);
    }
    return 10.0 * std::log10(e / double(std::max<size_t>(n, 1)));
}
} // namespace

BOOST_AUTO_TEST_CASE(t_burst_sync_transmitter_iq_imbalance_and_pa)
{
    // a cheap transmitter through multipath, no noise: an IQ image at -28 dB (0.5 dB / 3 deg) and a cubic PA.
    // A linear equaliser leaves the image (MSE ~ -28 dB); the widely-linear one removes it (~ -47 dB measured).
    // The PA's memoryless part is undone on the data symbols (-32 -> ~ -36.5 dB measured; what is left depends
    // on the neighbours).
    burst_format fmt(qam16());
    for (int mode = 0; mode < 3; mode++) {
        sim_link_cfg L;
        L.noise = false;
        L.cfo = 0.005 / SPS;
        L.phase = 0.4 + mode;
        L.taps = { gr_complex(1, 0), gr_complex(0, 0.3f), gr_complex(0.1f, 0) };
        L.seed = 300 + mode;
        if (mode != 1)
            L.iq_image = gr_complex(0.0299f, -0.0262f); // |image| -28 dB, as 0.5 dB / 3 deg
        if (mode != 0)
            L.cubic = 0.05;
        sent s;
        const auto r = run_link(fmt, L, 6, 256, 40 + mode, s);
        BOOST_REQUIRE_EQUAL(r.size(), size_t(6));
        BOOST_CHECK_EQUAL(decoded(fmt, r, s), 6);
        for (const auto& b : r) {
            BOOST_CHECK_EQUAL(b.widely_linear, mode != 1);
            BOOST_CHECK_EQUAL(b.compression, mode != 0);
        }
        const double mse = data_mse_db(fmt, r, s);
        BOOST_TEST_MESSAGE("mode " << mode << ": data MSE " << mse << " dB");
        BOOST_CHECK_LT(mse, mode == 0 ? -40.0 : -34.5);
    }
}

BOOST_AUTO_TEST_CASE(t_burst_sync_bpsk_image_is_a_gain)
{
    // BPSK data are real: an IQ image is only a complex gain on them, and the widely-linear design (which assumes
    // proper symbols) must not be used; the bursts decode
    burst_format fmt(std::vector<gr_complex>{ gr_complex(1, 0), gr_complex(-1, 0) });
    sim_link_cfg L;
    L.esn0_db = 20;
    L.phase = 1.1;
    L.taps = { gr_complex(1, 0), gr_complex(0, 0.3f), gr_complex(0.1f, 0) };
    L.iq_image = gr_complex(0.0299f, -0.0262f);
    L.seed = 606;
    sent s;
    const auto r = run_link(fmt, L, 6, 64, 60, s);
    BOOST_REQUIRE_EQUAL(r.size(), size_t(6));
    BOOST_CHECK_EQUAL(decoded(fmt, r, s), 6);
    for (const auto& b : r)
        BOOST_CHECK(!b.widely_linear);
}

BOOST_AUTO_TEST_CASE(t_burst_sync_phase_noise_between_pilots)
{
    // 1 deg rms phase noise with a 25-symbol correlation, no thermal noise: the pilot blocks (every 72 symbols)
    // cannot follow it (floor ~ -35 dB = (1 deg)^2); the decision-aided group tracking halves it and more
    // (-41.5 dB measured through ota_channel, bench_burst.py --floor)
    burst_format fmt(qam16());
    sim_link_cfg L;
    L.noise = false;
    L.pn_deg = 1.0;
    L.phase = 0.9;
    L.seed = 505;
    sent s;
    const auto r = run_link(fmt, L, 8, 256, 50, s);
    BOOST_REQUIRE_EQUAL(r.size(), size_t(8));
    BOOST_CHECK_EQUAL(decoded(fmt, r, s), 8);
    int tracked = 0;
    for (const auto& b : r)
        tracked += b.phase_noise;
    BOOST_CHECK_EQUAL(tracked, 8);
    const double mse = data_mse_db(fmt, r, s);
    BOOST_TEST_MESSAGE("phase noise: data MSE " << mse << " dB");
    BOOST_CHECK_LT(mse, -39.0);
}

BOOST_AUTO_TEST_CASE(t_burst_sync_clean_link_stays_linear)
{
    // without transmitter hardware the image, PA and phase-noise terms are significance-tested away (0.1 %
    // false alarms per burst and test): of 40 bursts at 16 dB at most 2 use any
    burst_format fmt(qam16());
    sim_link_cfg L;
    L.esn0_db = 16;
    L.phase = 2.5;
    L.taps = { gr_complex(1, 0), gr_complex(0, 0.3f), gr_complex(0.1f, 0) };
    L.seed = 404;
    sent s;
    const auto r = run_link(fmt, L, 40, 256, 41, s);
    BOOST_REQUIRE_GE(r.size(), size_t(39));
    int wl = 0, pa = 0, pn = 0;
    for (const auto& b : r) {
        wl += b.widely_linear;
        pa += b.compression;
        pn += b.phase_noise;
    }
    BOOST_CHECK_LE(wl, 2);
    BOOST_CHECK_LE(pa, 2);
    BOOST_CHECK_LE(pn, 2);
}
