#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""examples/zmq_tx.grc and zmq_rx.grc (issue 14: packets in bursts at the sample rate) joined by ZeroMQ on
127.0.0.1: the transmitter runs as a process (it exits after COUNT packets), the receiver's top block in this
process (Qt offscreen) so that its packet scorer can be read. At 25 dB every packet arrives with every byte right;
a restarted transmitter (its sequence numbers start again at 0) delivers its packets again as duplicates, never a
wrong byte (the old symbol-rate pair slipped a nibble for good). Skipped in a build without ddpm.burst_tx."""
import importlib.util
import os
import subprocess
import sys
import time


from grc_tools import free_port, grcc  # tests/fixtures (root conftest.py)

TIMEOUT = 90  # s per transmitter process


def wait_for(cond, timeout):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_zmq_burst_link_and_transmitter_restart(tmp_path):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tx_py, rx_py = grcc("zmq_tx", tmp_path), grcc("zmq_rx", tmp_path)
    from PyQt5 import Qt
    app = Qt.QApplication.instance() or Qt.QApplication([])  # noqa: F841 (the receiver's widgets need one)
    spec = importlib.util.spec_from_file_location("zmq_rx_generated", rx_py)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    port = free_port()
    rx = mod.zmq_rx(port=port)
    rx.start()
    try:
        def send(count):
            p = subprocess.run([sys.executable, tx_py, "-p", str(port), "-n", str(count), "-i", "0.01",
                                "-s", "25"], capture_output=True, text=True, timeout=TIMEOUT)
            assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]

        send(60)
        assert wait_for(lambda: rx.scorer.summary()["n_received"] >= 60, 10.0), rx.scorer.summary()
        first = rx.scorer.summary()
        assert first["n_errored"] == 0 and first["bit_errors"] == 0 and first["n_malformed"] == 0, first
        send(30)                                       # a transmitter restart: seq 0..29 again
        assert wait_for(lambda: rx.scorer.summary()["n_duplicate"] >= 28, 10.0), rx.scorer.summary()
        after = rx.scorer.summary()
        assert after["bit_errors"] == 0 and after["n_errored"] == 0, after
    finally:
        rx.stop()
        rx.wait()
