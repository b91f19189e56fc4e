#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""burst_tx: PDUs of payload bytes -> pulse-shaped complex baseband bursts (docs/burst.md)."""
import math

import numpy as np
from gnuradio import filter as gr_filter
from gnuradio import gr

from gnuradio.ddpm.burst_framer import MODES, burst_framer

__all__ = ["burst_tx", "rrc_taps", "default_ntaps"]


def default_ntaps(sps):
    """Root-raised-cosine length used by burst_tx / burst_rx: a 16-symbol span, 16 sps + 1 taps (int)."""
    return 16 * int(sps) + 1


def rrc_taps(sps, rolloff, ntaps=None):
    """Unit-energy root-raised-cosine taps (GNU Radio's firdes.root_raised_cosine, rescaled so that
    sum(taps**2) = 1): float64 [ntaps]. sps: samples per symbol (int >= 2); rolloff in (0, 1];
    ntaps: odd, default default_ntaps(sps)."""
    sps = int(sps)
    ntaps = default_ntaps(sps) if ntaps is None else int(ntaps)
    if sps < 2 or sps > 64:
        raise ValueError(f"sps must be 2 .. 64, got {sps}")
    if not 0.0 < float(rolloff) <= 1.0:
        raise ValueError(f"rolloff must be in (0, 1], got {rolloff}")
    if ntaps < 3 or ntaps % 2 == 0:
        raise ValueError(f"ntaps must be odd and >= 3, got {ntaps}")
    t = np.asarray(gr_filter.firdes.root_raised_cosine(1.0, float(sps), 1.0, float(rolloff), ntaps), np.float64)
    return t / math.sqrt(float(np.sum(t * t)))


class burst_tx(gr.hier_block2):
    """Burst transmitter. Message input ``in``: PDUs of payload bytes (1 .. max_payload). Output: complex64
    baseband at ``sps`` samples per symbol: the bursts of ``burst_format`` (preamble, header with length and a
    16-bit sequence number counting from 0, payload + CRC-32 mapped on gr-ddpm's ``constellation``, pilot
    blocks) shaped by a root-raised-cosine filter (``rolloff``, ``ntaps``, GNU Radio's interp_fir_filter_ccf).

    Average power inside a burst: amplitude**2 (so Es/N0 = sps amplitude**2 / noise variance per sample).
    mode "continuous" (default): ``gap`` zero symbols between bursts and zeros while idle (a never-ending
    stream: throttle it, or let a radio clock it). mode "burst": only the bursts, each with tx_sob / tx_eob
    tags (for a UHD sink) around the burst and its filter tail.
    The framer is ``self.framer`` (counters ``sent``, ``dropped``; ``seq``: the next sequence number).
    """

    def __init__(self, constellation="qam16", sps=4, rolloff=0.35, mode="continuous", gap=32, amplitude=1.0,
                 ntaps=None, max_payload=4096):
        gr.hier_block2.__init__(self, "ddpm_burst_tx", gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        if mode not in MODES:
            raise ValueError(f"burst_tx: mode must be one of {MODES}, got {mode!r}")
        if not (math.isfinite(float(amplitude)) and float(amplitude) > 0):
            raise ValueError(f"burst_tx: amplitude must be > 0, got {amplitude}")
        taps = rrc_taps(sps, rolloff, ntaps)
        tail = (len(taps) + int(sps) - 1) // int(sps) + 1
        self.framer = burst_framer(constellation, mode=mode, gap=max(int(gap), 0), tail=tail,
                                   max_payload=max_payload)
        self.shaper = gr_filter.interp_fir_filter_ccf(int(sps), (taps * math.sqrt(int(sps)) * float(amplitude))
                                                      .astype(np.float32).tolist())
        self.message_port_register_hier_in("in")
        self.msg_connect(self, "in", self.framer, "in")
        self.connect(self.framer, self.shaper, self)
