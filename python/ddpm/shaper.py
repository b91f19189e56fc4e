"""ddpm.shaper: probabilistic constellation shaping (CCDM or i.i.d.) with a PMF from one of four sources:
uniform, the DDPM (as published), Maxwell–Boltzmann at the link SNR, or Blahut–Arimoto for a given channel.

See docs/shaping.md for the design; core/ccdm.py, core/shaping.py and core/capacity.py hold the algorithms.
"""
import threading

import numpy as np
import pmt
from gnuradio import gr

from gnuradio.ddpm.core import capacity, shaping
from gnuradio.ddpm.core.ccdm import CCDM, entropy_bits, quantise_pmf
from gnuradio.ddpm.core.checks import as_pmf, check_shaping_args, check_snr_db
from gnuradio.ddpm.core.robust import LogOnce

__all__ = ["shaper", "MODE_CCDM", "MODE_IID"]

MODE_CCDM = 0
MODE_IID = 1
PMF_KEY = "pmf"
#: the shaper's modes and what they mean (GRC's enum labels say the same)
MODES = {MODE_CCDM: "CCDM", MODE_IID: "i.i.d. from the PMF"}
#: where the PMF comes from (the pmf_source parameter; GRC's enum labels say the same)
PMF_SOURCES = {"uniform": "uniform", "ddpm": "DDPM (as published: the regenerated symbols' histogram)",
               "mb": "Maxwell-Boltzmann, lambda optimal at the link SNR",
               "ba": "Blahut-Arimoto (capacity-achieving) for the channel"}


class _Shape:
    """Immutable snapshot of everything one PMF implies (swapped as a whole at a block boundary)."""

    __slots__ = ("pmf", "counts", "ccdm", "scale", "points", "cdf", "snr_db", "msg", "mi", "rate_loss")

    def __init__(self, pmf, n, mode, base_points, snr_db, mi=float("nan")):
        self.pmf = pmf                                   # float64 [M]
        self.counts = quantise_pmf(pmf, n)               # int64 [M]
        self.ccdm = CCDM(self.counts)
        if self.ccdm.k < 1:
            raise ValueError(f"n = {n} is too short: the composition {self.counts.tolist()} has a single "
                             "arrangement, so a block carries k = 0 bits; use a larger n")
        weights = self.counts / n if mode == MODE_CCDM else pmf
        self.scale, pts = shaping.normalise_power(base_points, weights)
        self.points = pts.astype(np.complex64)           # complex64 [M], unit power under `weights`
        self.cdf = np.cumsum(pmf)
        self.snr_db = snr_db
        self.mi = float(mi)                              # expected MI (bits/symbol) of the PMF on its channel
        self.rate_loss = entropy_bits(pmf) - self.ccdm.rate
        self.msg = shaping.composition_to_pmt(pmf, self.counts, snr_db, self.scale, entropy=entropy_bits(pmf),
                                              mi=self.mi, rate_loss=self.rate_loss)


class shaper(gr.basic_block):
    """Probabilistic shaper: bytes in, shaped constellation symbols out.

    Input 0: uint8 [*], each item carries 8 bits, most significant first.
    Output 0: complex64 [*], constellation points scaled to unit average power under the shaped distribution.
    Message out "pmf": dict {pmf f64vector [M], counts s64vector [M], n, snr_db, scale, entropy (bits), mi (expected
    mutual information, bits/symbol), rate_loss (H(P) - k/n, bits/symbol)}, published when the first
    block goes out and whenever a new PMF takes effect. The first symbol of those blocks carries a stream tag
    with key "pmf" and the same dict, so a downstream ``ccdm_dematcher`` can switch at exactly that block.

    Parameters
    model: short name ("qam16") or path of a constellation DDPM, or a sampler object (see shaping.open_model);
        with pmf_source "uniform", "mb" or "ba" also a constellation name ("qam16", "psk8") when no such model ships.
    snr_db: link SNR Es/N0 in dB at which the PMF is computed (set_snr_db recomputes it at run time).
    pmf_source: "uniform"; "ddpm" (default, as published: the histogram of the DDPM's regenerated symbols, which
        for a model trained on uniform symbols is uniform up to sampling error, docs/shaping.md); "mb":
        Maxwell-Boltzmann with lambda maximising the MI at snr_db; "ba": Blahut-Arimoto, the PMF that maximises the
        MI over the channel given by ``ba_noise`` ("gaussian" | "laplacian") at snr_db, or, with ``capture``, by a
        capture of the transmitter (tx symbol indices, rx samples at high SNR) followed by Gaussian noise.
    ba_noise, capture: the Blahut-Arimoto channel (above); capture: (tx int [N], rx complex [N]) or None.
    n: CCDM block length (output symbols per block), 1 <= n <= MAX_BLOCK_LENGTH (4096) with k >= 1 bits per
        block; at the bound one block's encoding takes < 0.1 s (docs/shaping.md "Bounds").
    mode: 0 = CCDM: each block of n symbols carries k = ⌊log2(n!/∏n_i!)⌋ input bits and has exactly the
        composition n_i = quantise_pmf(pmf, n); 1 = i.i.d.: symbols drawn from the PMF with numpy PCG64(seed),
        input bytes consumed at the same rate as in mode 0 (k bits per n symbols) but their content ignored.
    floor: minimum probability of every symbol in the DDPM PMF, in [0, 1/M) (not applied to an explicit pmf).
    points_per_symbol, sampler, steps: DDPM PMF computation (shaping.ddpm_pmf). threads: kernel threads.
    seed: seed of the PMF computation and of the i.i.d. draws.
    pmf: explicit PMF (list of M numbers ≥ 0, normalised here) that replaces the pmf_source computation.
    constellation: explicit points (complex [M]) instead of the model's.

    Power: points are scaled by 1/√(Σ w_i|x_i|²) with w = counts/n in CCDM mode (every block then has exactly
    unit average power) and w = pmf in i.i.d. mode.
    Input bits that do not fill a whole block stay buffered (they go out with the next bytes).
    No exception escapes ``general_work``: an unexpected one is logged once per kind, the input in hand is
    dropped and the stream goes on.
    """

    def __init__(self, model="qam16", snr_db=10.0, n=256, mode=MODE_CCDM, floor=1e-3,
                 points_per_symbol=shaping.DEFAULT_POINTS_PER_SYMBOL, threads=1, seed=0, pmf=None,
                 constellation=None, sampler="matched", steps=10, pmf_source="ddpm", ba_noise="gaussian",
                 capture=None):
        check_shaping_args(n, mode, floor, points_per_symbol, threads, seed, MODES)
        snr = check_snr_db(snr_db)
        if pmf_source not in PMF_SOURCES:
            raise ValueError(f"pmf_source must be one of {list(PMF_SOURCES)}, got {pmf_source!r}")
        if ba_noise not in ("gaussian", "laplacian"):
            raise ValueError(f"ba_noise must be 'gaussian' or 'laplacian', got {ba_noise!r}")
        self._source, self._ba_noise = pmf_source, ba_noise
        self._n, self._mode, self._floor = int(n), int(mode), float(floor)
        self._model, self._pps, self._threads, self._seed = model, int(points_per_symbol), int(threads), int(seed)
        self._sampler_name, self._steps = sampler, int(steps)
        explicit = pmf is not None
        self._base_points, self._kernel = shaping.resolve_constellation(
            model, constellation, need_pmf=not explicit and pmf_source == "ddpm", threads=self._threads)
        self._capture = None
        if capture is not None:
            try:
                tx, rx = capture
            except (TypeError, ValueError):
                raise ValueError("capture must be a pair (tx symbol indices, rx samples)") from None
            self._capture = capacity.capture_centres(tx, rx, self._base_points)
        m = self._base_points.size
        if self._floor >= 1.0 / m:
            raise ValueError(f"floor must lie in [0, 1/M) = [0, {1.0 / m:.6g}) for M = {m}, got {floor}")
        self._explicit = explicit
        if explicit:
            p = self._check_pmf(pmf)
        else:
            p = self._compute_pmf(snr)
        self._shape = self._make_shape(p, snr)

        gr.basic_block.__init__(self, name="ddpm_shaper", in_sig=[np.uint8], out_sig=[np.complex64])
        self.set_output_multiple(self._n)
        self.message_port_register_out(pmt.intern(PMF_KEY))
        self._lock = threading.Lock()          # guards _pending
        self._compute_lock = threading.Lock()  # serialises PMF computations (the kernel is single-caller)
        self._ticket = 0
        self._pending = None
        self._announce = True
        self._bits = np.zeros(0, dtype=np.uint8)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        self._pmt_key = pmt.intern(PMF_KEY)
        self._srcid = pmt.intern("ddpm_shaper")
        self._fail = LogOnce(self.logger.error)

    # ------------------------------------------------------------------ PMF
    def _check_pmf(self, pmf):
        m = self._base_points.size
        try:
            arr = np.asarray(pmf, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"pmf must be a list of {m} numbers, got {pmf!r}") from None
        if arr.size != m:
            raise ValueError(f"pmf has {arr.size} entries but the constellation has M = {m} points")
        return as_pmf(arr)

    def _compute_pmf(self, snr):
        """The PMF of pmf_source at SNR snr (dB): float64 [M]."""
        m = self._base_points.size
        if self._source == "uniform":
            return np.full(m, 1.0 / m)
        if self._source == "mb":
            return shaping.mb_pmf_for_snr(self._base_points, snr)[0]
        if self._source == "ba":
            cen, w = self._capture if self._capture is not None else (None, None)
            noise = "gaussian" if self._capture is not None else self._ba_noise
            return capacity.shaped_capacity(self._base_points, snr, noise, centres=cen, centre_weights=w)[0]
        model = self._kernel if self._kernel is not None else self._model
        return shaping.ddpm_pmf(model, snr, points_per_symbol=self._pps, sampler=self._sampler_name,
                                steps=self._steps, seed=self._seed, floor=self._floor, threads=self._threads)

    def _make_shape(self, p, snr):
        """The snapshot of PMF p at SNR snr, with its expected MI on the shaper's channel (the Blahut-Arimoto
        channel for "ba", else Gaussian noise)."""
        cen, w = self._capture if self._capture is not None else (None, None)
        noise = self._ba_noise if self._source == "ba" and self._capture is None else "gaussian"
        mi = capacity.shaped_mi(self._base_points, p, snr, noise, centres=cen, centre_weights=w)
        return _Shape(p, self._n, self._mode, self._base_points, snr, mi)

    def _install(self, ticket, shape):
        with self._lock:
            if ticket == self._ticket:      # a later request has not overtaken this one
                self._pending = shape

    def set_snr_db(self, snr_db):
        """Recompute the DDPM PMF at a new SNR (in the caller's thread, outside the work lock) and swap it in at
        the next block boundary. With an explicit pmf the value is only recorded (the PMF does not depend on
        it). ValueError for a non-finite value (the running PMF stays)."""
        snr = check_snr_db(snr_db)
        with self._compute_lock:
            self._ticket += 1
            ticket = self._ticket
            if self._explicit:
                p = self._latest_shape().pmf
            else:
                p = self._compute_pmf(snr)
            shape = self._make_shape(p, snr)
            self._install(ticket, shape)

    def set_pmf(self, pmf):
        """Replace the PMF by an explicit one (list of M numbers), from then on fixed; swapped in at the next
        block boundary."""
        with self._compute_lock:
            p = self._check_pmf(pmf)
            self._ticket += 1
            ticket = self._ticket
            self._explicit = True
            shape = self._make_shape(p, self._latest_shape().snr_db)
            self._install(ticket, shape)

    def _latest_shape(self):
        with self._lock:
            return self._pending if self._pending is not None else self._shape

    # -------------------------------------------------------------- getters
    def pmf(self):
        """float64 [M]: the PMF of the most recent setting (the one in use or about to be swapped in)."""
        return self._latest_shape().pmf.copy()

    def counts(self):
        """int64 [M]: the CCDM composition n_i (Σ = n)."""
        return self._latest_shape().counts.copy()

    def bits_per_block(self):
        """int: k, input bits per block of n symbols."""
        return self._latest_shape().ccdm.k

    def rate(self):
        """float: k/n, input bits per output symbol (both modes consume input at this rate)."""
        return self._latest_shape().ccdm.rate

    def entropy(self):
        """float: H(P) in bits of the PMF (the i.i.d. mode's symbol entropy)."""
        return entropy_bits(self._latest_shape().pmf)

    def rate_loss(self):
        """float: H(P) - k/n in bits/symbol, what the CCDM's finite block length n costs (0 for n -> inf)."""
        return self._latest_shape().rate_loss

    def expected_mi(self):
        """float: I(X; Y) in bits/symbol of the PMF at snr_db on the shaper's channel (Gaussian noise, or the
        Blahut-Arimoto channel in "ba" mode), by numerical integration (core/capacity.py)."""
        return self._latest_shape().mi

    def pmf_source(self):
        """str: where the PMF comes from ("uniform", "ddpm", "mb", "ba"); an explicit pmf overrides it."""
        return self._source

    def points(self):
        """complex64 [M]: the output points (constellation times scale())."""
        return self._latest_shape().points.copy()

    def scale(self):
        """float: the power normalisation factor applied to the model's constellation."""
        return self._latest_shape().scale

    def snr_db(self):
        return self._latest_shape().snr_db

    def block_length(self):
        return self._n

    def mode(self):
        return self._mode

    # ----------------------------------------------------------- scheduling
    def forecast(self, noutput_items, ninputs):
        st = self._shape
        need_bits = (noutput_items // self._n) * st.ccdm.k - self._bits.size
        return [max(0, -(-need_bits // 8))] * ninputs

    def general_work(self, input_items, output_items):
        self._consumed = False
        try:
            return self._general_work(input_items, output_items)
        except Exception as e:  # noqa: BLE001 (a bug: log it once, drop the input in hand, keep streaming)
            self._fail(f"work {type(e).__name__}", f"general_work failed ({type(e).__name__}: {e}); "
                                                    "dropping the input in hand")
            self._bits = np.zeros(0, dtype=np.uint8)
            if not self._consumed and len(input_items[0]):
                self.consume(0, len(input_items[0]))
            return 0

    def _general_work(self, input_items, output_items):
        inp, out = input_items[0], output_items[0]
        n = self._n
        nblocks = len(out) // n
        if nblocks == 0:
            return 0
        # take just the bytes the output room can use, with the k in effect now
        need = nblocks * self._shape.ccdm.k - self._bits.size
        take = min(len(inp), max(0, -(-need // 8)))
        if take:
            self._bits = np.concatenate([self._bits, np.unpackbits(inp[:take])])
            self.consume(0, take)
            self._consumed = True
        produced, used = 0, 0
        for b in range(nblocks):
            with self._lock:
                if self._pending is not None:
                    self._shape, self._pending = self._pending, None
                    self._announce = True
            st = self._shape
            k = st.ccdm.k
            if self._bits.size - used < k:
                break
            if self._mode == MODE_CCDM:
                sym = st.ccdm.encode(self._bits[used:used + k])
            else:
                u = self._rng.random(n) * st.cdf[-1]
                sym = np.searchsorted(st.cdf, u, side="right")
            used += k
            out[produced:produced + n] = st.points[sym]
            if self._announce:
                self._announce = False
                self.add_item_tag(0, self.nitems_written(0) + produced, self._pmt_key, st.msg, self._srcid)
                self.message_port_pub(self._pmt_key, st.msg)
            produced += n
        if used:
            self._bits = self._bits[used:]
        return produced
