/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Placeholder binding, replaced when the class is implemented.
#include <pybind11/pybind11.h>
namespace py = pybind11;
void bind_impairment_params(py::module& m) { (void)m; }
