/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_MODEL_H
#define INCLUDED_DDPM_MODEL_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/gr_complex.h>
#include <cstddef>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gr {
namespace ddpm {

/*!
 * \brief Error raised for a model file that cannot be used; what() names the file and the problem
 * (see docs/model-format.md, "Errors").
 */
class DDPM_API model_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/*!
 * \brief A gr-ddpm model (docs/model-format.md, version 1), read from ONNX with Debian's libonnx.
 *
 * Immutable once loaded; share it between kernels and blocks through model::sptr.
 */
class DDPM_API model
{
public:
    typedef std::shared_ptr<const model> sptr;

    //! Load a model file; throws model_error naming the problem.
    static sptr load(const std::string& path);
    //! Parse a model from memory (same checks as load()); \p name is used in messages.
    static sptr from_bytes(const void* data, size_t size, const std::string& name = "<memory>");
    /*!
     * The model lookup by short name, the one used by every block and by Python
     * (gnuradio.ddpm.modelfile.lookup): an existing file, or a name containing '/', is returned as is;
     * otherwise name.onnx (then name) is looked for in each directory of $DDPM_MODEL_PATH
     * (colon-separated), then in the install prefix's share/gr-ddpm/models. Throws model_error listing
     * the directories searched when nothing is found, or for an empty name.
     */
    static std::string resolve_path(const std::string& name);
    //! The directories resolve_path() searches, in order.
    static std::vector<std::string> search_dirs();

    int T() const { return d_T; }
    int hidden() const { return d_hidden; }
    int depth() const { return d_depth; }
    //! beta_t, t = 0..T-1, exactly as stored (float64)
    const std::vector<double>& betas() const { return d_betas; }
    //! alpha_bar_t = prod_{s<=t} (1 - beta_s), accumulated in float64
    const std::vector<double>& alpha_bar() const { return d_alpha_bar; }
    //! noise level of step t per real dimension, L_t = (1 - alpha_bar_t) / alpha_bar_t (float64)
    const std::vector<double>& levels() const { return d_level; }
    //! Constellation points in model units (index = symbol value); empty when the model has none.
    const std::vector<gr_complex>& constellation() const { return d_constellation; }
    int bits_per_symbol() const { return d_bits_per_symbol; }
    //! model units = power_scale * physical units
    double power_scale() const { return d_power_scale; }
    const std::string& dataset() const { return d_dataset; }
    const std::string& path() const { return d_path; }
    //! Raw metadata value (all metadata_props), or \p def when absent.
    std::string metadata(const std::string& key, const std::string& def = "") const;
    const std::map<std::string, std::string>& metadata_map() const { return d_metadata; }

    /*!
     * SNR-matched start step k* for an observation whose complex noise variance (model units) is
     * \p noise_var: argmin_t |(1 - abar_t)/abar_t - noise_var/2|, T-1 when the noise exceeds the last
     * level or is not finite (docs/sampling.md).
     */
    int start_step(double noise_var) const;

    //! Weights, row-major as in the file: W_l [out, in], b_l [out], gamma_l [T, H], W_out [2, H], b_out [2]
    const std::vector<float>& weight(int layer) const { return d_w.at(layer); }
    const std::vector<float>& bias(int layer) const { return d_b.at(layer); }
    const std::vector<float>& embedding(int layer) const { return d_emb.at(layer); }
    const std::vector<float>& out_weight() const { return d_w_out; }
    const std::vector<float>& out_bias() const { return d_b_out; }

private:
    model() = default;
    int d_T = 0, d_hidden = 0, d_depth = 0, d_bits_per_symbol = 0;
    double d_power_scale = 1.0;
    std::vector<double> d_betas, d_alpha_bar, d_level;
    std::vector<gr_complex> d_constellation;
    std::string d_dataset, d_path;
    std::map<std::string, std::string> d_metadata;
    std::vector<std::vector<float>> d_w, d_b, d_emb;
    std::vector<float> d_w_out, d_b_out;
    friend struct model_parser;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_MODEL_H */
