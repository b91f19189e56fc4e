/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_BURST_SYNC_CC_H
#define INCLUDED_DDPM_BURST_SYNC_CC_H

#include <gnuradio/block.h>
#include <gnuradio/ddpm/api.h>
#include <gnuradio/gr_complex.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace ddpm {

/*!
 * \brief Burst synchroniser of burst_rx: detection, timing, CFO, channel estimate, MMSE equaliser, header
 * and pilot phase tracking (docs/burst.md).
 * \ingroup ddpm
 *
 * Input: complex64, the matched-filtered (unit-energy root-raised-cosine) received stream at sps samples
 * per symbol. Output: complex64, the data symbols of every burst whose header passed its CRC, equalised
 * (unbiased MMSE), CFO- and phase-corrected, in the units of the constellation (unit average power);
 * data_symbols(len) items per burst, bursts back to back. The frame is kernel::burst_format's.
 *
 * Stream tags on the first data symbol of every burst: "h" = complex 1 (the symbols are equalised),
 * "snr_db" (double) = SNR of the equalised symbols, 10 log10(beta / (1 - beta)) of the MMSE equaliser,
 * and "burst" = a PMT dict with "seq" (long), "len" (long, payload bytes), "nsym" (long, data symbols),
 * "snr_db" (double, Es/N0 estimate from the LS channel fit on the preamble), "snr_eq_db" (double),
 * "cfo" (double, carrier frequency offset in cycles per SAMPLE of the input; times sps = cycles per
 * symbol), "detect_metric" (double, 0 .. 1), "time" (long, input item index of the centre of the first
 * preamble symbol minus the delay parameter). Input tags are not propagated.
 *
 * Non-finite input samples are replaced by 0 (counted in nonfinite()).
 */
class DDPM_API burst_sync_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<burst_sync_cc> sptr;

    /*!
     * \brief Make a burst synchroniser.
     *
     * \param points constellation points (M = 2 .. 256, a power of 2; points[i] carries the bits of i,
     *        MSB first), e.g. gnuradio.ddpm.core.constellations.by_name("qam16")
     * \param sps samples per symbol, 2 .. 64
     * \param threshold detection threshold on the normalised preamble metric, (0, 1); 0.2 by default
     * \param max_payload largest payload accepted in bytes, 1 .. 65535
     * \param delay samples subtracted from the "time" of every burst (the matched filter's delay), >= 0
     */
    static sptr make(const std::vector<gr_complex>& points,
                     int sps = 4,
                     float threshold = 0.2f,
                     int max_payload = 4096,
                     int delay = 0);

    //! Preamble metric crossings that led to a header decode
    virtual uint64_t detections() const = 0;
    //! Detections whose header failed its CRC or had an out-of-range length
    virtual uint64_t header_failures() const = 0;
    //! Bursts delivered
    virtual uint64_t bursts() const = 0;
    //! Non-finite input samples replaced by 0
    virtual uint64_t nonfinite() const = 0;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_BURST_SYNC_CC_H */
