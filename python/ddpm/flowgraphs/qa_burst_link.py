#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""burst_tx -> channels.channel_model -> burst_rx with real payload bytes (docs/burst.md).

The kernel's own statistics (detection at 10 dB, noise-only input, CFO +-3 %, multipath, SNR estimate) are
tested in lib/qa_burst_sync.cc; here the hier blocks, the frame on gr-ddpm's constellation labels, the PDUs
and their metadata, both receivers, and the burst-mode tags.
"""
import time
import zlib

import numpy as np
import pmt
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.burst_decoder import burst_decoder
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.flowgraphs.burst_link import run_burst_link


def payloads(n, seed, lo=1, hi=300):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, int(rng.integers(lo, hi))).astype(np.uint8).tobytes() for _ in range(n)]


def test_frame_uses_gr_ddpm_constellation_labels():
    """The data symbols are payload + CRC-32 (zlib's, computed independently here) MSB first, k bits per symbol,
    value i -> core.constellations point i; pilots and preamble as documented."""
    for name in ("qam16", "qpsk", "qam64"):
        pts = constellations.by_name(name)
        fmt = ddpm.burst_format(pts)
        k = fmt.bits_per_symbol
        payload = bytes(range(1, 38))
        sym = np.asarray(fmt.modulate(payload, 5))
        assert len(sym) == fmt.burst_symbols(len(payload))
        full = payload + zlib.crc32(payload).to_bytes(4, "little")
        bits = np.unpackbits(np.frombuffer(full, np.uint8))
        bits = np.concatenate([bits, np.zeros((-len(bits)) % k, np.uint8)])
        values = constellations.bits_to_symbols(bits, k)
        idx = [fmt.data_index(i) for i in range(fmt.data_symbols(len(payload)))]
        np.testing.assert_allclose(sym[idx], pts[values], atol=1e-6)
        np.testing.assert_array_equal(fmt.data_values(payload), values)
        assert fmt.crc32(payload) == zlib.crc32(payload)
        pre = np.asarray(fmt.preamble())
        np.testing.assert_allclose(sym[:64], pre)
        np.testing.assert_allclose(pre[48:], -pre[:16], atol=1e-6)
        # the Frank segment has perfect periodic autocorrelation
        a = pre[:16]
        for lag in range(1, 16):
            assert abs(np.vdot(a, np.roll(a, lag))) < 1e-5
        assert fmt.decode_payload(sym[idx], len(payload)) == payload


@pytest.mark.parametrize("receiver", ["slicer", "ddpm"])
def test_round_trip_bytes(receiver):
    """Random payload bytes through the channel at 28 dB with CFO 1 % of the symbol rate, random carrier
    phase and a fractional delay: every PDU comes back, bytes equal, sequence numbers 0..n-1, metadata as
    documented (cfo within 2e-4 cycles/sample = 0.08 % of the symbol rate; SNR within 2 dB)."""
    sent = payloads(10, seed=4)
    res = run_burst_link(sent, receiver=receiver, esn0_db=28.0, cfo=0.0025, phase=2.3, delay=0.4, seed=7)
    got = {m["seq"]: (m, b) for m, b in res["pdus"]}
    assert sorted(got) == list(range(len(sent)))
    for seq, p in enumerate(sent):
        meta, data = got[seq]
        assert data == p
        assert meta["len"] == len(p)
        assert isinstance(meta["time"], int) and isinstance(meta["seq"], int)
        assert abs(meta["cfo"] - 0.0025) < 2e-4
        assert abs(meta["snr_db"] - 28.0) < 2.0
        assert 0.5 < meta["detect_metric"] <= 1.0
    times = [got[s][0]["time"] for s in range(len(sent))]
    assert all(b > a for a, b in zip(times, times[1:]))
    st = res["stats"]
    assert st["bursts"] == st["received"] == st["sent"] == len(sent) and st["crc_failures"] == 0
    assert st["denoiser"] == (receiver == "ddpm")


def test_multipath_and_negative_cfo():
    """3-tap [1, 0.3j, 0.1] with -1 % CFO at 26 dB: all payloads back (slicer)."""
    sent = payloads(6, seed=9, lo=200, hi=257)
    res = run_burst_link(sent, esn0_db=26.0, cfo=-0.0025, phase=-0.8, taps=(1, 0.3j, 0.1), seed=3)
    assert sorted(m["seq"] for m, _ in res["pdus"]) == list(range(6))
    assert all(b == sent[m["seq"]] for m, b in res["pdus"])


def test_burst_mode_tags():
    """mode "burst": tx_sob on the first and tx_eob on the last sample of every burst, the filter tail inside."""
    snk = blocks.vector_sink_c()
    sent = payloads(3, seed=1, lo=10, hi=40)
    tb2 = gr.top_block()
    tx2 = ddpm.burst_tx(mode="burst")
    n = sum((tx2.framer.fmt.burst_symbols(len(p)) + tx2.framer.tail) * 4 for p in sent)
    head = blocks.head(gr.sizeof_gr_complex, n)
    tb2.connect(tx2, head, snk)
    for p in sent:
        tx2.framer.to_basic_block()._post(pmt.intern("in"), pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(len(p), list(p))))
    # burst mode idles without output between bursts: stop the flowgraph once all samples are there
    tb2.start()
    deadline = time.monotonic() + 30
    while len(snk.data()) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    tb2.stop()
    tb2.wait()
    tags = snk.tags()
    sob = sorted(t.offset for t in tags if pmt.symbol_to_string(t.key) == "tx_sob")
    eob = sorted(t.offset for t in tags if pmt.symbol_to_string(t.key) == "tx_eob")
    assert len(sob) == len(eob) == 3
    x = np.asarray(snk.data())
    assert len(x) == n
    for s, e in zip(sob, eob):
        assert e > s
        # the burst's last samples (the filter tail) have died out before tx_eob
        assert np.max(np.abs(x[e - 4:e + 1])) < 1e-3
    assert sob[0] == 0 and all(b == a + 4 for a, b in zip(eob, sob[1:]))  # eob on the last symbol's first sample


def test_bad_messages_are_dropped():
    fr = ddpm.burst_tx().framer
    fr._handle(pmt.intern("junk"))
    fr._handle(pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(0, [])))
    fr._handle(pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(5000, [0] * 5000)))
    assert fr.dropped == 3 and not fr._queue
    fr._handle(pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(3, [1, 2, 3])))
    assert len(fr._queue) == 1 and fr.seq == 1
    with pytest.raises(ValueError):
        ddpm.burst_rx(receiver="viterbi")
    with pytest.raises(ValueError):
        ddpm.burst_tx(mode="bursty")
    with pytest.raises(ValueError):
        ddpm.burst_sync_cc(constellations.qam(16), sps=1)


def test_long_payloads_with_sampling_rate_offset():
    """3000-byte payloads (6008 symbols) with a 100 ppm sampling-rate offset drift by 0.6 symbol over a burst;
    the receiver's drift estimate keeps them decodable at 26 dB (and a fractional delay, -1 % CFO)."""
    sent = payloads(3, seed=12, lo=3000, hi=3001)
    res = run_burst_link(sent, esn0_db=26.0, cfo=-0.0025, phase=0.4, sro_ppm=100.0, delay=0.7, seed=5)
    assert sorted(m["seq"] for m, _ in res["pdus"]) == [0, 1, 2]
    assert all(b == sent[m["seq"]] for m, b in res["pdus"])


def test_decoder_survives_malformed_tags():
    """burst tags of the wrong PMT type, with missing keys or negative lengths are skipped with a warning; a good
    burst behind them still comes out."""
    fmt = ddpm.burst_format(constellations.qam(16))
    payload = b"abcdefgh"
    idx = [fmt.data_index(i) for i in range(fmt.data_symbols(len(payload)))]
    good = np.asarray(fmt.modulate(payload, 9))[idx]

    def tag(offset, value):
        t = gr.tag_t()
        t.offset, t.key, t.value = offset, pmt.intern("burst"), value
        return t

    meta = pmt.make_dict()
    for k, v in (("seq", 9), ("len", len(payload)), ("nsym", len(good)), ("time", 0)):
        meta = pmt.dict_add(meta, pmt.intern(k), pmt.from_long(v))
    for k in ("snr_db", "snr_eq_db", "cfo", "detect_metric"):
        meta = pmt.dict_add(meta, pmt.intern(k), pmt.from_double(1.0))
    bad_len = pmt.dict_add(meta, pmt.intern("len"), pmt.from_long(-3))
    bad_flag = pmt.dict_add(meta, pmt.intern("iq_image"), pmt.from_double(1.0))
    x = np.concatenate([np.ones(30, np.complex64), good.astype(np.complex64)])
    tags = [tag(0, pmt.intern("junk")), tag(10, pmt.make_dict()), tag(20, bad_len), tag(25, bad_flag),
            tag(30, meta)]
    src = blocks.vector_source_c(x.tolist(), False, 1, tags)
    dec = burst_decoder("qam16")
    dbg = blocks.message_debug()
    tb = gr.top_block()
    tb.connect(src, dec)
    tb.msg_connect(dec, "out", dbg, "store")
    tb.run()
    assert dbg.num_messages() == 1
    assert bytes(pmt.u8vector_elements(pmt.cdr(dbg.get_message(0)))) == payload
    assert dec.received == 1 and dec.crc_failures == 0


def _bursts_of_256(n, seed):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, 256).astype(np.uint8).tobytes() for _ in range(n)]


def test_ota_channel_es_n0_is_the_bursts_own_snr_estimate():
    # burst_tx has power 1 per sample inside a burst; run_burst_link gives ota_channel signal_power = 1, so its
    # snr_db is the Es/N0 that burst_sync_cc estimates (with ota_channel's default 1/sps it would read +6 dB).
    # Per burst the LS noise estimate (64 preamble symbols, 6 taps) has ~0.6 dB spread; the median of 20 bursts
    # ~0.17 dB: 0.5 dB is 3 sigma.
    pl = _bursts_of_256(20, 5)
    res = run_burst_link(pl, receiver="slicer", esn0_db=16.0, profile="P0", seed=4, keep_symbols=True)
    assert res["channel"]["signal_power"] == 1.0 and res["channel"]["profile"] == "P0"
    assert len(res["headers"]) == len(pl)      # every header decoded (PER is high at 16 dB: no payload check)
    est = np.median([h["snr_db"] for h in res["headers"]])
    assert abs(est - 16.0) < 0.5, est


def test_ddpm_denoised_symbols_mse_at_least_3_db_below_equalised():
    # P0 at 16 dB, 10 bursts x 520 data symbols; the same seed gives both receivers the same channel and noise,
    # so the slicer's symbols output is exactly the equaliser output the denoiser gets.
    pl = _bursts_of_256(10, 6)
    fmt = ddpm.burst_format(constellations.by_name("qam16"))
    pts = constellations.by_name("qam16")
    runs = {r: run_burst_link(pl, receiver=r, esn0_db=16.0, profile="P0", seed=9, symbols=True)
            for r in ("slicer", "ddpm")}
    err = {}
    for r, res in runs.items():
        seen = dict(res["symbols"])
        assert len(seen) == len(pl), (r, sorted(seen))
        err[r] = np.concatenate([np.abs(seen[s] - pts[np.asarray(fmt.data_values(pl[s]))]) ** 2
                                 for s in range(len(pl))])
    n = err["slicer"].size
    mse_eq, mse_dn = err["slicer"].mean(), err["ddpm"].mean()
    # the equalised symbols carry the channel's noise: variance 10^-1.6 = 0.0251 (3 sigma of an exponential mean)
    assert abs(mse_eq / 10 ** -1.6 - 1) < 3 / np.sqrt(n) + 0.03, mse_eq
    gain_db = 10 * np.log10(mse_eq / mse_dn)
    # 3-sigma width of the dB ratio of two sample means (delta method, correlation ignored: conservative)
    tol_db = 3 * 10 / np.log(10) * np.sqrt((err["slicer"].std() / mse_eq) ** 2 / n
                                           + (err["ddpm"].std() / mse_dn) ** 2 / n)
    print(f"MSE equalised {mse_eq:.5f}, denoised {mse_dn:.5f}: {gain_db:.2f} dB lower (+-{tol_db:.2f} dB)")
    assert gain_db - tol_db >= 3.0, (gain_db, tol_db)


def test_pdus_report_the_transmitter_hardware_the_receiver_corrected():
    # P5's cheap transmitter (IQ imbalance 0.5 dB / 3 deg, PA, 1 deg phase noise) at 40 dB: every burst flags all
    # three (each is significant by far; at 30 dB 37 of 40 bursts flagged the phase noise, at 21 dB 5); P0 at the
    # same SNR: none (0.1 % false alarms per burst and flag, and a floor on what matters)
    rng = np.random.default_rng(12)
    pl = [rng.integers(0, 256, 256).astype(np.uint8).tobytes() for _ in range(12)]
    for prof, expect in (("P5", True), ("P0", False)):
        res = run_burst_link(pl, receiver="slicer", esn0_db=40.0, profile=prof, seed=5)
        assert len(res["pdus"]) == len(pl)
        for meta, data in res["pdus"]:
            assert data == pl[meta["seq"]]
            flags = [meta[k] for k in ("iq_image", "pa_compression", "phase_noise")]
            assert all(isinstance(f, bool) for f in flags)
            assert flags == [expect] * 3, (prof, meta)


def test_qam256_through_a_cheap_transmitter():
    # 256-QAM through P5 at 40 dB: pass 1 decides without the IQ / PA / phase-noise corrections (8 % of its
    # decisions wrong); the repeated second pass gets 14 of these 20 bursts through (3 with a single second pass).
    # The rest is the PA's neighbour-dependent distortion (noise-free: 15 of 20 bursts of 256 bytes).
    rng = np.random.default_rng(3)
    pl = [rng.integers(0, 256, 100).astype(np.uint8).tobytes() for _ in range(20)]
    res = run_burst_link(pl, receiver="slicer", esn0_db=40.0, profile="P5", seed=5, constellation="qam256")
    good = [m for m, b in res["pdus"] if b == pl[m["seq"]]]
    assert len(good) >= 10, len(good)
    assert all(m["iq_image"] and m["pa_compression"] for m in good)
