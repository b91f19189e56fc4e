/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Hand-written pybind11 binding of the burst frame (gr::ddpm::kernel::burst_format, numpy in and out) and
// of the burst synchroniser block gr::ddpm::burst_sync_cc.
#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/ddpm/burst_format.h>
#include <gnuradio/ddpm/burst_sync_cc.h>

namespace py = pybind11;

namespace {
using gr::ddpm::burst_sync_cc;
using gr::ddpm::kernel::burst_format;
typedef py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast> carr;
typedef py::array_t<uint8_t, py::array::c_style | py::array::forcecast> u8arr;

std::vector<gr_complex> to_points(const py::object& p)
{
    carr a = carr::ensure(p);
    if (!a || a.ndim() != 1)
        throw py::value_error("points must be a complex array [M]");
    return std::vector<gr_complex>(a.data(), a.data() + a.shape(0));
}

std::string to_bytes(const py::object& b)
{
    if (py::isinstance<py::bytes>(b))
        return b.cast<std::string>();
    if (py::isinstance<py::bytearray>(b))
        return std::string(py::bytes(b));
    u8arr a = u8arr::ensure(b);
    if (!a || a.ndim() != 1)
        throw py::value_error("payload must be bytes or a uint8 array [N]");
    return std::string(reinterpret_cast<const char*>(a.data()), size_t(a.shape(0)));
}

py::array_t<std::complex<float>> carray(const std::vector<gr_complex>& v)
{
    py::array_t<std::complex<float>> a(py::ssize_t(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}
} // namespace

void bind_burst(py::module& m)
{
    py::class_<burst_format, std::shared_ptr<burst_format>>(m, "burst_format", R"doc(
The burst frame of burst_tx / burst_rx (docs/burst.md), the one definition shared by both:

  preamble [64] | header [48] | pilots [8] | data [<= 64] | pilots [8] | ... | pilots [8]

preamble [A A A -A] (A: 16-symbol Frank code rotated 45 degrees); header: 48 BPSK symbols (+1 = bit 0) of
length (uint16), seq (uint16) and their CRC-16/CCITT-FALSE, big endian, MSB first; payload bytes + CRC-32
(little endian) MSB first into k = log2(M) bits per symbol (symbol value i -> points[i], zero padding);
pilot blocks of 8 known QPSK symbols before every 64 data symbols and after the last.

burst_format(points) -- points: complex [M], M = 2 .. 256 a power of 2, points[i] carries the bits of i
(gnuradio.ddpm.core.constellations.by_name). ValueError otherwise.
)doc")
        .def(py::init([](const py::object& p) { return std::make_shared<burst_format>(to_points(p)); }),
             py::arg("points"))
        .def_property_readonly("bits_per_symbol", &burst_format::bits_per_symbol, "k = log2(M)")
        .def_property_readonly("points", [](const burst_format& f) { return carray(f.points()); },
                               "complex64 [M]: the constellation")
        .def_static("preamble", []() { return carray(burst_format::preamble()); },
                    "preamble() -> complex64 [64]: the preamble symbols")
        .def_static("pilots", []() { return carray(burst_format::pilots()); },
                    "pilots() -> complex64 [8]: the symbols of every pilot block")
        .def("data_symbols", &burst_format::data_symbols, py::arg("len"),
             "data_symbols(len) -> int: data symbols of a payload of len bytes, ceil(8 (len + 4) / k)")
        .def("pilot_blocks", &burst_format::pilot_blocks, py::arg("len"),
             "pilot_blocks(len) -> int: ceil(data_symbols / 64) + 1")
        .def("burst_symbols", &burst_format::burst_symbols, py::arg("len"),
             "burst_symbols(len) -> int: symbols of the whole burst")
        .def("data_index", &burst_format::data_index, py::arg("i"),
             "data_index(i) -> int: index within the burst of data symbol i")
        .def(
            "modulate",
            [](const burst_format& f, const py::object& payload, int seq) {
                if (seq < 0 || seq > 65535)
                    throw py::value_error("seq must be 0 .. 65535");
                const std::string b = to_bytes(payload);
                return carray(f.modulate(reinterpret_cast<const uint8_t*>(b.data()), b.size(), uint16_t(seq)));
            },
            py::arg("payload"), py::arg("seq"),
            "modulate(payload: bytes or uint8 [N], seq: int) -> complex64 [burst_symbols(N)]: the burst symbols")
        .def(
            "data_values",
            [](const burst_format& f, const py::object& payload) {
                const std::string b = to_bytes(payload);
                const auto v = f.data_values(reinterpret_cast<const uint8_t*>(b.data()), b.size());
                py::array_t<int64_t> a(py::ssize_t(v.size()));
                std::copy(v.begin(), v.end(), a.mutable_data());
                return a;
            },
            py::arg("payload"),
            "data_values(payload) -> int64 [data_symbols(N)]: the symbol values (0 .. M-1) of payload + CRC-32")
        .def(
            "decode_payload",
            [](const burst_format& f, const py::object& sym, size_t len) -> py::object {
                carr a = carr::ensure(sym);
                if (!a || a.ndim() != 1)
                    throw py::value_error("symbols must be a complex array [n]");
                std::vector<uint8_t> out;
                bool ok;
                {
                    py::gil_scoped_release nogil;
                    ok = f.decode_payload(a.data(), size_t(a.shape(0)), len, out);
                }
                if (!ok)
                    return py::none();
                return py::bytes(reinterpret_cast<const char*>(out.data()), out.size());
            },
            py::arg("symbols"), py::arg("len"),
            "decode_payload(symbols: complex [n >= data_symbols(len)], len) -> bytes, or None when the CRC-32 "
            "fails: nearest-point decisions, bits to bytes, CRC check")
        .def(
            "decide",
            [](const burst_format& f, const py::object& sym) {
                carr a = carr::ensure(sym);
                if (!a || a.ndim() != 1)
                    throw py::value_error("symbols must be a complex array [n]");
                std::vector<int> v(size_t(a.shape(0)));
                f.decide(a.data(), v.size(), v.data());
                py::array_t<int64_t> o(py::ssize_t(v.size()));
                std::copy(v.begin(), v.end(), o.mutable_data());
                return o;
            },
            py::arg("symbols"), "decide(symbols: complex [n]) -> int64 [n]: nearest-point symbol values")
        .def_static(
            "crc32",
            [](const py::object& b) {
                const std::string s = to_bytes(b);
                return burst_format::crc32(reinterpret_cast<const uint8_t*>(s.data()), s.size());
            },
            py::arg("data"), "crc32(data: bytes) -> int: the CRC-32 of the payload (as digital.crc32)")
        .def_static(
            "crc16",
            [](const py::object& b) {
                const std::string s = to_bytes(b);
                return burst_format::crc16(reinterpret_cast<const uint8_t*>(s.data()), s.size());
            },
            py::arg("data"), "crc16(data: bytes) -> int: CRC-16/CCITT-FALSE of the header");

    py::class_<burst_sync_cc, gr::block, gr::basic_block, std::shared_ptr<burst_sync_cc>>(
        m, "burst_sync_cc", R"doc(
Burst synchroniser of burst_rx (C++): detection, integer timing, CFO, 6-tap LS channel estimate, 21-tap
MMSE linear equaliser, header decoding and pilot phase tracking (docs/burst.md).

burst_sync_cc(points, sps=4, threshold=0.2, max_payload=4096, delay=0)

Input: complex64, the received stream after a unit-energy root-raised-cosine matched filter, sps samples
per symbol. Output: complex64, the equalised, unbiased, phase-corrected data symbols of every burst whose
header passed its CRC (unit average power), bursts back to back.
Stream tags on the first data symbol of every burst: "h" = complex 1, "snr_db" = SNR of the equalised
symbols (double, dB), "burst" = dict with "seq", "len", "nsym" (long), "snr_db" (Es/N0 estimate, dB),
"snr_eq_db", "cfo" (cycles per SAMPLE of the input), "detect_metric" (0 .. 1), "time" (input item
index of the centre of the first preamble symbol minus delay).
Parameters: points: complex [M] (gnuradio.ddpm.core.constellations); sps: samples per symbol, 2 .. 64;
threshold: detection threshold on the normalised preamble metric, (0, 1); max_payload: largest payload in
bytes, 1 .. 65535; delay: samples subtracted from "time" (the matched filter's delay), >= 0.
)doc")
        .def(py::init([](const py::object& p, int sps, float threshold, int max_payload, int delay) {
                 return burst_sync_cc::make(to_points(p), sps, threshold, max_payload, delay);
             }),
             py::arg("points"), py::arg("sps") = 4, py::arg("threshold") = 0.2f,
             py::arg("max_payload") = 4096, py::arg("delay") = 0)
        .def("detections", &burst_sync_cc::detections, "preamble crossings that led to a header decode")
        .def("header_failures", &burst_sync_cc::header_failures,
             "detections whose header failed its CRC or had an out-of-range length")
        .def("bursts", &burst_sync_cc::bursts, "bursts delivered")
        .def("nonfinite", &burst_sync_cc::nonfinite, "non-finite input samples replaced by 0");
}
