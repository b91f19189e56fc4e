#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-ddpm: denoising diffusion models (DDPMs) in GNU Radio flowgraphs.

The flowgraph blocks live here, where GNU Radio Companion imports them:

- C++ (bound): ``impairment_injector_cc``, ``denoiser_cc``, ``llr_demapper_cf``; the kernel ``ddpm_sampler`` and ``model``.
- Python: ``shaper``, ``ccdm_dematcher``, ``link_metrics``, ``packet_source``, ``packet_scorer``,
  ``metric_value``; the hier blocks ``sim_link``, ``ota_channel``.

Subpackages (docs/layout.md):

- ``gnuradio.ddpm.core``: numpy runtime helpers (constellations, CCDM, shaping, channel reference, metrics,
  exact estimators, argument checks).
- ``gnuradio.ddpm.modelfile``: the model-file contract (format, reader, writer, lookup, schedule, RNG,
  sampler vocabulary, reference sampler).
- ``gnuradio.ddpm.flowgraphs``: reusable flowgraphs (the simulated link).
- ``gnuradio.ddpm.training``: PyTorch training (``ddpm-train``); needs torch.
- ``gnuradio.ddpm.evaluation``: the experiments of ``ddpm-eval`` (Dask, matplotlib).

Flowgraph code never imports ``training`` or ``evaluation``: flowgraphs run without torch.
"""
from ._version import __version__

# the pybind11 module: C++ blocks, kernel, parameters
from .ddpm_python import *  # noqa: F401,F403

# Python blocks
from .shaper import shaper  # noqa: F401
from .ccdm_dematcher import ccdm_dematcher  # noqa: F401
from .link_metrics import link_metrics  # noqa: F401
from .flowgraphs.sim_link import sim_link  # noqa: F401
from .flowgraphs.burst_tx import burst_tx  # noqa: F401
from .flowgraphs.burst_rx import burst_rx  # noqa: F401
# link parts (issue 14): test packets, their scorer, a metric as a float stream, the over-the-air channel
from .packet_source import packet_source  # noqa: F401
from .packet_scorer import packet_scorer  # noqa: F401
from .metric_value import metric_value  # noqa: F401
from .flowgraphs.ota_channel import ota_channel  # noqa: F401
from .mimo.blocks import mimo_channel_estimator, mimo_pilot_source, mimo_nmse_sink  # noqa: F401
