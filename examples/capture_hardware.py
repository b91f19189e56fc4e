#!/usr/bin/env python3
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Record a labelled loopback capture of a transmitter's hardware as SigMF (step 1 of docs/training.md).

Flowgraph: known random symbols (vector source) -> constellation mapper (the module's Gray 16-QAM) ->
impairment injector with a transmitter-hardware preset (``core.channel.HARDWARE_PRESETS``: pa, iq,
cheap_sdr; noise off by default, snr_db = 300) -> vector sink. The samples are written as a SigMF recording
(``cf32_le``, one sample per symbol) with the transmitted symbol indices in the companion labels file that
the metadata's ``ddpm:labels`` names (``core.recording``). Then:

    python examples/capture_hardware.py --preset cheap_sdr -n 200000 --out cheap_sdr
    ddpm-train --file cheap_sdr.sigmf-meta --steps 4000 --out cheap_sdr.onnx

With real hardware, replace the injector by your transmitter -> cable/attenuator -> receiver (matched filter,
timing and carrier synchronisation, one sample per symbol) and keep the labels of what was sent.
"""
import argparse
import sys

import numpy as np
from gnuradio import blocks, digital, gr

from gnuradio import ddpm
from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.channel import HARDWARE_PRESETS
from gnuradio.ddpm.core.recording import RecordingError, write_recording


class capture_top(gr.top_block):
    """labels -> chunks_to_symbols (constellation points) -> impairment_injector_cc (preset) -> vector sink.

    labels: int [N] symbol indices; points: complex [M]; preset: a HARDWARE_PRESETS name or "none";
    snr_db: the injector's AWGN (300 = none); power: signal power p (the recording's power); seed: injector seed.
    """

    def __init__(self, labels, points, preset="cheap_sdr", snr_db=300.0, power=1.0, seed=1):
        gr.top_block.__init__(self, "capture_hardware")
        hw = {} if preset == "none" else HARDWARE_PRESETS[preset]
        self.src = blocks.vector_source_b([int(v) for v in labels], False)
        self.map = digital.chunks_to_symbols_bc([complex(p) for p in points], 1)
        self.chan = ddpm.impairment_injector_cc(snr_db=snr_db, power=power, seed=seed, **hw)
        self.sink = blocks.vector_sink_c()
        self.connect(self.src, self.map, self.chan, self.sink)


def record(out, n=200000, preset="cheap_sdr", constellation="qam16", snr_db=300.0, power=1.0, seed=1,
           sample_rate=1e6):
    """Run the flowgraph and write ``out``.sigmf-meta/-data and the labels file. Returns the metadata path."""
    points = constellations.by_name(constellation)
    if points.size > 256:
        raise ValueError("this example maps bytes: at most 256 points")
    labels = np.random.default_rng(seed).integers(0, points.size, int(n))
    tb = capture_top(labels, points, preset, snr_db, power, seed)
    tb.run()
    z = np.asarray(tb.sink.data(), dtype=np.complex64)
    if z.size != labels.size:
        raise RuntimeError(f"flowgraph produced {z.size} samples for {labels.size} symbols")
    hw = {} if preset == "none" else HARDWARE_PRESETS[preset]
    return write_recording(out, z, labels=labels, constellation=constellation, sample_rate=sample_rate,
                           description=f"gr-ddpm loopback capture: {constellation} through the injector's "
                                       f"'{preset}' transmitter hardware, snr_db {snr_db}, power {power}",
                           extra_global={"ddpm:hardware": {"preset": preset, **{k: float(v) for k, v in hw.items()}},
                                         "ddpm:injector": {"snr_db": float(snr_db), "power": float(power),
                                                           "seed": int(seed)}})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="cheap_sdr", choices=sorted(HARDWARE_PRESETS) + ["none"],
                    help="transmitter hardware (default cheap_sdr)")
    ap.add_argument("--constellation", default="qam16", help="module constellation name (default qam16)")
    ap.add_argument("-n", "--n-symbols", type=int, default=200000, help="symbols recorded (default 200000)")
    ap.add_argument("--snr-db", type=float, default=300.0, help="injector AWGN Es/N0 (default 300 = clean)")
    ap.add_argument("--power", type=float, default=1.0, help="signal power of the recording (default 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="capture", help="output name: OUT.sigmf-meta, OUT.sigmf-data, "
                    "OUT.ddpm-labels")
    a = ap.parse_args(argv)
    if a.n_symbols < 1:
        ap.error("--n-symbols must be >= 1")
    try:
        meta = record(a.out, a.n_symbols, a.preset, a.constellation, a.snr_db, a.power, a.seed)
    except (RecordingError, ValueError) as e:
        print(f"capture_hardware: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {meta} ({a.n_symbols} symbols, preset {a.preset}, labels alongside)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
