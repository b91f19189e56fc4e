/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// libFuzzer harness for the C++ model reader gr::ddpm::model::from_bytes (lib/model.cc).
//
// Built with clang -fsanitize=fuzzer,address,undefined by fuzz/build.sh; lib/model.cc is compiled into the
// fuzzer directly (instrumented), libonnx_proto and libprotobuf are linked as the system builds them.
//
// Oracle, per input (bytes of a would-be model file):
//   - from_bytes() returns a model: its invariants must hold (sizes agree with T/H/D, the schedule is finite
//     and decreasing, weights finite, start_step() in range); otherwise abort().
//   - from_bytes() throws gr::ddpm::model_error: the message must name the input and contain one of the
//     phrases documented in docs/model-format.md ("Errors"); otherwise abort() -- an undocumented error is a
//     finding.
//   - any other exception escapes and libFuzzer reports it as a crash (also a finding).
//
// A structure-aware custom mutator (half of the mutations) parses the input as an onnx::ModelProto and
// edits what the reader checks (metadata values, initializer dims / dtype / data), so the fuzzer spends its
// time beyond the protobuf parser, which is not instrumented.

#include <gnuradio/ddpm/model.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

const char* const DOCUMENTED[] = {
    "cannot open",
    "not an ONNX model",
    "missing metadata 'ddpm.",
    "unsupported format version",
    "unsupported architecture",
    "unsupported prediction",
    "bad metadata 'ddpm.",
    "missing initializer '",
    "bad initializer '",
    "non-finite value in initializer '",
    "file too large", // docs/model-format.md: "refuses files larger than 256 MiB"
    "duplicate metadata key '",
    "duplicate initializer '",
    "model too large for the kernel",
};

const char NAME[] = "fuzz-input.onnx";

[[noreturn]] void finding(const char* what, const std::string& detail)
{
    std::fprintf(stderr, "FUZZ FINDING: %s: %s\n", what, detail.c_str());
    std::fflush(stderr);
    std::abort();
}

void check_model(const gr::ddpm::model& m)
{
    const int T = m.T(), H = m.hidden(), D = m.depth();
    if (T < 1 || H < 1 || D < 1)
        finding("accepted model with bad sizes", std::to_string(T) + " " + std::to_string(H));
    if (m.betas().size() != size_t(T) || m.alpha_bar().size() != size_t(T) ||
        m.levels().size() != size_t(T))
        finding("schedule length differs from T", std::to_string(m.betas().size()));
    double prev = 1.0;
    for (int t = 0; t < T; t++) {
        const double b = m.betas()[t], ab = m.alpha_bar()[t], l = m.levels()[t];
        // the strict schedule of docs/model-format.md: beta a float32 in (0, 1), abar strictly decreasing
        // in (0, 1), abar and the level normal float32 numbers
        const float fmin = std::numeric_limits<float>::min();
        if (!(b > 0 && b < 1) || !std::isfinite(l) || !(ab < prev) || !(ab > 0) || !(float(b) < 1.0f) ||
            !(float(b) >= fmin) || !(float(ab) >= fmin) || !std::isfinite(float(l)) || !(float(l) >= fmin))
            finding("accepted bad schedule", "t=" + std::to_string(t));
        prev = ab;
    }
    for (int l = 0; l < D; l++) {
        if (m.weight(l).size() != size_t(H) * size_t(l == 0 ? 2 : H) || m.bias(l).size() != size_t(H) ||
            m.embedding(l).size() != size_t(T) * size_t(H))
            finding("accepted weights of the wrong size", "layer " + std::to_string(l));
        for (const auto* v : { &m.weight(l), &m.bias(l), &m.embedding(l) })
            for (float x : *v)
                if (!std::isfinite(x))
                    finding("accepted a non-finite weight", "layer " + std::to_string(l));
    }
    if (m.out_weight().size() != size_t(2 * H) || m.out_bias().size() != 2)
        finding("accepted output layer of the wrong size", "");
    if (!m.constellation().empty() &&
        (size_t(1) << m.bits_per_symbol()) != m.constellation().size())
        finding("constellation size disagrees with bits_per_symbol", "");
    if (!(m.power_scale() >= 1e-18 && m.power_scale() <= 1e18))
        finding("accepted bad power_scale", "");
    if (m.constellation().size() == 1)
        finding("accepted a 1-point constellation", "");
    for (const auto& c : m.constellation())
        if (!(std::fabs(c.real()) <= 1e18f && std::fabs(c.imag()) <= 1e18f))
            finding("accepted a constellation coordinate beyond 1e18", "");
    {
        const uint64_t Hp = (uint64_t(H) + 7) / 8 * 8;
        if (uint64_t(D) * Hp * (uint64_t(T) + Hp + 1) + 4 * Hp > (uint64_t(1) << 26) ||
            uint64_t(D) * Hp * Hp > (uint64_t(1) << 22))
            finding("accepted a model too large for the kernel", "");
    }
    for (double nv : { -1.0, 0.0, 1e-6, 0.1, 1.0, 1e9, double(NAN), double(INFINITY) }) {
        int k = m.start_step(nv);
        if (k < 0 || k >= T)
            finding("start_step out of range", std::to_string(k));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        auto m = gr::ddpm::model::from_bytes(data, size, NAME);
        if (!m)
            finding("from_bytes returned null", "");
        check_model(*m);
    } catch (const gr::ddpm::model_error& e) {
        const std::string msg = e.what();
        if (msg.find(NAME) == std::string::npos)
            finding("error does not name the file", msg);
        // DDPM_FUZZ_SELFTEST: treat every rejection as undocumented (tests that the oracle aborts)
        static const bool selftest = std::getenv("DDPM_FUZZ_SELFTEST") != nullptr;
        bool documented = false;
        for (const char* p : DOCUMENTED)
            documented = documented || msg.find(p) != std::string::npos;
        if (!documented || selftest)
            finding("undocumented error message", msg);
    }
    // anything else (std::bad_alloc, std::out_of_range, ...) escapes: libFuzzer reports it as a crash
    return 0;
}

// ---------------------------------------------------------------- structure-aware mutations
namespace {

const char* const INTERESTING[] = { "0", "-1", "1", "2", "17", "65536", "65537", "1000000", "1000001",
                                     "2147483648", "9223372036854775808", "-9223372036854775809", "1e308",
                                     "1e400", "nan", "inf", "-inf", "", " ", " 1", "1 ", "0x10", "[]", "[",
                                     "[0.5]", "[1e-300]", "[0.5,", "[[0,0]]", "[[0,0],[1,1]]", "[[0]]",
                                     "eps", "x0", "mlp_stepemb_softplus", "unet", "\xff\xfe" };

template <class RNG>
std::string mutate_string(std::string s, RNG& rng, size_t max)
{
    switch (rng() % 4) {
    case 0:
        return INTERESTING[rng() % (sizeof(INTERESTING) / sizeof(*INTERESTING))];
    case 1: { // byte-level mutation by libFuzzer
        s.resize(std::min(max, s.size() + 16));
        size_t n = LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(&s[0]), s.size(), s.size());
        s.resize(n);
        return s;
    }
    case 2: // truncate
        return s.substr(0, s.empty() ? 0 : rng() % s.size());
    default: // splice a number into a JSON array
        if (!s.empty())
            s.insert(rng() % s.size(), rng() % 2 ? ", 0.5" : ", nan");
        return s;
    }
}

template <class RNG>
void mutate_proto(onnx::ModelProto& mp, RNG& rng)
{
    auto* g = mp.mutable_graph();
    const int nmeta = mp.metadata_props_size(), ninit = g->initializer_size();
    switch (rng() % 10) {
    case 0:
    case 1:
    case 2: // change a metadata value
        if (nmeta) {
            auto* kv = mp.mutable_metadata_props(rng() % nmeta);
            kv->set_value(mutate_string(kv->value(), rng, 4096));
        }
        break;
    case 3: // drop or duplicate a metadata entry
        if (nmeta) {
            int i = rng() % nmeta;
            if (rng() % 2) {
                auto kv = mp.metadata_props(i);
                *mp.add_metadata_props() = kv;
                mp.mutable_metadata_props()->SwapElements(i, mp.metadata_props_size() - 1);
                mp.mutable_metadata_props(i)->set_value(INTERESTING[rng() % 5]);
            } else {
                mp.mutable_metadata_props()->SwapElements(i, nmeta - 1);
                mp.mutable_metadata_props()->RemoveLast();
            }
        }
        break;
    case 4: // initializer dims
        if (ninit) {
            auto* t = g->mutable_initializer(rng() % ninit);
            static const int64_t dv[] = { 0, 1, 2, -1, 3, 7, 8, 100, 128, int64_t(1) << 31,
                                          int64_t(1) << 40, INT64_MAX, INT64_MIN };
            if (t->dims_size() && rng() % 3)
                t->set_dims(rng() % t->dims_size(), dv[rng() % (sizeof(dv) / sizeof(*dv))]);
            else if (rng() % 2)
                t->add_dims(dv[rng() % (sizeof(dv) / sizeof(*dv))]);
            else
                t->clear_dims();
        }
        break;
    case 5: // initializer dtype / location
        if (ninit) {
            auto* t = g->mutable_initializer(rng() % ninit);
            if (rng() % 4)
                t->set_data_type(int32_t(rng() % 18));
            else
                t->set_data_location(onnx::TensorProto::EXTERNAL);
        }
        break;
    case 6: // initializer data: truncate, grow, or poison one float
        if (ninit) {
            auto* t = g->mutable_initializer(rng() % ninit);
            if (t->has_raw_data()) {
                std::string* r = t->mutable_raw_data();
                int what = rng() % 3;
                if (what == 0 && !r->empty())
                    r->resize(rng() % r->size());
                else if (what == 1)
                    r->append(size_t(rng() % 9), '\0');
                else if (r->size() >= 4) {
                    static const uint32_t bits[] = { 0x7fc00000u, 0x7f800000u, 0xff800000u, 0x00000001u,
                                                     0x7f7fffffu };
                    uint32_t b = bits[rng() % 5];
                    std::memcpy(&(*r)[(rng() % (r->size() / 4)) * 4], &b, 4);
                }
            } else if (t->float_data_size()) {
                if (rng() % 2)
                    t->mutable_float_data()->RemoveLast();
                else
                    t->set_float_data(rng() % t->float_data_size(), rng() % 2 ? NAN : INFINITY);
            }
        }
        break;
    case 7: // raw_data <-> float_data
        if (ninit) {
            auto* t = g->mutable_initializer(rng() % ninit);
            if (t->has_raw_data() && t->raw_data().size() % 4 == 0) {
                const std::string r = t->raw_data();
                t->clear_raw_data();
                for (size_t i = 0; i < r.size(); i += 4) {
                    float f;
                    std::memcpy(&f, &r[i], 4);
                    t->add_float_data(f);
                }
            } else {
                t->clear_float_data();
                t->set_raw_data(std::string(size_t(rng() % 64) * 4, '\0'));
            }
        }
        break;
    case 8: // drop or rename an initializer
        if (ninit) {
            int i = rng() % ninit;
            if (rng() % 2) {
                g->mutable_initializer()->SwapElements(i, ninit - 1);
                g->mutable_initializer()->RemoveLast();
            } else {
                auto* t = g->mutable_initializer(i);
                t->set_name(mutate_string(t->name(), rng, 64));
            }
        }
        break;
    default: // header fields
        if (rng() % 2)
            mp.set_ir_version(int64_t(rng() % 3) - 1);
        else
            mp.clear_graph();
        break;
    }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed)
{
    std::minstd_rand rng(seed);
    if (rng() % 2) {
        onnx::ModelProto mp;
        if (size && mp.ParseFromArray(data, int(size))) {
            int n = 1 + int(rng() % 3);
            for (int i = 0; i < n; i++)
                mutate_proto(mp, rng);
            std::string out;
            if (mp.SerializeToString(&out) && out.size() <= max_size) {
                std::memcpy(data, out.data(), out.size());
                return out.size();
            }
        }
    }
    return LLVMFuzzerMutate(data, size, max_size);
}
