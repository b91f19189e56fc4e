/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Placeholder: implemented with the C++ kernel.
#include <gnuradio/ddpm/ddpm_sampler.h>
#include <stdexcept>

namespace gr {
namespace ddpm {
namespace kernel {
struct ddpm_sampler::impl {
    model::sptr m;
    int threads;
};
ddpm_sampler::ddpm_sampler(model::sptr m, int threads) : d_impl(new impl{ m, threads }) {}
ddpm_sampler::~ddpm_sampler() = default;
const model::sptr& ddpm_sampler::get_model() const { return d_impl->m; }
int ddpm_sampler::threads() const { return d_impl->threads; }
void ddpm_sampler::set_threads(int threads) { d_impl->threads = threads; }
void ddpm_sampler::eps(const float*, const int64_t*, float*, size_t)
{
    throw std::logic_error("ddpm_sampler::eps not implemented yet");
}
size_t ddpm_sampler::sample(
    const gr_complex*, const float*, gr_complex*, size_t, uint64_t, const sampler_config&)
{
    throw std::logic_error("ddpm_sampler::sample not implemented yet");
}
} // namespace kernel
} // namespace ddpm
} // namespace gr
