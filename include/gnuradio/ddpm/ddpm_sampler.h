/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_DDPM_SAMPLER_H
#define INCLUDED_DDPM_DDPM_SAMPLER_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/ddpm/model.h>
#include <gnuradio/ddpm/sampler_type.h>
#include <gnuradio/gr_complex.h>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace gr {
namespace ddpm {
namespace kernel {

/*!
 * \brief Thrown by ddpm_sampler::sample() and eps() when cancel() interrupted the call (Python:
 * RuntimeError); what() contains "cancelled".
 */
class DDPM_API sampler_cancelled : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

//! Settings of one sample() call; a batch uses one consistent set.
struct sampler_config {
    sampler_type type = sampler_type::MATCHED;
    int steps = 10;          //!< DDIM steps S >= 1 (ignored by PAPER/MATCHED)
    float eta = 0.0f;        //!< DDIM eta in [0, 1]
    bool stochastic = true;  //!< false: z = 0 in every update (deterministic chain)
    bool top_up = false;     //!< MATCHED/DDIM: add noise so the start level matches exactly
                             //!< (only when stochastic, and not for a non-finite/negative noise_var)
    uint64_t seed = 0;       //!< key of the counter-based generator
    float noise_var = 0.0f;  //!< complex noise variance (model units) when no per-sample array is given
    /*!
     * Optional: polled by the calling thread before every network step (and every 2 ms while other
     * workers finish); returning true makes this sample() call throw sampler_cancelled. The denoiser
     * passes boost::this_thread::interruption_requested, so top_block::stop() ends a long call.
     */
    std::function<bool()> interrupted;
};

/*!
 * \brief Batched DDPM/DDIM sampler over a gr-ddpm model; a plain class, no scheduler inside
 * (in the spirit of gr::filter::kernel::fir_filter).
 *
 * The batch is the SIMD dimension. Random numbers come from a counter-based generator keyed by
 * (seed, absolute sample index, step), so outputs are bit-identical whatever the batch size, the
 * split and the thread count.
 *
 * Thread safety: safe to share between threads. Calls of sample(), eps(), set_threads() and set_isa() on
 * one object are serialised by a mutex per object (a second caller waits; results are bit-identical to
 * single-threaded calls); use one object per thread for parallel calls. cancel() never waits: it may be
 * called from any thread while sample() runs, which then returns within one network step per worker
 * (docs/kernel.md).
 */
class DDPM_API ddpm_sampler
{
public:
    typedef std::shared_ptr<ddpm_sampler> sptr;

    /*!
     * \param m the model
     * \param threads worker threads splitting the batch; 0 = all cores (std::thread::hardware_concurrency)
     * Throws std::invalid_argument for a null model or threads < 0.
     */
    ddpm_sampler(model::sptr m, int threads = 0);
    ~ddpm_sampler();
    ddpm_sampler(const ddpm_sampler&) = delete;
    ddpm_sampler& operator=(const ddpm_sampler&) = delete;

    const model::sptr& get_model() const;

    /*!
     * Make the sample() or eps() call in progress, and every later one until clear_cancel(), throw
     * sampler_cancelled; the check is made before every network step of every tile, so the call returns
     * within one step (bounded by the model limits of docs/model-format.md). Thread-safe, never blocks.
     */
    void cancel();
    //! Allow sample() and eps() again after cancel().
    void clear_cancel();
    //! Whether cancel() was called and not cleared.
    bool cancelled() const;
    int threads() const;
    void set_threads(int threads);

    /*!
     * Instruction set of the forward pass: "avx512" (hand-blocked AVX-512F kernel), "avx2" (hand-blocked
     * AVX2 + FMA kernel) or "generic" (the portable C++ for the build's baseline). The
     * constructor picks the best the CPU has, unless the environment variable DDPM_KERNEL_ISA names
     * another supported one ("generic", "avx2", "avx512"). All give the same results to ~1e-6 relative;
     * within one ISA the output is bit-identical whatever the batch size, split and thread count.
     */
    std::string isa() const;
    //! "auto", "generic", "avx2" or "avx512"; throws std::invalid_argument for another name or an ISA
    //! this CPU lacks
    void set_isa(const std::string& isa);
    //! whether this CPU can run the AVX-512 kernel
    static bool cpu_has_avx512();
    //! whether this CPU can run the AVX2 + FMA build of the portable kernel
    static bool cpu_has_avx2();

    /*!
     * eps_theta for a batch: x [n, 2] float32 interleaved (I, Q), t [n] in 0..T-1, out [n, 2].
     * Throws std::out_of_range for t outside 0..T-1, sampler_cancelled after cancel().
     * Samples are evaluated in tiles of 48 lanes; each lane's result depends only on its own x and t.
     */
    void eps(const float* x, const int64_t* t, float* out, size_t n);

    /*!
     * Run the reverse process on \p n equalised observations \p in (model units).
     * \param noise_var per-sample complex noise variance (model units), or nullptr to use cfg.noise_var
     * \param first_index absolute index of in[0] in the stream (keys the random generator)
     * \return the number of non-finite input samples; their output is 0 + 0j and no other sample is
     *         affected
     * Throws std::invalid_argument for a bad cfg (DDIM steps < 1, eta not in [0, 1], unknown type),
     * sampler_cancelled when cancel() interrupted it (\p out is then partly written).
     * Samples whose noise level lies outside the schedule's range (matched and ddim samplers:
     * noise_var/2 below L_0 or above L_{T-1}) get the linear MMSE estimate y / (1 + noise_var) instead of
     * a chain (kernel::plan_linear_fallback, docs/sampling.md).
     * Samples with different start steps k* may share a batch (they are grouped by k* internally; the
     * output does not depend on the grouping). \p in and \p out may be the same array.
     */
    size_t sample(const gr_complex* in,
                  const float* noise_var,
                  gr_complex* out,
                  size_t n,
                  uint64_t first_index,
                  const sampler_config& cfg);

private:
    struct impl;
    std::unique_ptr<impl> d_impl;
};

} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_DDPM_SAMPLER_H */
