/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Placeholder: the ONNX reader is implemented with the C++ kernel.
#include <gnuradio/ddpm/model.h>

namespace gr {
namespace ddpm {
model::sptr model::load(const std::string& path)
{
    throw model_error(path + ": model loading not implemented yet");
}
model::sptr model::from_bytes(const void*, size_t, const std::string& name)
{
    throw model_error(name + ": model loading not implemented yet");
}
std::string model::metadata(const std::string& key, const std::string& def) const
{
    auto it = d_metadata.find(key);
    return it == d_metadata.end() ? def : it->second;
}
int model::start_step(double) const { return d_T - 1; }
} // namespace ddpm
} // namespace gr
