/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Hand-written pybind11 binding of gr::ddpm::kernel::ddpm_sampler on numpy arrays (GIL released while
// computing).
#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/ddpm/ddpm_sampler.h>
#include <cctype>
#include <cstring>

namespace py = pybind11;

namespace {
using gr::ddpm::model;
using gr::ddpm::kernel::ddpm_sampler;
using gr::ddpm::kernel::sampler_config;
using gr::ddpm::kernel::sampler_type;

typedef py::array_t<float, py::array::c_style | py::array::forcecast> farr;
typedef py::array_t<int64_t, py::array::c_style | py::array::forcecast> iarr;
typedef py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast> carr;

sampler_type parse_type(const py::object& s)
{
    if (py::isinstance<sampler_type>(s))
        return s.cast<sampler_type>();
    if (py::isinstance<py::str>(s))
        return gr::ddpm::kernel::sampler_from_name(s.cast<std::string>()); // ValueError naming the choices
    throw py::type_error("sampler must be a str or gnuradio.ddpm.sampler_type");
}

std::shared_ptr<ddpm_sampler> make(model::sptr m, int threads, const std::string& isa)
{
    auto s = std::make_shared<ddpm_sampler>(m, threads);
    if (!isa.empty())
        s->set_isa(isa);
    return s;
}

py::object do_sample(ddpm_sampler& self,
                     py::array y,
                     py::object noise_var,
                     py::object sampler,
                     int steps,
                     double eta,
                     uint64_t seed,
                     uint64_t first_index,
                     bool stochastic,
                     bool top_up,
                     bool return_nonfinite)
{
    // y: complex [N], or real [N, 2] (I, Q)
    carr yc;
    farr yf;
    const gr_complex* yp = nullptr;
    size_t n = 0;
    if (y.dtype().kind() == 'c') {
        yc = carr::ensure(y);
        if (yc.ndim() != 1)
            throw py::value_error("y must be complex [N] or real [N, 2]");
        n = size_t(yc.shape(0));
        yp = yc.data();
    } else {
        yf = farr::ensure(y);
        if (!yf || yf.ndim() != 2 || yf.shape(1) != 2)
            throw py::value_error("y must be complex [N] or real [N, 2]");
        n = size_t(yf.shape(0));
        yp = reinterpret_cast<const gr_complex*>(yf.data()); // (I, Q) pairs = std::complex<float>
    }
    sampler_config cfg;
    cfg.type = parse_type(sampler);
    cfg.steps = steps;
    cfg.eta = float(eta);
    cfg.seed = seed;
    cfg.stochastic = stochastic;
    cfg.top_up = top_up;
    farr nv;
    const float* nvp = nullptr;
    if (py::isinstance<py::float_>(noise_var) || py::isinstance<py::int_>(noise_var)) {
        cfg.noise_var = float(noise_var.cast<double>());
    } else {
        nv = farr::ensure(noise_var);
        if (!nv)
            throw py::type_error("noise_var must be a float or a float array [N]");
        if (nv.ndim() == 0 || (nv.ndim() == 1 && nv.shape(0) == 1 && n != 1)) {
            cfg.noise_var = *nv.data();
        } else {
            if (nv.ndim() != 1 || size_t(nv.shape(0)) != n)
                throw py::value_error("noise_var must be a scalar or have shape [N] = [" +
                                      std::to_string(n) + "]");
            nvp = nv.data();
        }
    }
    py::array_t<std::complex<float>> out(py::ssize_t(n), nullptr);
    gr_complex* op = reinterpret_cast<gr_complex*>(out.mutable_data());
    size_t bad;
    {
        py::gil_scoped_release nogil;
        bad = self.sample(yp, nvp, op, n, first_index, cfg);
    }
    if (return_nonfinite)
        return py::make_tuple(out, bad);
    return out;
}
} // namespace

void bind_ddpm_sampler(py::module& m)
{
    {
        // values, names and labels from the one table in lib/sampler_type.cc
        py::enum_<sampler_type> e(m, "sampler_type", "reverse process of ddpm_sampler.sample (docs/sampling.md)");
        for (const auto& name : gr::ddpm::kernel::sampler_names()) {
            std::string upper = name;
            for (auto& ch : upper)
                ch = char(std::toupper((unsigned char)ch));
            e.value(upper.c_str(), gr::ddpm::kernel::sampler_from_name(name)); // pybind11 copies the name
        }
    }
    m.def("sampler_names", &gr::ddpm::kernel::sampler_names,
          "sampler_names() -> list of str: the sampler names in sampler_type order ('paper', 'matched', 'ddim')");
    m.def("sampler_labels", &gr::ddpm::kernel::sampler_labels,
          "sampler_labels() -> list of str: the samplers' GRC labels in sampler_type order");
    m.def("sampler_name", &gr::ddpm::kernel::sampler_name, py::arg("type"),
          "sampler_name(type: sampler_type) -> str: 'paper', 'matched' or 'ddim'");
    m.def("sampler_from_name", &gr::ddpm::kernel::sampler_from_name, py::arg("name"),
          "sampler_from_name(name: str) -> sampler_type (case-insensitive); ValueError naming the valid names");

    py::class_<sampler_config>(m, "sampler_config", "settings of one ddpm_sampler.sample call (C++ API)")
        .def(py::init<>())
        .def_readwrite("type", &sampler_config::type)
        .def_readwrite("steps", &sampler_config::steps)
        .def_readwrite("eta", &sampler_config::eta)
        .def_readwrite("stochastic", &sampler_config::stochastic)
        .def_readwrite("top_up", &sampler_config::top_up)
        .def_readwrite("seed", &sampler_config::seed)
        .def_readwrite("noise_var", &sampler_config::noise_var);

    py::class_<ddpm_sampler, std::shared_ptr<ddpm_sampler>>(m, "ddpm_sampler", R"doc(
Batched DDPM/DDIM sampler (C++ kernel, batch as the SIMD dimension) over a gr-ddpm model.

ddpm_sampler(model_or_path, threads=0, isa="") -- model: gnuradio.ddpm.model, a file path (str or
os.PathLike) or an object with a .path (gnuradio.ddpm.modelfile.Model, whose file is then read natively);
threads: worker threads splitting the batch, 0 = all cores; isa: "" (DDPM_KERNEL_ISA or auto), "auto",
"generic", "avx2" or "avx512". Errors: ModelError (ValueError) for a bad model file, ValueError for bad
arguments, IndexError for t outside 0..T-1 in eps(), RuntimeError ("... cancelled") after cancel().

Thread safety: one object is safe to share between threads. sample() and eps() release the GIL; calls on
one object are serialised by a mutex per object (a second caller waits, results are bit-identical to
single-threaded calls); use one object per thread to run in parallel. cancel() may be called from any
thread: the running call raises RuntimeError within one network step, as do later calls until
clear_cancel().
)doc")
        .def(py::init([](std::shared_ptr<model> mm, int threads, const std::string& isa) {
                 return make(mm, threads, isa);
             }),
             py::arg("model"), py::arg("threads") = 0, py::arg("isa") = "")
        .def(py::init([](const py::object& p, int threads, const std::string& isa) {
                 // a path (str, os.PathLike) or an object with a .path (gnuradio.ddpm.modelfile.Model)
                 py::object os = py::module::import("os");
                 py::object src = py::hasattr(p, "path") && !py::isinstance<py::str>(p) ? p.attr("path") : p;
                 std::string path = os.attr("fspath")(src).cast<std::string>();
                 model::sptr mm;
                 {
                     py::gil_scoped_release nogil;
                     mm = model::load(path);
                 }
                 return make(mm, threads, isa);
             }),
             py::arg("path"), py::arg("threads") = 0, py::arg("isa") = "")
        .def_property_readonly(
            "model",
            [](const ddpm_sampler& s) { return std::const_pointer_cast<model>(s.get_model()); },
            "the gnuradio.ddpm.model")
        .def_property("threads", &ddpm_sampler::threads, &ddpm_sampler::set_threads,
                      "worker threads (0 = all cores)")
        .def_property("isa", &ddpm_sampler::isa, &ddpm_sampler::set_isa,
                      "'avx512', 'avx2' or 'generic' (set 'auto', 'generic', 'avx2' or 'avx512')")
        .def("cancel", &ddpm_sampler::cancel,
             "cancel(): the sample()/eps() call in progress (and every later one until clear_cancel()) raises "
             "RuntimeError within one network step; thread-safe, never blocks")
        .def("clear_cancel", &ddpm_sampler::clear_cancel, "clear_cancel(): allow sample()/eps() again after cancel()")
        .def_property_readonly("cancelled", &ddpm_sampler::cancelled, "whether cancel() is in force")
        .def_static("cpu_has_avx512", &ddpm_sampler::cpu_has_avx512)
        .def_static("cpu_has_avx2", &ddpm_sampler::cpu_has_avx2)
        .def(
            "eps",
            [](ddpm_sampler& self, farr x, iarr t) {
                if (x.ndim() != 2 || x.shape(1) != 2)
                    throw py::value_error("x must have shape [N, 2]");
                if (t.ndim() != 1 || t.shape(0) != x.shape(0))
                    throw py::value_error("t must have shape [N] with N = x.shape[0]");
                const size_t n = size_t(x.shape(0));
                py::array_t<float> out({ py::ssize_t(n), py::ssize_t(2) });
                float* op = out.mutable_data();
                const float* xp = x.data();
                const int64_t* tp = t.data();
                {
                    py::gil_scoped_release nogil;
                    self.eps(xp, tp, op, n);
                }
                return out;
            },
            py::arg("x"), py::arg("t"),
            "eps(x: float32 [N, 2], t: int64 [N]) -> float32 [N, 2]: eps_theta(x, t)")
        .def("sample", &do_sample, py::arg("y"), py::arg("noise_var") = 0.0,
             py::arg("sampler") = "matched", py::arg("steps") = 10, py::arg("eta") = 0.0,
             py::arg("seed") = 0, py::arg("first_index") = 0, py::arg("stochastic") = true,
             py::arg("top_up") = false, py::arg("return_nonfinite") = false,
             R"doc(
sample(y, noise_var=0.0, sampler="matched", steps=10, eta=0.0, seed=0, first_index=0, stochastic=True,
       top_up=False, return_nonfinite=False) -> complex64 [N]  (or (out, count) with return_nonfinite)

y: complex [N] or float [N, 2] equalised observations in model units; noise_var: float or float32 [N]
complex noise variance (model units); sampler: "paper" | "matched" | "ddim" or sampler_type; steps, eta:
DDIM settings; seed, first_index: key ddpm-rng-v1 by (seed, first_index + i, step). Non-finite samples
give 0+0j (count returned with return_nonfinite=True).
)doc");
}
