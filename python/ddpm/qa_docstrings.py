#!/usr/bin/env python
# -*- coding: utf-8 -*-
#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""help() of the C++ blocks shows the parameters, units and tags of their headers' Doxygen comments
(the build fills the pydoc templates with ENABLE_DOXYGEN=ON, see python/ddpm/bindings/README.md)."""

import pydoc

import pytest

from gnuradio import ddpm


def help_text(obj):
    return pydoc.render_doc(obj, renderer=pydoc.plaintext)


def test_denoiser_help_shows_parameters_and_tags():
    doc = ddpm.denoiser_cc.__doc__
    for word in ("snr_db", "SNR of the additive noise in dB", "equalize", "zero forcing", "batch",
                 "Stream tags", '"h"', '"kappa_t"', '"kappa_r"', '"power"', '"antennas"', '"h_norm2"',
                 "M2M4", '"paper"', '"matched"', '"ddim"'):
        assert word in doc, word
    assert '\\"' not in doc  # raw-string docstrings: no escaped quotes
    text = help_text(ddpm.denoiser_cc)
    assert "snr_db : SNR of the additive noise in dB" in text
    assert "set_snr_db" in text and "NaN = estimate from data" in text


def test_injector_help_shows_parameters_and_tags():
    doc = ddpm.impairment_injector_cc.__doc__
    for word in ("kappa_t : transmitter impairment level", "snr_db : SNR of the additive noise in dB",
                 "coherence_len", "antennas", '"h_norm2"', "Stream tags"):
        assert word in doc, word


def test_impairment_params_help():
    doc = ddpm.impairment_params.__doc__
    for word in ("kappa_t", "Bounds", "[-100, 300] dB", "coherence_len", "MISO"):
        assert word in doc, word
    assert "effective_noise_var" in help_text(ddpm.impairment_params)
    assert "kappa_t" in ddpm.impairment_params.effective_noise_var.__doc__ or \
        "h_norm2" in ddpm.impairment_params.effective_noise_var.__doc__


@pytest.mark.parametrize("obj, words", [
    (lambda: ddpm.model, ("model-format", "start_step")),
    (lambda: ddpm.ddpm_sampler, ("threads", "isa", "noise_var", "sampler", "first_index")),
])
def test_kernel_classes_help(obj, words):
    text = help_text(obj())
    for word in words:
        assert word in text, word
