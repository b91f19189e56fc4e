/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/ddpm/burst_format.h>
#include <gnuradio/digital/crc.h>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace gr {
namespace ddpm {
namespace kernel {

namespace {
std::vector<gr_complex> make_preamble()
{
    const double pi = 3.14159265358979323846;
    std::vector<gr_complex> a(burst_format::SEGMENT_LEN);
    for (int m = 0; m < 4; m++)
        for (int n = 0; n < 4; n++)
            a[4 * m + n] = gr_complex(std::polar(1.0, 2.0 * pi * m * n / 4.0 + pi / 4.0));
    std::vector<gr_complex> p;
    for (int s = 0; s < 4; s++)
        for (const auto& v : a)
            p.push_back(s == 3 ? -v : v);
    return p;
}
} // namespace

const std::vector<gr_complex>& burst_format::preamble()
{
    static const std::vector<gr_complex> p = make_preamble();
    return p;
}

const std::vector<gr_complex>& burst_format::pilots()
{
    static const std::vector<gr_complex> p(preamble().begin() + 8, preamble().begin() + 16);
    return p;
}

burst_format::burst_format(const std::vector<gr_complex>& points) : d_points(points), d_k(0)
{
    const size_t m = points.size();
    if (m < 2 || m > 256 || (m & (m - 1)))
        throw std::invalid_argument("burst_format: the constellation needs 2, 4, ..., 256 points, got " +
                                    std::to_string(m));
    for (const auto& p : points)
        if (!std::isfinite(p.real()) || !std::isfinite(p.imag()))
            throw std::invalid_argument("burst_format: constellation points must be finite");
    while ((size_t(1) << d_k) < m)
        d_k++;
}

uint16_t burst_format::crc16(const uint8_t* data, size_t len)
{
    thread_local gr::digital::crc c(16, 0x1021, 0xFFFF, 0, false, false);
    return uint16_t(c.compute(data, len));
}

uint32_t burst_format::crc32(const uint8_t* data, size_t len)
{
    thread_local gr::digital::crc c(32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, true, true);
    return uint32_t(c.compute(data, len));
}

size_t burst_format::data_symbols(size_t len) const { return (8 * (len + 4) + d_k - 1) / d_k; }

size_t burst_format::pilot_blocks(size_t len) const
{
    return (data_symbols(len) + DATA_BLOCK - 1) / DATA_BLOCK + 1;
}

size_t burst_format::burst_symbols(size_t len) const
{
    return PREAMBLE_LEN + HEADER_BITS + data_symbols(len) + PILOT_LEN * pilot_blocks(len);
}

size_t burst_format::data_index(size_t i) const
{
    return PREAMBLE_LEN + HEADER_BITS + PILOT_LEN * (i / DATA_BLOCK + 1) + i;
}

std::vector<uint8_t> burst_format::header_bits(uint16_t len, uint16_t seq)
{
    uint8_t b[6] = { uint8_t(len >> 8), uint8_t(len), uint8_t(seq >> 8), uint8_t(seq), 0, 0 };
    const uint16_t c = crc16(b, 4);
    b[4] = uint8_t(c >> 8);
    b[5] = uint8_t(c);
    std::vector<uint8_t> bits(HEADER_BITS);
    for (int i = 0; i < HEADER_BITS; i++)
        bits[i] = (b[i / 8] >> (7 - i % 8)) & 1;
    return bits;
}

bool burst_format::parse_header(const uint8_t* bits, uint16_t& len, uint16_t& seq)
{
    uint8_t b[6] = { 0, 0, 0, 0, 0, 0 };
    for (int i = 0; i < HEADER_BITS; i++)
        b[i / 8] = uint8_t((b[i / 8] << 1) | (bits[i] & 1));
    if (crc16(b, 4) != uint16_t((b[4] << 8) | b[5]))
        return false;
    len = uint16_t((b[0] << 8) | b[1]);
    seq = uint16_t((b[2] << 8) | b[3]);
    return true;
}

std::vector<int> burst_format::data_values(const uint8_t* payload, size_t len) const
{
    if (len > MAX_PAYLOAD)
        throw std::invalid_argument("burst_format: payload of " + std::to_string(len) +
                                    " bytes exceeds 65535");
    std::vector<uint8_t> bytes(payload, payload + len);
    const uint32_t c = crc32(payload, len);
    for (int i = 0; i < 4; i++)
        bytes.push_back(uint8_t(c >> (8 * i)));
    const size_t ns = data_symbols(len);
    std::vector<int> v(ns, 0);
    const size_t nbits = 8 * bytes.size();
    for (size_t s = 0; s < ns; s++) {
        int val = 0;
        for (int j = 0; j < d_k; j++) {
            const size_t bi = s * d_k + j;
            const int bit = bi < nbits ? (bytes[bi / 8] >> (7 - bi % 8)) & 1 : 0;
            val = (val << 1) | bit;
        }
        v[s] = val;
    }
    return v;
}

std::vector<gr_complex> burst_format::modulate(const uint8_t* payload, size_t len, uint16_t seq) const
{
    const std::vector<int> vals = data_values(payload, len);
    std::vector<gr_complex> out;
    out.reserve(burst_symbols(len));
    out.insert(out.end(), preamble().begin(), preamble().end());
    for (uint8_t b : header_bits(uint16_t(len), seq))
        out.push_back(gr_complex(b ? -1.0f : 1.0f, 0.0f));
    for (size_t i = 0; i < vals.size(); i++) {
        if (i % DATA_BLOCK == 0)
            out.insert(out.end(), pilots().begin(), pilots().end());
        out.push_back(d_points[vals[i]]);
    }
    out.insert(out.end(), pilots().begin(), pilots().end());
    return out;
}

void burst_format::decide(const gr_complex* sym, size_t n, int* values) const
{
    const size_t m = d_points.size();
    for (size_t i = 0; i < n; i++) {
        float best = std::numeric_limits<float>::infinity();
        int bi = 0;
        for (size_t j = 0; j < m; j++) {
            const float d = std::norm(sym[i] - d_points[j]);
            if (d < best) {
                best = d;
                bi = int(j);
            }
        }
        values[i] = bi; // NaN distances never compare less: point 0
    }
}

bool burst_format::decode_payload(const gr_complex* sym,
                                  size_t nsym,
                                  size_t len,
                                  std::vector<uint8_t>& payload) const
{
    const size_t ns = data_symbols(len);
    if (nsym < ns || len > MAX_PAYLOAD)
        return false;
    std::vector<int> vals(ns);
    decide(sym, ns, vals.data());
    std::vector<uint8_t> bytes(len + 4, 0);
    const size_t nbits = 8 * bytes.size();
    for (size_t s = 0; s < ns; s++)
        for (int j = 0; j < d_k; j++) {
            const size_t bi = s * d_k + j;
            if (bi < nbits && ((vals[s] >> (d_k - 1 - j)) & 1))
                bytes[bi / 8] |= uint8_t(1 << (7 - bi % 8));
        }
    uint32_t c = 0;
    for (int i = 0; i < 4; i++)
        c |= uint32_t(bytes[len + i]) << (8 * i);
    if (crc32(bytes.data(), len) != c)
        return false;
    payload.assign(bytes.begin(), bytes.begin() + len);
    return true;
}

} // namespace kernel
} // namespace ddpm
} // namespace gr
