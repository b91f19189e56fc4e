#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Benchmark (not a test): PER and SER of burst_tx -> channel -> burst_rx against Es/N0 (docs/burst.md).

    python bench/bench_burst.py --packets 2000                  # the acceptance run (long)
    python bench/bench_burst.py --packets 200 --snr 12:22:1     # a short run
    python bench/bench_burst.py --profiles P0,P3 --receiver ddpm --packets 100 --csv x.csv --png x.png

16-QAM, sps 4, rolloff 0.35, 256-byte random payloads (seeded), through ddpm.ota_channel with its named profiles
(gnuradio.ddpm.flowgraphs.ota_channel.PROFILES, the one definition): P0 AWGN; P1 CFO +-1 % of the symbol rate;
P2 P1 + SRO +-100 ppm + a random fractional delay; P3 3-tap [1, 0.3j, 0.1] + 0.5 % CFO; P4 3-tap [1, 0.45j, 0.25]
+ 0.5 % CFO; P5 P3 + phase noise, IQ imbalance 0.5 dB / 3 deg, cubic nonlinearity; P6 P2 + a 4-bit ADC.
Every flowgraph run of --chunk packets gets its own channel seed: a random carrier phase, CFO/SRO signs and
fractional delay. Es/N0 is that of the transmitted symbols (ota_channel's signal_power = 1, burst_tx's power per
sample inside a burst).
PER = 1 - (payloads received with correct bytes) / packets sent. SER over the data symbols of the bursts
whose header was decoded (decisions of burst_rx's decoder against the symbols sent), the header miss
rate, and the median SNR estimate (snr_db) over those bursts. Theory (AWGN, uncoded, Gray 16-QAM): SER = 1 - (1 - 1.5 Q(sqrt(Es/N0 / 5)))^2, PER = 1 - (1 - SER)^520.
Writes a CSV and a PNG (matplotlib) and prints the SER implementation loss at 16 dB (the Es/N0 at which
theory has the measured SER, subtracted from 16) and the Es/N0 of PER 1 % (log-linear interpolation).
Multipath profiles: also the MMSE-LE bound on their taps (le_snr_db, Gaussian residual ISI). Profiles with
transmitter hardware (P5: IQ imbalance and PA): also that bound on the constellation the hardware radiates
(hardware_bound_per1: its centres and nonlinear scatter measured through ota_channel's own transmitter blocks,
ML decisions integrated exactly): the PA's compression lowers the radiated power and pulls the outer points in,
a loss no receiver can undo, which the taps-only bound does not see.
"""
import argparse
import csv
import math
import multiprocessing
import sys
import time

import numpy as np

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.ddpm_python import burst_format
from gnuradio.ddpm.flowgraphs.burst_link import run_burst_link
from gnuradio.ddpm.flowgraphs.ota_channel import profile_params

PAYLOAD = 256
FMT = burst_format(constellations.by_name("qam16"))
ND = 520  # data symbols of a 256-byte payload at 4 bits per symbol


def qfunc(x):
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def ser_theory(esn0_db):
    p = 1.5 * qfunc(math.sqrt(10 ** (esn0_db / 10.0) / 5.0))
    return 1.0 - (1.0 - p) ** 2


def per_theory(esn0_db):
    return 1.0 - (1.0 - ser_theory(esn0_db)) ** ND


def le_snr_db(esn0_db, taps):
    """Unbiased output SNR (dB) of the infinite-length MMSE linear equaliser on the symbol-spaced channel ``taps``
    with white noise at Es/N0 esn0_db: 1 / mean_w(1 / (snr |H(w)|^2 + 1)) - 1 (the MMSE-LE bound)."""
    w = np.linspace(-np.pi, np.pi, 4096, endpoint=False)
    h = np.polyval(np.asarray(taps, complex)[::-1], np.exp(-1j * w))
    snr = 10 ** (esn0_db / 10.0)
    return 10 * math.log10(1.0 / float(np.mean(1.0 / (snr * np.abs(h) ** 2 + 1.0))) - 1.0)


def ser_le_bound(esn0_db, taps):
    """SER of the MMSE-LE bound: Gray 16-QAM theory at le_snr_db (Gaussian residual ISI)."""
    return ser_theory(le_snr_db(esn0_db, taps))


def radiated_constellation(profile, sps=4, rolloff=0.35, n=65536, seed=7):
    """What a profile's transmitter hardware (ota_channel.transmitter_blocks: IQ imbalance, PA) makes of
    gr-ddpm's unit-power 16-QAM points, seen through the matched filter at the symbol instants: (centres,
    scatter). burst_tx's pulse (unit-energy RRC x sqrt(sps), power 1 per sample) -> the profile's blocks
    (signal_power 1, as bench's links) -> the unit-energy matched filter / sqrt(sps). centres: complex128 [16],
    the mean output per transmitted point; scatter: float, the mean |output - its centre|^2 (the part that depends
    on the neighbours: nonlinear ISI). Without hardware: the points themselves and the RRC truncation's ISI."""
    from gnuradio import blocks, gr

    from gnuradio.ddpm.flowgraphs.burst_tx import rrc_taps
    from gnuradio.ddpm.flowgraphs.ota_channel import transmitter_blocks

    pts = constellations.by_name("qam16")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, pts.size, n)
    taps = rrc_taps(sps, rolloff)
    up = np.zeros(n * sps, np.complex128)
    up[::sps] = pts[idx]
    x = np.convolve(up, taps * math.sqrt(sps))
    tb = gr.top_block()
    src = blocks.vector_source_c(x.astype(np.complex64).tolist())
    snk = blocks.vector_sink_c()
    tb.connect(src, *transmitter_blocks(profile_params(profile), 1.0), snk)
    tb.run()
    y = np.convolve(np.asarray(snk.data(), np.complex128), taps / math.sqrt(sps))
    z = y[taps.size - 1::sps][:n]
    keep = slice(64, n - 64)  # away from the ends of the filters
    z, k = z[keep], idx[keep]
    centres = np.array([z[k == i].mean() for i in range(pts.size)])
    return centres, float(np.mean(np.abs(z - centres[k]) ** 2))


def ser_nearest(centres, var, grid=4001, span=10.0):
    """Symbol error rate of nearest-centre (= ML) decisions on equiprobable ``centres`` (complex [M]) in circular
    complex Gaussian noise of variance ``var`` (per complex sample), without sampling: each centre's Voronoi cell
    is convex, so on every line Im = y it is an interval whose probability is exact (erfc); the lines are
    integrated over y on a grid of +-span standard deviations."""
    c = np.asarray(centres, np.complex128)
    sd = math.sqrt(var / 2.0)
    y = np.linspace(-span * sd, span * sd, grid)
    wy = np.exp(-0.5 * (y / sd) ** 2)
    wy /= wy.sum()
    phi = np.vectorize(lambda t: 0.5 * math.erfc(-t / math.sqrt(2.0)))
    err = 0.0
    for i in range(c.size):
        lo = np.full(grid, -np.inf)
        hi = np.full(grid, np.inf)
        for j in range(c.size):
            if j == i:
                continue
            e = c[j] - c[i]  # the offset d from c[i] stays nearer c[i]: e.real x + e.imag y < |e|^2 / 2
            rhs = 0.5 * abs(e) ** 2 - e.imag * y
            if abs(e.real) < 1e-12:
                hi = np.where(rhs > 0, hi, -np.inf)
            elif e.real > 0:
                hi = np.minimum(hi, rhs / e.real)
            else:
                lo = np.maximum(lo, rhs / e.real)
        p = np.clip(phi(np.clip(hi / sd, -40, 40)) - phi(np.clip(lo / sd, -40, 40)), 0.0, 1.0)
        err += 1.0 - float(np.sum(wy * p))
    return err / c.size


def hardware_bound_per1(profile, taps):
    """Es/N0 (dB) at which the MMSE-LE bound on ``taps`` reaches PER 1 % when the transmitter radiates the
    profile's distorted constellation (radiated_constellation): nearest-centre decisions on the centres, noise
    = the LE bound's residual (1 / its output SNR, Gaussian) + the nonlinear scatter. Phase noise is left out
    (a bound with perfect phase tracking)."""
    centres, scatter = radiated_constellation(profile)
    return invert(lambda e: 1.0 - (1.0 - ser_nearest(centres, 10 ** (-le_snr_db(e, taps) / 10.0) + scatter)) ** ND,
                  0.01, 10.0, 35.0, iters=24)


def invert(fn, value, lo=0.0, hi=40.0, iters=80):
    """Es/N0 where the decreasing fn equals value (bisection, ``iters`` halvings of [lo, hi])."""
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if fn(mid) > value:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def crossing(x, y, level):
    """x where y (decreasing) crosses level, interpolated on log(y); None when not bracketed."""
    for i in range(len(x) - 1):
        if y[i] >= level > y[i + 1]:
            if y[i + 1] <= 0:  # no error at the next point: interpolate linearly
                return x[i] + (x[i + 1] - x[i]) * (y[i] - level) / y[i]
            a, b = math.log(y[i]), math.log(y[i + 1])
            return x[i] + (x[i + 1] - x[i]) * (a - math.log(level)) / (a - b)
    return None


def run_point(profile, esn0, packets, chunk, receiver, seed):
    rng = np.random.default_rng([seed, int(round(esn0 * 100)), int(profile[1:])])
    ok = sent = headers = sym_err = sym_n = 0
    est = []
    for c in range(0, packets, chunk):
        n = min(chunk, packets - c)
        payloads = [rng.integers(0, 256, PAYLOAD).astype(np.uint8).tobytes() for _ in range(n)]
        res = run_burst_link(payloads, receiver=receiver, esn0_db=esn0, profile=profile,
                             seed=int(rng.integers(0, 2 ** 31)), keep_symbols=True)
        sent += n
        ok += sum(1 for m, b in res["pdus"] if m["seq"] < n and b == payloads[m["seq"]])
        est += [m["snr_db"] for m in res["headers"]]
        for seq, dec in res["decisions"]:
            if seq < n:
                headers += 1
                ref = np.asarray(FMT.data_values(payloads[seq]))
                sym_err += int(np.count_nonzero(np.asarray(dec) != ref))
                sym_n += len(ref)
    return dict(profile=profile, esn0_db=esn0, packets=sent, per=1.0 - ok / sent,
                header_miss=1.0 - headers / sent, ser=sym_err / max(sym_n, 1), symbols=sym_n,
                snr_est_median=float(np.median(est)) if est else float("nan"),
                ser_theory=ser_theory(esn0), per_theory=per_theory(esn0))


def _busy():
    while True:
        pass


def speed(packets, seed, esn0=20.0, repeats=5, load=0, realtime=False):
    """burst_rx alone on a recorded stream (burst_tx -> channel_model at esn0 dB, 256-byte payloads back to back
    with the default 32-symbol gaps): input samples per second of tb.run() (start-up included), median of
    `repeats` runs per receiver (DDPM with 1 and 2 denoiser threads); then the latency at 1 MS/s. ``load``: that
    many busy-looping processes (normal priority) run during the latency measurement; ``realtime``: the
    flowgraph's threads get real-time scheduling (gr.enable_realtime_scheduling(), as a radio flowgraph would
    ask for; needs the privilege)."""
    import statistics

    from gnuradio import blocks, channels, gr

    from gnuradio.ddpm.flowgraphs.burst_rx import burst_rx
    from gnuradio.ddpm.flowgraphs.burst_tx import burst_tx
    import pmt

    rng = np.random.default_rng(seed)
    tb = gr.top_block()
    tx = burst_tx()
    n = packets * (tx.framer.fmt.burst_symbols(PAYLOAD) + 32) * 4 + 20000
    snk = blocks.vector_sink_c()
    tb.connect(tx, blocks.head(gr.sizeof_gr_complex, n),
               channels.channel_model(math.sqrt(4 * 10 ** (-esn0 / 10)), 0.0025, 1.0, [1.0], 5), snk)
    for _ in range(packets):
        p = rng.integers(0, 256, PAYLOAD).astype(np.uint8).tolist()
        tx.framer.to_basic_block()._post(pmt.intern("in"), pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(PAYLOAD, p)))
    tb.run()
    x = np.asarray(snk.data(), np.complex64)
    print(f"recorded {len(x)} samples ({packets} bursts of {PAYLOAD} bytes, Es/N0 {esn0} dB, CFO 1 %)")
    for rcv, threads in (("slicer", 1), ("ddpm", 1), ("ddpm", 2)):
        rates, got = [], 0
        for _ in range(repeats):
            tb = gr.top_block()
            src = blocks.vector_source_c(x, False)
            rx = burst_rx(receiver=rcv, threads=threads)
            dbg = blocks.message_debug()
            tb.connect(src, rx)
            tb.msg_connect(rx, "out", dbg, "store")
            t0 = time.perf_counter()
            tb.run()
            rates.append(len(x) / (time.perf_counter() - t0))
            got = dbg.num_messages()
        print(f"  {rcv:6s} (denoiser threads {threads}): {statistics.median(rates) / 1e6:.2f} M samples/s in "
              f"(median of {repeats}; "
              f"{got}/{packets} PDUs)")
    hogs = []
    if load:
        ctx = multiprocessing.get_context("fork")
        hogs = [ctx.Process(target=_busy, daemon=True) for _ in range(int(load))]
        for h in hogs:
            h.start()
    if realtime:
        print(f"  real-time scheduling: {gr.enable_realtime_scheduling()}")
    print(f"  latency with {int(load)} busy process(es) beside the flowgraph, real-time scheduling "
          f"{'on' if realtime else 'off'}")
    # latency: the same stream throttled at 1 MS/s (in chunks of <= 256 samples); PDU arrival (wall clock) minus the wall time at which the
    # throttle let the burst's last sample through (start + index / rate)
    rate = 1e6
    burst_len = (FMT.burst_symbols(PAYLOAD) - 1) * 4
    for rcv in ("slicer", "ddpm"):
        arrivals = []

        class sink(gr.basic_block):
            def __init__(self):
                gr.basic_block.__init__(self, "latency_sink", None, None)
                self.message_port_register_in(pmt.intern("in"))
                self.set_msg_handler(pmt.intern("in"), self.handle)

            def handle(self, msg):
                arrivals.append((time.perf_counter(), pmt.to_python(pmt.car(msg))["time"]))

        tb = gr.top_block()
        src = blocks.vector_source_c(x, False)
        thr = blocks.throttle(gr.sizeof_gr_complex, rate)
        thr.set_max_noutput_items(256)  # a radio delivers small chunks; the throttle would release ~16 ms at once
        rx = burst_rx(receiver=rcv, threads=1)
        snk = sink()
        tb.connect(src, thr, rx)
        tb.msg_connect(rx, "out", snk, "in")
        t0 = time.perf_counter()
        tb.run()
        lat = np.array([t - (t0 + (k + burst_len) / rate) for t, k in arrivals]) * 1e3
        print(f"  latency {rcv:6s} at 1 MS/s (end of burst -> PDU, {len(lat)} PDUs): median {np.median(lat):.2f} ms, "
              f"p99 {np.percentile(lat, 99):.2f} ms, max {lat.max():.2f} ms (burst duration "
              f"{burst_len / rate * 1e3:.2f} ms)")
    for h in hogs:
        h.terminate()
        h.join()
    return 0


def symbol_mse(packets, seed, esn0=16.0, profile="P0", chunk=500):
    """MSE against the transmitted points of the equalised symbols (slicer path) and of the denoised symbols
    (DDPM path) at esn0 dB: burst_rx's symbols output, both receivers on the same channel realisation and noise
    (same seeds), all data symbols of the bursts whose header was decoded."""
    pts = constellations.by_name("qam16")
    rng = np.random.default_rng([seed, 16])
    err = {"slicer": [], "ddpm": []}
    for c in range(0, packets, chunk):
        n = min(chunk, packets - c)
        pl = [rng.integers(0, 256, PAYLOAD).astype(np.uint8).tobytes() for _ in range(n)]
        s = int(rng.integers(0, 2 ** 31))
        for rcv in err:
            res = run_burst_link(pl, receiver=rcv, esn0_db=esn0, profile=profile, seed=s, symbols=True)
            for seq, y in res["symbols"]:
                if seq < n:
                    err[rcv].append(np.abs(y - pts[np.asarray(FMT.data_values(pl[seq]))]) ** 2)
    e = {k: np.concatenate(v) for k, v in err.items()}
    m = {k: float(v.mean()) for k, v in e.items()}
    sd = {k: float(v.std() / v.mean() / math.sqrt(v.size)) for k, v in e.items()}
    print(f"{profile} at {esn0} dB, {e['slicer'].size} / {e['ddpm'].size} data symbols: MSE equalised {m['slicer']:.5f} "
          f"({10 * math.log10(m['slicer']):.2f} dB; noise variance {10 ** (-esn0 / 10):.5f}), denoised "
          f"{m['ddpm']:.5f} ({10 * math.log10(m['ddpm']):.2f} dB): {10 * math.log10(m['slicer'] / m['ddpm']):.2f} dB "
          f"lower (1 sigma {10 / math.log(10) * math.hypot(sd['slicer'], sd['ddpm']):.2f} dB)")
    return 0


def floors(packets, seed):
    """Noise-free MSE floor of the equalised data symbols (slicer path, burst_rx's symbols output, against the
    points sent) on P3, on P3 with each of P5's impairments alone, and on P5: what each impairment leaves after
    the receiver (docs/burst.md, steps 10-11)."""
    pts = constellations.by_name("qam16")
    p5 = {k: v for k, v in profile_params("P5").items() if v != profile_params("P3")[k]}
    cases = [("P3", "P3", {}),
             ("P3 + phase noise", "P3", {k: p5[k] for k in p5 if k.startswith("phase_noise")}),
             ("P3 + IQ imbalance", "P3", {k: p5[k] for k in p5 if k.startswith("iq_")}),
             ("P3 + PA", "P3", {"cubic": p5["cubic"]}),
             ("P5", "P5", {})]
    rng = np.random.default_rng([seed, 60])
    pl = [rng.integers(0, 256, PAYLOAD).astype(np.uint8).tobytes() for _ in range(packets)]
    for name, prof, ov in cases:
        res = run_burst_link(pl, esn0_db=math.inf, noise=False, profile=prof, channel=ov, seed=seed, symbols=True)
        e = [np.abs(y - pts[np.asarray(FMT.data_values(pl[q]))]) ** 2 for q, y in res["symbols"] if q < packets]
        e = np.concatenate(e) if e else np.array([np.nan])
        print(f"{name:20s} {len(res['symbols'])}/{packets} bursts, {e.size} data symbols: MSE floor "
              f"{10 * math.log10(float(e.mean())):.1f} dB")
    return 0


def noise_only(n, seed):
    """n samples of complex Gaussian noise (unit variance, GNU Radio's fastnoise source) into burst_rx: how many
    detections, header CRC passes and PDUs (all should be 0 but detections)."""
    from gnuradio import analog, blocks, gr

    from gnuradio.ddpm.flowgraphs.burst_rx import burst_rx

    tb = gr.top_block()
    src = analog.fastnoise_source_c(analog.GR_GAUSSIAN, 1.0, seed, 1 << 20)
    rx = burst_rx(receiver="slicer")
    dbg = blocks.message_debug()
    tb.connect(src, blocks.head(gr.sizeof_gr_complex, n), rx)
    tb.msg_connect(rx, "out", dbg, "store")
    t0 = time.perf_counter()
    tb.run()
    dt = time.perf_counter() - t0
    print(f"noise only: {n} samples in {dt:.1f} s; detections {rx.sync.detections()}, header failures "
          f"{rx.sync.header_failures()}, headers passed {rx.sync.bursts()}, PDUs {dbg.num_messages()}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profiles", default="P0,P1,P2,P3,P4,P5,P6")
    ap.add_argument("--snr", default="12:22:1", help="start:stop:step in dB (stop included)")
    ap.add_argument("--packets", type=int, default=200, help="packets per point (acceptance: >= 2000)")
    ap.add_argument("--chunk", type=int, default=500, help="packets per flowgraph run")
    ap.add_argument("--receiver", default="slicer", choices=("slicer", "ddpm"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", default="docs/results/burst_per.csv")
    ap.add_argument("--png", default="docs/results/burst_per.png")
    ap.add_argument("--speed", action="store_true", help="instead: RX throughput on a recorded stream (both receivers)")
    ap.add_argument("--load", type=int, default=0, help="with --speed: busy processes during the latency runs")
    ap.add_argument("--realtime", action="store_true",
                    help="with --speed: real-time scheduling for the latency runs (gr.enable_realtime_scheduling)")
    ap.add_argument("--from-csv", action="store_true", help="no simulation: summary and PNG from --csv")
    ap.add_argument("--noise", type=float, default=0, help="instead: N samples of noise alone into burst_rx (slicer)")
    ap.add_argument("--floor", action="store_true",
                    help="instead: noise-free MSE floor of the equalised symbols, P3 + each of P5's impairments")
    ap.add_argument("--mse", action="store_true",
                    help="instead: MSE of the denoised vs the equalised symbols at 16 dB (P0 or the first --profiles)")
    args = ap.parse_args(argv)
    if args.load < 0 or args.packets < 1 or args.chunk < 1:
        ap.error("--load must be >= 0, --packets and --chunk >= 1")
    if args.floor:
        return floors(args.packets, args.seed)
    if args.mse:
        return symbol_mse(args.packets, args.seed, profile=args.profiles.split(",")[0])
    if args.speed:
        return speed(args.packets, args.seed, load=args.load, realtime=args.realtime)
    if args.noise:
        return noise_only(int(args.noise), args.seed)
    a, b, s = (float(v) for v in args.snr.split(":"))
    snrs = [round(v, 3) for v in np.arange(a, b + s / 2, s)]
    rows = []
    t0 = time.time()
    if args.from_csv:
        with open(args.csv) as f:
            for r in csv.DictReader(f):
                rows.append({k: (v if k in ("profile", "receiver") else float(v)) for k, v in r.items()})
        snrs = sorted({r["esn0_db"] for r in rows})
        args.profiles = ",".join(dict.fromkeys(r["profile"] for r in rows))
        args.packets = int(min(r["packets"] for r in rows))
        args.receiver = rows[0]["receiver"]
    # one fresh process per point: GNU Radio keeps some buffers (System V shared memory, a system-wide
    # resource) of finished flowgraphs until the process exits
    ctx = multiprocessing.get_context("fork")
    for prof in args.profiles.split(",") if not args.from_csv else []:
        for esn0 in snrs:
            with ctx.Pool(1, maxtasksperchild=1) as pool:
                r = pool.apply(run_point, (prof, esn0, args.packets, args.chunk, args.receiver, args.seed))
            r["receiver"] = args.receiver
            rows.append(r)
            print(f"{prof} {esn0:5.1f} dB  PER {r['per']:.4f} (theory {r['per_theory']:.4f})  SER {r['ser']:.5f} "
                  f"(theory {r['ser_theory']:.5f})  header miss {r['header_miss']:.4f}  SNR est "
                  f"{r['snr_est_median']:.2f}  [{time.time() - t0:.0f} s]", flush=True)
    keys = ["profile", "receiver", "esn0_db", "packets", "per", "per_theory", "ser", "ser_theory", "symbols",
            "header_miss", "snr_est_median"]
    if not args.from_csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    print(f"summary (theory: PER 1 % at {invert(per_theory, 0.01):.2f} dB)")
    for prof in args.profiles.split(","):
        pr = [r for r in rows if r["profile"] == prof]
        x = [r["esn0_db"] for r in pr]
        at16 = [r for r in pr if abs(r["esn0_db"] - 16.0) < 1e-9]
        loss = (16.0 - invert(ser_theory, at16[0]["ser"])) if at16 and at16[0]["ser"] > 0 else None
        p1 = crossing(x, [r["per"] for r in pr], 0.01)
        extra = ""
        taps = profile_params(prof)["taps"]
        if len(taps) > 1 and at16 and at16[0]["ser"] > 0:
            le = 16.0 - invert(lambda e: ser_le_bound(e, taps), at16[0]["ser"])
            per_le = invert(lambda e: 1.0 - (1.0 - ser_le_bound(e, taps)) ** ND, 0.01)
            extra = (f"; vs the MMSE-LE bound: SER loss at 16 dB {le:.2f} dB, bound's PER 1 % at {per_le:.2f} dB "
                     f"(bound's output SNR at 16 dB: {le_snr_db(16.0, taps):.2f} dB)")
        pp = profile_params(prof)
        if pp["iq_amp_db"] or pp["iq_phase_deg"] or pp["cubic"]:
            hw = hardware_bound_per1(prof, taps)
            extra += (f"; the MMSE-LE bound on the constellation this transmitter radiates (its IQ imbalance and PA, "
                      f"radiated_constellation) reaches PER 1 % at {hw:.2f} dB"
                      + (f": {p1 - hw:+.2f} dB from it" if p1 is not None else ""))
        print(f"  {prof}: SER loss at 16 dB = {'n/a' if loss is None else f'{loss:.2f} dB'}; "
              f"PER 1 % at {'not reached' if p1 is None else f'{p1:.2f} dB'}{extra}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no PNG", file=sys.stderr)
        return 0
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    xs = np.linspace(min(snrs), max(snrs), 200)
    ax[0].semilogy(xs, [per_theory(v) for v in xs], "k--", label="uncoded theory")
    ax[1].semilogy(xs, [ser_theory(v) for v in xs], "k--", label="theory (AWGN)")
    for prof in args.profiles.split(","):
        pr = [r for r in rows if r["profile"] == prof]
        ax[0].semilogy([r["esn0_db"] for r in pr], [r["per"] if r["per"] > 0 else float("nan") for r in pr], "o-",
                   label=prof)
        ax[1].semilogy([r["esn0_db"] for r in pr], [r["ser"] if r["ser"] > 0 else float("nan") for r in pr], "o-",
                   label=prof)
    # the theory curves would run far below what the packets sent can resolve
    ax[0].set_ylim(0.3 / args.packets, 1.5)
    ax[1].set_ylim(0.3 / (args.packets * ND), 1.0)
    ax[0].set_ylabel("PER (256-byte payloads; 0 not drawn)")
    ax[1].set_ylabel("SER (16-QAM data symbols)")
    for a_ in ax:
        a_.set_xlabel("Es/N0 (dB)")
        a_.grid(True, which="both", alpha=0.3)
        a_.legend()
    fig.suptitle(f"burst_tx -> ota_channel -> burst_rx ({args.receiver}), {args.packets} packets per point")
    fig.tight_layout()
    fig.savefig(args.png, dpi=110)
    print(f"wrote {args.csv} and {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
