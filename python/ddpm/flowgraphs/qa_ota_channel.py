#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ddpm.ota_channel: the measured noise, SNR, CFO, taps, SRO, ADC levels and seeding match its parameters
(tolerances from the sample size)."""
import math

import numpy as np
import pytest
from gnuradio import blocks, gr

from gnuradio.ddpm.flowgraphs import ota_channel as oc


def run(x, **kw):
    tb = gr.top_block()
    src = blocks.vector_source_c(np.asarray(x, np.complex64).tolist())
    ch = oc.ota_channel(**kw)
    snk = blocks.vector_sink_c()
    tb.connect(src, ch, snk)
    tb.run()
    return np.asarray(snk.data(), np.complex128), ch.params()


def test_profiles_by_id_number_and_friendly_name():
    assert oc.profile_id("p3") == "P3" and oc.profile_id(5) == "P5"
    assert oc.profile_id("Cheap SDR with multipath") == "P5" and oc.profile_id("awgn") == "P0"
    assert oc.profile_params("P4")["taps"] == (1.0, 0.45j, 0.25)
    assert oc.profile_params("P6")["adc_bits"] == 4 and oc.profile_params("P6")["sro_ppm"] == 100.0
    for bad in ("P7", "foo", 9, None):
        with pytest.raises(ValueError):
            oc.profile_id(bad)


def test_noise_variance_is_es_over_n0_per_sample():
    # zeros in: the output is the noise alone; N0 = signal_power * sps / 10^(snr/10) = (1/4) * 4 / 10
    n = 100_000
    y, p = run(np.zeros(n), profile="P0", snr_db=10.0, sps=4, seed=1)
    assert p["noise_var"] == pytest.approx(0.1)
    var = np.mean(np.abs(y) ** 2)
    # the sample mean of |w|^2 (exponential, std = mean) has std N0 / sqrt(n): 5 sigma
    assert abs(var - 0.1) < 5 * 0.1 / math.sqrt(n)
    # circular: I and Q carry half each
    assert abs(np.mean(y.real ** 2) - 0.05) < 5 * 0.05 * math.sqrt(2 / n)


def test_measured_snr_with_a_signal_and_random_phase():
    n = 80_000
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) * math.sqrt(0.25 / 2)   # power 1/sps
    y, p = run(x, profile="P0", snr_db=15.0, sps=4, seed=2)
    xr = x.astype(np.complex64) * np.exp(1j * p["phase_rad"])
    w = y - xr
    es = 4 * np.mean(np.abs(x) ** 2)
    snr = 10 * np.log10(es / np.mean(np.abs(w) ** 2))
    # relative std of the noise-power estimate 1/sqrt(n) -> 4.34/sqrt(n) dB; signal power estimate likewise
    assert abs(snr - 15.0) < 5 * 2 * 4.34 / math.sqrt(n) + 0.01
    # the phase really is random per seed
    phases = {round(run(x[:10], profile="P0", snr_db=float("inf"), seed=s)[1]["phase_rad"], 6) for s in range(5)}
    assert len(phases) == 5


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_cfo_is_one_percent_of_the_symbol_rate(seed):
    n = 4000
    y, p = run(np.ones(n), profile="P1", snr_db=float("inf"), sps=4, seed=seed)
    assert abs(p["cfo"]) == 0.01 and p["cfo_cycles_per_sample"] == p["cfo"] / 4
    f = np.angle(np.sum(y[1:] * np.conj(y[:-1]))) / (2 * np.pi)
    assert f == pytest.approx(p["cfo_cycles_per_sample"], abs=1e-6)
    np.testing.assert_allclose(np.abs(y), 1.0, atol=1e-4)


def test_cfo_signs_differ_between_seeds_and_estimate_holds_in_noise():
    signs = {np.sign(run(np.ones(8), profile="P1", snr_db=float("inf"), seed=s)[1]["cfo"]) for s in range(8)}
    assert signs == {-1.0, 1.0}
    n = 20_000
    y, p = run(np.full(n, 0.5), profile="P1", snr_db=10.0, sps=4, seed=5)
    # lag-1 phase estimate: std about sqrt(N0 / (|s|^2 n)) / (2 pi) for N0 << |s|^2 (N0 = 0.1 here)
    f = np.angle(np.sum(y[1:] * np.conj(y[:-1]))) / (2 * np.pi)
    tol = 5 * math.sqrt(0.1 / (0.25 * n)) / (2 * np.pi) * math.sqrt(2)
    assert abs(f - p["cfo_cycles_per_sample"]) < tol


@pytest.mark.parametrize("profile, taps", [("P3", [1, 0.3j, 0.1]), ("P4", [1, 0.45j, 0.25])])
def test_multipath_taps_at_symbol_spacing(profile, taps):
    sps = 4
    x = np.zeros(40)
    x[0] = 1.0
    y, p = run(x, profile=profile, snr_db=float("inf"), sps=sps, seed=3, cfo=0.0)
    expect = np.zeros(40, complex)
    expect[0:3 * sps:sps] = np.array(taps) * np.exp(1j * p["phase_rad"])
    np.testing.assert_allclose(y, expect, atol=1e-6)
    # with the profile's 0.5 % CFO the same taps, rotated by the CFO at their sample
    y, p = run(x, profile=profile, snr_db=float("inf"), sps=sps, seed=3)
    assert p["cfo"] == 0.005
    k = np.arange(40)
    np.testing.assert_allclose(y * np.exp(-2j * np.pi * p["cfo_cycles_per_sample"] * k), expect, atol=1e-5)


def test_sro_changes_the_sample_count_by_its_ppm():
    n = 200_000
    counts = {}
    for seed in range(6):
        y, p = run(np.ones(n), profile="P2", snr_db=float("inf"), seed=seed)
        assert abs(p["sro_ppm"]) == 100.0 and 0.0 <= p["frac_delay"] < 1.0
        counts[p["sro_ppm"]] = (len(y), n * (1 + p["sro_ppm"] * 1e-6))
    assert set(counts) == {-100.0, 100.0}
    for got, want in counts.values():
        assert abs(got - want) <= 10      # the resampler's history / rounding


def test_p5_and_p6_hardware_impairments():
    n = 20_000
    rng = np.random.default_rng(8)
    x = (rng.choice([-1, 1], n) + 1j * rng.choice([-1, 1], n)) * math.sqrt(0.25 / 2)
    y, p = run(x, profile="P6", snr_db=20.0, seed=4)
    assert p["adc_bits"] == 4
    assert len(np.unique(np.round(y.real, 6))) <= 16 and len(np.unique(np.round(y.imag, 6))) <= 16
    delta = 2 * p["adc_full_scale"] / 16
    k = np.concatenate([y.real, y.imag]) / delta - 0.5        # mid-rise levels (k + 1/2) delta
    np.testing.assert_allclose(k, np.round(k), atol=1e-3)
    assert np.max(np.abs(k)) <= 7.5 + 1e-3
    y, p = run(x, profile="P5", snr_db=float("inf"), seed=4)
    assert p["iq_amp_db"] == 0.5 and p["iq_phase_deg"] == 3.0 and p["cubic"] == 0.05 and p["phase_noise_deg"] == 1.0
    assert np.all(np.isfinite(y))
    # power: unit-modulus-per-component QPSK compressed by the cubic term (-5 % amplitude) and the taps' energy
    pw = np.mean(np.abs(y) ** 2)
    expect = 0.25 * (1 + 0.09 + 0.01) * 0.95 ** 2
    assert abs(pw / expect - 1) < 0.1


def test_same_seed_same_output_other_seed_other_output():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(3000) * 0.5
    a, _ = run(x, profile="P5", snr_db=12.0, seed=7)
    b, _ = run(x, profile="P5", snr_db=12.0, seed=7)
    c, _ = run(x, profile="P5", snr_db=12.0, seed=8)
    # equal up to float rounding: VOLK's dot products sum in an order that depends on buffer alignment
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-4)
    assert np.max(np.abs(a - c)) > 0.1


@pytest.mark.parametrize("kw", [dict(profile="P9"), dict(snr_db=float("nan")), dict(sps=0), dict(seed=-1),
                                dict(signal_power=0.0), dict(max_delay=-1), dict(cfo=0.7), dict(taps=[0, 0]),
                                dict(frac_delay=1.0), dict(adc_bits=17), dict(unknown=1), dict(sro_ppm=2e4)])
def test_bad_parameters(kw):
    with pytest.raises(ValueError):
        oc.ota_channel(**kw)


def test_integer_delay_is_drawn_within_max_delay():
    x = np.zeros(64)
    x[0] = 1
    delays = set()
    for seed in range(6):
        y, p = run(x, profile="P0", snr_db=float("inf"), seed=seed, max_delay=20)
        assert 0 <= p["delay"] <= 20
        assert np.argmax(np.abs(y)) == p["delay"]
        delays.add(p["delay"])
    assert len(delays) > 1


def test_fixed_carrier_phase_override():
    y, p = run(np.ones(16), profile="P0", snr_db=float("inf"), seed=3, phase_deg=90.0)
    assert p["phase_rad"] == pytest.approx(np.pi / 2)
    np.testing.assert_allclose(y, 1j, atol=1e-6)


def test_fractional_delay_shifts_a_tone_by_its_value():
    # a slow tone's phase lag / (2 pi f) is the delay in samples; the resampler adds a fixed offset (it drops
    # its interpolator's history), so compare delays: they differ by the frac_delay differences
    f, n = 0.01, 4000
    x = np.exp(2j * np.pi * f * np.arange(n))
    delays = {}
    for d in (0.1, 0.35, 0.9):
        y, p = run(x, profile="P0", snr_db=float("inf"), seed=0, phase_deg=0.0, frac_delay=d)
        assert p["frac_delay"] == d
        m = len(y) - 100
        delays[d] = -np.angle(np.sum(y[100:m] * np.conj(x[100:m]))) / (2 * np.pi * f)
    assert delays[0.35] - delays[0.1] == pytest.approx(0.25, abs=0.02)
    assert delays[0.9] - delays[0.1] == pytest.approx(0.8, abs=0.02)
