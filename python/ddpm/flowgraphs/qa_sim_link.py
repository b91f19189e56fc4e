#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The simulated link (gnuradio.ddpm.flowgraphs.sim_link, twin of examples/sim_link.grc): impairment injector ->
DDPM denoiser (shipped QAM-16 model, DDIM from the SNR-matched step), measured against the sent symbols.

Statistics: both MSEs are computed on the same N = 20000 sent symbols and channel realisations (paired).
The squared error of one sample has a standard deviation about equal to its mean (|n|^2 of complex
Gaussian noise is exponential), so each MSE has a relative standard error of about 1/sqrt(N) = 0.7 %;
we require the denoiser to beat the raw MSE by more than 5/sqrt(N) = 3.5 %, far outside chance.
"""
import math

import numpy as np
import pmt
import pytest
from gnuradio import blocks, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.flowgraphs import sim_link as link_module

N = 20000


@pytest.fixture(scope="module")
def link():
    return link_module


def test_hier_block_in_a_users_flowgraph():
    """ddpm.sim_link is a hier block a user can drop between their own source and sinks: every sample comes out
    on both outputs, the raw output carries the injector's tags, and the denoised output is closer to the sent
    symbols than the raw one at 15 dB (paired on the same 4000 symbols; 5 standard errors, see module doc)."""
    n = 4000
    pts = constellations.qam(16)
    s = pts[np.random.default_rng(3).integers(0, 16, n)].astype(np.complex64)
    tb = gr.top_block()
    src = blocks.vector_source_c(s.tolist(), False)
    hier = ddpm.sim_link(snr_db=15.0, threads=1, seed=5)
    raw, den = blocks.vector_sink_c(), blocks.vector_sink_c()
    tb.connect(src, hier)
    tb.connect((hier, 0), raw)
    tb.connect((hier, 1), den)
    tb.run()
    y, x = np.asarray(raw.data()), np.asarray(den.data())
    assert y.size == n and x.size == n
    assert {"h", "snr_db"} <= {pmt.symbol_to_string(t.key) for t in raw.tags()}
    e_raw, e_den = np.abs(y - s) ** 2, np.abs(x - s) ** 2
    assert np.mean(e_den) < np.mean(e_raw) * (1 - 5 / math.sqrt(n))


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
