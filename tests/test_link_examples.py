#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""examples/zmq_tx.grc, zmq_rx.grc, usrp_tx.grc, usrp_rx.grc (the burst link of issue 14) compile with grcc
against the installed blocks. Their layout: left to right,
no block drawn over another."""
import os
import shutil
import subprocess

import pytest
import yaml

from grc_tools import ROOT

NAMES = ["zmq_tx", "zmq_rx", "usrp_tx", "usrp_rx"]


def example(name):
    return os.path.join(ROOT, "examples", name + ".grc")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """All four examples compiled by one grcc run (one block-library load): the output folder."""
    exe = shutil.which("grcc")
    assert exe, "grcc not found on PATH"
    d = tmp_path_factory.mktemp("burst_examples")
    r = subprocess.run([exe, "-o", str(d)] + [example(n) for n in NAMES], capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return d


@pytest.mark.parametrize("name", NAMES)
def test_burst_example_compiles(name, compiled):
    out = compiled / (name + ".py")
    assert out.exists(), name
    src = out.read_text()
    compile(src, str(out), "exec")
    if name.endswith("_tx"):
        assert "ddpm.packet_source(" in src and "ddpm.burst_tx(" in src
    else:
        assert "ddpm.burst_rx(" in src and "ddpm.packet_scorer(" in src and "qtgui.number_sink(" in src
        assert src.count("ddpm.metric_value(") == 4
    if name.startswith("zmq"):
        assert "tcp://127.0.0.1:" in src and "/dev/null" not in src
    else:
        assert "usrp_check.require_usrp(" in src


# approximate drawn sizes of GRC blocks (pixels): wider for the ones with many visible parameters
def _size(block):
    if block["id"] in ("ddpm_burst_tx", "ddpm_burst_rx"):
        return 320, 110
    if block["id"] in ("qtgui_number_sink", "uhd_usrp_source", "uhd_usrp_sink", "ddpm_ota_channel", "snippet"):
        return 200, 140
    if block["id"] in ("parameter", "variable", "import"):
        return 180, 110
    return 200, 70


@pytest.mark.parametrize("name", NAMES)
def test_burst_example_layout_has_no_overlap_and_flows_left_to_right(name):
    doc = yaml.safe_load(open(example(name)))
    boxes = {b["name"]: (tuple(b["states"]["coordinate"]), _size(b)) for b in doc["blocks"]}
    names = sorted(boxes)
    for i, a in enumerate(names):
        (xa, ya), (wa, ha) = boxes[a]
        for b in names[i + 1:]:
            (xb, yb), (wb, hb) = boxes[b]
            overlap = xa < xb + wb and xb < xa + wa and ya < yb + hb and yb < ya + ha
            assert not overlap, f"{name}: {a} at {(xa, ya)} overlaps {b} at {(xb, yb)}"
    for src, _, dst, _ in doc["connections"]:
        assert boxes[src][0][0] < boxes[dst][0][0], f"{name}: {src} -> {dst} flows right to left"
