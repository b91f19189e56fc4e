/*
 * Copyright 2020 Free Software Foundation, Inc.
 *
 * This file is part of GNU Radio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 */

#include <pybind11/pybind11.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

namespace py = pybind11;

// Headers for binding functions
/**************************************/
// The following comment block is used for
// gr_modtool to insert function prototypes
// Please do not delete
/**************************************/
// BINDING_FUNCTION_PROTOTYPES(
    void bind_impairment_injector_cc(py::module& m);
    void bind_impairment_params(py::module& m);
    void bind_model(py::module& m);
    void bind_ddpm_sampler(py::module& m);
    void bind_denoiser_cc(py::module& m);
    void bind_burst(py::module& m);
    void bind_llr_demapper_cf(py::module& m);
// ) END BINDING_FUNCTION_PROTOTYPES


// We need this hack because import_array() returns NULL
// for newer Python versions.
// This function is also necessary because it ensures access to the C API
// and removes a warning.
void* init_numpy()
{
    import_array();
    return NULL;
}

PYBIND11_MODULE(ddpm_python, m)
{
    // Initialize the numpy C API
    // (otherwise we will see segmentation faults)
    init_numpy();

    // Allow access to base block methods
    py::module::import("gnuradio.gr");

    /**************************************/
    // The following comment block is used for
    // gr_modtool to insert binding function calls
    // Please do not delete
    /**************************************/
    // BINDING_FUNCTION_CALLS(
    bind_impairment_params(m);
    bind_impairment_injector_cc(m);
    bind_model(m);
    bind_ddpm_sampler(m);
    bind_denoiser_cc(m);
    bind_burst(m);
    bind_llr_demapper_cf(m);
    // ) END BINDING_FUNCTION_CALLS
}