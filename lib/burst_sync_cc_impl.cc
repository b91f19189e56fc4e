/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "burst_sync_cc_impl.h"
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <exception>
#include <stdexcept>
#include <typeinfo>

namespace gr {
namespace ddpm {

namespace {
const size_t MAX_QUEUED = size_t(1) << 17; // symbols: above this the block stops consuming (back-pressure)
}

burst_sync_cc::sptr burst_sync_cc::make(
    const std::vector<gr_complex>& points, int sps, float threshold, int max_payload, int delay)
{
    return gnuradio::make_block_sptr<burst_sync_cc_impl>(points, sps, threshold, max_payload, delay);
}

burst_sync_cc_impl::burst_sync_cc_impl(
    const std::vector<gr_complex>& points, int sps, float threshold, int max_payload, int delay)
    : gr::block("burst_sync_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_sync(kernel::burst_format(points), sps, threshold, max_payload),
      d_delay(delay)
{
    if (delay < 0)
        throw std::invalid_argument("burst_sync_cc: delay must be >= 0, got " + std::to_string(delay));
    set_tag_propagation_policy(TPP_DONT);
}

void burst_sync_cc_impl::forecast(int, gr_vector_int& ninput_items_required)
{
    // with symbols waiting, run without input (the last bursts of a finished stream still come out)
    ninput_items_required[0] = d_queued > 0 ? 0 : 1;
}

int burst_sync_cc_impl::general_work(int noutput_items,
                                     gr_vector_int& ninput_items,
                                     gr_vector_const_void_star& input_items,
                                     gr_vector_void_star& output_items)
{
    const gr_complex* in = static_cast<const gr_complex*>(input_items[0]);
    gr_complex* out = static_cast<gr_complex*>(output_items[0]);
    if (d_queued < MAX_QUEUED && ninput_items[0] > 0) {
        std::vector<kernel::burst_result> res;
        try {
            d_sync.push(in, size_t(ninput_items[0]), res);
        } catch (const std::exception& e) {
            // a failure loses this call's samples only; logged once per kind
            if (d_logged.insert(typeid(e).name()).second)
                d_logger->error("burst synchroniser failed ({}); the samples of this call are dropped "
                                "(shown once per kind)",
                                e.what());
        } catch (...) { // nothing leaves work() (docs/reliability.md)
            if (d_logged.insert("unknown").second)
                d_logger->error("burst synchroniser failed (an exception of unknown type); the samples of "
                                "this call are dropped (shown once per kind)");
        }
        consume_each(ninput_items[0]);
        for (auto& r : res) {
            d_queued += r.symbols.size();
            d_queue.push_back(std::move(r));
        }
        std::lock_guard<std::mutex> lock(d_mutex);
        d_stats = d_sync.stats();
    }
    int produced = 0;
    while (produced < noutput_items && !d_queue.empty()) {
        kernel::burst_result& r = d_queue.front();
        if (r.symbols.empty()) { // never for a valid header (len >= 1); guard anyway
            d_queue.pop_front();
            continue;
        }
        if (d_out_pos == 0) {
            const uint64_t off = nitems_written(0) + uint64_t(produced);
            add_item_tag(0, off, pmt::mp("h"), pmt::from_complex(gr_complex(1.0f, 0.0f)));
            add_item_tag(0, off, pmt::mp("snr_db"), pmt::from_double(r.snr_eq_db));
            pmt::pmt_t d = pmt::make_dict();
            d = pmt::dict_add(d, pmt::mp("seq"), pmt::from_long(r.seq));
            d = pmt::dict_add(d, pmt::mp("len"), pmt::from_long(r.len));
            d = pmt::dict_add(d, pmt::mp("nsym"), pmt::from_long(long(r.symbols.size())));
            d = pmt::dict_add(d, pmt::mp("snr_db"), pmt::from_double(r.snr_db));
            d = pmt::dict_add(d, pmt::mp("snr_eq_db"), pmt::from_double(r.snr_eq_db));
            d = pmt::dict_add(d, pmt::mp("cfo"), pmt::from_double(r.cfo));
            d = pmt::dict_add(d, pmt::mp("detect_metric"), pmt::from_double(r.detect_metric));
            d = pmt::dict_add(d, pmt::mp("iq_image"), pmt::from_bool(r.widely_linear));
            d = pmt::dict_add(d, pmt::mp("pa_compression"), pmt::from_bool(r.compression));
            d = pmt::dict_add(d, pmt::mp("phase_noise"), pmt::from_bool(r.phase_noise));
            d = pmt::dict_add(d, pmt::mp("time"), pmt::from_long(long(r.time) - long(d_delay)));
            add_item_tag(0, off, pmt::mp("burst"), d);
        }
        const size_t n = std::min(size_t(noutput_items - produced), r.symbols.size() - d_out_pos);
        std::copy(r.symbols.begin() + d_out_pos, r.symbols.begin() + d_out_pos + n, out + produced);
        produced += int(n);
        d_out_pos += n;
        d_queued -= n;
        if (d_out_pos == r.symbols.size()) {
            d_queue.pop_front();
            d_out_pos = 0;
        }
    }
    return produced;
}

uint64_t burst_sync_cc_impl::detections() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_stats.detections;
}
uint64_t burst_sync_cc_impl::header_failures() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_stats.header_failures;
}
uint64_t burst_sync_cc_impl::bursts() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_stats.bursts;
}
uint64_t burst_sync_cc_impl::nonfinite() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_stats.nonfinite;
}

} // namespace ddpm
} // namespace gr
