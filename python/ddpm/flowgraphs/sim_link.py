#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The simulated DDPM link as reusable flowgraphs (the blocks of examples/sim_link.grc):

- :class:`sim_link` (hier block): complex symbols in -> ``impairment_injector_cc`` -> ``denoiser_cc``;
  output 0 the received samples (with the injector's tags), output 1 the denoised samples.
- :class:`sim_link_top` (top block): random symbols -> constellation mapper -> :class:`sim_link` -> vector sinks.
- :func:`run_link`: run the top block once and measure raw vs denoised MSE / SER against the sent symbols.

Used by ``make demo`` (examples/demo.py), the tests and examples/sim_link_headless.py (command line).
"""
import time

import numpy as np
import pmt
from gnuradio import blocks, digital, gr

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.ddpm_python import denoiser_cc, impairment_injector_cc

__all__ = ["sim_link", "sim_link_top", "run_link", "equalise_with_tags"]


class sim_link(gr.hier_block2):
    """Impairment injector followed by the DDPM denoiser.

    Input 0: complex64 symbols (unit average power). Output 0: complex64, the injector's output y = sqrt(p) h s
    + noise with its stream tags (h, snr_db, kappa_t, kappa_r, power); output 1: complex64, the denoiser's output
    (physical units, same length).

    Channel parameters as ``impairment_injector_cc`` (snr_db dB Es/N0, kappa_t, kappa_r, power, quant_bits,
    full_scale, fading 0/1, coherence_len samples, noise 0 Gaussian / 1 Laplacian); denoiser parameters as
    ``denoiser_cc`` (model, sampler 0/1/2, steps, eta, batch, threads, equalize 0/1/2). snr_known: False gives
    the denoiser snr_db = NaN (tags only, else estimated from the data). seed: the injector uses seed + 1,
    the denoiser seed + 2.
    """

    def __init__(self, snr_db=10.0, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0, full_scale=1.5,
                 fading=0, coherence_len=1000, noise=0, model="qam16", sampler=2, steps=1, eta=0.0,
                 batch=1024, threads=0, equalize=1, snr_known=True, seed=1):
        gr.hier_block2.__init__(self, "ddpm_sim_link", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(2, 2, gr.sizeof_gr_complex))
        self.chan = impairment_injector_cc(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, power=power,
                                           quant_bits=quant_bits, full_scale=full_scale, fading=fading,
                                           coherence_len=coherence_len, noise=noise, seed=seed + 1)
        # the injector's tags carry the SNR; the parameter is the fallback (NaN: estimate from the data)
        self.den = denoiser_cc(model=model, sampler=sampler, steps=steps, eta=eta, batch=batch, threads=threads,
                               seed=seed + 2, snr_db=float(snr_db) if snr_known else float("nan"),
                               equalize=equalize, output=0)
        self.connect(self, self.chan, self.den, (self, 1))
        self.connect(self.chan, (self, 0))


class sim_link_top(gr.top_block):
    """Random symbols -> constellation mapper -> :class:`sim_link` -> vector sinks.

    constellation: short name (``constellations.by_name``); n_samples: symbols sent (>= 1); seed: symbols from
    numpy's default_rng(seed); every other argument goes to :class:`sim_link`. After run(): .symbols int64 [N],
    .points complex128 [M], .raw_sink / .den_sink (vector sinks of outputs 0 and 1), .link.den (the denoiser).
    """

    def __init__(self, constellation="qam16", n_samples=20000, seed=1, **link_kwargs):
        gr.top_block.__init__(self, "DDPM simulated link (headless)", catch_exceptions=False)
        if int(n_samples) < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        self.points = constellations.by_name(constellation)
        rng = np.random.default_rng(seed)
        self.symbols = rng.integers(0, self.points.size, int(n_samples))
        self.src = blocks.vector_source_b(self.symbols.astype(np.uint8).tolist(), False)
        self.mapper = digital.chunks_to_symbols_bc(self.points.astype(np.complex64).tolist(), 1)
        self.link = sim_link(seed=seed, **link_kwargs)
        self.raw_sink = blocks.vector_sink_c()
        self.den_sink = blocks.vector_sink_c()
        self.connect(self.src, self.mapper, self.link)
        self.connect((self.link, 0), self.raw_sink)
        self.connect((self.link, 1), self.den_sink)


def equalise_with_tags(y, tags, n):
    """ZF-equalise y (complex [n]) with the h/power tags of the injector -> complex128 [n]."""
    h = np.ones(n, dtype=np.complex128)
    p = np.ones(n, dtype=np.float64)
    for t in sorted(tags, key=lambda t: t.offset):
        key = pmt.symbol_to_string(t.key)
        if key == "h":
            h[t.offset:] = complex(pmt.to_complex(t.value))
        elif key == "power":
            p[t.offset:] = pmt.to_double(t.value)
    return np.asarray(y, dtype=np.complex128) / (np.sqrt(p) * h)


def run_link(snr_db=10.0, kappa_t=0.0, kappa_r=0.0, n_samples=20000, seed=1, **kwargs):
    """Run the simulated link once and measure it.

    snr_db, kappa_t, kappa_r: float, injector settings; n_samples: int, symbols sent; seed: int (symbols,
    channel and denoiser seeds derive from it); kwargs: any other :class:`sim_link` / :class:`sim_link_top`
    argument (power, quant_bits, fading, coherence_len, noise, model, constellation, sampler, steps, eta, batch,
    threads, equalize, snr_known).

    "raw" is the received signal equalised by zero forcing with the injector's own h tags, y / (sqrt(p) h):
    what a receiver without the denoiser would decide on.
    Returns dict: n (int, samples out), mse_raw / mse_denoised (float, mean |x - s|^2 against the sent
    symbols s), ser_raw / ser_denoised (float, nearest-point symbol error rates), nan_count (int,
    non-finite denoised samples), seconds (float, wall time of the run), throughput (float, the
    denoiser's samples/s over its work() time), noise_source (str, what the denoiser used).
    """
    tb = sim_link_top(snr_db=snr_db, kappa_t=kappa_t, kappa_r=kappa_r, n_samples=n_samples, seed=seed, **kwargs)
    t0 = time.perf_counter()
    tb.run()
    seconds = time.perf_counter() - t0
    n = len(tb.symbols)
    y = np.asarray(tb.raw_sink.data(), dtype=np.complex128)
    xd = np.asarray(tb.den_sink.data(), dtype=np.complex128)
    if y.size != n or xd.size != n:
        raise RuntimeError(f"sent {n} samples, received {y.size} raw and {xd.size} denoised")
    s = tb.points[tb.symbols]
    yr = equalise_with_tags(y, tb.raw_sink.tags(), n)
    fin = np.isfinite(yr)
    # a deep fade can make the ZF estimate non-finite (h = 0); count those as errors of size |s|^2
    raw_err = np.where(fin, np.abs(np.where(fin, yr, 0) - s) ** 2, np.abs(s) ** 2)
    return {
        "n": int(xd.size),
        "mse_raw": float(np.mean(raw_err)),
        "mse_denoised": float(np.mean(np.abs(xd - s) ** 2)),
        "ser_raw": float(np.mean(constellations.nearest(yr, tb.points) != tb.symbols)),
        "ser_denoised": float(np.mean(constellations.nearest(xd, tb.points) != tb.symbols)),
        "nan_count": int(np.count_nonzero(~np.isfinite(xd))),
        "seconds": seconds,
        "throughput": float(tb.link.den.throughput()),
        "noise_source": tb.link.den.noise_source(),
    }
