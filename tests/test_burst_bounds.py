#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The bounds bench/bench_burst.py compares the burst receiver with (docs/burst.md): the exact ML symbol error
rate on an arbitrary constellation, the constellation a profile's transmitter hardware radiates, and the MMSE-LE
bound on it."""
import importlib.util
import math
import os

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("ddpm_bench_burst", os.path.join(ROOT, "bench", "bench_burst.py"))
bb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bb)

QAM16 = constellations.by_name("qam16")
TAPS_P3 = (1.0, 0.3j, 0.1)


@pytest.mark.parametrize("esn0", [8.0, 16.0, 20.0])
def test_ser_nearest_equals_closed_form_on_square_qam(esn0):
    # square Gray 16-QAM has a closed form; the integration must agree to 0.5 % (its grid error is ~0.1 %)
    exact = bb.ser_theory(esn0)
    got = bb.ser_nearest(QAM16, 10 ** (-esn0 / 10.0))
    assert got == pytest.approx(exact, rel=5e-3)


def test_ser_nearest_on_a_distorted_constellation_matches_monte_carlo():
    # outer points pulled in by 8 %: no closed form; 4e5 Monte Carlo symbols at SER ~ 0.03 give a 1 % standard
    # error, 4 sigma allowed
    c = QAM16 * (1.0 - 0.08 * (np.abs(QAM16) ** 2 > 1.5))
    var = 10 ** (-14.0 / 10.0)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 16, 400_000)
    y = c[idx] + math.sqrt(var / 2.0) * (rng.standard_normal(idx.size) + 1j * rng.standard_normal(idx.size))
    mc = float(np.mean(np.argmin(np.abs(y[:, None] - c[None, :]), axis=1) != idx))
    got = bb.ser_nearest(c, var)
    assert abs(got - mc) < 4.0 * math.sqrt(mc * (1 - mc) / idx.size)
    assert got > bb.ser_nearest(QAM16, var)   # the pulled-in points are closer together


def test_radiated_constellation_of_an_ideal_and_a_cheap_transmitter():
    c3, s3 = bb.radiated_constellation("P3", n=8192)
    assert np.max(np.abs(c3 - QAM16)) < 1e-3 and s3 < 10 ** (-4.5)   # no hardware: the points (RRC ISI only)
    c5, s5 = bb.radiated_constellation("P5", n=8192)
    gain = np.abs(c5) / np.abs(QAM16)
    corner, inner = np.abs(QAM16) ** 2 > 1.5, np.abs(QAM16) ** 2 < 0.5
    assert gain[corner].max() < gain[inner].min()                    # the PA compresses the outer points most
    assert 10 ** (-4.5) < s5 < 10 ** (-3.0)                          # nonlinear ISI: -37 dB measured


def test_hardware_bound_is_the_taps_bound_without_hardware_and_above_it_with():
    taps_only = bb.invert(lambda e: 1.0 - (1.0 - bb.ser_le_bound(e, TAPS_P3)) ** bb.ND, 0.01)
    assert bb.hardware_bound_per1("P3", TAPS_P3) == pytest.approx(taps_only, abs=0.02)
    assert bb.hardware_bound_per1("P5", TAPS_P3) > taps_only + 0.3
