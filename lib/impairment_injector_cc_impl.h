/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_IMPL_H
#define INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_IMPL_H

#include "rng.h"
#include <gnuradio/ddpm/impairment_injector_cc.h>
#include <set>
#include <string>
#include <pmt/pmt.h>
#include <cstdint>

namespace gr {
namespace ddpm {

/*!
 * rng::xoshiro256ss (xoshiro256**, seeded through splitmix64; lib/rng.h) with uniform, Gaussian
 * (Box-Muller, cached pair) and Laplacian (inverse CDF) draws.
 */
class impairment_rng
{
public:
    explicit impairment_rng(uint64_t seed);
    uint64_t next();
    //! uniform in the open interval (0, 1), 53-bit resolution
    double uniform_open();
    //! standard normal N(0, 1)
    double normal();
    //! Laplacian with variance 1 (scale 1/sqrt(2))
    double laplace();

private:
    rng::xoshiro256ss d_gen;
    bool d_have_spare = false;
    double d_spare = 0.0;
};

class impairment_injector_cc_impl : public impairment_injector_cc
{
private:
    static constexpr int MAX_ANTENNAS = 64;

    impairment_params d_params;
    impairment_rng d_rng;
    // channel of the current coherence block: h (antennas entries, float-rounded values), precoder w,
    // effective gain g = h^T w (float-rounded: the value the "h" tag carries), ||h||^2
    double d_h_re[MAX_ANTENNAS], d_h_im[MAX_ANTENNAS];
    double d_w_re[MAX_ANTENNAS], d_w_im[MAX_ANTENNAS];
    double d_g_re, d_g_im;
    double d_h_norm2;
    int64_t d_block_left;    // samples left in the current coherence block (0: draw a new h)
    bool d_h_tag_pending;    // emit "h" (and "h_norm2" when antennas > 1) at the next produced sample
    bool d_ant_tag_pending;  // emit "antennas" ...
    bool d_snr_tag_pending;  // emit "snr_db" ...
    bool d_kt_tag_pending;   // ... "kappa_t"
    bool d_kr_tag_pending;   // ... "kappa_r"
    bool d_power_tag_pending; // ... "power"
    bool d_hw_tag_pending;    // ... "hardware" (dict)
    double d_pn_theta = 0.0;  // LO phase-noise state, radians
    bool d_pn_start = true;   // PLL-tracked: draw theta from its stationary distribution at the next sample
    bool d_warned_nonfinite = false; // one log line for non-finite input samples
    std::set<std::string> d_warned_errors; // kinds of exception already logged by work()
    int do_work(int noutput_items,
                gr_vector_const_void_star& input_items,
                gr_vector_void_star& output_items);
    const pmt::pmt_t d_key_h;
    const pmt::pmt_t d_key_snr_db;
    const pmt::pmt_t d_key_kappa_t;
    const pmt::pmt_t d_key_kappa_r;
    const pmt::pmt_t d_key_power;
    const pmt::pmt_t d_key_h_norm2;
    const pmt::pmt_t d_key_antennas;
    const pmt::pmt_t d_key_hardware;
    //! the "hardware" tag's value: dict parameter name -> value (pn_model as long, the others double)
    pmt::pmt_t hardware_dict() const;

    //! validate \p p, then install it (seed kept), flag tags of changed values; caller holds d_setlock
    void install(const impairment_params& p);
    //! fading off: h = (1, ..., 1)/sqrt(N_t), held for ever; flags the "h" tag
    void fixed_channel();
    //! Rayleigh: draw a new h (2 N_t normals, antenna by antenna, re then im); flags the "h" tag
    void draw_channel();
    //! w, g and ||h||^2 from h, csi and fading
    void update_precoder();

public:
    impairment_injector_cc_impl(const impairment_params& p);
    ~impairment_injector_cc_impl() override;

    impairment_params params() const override;
    void set_params(const impairment_params& p) override;

    double snr_db() const override;
    double kappa_t() const override;
    double kappa_r() const override;
    double power() const override;
    int quant_bits() const override;
    double full_scale() const override;
    int fading() const override;
    int coherence_len() const override;
    int noise() const override;
    uint64_t seed() const override;
    int antennas() const override;
    int csi() const override;
    double pa_sat() const override;
    double pa_p() const override;
    double pm_alpha() const override;
    double pm_beta() const override;
    double iq_amp_db() const override;
    double iq_phase_deg() const override;
    double dc_re() const override;
    double dc_im() const override;
    int pn_model() const override;
    double pn_deg() const override;
    double pn_corr_len() const override;

    void set_snr_db(double snr_db) override;
    void set_kappa_t(double kappa_t) override;
    void set_kappa_r(double kappa_r) override;
    void set_power(double power) override;
    void set_quant_bits(int quant_bits) override;
    void set_full_scale(double full_scale) override;
    void set_fading(int fading) override;
    void set_coherence_len(int coherence_len) override;
    void set_noise(int noise) override;
    void set_antennas(int antennas) override;
    void set_csi(int csi) override;
    void set_pa_sat(double pa_sat) override;
    void set_pa_p(double pa_p) override;
    void set_pm_alpha(double pm_alpha) override;
    void set_pm_beta(double pm_beta) override;
    void set_iq_amp_db(double iq_amp_db) override;
    void set_iq_phase_deg(double iq_phase_deg) override;
    void set_dc_re(double dc_re) override;
    void set_dc_im(double dc_im) override;
    void set_pn_model(int pn_model) override;
    void set_pn_deg(double pn_deg) override;
    void set_pn_corr_len(double pn_corr_len) override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_IMPL_H */
