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



 static const char *__doc_gr_ddpm_impairment_params = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_impairment_params_0 = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_impairment_params_1 = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_names = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_value = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_params_hardware_names = R"doc()doc";
 static const char *__doc_gr_ddpm_impairment_params_hardware_on = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_validate = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_noise_var = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_effective_noise_var = R"doc()doc";


 static const char *__doc_gr_ddpm_impairment_params_to_string = R"doc()doc";

  
