/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_IMPAIRMENT_PARAMS_H
#define INCLUDED_DDPM_IMPAIRMENT_PARAMS_H

#include <gnuradio/ddpm/api.h>

namespace gr {
namespace ddpm {

/*!
 * \brief Parameters of the hardware-impairment channel (placeholder, completed with the injector).
 */
struct DDPM_API impairment_params {
    float snr_db = 20.0f;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_IMPAIRMENT_PARAMS_H */
