#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""A burst link in one call: burst_tx -> a channel -> burst_rx (used by the tests, bench/bench_burst.py and the
headless twin of examples/burst_link_sim.grc). The channel is GNU Radio's channels.channel_model (``profile``
None, the arguments below) or ``ddpm.ota_channel`` with a named profile ("P0".."P6"; then cfo, phase, taps,
sro_ppm and delay are the profile's, drawn from ``seed``, and ota_channel gets signal_power = 1, burst_tx's
power per sample inside a burst at amplitude 1, so its snr_db is the same Es/N0 as ``esn0_db`` here).

Units: ``esn0_db`` is Es/N0 in dB of the transmitted symbols (burst_tx's amplitude 1: unit power per sample
inside a burst, so the noise variance per sample is sps 10^(-esn0_db/10)); ``cfo`` is in cycles per SAMPLE
(channel_model's unit: 1 % of the symbol rate at sps 4 is 0.0025); ``sro_ppm`` is the sampling-rate offset
(channel_model's epsilon = 1 + sro_ppm 1e-6); ``taps`` are symbol-spaced multipath gains; ``delay`` a
fractional delay in samples (windowed-sinc interpolation folded into the channel taps); ``phase`` the
carrier phase in radians.
"""
import gc
import math

import numpy as np
import pmt
from gnuradio import blocks, channels, gr

from gnuradio.ddpm.flowgraphs.burst_rx import burst_rx
from gnuradio.ddpm.burst_decoder import parse_burst_tag
from gnuradio.ddpm.flowgraphs.burst_tx import burst_tx
from gnuradio.ddpm.flowgraphs.ota_channel import ota_channel

__all__ = ["channel_taps", "run_burst_link", "pdu_meta"]


def channel_taps(taps=(1.0,), sps=4, phase=0.0, delay=0.0, half=8):
    """Sample-spaced channel taps: symbol-spaced gains ``taps`` (complex [L]) at multiples of sps samples,
    delayed by ``delay`` samples (0 <= delay < 1; a Hann-windowed sinc of 2 half + 1 taps when non-zero) and
    rotated by e^{j phase}. Returns complex128 [n]."""
    taps = np.asarray(taps, dtype=np.complex128).reshape(-1)
    if taps.size == 0 or not np.all(np.isfinite(taps)):
        raise ValueError("channel taps must be a non-empty finite array")
    if not 0.0 <= float(delay) < 1.0:
        raise ValueError(f"delay must be in [0, 1) samples, got {delay}")
    h = np.zeros((taps.size - 1) * int(sps) + 1, np.complex128)
    h[::int(sps)] = taps
    if delay:
        n = np.arange(-half, half + 1)
        frac = np.sinc(n - delay) * (0.5 + 0.5 * np.cos(np.pi * (n - delay) / (half + 1)))
        h = np.convolve(h, frac)
    return h * np.exp(1j * float(phase))


def _split_bursts(sink):
    """A vector_sink_c behind burst_rx's symbols output -> (list of (seq, complex64 [nsym]) per complete burst
    (cut at burst_sync_cc's "burst" tags), the whole stream complex64 [N], its tags [(offset, key str, pmt)])."""
    x = np.asarray(sink.data(), np.complex64)
    tags = sorted(sink.tags(), key=lambda t: t.offset)
    out = []
    for t in tags:
        if pmt.symbol_to_string(t.key) != "burst":
            continue
        b = parse_burst_tag(t.value)
        seg = x[int(t.offset):int(t.offset) + b["nsym"]]
        if len(seg) == b["nsym"]:
            out.append((b["seq"], seg.copy()))
    return out, x, [(int(t.offset), pmt.symbol_to_string(t.key), t.value) for t in tags]


def pdu_meta(msg):
    """A PDU of burst_rx -> (dict of Python values, bytes)."""
    meta = pmt.to_python(pmt.car(msg)) or {}
    return meta, bytes(pmt.u8vector_elements(pmt.cdr(msg)))


def run_burst_link(payloads, receiver="slicer", esn0_db=30.0, cfo=0.0, phase=0.0, taps=(1.0,), sro_ppm=0.0,
                   delay=0.0, constellation="qam16", sps=4, rolloff=0.35, gap=32, seed=0, model="qam16",
                   keep_symbols=False, threads=1, noise=True, profile=None, symbols=False, channel=None):
    """Send ``payloads`` (list of bytes, 1 .. 4096 each) through burst_tx -> channel_model -> burst_rx once.

    Returns plain data (the flowgraph is torn down, its buffers freed): "pdus" (list of (meta dict, bytes) in
    arrival order), "decisions" and "headers" (burst_decoder's, with keep_symbols), "stats" (dict: detections,
    header_failures, bursts (burst_sync_cc), received, crc_failures (decoder), sent (framer), denoiser (bool)),
    "samples" (int, samples sent through the channel); with ``profile``, "channel" (ota_channel.params());
    ``channel``: a dict of ota_channel keyword overrides of the profile (e.g. {"cubic": 0.05}), with ``profile``;
    with ``symbols``, "symbols": list of (seq, complex64 [nsym]) per burst, the symbols burst_rx decides on
    (the equalised symbols for the slicer, the denoised ones for "ddpm"), from its symbols output, and that
    output as it came: "symbol_stream" (complex64 [N]) and "symbol_tags" ([(offset, key str, pmt value)]).
    """
    tb = gr.top_block()
    tx = burst_tx(constellation, sps, rolloff, mode="continuous", gap=gap)
    fmt = tx.framer.fmt
    total = sum((fmt.burst_symbols(len(p)) + gap) * sps for p in payloads)
    n_samples = int(total + 16 * 8192 * sps // 4 + 64 * sps)
    nv = math.sqrt(sps * 10.0 ** (-float(esn0_db) / 10.0)) if noise else 0.0
    if profile is None:
        chan = channels.channel_model(noise_voltage=nv, frequency_offset=float(cfo), epsilon=1.0 + 1e-6 * sro_ppm,
                                      taps=channel_taps(taps, sps, phase, delay).tolist(),
                                      noise_seed=int(seed) + 1, block_tags=False)
    else:
        # burst_tx at amplitude 1: power 1 per sample inside a burst (ota_channel's default 1/sps is for
        # unit-energy pulses)
        chan = ota_channel(profile, snr_db=float(esn0_db) if noise else math.inf, seed=int(seed), sps=sps,
                           signal_power=1.0, **(channel or {}))
    head = blocks.head(gr.sizeof_gr_complex, n_samples)
    rx = burst_rx(constellation, sps, rolloff, model=model, receiver=receiver, threads=threads, seed=seed,
                  keep_symbols=keep_symbols, symbols_output=bool(symbols))
    dbg = blocks.message_debug()
    tb.connect(tx, head, chan, rx)
    ssink = None
    if symbols:
        ssink = blocks.vector_sink_c()
        tb.connect(rx, ssink)
    tb.msg_connect(rx, "out", dbg, "store")
    framer = tx.framer.to_basic_block()
    for p in payloads:
        framer._post(pmt.intern("in"), pmt.cons(pmt.make_dict(), pmt.init_u8vector(len(p), list(p))))
    tb.run()
    pdus = [pdu_meta(dbg.get_message(i)) for i in range(dbg.num_messages())]
    stats = dict(detections=rx.sync.detections(), header_failures=rx.sync.header_failures(),
                 bursts=rx.sync.bursts(), received=rx.decoder.received, crc_failures=rx.decoder.crc_failures,
                 sent=tx.framer.sent, denoiser=rx.denoiser is not None)
    out = {"pdus": pdus, "decisions": list(rx.decoder.decisions), "headers": list(rx.decoder.headers),
           "stats": stats, "samples": n_samples}
    if profile is not None:
        out["channel"] = chan.params()
    if symbols:
        out["symbols"], out["symbol_stream"], out["symbol_tags"] = _split_bursts(ssink)
    # free the flowgraph's buffers now (shared memory is a system-wide resource)
    tb.disconnect_all()
    del tb, tx, rx, dbg, chan, head, framer, ssink
    gc.collect()
    return out
