#!/usr/bin/env python
"""Benchmark of the C++ sampling kernel against ONNX Runtime and torch eager (not a test; `make bench`).

In one run, interleaved and repeated (medians; the machine may be shared and noisy):
  * practical fp32 peaks: an FMA-port microbenchmark (a small C++ program compiled here with g++) and a
    2048^3 SGEMM through torch.mm, each with 1 and 2 threads;
  * complex samples/s of a full T-step DDPM chain (the 'paper' sampler, every step) at several batch sizes for
    our kernel (gnuradio.ddpm.ddpm_sampler), ONNX Runtime with one session run per step (the model file's
    graph: softplus as Relu - Log(Sigmoid(Abs))), and torch eager, each with 1 and 2 threads;
  * each rate also as GFLOP/s and as % of the same-run SGEMM peak with the same thread count
    (66,560 FLOP per sample-step for the 2-128-128-128-2 network; computed from the model's size).

Usage: bench/bench_kernel.py [--quick] [--batches 256,1024] [--reps 3] [--threads 1,2] [--model PATH]
                             [--impls kernel,ort,torch] [--isa all|auto|generic|avx2|avx512[,...]]
--isa all (default): the kernel once per ISA this CPU has (generic, avx2, avx512), interleaved in one run.
Without --model: models/qam16.onnx when present, else a random-weight H=128, D=3, T=100 model.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FMA_SRC = r"""
#include <immintrin.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>
// Independent FMA chains (more than latency x ports) per thread; prints GFLOP/s over all threads.
#ifdef __AVX512F__
typedef __m512 V; static inline V fma_(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
static inline V set1(float x) { return _mm512_set1_ps(x); }
static inline float first(V v) { return _mm512_reduce_add_ps(v); }
constexpr int W = 16;
#else
typedef __m256 V; static inline V fma_(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
static inline V set1(float x) { return _mm256_set1_ps(x); }
static inline float first(V v) { float f[8]; _mm256_storeu_ps(f, v); return f[0]; }
constexpr int W = 8;
#endif
constexpr int K = 16;
static float work(long iters) {
    V a[K]; V b = set1(0.9999999f), c = set1(1e-7f);
    for (int k = 0; k < K; k++) a[k] = set1(float(k));
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 16
        for (int k = 0; k < K; k++) a[k] = fma_(a[k], b, c);
    }
    float s = 0; for (int k = 0; k < K; k++) s += first(a[k]);
    return s;
}
int main(int argc, char** argv) {
    int nt = argc > 1 ? atoi(argv[1]) : 1; long iters = argc > 2 ? atol(argv[2]) : 100000000L;
    std::vector<std::thread> th; std::vector<float> sink(nt);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < nt; i++) th.emplace_back([&, i] { sink[i] = work(iters); });
    for (auto& t : th) t.join();
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    printf("%.3f %g\n", 2.0 * W * K * double(iters) * nt / dt / 1e9, double(sink[0]));
    return 0;
}
"""


def build_fma(tmp):
    """Compile the FMA probe; returns the executable path or None without g++."""
    gxx = shutil.which("g++")
    if not gxx:
        return None
    src = os.path.join(tmp, "fma.cc")
    exe = os.path.join(tmp, "fma")
    with open(src, "w") as f:
        f.write(FMA_SRC)
    flags = ["-O3", "-std=c++17", "-pthread"]
    with open("/proc/cpuinfo") as f:
        info = f.read()
    flags += ["-mavx512f", "-mfma"] if " avx512f" in info else ["-mavx2", "-mfma"]
    subprocess.run([gxx, *flags, src, "-o", exe], check=True)
    return exe


def fma_peak(exe, threads, seconds=0.4):
    """GFLOP/s of the FMA probe with `threads` threads (about `seconds` long)."""
    iters = 20_000_000
    out = subprocess.run([exe, str(threads), str(iters)], capture_output=True, text=True, check=True)
    g = float(out.stdout.split()[0])
    # scale the iteration count to the wanted duration, then measure
    iters = max(1_000_000, int(iters * seconds / max(2.0 * 16 * 16 * iters * threads / g / 1e9, 1e-3)))
    out = subprocess.run([exe, str(threads), str(iters)], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])


def sgemm_peak(torch, threads, n=2048, reps=3):
    """Best GFLOP/s of torch.mm on n x n float32 over `reps` runs."""
    torch.set_num_threads(threads)
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    torch.mm(a, b)
    best = 0.0
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2.0 * n ** 3 / (time.perf_counter() - t0) / 1e9)
    return best


class OrtChain:
    """ONNX Runtime, one session run per step, DDPM update in numpy float32."""

    def __init__(self, path, betas, threads):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        self.coef = _coefs(betas)

    def run(self, y):
        x = np.stack([y.real, y.imag], 1).astype(np.float32)
        n = x.shape[0]
        for t in range(len(self.coef) - 1, -1, -1):
            a, b = self.coef[t]
            e = self.sess.run(["eps"], {"x": x, "t": np.full(n, t, np.int64)})[0]
            x = a * x + b * e
        return x


class TorchChain:
    """torch eager: Linear + softplus + embedding row per layer, DDPM update in torch."""

    def __init__(self, torch, m, threads):
        self.torch = torch
        self.threads = threads
        tt = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
        self.W = [tt(m.weight(l)) for l in range(m.depth)]
        self.b = [tt(m.bias(l)) for l in range(m.depth)]
        self.g = [tt(m.embedding(l)) for l in range(m.depth)]
        self.Wo, self.bo = tt(m.out_weight), tt(m.out_bias)
        self.coef = _coefs(m.betas)

    def run(self, y):
        torch = self.torch
        F = torch.nn.functional
        torch.set_num_threads(self.threads)
        with torch.inference_mode():
            x = torch.from_numpy(np.stack([y.real, y.imag], 1).astype(np.float32))
            T = len(self.coef)
            for t in range(T - 1, -1, -1):
                h = x
                for l in range(len(self.W)):
                    h = F.softplus(F.linear(h, self.W[l], self.b[l])) * self.g[l][t]
                e = F.linear(h, self.Wo, self.bo)
                a, b = self.coef[t]
                x = a * x + b * e
        return x.numpy()


def _coefs(betas):
    """Deterministic DDPM update x <- a x + b eps per step t (float32 scalars) [T] of (a, b)."""
    betas = np.asarray(betas, np.float64)
    ab = np.cumprod(1 - betas)
    return [(np.float32(1 / np.sqrt(1 - bt)), np.float32(-bt / np.sqrt(1 - a) / np.sqrt(1 - bt)))
            for bt, a in zip(betas, ab)]


def timed(fn):
    """(wall seconds, CPU seconds of the calling thread). With 1 thread every implementation here computes
    in the calling thread, so the CPU time is robust against other processes sharing the cores."""
    c0, t0 = time.thread_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.thread_time() - c0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="batches 256,1024, 2 repeats")
    ap.add_argument("--batches", default="256,1024,4096,16384")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--impls", default="kernel,ort,torch")
    ap.add_argument("--model", default=None)
    ap.add_argument("--isa", default="all")
    args = ap.parse_args(argv)
    if args.quick:
        args.batches, args.reps = "256,1024", 2
    batches = [int(b) for b in args.batches.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    impls = args.impls.split(",")

    from gnuradio import ddpm
    tmp = tempfile.mkdtemp(prefix="ddpm-bench-")
    path = args.model or os.path.join(ROOT, "models", "qam16.onnx")
    if not os.path.exists(path):
        sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
        import ddpm_fixtures as fx
        path = fx.write(os.path.join(tmp, "random_h128.onnx"), fx.valid_model(H=128, D=3, T=100, seed=3)[0])
    m = ddpm.model.load(path)
    H, D, T = m.hidden, m.depth, m.T
    flop = 2 * (2 * H + (D - 1) * H * H + 2 * H)  # multiply-adds of the network, per sample-step
    print(f"model: {path}  (H={H}, D={D}, T={T}: {flop} FLOP per sample-step)")
    print(f"CPU: {os.cpu_count()} logical cores, load average {os.getloadavg()[0]:.2f} at start "
          f"(other processes share the machine: compare numbers within this run only)")

    try:
        import torch
    except ImportError:
        torch = None
        impls = [i for i in impls if i != "torch"]

    # ---- peaks (interleaved, repeated) ----
    exe = build_fma(tmp)
    fma = {t: [] for t in threads}
    sg = {t: [] for t in threads}
    for _ in range(max(args.reps, 3)):
        for t in threads:
            if exe:
                fma[t].append(fma_peak(exe, t))
            if torch is not None:
                sg[t].append(sgemm_peak(torch, t))
    print("\npractical fp32 peaks, GFLOP/s (median / best)")
    print(f"{'probe':<28}" + "".join(f"{f'{t} thread' + ('s' if t > 1 else ''):>16}" for t in threads))
    if exe:
        print(f"{'FMA microbenchmark':<28}" + "".join(
            f"{statistics.median(fma[t]):>8.0f} / {max(fma[t]):<5.0f}" for t in threads))
    if torch is not None:
        print(f"{'torch.mm SGEMM 2048^3':<28}" + "".join(
            f"{statistics.median(sg[t]):>8.0f} / {max(sg[t]):<5.0f}" for t in threads))
    peak = {t: (statistics.median(sg[t]) if sg[t] else statistics.median(fma[t])) for t in threads}

    # ---- chains ----
    present = ["generic"] + (["avx2"] if ddpm.ddpm_sampler.cpu_has_avx2() else []) + \
        (["avx512"] if ddpm.ddpm_sampler.cpu_has_avx512() else [])
    if args.isa == "all":
        isas = present
    elif args.isa == "auto":
        isas = [ddpm.ddpm_sampler(m, threads=1).isa]
    else:
        isas = [i for i in args.isa.split(",") if i in present]
    kimpls = [f"kernel:{i}" for i in isas] if "kernel" in impls else []
    fimpls = [i for i in impls if i != "kernel"]
    impls = kimpls + fimpls
    runners = {}
    for t in threads:
        for ki in kimpls:
            s = ddpm.ddpm_sampler(m, threads=t)
            s.isa = ki.split(":")[1]
            runners[(ki, t)] = lambda y, s=s: s.sample(y, 0.0, sampler="paper", stochastic=False)
        if "ort" in impls:
            runners[("ort", t)] = OrtChain(path, m.betas, t).run
        if "torch" in impls:
            runners[("torch", t)] = TorchChain(torch, m, t).run
    rng = np.random.default_rng(0)
    ys = {n: (rng.normal(size=n) + 1j * rng.normal(size=n)).astype(np.complex64) for n in batches}
    for key, fn in runners.items():  # warm-up
        fn(ys[batches[0]][:64])
    res, res_cpu = {}, {}
    for rep in range(args.reps):
        for n in batches:
            for key, fn in runners.items():
                dt, cpu = timed(lambda: fn(ys[n]))
                res.setdefault((key, n), []).append(n / dt)
                if key[1] == 1:
                    res_cpu.setdefault((key, n), []).append(n / max(cpu, 1e-9))
        print(f"  repeat {rep + 1}/{args.reps} done", file=sys.stderr)

    names = {"ort": "ONNX Runtime, run per step", "torch": "torch eager"}
    names.update({ki: f"C++ kernel ({ki.split(':')[1]})" for ki in kimpls})
    print(f"\nfull T={T} chain, complex samples/s (median of {args.reps}); "
          f"[GFLOP/s, % of the same-run SGEMM median, same thread count]")
    print(f"{'implementation':<32}{'thr':>4}" + "".join(f"{n:>26}" for n in batches))
    for t in threads:
        for imp in impls:
            row = f"{names[imp]:<32}{t:>4}"
            for n in batches:
                r = statistics.median(res[((imp, t), n)])
                g = r * T * flop / 1e9
                row += f"{r / 1e3:>10.2f}k [{g:5.1f}, {100 * g / peak[t]:4.0f} %]"
            print(row)

    if 1 in threads:
        print(f"\n1 thread, rate per CPU-second of the computing thread (insensitive to other load; "
              f"% of the same-run SGEMM best)")
        print(f"{'implementation':<32}{'thr':>4}" + "".join(f"{n:>26}" for n in batches))
        best1 = max(sg[1]) if sg.get(1) else max(fma[1])
        for imp in impls:
            row = f"{names[imp]:<32}{1:>4}"
            for n in batches:
                r = statistics.median(res_cpu[((imp, 1), n)])
                g = r * T * flop / 1e9
                row += f"{r / 1e3:>10.2f}k [{g:5.1f}, {100 * g / best1:4.0f} %]"
            print(row)

    if kimpls:
        print("\nratios (medians of wall-clock rates): kernel / ONNX Runtime, kernel / torch, "
              "kernel / faster framework, per thread count; kernel 2-thread / 1-thread scaling")
        for ki in kimpls:
            for n in batches:
                line = f"  {ki.split(':')[1]:<8} N={n:<6}"
                for t in threads:
                    k = statistics.median(res[((ki, t), n)])
                    parts = []
                    for f in fimpls:
                        parts.append(f"/{f} {k / statistics.median(res[((f, t), n)]):5.1f}x")
                    if fimpls:
                        best = max(statistics.median(res[((f, t), n)]) for f in fimpls)
                        parts.append(f"/best {k / best:5.1f}x")
                    line += f"  @{t}T: " + " ".join(parts)
                if len(threads) > 1:
                    k1 = statistics.median(res[((ki, threads[0]), n)])
                    k2 = statistics.median(res[((ki, threads[-1]), n)])
                    line += f"  {threads[-1]}T/{threads[0]}T: {k2 / k1:4.2f}x"
                print(line)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
