/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "step_plan.h"
#include "rng.h"
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gr {
namespace ddpm {
namespace kernel {

namespace {

// DDPM posterior-mean updates t = k .. 0 (PAPER and MATCHED differ only in their start)
void ddpm_chain(const std::vector<double>& beta,
                const std::vector<double>& ab,
                bool stoch,
                int k,
                std::vector<sched_step>& out)
{
    for (int t = k; t >= 0; t--) {
        const double a = 1.0 - beta[size_t(t)];
        const double sa = std::sqrt(a);
        sched_step s;
        s.t = t;
        s.A = 1.0 / sa;
        s.B = -beta[size_t(t)] / std::sqrt(1.0 - ab[size_t(t)]) / sa;
        s.S = (stoch && t > 0) ? std::sqrt(beta[size_t(t)]) : 0.0;
        out.push_back(s);
    }
}

// DDIM from k with min(steps, k + 1) evenly spaced steps
void ddim_chain(const std::vector<double>& ab,
                const sampler_config& cfg,
                int k,
                std::vector<sched_step>& out)
{
    const int Se = std::min(cfg.steps, k + 1);
    std::vector<int> tau(static_cast<size_t>(Se));
    if (Se == 1)
        tau[0] = k;
    else
        for (int i = 0; i < Se; i++)
            tau[size_t(i)] = int(std::nearbyint(double(k) * double(Se - 1 - i) / double(Se - 1)));
    for (int i = 0; i < Se; i++) {
        const double at = ab[size_t(tau[size_t(i)])];
        const double ap = i + 1 < Se ? ab[size_t(tau[size_t(i + 1)])] : 1.0;
        const double sig =
            double(cfg.eta) * std::sqrt((1.0 - ap) / (1.0 - at)) * std::sqrt(1.0 - at / ap);
        const double dir = std::sqrt(std::max(1.0 - ap - sig * sig, 0.0));
        // x <- sqrt(ap) (x - sqrt(1-at) eps)/sqrt(at) + dir eps + sig z
        sched_step s;
        s.t = tau[size_t(i)];
        s.A = std::sqrt(ap) / std::sqrt(at);
        s.B = dir - std::sqrt(ap) * std::sqrt(1.0 - at) / std::sqrt(at);
        s.S = cfg.stochastic ? sig : 0.0;
        out.push_back(s);
    }
}

} // namespace

void check_sampler_config(const sampler_config& cfg)
{
    sampler_from_int(int(cfg.type), "ddpm_sampler::sample: sampler type");
    if (cfg.type == sampler_type::DDIM) {
        if (cfg.steps < 1)
            throw std::invalid_argument("ddpm_sampler::sample: DDIM steps must be >= 1, got " +
                                        std::to_string(cfg.steps));
        if (!(cfg.eta >= 0.0f && cfg.eta <= 1.0f))
            throw std::invalid_argument("ddpm_sampler::sample: DDIM eta must be in [0, 1], got " +
                                        std::to_string(cfg.eta));
    }
}

int plan_start_step(const model& m, const sampler_config& cfg, double noise_var)
{
    return cfg.type == sampler_type::PAPER ? m.T() - 1 : m.start_step(noise_var);
}

bool plan_linear_fallback(const model& m, const sampler_config& cfg, double noise_var)
{
    if (cfg.type == sampler_type::PAPER || !std::isfinite(noise_var) || noise_var < 0.0)
        return false;
    const double sd2 = noise_var / 2.0;
    const auto& L = m.levels();
    return sd2 < L.front() || sd2 > L.back();
}

double linear_mmse_gain(double noise_var) { return 1.0 / (1.0 + noise_var); }

bool plan_top_up(const sampler_config& cfg)
{
    return cfg.stochastic && cfg.top_up && cfg.type != sampler_type::PAPER;
}

step_plan make_step_plan(const std::vector<double>& betas,
                         const std::vector<double>& alpha_bar,
                         const sampler_config& cfg,
                         int k_start)
{
    check_sampler_config(cfg);
    if (k_start < 0 || size_t(k_start) >= betas.size() || alpha_bar.size() != betas.size())
        throw std::invalid_argument("make_step_plan: start step " + std::to_string(k_start) +
                                    " outside the schedule of " + std::to_string(betas.size()) +
                                    " steps");
    step_plan p;
    p.k_start = k_start;
    p.scaled_start = cfg.type != sampler_type::PAPER;
    switch (cfg.type) {
    case sampler_type::PAPER:
    case sampler_type::MATCHED:
        ddpm_chain(betas, alpha_bar, cfg.stochastic, k_start, p.steps);
        break;
    case sampler_type::DDIM:
        ddim_chain(alpha_bar, cfg, k_start, p.steps);
        break;
    }
    return p;
}

void start_state(const step_plan& p,
                 const model& m,
                 bool top_up,
                 double nv,
                 uint64_t key,
                 double& yr,
                 double& yi)
{
    if (!p.scaled_start)
        return;
    const size_t k = size_t(p.k_start);
    if (top_up) {
        // no top-up for an unknown (non-finite or negative) noise variance, as in
        // gnuradio.ddpm.reference
        const bool known = std::isfinite(nv) && nv >= 0.0;
        const double amp = known ? std::sqrt(std::max(m.levels()[k] - nv / 2.0, 0.0)) : 0.0;
        double zr, zi;
        rng::normal_pair(key, uint64_t(m.T()), zr, zi);
        yr += amp * zr;
        yi += amp * zi;
    }
    const double s = std::sqrt(m.alpha_bar()[k]);
    yr = s * yr;
    yi = s * yi;
}

} // namespace kernel
} // namespace ddpm
} // namespace gr
