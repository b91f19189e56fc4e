#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The example flowgraphs: every examples/*.grc compiles with grcc; the headless ones run to completion.

Needs the environment of scripts/env.sh: GRC_BLOCKS_PATH must contain the installed gr-ddpm block
definitions (without it grcc reports a misleading "Port is not connected").
"""
import glob
import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.grc")))


def _grc_env_ok():
    paths = [p for p in os.environ.get("GRC_BLOCKS_PATH", "").split(os.pathsep) if p]
    return any(os.path.exists(os.path.join(p, "ddpm_impairment_injector_cc.block.yml")) for p in paths)


from grc_tools import grcc as compile_grc  # tests/fixtures, on sys.path via the root conftest.py

_COMPILED = {}


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    return tmp_path_factory.mktemp("grcc")


def grcc(grc, outdir):
    """Compile grc into outdir (once per test module); returns the path of the generated Python file."""
    if grc in _COMPILED and os.path.exists(_COMPILED[grc]):
        return _COMPILED[grc]
    _COMPILED[grc] = compile_grc(grc, outdir)
    return _COMPILED[grc]


def load(path):
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_there_are_examples():
    names = {os.path.basename(p) for p in EXAMPLES}
    assert {"impairments_demo.grc", "impairments_headless.grc"} <= names


@pytest.mark.parametrize("grc", EXAMPLES, ids=[os.path.basename(p) for p in EXAMPLES])
def test_grcc_compiles(grc, outdir):
    out = grcc(grc, outdir)
    # the generated code is valid Python
    compile(open(out).read(), out, "exec")


def test_impairments_headless_runs_to_completion(outdir):
    out = grcc(os.path.join(ROOT, "examples", "impairments_headless.grc"), outdir)
    # as a script (its main()), with command-line parameters
    r = subprocess.run([sys.executable, out, "-n", "5000", "--snr-db", "10"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # as a class: the sinks hold n symbols and the channel output, whose error power matches the SNR
    n = 40_000
    tb = load(out).impairments_headless(n_samples=n, snr_db=10.0, kappa_t=0.0, kappa_r=0.0, power=1.0,
                                        noise=0, seed=3)
    tb.run()
    s = np.array(tb.tx_sink.data())
    y = np.array(tb.rx_sink.data())
    assert s.size == n and y.size == n
    assert set(np.round(np.abs(s) ** 2, 3)) == {0.2, 1.0, 1.8}   # unit-power QAM-16
    # |e|^2 exponential: relative standard error 1/sqrt(n), 5 of them
    assert abs(np.mean(np.abs(y - s) ** 2) / 0.1 - 1) <= 5 / np.sqrt(n)


def test_impairments_demo_gui_starts(outdir):
    # The Qt flowgraph starts and runs offscreen; a slider callback reaches the injector.
    pytest.importorskip("PyQt5")
    out = grcc(os.path.join(ROOT, "examples", "impairments_demo.grc"), outdir)
    code = (
        "import sys, importlib.util\n"
        "from PyQt5 import Qt, QtCore\n"
        f"spec = importlib.util.spec_from_file_location('demo', {out!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "app = Qt.QApplication(sys.argv)\n"
        "tb = m.impairments_demo(); tb.start(); tb.show()\n"
        "def later():\n"
        "    tb.set_snr_db(7.5); tb.set_kappa_t(0.02); tb.set_fading(1)\n"
        "    assert (tb.injector.snr_db(), tb.injector.kappa_t(), tb.injector.fading()) == (7.5, 0.02, 1)\n"
        "    tb.stop(); tb.wait(); print('GUI-OK'); app.quit()\n"
        "QtCore.QTimer.singleShot(500, later)\n"
        "app.exec_()\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0 and "GUI-OK" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]


def test_grc_asserts_reject_bad_parameters(tmp_path):
    # the block's asserts: a flowgraph with kappa_t = -0.5 does not compile
    src = open(os.path.join(ROOT, "examples", "impairments_headless.grc")).read()
    assert "    kappa_t: kappa_t\n" in src
    bad = tmp_path / "bad_injector.grc"
    bad.write_text(src.replace("    kappa_t: kappa_t\n", "    kappa_t: '-0.5'\n"))
    assert _grc_env_ok(), "source scripts/env.sh first"
    r = subprocess.run([shutil.which("grcc"), "-o", str(tmp_path), str(bad)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode != 0
    assert "kappa_t" in r.stdout + r.stderr
