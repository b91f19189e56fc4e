/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_SAMPLER_TYPE_H
#define INCLUDED_DDPM_SAMPLER_TYPE_H

#include <gnuradio/ddpm/api.h>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {
namespace kernel {

/*!
 * \brief Which reverse process to run (docs/sampling.md).
 *
 * The values are the denoiser_cc block's `sampler` parameter (0, 1, 2). Names and labels live in one
 * table (lib/sampler_type.cc): sampler_name(), sampler_from_name(), sampler_label().
 */
enum class sampler_type : int {
    PAPER = 0,   //!< "paper": x_{T-1} = y, full DDPM chain (the receiver paper's Algorithm 2)
    MATCHED = 1, //!< "matched": DDPM chain from the SNR-matched step k*, x_{k*} = sqrt(abar_k*) * y
    DDIM = 2,    //!< "ddim": DDIM from k* with `steps` steps and `eta`
};

//! Short lower-case name of \p type ("paper", "matched", "ddim"); throws std::invalid_argument
//! for a value outside the enum.
DDPM_API std::string sampler_name(sampler_type type);

//! Human-readable label of \p type, as shown in GRC (grc/ddpm_denoiser_cc.block.yml option_labels).
DDPM_API std::string sampler_label(sampler_type type);

//! The sampler of name \p name (case-insensitive); throws std::invalid_argument listing the valid
//! names for any other string.
DDPM_API sampler_type sampler_from_name(const std::string& name);

//! The sampler of int value \p value; throws std::invalid_argument naming the valid values and
//! their names (e.g. "0 (paper), 1 (matched) or 2 (ddim)") for any other value; \p what prefixes
//! the message.
DDPM_API sampler_type sampler_from_int(int value, const std::string& what = "sampler");

//! Every sampler's name, in enum order (index = int value).
DDPM_API std::vector<std::string> sampler_names();

//! Every sampler's GRC label, in enum order (index = int value).
DDPM_API std::vector<std::string> sampler_labels();

} // namespace kernel
} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_SAMPLER_TYPE_H */
