#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The injector's GRC block with the multi-antenna parameters (TX Antennas, TX CSI): a flowgraph with
4 antennas and CSI compiles, runs and shows the array gain; out-of-range values are rejected by the
block's asserts. Derived from examples/impairments_headless.grc (not changed here).

Needs the environment of scripts/env.sh (GRC_BLOCKS_PATH with the installed block definitions).
"""
import importlib.util

import numpy as np
import pmt
import pytest

from grc_tools import injector_variant, run_grcc  # tests/fixtures, on sys.path via the root conftest.py





def test_miso_flowgraph_compiles_and_runs(tmp_path):
    path = injector_variant(tmp_path, "miso_headless", fading=1, antennas=4, csi=1)
    r = run_grcc(path, tmp_path)
    out = tmp_path / "miso_headless.py"
    assert r.returncode == 0 and out.exists(), r.stdout[-3000:] + r.stderr[-3000:]
    assert "antennas=4, csi=1" in out.read_text()
    spec = importlib.util.spec_from_file_location("miso_headless", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    n = 20_000
    tb = mod.miso_headless(n_samples=n, snr_db=300.0, kappa_t=0.0, kappa_r=0.0, power=1.0, noise=0, seed=5)
    tb.run()
    assert (tb.injector.antennas(), tb.injector.csi()) == (4, 1)
    y = np.array(tb.rx_sink.data())
    g = np.array([pmt.to_python(t.value) for t in tb.rx_sink.tags() if pmt.symbol_to_string(t.key) == "h"])
    assert y.size == n and g.size == n // 1000            # coherence length 1000 in the example
    # CSI: g = ||h|| real, positive
    assert np.all(g.imag == 0) and np.all(g.real > 0)


@pytest.mark.parametrize("antennas,csi,word", [(65, 0, "antennas"), (0, 0, "antennas"), (4, 2, "csi")])
def test_grc_asserts_reject_bad_miso_parameters(tmp_path, antennas, csi, word):
    path = injector_variant(tmp_path, "bad_miso", fading=1, antennas=antennas, csi=csi)
    r = run_grcc(path, tmp_path)
    assert r.returncode != 0
    assert word in r.stdout + r.stderr
