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



 static const char *__doc_gr_ddpm_denoiser_cc = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_denoiser_cc_0 = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_denoiser_cc_1 = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_make = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_set_snr_db = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_snr_db = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_set_sampler = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_sampler = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_set_steps = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_steps = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_set_eta = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_eta = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_model_path = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_throughput = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_kernel_throughput = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_last_noise_var = R"doc()doc";


 static const char *__doc_gr_ddpm_denoiser_cc_noise_source = R"doc()doc";

  
