/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_BURST_FORMAT_H
#define INCLUDED_DDPM_BURST_FORMAT_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/gr_complex.h>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gr {
namespace ddpm {
namespace kernel {

/*!
 * \brief The burst frame of burst_tx / burst_rx (docs/burst.md): the one definition of its layout, shared
 * by the transmitter (modulate) and the receiver (header and payload decoding).
 *
 * A burst, in symbols at the symbol rate (unit average power):
 *
 *   preamble [64] | header [48] | pilots [8] | data [<= 64] | pilots [8] | data [<= 64] | ... | pilots [8]
 *
 * - preamble: [A A A -A], A = the 16-symbol Frank code exp(j 2 pi m n / 4) (m, n = 0..3, index 4 m + n)
 *   rotated by 45 degrees (QPSK points; perfect periodic autocorrelation).
 * - header: 48 BPSK symbols (+1 for bit 0, -1 for bit 1), bits MSB first of the 6 bytes
 *   [length (uint16, big endian), seq (uint16, big endian), CRC-16 of those 4 bytes (big endian)];
 *   CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR).
 * - payload: the payload bytes followed by their CRC-32 (the Ethernet/zlib CRC, as GNU Radio's
 *   digital.crc32; little endian), MSB first into bits, zero-padded to whole symbols, k = log2(M) bits
 *   per symbol, symbol value i -> points[i] (gnuradio.ddpm.core.constellations labelling).
 * - pilots: blocks of 8 known QPSK symbols, A[8..15], before every block of 64 data symbols and after
 *   the last one.
 *
 * All CRCs are computed with gr::digital::crc.
 */
class DDPM_API burst_format
{
public:
    static constexpr int PREAMBLE_LEN = 64;   //!< symbols
    static constexpr int SEGMENT_LEN = 16;    //!< symbols of the Frank code A
    static constexpr int HEADER_BITS = 48;    //!< BPSK symbols of the header
    static constexpr int PILOT_LEN = 8;       //!< symbols per pilot block
    static constexpr int DATA_BLOCK = 64;     //!< data symbols between pilot blocks
    static constexpr int MAX_PAYLOAD = 65535; //!< bytes (the header's length field)

    /*!
     * \param points the constellation: M complex points (M a power of 2, 2 .. 256), points[i] carries
     *        the bits of i MSB first; throws std::invalid_argument otherwise.
     */
    explicit burst_format(const std::vector<gr_complex>& points);

    const std::vector<gr_complex>& points() const { return d_points; }
    int bits_per_symbol() const { return d_k; }

    //! The 64 preamble symbols.
    static const std::vector<gr_complex>& preamble();
    //! The 8 pilot symbols of every pilot block.
    static const std::vector<gr_complex>& pilots();

    //! Data symbols of a payload of \p len bytes: ceil(8 (len + 4) / k).
    size_t data_symbols(size_t len) const;
    //! Pilot blocks of a payload of \p len bytes: ceil(data_symbols / 64) + 1.
    size_t pilot_blocks(size_t len) const;
    //! All symbols of a burst: 64 + 48 + data_symbols + 8 pilot_blocks.
    size_t burst_symbols(size_t len) const;
    //! Index (within the burst) of data symbol \p i of a payload of \p len bytes.
    size_t data_index(size_t i) const;

    //! The burst of a payload: complex [burst_symbols(len)]. Throws std::invalid_argument for len > 65535.
    std::vector<gr_complex> modulate(const uint8_t* payload, size_t len, uint16_t seq) const;
    //! The data symbol values (0 .. M-1) of a payload: [data_symbols(len)].
    std::vector<int> data_values(const uint8_t* payload, size_t len) const;

    //! The 48 header bits (0/1) of (len, seq).
    static std::vector<uint8_t> header_bits(uint16_t len, uint16_t seq);
    //! Parse 48 header bits: true and (len, seq) when the CRC-16 passes.
    static bool parse_header(const uint8_t* bits, uint16_t& len, uint16_t& seq);

    /*!
     * Nearest-point decisions on \p nsym data symbols (complex [nsym], nsym >= data_symbols(len)), bits to
     * bytes, CRC-32 check. Returns true and fills \p payload (len bytes) when the CRC passes. Non-finite
     * symbols decide to point 0.
     */
    bool decode_payload(const gr_complex* sym, size_t nsym, size_t len, std::vector<uint8_t>& payload) const;
    //! Nearest-point decisions: values [n] in 0 .. M-1.
    void decide(const gr_complex* sym, size_t n, int* values) const;

    static uint16_t crc16(const uint8_t* data, size_t len);
    static uint32_t crc32(const uint8_t* data, size_t len);

private:
    std::vector<gr_complex> d_points;
    int d_k;
};

} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_BURST_FORMAT_H */
