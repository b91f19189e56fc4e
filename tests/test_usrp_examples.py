#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""examples/usrp_tx.grc and usrp_rx.grc without hardware: compiled by grcc, each stops within a time bound
with exit status 1 and one clear 'no USRP device found' line, not a traceback."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _usrp_present():
    from gnuradio.ddpm.core import usrp_check
    try:
        return bool(usrp_check.find_usrps(""))
    except Exception:
        return False


@pytest.mark.parametrize("name", ["usrp_tx", "usrp_rx"])
def test_usrp_example_without_device_exits_cleanly(name, tmp_path):
    if _usrp_present():
        pytest.skip("a USRP is connected: this test checks the no-hardware path")
    exe = shutil.which("grcc")
    assert exe, "grcc not found on PATH"
    r = subprocess.run([exe, "-o", str(tmp_path), os.path.join(ROOT, "examples", name + ".grc")],
                       capture_output=True, text=True, timeout=120)
    out = tmp_path / (name + ".py")
    assert r.returncode == 0 and out.exists(), r.stdout[-3000:] + r.stderr[-3000:]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")  # usrp_rx is a Qt flowgraph
    p = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    assert "gr-ddpm: no USRP device found" in p.stderr.strip().splitlines()[-1], p.stderr
