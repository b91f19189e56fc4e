#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Benchmark (not a test): packets lost to the carrier-phase ambiguity of 16-QAM (docs/burst.md, "Phase
ambiguity"). Every burst gets its OWN uniformly random carrier phase.

    python bench/bench_phase.py --packets 10000 --snr 25

Setup: burst_tx (continuous mode, 256-byte random payloads) -> vector sink; in numpy each burst (a run of
non-zero samples between the all-zero gaps) is multiplied by exp(j phi_k), phi_k ~ U[0, 2 pi) drawn from a
seeded generator, then complex AWGN at the given Es/N0 (burst power 1 per sample, so the noise variance per
sample is sps * 10^(-Es/N0 / 10)) -> vector source -> burst_rx (slicer). A packet lost to the phase ambiguity
would be a detected burst whose header or payload CRC fails at an SNR where noise alone almost never breaks
one; the report counts sent, detected, header failures, CRC failures, received and byte-exact payloads.
"""
import argparse
import sys
import time

import numpy as np
import pmt
from gnuradio import blocks, gr

from gnuradio import ddpm


def transmit(payloads, sps, gap):
    """burst_tx on the payloads -> complex64 [N] (continuous mode, zeros between bursts)."""
    tb = gr.top_block()
    tx = ddpm.burst_tx("qam16", sps, 0.35, mode="continuous", gap=gap)
    fmt = tx.framer.fmt
    n = int(sum((fmt.burst_symbols(len(p)) + gap) * sps for p in payloads) + 64 * sps)
    head = blocks.head(gr.sizeof_gr_complex, n)
    snk = blocks.vector_sink_c()
    tb.connect(tx, head, snk)
    framer = tx.framer.to_basic_block()
    for p in payloads:
        framer._post(pmt.intern("in"), pmt.cons(pmt.make_dict(), pmt.init_u8vector(len(p), list(p))))
    tb.run()
    x = np.array(snk.data(), dtype=np.complex64)
    tb.disconnect_all()
    return x


def rotate_bursts(x, rng, min_gap=8):
    """Multiply each burst of x (runs separated by >= min_gap exact zeros) by its own random phase.
    Returns (complex64 [N], number of bursts)."""
    nz = x != 0
    idx = np.flatnonzero(nz)
    if idx.size == 0:
        return x.copy(), 0
    breaks = np.flatnonzero(np.diff(idx) > min_gap)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks] + 1, [idx[-1] + 1]))
    y = x.astype(np.complex128)
    phases = rng.uniform(0, 2 * np.pi, starts.size)
    for s, e, ph in zip(starts, ends, phases):
        y[s:e] *= np.exp(1j * ph)
    return y, starts.size


def receive(y, sps):
    tb = gr.top_block()
    src = blocks.vector_source_c(y.astype(np.complex64).tolist())
    rx = ddpm.burst_rx("qam16", sps, 0.35, model="qam16", receiver="slicer")
    dbg = blocks.message_debug()
    tb.connect(src, rx)
    tb.msg_connect(rx, "out", dbg, "store")
    tb.run()
    pdus = []
    for i in range(dbg.num_messages()):
        m = dbg.get_message(i)
        meta = pmt.to_python(pmt.car(m)) or {}
        pdus.append((meta, bytes(pmt.u8vector_elements(pmt.cdr(m)))))
    stats = dict(detections=rx.sync.detections(), header_failures=rx.sync.header_failures(),
                 crc_failures=rx.decoder.crc_failures)
    tb.disconnect_all()
    return pdus, stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=10000)
    ap.add_argument("--chunk", type=int, default=1000, help="packets per flowgraph run")
    ap.add_argument("--snr", type=float, default=25.0, help="Es/N0 in dB")
    ap.add_argument("--sps", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    tot = dict(sent=0, bursts=0, detections=0, header_failures=0, crc_failures=0, received=0, exact=0)
    t0 = time.time()
    while tot["sent"] < a.packets:
        k = min(a.chunk, a.packets - tot["sent"])
        payloads = [bytes(rng.integers(0, 256, 256, dtype=np.uint8)) for _ in range(k)]
        x = transmit(payloads, a.sps, 32)
        y, nb = rotate_bursts(x, rng)
        nv = a.sps * 10.0 ** (-a.snr / 10.0)
        y = y + np.sqrt(nv / 2) * (rng.standard_normal(y.size) + 1j * rng.standard_normal(y.size))
        y = np.concatenate((y, np.zeros(4096)))
        pdus, st = receive(y, a.sps)
        by_seq = {int(m.get("seq", -1)): p for m, p in pdus}
        exact = sum(1 for i, p in enumerate(payloads) if by_seq.get(i) == p)   # a new burst_tx per chunk: seq from 0
        tot["sent"] += k
        tot["bursts"] += nb
        tot["detections"] += st["detections"]
        tot["header_failures"] += st["header_failures"]
        tot["crc_failures"] += st["crc_failures"]
        tot["received"] += len(pdus)
        tot["exact"] += exact
        print(f"{tot['sent']:6d} sent: {tot}", flush=True)
    lost = tot["sent"] - tot["exact"]
    print(f"\nEs/N0 {a.snr} dB, {tot['sent']} packets, each burst its own random carrier phase: "
          f"{tot['exact']} received byte-exact, {lost} lost ({tot['header_failures']} header failures, "
          f"{tot['crc_failures']} payload CRC failures); {time.time() - t0:.0f} s")
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
