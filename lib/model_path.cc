/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/ddpm/model.h>
#include <sys/stat.h>
#include <cstdlib>

#ifndef DDPM_MODEL_INSTALL_DIR
#define DDPM_MODEL_INSTALL_DIR ""
#endif

namespace gr {
namespace ddpm {

namespace {
bool is_regular_file(const std::string& p)
{
    struct stat st;
    return !p.empty() && ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
} // namespace

std::vector<std::string> model::search_dirs()
{
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("DDPM_MODEL_PATH")) {
        std::string s(env);
        size_t start = 0;
        while (start <= s.size()) {
            size_t end = s.find(':', start);
            if (end == std::string::npos)
                end = s.size();
            if (end > start)
                dirs.push_back(s.substr(start, end - start));
            start = end + 1;
        }
    }
    const std::string installed = DDPM_MODEL_INSTALL_DIR;
    if (!installed.empty())
        dirs.push_back(installed);
    return dirs;
}

std::string model::resolve_path(const std::string& name)
{
    if (name.empty())
        throw model_error("cannot open model '': empty model name");
    if (name.find('\0') != std::string::npos)
        throw model_error("cannot open model '" + name.substr(0, name.find('\0')) +
                          "': the path contains a NUL byte");
    // a path (or an existing file) goes to the loader as is, which reports a missing/bad file
    if (is_regular_file(name) || name.find('/') != std::string::npos)
        return name;
    const auto dirs = search_dirs();
    for (const auto& d : dirs) {
        for (const auto& cand : { d + "/" + name + ".onnx", d + "/" + name }) {
            if (is_regular_file(cand))
                return cand;
        }
    }
    std::string searched;
    for (const auto& d : dirs)
        searched += (searched.empty() ? "" : ", ") + d;
    throw model_error("cannot open model '" + name + "': no such file, and no " + name +
                      ".onnx in the model directories [" + searched +
                      "] ($DDPM_MODEL_PATH, then the install prefix)");
}

} // namespace ddpm
} // namespace gr
