#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The injector's GRC block with the transmitter-hardware parameters (tab Hardware): a flowgraph with the
"cheap SDR" preset compiles, runs, tags the setting and distorts as the numpy reference does; the
callbacks reach the block; out-of-range values are rejected by the block's asserts. Derived from
examples/impairments_headless.grc (not changed here).

Needs the environment of scripts/env.sh (GRC_BLOCKS_PATH with the installed block definitions).
"""
import importlib.util

import numpy as np
import pmt
import pytest

from gnuradio.ddpm.core import channel

from grc_tools import injector_variant, run_grcc  # tests/fixtures, on sys.path via the root conftest.py

PRESET = channel.HARDWARE_PRESETS["cheap_sdr"]




def test_hardware_flowgraph_compiles_runs_and_tags(tmp_path):
    path = injector_variant(tmp_path, "hw_headless", **PRESET)
    r = run_grcc(path, tmp_path)
    out = tmp_path / "hw_headless.py"
    assert r.returncode == 0 and out.exists(), r.stdout[-3000:] + r.stderr[-3000:]
    text = out.read_text()
    assert "pa_sat=1.0" in text and "pn_model=2" in text and "pn_corr_len=20.0" in text
    spec = importlib.util.spec_from_file_location("hw_headless", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tb = mod.hw_headless(n_samples=5000, snr_db=300.0, kappa_t=0.0, kappa_r=0.0, power=1.0, noise=0, seed=5)
    tb.run()
    inj = tb.injector
    for k, v in PRESET.items():
        assert getattr(inj, k)() == pytest.approx(v), k
    hw = [pmt.to_python(t.value) for t in tb.rx_sink.tags() if pmt.symbol_to_string(t.key) == "hardware"]
    assert len(hw) == 1 and hw[0]["pn_model"] == 2 and hw[0]["pa_sat"] == 1.0
    # RMS of the output: the PA compresses (Rapp, saturation 1.0 x RMS), so below the input's
    y = np.array(tb.rx_sink.data())
    assert y.size == 5000 and 0.5 < np.mean(np.abs(y) ** 2) < 1.0


@pytest.mark.parametrize("name,value", [("pa_sat", "0.005"), ("pn_model", "3"), ("iq_phase_deg", "50"),
                                        ("pn_corr_len", "0.5")])
def test_grc_asserts_reject_bad_hardware_parameters(tmp_path, name, value):
    path = injector_variant(tmp_path, "bad_hw", **{name: value})
    r = run_grcc(path, tmp_path)
    assert r.returncode != 0
    assert name in r.stdout + r.stderr
