#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""examples/burst_link_sim.grc: compiles, starts offscreen, and receives its packets (PER 0 at its default
Es/N0 of 22 dB over the ~100 packets of 2 seconds; its labels show PER, SNR and CFO estimates)."""
import os
import subprocess
import sys

import pytest

from grc_tools import grcc  # tests/fixtures, on sys.path via the root conftest.py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_burst_link_sim_receives_its_packets(tmp_path):
    pytest.importorskip("PyQt5")
    out = grcc(os.path.join(ROOT, "examples", "burst_link_sim.grc"), str(tmp_path))
    code = (
        "import sys, time, importlib.util\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from PyQt5 import Qt, QtCore\n"
        f"spec = importlib.util.spec_from_file_location('burst_link_sim', {out!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "app = Qt.QApplication(sys.argv)\n"
        "tb = m.burst_link_sim(); tb.start(); tb.show()\n"
        "t0 = time.monotonic()\n"
        "def poll():\n"
        "    if tb.stats.received() < 50 and time.monotonic() - t0 < 40:\n"
        "        QtCore.QTimer.singleShot(200, poll); return\n"
        "    print('RESULT', tb.stats.received(), tb.stats.per(), tb.stats.snr_db(), tb.stats.cfo_percent())\n"
        "    tb.stop(); tb.wait(); app.quit()\n"
        "QtCore.QTimer.singleShot(200, poll)\n"
        "app.exec_()\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90, env=env)
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("RESULT")]
    assert r.returncode == 0 and line, r.stdout[-3000:] + r.stderr[-3000:]
    received, per, snr, cfo = (float(v) for v in line[0].split()[1:])
    assert received >= 50
    assert per == 0.0
    assert abs(snr - 22.0) < 2.0          # the Es/N0 slider's default
    assert abs(cfo - 1.0) < 0.1           # the CFO slider's default, % of the symbol rate
