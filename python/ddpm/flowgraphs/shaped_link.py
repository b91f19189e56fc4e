#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""A shaped link that carries real bytes: bytes -> ``ddpm.shaper`` (CCDM) -> ``ddpm.impairment_injector_cc``
(AWGN) -> hard decisions on the shaper's points -> ``ddpm.ccdm_dematcher`` -> bytes (examples/shaped_link.py).

:func:`run_shaped_link` measures, for one PMF source, what the shaping buys: the mutual information of the
symbols on the channel (data-driven, the rate a Gaussian-metric demapper with a code could reach), the rate
the CCDM carries (k/n bits per symbol), the byte error rate without any FEC, and the flowgraph's speed.
"""
import time

import numpy as np
from gnuradio import blocks, digital, gr

from gnuradio.ddpm.core import constellations, metrics
from gnuradio.ddpm.ddpm_python import impairment_injector_cc
from gnuradio.ddpm.ccdm_dematcher import ccdm_dematcher
from gnuradio.ddpm.shaper import shaper

__all__ = ["run_shaped_link"]


def run_shaped_link(pmf_source="mb", snr_db=10.0, n=1024, blocks_sent=64, constellation="qam16", seed=1,
                    ba_noise="gaussian"):
    """Send ``blocks_sent`` CCDM blocks of random bytes through the shaped link once.

    pmf_source: "uniform" | "ddpm" | "mb" | "ba" (``ddpm.shaper``); snr_db: Es/N0 of the channel and of the PMF;
    n: CCDM block length; blocks_sent: rounded up to a multiple of 8 (whole bytes); constellation: "qamM" (model of
    that name for "ddpm"); seed: bytes and channel.
    Returns dict: source, rate (k/n bits/symbol carried), entropy H(P), rate_loss (H(P) - k/n), expected_mi
    (bits/symbol, numerical integration), mi (data-driven lower bound from the received samples), bytes_in,
    bytes_out (int), byte_error_rate (no FEC), symbols (int), seconds (wall time), symbols_per_s.
    """
    sh = shaper(model=constellation, snr_db=snr_db, n=n, pmf_source=pmf_source, ba_noise=ba_noise, seed=seed)
    k = sh.bits_per_block()
    blocks_sent = -(-int(blocks_sent) // 8) * 8        # a multiple of 8 blocks is a whole number of bytes
    nbytes = k * blocks_sent // 8
    data = np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8)
    dm = ccdm_dematcher(model=constellation, n=n, pmf=list(sh.pmf()), input_type=1, constellation=None)
    chan = impairment_injector_cc(snr_db=snr_db, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0,
                                  full_scale=1.5, fading=0, coherence_len=1000, noise=0, seed=seed + 1)
    dec = digital.constellation_decoder_cb(digital.constellation_calcdist(
        list(sh.points()), [], 4, 1, digital.constellation.NO_NORMALIZATION).base())
    tb = gr.top_block()
    src = blocks.vector_source_b(data.tolist(), False)
    tx_sink, rx_sink, out = blocks.vector_sink_c(), blocks.vector_sink_c(), blocks.vector_sink_b()
    tb.connect(src, sh, chan, dec, dm, out)
    tb.connect(sh, tx_sink)
    tb.connect(chan, rx_sink)
    t0 = time.perf_counter()
    tb.run()
    seconds = time.perf_counter() - t0
    tx, rx = np.asarray(tx_sink.data()), np.asarray(rx_sink.data())
    got = np.asarray(out.data(), dtype=np.uint8)
    m = min(got.size, data.size)
    pts = np.asarray(sh.points(), dtype=np.complex128)
    idx = constellations.nearest(tx, pts)
    return {
        "source": pmf_source, "rate": sh.rate(), "entropy": sh.entropy(), "rate_loss": sh.rate_loss(),
        "expected_mi": sh.expected_mi(), "mi": metrics.mi_estimate(idx, rx, pts, pmf=sh.pmf()),
        "bytes_in": int(data.size), "bytes_out": int(got.size),
        "byte_error_rate": float(np.mean(got[:m] != data[:m])) if m else float("nan"),
        "symbols": int(tx.size), "seconds": seconds, "symbols_per_s": tx.size / seconds if seconds > 0 else 0.0,
    }
