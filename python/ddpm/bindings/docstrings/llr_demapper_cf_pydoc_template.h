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


static const char* __doc_gr_ddpm_llr_demapper_cf = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_llr_demapper_cf_0 = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_llr_demapper_cf_1 = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_make = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_set_snr_db = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_snr_db = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_set_method = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_method = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_bits_per_symbol = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_points = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_labels = R"doc()doc";


static const char* __doc_gr_ddpm_llr_demapper_cf_last_noise_var = R"doc()doc";
