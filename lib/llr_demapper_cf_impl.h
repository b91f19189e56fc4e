/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_LLR_DEMAPPER_CF_IMPL_H
#define INCLUDED_DDPM_LLR_DEMAPPER_CF_IMPL_H

#include "channel_state.h"
#include "llr_demapper.h"
#include <gnuradio/ddpm/llr_demapper_cf.h>
#include <atomic>
#include <set>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {

class llr_demapper_cf_impl : public llr_demapper_cf
{
private:
    kernel::llr_demapper d_kernel;
    double d_snr_db; // protected by d_setlock
    int d_method;
    const bool d_use_tags;
    channel_state d_chan;
    std::vector<gr_complex> d_x;
    std::atomic<double> d_last_nv;
    bool d_warned_tag, d_warned_nonfinite;
    std::set<std::string> d_warned_errors;

    static void check_snr(double snr_db);
    static void check_method(int method);
    void apply_tag(const tag_t& tag);
    int do_work(int nsym, const gr_complex* in, float* out);

public:
    llr_demapper_cf_impl(const std::string& constellation,
                         const std::vector<gr_complex>& points,
                         const std::vector<int>& labels,
                         int method,
                         double snr_db,
                         bool use_tags);
    ~llr_demapper_cf_impl() override;

    void set_snr_db(double snr_db) override;
    double snr_db() const override;
    void set_method(int method) override;
    int method() const override;
    int bits_per_symbol() const override { return d_kernel.bits_per_symbol(); }
    std::vector<gr_complex> points() const override { return d_kernel.points(); }
    std::vector<int> labels() const override { return d_kernel.labels(); }
    double last_noise_var() const override { return d_last_nv.load(); }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace ddpm
} // namespace gr

#endif
