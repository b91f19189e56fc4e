/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_BURST_SYNC_CC_IMPL_H
#define INCLUDED_DDPM_BURST_SYNC_CC_IMPL_H

#include "burst_sync.h"
#include <gnuradio/ddpm/burst_sync_cc.h>
#include <deque>
#include <mutex>
#include <set>
#include <string>

namespace gr {
namespace ddpm {

class burst_sync_cc_impl : public burst_sync_cc
{
public:
    burst_sync_cc_impl(const std::vector<gr_complex>& points,
                       int sps,
                       float threshold,
                       int max_payload,
                       int delay);

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

    uint64_t detections() const override;
    uint64_t header_failures() const override;
    uint64_t bursts() const override;
    uint64_t nonfinite() const override;

private:
    kernel::burst_sync d_sync;
    int d_delay;
    std::deque<kernel::burst_result> d_queue;
    size_t d_out_pos = 0;  // symbols of d_queue.front() already produced
    size_t d_queued = 0;   // symbols waiting in d_queue
    mutable std::mutex d_mutex; // guards the stats read from other threads
    kernel::burst_sync_stats d_stats;
    std::set<std::string> d_logged;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_BURST_SYNC_CC_IMPL_H */
