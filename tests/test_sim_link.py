#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The simulated link (examples/sim_link_headless.py, twin of sim_link.grc): impairment injector ->
DDPM denoiser (shipped QAM-16 model, DDIM from the SNR-matched step), measured against the sent symbols.

Statistics: both MSEs are computed on the same N = 20000 sent symbols and channel realisations (paired).
The squared error of one sample has a standard deviation about equal to its mean (|n|^2 of complex
Gaussian noise is exponential), so each MSE has a relative standard error of about 1/sqrt(N) = 0.7 %;
we require the denoiser to beat the raw MSE by more than 5/sqrt(N) = 3.5 %, far outside chance.
"""
import importlib.util
import math
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = 20000


@pytest.fixture(scope="module")
def link():
    path = os.path.join(ROOT, "examples", "sim_link_headless.py")
    spec = importlib.util.spec_from_file_location("sim_link_headless", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_impaired_awgn_link_denoiser_beats_raw(link):
    """10 dB, kappa_t = 0.05, kappa_r = 0.15^2: denoised MSE below the raw equalised MSE; no NaN."""
    r = link.run_link(snr_db=10.0, kappa_t=0.05, kappa_r=0.15 ** 2, n_samples=N, seed=11, threads=2)
    assert r["n"] == N and r["nan_count"] == 0
    assert r["noise_source"] == "tags"
    assert r["mse_denoised"] < r["mse_raw"] * (1 - 5 / math.sqrt(N)), r


def test_rayleigh_block_fading_link_uses_h_tags(link):
    """The same with Rayleigh block fading (coherence 500 samples): the denoiser equalises with the
    injector's h tags and weights each block's noise by 1/|h|^2; its MSE is below the raw ZF MSE."""
    r = link.run_link(snr_db=10.0, kappa_t=0.05, kappa_r=0.15 ** 2, n_samples=N, seed=12, threads=2,
                      fading=1, coherence_len=500)
    assert r["n"] == N and r["nan_count"] == 0
    assert r["mse_denoised"] < r["mse_raw"] * (1 - 5 / math.sqrt(N)), r


def test_rayleigh_without_equalisation_is_much_worse(link):
    """Control for the test above: the same faded link with the block's equaliser off (the h tags then
    only scale the noise) is far worse than with zero forcing, so the h tags are what makes it work."""
    kw = dict(snr_db=10.0, kappa_t=0.05, kappa_r=0.15 ** 2, n_samples=N, seed=12, threads=2, fading=1,
              coherence_len=500)
    zf = link.run_link(equalize=1, **kw)
    off = link.run_link(equalize=0, **kw)
    assert off["mse_denoised"] > 2 * zf["mse_denoised"], (zf, off)
