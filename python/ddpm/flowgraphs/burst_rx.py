#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""burst_rx: complex baseband -> PDUs of the payloads whose CRC passed (docs/burst.md)."""
import numpy as np
from gnuradio import filter as gr_filter
from gnuradio import gr

from gnuradio.ddpm.burst_decoder import burst_decoder
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.ddpm_python import burst_sync_cc, denoiser_cc
from gnuradio.ddpm.flowgraphs.burst_tx import rrc_taps

__all__ = ["burst_rx", "RECEIVERS"]

#: symbol paths after the equaliser: the DDPM denoiser, or the plain nearest-point slicer
RECEIVERS = ("ddpm", "slicer")


class burst_rx(gr.hier_block2):
    """Burst receiver. Input: complex64 baseband at ``sps`` samples per symbol. Message output ``out``: one
    PDU per burst whose payload CRC-32 passed: (metadata, u8vector payload); metadata "seq" (int), "len"
    (int), "time" (int: input sample index of the centre of the burst's first preamble symbol), "snr_db"
    (float: Es/N0 estimate of the burst, dB), "snr_eq_db" (float: SNR after the equaliser), "cfo" (float:
    carrier frequency offset in cycles per SAMPLE; x sps = cycles per symbol), "detect_metric" (float, 0 .. 1),
    "iq_image", "pa_compression", "phase_noise" (bools: the receiver found and corrected the transmitter's IQ
    imbalance, its PA's compression, phase noise faster than the pilots; docs/burst.md steps 10-12).

    Chain: root-raised-cosine matched filter (unit energy; fft_filter_ccf) -> burst_sync_cc (detection,
    timing, CFO, LS channel, MMSE equaliser, header, pilot phase tracking; a second pass with a widely-linear
    equaliser and PA compression undone when a transmitter's IQ image or PA is significant) -> receiver ->
    burst_decoder.
    receiver "ddpm": denoiser_cc (``model``, ``sampler``, ``steps``, equalize off) fed with the tags "h" = 1
    and "snr_db" = the burst's own post-equaliser SNR, then nearest-point decisions on its output;
    receiver "slicer": nearest-point decisions on the equalised symbols.
    threshold: detection threshold (0, 1); max_payload: largest payload accepted (bytes).
    symbols_output: True adds stream output 0, complex64: the symbols the decisions are made on (equalised, or
    denoised), bursts back to back, with burst_sync_cc's tags (for a constellation display).
    Parts: ``self.sync`` (counters detections(), header_failures(), bursts()), ``self.decoder`` (received,
    crc_failures), ``self.denoiser`` (None for the slicer).
    """

    def __init__(self, constellation="qam16", sps=4, rolloff=0.35, model="qam16", receiver="ddpm",
                 threshold=0.2, max_payload=4096, ntaps=None, sampler=2, steps=1, threads=1, seed=0,
                 keep_symbols=False, symbols_output=False):
        nout = 1 if symbols_output else 0
        gr.hier_block2.__init__(self, "ddpm_burst_rx", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(nout, nout, gr.sizeof_gr_complex))
        if receiver not in RECEIVERS:
            raise ValueError(f"burst_rx: receiver must be one of {RECEIVERS}, got {receiver!r}")
        taps = rrc_taps(sps, rolloff, ntaps)
        points = constellations.by_name(constellation)
        self.matched = gr_filter.fft_filter_ccf(1, taps.astype(np.float32).tolist())
        self.sync = burst_sync_cc(points, int(sps), float(threshold), int(max_payload), (len(taps) - 1) // 2)
        self.decoder = burst_decoder(constellation, keep_symbols=keep_symbols)
        self.denoiser = None
        self.message_port_register_hier_out("out")
        self.msg_connect(self.decoder, "out", self, "out")
        if receiver == "ddpm":
            # equalize 0: the symbols are equalised; the snr_db tags of burst_sync_cc give the noise level;
            # batch 64: the denoiser aligns its work to the batch, and a burst must not wait for the next one
            self.denoiser = denoiser_cc(model, int(sampler), int(steps), 0.0, 64, int(threads), int(seed),
                                        20.0, 0, 0)
            self.connect(self, self.matched, self.sync, self.denoiser, self.decoder)
            last = self.denoiser
        else:
            self.connect(self, self.matched, self.sync, self.decoder)
            last = self.sync
        if symbols_output:
            self.connect(last, self)
