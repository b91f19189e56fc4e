#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The link parts in GRC (issue 14): grcc generates C++ for a flowgraph with the denoiser, the injector and the
LLR demapper (cpp_templates); a Python flowgraph built from the new blocks compiles and runs headless, with
Link Metrics and Packet Scorer values reaching a float stream (what a QT GUI Number Sink takes) through
DDPM Metric Value; a QT GUI flowgraph with Number Sinks compiles."""
import importlib.util
import shutil
import subprocess
import time

import numpy as np
import pytest
from grc_tools import write_grc  # tests/fixtures, on sys.path via the root conftest.py


TIMEOUT = 60


def _grc_cpp(d):
    return write_grc(d / "cpp_link.grc", "cpp_link", [
        ("src", "analog_sig_source_x", {"type": "complex", "samp_rate": 32000, "waveform": "analog.GR_COS_WAVE",
                                         "freq": 1000, "amp": 1, "offset": 0, "phase": 0}),
        ("injector", "ddpm_impairment_injector_cc", {"snr_db": "15.0"}),
        ("denoiser", "ddpm_denoiser_cc", {"model": "qam16", "noise_mode": "estimate"}),
        ("demapper", "ddpm_llr_demapper_cf", {"constellation": '"custom"',
                                              "points": "[1, 1j, -1, -1j]", "labels": "[0, 1, 3, 2]"}),
        ("head", "blocks_head", {"type": "float", "num_items": 1000, "vlen": 1}),
        ("sink", "blocks_null_sink", {"type": "float", "vlen": 1, "num_inputs": 1, "bus_structure_sink": "[[0,],]"}),
    ], [("src", 0, "injector", 0), ("injector", 0, "denoiser", 0),
        ("denoiser", 0, "demapper", 0), ("demapper", 0, "head", 0), ("head", 0, "sink", 0)], language="cpp")


def test_grcc_generates_cpp_for_denoiser_injector_and_demapper(compiled):
    tmp_path, log = compiled
    assert "does not support C++" not in log
    cpp = (tmp_path / "cpp_link" / "cpp_link.cpp").read_text()
    assert 'gr::ddpm::denoiser_cc::make("qam16"' in cpp
    assert "std::numeric_limits<double>::quiet_NaN()" in cpp
    assert "gr::ddpm::impairment_injector_cc::make(" in cpp
    assert "gr::ddpm::llr_demapper_cf::make(\"custom\"" in cpp and "std::vector<int>{0, 1, 3, 2}" in cpp
    assert "gr_complex(0.0, 1.0)" in cpp and ", true);" in cpp
    cmake = (tmp_path / "cpp_link" / "CMakeLists.txt").read_text()
    assert "find_package(gnuradio-ddpm)" in cmake and "gnuradio::gnuradio-ddpm" in cmake


def _grc_headless(d):
    """packet_source -> packet_scorer -> metric_value(per) -> head -> file sink, and link_metrics on a noisy
    16-QAM stream -> metric_value(ser) -> head -> file sink."""
    per_file, ser_file = d / "per.f32", d / "ser.f32"
    return write_grc(d / "parts_headless.grc", "parts_headless", [
        ("psrc", "ddpm_packet_source", {"payload_bytes": 32, "interval_s": 0.001, "count": 20, "seed": 5}),
        ("scorer", "ddpm_packet_scorer", {"payload_bytes": 32, "seed": 5, "expected": 20}),
        ("per", "ddpm_metric_value", {"key": "per", "rate_hz": 100.0}),
        ("per_head", "blocks_head", {"type": "float", "num_items": 100, "vlen": 1}),
        ("per_sink", "blocks_file_sink", {"type": "float", "file": str(per_file), "append": "False",
                                          "unbuffered": "True", "vlen": 1}),
        ("sym", "analog_random_source_x", {"type": "byte", "min": 0, "max": 16, "num_samps": 4096,
                                            "repeat": "True"}),
        ("mapper", "digital_chunks_to_symbols_xx", {"in_type": "byte", "out_type": "complex",
                                                 "symbol_table": "ddpm.core.constellations.qam(16).tolist()",
                                                 "dimension": 1, "num_ports": 1, "vlen": 1}),
        ("import_0", "import", {"imports": "import gnuradio.ddpm.core.constellations"}),
        ("chan", "ddpm_ota_channel", {"profile": "P0", "snr_db": 10.0, "sps": 1, "seed": 3,
                                      "overrides": "{'phase_deg': 0}"}),
        ("metrics", "ddpm_link_metrics", {"constellation": '"qam16"', "window": 0, "update_period": 2000}),
        ("ser", "ddpm_metric_value", {"key": "ser", "rate_hz": 100.0}),
        ("ser_head", "blocks_head", {"type": "float", "num_items": 100, "vlen": 1}),
        ("ser_sink", "blocks_file_sink", {"type": "float", "file": str(ser_file), "append": "False",
                                          "unbuffered": "True", "vlen": 1}),
        ("throttle", "blocks_throttle", {"type": "complex", "samples_per_second": 200000, "vlen": 1,
                                         "ignoretag": "True"}),
    ], [("psrc", "out", "scorer", "in"), ("scorer", "stats", "per", "in"), ("per", 0, "per_head", 0),
        ("per_head", 0, "per_sink", 0), ("sym", 0, "mapper", 0), ("mapper", 0, "throttle", 0),
        ("throttle", 0, "chan", 0), ("throttle", 0, "metrics", 0), ("chan", 0, "metrics", 1), ("metrics", "metrics", "ser", "in"), ("ser", 0, "ser_head", 0),
        ("ser_head", 0, "ser_sink", 0)])


def test_headless_packet_link_with_metric_values_runs(compiled):
    tmp_path, _ = compiled
    per_file, ser_file = tmp_path / "per.f32", tmp_path / "ser.f32"
    # the flowgraph streams for ever (a packet link has no end): run its class in this process, stop it once
    # both heads are full
    spec = importlib.util.spec_from_file_location("parts_headless", tmp_path / "parts_headless.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tb = mod.parts_headless()
    tb.start()
    try:
        t_end = time.monotonic() + TIMEOUT
        while time.monotonic() < t_end and not (tb.per_head.nitems_written(0) >= 100
                                                 and tb.ser_head.nitems_written(0) >= 100):
            time.sleep(0.01)
    finally:
        tb.stop()
        tb.wait()
    per = np.fromfile(per_file, dtype=np.float32)
    ser = np.fromfile(ser_file, dtype=np.float32)
    assert per.size == 100 and ser.size == 100
    # PER: NaN until the first packet, then falling as packets arrive (all sent are received: 0 at the end)
    assert np.all(np.isnan(per) | ((per >= 0) & (per <= 1)))
    assert per[-1] == 0.0
    # 16-QAM at Es/N0 10 dB: SER 1 - (1 - 1.5 Q(sqrt(2)))^2 = 0.222 (link_metrics counts >= 2000 symbols before
    # its first message: std <= 0.01; 0.05 is 5 of those)
    finite = ser[np.isfinite(ser)]
    assert finite.size > 0 and abs(finite[-1] - 0.222) < 0.05, finite[-5:]


def _grc_gui(d):
    return write_grc(d / "parts_gui.grc", "parts_gui", [
        ("psrc", "ddpm_packet_source", {"payload_bytes": 256, "interval_s": 0.01}),
        ("scorer", "ddpm_packet_scorer", {"payload_bytes": 256}),
        ("per", "ddpm_metric_value", {"key": "per"}),
        ("number", "qtgui_number_sink", {"type": "float", "name": '"PER"', "nconnections": 1,
                                         "graph_type": "qtgui.NUM_GRAPH_HORIZ", "autoscale": "False",
                                         "avg": 0, "update_time": 0.1, "gui_hint": "", "min": 0, "max": 1}),
    ], [("psrc", "out", "scorer", "in"), ("scorer", "stats", "per", "in"), ("per", 0, "number", 0)],
        generate="qt_gui")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """The three test flowgraphs compiled by one grcc run (one block-library load): (folder, grcc's output)."""
    exe = shutil.which("grcc")
    assert exe, "grcc not found on PATH"
    d = tmp_path_factory.mktemp("link_parts_grc")
    files = [_grc_cpp(d), _grc_headless(d), _grc_gui(d)]
    r = subprocess.run([exe, "-o", str(d)] + files, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return d, r.stdout + r.stderr


def test_qt_gui_flowgraph_with_number_sinks_compiles(compiled):
    tmp_path, _ = compiled
    src = (tmp_path / "parts_gui.py").read_text()
    assert "ddpm.metric_value(key='per'" in src and "qtgui.number_sink(" in src
