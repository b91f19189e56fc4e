#!/usr/bin/env python
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Throughput of the link parts in flowgraphs (a repeating vector source -> head(n) -> block -> null sink, items
per second of wall time): ddpm.llr_demapper_cf (exact and max-log, 16- and 64-QAM, symbols/s) and
ddpm.ota_channel (profiles P0, P2, P5, P6 at sps 4, samples/s). Not a test (numbers depend on the machine and its
load).  Usage: . scripts/env.sh && python bench/bench_link_parts.py [n_items]"""
import sys
import time

import numpy as np
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.flowgraphs.ota_channel import ota_channel


def rate(name, method, n):
    pts = constellations.by_name(name)
    rng = np.random.default_rng(0)
    m = 65536
    x = pts[rng.integers(0, len(pts), m)] + 0.1 * (rng.standard_normal(m) + 1j * rng.standard_normal(m))
    tb = gr.top_block()
    src = blocks.vector_source_c(x.astype(np.complex64).tolist(), True)
    head = blocks.head(gr.sizeof_gr_complex, n)
    dem = ddpm.llr_demapper_cf(constellation=name, method=method, snr_db=15.0)
    snk = blocks.null_sink(gr.sizeof_float)
    tb.connect(src, head, dem, snk)
    t0 = time.perf_counter()
    tb.run()
    return n / (time.perf_counter() - t0)


def channel_rate(profile, n):
    x = (np.random.default_rng(0).standard_normal(65536) * 0.35 + 0j).astype(np.complex64)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.tolist(), True)
    head = blocks.head(gr.sizeof_gr_complex, n)
    ch = ota_channel(profile, 15.0, seed=1)
    snk = blocks.null_sink(gr.sizeof_gr_complex)
    tb.connect(src, head, ch, snk)
    t0 = time.perf_counter()
    tb.run()
    return n / (time.perf_counter() - t0)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    for name in ("qam16", "qam64"):
        for method, label in ((0, "exact"), (1, "max-log")):
            print(f"llr_demapper_cf {name:6s} {label:8s} {rate(name, method, n) / 1e6:6.2f} M symbols/s")
    for profile in ("P0", "P2", "P5", "P6"):
        print(f"ota_channel {profile}: {channel_rate(profile, 2 * n) / 1e6:6.2f} M samples/s")


if __name__ == "__main__":
    main()
