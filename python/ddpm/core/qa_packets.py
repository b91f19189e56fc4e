#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.ddpm.core.packets: deterministic payloads and the packet score (drops, bit errors, reordering,
duplicates, sequence-number wrap)."""
import numpy as np
import pytest

from gnuradio.ddpm.core import packets
from gnuradio.ddpm.modelfile.rng import hash_key


def test_payload_is_the_documented_function_of_seed_and_seq():
    p = packets.payload(5, 17, 20)
    assert p.dtype == np.uint8 and p.shape == (20,)
    # byte i = byte (i mod 8), least significant first, of hash_key(seed, seq, i // 8), written out here
    for i in range(20):
        w = int(hash_key(5, 17, i // 8))
        assert p[i] == (w >> (8 * (i % 8))) & 0xFF
    np.testing.assert_array_equal(packets.payload(5, 17, 20), p)
    np.testing.assert_array_equal(packets.payload(5, 17, 7), p[:7])
    assert not np.array_equal(packets.payload(5, 18, 20), p)
    assert not np.array_equal(packets.payload(6, 17, 20), p)
    # the bytes look uniform: 256 packets of 256 bytes, every byte value about 256 times (5 sigma)
    allb = np.concatenate([packets.payload(1, s, 256) for s in range(256)])
    counts = np.bincount(allb, minlength=256)
    assert np.all(np.abs(counts - 256) < 5 * np.sqrt(256))


@pytest.mark.parametrize("kw", [dict(seed=-1), dict(seed=1 << 64), dict(seq=-1), dict(payload_bytes=0),
                                dict(payload_bytes=(1 << 20) + 1), dict(seq=1.5)])
def test_payload_rejects_bad_arguments(kw):
    args = dict(seed=0, seq=0, payload_bytes=4)
    args.update(kw)
    with pytest.raises(ValueError):
        packets.payload(**args)


def test_bit_errors_counts_bits_and_length_differences():
    a = np.array([0, 255, 7], np.uint8)
    assert packets.bit_errors(a, a) == (0, 0)
    assert packets.bit_errors(a, [1, 255, 4]) == (1 + 2, 2)
    assert packets.bit_errors(a, [0, 255]) == (8, 1)
    assert packets.bit_errors(a, [0, 255, 7, 9, 9]) == (16, 2)


def test_score_drops_errors_reordering_duplicates():
    n = 32
    s = packets.PacketScore(payload_bytes=n, seed=3, seq_bits=0)
    ok = lambda q: packets.payload(3, q, n)   # noqa: E731
    for q in (0, 1, 3, 2, 5):                 # 4 lost, 3 and 2 swapped
        s.add(q, ok(q), snr_db=10.0 + q)
    bad = ok(6).copy()
    bad[0] ^= 0x81                             # two bit errors in one byte
    s.add(6, bad)
    s.add(1, ok(1))                            # duplicate
    r = s.summary()
    assert r["n_expected"] == 7 and r["n_received"] == 6 and r["n_lost"] == 1 and r["lost"] == [4]
    assert r["n_errored"] == 1 and r["n_ok"] == 5 and r["n_duplicate"] == 1 and r["n_out_of_order"] == 1
    assert r["bit_errors"] == 2 and r["byte_errors"] == 1
    assert r["per"] == pytest.approx(2 / 7)
    assert r["ber"] == pytest.approx(2 / (6 * n * 8))
    assert r["byte_error_rate"] == pytest.approx(1 / (6 * n))
    assert r["snr_db_mean"] == pytest.approx(np.mean([10, 11, 13, 12, 15]))
    s.set_expected(10)                         # 3 more were sent and never arrived
    r = s.summary()
    assert r["n_lost"] == 4 and r["lost"] == [4, 7, 8, 9] and r["per"] == pytest.approx(5 / 10)
    s.reset()
    r = s.summary()
    assert r["n_received"] == 0 and r["n_lost"] == 10 and np.isnan(r["ber"])


def test_score_unwraps_16_bit_sequence_numbers():
    s = packets.PacketScore(payload_bytes=8, seed=0, seq_bits=16)
    for q in list(range(65530, 65536)) + list(range(65536, 65541)):
        s.add(q % 65536, packets.payload(0, q, 8))
    s.add(65534, packets.payload(0, 65534, 8))   # late and a duplicate of the unwrapped 65534
    r = s.summary()
    assert r["n_errored"] == 0 and r["n_received"] == 11 and r["n_duplicate"] == 1
    assert r["n_expected"] == 65541 and r["n_lost"] == 65530
    assert s.unwrap(3) == 65539


def test_latency_from_the_emission_log():
    s = packets.PacketScore(payload_bytes=8, seed=12345, seq_bits=0)
    log = packets.emission_log(12345)
    log.record(0, t=100.0)
    log.record(1, t=101.0)
    s.add(0, packets.payload(12345, 0, 8), t=100.25)
    s.add(1, packets.payload(12345, 1, 8), t=101.75)
    s.add(2, packets.payload(12345, 2, 8), t=102.0)       # emission unknown: not in the latency figures
    r = s.summary()
    assert r["latency_mean_s"] == pytest.approx(0.5) and r["latency_max_s"] == pytest.approx(0.75)
    lat = s.latencies()
    assert set(lat) == {0, 1} and lat[0] == pytest.approx(0.25) and lat[1] == pytest.approx(0.75)
    log.clear()
