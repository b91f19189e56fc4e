/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_MODEL_PATH_H
#define INCLUDED_DDPM_MODEL_PATH_H

#include <string>
#include <vector>

namespace gr {
namespace ddpm {

/*!
 * Directories searched for shipped models, in order: the entries of $DDPM_MODEL_PATH (':'-separated,
 * empty entries skipped), then the compiled-in install directory <prefix>/share/gr-ddpm/models.
 */
std::vector<std::string> model_search_dirs();

/*!
 * Resolve a model name to a file path.
 *
 * An existing file, or any name with a '/', is returned as given (the loader then reports a
 * missing or bad file). Otherwise a bare short name (no '/') is looked up as
 * NAME.onnx (and NAME) in model_search_dirs(). Throws gr::ddpm::model_error ("cannot open model
 * ...", listing the directories searched) when nothing is found.
 */
std::string resolve_model_path(const std::string& name);

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_MODEL_PATH_H */
