#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Runtime setters called from another thread at a high rate while the flowgraph runs.

1. Under ThreadSanitizer (fuzz/tsan_setters.cc, built by fuzz/build.sh with -fsanitize=thread; the block and
   kernel sources compiled in, instrumented): 0 reports, and no torn parameter set (every output sample matches
   exactly one of the two alternating parameter sets). Only GNU Radio's ControlPort (Thrift) teardown is
   suppressed (fuzz/tsan.supp). A deliberate race in the same binary must be reported (the check is not vacuous).
2. From Python (the normal build): injector set_params alternating between two sets, and the denoiser's steps
   alternating between 1 and 3 while other setters and getters are hammered, each output sample consistent with
   exactly one set; the shaper's set_pmf alternating between two PMFs while it runs.
"""
import os
import re
import subprocess
import threading
import time

import numpy as np
import pytest
from gnuradio import blocks, ddpm, gr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "models", "qam16.onnx")


@pytest.fixture(scope="module")
def tsan_bin(sanitizer_program):
    return sanitizer_program("tsan", timeout=900)


def _tsan_env():
    supp = os.path.join(ROOT, "fuzz", "tsan.supp")
    return dict(os.environ, TSAN_OPTIONS=f"exitcode=66 halt_on_error=0 second_deadlock_stack=1 suppressions={supp}")


def test_tsan_detects_a_deliberate_race(tsan_bin):
    r = subprocess.run([tsan_bin, "--selftest-race"], capture_output=True, text=True, timeout=120,
                       env=_tsan_env())
    assert r.returncode == 66 and "WARNING: ThreadSanitizer: data race" in r.stderr, r.stderr[-2000:]


def test_setters_under_tsan(tsan_bin):
    r = subprocess.run([tsan_bin, MODEL, "400000", "40000"], capture_output=True, text=True, timeout=300,
                       env=_tsan_env())
    log = r.stdout + r.stderr
    assert "WARNING: ThreadSanitizer" not in log, log[-6000:]
    assert r.returncode == 0 and "result: PASS" in log, log[-3000:]
    inj = re.search(r"injector: (\d+) samples, (\d+) parameter sets installed, (\d+) samples with set 1, "
                    r"(\d+) with set 2, (\d+) torn", log)
    den = re.search(r"denoiser: (\d+) samples, (\d+) setter rounds, (\d+) samples match steps=1 only, "
                    r"(\d+) steps=3 only, (\d+) match neither", log)
    assert inj and den, log
    ni = [int(g) for g in inj.groups()]
    nd = [int(g) for g in den.groups()]
    assert ni[0] == 400000 and ni[4] == 0 and ni[2] > 0 and ni[3] > 0     # both sets used, none torn
    assert nd[0] == 40000 and nd[4] == 0 and nd[2] > 0 and nd[3] > 0


class _Hammer:
    """Calls fn(i) for i = 0, 1, ... in a thread until stopped; counts calls and keeps the first exception."""

    def __init__(self, fn):
        self.fn, self.n, self.error = fn, 0, None
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            while not self._stop.is_set():
                self.fn(self.n)
                self.n += 1
        except Exception as e:  # noqa: BLE001 (reported by the test)
            self.error = e

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *a):
        self._stop.set()
        self._t.join(10)
        assert not self._t.is_alive()


def _quant(v, bits, fs):
    delta = 2.0 * fs / (1 << bits)
    k = np.clip(np.floor(v / delta), -(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return (k + 0.5) * delta


def test_injector_set_params_from_python_thread():
    n = 300_000
    rng = np.random.default_rng(5)
    x = (rng.uniform(-1.2, 1.2, n) + 1j * rng.uniform(-1.2, 1.2, n)).astype(np.complex64)
    p1 = ddpm.impairment_params(300.0, 0.0, 0.0, 1.0, 0, 1.5)
    p2 = ddpm.impairment_params(300.0, 0.0, 0.0, 4.0, 2, 1.0)
    inj = ddpm.impairment_injector_cc(300.0)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.tolist())
    snk = blocks.vector_sink_c()
    tb.connect(src, inj, snk)
    with _Hammer(lambda i: (inj.set_params(p1 if i % 2 == 0 else p2), inj.params(), inj.power())) as h:
        tb.run()
    assert h.error is None and h.n > 10
    y = np.array(snk.data())
    e1 = x
    e2 = (2 * _quant(x.real.astype(np.float64), 2, 1.0) + 2j * _quant(x.imag.astype(np.float64), 2, 1.0))
    m1 = np.abs(y - e1) <= 1e-6
    m2 = np.abs(y - e2) <= 1e-6
    assert y.size == n and np.all(m1 | m2), f"{np.sum(~(m1 | m2))} torn samples"


def test_denoiser_setters_from_python_thread():
    n = 60_000
    snr = 10.0
    m = ddpm.model.load(MODEL)
    rng = np.random.default_rng(6)
    c = m.constellation / m.power_scale
    sd = np.sqrt(10 ** (-snr / 10) / 2)
    y = (c[rng.integers(0, c.size, n)] + sd * (rng.normal(size=n) + 1j * rng.normal(size=n))).astype(np.complex64)
    # the bare kernel on the whole stream, with each setting (the block's arithmetic: ZF, h = 1, p = 1)
    ps = np.float32(m.power_scale)
    k = ddpm.ddpm_sampler(MODEL, 2)
    nv = np.full(n, np.float32(10 ** (-snr / 10)) * np.float32(m.power_scale ** 2), np.float32)
    refs = [np.asarray(k.sample(y * ps, nv, sampler="ddim", steps=s, eta=0.0, seed=11, first_index=0)) / ps
            for s in (1, 3)]
    den = ddpm.denoiser_cc(MODEL, 2, 1, 0.0, 512, 2, 11, snr, 1, 0)
    tb = gr.top_block()
    src = blocks.vector_source_c(y.tolist())
    snk = blocks.vector_sink_c()
    tb.connect(src, den, snk)

    def poke(i):
        den.set_steps(1 if i % 2 == 0 else 3)
        den.set_snr_db(snr)
        den.set_eta(0.0)
        den.steps(), den.throughput(), den.last_noise_var(), den.noise_source()

    with _Hammer(poke) as h:
        tb.run()
    assert h.error is None and h.n > 10
    out = np.array(snk.data())
    tol = 1e-5 * (1 + np.abs(refs[0]))
    m1 = np.abs(out - refs[0]) <= tol
    m3 = np.abs(out - refs[1]) <= tol
    assert out.size == n and np.all(m1 | m3), f"{np.sum(~(m1 | m3))} samples match neither setting"


def test_shaper_setters_from_python_thread():
    """set_pmf alternating between two PMFs from a thread while the shaper runs: every block of n symbols uses one
    consistent shape (unit power)."""
    n = 64
    shp = ddpm.shaper(model="qam16", n=n, pmf=[1 / 16] * 16, points_per_symbol=2, steps=2, sampler="ddim")
    c = shp.points()
    skewed = np.exp(-2.0 * np.abs(c) ** 2)               # Maxwell-Boltzmann-like: inner points favoured
    skewed /= skewed.sum()
    data = np.random.default_rng(1).integers(0, 256, 40_000, dtype=np.uint8)
    tb = gr.top_block()
    src = blocks.vector_source_b(data.tolist(), True)     # endless: the flowgraph runs until the setters are done
    snk = blocks.vector_sink_c()
    tb.connect(src, shp, snk)

    def poke(i):
        shp.set_pmf([1 / 16] * 16 if i % 2 == 0 else skewed.tolist())
        shp.pmf(), shp.counts(), shp.rate()

    with _Hammer(poke) as h:
        tb.start()
        deadline = time.monotonic() + 60.0              # wait for the condition, not a fixed time
        while (h.n < 40 or len(snk.data()) < 20 * n) and time.monotonic() < deadline and h.error is None:
            time.sleep(0.01)
        tb.stop()
        tb.wait()
    assert h.error is None and h.n >= 40
    y = np.array(snk.data())
    assert y.size > 0 and y.size % n == 0 and np.all(np.isfinite(y))
    # CCDM: the points are scaled for the composition in use, so every block has unit power exactly when its
    # points and its composition come from the same PMF (a torn swap would not)
    powers = np.mean(np.abs(y.reshape(-1, n)) ** 2, axis=1)
    assert np.all(np.abs(powers - 1.0) < 1e-4), powers[np.abs(powers - 1.0) >= 1e-4][:5]
    assert np.unique(np.round(np.abs(y), 4)).size > 3          # both PMFs were in use (two scalings)
