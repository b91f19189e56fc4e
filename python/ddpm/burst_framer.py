#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""burst_framer: PDUs of payload bytes -> burst symbols at the symbol rate (the first block of burst_tx)."""
import collections

import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.robust import LogOnce
from gnuradio.ddpm.ddpm_python import burst_format

__all__ = ["burst_framer", "MODES"]

#: transmit modes: "continuous" (zeros between bursts and while idle) and "burst" (tx_sob / tx_eob tags)
MODES = ("continuous", "burst")


class burst_framer(gr.sync_block):
    """Message input ``in``: PDUs (pair of metadata and a u8vector of payload bytes; a bare u8vector or
    blob is accepted too) -> complex64 stream at the symbol rate, one item per symbol: the bursts of
    ``burst_format`` (unit average power), sequence numbers from a 16-bit counter starting at 0 (wraps).

    mode "continuous": ``gap`` zero symbols after every burst, and zeros while no PDU is waiting (the
    stream never stops: put a Throttle or a radio behind it). mode "burst": every burst followed by
    ``tail`` zero symbols (so that the pulse shaper's tail is inside the burst), ``tx_sob`` (True) on its
    first symbol and ``tx_eob`` (True) on its last; nothing while idle.
    Payloads of 0 bytes, above ``max_payload`` bytes or of another PMT type are dropped with a warning.
    Counters: ``sent`` (bursts started), ``dropped``.
    """

    def __init__(self, constellation="qam16", mode="continuous", gap=32, tail=20, max_payload=4096):
        gr.sync_block.__init__(self, "ddpm_burst_framer", in_sig=None, out_sig=[np.complex64])
        if mode not in MODES:
            raise ValueError(f"burst_framer: mode must be one of {MODES}, got {mode!r}")
        gap, tail, max_payload = int(gap), int(tail), int(max_payload)
        if gap < 0 or tail < 0 or not 1 <= max_payload <= 65535:
            raise ValueError("burst_framer: need gap >= 0, tail >= 0 and 1 <= max_payload <= 65535")
        self.fmt = burst_format(constellations.by_name(constellation))
        self.mode = mode
        self.gap = gap
        self.tail = tail
        self.max_payload = max_payload
        self.seq = 0
        self.sent = 0
        self.dropped = 0
        self._queue = collections.deque()
        self._cur = None    # complex64 [n]: the burst (with its trailing zeros) being output
        self._pos = 0
        self._warn = LogOnce(self.logger.warn)
        self.message_port_register_in(pmt.intern("in"))
        self.set_msg_handler(pmt.intern("in"), self._handle)

    def _handle(self, msg):
        try:
            data = pmt.cdr(msg) if pmt.is_pair(msg) else msg
            if pmt.is_u8vector(data):
                payload = bytes(pmt.u8vector_elements(data))
            elif pmt.is_blob(data):
                payload = bytes(pmt.blob_data(data))
            else:
                raise TypeError("not a PDU of bytes")
            if not 1 <= len(payload) <= self.max_payload:
                raise ValueError(f"payload of {len(payload)} bytes (1 .. {self.max_payload} allowed)")
        except Exception as exc:  # a bad message is dropped, never raised into the scheduler
            self.dropped += 1
            self._warn(type(exc).__name__, f"burst_framer: dropping a message ({exc})")
            return
        sym = np.asarray(self.fmt.modulate(payload, self.seq), dtype=np.complex64)
        self.seq = (self.seq + 1) & 0xFFFF
        pad = self.gap if self.mode == "continuous" else self.tail
        self._queue.append(np.concatenate([sym, np.zeros(pad, np.complex64)]))

    def work(self, input_items, output_items):
        out = output_items[0]
        n = len(out)
        i = 0
        while i < n:
            if self._cur is None:
                if not self._queue:
                    break
                self._cur = self._queue.popleft()
                self._pos = 0
                self.sent += 1
                if self.mode == "burst":
                    self.add_item_tag(0, self.nitems_written(0) + i, pmt.intern("tx_sob"), pmt.PMT_T)
            k = min(n - i, len(self._cur) - self._pos)
            out[i:i + k] = self._cur[self._pos:self._pos + k]
            i += k
            self._pos += k
            if self._pos == len(self._cur):
                if self.mode == "burst":
                    self.add_item_tag(0, self.nitems_written(0) + i - 1, pmt.intern("tx_eob"), pmt.PMT_T)
                self._cur = None
        if self.mode == "continuous":
            out[i:] = 0
            return n
        return i
