"""ddpm.ccdm_dematcher: receiver side of ddpm.shaper in CCDM mode (symbol indices in, bytes out).

See docs/shaping.md.
"""
import threading

import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core import shaping
from gnuradio.ddpm.core.ccdm import CCDM, quantise_pmf
from gnuradio.ddpm.core.checks import as_pmf, check_shaping_args, check_snr_db
from gnuradio.ddpm.core.robust import LogOnce
from gnuradio.ddpm.shaper import MODE_CCDM, MODES, PMF_KEY

__all__ = ["ccdm_dematcher", "INPUT_INT32", "INPUT_UINT8"]

INPUT_INT32 = 0
INPUT_UINT8 = 1


class ccdm_dematcher(gr.basic_block):
    """CCDM dematcher: hard-decided symbol indices in, the shaper's input bytes out.

    Input 0: int32 [*] symbol indices 0 … M−1 (input_type 0), or uint8 [*] (input_type 1, what
        digital.constellation_decoder_cb produces), in blocks of n aligned with the shaper's blocks.
    Output 0: uint8 [*], 8 bits per item, most significant first.
    Message in "pmf": a new composition, as published by ddpm.shaper (dict with "counts" and/or "pmf") or a bare
        f32/f64 vector PMF; it takes effect at the next block the dematcher decodes (asynchronous: use it for
        the initial setting or when a few wrong blocks around a change do not matter).
    Stream tags "pmf" (same dict; the shaper puts one on the first symbol of the first block of every PMF)
        take effect exactly at the tagged block: this is how a dematcher follows set_snr_db on the shaper.

    Parameters: the same as the shaper's, so that both derive the same composition: either ``pmf`` (explicit
    list of M numbers), or model + snr_db + floor + points_per_symbol + sampler + steps + seed (the DDPM PMF is
    recomputed here, deterministically; threads does not change it). n: block length.
    input_type: 0 = int32, 1 = uint8. follow_tags: switch on "pmf" stream tags (default True).

    Channel errors: a block whose composition is wrong, or which is not a matcher output, cannot be inverted
    exactly. It still yields k bits (CCDM.decode_best_effort: the valid leading symbols fix the leading bits)
    and is counted in ``block_errors()``. The output is always k bits per n input symbols.

    Bad data: a "pmf" message or tag that is not a valid composition (wrong type or length, counts that are not
    integers 0…n summing to n, a PMF with NaN, ...) is ignored with a warning, logged once per kind; the
    composition in use stays. No exception escapes ``general_work`` or the message handler: an unexpected one
    is logged once per kind; a block whose decoding fails gives k zero bits (counted in block_errors, the rate
    and byte alignment stay), any other failure drops the input in hand; the stream goes on.
    Bounds: 1 ≤ n ≤ MAX_BLOCK_LENGTH (4096): decoding one block then takes < 0.1 s (docs/shaping.md).
    """

    def __init__(self, model="qam16", n=256, snr_db=10.0, floor=1e-3,
                 points_per_symbol=shaping.DEFAULT_POINTS_PER_SYMBOL, threads=1, seed=0, pmf=None,
                 input_type=INPUT_INT32, follow_tags=True, sampler="matched", steps=10, constellation=None):
        check_shaping_args(n, MODE_CCDM, floor, points_per_symbol, threads, seed, MODES)
        if input_type not in (INPUT_INT32, INPUT_UINT8):
            raise ValueError(f"unknown input_type {input_type!r}: 0 = int32 indices, 1 = uint8 indices")
        snr = check_snr_db(snr_db)
        self._n = int(n)
        if pmf is not None:
            p = as_pmf(np.asarray(pmf, dtype=np.float64).reshape(-1))
            if constellation is not None and np.asarray(constellation).size != p.size:
                raise ValueError(f"pmf has {p.size} entries but the constellation has "
                                 f"{np.asarray(constellation).size} points")
        else:
            pts, kernel = shaping.resolve_constellation(model, constellation, need_pmf=True, threads=threads)
            if float(floor) >= 1.0 / pts.size:
                raise ValueError(f"floor must lie in [0, 1/M) = [0, {1.0 / pts.size:.6g}) for M = {pts.size}, "
                                 f"got {floor}")
            p = shaping.ddpm_pmf(kernel, snr, points_per_symbol=points_per_symbol, sampler=sampler,
                                 steps=steps, seed=seed, floor=floor, threads=threads)
        self._ccdm = self._make(p, quantise_pmf(p, self._n))
        self._pmf = p

        itype = np.int32 if input_type == INPUT_INT32 else np.uint8
        gr.basic_block.__init__(self, name="ddpm_ccdm_dematcher", in_sig=[itype], out_sig=[np.uint8])
        self.set_tag_propagation_policy(gr.TPP_DONT)
        self.message_port_register_in(pmt.intern(PMF_KEY))
        self.set_msg_handler(pmt.intern(PMF_KEY), self._handle_msg)
        self._lock = threading.Lock()
        self._pending = None
        self._follow_tags = bool(follow_tags)
        self._bits = np.zeros(0, dtype=np.uint8)
        self._blocks = 0
        self._errors = 0
        self._warn = LogOnce(self.logger.warn)     # rejected tag / message values
        self._fail = LogOnce(self.logger.error)    # unexpected exceptions (bugs): logged, the stream goes on

    def _make(self, pmf, counts):
        c = CCDM(counts)
        if c.k < 1:
            raise ValueError(f"n = {self._n} is too short: the composition {c.counts.tolist()} carries k = 0 bits")
        return c

    def _parse(self, msg, where):
        """(pmf, CCDM) from a tag or message value, or None after a logged warning."""
        try:
            # the alphabet never changes at run time: vectors of another length are refused while being read
            pmf, counts = shaping.pmt_to_composition(msg, self._n, m=self._pmf.size)
            return pmf, self._make(pmf, counts)
        except ValueError as e:
            self._warn(f"bad {where}", f"ignored pmf {where}: {e}")
        except Exception as e:  # noqa: BLE001 (the guarantee: nothing escapes to the scheduler)
            self._fail(f"{where} {type(e).__name__}", f"ignored pmf {where} ({type(e).__name__}: {e})")
        return None

    def _handle_msg(self, msg):
        got = self._parse(msg, "message")
        if got is not None:
            with self._lock:
                self._pending = got

    # -------------------------------------------------------------- getters
    def pmf(self):
        """float64 [M]: the PMF in use."""
        return self._pmf.copy()

    def counts(self):
        """int64 [M]: the composition in use."""
        return self._ccdm.counts

    def bits_per_block(self):
        return self._ccdm.k

    def rate(self):
        return self._ccdm.rate

    def blocks(self):
        """int: blocks decoded so far."""
        return self._blocks

    def block_errors(self):
        """int: blocks that could not be inverted exactly (wrong composition or not a codeword)."""
        return self._errors

    # ----------------------------------------------------------- scheduling
    def forecast(self, noutput_items, ninputs):
        return [0 if self._bits.size >= 8 else self._n] * ninputs

    def _apply_tags(self, tags, start):
        """Apply every pending stream tag at or before absolute offset `start` (tags are sorted)."""
        while tags and tags[0].offset <= start:
            tag = tags.pop(0)
            got = self._parse(tag.value, "tag")
            if got is not None:
                self._pmf, self._ccdm = got

    def general_work(self, input_items, output_items):
        try:
            return self._general_work(input_items, output_items)
        except Exception as e:  # noqa: BLE001 (a bug: log it once, drop the input in hand, keep streaming)
            self._fail(f"work {type(e).__name__}", f"general_work failed ({type(e).__name__}: {e}); "
                                                    "dropping the input in hand")
            nin = len(input_items[0]) // self._n * self._n
            if nin:
                self.consume(0, nin)
            return 0

    def _general_work(self, input_items, output_items):
        inp, out = input_items[0], output_items[0]
        n = self._n
        nin = len(inp) // n * n
        base = self.nitems_read(0)
        tags = []
        if self._follow_tags and nin:
            tags = sorted(self.get_tags_in_window(0, 0, nin, pmt.intern(PMF_KEY)), key=lambda t: t.offset)
        produced, consumed = 0, 0
        bits = self._bits
        while produced < len(out):
            if bits.size >= 8:
                nbytes = min(bits.size // 8, len(out) - produced)
                out[produced:produced + nbytes] = np.packbits(bits[:nbytes * 8])
                bits = bits[nbytes * 8:]
                produced += nbytes
                continue
            if consumed + n > nin:
                break
            with self._lock:
                if self._pending is not None:
                    (self._pmf, self._ccdm), self._pending = self._pending, None
            self._apply_tags(tags, base + consumed)
            blk = np.asarray(inp[consumed:consumed + n], dtype=np.int64)
            try:
                dec, ok = self._ccdm.decode_best_effort(blk)
            except Exception as e:  # noqa: BLE001 (a bug: keep the rate, k zero bits, counted as an error)
                self._fail(f"decode {type(e).__name__}", f"decoding a block failed ({type(e).__name__}: {e}); "
                                                          "it gives k zero bits")
                dec, ok = np.zeros(self._ccdm.k, dtype=np.uint8), False
            self._blocks += 1
            self._errors += not ok
            bits = np.concatenate([bits, dec])
            consumed += n
        self._bits = bits
        if consumed:
            self.consume(0, consumed)
        return produced
