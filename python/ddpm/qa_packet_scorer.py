#!/usr/bin/env python
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ddpm.packet_source, ddpm.packet_scorer and ddpm.metric_value in flowgraphs: synthetic PDUs with drops, bit
errors, reordering and malformed messages of any PMT type; the scorer's stats reaching a float stream."""
import threading
import time

import numpy as np
import pmt
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import packets


def wait_for(cond, timeout=10.0):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


class msg_list_source(gr.basic_block):
    """Publishes a list of PMTs on ``out`` once the flowgraph starts."""

    def __init__(self, msgs):
        gr.basic_block.__init__(self, name="qa_msg_list_source", in_sig=None, out_sig=None)
        self.msgs = list(msgs)
        self.message_port_register_out(pmt.intern("out"))
        self.done = threading.Event()

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()
        return True

    def _run(self):
        for m in self.msgs:
            self.message_port_pub(pmt.intern("out"), m)
        self.done.set()


def pdu(seq, data, **meta):
    d = pmt.make_dict()
    if seq is not None:
        d = pmt.dict_add(d, pmt.intern("seq"), pmt.from_long(seq))
    for k, v in meta.items():
        d = pmt.dict_add(d, pmt.intern(k), v)
    return pmt.cons(d, pmt.init_u8vector(len(data), [int(b) for b in data]))


MALFORMED = [pmt.PMT_NIL, pmt.PMT_T, pmt.from_long(3), pmt.intern("x"), pmt.make_dict(),
             pmt.init_u8vector(3, [1, 2, 3]), pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(1, [0])),
             pmt.cons(pmt.make_dict(), pmt.init_f32vector(1, [0.0])),
             pdu(None, b"abc"), pmt.cons(pmt.dict_add(pmt.make_dict(), pmt.intern("seq"), pmt.intern("a")),
                                         pmt.init_u8vector(1, [0])),
             pmt.cons(pmt.dict_add(pmt.make_dict(), pmt.intern("seq"), pmt.from_double(1.5)),
                      pmt.init_u8vector(1, [0])),
             pmt.cons(pmt.dict_add(pmt.make_dict(), pmt.intern("seq"), pmt.from_long(-2)),
                      pmt.init_u8vector(1, [0])),
             pmt.make_vector(2, pmt.PMT_NIL), pmt.make_tuple(pmt.from_long(1))]


def test_scorer_in_a_flowgraph_counts_drops_errors_reordering_and_malformed():
    n = 64
    good = {q: packets.payload(7, q, n) for q in range(12)}
    bad = good[5].copy()
    bad[10] ^= 0x10
    order = [0, 2, 1, 3, 5, 6, 8, 7, 9, 11]        # 4 and 10 lost, two swaps
    msgs = []
    for q in order:
        msgs.append(pdu(q, bad if q == 5 else good[q], snr_db=pmt.from_double(12.0)))
        if q == 3:
            msgs += MALFORMED
    msgs.append(pdu(6, good[6]))                    # a duplicate
    tb = gr.top_block()
    src = msg_list_source(msgs)
    sc = ddpm.packet_scorer(payload_bytes=n, seed=7, seq_bits=0)
    stats = blocks.message_debug()
    tb.msg_connect((src, "out"), (sc, "in"))
    tb.msg_connect((sc, "stats"), (stats, "store"))
    tb.start()
    try:
        assert wait_for(lambda: stats.num_messages() == len(msgs))
    finally:
        tb.stop()
        tb.wait()
    r = sc.summary()
    assert r["n_malformed"] == len(MALFORMED)
    assert r["n_received"] == 10 and r["n_duplicate"] == 1 and r["lost"] == [4, 10]
    assert r["n_errored"] == 1 and r["bit_errors"] == 1 and r["n_out_of_order"] == 2
    assert r["per"] == pytest.approx(3 / 12) and sc.per() == pytest.approx(3 / 12)
    assert sc.ber() == pytest.approx(1 / (10 * n * 8))
    assert r["snr_db_mean"] == pytest.approx(12.0)
    last = stats.get_message(stats.num_messages() - 1)
    assert pmt.to_double(pmt.dict_ref(last, pmt.intern("per"), pmt.PMT_NIL)) == pytest.approx(3 / 12)
    assert pmt.to_long(pmt.dict_ref(last, pmt.intern("n_lost"), pmt.PMT_NIL)) == 2


def test_source_to_scorer_round_trip_with_latency():
    tb = gr.top_block()
    src = ddpm.packet_source(payload_bytes=100, seed=99, interval_s=0.002, count=40)
    sc = ddpm.packet_scorer(payload_bytes=100, seed=99, expected=40)
    tb.msg_connect((src, "out"), (sc, "in"))
    tb.start()
    try:
        assert wait_for(lambda: sc.summary()["n_received"] == 40)
    finally:
        tb.stop()
        tb.wait()
    r = sc.summary()
    assert r["per"] == 0 and r["ber"] == 0 and r["n_lost"] == 0 and src.sent() == 40
    assert 0 <= r["latency_mean_s"] <= r["latency_max_s"] < 5.0
    lat = sc.latencies()
    assert sorted(lat) == list(range(40)) and all(0 <= v < 5.0 for v in lat.values())
    # the PDU carries its seq and the documented payload
    p = src.pdu(3)
    assert pmt.to_long(pmt.dict_ref(pmt.car(p), pmt.intern("seq"), pmt.PMT_NIL)) == 3
    np.testing.assert_array_equal(np.array(pmt.u8vector_elements(pmt.cdr(p)), np.uint8),
                                  packets.payload(99, 3, 100))


@pytest.mark.parametrize("kw", [dict(payload_bytes=0), dict(seed=-1), dict(interval_s=-1),
                                dict(interval_s=float("nan")), dict(count=-1), dict(count=1.5)])
def test_source_bad_parameters(kw):
    with pytest.raises(ValueError):
        ddpm.packet_source(**kw)


@pytest.mark.parametrize("kw", [dict(payload_bytes=0), dict(seed=-1), dict(expected=-1), dict(seq_bits=64),
                                dict(update_period=0)])
def test_scorer_bad_parameters(kw):
    with pytest.raises(ValueError):
        ddpm.packet_scorer(**kw)


def run_metric_value(msgs, key, n_items=30, **kw):
    """Messages -> metric_value(key) -> head(n_items) -> sink; returns the float items."""
    tb = gr.top_block()
    src = msg_list_source(msgs)
    mv = ddpm.metric_value(key=key, rate_hz=1000.0, **kw)
    # the block emits the latest value at rate_hz: hold the head until every message was handled
    head = blocks.head(gr.sizeof_float, n_items)
    snk = blocks.vector_sink_f()
    tb.msg_connect((src, "out"), (mv, "in"))
    tb.connect(mv, head, snk)
    tb.start()
    try:
        assert wait_for(lambda: len(snk.data()) >= n_items)
    finally:
        tb.stop()
        tb.wait()
    return np.asarray(snk.data()), mv


def test_metric_value_reads_dicts_pairs_numbers_and_ignores_the_rest():
    d = pmt.dict_add(pmt.make_dict(), pmt.intern("per"), pmt.from_double(0.125))
    not_numbers = [m for m in MALFORMED if not pmt.is_number(m)]     # a bare number is a value by design
    msgs = [d] + not_numbers + [pmt.cons(pmt.intern("ber"), pmt.from_double(9.0)),
                             pmt.dict_add(pmt.make_dict(), pmt.intern("per"), pmt.from_complex(1j)),
                             pmt.dict_add(pmt.make_dict(), pmt.intern("per"), pmt.intern("x"))]
    tb = gr.top_block()
    mv = ddpm.metric_value(key="per", scale=100.0)
    for m in msgs:
        mv._handle(m)
    assert mv.value() == pytest.approx(12.5)
    mv._handle(pmt.cons(pmt.intern("per"), pmt.from_long(2)))
    assert mv.value() == pytest.approx(200.0)
    mv._handle(pmt.from_double(0.5))
    assert mv.value() == pytest.approx(50.0)
    pdu_ = pdu(1, b"ab", per=pmt.from_double(0.25))
    mv._handle(pdu_)
    assert mv.value() == pytest.approx(25.0)
    del tb


def test_metric_value_stream_shows_the_scorer_per():
    # scorer stats -> metric_value(per) -> float stream (what a QT GUI Number Sink would show)
    n = 16
    msgs = [pdu(q, packets.payload(1, q, n)) for q in (0, 1, 3)]  # 2 lost: PER 1/4
    tb = gr.top_block()
    src = msg_list_source(msgs)
    sc = ddpm.packet_scorer(payload_bytes=n, seed=1, seq_bits=0)
    mv = ddpm.metric_value(key="per", rate_hz=200.0)
    snk = blocks.vector_sink_f()
    tb.msg_connect((src, "out"), (sc, "in"))
    tb.msg_connect((sc, "stats"), (mv, "in"))
    tb.connect(mv, snk)
    tb.start()
    try:
        assert wait_for(lambda: len(snk.data()) > 0 and snk.data()[-1] == pytest.approx(0.25))
    finally:
        tb.stop()
        tb.wait()
    out = np.asarray(snk.data())
    assert np.all(np.isnan(out) | np.isclose(out, 0.0) | np.isclose(out, 0.25))
    assert mv.value() == pytest.approx(0.25)


def test_metric_value_bad_parameters():
    for kw in (dict(key=""), dict(rate_hz=0.5), dict(rate_hz=1e5), dict(scale=float("inf"))):
        with pytest.raises(ValueError):
            ddpm.metric_value(**kw)


def test_metric_value_lets_the_flowgraph_stop_within_one_period():
    tb = gr.top_block()
    mv = ddpm.metric_value(key="per", rate_hz=2.0)
    snk = blocks.null_sink(gr.sizeof_float)
    tb.connect(mv, snk)
    tb.start()
    assert wait_for(lambda: snk.nitems_read(0) >= 1, 5.0)
    t0 = time.monotonic()
    tb.stop()
    tb.wait()
    assert time.monotonic() - t0 < 0.5 + 1.0      # one period (0.5 s) and scheduling slack
