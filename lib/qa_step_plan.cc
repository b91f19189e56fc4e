/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The step plan (lib/step_plan.cc) against the DDPM posterior and the DDIM update written out here
// independently, on a synthetic linear schedule; and the sampler name table (lib/sampler_type.cc).
#include "rng.h"
#include "step_plan.h"
#include <gnuradio/ddpm/sampler_type.h>
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

using namespace gr::ddpm::kernel;

namespace {

constexpr int T = 50;

void schedule(std::vector<double>& beta, std::vector<double>& ab)
{
    beta.clear();
    ab.clear();
    double prod = 1.0;
    for (int t = 0; t < T; t++) {
        beta.push_back(1e-4 + (0.05 - 1e-4) * t / (T - 1));
        prod *= 1.0 - beta.back();
        ab.push_back(prod);
    }
}

sampler_config config(sampler_type type, int steps = 10, float eta = 0.0f, bool stochastic = true)
{
    sampler_config c;
    c.type = type;
    c.steps = steps;
    c.eta = eta;
    c.stochastic = stochastic;
    return c;
}

void check_close(double a, double b, const std::string& what)
{
    BOOST_CHECK_MESSAGE(std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)),
                        what << ": " << a << " != " << b);
}

} // namespace

BOOST_AUTO_TEST_CASE(ddim_one_step_is_tweedie)
{
    std::vector<double> beta, ab;
    schedule(beta, ab);
    for (int k : { 0, 7, T - 1 }) {
        const auto p = make_step_plan(beta, ab, config(sampler_type::DDIM, 1), k);
        BOOST_REQUIRE_EQUAL(p.steps.size(), 1u);
        BOOST_CHECK(p.scaled_start);
        // x_0 = (x_k - sqrt(1 - abar_k) eps) / sqrt(abar_k)
        BOOST_CHECK_EQUAL(p.steps[0].t, k);
        check_close(p.steps[0].A, 1.0 / std::sqrt(ab[k]), "A");
        check_close(p.steps[0].B, -std::sqrt(1.0 - ab[k]) / std::sqrt(ab[k]), "B");
        check_close(p.steps[0].S, 0.0, "S");
    }
}

BOOST_AUTO_TEST_CASE(ddpm_chains_are_the_posterior)
{
    std::vector<double> beta, ab;
    schedule(beta, ab);
    for (auto type : { sampler_type::PAPER, sampler_type::MATCHED }) {
        for (bool stoch : { true, false }) {
            const int k = 20;
            const auto p = make_step_plan(beta, ab, config(type, 10, 0.0f, stoch), k);
            BOOST_CHECK_EQUAL(p.scaled_start, type == sampler_type::MATCHED);
            BOOST_REQUIRE_EQUAL(p.steps.size(), size_t(k + 1));
            for (int j = 0; j <= k; j++) {
                const int t = k - j;
                const auto& s = p.steps[size_t(j)];
                BOOST_CHECK_EQUAL(s.t, t);
                // mu = (x - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t), sigma_t^2 = beta_t
                const double alpha = 1.0 - beta[t];
                check_close(s.A, 1.0 / std::sqrt(alpha), "A");
                check_close(s.B, -beta[t] / (std::sqrt(1.0 - ab[t]) * std::sqrt(alpha)), "B");
                check_close(s.S, stoch && t > 0 ? std::sqrt(beta[t]) : 0.0, "S");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(ddim_steps_and_eta)
{
    std::vector<double> beta, ab;
    schedule(beta, ab);
    const int k = 30;
    const auto p = make_step_plan(beta, ab, config(sampler_type::DDIM, 4, 1.0f), k);
    const int tau[] = { 30, 20, 10, 0 };
    BOOST_REQUIRE_EQUAL(p.steps.size(), 4u);
    for (int i = 0; i < 4; i++) {
        const double at = ab[tau[i]], ap = i < 3 ? ab[tau[i + 1]] : 1.0;
        // eta = 1: sigma^2 = (1 - ap)/(1 - at) (1 - at/ap), the DDPM posterior variance over the jump
        const double sig2 = (1.0 - ap) / (1.0 - at) * (1.0 - at / ap);
        const double dir = std::sqrt(1.0 - ap - sig2);
        BOOST_CHECK_EQUAL(p.steps[size_t(i)].t, tau[i]);
        check_close(p.steps[size_t(i)].A, std::sqrt(ap / at), "A");
        check_close(p.steps[size_t(i)].B, dir - std::sqrt(ap * (1.0 - at) / at), "B");
        check_close(p.steps[size_t(i)].S, std::sqrt(sig2), "S");
    }
    // more steps than the chain has: one per step down to 0
    BOOST_CHECK_EQUAL(make_step_plan(beta, ab, config(sampler_type::DDIM, 100), 5).steps.size(), 6u);
}

BOOST_AUTO_TEST_CASE(step_plan_bad_arguments)
{
    std::vector<double> beta, ab;
    schedule(beta, ab);
    BOOST_CHECK_THROW(make_step_plan(beta, ab, config(sampler_type::MATCHED), T), std::invalid_argument);
    BOOST_CHECK_THROW(make_step_plan(beta, ab, config(sampler_type::MATCHED), -1), std::invalid_argument);
    BOOST_CHECK_THROW(make_step_plan(beta, ab, config(sampler_type::DDIM, 0), 3), std::invalid_argument);
    BOOST_CHECK_THROW(make_step_plan(beta, ab, config(sampler_type(3)), 3), std::invalid_argument);
    BOOST_CHECK(!plan_top_up(config(sampler_type::PAPER)));
    auto c = config(sampler_type::DDIM);
    c.top_up = true;
    BOOST_CHECK(plan_top_up(c));
    c.stochastic = false;
    BOOST_CHECK(!plan_top_up(c));
}

BOOST_AUTO_TEST_CASE(sampler_name_table)
{
    const std::vector<std::string> names = { "paper", "matched", "ddim" };
    BOOST_CHECK(sampler_names() == names);
    BOOST_CHECK_EQUAL(sampler_labels().size(), names.size());
    for (int i = 0; i < int(names.size()); i++) {
        const auto t = sampler_type(i);
        BOOST_CHECK_EQUAL(sampler_name(t), names[size_t(i)]);
        BOOST_CHECK(sampler_from_name(names[size_t(i)]) == t);
        BOOST_CHECK(sampler_from_int(i) == t);
    }
    BOOST_CHECK(sampler_from_name("DDIM") == sampler_type::DDIM);
    try {
        sampler_from_name("ddpm");
        BOOST_ERROR("no exception");
    } catch (const std::invalid_argument& e) {
        BOOST_CHECK_EQUAL(std::string(e.what()), "unknown sampler 'ddpm' (choose paper, matched or ddim)");
    }
    try {
        sampler_from_int(3, "denoiser_cc: sampler");
        BOOST_ERROR("no exception");
    } catch (const std::invalid_argument& e) {
        BOOST_CHECK_EQUAL(std::string(e.what()),
                          "denoiser_cc: sampler must be 0 (paper), 1 (matched) or 2 (ddim), got 3");
    }
    BOOST_CHECK_THROW(sampler_name(sampler_type(-1)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(start_states)
{
    auto m = gr::ddpm::model::load(std::string(DDPM_SOURCE_DIR) + "/tests/fixtures/tiny_h8_d2_t10.onnx");
    const int k = 4;
    const double L = m->levels()[k];
    for (auto type : { sampler_type::PAPER, sampler_type::MATCHED, sampler_type::DDIM }) {
        auto c = config(type);
        c.top_up = true;
        const auto p = make_step_plan(m->betas(), m->alpha_bar(), c, k);
        const double s = p.scaled_start ? std::sqrt(m->alpha_bar()[k]) : 1.0;
        // no top-up asked: x = s y
        double xr = 0.3, xi = -0.2;
        start_state(p, *m, false, 0.01, 99, xr, xi);
        check_close(xr, s * 0.3, "xr");
        check_close(xi, s * -0.2, "xi");
        // top-up: x = s (y + sqrt(L - nv/2) z), z the pair of counter T; none for an unknown noise
        double zr, zi;
        gr::ddpm::rng::normal_pair(99, uint64_t(m->T()), zr, zi);
        const double a = p.scaled_start ? std::sqrt(std::max(L - 0.01 / 2.0, 0.0)) : 0.0;
        xr = 0.3, xi = -0.2;
        start_state(p, *m, plan_top_up(c), 0.01, 99, xr, xi);
        check_close(xr, s * (0.3 + a * zr), "xr top-up");
        check_close(xi, s * (-0.2 + a * zi), "xi top-up");
        for (double nv : { -1.0, std::nan("") }) {
            xr = 0.3, xi = -0.2;
            start_state(p, *m, plan_top_up(c), nv, 99, xr, xi);
            check_close(xr, s * 0.3, "xr unknown nv");
        }
    }
}
