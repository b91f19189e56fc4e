#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The sampler's persistent worker pool (docs/kernel.md, "Threads"): no thread start per call, no leaked
threads after the object is gone, bit-identical results across thread counts and repeated calls, and a
forked child that uses its parent's sampler does not wait for threads that only exist in the parent."""
import gc
import os
import subprocess
import sys
import textwrap

import numpy as np
from gnuradio import ddpm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QAM16 = os.path.join(ROOT, "models", "qam16.onnx")
TINY = os.path.join(ROOT, "tests", "fixtures", "tiny_h8_d2_t10.onnx")
MODEL = QAM16 if os.path.exists(QAM16) else TINY


def _nthreads():
    return len(os.listdir("/proc/self/task"))


def _y(n, seed=1):
    r = np.random.default_rng(seed)
    return (r.normal(size=n) + 1j * r.normal(size=n)).astype(np.complex64)


def test_pool_threads_are_reused_and_joined():
    m = ddpm.model.load(MODEL)
    before = _nthreads()
    s = ddpm.ddpm_sampler(m, threads=3)
    y = _y(500)
    s.sample(y, 0.05)
    started = _nthreads()
    assert started - before == 2  # the caller is worker 0
    for _ in range(20):  # no thread start per call
        s.sample(y, 0.05)
        assert _nthreads() == started
    del s
    gc.collect()
    assert _nthreads() == before
    for _ in range(10):  # create, use, destroy: nothing accumulates
        t = ddpm.ddpm_sampler(m, threads=2)
        t.sample(y, 0.05)
        del t
    gc.collect()
    assert _nthreads() == before


def test_pool_bit_identical_across_threads_and_calls():
    m = ddpm.model.load(MODEL)
    y = _y(1000, seed=2)
    nv = np.linspace(0.01, 0.3, 1000).astype(np.float32)
    ref = ddpm.ddpm_sampler(m, threads=1).sample(y, nv, seed=7)
    for threads in (2, 3, 4):
        s = ddpm.ddpm_sampler(m, threads=threads)
        for _ in range(3):
            assert np.array_equal(s.sample(y, nv, seed=7), ref)
        # small batches (one or two tiles) through the same pool
        for n in (1, 7, 48, 96):
            assert np.array_equal(s.sample(y[:n], nv[:n], seed=7), ref[:n])


def test_pool_survives_fork():
    code = textwrap.dedent(f"""
        import os, sys
        import numpy as np
        from gnuradio import ddpm
        s = ddpm.ddpm_sampler(ddpm.model.load({MODEL!r}), threads=2)
        y = (np.arange(300) * (0.01 + 0.02j)).astype(np.complex64)
        ref = s.sample(y, 0.05)
        pid = os.fork()
        if pid == 0:
            ok = np.array_equal(s.sample(y, 0.05), ref) and np.array_equal(s.sample(y, 0.05), ref)
            os._exit(0 if ok else 3)
        _, st = os.waitpid(pid, 0)
        assert np.array_equal(s.sample(y, 0.05), ref)
        sys.exit(os.waitstatus_to_exitcode(st))
    """)
    r = subprocess.run([sys.executable, "-c", code], timeout=120, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
