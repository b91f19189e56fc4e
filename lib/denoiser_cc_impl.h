/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_DENOISER_CC_IMPL_H
#define INCLUDED_DDPM_DENOISER_CC_IMPL_H

#include "channel_state.h"
#include "noise_estimator.h"
#include <gnuradio/ddpm/ddpm_sampler.h>
#include <gnuradio/ddpm/denoiser_cc.h>
#include <gnuradio/ddpm/model.h>
#include <pmt/pmt.h>
#include <atomic>
#include <set>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {

class denoiser_cc_impl : public denoiser_cc
{
private:
    friend struct denoiser_cc_test_access; // lib/qa_denoiser_cc.cc: injects a kernel failure
    // configuration (protected by d_setlock)
    std::string d_path;
    model::sptr d_model;
    std::unique_ptr<kernel::ddpm_sampler> d_kernel;
    kernel::sampler_config d_cfg;
    int d_batch;
    double d_snr_db; // parameter; NaN = unknown
    int d_equalize;
    int d_output;
    double d_ps;       // model power_scale

    channel_state d_chan; // channel state from tags (applies from its tagged sample on)
    std::unique_ptr<noise_estimator> d_estimator; // where no SNR is known (docs/denoiser.md)

    // scratch
    std::vector<gr_complex> d_x, d_y;
    std::vector<gr_complex> d_xeq; // equalised input in model units, before MMSE shrinking (hard decisions)
    std::vector<float> d_nv;
    std::vector<uint8_t> d_src; // per-sample noise source (for estimation)
    std::vector<uint8_t> d_bad; // per-sample: non-finite input or network overflow -> output 0

    // statistics / debugging
    std::atomic<double> d_last_nv;
    std::atomic<int> d_last_source; // 0 snr_db, 1 tags, 2 estimate
    int d_logged_source;
    double d_work_s, d_kernel_s;
    uint64_t d_items;
    bool d_warned_tag;
    bool d_warned_nonfinite; // one log line for non-finite input samples
    bool d_warned_overflow;  // one log line for finite input too large for the network
    std::set<std::string> d_warned_errors; // kinds of exception already logged by work()

    static void check_sampler(int sampler);
    static void check_steps(int steps);
    static void check_eta(float eta);
    static void check_snr(double snr_db);
    static void check_block(int batch, int threads, int equalize, int output);
    void apply_tag(const tag_t& tag);
    void log_source(int source);

    // the steps of work(), in order, over d_x, d_nv, d_src, d_y (n samples)
    bool equalise(const gr_complex* in, size_t n);
    void estimate_noise(size_t n);
    void to_model_units(size_t n);
    void run_kernel(size_t n);
    void write_output(gr_complex* out, size_t n) const;
    int do_work(int noutput_items, const gr_complex* in, gr_complex* out);

public:
    denoiser_cc_impl(const std::string& model,
                     int sampler,
                     int steps,
                     float eta,
                     int batch,
                     int threads,
                     uint64_t seed,
                     double snr_db,
                     int equalize,
                     int output);
    ~denoiser_cc_impl() override;

    void set_snr_db(double snr_db) override;
    double snr_db() const override;
    void set_sampler(int sampler) override;
    int sampler() const override;
    void set_steps(int steps) override;
    int steps() const override;
    void set_eta(float eta) override;
    float eta() const override;
    std::string model_path() const override { return d_path; }
    double throughput() const override;
    double kernel_throughput() const override;
    double last_noise_var() const override { return d_last_nv.load(); }
    std::string noise_source() const override;

    //! Clears the kernel's cancel flag (a stopped flowgraph can be started again).
    bool start() override;
    //! Cancels the kernel call in progress, so that work() returns within one network step.
    bool stop() override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_DENOISER_CC_IMPL_H */
