/*
 * Copyright 2026 Free Software Foundation, Inc.
 *
 * This file is part of GNU Radio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 */
#include "pydoc_macros.h"
#define D(...) DOC(gr, ddpm, __VA_ARGS__)
/*
  This file contains placeholders for docstrings for the Python bindings.
  Do not edit! These were automatically extracted during the binding process
  and will be overwritten during the build process
 */



 static const char *__doc_gr_ddpm_impairment_injector_cc = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_impairment_injector_cc_0 = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_impairment_injector_cc_1 = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_make = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_params = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_params = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_snr_db = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_kappa_t = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_kappa_r = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_power = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_quant_bits = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_full_scale = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_fading = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_coherence_len = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_noise = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_seed = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_antennas = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_csi = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_snr_db = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_kappa_t = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_kappa_r = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_power = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_quant_bits = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_full_scale = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_fading = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_coherence_len = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_noise = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_antennas = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_injector_cc_set_csi = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_pa_sat = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_pa_sat = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_pa_p = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_pa_p = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_pm_alpha = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_pm_alpha = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_pm_beta = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_pm_beta = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_iq_amp_db = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_iq_amp_db = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_iq_phase_deg = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_iq_phase_deg = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_dc_re = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_dc_re = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_dc_im = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_dc_im = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_pn_model = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_pn_model = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_pn_deg = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_pn_deg = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_pn_corr_len = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_injector_cc_set_pn_corr_len = R"doc()doc";

  
