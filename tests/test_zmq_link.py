#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""examples/zmq_tx.grc and zmq_rx.grc as two processes joined by ZeroMQ on 127.0.0.1 (as between two SDR
hosts): compiled by grcc, the receiver recovers the transmitted bytes exactly at 25 dB, and both exit
cleanly within a time bound (killed on failure)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from grc_tools import free_port, grcc  # tests/fixtures, on sys.path via the root conftest.py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 90  # s per process; the transfer itself takes about a second




@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    d = tmp_path_factory.mktemp("zmq_grcc")
    return grcc("zmq_tx", d), grcc("zmq_rx", d)


def test_zmq_two_process_link_recovers_bytes(compiled, tmp_path):
    tx_py, rx_py = compiled
    n_bytes = 4000
    payload = np.random.default_rng(2026).integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    src, dst = tmp_path / "sent.bin", tmp_path / "received.bin"
    src.write_bytes(payload)
    port = free_port()
    rx = subprocess.Popen([sys.executable, rx_py, "-o", str(dst), "-p", str(port), "-n", str(n_bytes)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tx = subprocess.Popen([sys.executable, tx_py, "-i", str(src), "-p", str(port), "--snr-db", "25"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        tx_out, _ = tx.communicate(timeout=TIMEOUT)
        rx_out, _ = rx.communicate(timeout=TIMEOUT)
    finally:
        for p in (tx, rx):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert tx.returncode == 0, tx_out
    assert rx.returncode == 0, rx_out
    got = dst.read_bytes()
    assert len(got) == n_bytes
    assert got == payload, f"{sum(a != b for a, b in zip(got, payload))} of {n_bytes} bytes differ"
