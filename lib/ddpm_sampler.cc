/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Batched DDPM / DDIM sampler (docs/sampling.md) over a gr-ddpm model.
//
// Layout: samples are processed in tiles of TILE = 48 lanes (the SIMD dimension). Each tile runs its whole
// reverse chain while its activations stay in L1/L2; the forward pass (net_fn) is either the AVX-512 kernel
// or the portable one. The update step, the start (SNR matching, top-up) and the ddpm-rng-v1 noise are done
// here per lane in float64 (cheap next to the 66,560 FLOP network evaluation).
//
// Per-sample start steps: active samples are sorted by start step k* (then index), so a tile nearly always
// holds one k*. Lanes with a shorter schedule wait (masked) until their schedule starts; schedules are
// aligned at their end so DDPM lanes in a tile share t at every iteration. A lane's arithmetic never depends
// on other lanes, so outputs are bit-identical whatever the batch composition, split or thread count.
#include "kernel_impl.h"
#include "rng.h"
#include "step_plan.h"
#include <gnuradio/ddpm/ddpm_sampler.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
#include <sys/types.h>
#include <unistd.h>

namespace gr {
namespace ddpm {
namespace kernel {

using detail::fbuf;
using detail::TILE;

namespace {

enum class isa_kind { GENERIC, AVX2, AVX512 };

//! the lanes of one tile of sample(): each lane's state, chain, random key and sample index
struct tile_lanes {
    double xr[TILE], xi[TILE];
    uint64_t key[TILE];
    const sched_step* ls[TILE];
    int len[TILE];
    size_t idx[TILE];
    int J = 0; //!< the longest chain (iterations of the tile)
};

int hw_threads()
{
    unsigned n = std::thread::hardware_concurrency();
    return n ? int(n) : 1;
}

} // namespace

namespace {

//! Persistent helper threads of one sampler object (workers 1 .. n; the calling thread is worker 0).
struct worker_pool {
    const pid_t pid = ::getpid(); //!< the process whose threads these are (see fork handling in impl)
    std::vector<std::thread> threads;
    std::mutex m;
    std::condition_variable cv;       //!< helpers wait here for a new generation or shutdown
    std::condition_variable done_cv;  //!< the caller waits here for pending == 0
    std::atomic<uint64_t> generation{ 0 }; //!< bumped (under m) for every job
    const std::function<void(int)>* job = nullptr; //!< the job of the current generation
    int participants = 0;             //!< helpers 1 .. participants run the current job
    int pending = 0;                  //!< participants not finished yet (under m)
    bool shutdown = false;
    std::exception_ptr error;         //!< first exception thrown by a helper's job

    void loop(int k)
    {
        uint64_t seen = 0;
        for (;;) {
            // a short spin first: back-to-back calls (short chains, small batches) skip the futex
            for (int spin = 0; spin < 2000 && generation.load(std::memory_order_acquire) == seen; spin++) {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            }
            const std::function<void(int)>* fn = nullptr;
            {
                std::unique_lock<std::mutex> lock(m);
                cv.wait(lock, [&] { return shutdown || generation.load() != seen; });
                if (shutdown)
                    return;
                seen = generation.load();
                if (k > participants)
                    continue;
                fn = job;
            }
            try {
                (*fn)(k);
            } catch (...) {
                std::lock_guard<std::mutex> lock(m);
                if (!error)
                    error = std::current_exception();
            }
            {
                std::lock_guard<std::mutex> lock(m);
                if (--pending == 0)
                    done_cv.notify_all();
            }
        }
    }

    //! make sure n helper threads exist; returns how many do (fewer if the system refuses threads)
    int ensure(int n)
    {
        while (int(threads.size()) < n) {
            try {
                const int k = int(threads.size()) + 1;
                threads.emplace_back([this, k] { loop(k); });
            } catch (const std::system_error&) {
                break; // no more threads available: fewer workers share all tiles anyway
            }
        }
        return std::min(n, int(threads.size()));
    }

    ~worker_pool()
    {
        {
            std::lock_guard<std::mutex> lock(m);
            shutdown = true;
        }
        cv.notify_all();
        for (auto& th : threads)
            th.join();
    }
};

} // namespace

struct ddpm_sampler::impl {
    model::sptr m;
    std::mutex call_mutex;             //!< serialises sample(), eps(), set_threads(), set_isa()
    std::atomic<bool> cancel{ false }; //!< set by cancel(): running chains stop at their next step
    std::atomic<bool> abort_call{ false }; //!< this call only: cfg.interrupted() returned true
    const std::function<bool()>* poll = nullptr; //!< cfg.interrupted of the call in progress (caller only)
    int threads = 0;
    isa_kind isa = isa_kind::GENERIC;
    detail::net_fn net = detail::net_tile_generic;

    // packed network (see detail::packed_net)
    detail::packed_net P;
    fbuf w0, wout;
    std::vector<std::unique_ptr<fbuf>> w, b, g;
    std::vector<const float*> wp, bp, gp;

    // per-worker scratch: forward-pass scratch
    std::vector<std::unique_ptr<fbuf>> scratch;

    void pack()
    {
        const model& M = *m;
        const int H = M.hidden(), D = M.depth(), T = M.T();
        const int Hp = (H + detail::RB - 1) / detail::RB * detail::RB;
        P.H = H;
        P.Hp = Hp;
        P.D = D;
        P.T = T;
        w0.resize(size_t(Hp) * 2);
        for (int o = 0; o < H; o++) {
            w0.p[2 * o] = M.weight(0)[2 * o];
            w0.p[2 * o + 1] = M.weight(0)[2 * o + 1];
        }
        w.clear();
        b.clear();
        g.clear();
        for (int l = 0; l < D; l++) {
            w.emplace_back(new fbuf(l == 0 ? 1 : size_t(Hp) * Hp));
            b.emplace_back(new fbuf(Hp));
            g.emplace_back(new fbuf(size_t(T) * Hp));
            const auto& bias = M.bias(l);
            const auto& emb = M.embedding(l);
            for (int o = 0; o < H; o++)
                b[l]->p[o] = bias[o];
            for (int t = 0; t < T; t++)
                for (int o = 0; o < H; o++)
                    g[l]->p[size_t(t) * Hp + o] = emb[size_t(t) * H + o];
            if (l > 0) {
                const auto& W = M.weight(l); // [H out][H in]
                float* dst = w[l]->p;        // [Hp/RB][Hp in][RB]
                for (int o = 0; o < H; o++)
                    for (int i = 0; i < H; i++)
                        dst[(size_t(o / detail::RB) * Hp + i) * detail::RB + o % detail::RB] =
                            W[size_t(o) * H + i];
            }
        }
        wout.resize(size_t(2) * Hp);
        for (int c = 0; c < 2; c++)
            for (int o = 0; o < H; o++)
                wout.p[size_t(c) * Hp + o] = M.out_weight()[size_t(c) * H + o];
        wp.clear();
        bp.clear();
        gp.clear();
        for (int l = 0; l < D; l++) {
            wp.push_back(w[l]->p);
            bp.push_back(b[l]->p);
            gp.push_back(g[l]->p);
        }
        P.w0 = w0.p;
        P.w = wp.data();
        P.b = bp.data();
        P.g = gp.data();
        P.wout = wout.p;
        P.bout[0] = M.out_bias()[0];
        P.bout[1] = M.out_bias()[1];
    }

    int nworkers(size_t ntiles) const
    {
        int nt = threads > 0 ? threads : hw_threads();
        if (size_t(nt) > ntiles)
            nt = int(ntiles);
        return nt < 1 ? 1 : nt;
    }

    float* worker_scratch(int k) { return scratch[size_t(k)]->p; }

    bool cancelled() const
    {
        return cancel.load(std::memory_order_relaxed) || abort_call.load(std::memory_order_relaxed);
    }
    //! cancelled(), and on the calling thread (worker 0) also cfg.interrupted()
    bool stop_requested(int worker)
    {
        if (cancelled())
            return true;
        if (worker == 0 && poll && *poll && (*poll)()) {
            abort_call.store(true);
            return true;
        }
        return false;
    }

    //! run every lane's chain to its end; chains are aligned at their end (a shorter one waits).
    //! Returns false, leaving the lanes part-way, when cancel() was called.
    bool run_chains(tile_lanes& L, float* scr, int worker)
    {
        alignas(64) float xt[2 * TILE];
        alignas(64) float et[2 * TILE];
        alignas(64) int32_t tt[TILE];
        const int J = L.J;
        for (int j = 0; j < J; j++) {
            if (stop_requested(worker))
                return false;
            // step of each lane at iteration j; idle lanes copy a live t
            int32_t tlive = -1;
            bool uniform = true;
            for (int b = 0; b < TILE; b++) {
                const int jj = j - (J - L.len[b]);
                if (jj >= 0) {
                    tt[b] = L.ls[b][jj].t;
                    if (tlive < 0)
                        tlive = tt[b];
                    else if (tt[b] != tlive)
                        uniform = false;
                } else {
                    tt[b] = -1;
                }
                xt[b] = float(L.xr[b]);
                xt[TILE + b] = float(L.xi[b]);
            }
            for (int b = 0; b < TILE; b++)
                if (tt[b] < 0)
                    tt[b] = tlive;
            net(P, xt, tt, uniform, et, scr);
            for (int b = 0; b < TILE; b++) {
                const int jj = j - (J - L.len[b]);
                if (jj < 0)
                    continue;
                const sched_step& s = L.ls[b][jj];
                double nr = s.A * L.xr[b] + s.B * double(et[b]);
                double ni = s.A * L.xi[b] + s.B * double(et[TILE + b]);
                if (s.S != 0.0) {
                    float zr, zi;
                    rng::normal_pair_f(L.key[b], uint64_t(s.t), zr, zi);
                    nr += s.S * double(zr);
                    ni += s.S * double(zi);
                }
                L.xr[b] = nr;
                L.xi[b] = ni;
            }
        }
        return true;
    }

    void ensure_scratch(int nw)
    {
        while (scratch.size() < size_t(nw))
            scratch.emplace_back(new fbuf(detail::scratch_floats(P.Hp)));
    }

    // ---- persistent worker pool (worker_pool, below the anonymous namespace): threads started once
    // (lazily, as many as a call needs) and reused by every later call; the calling thread is worker 0.
    // Calls are serialised by call_mutex, so one job at a time. Joined in ~worker_pool().
    std::unique_ptr<worker_pool> pool{ new worker_pool };

    ~impl()
    {
        // a child process after fork() has none of the parent's pool threads: leave them alone there
        if (pool && pool->pid != ::getpid())
            (void)pool.release();
    }

    //! run job(tile, worker) for every tile, tiles handed out dynamically to nw workers
    template <typename F>
    void parallel_tiles(size_t ntiles, F&& job)
    {
        const int nw = nworkers(ntiles);
        ensure_scratch(nw);
        if (nw == 1) {
            for (size_t i = 0; i < ntiles && !stop_requested(0); i++)
                job(i, 0);
            return;
        }
        std::atomic<size_t> next(0);
        const std::function<void(int)> worker = [&](int k) {
            for (;;) {
                size_t i = next.fetch_add(1, std::memory_order_relaxed);
                if (i >= ntiles || stop_requested(k))
                    break;
                job(i, k);
            }
        };
        if (pool->pid != ::getpid()) {
            // forked child: the parent's threads do not exist here; leak the old pool (its mutex and
            // condition variables may hold the state of threads that are gone) and start a new one
            (void)pool.release();
            pool.reset(new worker_pool);
        }
        worker_pool& W = *pool;
        const int helpers = W.ensure(nw - 1);
        {
            std::lock_guard<std::mutex> lock(W.m);
            W.job = &worker;
            W.participants = helpers;
            W.pending = helpers;
            W.error = nullptr;
            W.generation.fetch_add(1, std::memory_order_release);
        }
        W.cv.notify_all();
        std::exception_ptr mine;
        try {
            worker(0);
        } catch (...) {
            mine = std::current_exception();
            abort_call.store(true); // the helpers stop at their next tile
        }
        // wait for the helpers; the calling thread keeps polling cfg.interrupted every 2 ms meanwhile
        {
            std::unique_lock<std::mutex> lock(W.m);
            while (W.pending > 0) {
                if (poll && *poll && !cancelled()) {
                    lock.unlock();
                    stop_requested(0);
                    lock.lock();
                    W.done_cv.wait_for(lock, std::chrono::milliseconds(2), [&] { return W.pending == 0; });
                } else {
                    W.done_cv.wait(lock, [&] { return W.pending == 0; });
                }
            }
            W.job = nullptr;
            if (!mine)
                mine = W.error;
            W.error = nullptr;
        }
        if (mine)
            std::rethrow_exception(mine);
    }
};

bool ddpm_sampler::cpu_has_avx512() { return detail::cpu_has_avx512(); }

ddpm_sampler::ddpm_sampler(model::sptr m, int threads) : d_impl(new impl)
{
    if (!m)
        throw std::invalid_argument("ddpm_sampler: null model");
    if (threads < 0)
        throw std::invalid_argument("ddpm_sampler: threads must be >= 0 (0 = all cores), got " +
                                    std::to_string(threads));
    d_impl->m = m;
    d_impl->threads = threads;
    d_impl->pack();
    const char* env = std::getenv("DDPM_KERNEL_ISA");
    std::string want = env ? env : "auto";
    if ((want != "generic" && want != "avx2" && want != "avx512") ||
        (want == "avx512" && !detail::cpu_has_avx512()) || (want == "avx2" && !detail::cpu_has_avx2()))
        want = "auto"; // unknown or unsupported value: ignored
    set_isa(want);
}

ddpm_sampler::~ddpm_sampler() = default;

const model::sptr& ddpm_sampler::get_model() const { return d_impl->m; }
void ddpm_sampler::cancel() { d_impl->cancel.store(true); }
void ddpm_sampler::clear_cancel() { d_impl->cancel.store(false); }
bool ddpm_sampler::cancelled() const { return d_impl->cancel.load(); }
int ddpm_sampler::threads() const { return d_impl->threads; }
void ddpm_sampler::set_threads(int threads)
{
    if (threads < 0)
        throw std::invalid_argument("ddpm_sampler: threads must be >= 0 (0 = all cores), got " +
                                    std::to_string(threads));
    std::lock_guard<std::mutex> lock(d_impl->call_mutex);
    d_impl->threads = threads;
}

std::string ddpm_sampler::isa() const
{
    switch (d_impl->isa) {
    case isa_kind::AVX512:
        return "avx512";
    case isa_kind::AVX2:
        return "avx2";
    default:
        return "generic";
    }
}

void ddpm_sampler::set_isa(const std::string& isa)
{
    const bool avx512 = detail::cpu_has_avx512();
    const bool avx2 = detail::cpu_has_avx2();
    std::lock_guard<std::mutex> lock(d_impl->call_mutex);
    std::string want = isa;
    if (want == "auto")
        want = avx512 ? "avx512" : (avx2 ? "avx2" : "generic");
    if (want == "generic") {
        d_impl->isa = isa_kind::GENERIC;
        d_impl->net = detail::net_tile_generic;
    } else if (want == "avx2") {
        if (!avx2)
            throw std::invalid_argument("ddpm_sampler: this CPU has no AVX2/FMA");
        d_impl->isa = isa_kind::AVX2;
        d_impl->net = detail::net_tile_avx2;
    } else if (want == "avx512") {
        if (!avx512)
            throw std::invalid_argument("ddpm_sampler: this CPU has no AVX-512F");
        d_impl->isa = isa_kind::AVX512;
        d_impl->net = detail::net_tile_avx512;
    } else {
        throw std::invalid_argument("ddpm_sampler: unknown isa '" + isa +
                                    "' (choose auto, generic, avx2 or avx512)");
    }
}

bool ddpm_sampler::cpu_has_avx2() { return detail::cpu_has_avx2(); }

void ddpm_sampler::eps(const float* x, const int64_t* t, float* out, size_t n)
{
    impl& I = *d_impl;
    std::lock_guard<std::mutex> lock(I.call_mutex);
    I.abort_call.store(false);
    I.poll = nullptr;
    const int T = I.P.T;
    for (size_t i = 0; i < n; i++)
        if (t[i] < 0 || t[i] >= T)
            throw std::out_of_range("ddpm_sampler::eps: t[" + std::to_string(i) +
                                    "] = " + std::to_string(t[i]) + " is outside 0.." +
                                    std::to_string(T - 1));
    const size_t ntiles = (n + TILE - 1) / TILE;
    I.parallel_tiles(ntiles, [&](size_t tile, int k) {
        alignas(64) float xt[2 * TILE];
        alignas(64) float et[2 * TILE];
        alignas(64) int32_t tt[TILE];
        const size_t i0 = tile * TILE;
        const size_t cnt = std::min<size_t>(TILE, n - i0);
        bool uniform = true;
        for (size_t b = 0; b < size_t(TILE); b++) {
            if (b < cnt) {
                xt[b] = x[2 * (i0 + b)];
                xt[TILE + b] = x[2 * (i0 + b) + 1];
                tt[b] = int32_t(t[i0 + b]);
                uniform = uniform && tt[b] == tt[0];
            } else {
                xt[b] = xt[TILE + b] = 0.0f;
                tt[b] = tt[0];
            }
        }
        if (I.stop_requested(k))
            return;
        I.net(I.P, xt, tt, uniform, et, I.worker_scratch(k));
        for (size_t b = 0; b < cnt; b++) {
            out[2 * (i0 + b)] = et[b];
            out[2 * (i0 + b) + 1] = et[TILE + b];
        }
    });
    if (I.cancelled())
        throw sampler_cancelled("ddpm_sampler::eps: cancelled");
}

size_t ddpm_sampler::sample(const gr_complex* in,
                            const float* noise_var,
                            gr_complex* out,
                            size_t n,
                            uint64_t first_index,
                            const sampler_config& cfg)
{
    impl& I = *d_impl;
    std::lock_guard<std::mutex> lock(I.call_mutex);
    I.abort_call.store(false);
    I.poll = &cfg.interrupted;
    struct poll_reset {
        impl& I;
        ~poll_reset() { I.poll = nullptr; }
    } poll_guard{ I };
    const model& M = *I.m;
    const int T = M.T();
    const auto& ab = M.alpha_bar();
    const auto& beta = M.betas();

    check_sampler_config(cfg);
    if (n > size_t(UINT32_MAX))
        throw std::invalid_argument("ddpm_sampler::sample: batch too large (more than 2^32 - 1 samples)");
    const bool top_up = plan_top_up(cfg);

    // 1. start step per sample; non-finite inputs -> 0 and excluded; a noise level outside the
    //    schedule's range -> the linear MMSE estimate (step_plan.h), also excluded from the chains
    std::vector<int32_t> kstar(n);
    std::vector<uint32_t> count_k(size_t(T), 0);
    size_t nonfinite = 0, nlinear = 0;
    // The start plan (a step k, or -2 for the linear-MMSE fallback) is a function of the noise variance
    // only: a stream usually has long runs of one value (one SNR per segment between tags), so the last
    // (bit pattern -> plan) is reused; the same bits give the same double and the same plan.
    auto plan_of = [&](double nv) { return plan_linear_fallback(M, cfg, nv) ? -2 : plan_start_step(M, cfg, nv); };
    const int k_scalar = noise_var ? -1 : plan_of(double(cfg.noise_var));
    uint32_t nv_bits_last = 0;
    bool have_last = false;
    int k_last = -1;
    for (size_t i = 0; i < n; i++) {
        const float yr = in[i].real(), yi = in[i].imag();
        if (!std::isfinite(yr) || !std::isfinite(yi)) {
            kstar[i] = -1;
            nonfinite++;
            continue;
        }
        int k = k_scalar;
        if (noise_var) {
            uint32_t bits;
            std::memcpy(&bits, &noise_var[i], sizeof bits);
            if (!have_last || bits != nv_bits_last) {
                k_last = plan_of(double(noise_var[i]));
                nv_bits_last = bits;
                have_last = true;
            }
            k = k_last;
        }
        if (k == -2) {
            const double nv_i = noise_var ? double(noise_var[i]) : double(cfg.noise_var);
            const double g = linear_mmse_gain(nv_i);
            kstar[i] = -2;
            nlinear++;
            out[i] = gr_complex(float(g * double(yr)), float(g * double(yi)));
            continue;
        }
        kstar[i] = k;
        count_k[size_t(k)]++;
    }
    // 2. sort active samples by k* descending (then by index): counting sort
    std::vector<size_t> start(size_t(T) + 1, 0);
    for (int k = T - 1, pos = 0; k >= 0; k--) {
        start[size_t(k)] = size_t(pos);
        pos += int(count_k[size_t(k)]);
    }
    const size_t nact = n - nonfinite - nlinear;
    std::vector<uint32_t> order(nact);
    {
        std::vector<size_t> fill(start.begin(), start.end());
        for (size_t i = 0; i < n; i++)
            if (kstar[i] >= 0)
                order[fill[size_t(kstar[i])]++] = uint32_t(i);
    }
    for (size_t i = 0; i < n; i++)
        if (kstar[i] == -1)
            out[i] = gr_complex(0.0f, 0.0f);

    // 3. the chain of every start step in use (step_plan.cc). A DDPM chain from k is the tail of the
    //    chain from the largest k in use (its coefficients depend on t only): one table, O(T) memory
    //    however many start steps are in use.
    std::vector<step_plan> sched(static_cast<size_t>(T));
    std::vector<const sched_step*> chain(static_cast<size_t>(T), nullptr);
    std::vector<int> chain_len(static_cast<size_t>(T), 0);
    step_plan full;
    if (cfg.type != sampler_type::DDIM) {
        int kmax = -1;
        for (int k = T - 1; k >= 0 && kmax < 0; k--)
            if (count_k[size_t(k)])
                kmax = k;
        if (kmax >= 0)
            full = make_step_plan(beta, ab, cfg, kmax);
        for (int k = 0; k <= kmax; k++)
            if (count_k[size_t(k)]) {
                sched[size_t(k)].k_start = k;
                sched[size_t(k)].scaled_start = full.scaled_start;
                chain[size_t(k)] = full.steps.data() + (kmax - k);
                chain_len[size_t(k)] = k + 1;
            }
    } else {
        for (int k = 0; k < T; k++)
            if (count_k[size_t(k)]) {
                sched[size_t(k)] = make_step_plan(beta, ab, cfg, k);
                chain[size_t(k)] = sched[size_t(k)].steps.data();
                chain_len[size_t(k)] = int(sched[size_t(k)].steps.size());
            }
    }

    // A lane's random key is used only by a noisy update (S != 0) or the top-up noise; deterministic
    // chains (e.g. the default one DDIM step with eta = 0) skip computing it (no result changes).
    bool needs_key = top_up;
    for (int k = 0; k < T && !needs_key; k++)
        for (int j = 0; j < chain_len[size_t(k)] && !needs_key; j++)
            needs_key = chain[size_t(k)][j].S != 0.0;

    // 4. tiles over the sorted samples
    const size_t ntiles = (nact + TILE - 1) / TILE;
    const uint64_t seed = cfg.seed;
    const float cfg_nv = cfg.noise_var;
    I.parallel_tiles(ntiles, [&](size_t tile, int wk) {
        tile_lanes L;
        const size_t i0 = tile * TILE;
        const size_t cnt = std::min<size_t>(TILE, nact - i0);
        for (size_t b = 0; b < size_t(TILE); b++) {
            if (b >= cnt) {
                L.idx[b] = 0;
                L.ls[b] = nullptr;
                L.len[b] = 0;
                L.key[b] = 0;
                L.xr[b] = L.xi[b] = 0.0;
                continue;
            }
            const size_t i = order[i0 + b];
            const step_plan& p = sched[size_t(kstar[i])];
            L.idx[b] = i;
            L.ls[b] = chain[size_t(kstar[i])];
            L.len[b] = chain_len[size_t(kstar[i])];
            L.key[b] = needs_key ? rng::sample_key(seed, first_index + uint64_t(i)) : 0;
            L.xr[b] = in[i].real();
            L.xi[b] = in[i].imag();
            start_state(p, M, top_up, noise_var ? double(noise_var[i]) : double(cfg_nv), L.key[b],
                        L.xr[b], L.xi[b]);
            L.J = std::max(L.J, L.len[b]);
        }
        if (!I.run_chains(L, I.worker_scratch(wk), wk))
            return;
        for (size_t b = 0; b < cnt; b++)
            out[L.idx[b]] = gr_complex(float(L.xr[b]), float(L.xi[b]));
    });
    if (I.cancelled())
        throw sampler_cancelled("ddpm_sampler::sample: cancelled");
    return nonfinite;
}

} // namespace kernel
} // namespace ddpm
} // namespace gr
