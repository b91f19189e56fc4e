#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Benchmark (not a test): a rate-1/2 K=7 convolutional code over the burst link; soft decoding from
ddpm.llr_demapper_cf (following the burst's own snr_db tag) against LLRs computed exactly (numpy) from the same
equalised symbols with the true noise variance (docs/burst.md, "Coded link").

    python bench/bench_coded.py --packets 300 --snr 7:11:0.5

Setup: per packet, 1018 random information bits -> GNU Radio's fec cc_encoder (K = 7, rate 1/2, polynomials
[109, 79], terminated: 6 tail bits) -> 2048 coded bits = the 256-byte payload of burst_tx (MSB first, so coded
bits 4i..4i+3 are the label of data symbol i) -> ota_channel (profile, default P0, Es/N0 of the transmitted
symbols) -> burst_rx (slicer) whose symbols output gives the equalised data symbols with burst_sync_cc's tags
(h = 1 and snr_db = the burst's post-equaliser SNR estimate on the first data symbol). The first 512 data symbols
of each burst (the payload; the CRC-32 symbols are dropped) go two ways into the same fec cc_decoder (Viterbi):
  "llr":   llr_demapper_cf (exact LLRs) on the symbol stream with its own tags;
  "exact": numpy LLRs ln sum_{b=1} exp(-|y-s|^2/v) - ln sum_{b=0} exp(-|y-s|^2/v) over gr-ddpm's 16-QAM points
           with v = 10^(-Es/N0 / 10), the true noise variance per symbol of the channel.
Both are multiplied by the same 0.25 (the decoder's byte input saturates at |s| = 2.67). Bursts whose header
was lost count as all bits wrong. Prints the decoded BER and PER (a packet is wrong when any of its 1018
information bits is) per point for both, and the Es/N0 of PER 10 % and 1 % (log-linear interpolation).
"""
import argparse
import math
import multiprocessing
import sys

import numpy as np
import pmt
from gnuradio import blocks, fec, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.flowgraphs.burst_link import run_burst_link

FRAME = 1018          # information bits per packet: (1018 + 6) * 2 = 2048 coded bits = 256 bytes
POLYS = [109, 79]
SCALE = 0.25


def encode(info):
    """uint8 bits [n FRAME] -> coded uint8 bits [n 2 (FRAME + 6)] (GNU Radio fec, terminated)."""
    enc = fec.cc_encoder_make(FRAME, 7, 2, POLYS, 0, fec.CC_TERMINATED, False)
    tb = gr.top_block()
    src = blocks.vector_source_b(info.tolist())
    xenc = fec.extended_encoder(encoder_obj_list=enc, threading=None, puncpat="11")
    snk = blocks.vector_sink_b()
    tb.connect(src, xenc, snk)
    tb.run()
    return np.asarray(snk.data(), np.uint8)


def decode(llr):
    """float LLRs [n 2048] (positive = bit 1) -> decoded uint8 bits [n FRAME]."""
    dec = fec.cc_decoder.make(FRAME, 7, 2, POLYS, 0, -1, fec.CC_TERMINATED, False)
    tb = gr.top_block()
    src = blocks.vector_source_f((np.clip(SCALE * llr, -1e3, 1e3)).astype(np.float32).tolist())
    xdec = fec.extended_decoder(decoder_obj_list=dec, threading=None, ann=None, puncpat="11",
                                integration_period=10000)
    snk = blocks.vector_sink_b()
    tb.connect(src, xdec, snk)
    tb.run()
    return np.asarray(snk.data(), np.uint8)


def exact_llr(y, v):
    """complex y [N], noise variance v -> float64 [N 4]: exact LLRs over gr-ddpm's 16-QAM (positive = bit 1)."""
    pts = constellations.by_name("qam16")
    labels = np.arange(16)   # point i carries label i (gr-ddpm's constellations: symbol value = point index)
    d = -np.abs(np.asarray(y, np.complex128)[:, None] - pts[None, :]) ** 2 / v
    m = d.max(axis=1, keepdims=True)
    out = np.empty((len(y), 4))
    for b in range(4):
        bit = (labels >> (3 - b)) & 1
        l1 = np.log(np.sum(np.exp(d[:, bit == 1] - m), axis=1))
        l0 = np.log(np.sum(np.exp(d[:, bit == 0] - m), axis=1))
        out[:, b] = l1 - l0
    return out


def demapper_llr(stream, tags):
    """burst_rx's symbols output (complex64 [N]) with its tags -> llr_demapper_cf's LLRs float64 [N 4]."""
    tb = gr.top_block()
    src = blocks.vector_source_c(stream.tolist(), False, 1,
                                 [gr.tag_utils.python_to_tag((o, pmt.intern(k), v, pmt.intern("rx")))
                                  for o, k, v in tags if k in ("snr_db", "h")])
    dem = ddpm.llr_demapper_cf(constellation="qam16", snr_db=20.0)
    snk = blocks.vector_sink_f()
    tb.connect(src, dem, snk)
    tb.run()
    return np.asarray(snk.data(), np.float64).reshape(-1, 4)


def run_point(profile, esn0, packets, chunk, seed):
    rng = np.random.default_rng([seed, int(round(esn0 * 100))])
    res = {"llr": [0, 0], "exact": [0, 0]}   # [bit errors, packet errors]
    sent = lost = 0
    for c in range(0, packets, chunk):
        n = min(chunk, packets - c)
        info = rng.integers(0, 2, n * FRAME).astype(np.uint8)
        coded = encode(info).reshape(n, -1)
        payloads = [np.packbits(coded[i]).tobytes() for i in range(n)]
        out = run_burst_link(payloads, receiver="slicer", esn0_db=esn0, profile=profile,
                             seed=int(rng.integers(0, 2 ** 31)), symbols=True)
        sent += n
        # the symbol stream's offsets of each burst (seq -> first data symbol)
        starts = {}
        for o, k, v in out["symbol_tags"]:
            if k == "burst":
                seq = int(pmt.to_long(pmt.dict_ref(v, pmt.intern("seq"), pmt.from_long(-1))))
                if 0 <= seq < n and seq not in starts:
                    starts[seq] = o
        allllr = demapper_llr(out["symbol_stream"], out["symbol_tags"])
        v = 10.0 ** (-esn0 / 10.0)
        for name in ("llr", "exact"):
            seqs = sorted(starts)
            if seqs:
                if name == "llr":
                    llr = np.stack([allllr[starts[s]:starts[s] + 512].reshape(-1) for s in seqs])
                else:
                    llr = np.stack([exact_llr(out["symbol_stream"][starts[s]:starts[s] + 512], v).reshape(-1)
                                    for s in seqs])
                dec = decode(llr.reshape(-1)).reshape(len(seqs), FRAME)
                err = dec != info.reshape(n, FRAME)[seqs]
                res[name][0] += int(err.sum())
                res[name][1] += int(err.any(axis=1).sum())
            missing = n - len(starts)
            res[name][0] += missing * FRAME
            res[name][1] += missing
        lost += n - len(starts)
    return dict(esn0_db=esn0, packets=sent, lost=lost,
                **{f"ber_{k}": v[0] / (sent * FRAME) for k, v in res.items()},
                **{f"per_{k}": v[1] / sent for k, v in res.items()})


def crossing(x, y, level):
    for i in range(len(x) - 1):
        if y[i] >= level > y[i + 1]:
            if y[i + 1] <= 0:
                return x[i] + (x[i + 1] - x[i]) * (y[i] - level) / y[i]
            a, b = math.log(y[i]), math.log(y[i + 1])
            return x[i] + (x[i + 1] - x[i]) * (a - math.log(level)) / (a - b)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", default="P0")
    ap.add_argument("--snr", default="7:11:0.5", help="start:stop:step in dB (stop included)")
    ap.add_argument("--packets", type=int, default=300)
    ap.add_argument("--chunk", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    a, b, s = (float(v) for v in args.snr.split(":"))
    snrs = [round(v, 3) for v in np.arange(a, b + s / 2, s)]
    ctx = multiprocessing.get_context("fork")
    rows = []
    for esn0 in snrs:
        with ctx.Pool(1, maxtasksperchild=1) as pool:
            r = pool.apply(run_point, (args.profile, esn0, args.packets, args.chunk, args.seed))
        rows.append(r)
        print(f"{args.profile} {esn0:5.2f} dB  llr_demapper_cf: BER {r['ber_llr']:.2e} PER {r['per_llr']:.4f}  "
              f"exact (true variance): BER {r['ber_exact']:.2e} PER {r['per_exact']:.4f}  "
              f"headers lost {r['lost']}/{r['packets']}", flush=True)
    x = [r["esn0_db"] for r in rows]
    for level in (0.1, 0.01):
        pa = crossing(x, [r["per_llr"] for r in rows], level)
        pb = crossing(x, [r["per_exact"] for r in rows], level)
        diff = "n/a" if pa is None or pb is None else f"{pa - pb:+.2f} dB"
        print(f"PER {level:g}: llr_demapper_cf at {pa if pa is None else round(pa, 2)} dB, exact at "
              f"{pb if pb is None else round(pb, 2)} dB, difference {diff}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
