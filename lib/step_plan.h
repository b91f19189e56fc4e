/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The per-sampler part of the reverse process (docs/sampling.md): where a chain starts and the
// coefficients of each of its updates, computed from the noise schedule. ddpm_sampler::sample() only
// groups samples by start step and runs the updates; a new sampler is added here (and to the name table
// in lib/sampler_type.cc).
#ifndef INCLUDED_DDPM_STEP_PLAN_H
#define INCLUDED_DDPM_STEP_PLAN_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/ddpm/ddpm_sampler.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace ddpm {
namespace kernel {

//! One update of a chain: x <- A x + B eps_theta(x, t) + S z, z ~ CN(0, 2) per ddpm-rng-v1 counter t
//! (S is 0 when the chain is not stochastic).
struct sched_step {
    int32_t t;
    double A, B, S;
};

//! How one chain runs from its start step k_start down to x_0.
struct step_plan {
    int k_start = 0;         //!< index of the first state x_{k_start}
    bool scaled_start = false; //!< true: x_{k_start} = sqrt(abar_{k_start}) (y + top-up); false: = y
    std::vector<sched_step> steps; //!< the updates in order (steps.back().t == 0)
};

//! Throws std::invalid_argument (message prefixed "ddpm_sampler::sample: ") for an unknown type,
//! DDIM steps < 1 or DDIM eta outside [0, 1].
DDPM_API void check_sampler_config(const sampler_config& cfg);

//! Start step of a sample with complex noise variance \p noise_var (model units): T-1 for PAPER,
//! the SNR-matched model::start_step(noise_var) for the others.
DDPM_API int plan_start_step(const model& m, const sampler_config& cfg, double noise_var);

/*!
 * Whether a sample with complex noise variance \p noise_var (model units) lies outside the schedule's
 * range and gets the linear MMSE estimate (linear_mmse_gain) instead of a chain: never for PAPER; for
 * MATCHED and DDIM when noise_var is finite and non-negative and its per-dimension level noise_var/2 is
 * below the smallest level L_0 or above the largest L_{T-1} (docs/sampling.md). A non-finite or negative
 * (unknown) noise_var keeps the chain from T-1.
 */
DDPM_API bool plan_linear_fallback(const model& m, const sampler_config& cfg, double noise_var);

//! The linear MMSE estimate's gain for zero-mean unit-power data in complex noise of variance
//! \p noise_var (model units): 1 / (1 + noise_var).
DDPM_API double linear_mmse_gain(double noise_var);

//! Whether the start is topped up with noise to the start level exactly (cfg.top_up, stochastic,
//! scaled starts only).
DDPM_API bool plan_top_up(const sampler_config& cfg);

/*!
 * The chain of \p cfg.type starting at \p k_start (0 <= k_start < T) on the schedule \p betas
 * (beta_t) and \p alpha_bar (abar_t = prod_{s<=t} (1 - beta_s)), both of length T:
 *   PAPER, MATCHED: DDPM updates t = k_start .. 0, A = 1/sqrt(alpha_t),
 *                   B = -beta_t / (sqrt(1 - abar_t) sqrt(alpha_t)), S = sqrt(beta_t) for t > 0;
 *   DDIM: S_e = min(steps, k_start + 1) steps at tau_i = round(k_start (S_e-1-i)/(S_e-1)) (tau_0 =
 *         k_start), x <- sqrt(ap) (x - sqrt(1 - at) eps)/sqrt(at) + dir eps + sigma z with at = abar_tau_i,
 *         ap = abar_tau_{i+1} (1 after the last), sigma = eta sqrt((1-ap)/(1-at)) sqrt(1 - at/ap),
 *         dir = sqrt(max(1 - ap - sigma^2, 0)).
 * With cfg.stochastic false every S is 0.
 */
DDPM_API step_plan make_step_plan(const std::vector<double>& betas,
                                  const std::vector<double>& alpha_bar,
                                  const sampler_config& cfg,
                                  int k_start);

/*!
 * The chain's first state x_{k_start} from the observation y = (yr, yi) (model units): y itself for an
 * unscaled start, else sqrt(abar_k) (y + a z) with the top-up amplitude a = sqrt(max(L_k - nv/2, 0))
 * (L_k = model::levels()[k]; a = 0 without top_up or for an unknown, i.e. non-finite or negative, noise
 * variance nv) and z the ddpm-rng-v1 pair of counter T for the sample's key.
 */
DDPM_API void start_state(const step_plan& p,
                          const model& m,
                          bool top_up,
                          double nv,
                          uint64_t key,
                          double& yr,
                          double& yi);

} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif
