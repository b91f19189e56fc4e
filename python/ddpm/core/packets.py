"""Deterministic test packets and their scoring (numpy only): what ddpm.packet_source sends and what
ddpm.packet_scorer counts, for tests, benchmarks and examples.

Payload of packet ``seq`` under ``seed`` (:func:`payload`): byte i is byte (i mod 8), least significant first,
of the 64-bit word ``hash_key(seed, seq, i // 8)`` of ddpm-rng-v1 (:mod:`gnuradio.ddpm.modelfile.rng`): any
process, any machine, any numpy gives the same bytes, so a receiver can score packets without seeing the
transmitter.

Sequence numbers count from 0. A link that carries only the low ``seq_bits`` bits of the number (ddpm.burst_tx
sends 16) is unwrapped by :class:`PacketScore` to the full number nearest the highest one seen so far.
"""
import math
import threading
import time

import numpy as np

from gnuradio.ddpm.modelfile.rng import hash_key

__all__ = ["payload", "bit_errors", "PacketScore", "EmissionLog", "emission_log", "MAX_PAYLOAD_BYTES"]

#: the longest payload generated or scored (bytes)
MAX_PAYLOAD_BYTES = 1 << 20

_BIT_COUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)


def _check_seed(seed):
    if isinstance(seed, bool) or int(seed) != seed or not 0 <= int(seed) < 1 << 64:
        raise ValueError(f"seed must be an integer in [0, 2^64), got {seed!r}")
    return int(seed)


def _check_len(n, name="payload_bytes"):
    if isinstance(n, bool) or int(n) != n or not 1 <= int(n) <= MAX_PAYLOAD_BYTES:
        raise ValueError(f"{name} must be an integer from 1 to {MAX_PAYLOAD_BYTES}, got {n!r}")
    return int(n)


def payload(seed, seq, payload_bytes):
    """The payload of packet ``seq``: int seed (0 <= seed < 2^64), int seq >= 0, int payload_bytes
    (1 .. 2^20) -> uint8 [payload_bytes]. Deterministic (ddpm-rng-v1 words, see the module docstring)."""
    seed = _check_seed(seed)
    n = _check_len(payload_bytes)
    if isinstance(seq, bool) or int(seq) != seq or int(seq) < 0:
        raise ValueError(f"seq must be an integer >= 0, got {seq!r}")
    words = hash_key(seed, np.full((n + 7) // 8, int(seq), dtype=np.uint64),
                     np.arange((n + 7) // 8, dtype=np.uint64))
    return words.astype("<u8").view(np.uint8)[:n].copy()


def bit_errors(a, b):
    """Bit and byte errors between uint8 arrays a [Na] and b [Nb]: the common prefix compared bit by bit; each
    byte missing from the shorter or extra in the longer counts as 8 bit errors and 1 byte error.
    Returns (bit_errors: int, byte_errors: int)."""
    a = np.asarray(a, dtype=np.uint8).reshape(-1)
    b = np.asarray(b, dtype=np.uint8).reshape(-1)
    n = min(a.shape[0], b.shape[0])
    x = np.bitwise_xor(a[:n], b[:n])
    extra = abs(a.shape[0] - b.shape[0])
    return int(_BIT_COUNT[x].sum()) + 8 * extra, int(np.count_nonzero(x)) + extra


class EmissionLog:
    """Wall-clock emission times by sequence number, shared by a packet source and a scorer in one process
    (for latency). Keeps the latest ``capacity`` entries. Thread-safe."""

    def __init__(self, capacity=1 << 16):
        self._t = {}
        self._cap = int(capacity)
        self._lock = threading.Lock()

    def record(self, seq, t=None):
        """Record that packet seq (int) left at time.monotonic() (or at t, seconds)."""
        with self._lock:
            self._t[int(seq)] = time.monotonic() if t is None else float(t)
            if len(self._t) > self._cap:
                for k in sorted(self._t)[: len(self._t) - self._cap]:
                    del self._t[k]

    def get(self, seq):
        """Emission time (float seconds, time.monotonic() clock) of seq, or None."""
        with self._lock:
            return self._t.get(int(seq))

    def clear(self):
        with self._lock:
            self._t.clear()


_LOGS = {}
_LOGS_LOCK = threading.Lock()


def emission_log(seed):
    """The process-wide EmissionLog of packets made with ``seed`` (int): the source records into it, the scorer
    with the same seed reads from it. Two sources with one seed in one process share it (latency then
    refers to the latest emission of each seq)."""
    seed = _check_seed(seed)
    with _LOGS_LOCK:
        return _LOGS.setdefault(seed, EmissionLog())


class PacketScore:
    """Scores received packets against :func:`payload` (the block ddpm.packet_scorer wraps one).

    Args:
        payload_bytes: int, the transmitted payload length (1 .. 2^20).
        seed: int, the transmitter's seed.
        expected: int >= 0, packets sent (0 = infer: highest sequence number received + 1).
        seq_bits: int 0 or 1..63: the link carries seq mod 2^seq_bits (0 = the full number).

    Definitions (summary()):
        n_expected: expected, else highest unwrapped seq received + 1 (0 before any packet);
        n_received: distinct sequence numbers received; n_duplicate: repeats (not scored again);
        n_ok: received packets identical to the sent payload; n_errored: received with >= 1 bit error
        (including a wrong length); n_lost: n_expected - n_received (>= 0);
        per = (n_lost + n_errored) / n_expected;
        bit_errors, byte_errors: over the received packets (a byte missing or extra counts 8 bits, 1 byte);
        ber = bit_errors / (8 * payload_bytes * n_received), byte_error_rate likewise (errors among delivered
        bits: lost packets are in per, not here);
        n_out_of_order: packets whose seq is lower than one received before; n_malformed: inputs that were not
        a packet (counted by the caller through ``malformed()``);
        latency_*_s: seconds from emission (EmissionLog) to add(), over the packets whose emission is known:
        mean, p50, p99, max (NaN without any);
        snr_db_mean: mean of the received packets' snr_db metadata (NaN without any);
        lost: the lost sequence numbers, at most the first 100.
        All rates are NaN while their denominator is 0.
    """

    def __init__(self, payload_bytes=256, seed=0, expected=0, seq_bits=16):
        self._n = _check_len(payload_bytes)
        self._seed = _check_seed(seed)
        if isinstance(expected, bool) or int(expected) != expected or int(expected) < 0:
            raise ValueError(f"expected must be an integer >= 0, got {expected!r}")
        if isinstance(seq_bits, bool) or int(seq_bits) != seq_bits or not 0 <= int(seq_bits) <= 63:
            raise ValueError(f"seq_bits must be an integer from 0 to 63, got {seq_bits!r}")
        self._expected = int(expected)
        self._mod = 1 << int(seq_bits) if seq_bits else 0
        self._log = emission_log(self._seed)
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Forget every packet received."""
        with getattr(self, "_lock", threading.Lock()):
            self._seen = set()
            self._max = -1
            self._dup = 0
            self._ooo = 0
            self._errored = 0
            self._bits = 0
            self._bytes = 0
            self._malformed = 0
            self._lat = {}
            self._snr = []

    def set_expected(self, n):
        """Set the number of packets sent (int >= 0; 0 = infer from the highest seq)."""
        if isinstance(n, bool) or int(n) != n or int(n) < 0:
            raise ValueError(f"expected must be an integer >= 0, got {n!r}")
        with self._lock:
            self._expected = int(n)

    def unwrap(self, seq):
        """Full sequence number of a received (possibly wrapped) seq: int -> int."""
        seq = int(seq)
        if not self._mod:
            return seq
        seq %= self._mod
        if self._max < 0:
            return seq
        base = self._max - self._max % self._mod
        cands = [base - self._mod + seq, base + seq, base + self._mod + seq]
        cands = [c for c in cands if c >= 0]
        return min(cands, key=lambda c: abs(c - self._max))

    def malformed(self):
        """Count one input that was not a packet."""
        with self._lock:
            self._malformed += 1

    def add(self, seq, data, snr_db=None, t=None):
        """Score one received packet: int seq (>= 0; wrapped per seq_bits), data uint8 [L] (any length),
        optional snr_db (float) from its metadata, t: arrival time (time.monotonic(); default now).
        Returns (full seq: int, bit_errors: int, duplicate: bool)."""
        t = time.monotonic() if t is None else float(t)
        if isinstance(seq, bool) or int(seq) != seq or int(seq) < 0:
            raise ValueError(f"seq must be an integer >= 0, got {seq!r}")
        with self._lock:
            full = self.unwrap(seq)
            if full in self._seen:
                self._dup += 1
                return full, 0, True
            ref = payload(self._seed, full, self._n)
            be, by = bit_errors(ref, data)
            self._seen.add(full)
            if full < self._max:
                self._ooo += 1
            self._max = max(self._max, full)
            self._bits += be
            self._bytes += by
            self._errored += int(be > 0)
            t0 = self._log.get(full)
            if t0 is not None:
                self._lat[full] = t - t0
            if snr_db is not None and math.isfinite(snr_db):
                self._snr.append(float(snr_db))
            return full, be, False

    def latencies(self):
        """Latency by sequence number: dict full seq (int) -> seconds from emission to arrival (float), for the
        received packets whose emission time is known (same process)."""
        with self._lock:
            return dict(self._lat)

    def summary(self):
        """Scores so far: a dict (see the class docstring for the keys and definitions)."""
        nan = float("nan")
        with self._lock:
            n_exp = self._expected if self._expected else self._max + 1
            n_rx = len(self._seen)
            lost_n = max(0, n_exp - len([s for s in self._seen if s < n_exp]))
            lost = []
            for s in range(n_exp):
                if len(lost) >= 100:
                    break
                if s not in self._seen:
                    lost.append(s)
            lat = np.asarray(list(self._lat.values()), dtype=np.float64)
            nbits = 8 * self._n * n_rx
            r = dict(
                n_expected=n_exp, n_received=n_rx, n_ok=n_rx - self._errored, n_errored=self._errored,
                n_lost=lost_n, n_duplicate=self._dup, n_out_of_order=self._ooo, n_malformed=self._malformed,
                per=(lost_n + self._errored) / n_exp if n_exp > 0 else nan,
                bit_errors=self._bits, byte_errors=self._bytes,
                ber=self._bits / nbits if nbits else nan,
                byte_error_rate=self._bytes / (self._n * n_rx) if n_rx else nan,
                latency_mean_s=float(lat.mean()) if lat.size else nan,
                latency_p50_s=float(np.percentile(lat, 50)) if lat.size else nan,
                latency_p99_s=float(np.percentile(lat, 99)) if lat.size else nan,
                latency_max_s=float(lat.max()) if lat.size else nan,
                snr_db_mean=float(np.mean(self._snr)) if self._snr else nan,
                lost=lost,
            )
        return r
