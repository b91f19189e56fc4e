/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// gr::ddpm::model: reading the committed tiny fixtures (tests/fixtures/*.onnx, written by
// tests/fixtures/ddpm_fixtures.py), the start step, the softplus approximations, and every kind of
// malformed file (built here by mutating a valid file with the ONNX protobuf classes, or its bytes).
#include "softplus.h"
#include "softplus_avx512.h"
#include "softplus_avx2.h"
#include <gnuradio/ddpm/model.h>
#include <onnx/onnx_pb.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using gr::ddpm::model;
using gr::ddpm::model_error;

namespace {

const std::string FIX = std::string(DDPM_SOURCE_DIR) + "/tests/fixtures/";
const std::string TINY = FIX + "tiny_h8_d2_t10.onnx";
const std::string TINY_FD = FIX + "tiny_h12_d3_t16_floatdata.onnx";

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(f, "cannot read fixture " << path);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

onnx::ModelProto proto(const std::string& bytes)
{
    onnx::ModelProto mp;
    BOOST_REQUIRE(mp.ParseFromString(bytes));
    return mp;
}

std::string ser(const onnx::ModelProto& mp)
{
    std::string s;
    BOOST_REQUIRE(mp.SerializeToString(&s));
    return s;
}

// from_bytes must throw model_error whose message contains one of \p expect
void expect_error(const std::string& bytes,
                  const std::vector<std::string>& expect,
                  const std::string& what)
{
    try {
        model::from_bytes(bytes.data(), bytes.size(), "case-" + what);
        BOOST_ERROR("no error for " << what);
    } catch (const model_error& e) {
        std::string msg = e.what();
        bool ok = false;
        for (const auto& x : expect)
            ok = ok || msg.find(x) != std::string::npos;
        BOOST_CHECK_MESSAGE(ok, what << ": message '" << msg << "' lacks '" << expect[0] << "'");
        BOOST_CHECK_MESSAGE(msg.find("case-" + what) != std::string::npos,
                            what << ": message does not name the file: " << msg);
    }
}

void set_meta(onnx::ModelProto& mp, const std::string& key, const std::string& value)
{
    for (auto& kv : *mp.mutable_metadata_props())
        if (kv.key() == key) {
            kv.set_value(value);
            return;
        }
    auto* kv = mp.add_metadata_props();
    kv->set_key(key);
    kv->set_value(value);
}

void drop_meta(onnx::ModelProto& mp, const std::string& key)
{
    auto* props = mp.mutable_metadata_props();
    for (int i = 0; i < props->size(); i++)
        if (props->Get(i).key() == key) {
            props->DeleteSubrange(i, 1);
            return;
        }
    BOOST_FAIL("fixture has no metadata " << key);
}

onnx::TensorProto* init(onnx::ModelProto& mp, const std::string& name)
{
    for (auto& t : *mp.mutable_graph()->mutable_initializer())
        if (t.name() == name)
            return &t;
    BOOST_FAIL("fixture has no initializer " << name);
    return nullptr;
}

// the papers' schedule, as the fixture generator makes it (numpy linspace + logistic, float64)
std::vector<double> sigmoid_betas(int T)
{
    std::vector<double> b(static_cast<size_t>(T));
    for (int i = 0; i < T; i++) {
        double s = -6.0 + 12.0 * i / (T - 1);
        b[size_t(i)] = 1.0 / (1.0 + std::exp(-s)) * (1e-2 - 1e-5) + 1e-5;
    }
    return b;
}

} // namespace

BOOST_AUTO_TEST_CASE(load_tiny_fixtures)
{
    auto m = model::load(TINY);
    BOOST_CHECK_EQUAL(m->T(), 10);
    BOOST_CHECK_EQUAL(m->hidden(), 8);
    BOOST_CHECK_EQUAL(m->depth(), 2);
    BOOST_CHECK_EQUAL(m->dataset(), "qam16");
    BOOST_CHECK_EQUAL(m->bits_per_symbol(), 4);
    BOOST_CHECK_EQUAL(m->constellation().size(), 16u);
    BOOST_CHECK_EQUAL(m->path(), TINY);
    BOOST_CHECK_EQUAL(m->metadata("ddpm.arch"), "mlp_stepemb_softplus");
    BOOST_CHECK_EQUAL(m->metadata("no.such.key", "dflt"), "dflt");
    BOOST_CHECK_CLOSE(m->power_scale(), 1.0, 1e-12);
    // unit average power constellation
    double p = 0;
    for (auto c : m->constellation())
        p += std::norm(c);
    BOOST_CHECK_CLOSE(p / 16.0, 1.0, 1e-4);
    // betas read back exactly (17 significant digits); numpy's linspace may differ from ours in the last bit
    auto b = sigmoid_betas(10);
    double ab = 1.0;
    for (int t = 0; t < 10; t++) {
        BOOST_CHECK_CLOSE(m->betas()[size_t(t)], b[size_t(t)], 1e-11);
        ab *= 1.0 - m->betas()[size_t(t)];
        BOOST_CHECK_EQUAL(m->alpha_bar()[size_t(t)], ab);
        BOOST_CHECK_CLOSE(m->levels()[size_t(t)], (1 - ab) / ab, 1e-12);
    }
    BOOST_CHECK_EQUAL(m->weight(0).size(), 16u);
    BOOST_CHECK_EQUAL(m->weight(1).size(), 64u);
    BOOST_CHECK_EQUAL(m->embedding(1).size(), 80u);
    BOOST_CHECK_EQUAL(m->out_weight().size(), 16u);
    BOOST_CHECK_EQUAL(m->out_bias().size(), 2u);

    auto m2 = model::load(TINY_FD); // float_data initializers, H not a multiple of 8
    BOOST_CHECK_EQUAL(m2->hidden(), 12);
    BOOST_CHECK_EQUAL(m2->depth(), 3);
    BOOST_CHECK_EQUAL(m2->T(), 16);
    BOOST_CHECK_EQUAL(m2->weight(2).size(), 144u);
}

BOOST_AUTO_TEST_CASE(raw_data_and_float_data_agree)
{
    // rewrite every initializer of the raw_data fixture as float_data: the weights must read back equal
    std::string bytes = slurp(TINY);
    auto mp = proto(bytes);
    for (auto& t : *mp.mutable_graph()->mutable_initializer()) {
        std::string raw = t.raw_data();
        BOOST_REQUIRE_EQUAL(raw.size() % 4, 0u);
        std::vector<float> v(raw.size() / 4);
        std::memcpy(v.data(), raw.data(), raw.size());
        t.clear_raw_data();
        for (float x : v)
            t.add_float_data(x);
    }
    auto a = model::from_bytes(bytes.data(), bytes.size());
    std::string fd = ser(mp);
    auto b = model::from_bytes(fd.data(), fd.size());
    BOOST_CHECK(a->weight(0) == b->weight(0));
    BOOST_CHECK(a->weight(1) == b->weight(1));
    BOOST_CHECK(a->embedding(0) == b->embedding(0));
    BOOST_CHECK(a->out_weight() == b->out_weight());
    BOOST_CHECK(a->out_bias() == b->out_bias());
    // and they are not all zero (the comparison above could not fail otherwise)
    double s = 0;
    for (float x : a->weight(1))
        s += std::fabs(x);
    BOOST_CHECK_GT(s, 1.0);
}

BOOST_AUTO_TEST_CASE(start_step_matches_brute_force)
{
    auto m = model::load(TINY);
    const auto& L = m->levels();
    const int T = m->T();
    std::mt19937_64 g(7);
    std::uniform_real_distribution<double> u(-12.0, 1.0);
    for (int i = 0; i < 2000; i++) {
        double nv = std::pow(10.0, u(g));
        double sd2 = nv / 2;
        int best = T - 1;
        if (sd2 <= L[size_t(T - 1)]) {
            best = 0;
            for (int t = 1; t < T; t++)
                if (std::fabs(L[size_t(t)] - sd2) < std::fabs(L[size_t(best)] - sd2))
                    best = t;
        }
        BOOST_CHECK_EQUAL(m->start_step(nv), best);
    }
    for (int t = 0; t < T; t++)
        BOOST_CHECK_EQUAL(m->start_step(2.0 * L[size_t(t)]), t);
    BOOST_CHECK_EQUAL(m->start_step(0.0), 0);
    BOOST_CHECK_EQUAL(m->start_step(-1.0), T - 1);
    BOOST_CHECK_EQUAL(m->start_step(std::nan("")), T - 1);
    BOOST_CHECK_EQUAL(m->start_step(INFINITY), T - 1);
    BOOST_CHECK_EQUAL(m->start_step(1e6), T - 1);
}

BOOST_AUTO_TEST_CASE(softplus_accuracy)
{
    using gr::ddpm::kernel::detail::softplus_approx;
    // dense grid over the range where the relative bound holds (a >= -69), plus the tail
    double worst = 0;
    std::vector<float> xs;
    for (double a = -69.0; a <= 90.0; a += 0.00731)
        xs.push_back(float(a));
    for (float a : { 0.0f, -0.0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 20.0f, -20.0f })
        xs.push_back(a);
    // worst relative error of y[i] against softplus(xs[i]) in float64, i < count
    const auto worst_rel = [&xs](const float* y, size_t count) {
        double w = 0;
        for (size_t i = 0; i < count; i++) {
            const double a = xs[i];
            const double ref = std::max(a, 0.0) + std::log1p(std::exp(-std::fabs(a)));
            w = std::max(w, std::fabs(y[i] - ref) / ref);
        }
        return w;
    };
    {
        std::vector<float> y(xs.size());
        for (size_t i = 0; i < xs.size(); i++)
            y[i] = softplus_approx(xs[i]);
        worst = worst_rel(y.data(), y.size());
    }
    BOOST_TEST_MESSAGE("softplus_approx worst relative error " << worst);
    BOOST_CHECK_LT(worst, 1e-6);
    for (float a : { -80.0f, -200.0f, -1e30f })
        BOOST_CHECK_LT(softplus_approx(a), 1e-30f);
    BOOST_CHECK(std::isnan(softplus_approx(std::nanf(""))));

    const size_t n = (xs.size() + 127) / 128 * 128;
    xs.resize(n, 1.0f);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        // the AVX2 twin, 4 vectors at a time (as forward_avx2.cc runs it)
        struct run2 {
            DDPM_AVX2 static void go(const float* in, float* out, size_t n)
            {
                for (size_t i = 0; i < n; i += 32) {
                    __m256 v[4];
                    for (int k = 0; k < 4; k++)
                        v[k] = _mm256_loadu_ps(in + i + 8 * k);
                    gr::ddpm::kernel::detail::softplus_avx2<4>(v);
                    for (int k = 0; k < 4; k++)
                        _mm256_storeu_ps(out + i + 8 * k, v[k]);
                }
            }
        };
        std::vector<float> y2(n);
        run2::go(xs.data(), y2.data(), n);
        const double worst2 = worst_rel(y2.data(), n);
        BOOST_TEST_MESSAGE("softplus_avx2 worst relative error " << worst2);
        BOOST_CHECK_LT(worst2, 2e-6);
        // tail and NaN as the scalar version
        const float sp_in[8] = { -80.0f, -200.0f, -1e30f, std::nanf(""), 0.0f, 100.0f, -69.0f, 1e-7f };
        float sp_out[8];
        struct run3 {
            DDPM_AVX2 static void go(const float* in, float* out)
            {
                __m256 v = _mm256_loadu_ps(in);
                gr::ddpm::kernel::detail::softplus_avx2<1>(&v);
                _mm256_storeu_ps(out, v);
            }
        };
        run3::go(sp_in, sp_out);
        for (int k = 0; k < 3; k++)
            BOOST_CHECK_LT(sp_out[k], 1e-30f);
        BOOST_CHECK(std::isnan(sp_out[3]));
    } else {
        BOOST_TEST_MESSAGE("no AVX2/FMA: AVX2 softplus not tested");
    }
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq")) {
        BOOST_TEST_MESSAGE("no AVX-512: AVX-512 softplus not tested");
        return;
    }
    // the AVX-512 version, 8 vectors at a time
    std::vector<float> ys(n);
    struct run {
        DDPM_AVX512 static void go(const float* in, float* out, size_t n)
        {
            for (size_t i = 0; i < n; i += 128) {
                __m512 v[8];
                for (int k = 0; k < 8; k++)
                    v[k] = _mm512_loadu_ps(in + i + 16 * k);
                gr::ddpm::kernel::detail::softplus_avx512<8>(v);
                for (int k = 0; k < 8; k++)
                    _mm512_storeu_ps(out + i + 16 * k, v[k]);
            }
        }
    };
    run::go(xs.data(), ys.data(), n);
    worst = worst_rel(ys.data(), n);
    BOOST_TEST_MESSAGE("softplus_avx512 worst relative error " << worst);
    BOOST_CHECK_LT(worst, 1e-6);
}

BOOST_AUTO_TEST_CASE(cannot_open)
{
    for (std::string p : { FIX + "no_such_file.onnx", FIX }) {
        try {
            model::load(p);
            BOOST_ERROR("no error for " << p);
        } catch (const model_error& e) {
            BOOST_CHECK(std::string(e.what()).find("cannot open") != std::string::npos);
            BOOST_CHECK(std::string(e.what()).find(p) != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(not_onnx_empty_truncated)
{
    const std::string good = slurp(TINY);
    expect_error("", { "not an ONNX model" }, "empty");
    expect_error(std::string(1000, 'A'), { "not an ONNX model" }, "text");
    std::mt19937 g(3);
    std::string junk(4096, '\0');
    for (auto& c : junk)
        c = char(g());
    expect_error(junk, { "not an ONNX model", "missing metadata" }, "random");
    // truncated at many offsets: never a crash; at a field boundary the protobuf may still parse, then
    // the metadata (serialised last) is missing
    for (size_t cut = 1; cut < good.size(); cut += good.size() / 23 + 1)
        expect_error(good.substr(0, cut), { "not an ONNX model", "missing metadata", "missing initializer" },
                     "truncated" + std::to_string(cut));
    // flipped bytes: either rejected with a documented message or accepted (a flip in a float weight)
    for (size_t pos = 0; pos < good.size(); pos += 97) {
        std::string b = good;
        b[pos] = char(b[pos] ^ 0x5A);
        try {
            model::from_bytes(b.data(), b.size(), "flip");
        } catch (const model_error&) {
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_metadata)
{
    const std::string good = slurp(TINY);
    struct mcase {
        std::string name, key, value, expect;
    };
    std::vector<mcase> cases = {
        { "version2", "ddpm.format_version", "2", "unsupported format version" },
        { "version_text", "ddpm.format_version", "v1", "bad metadata 'ddpm.format_version'" },
        { "arch", "ddpm.arch", "unet", "unsupported architecture" },
        { "prediction", "ddpm.prediction", "x0", "unsupported prediction" },
        { "hidden_text", "ddpm.hidden", "abc", "bad metadata 'ddpm.hidden'" },
        { "hidden_zero", "ddpm.hidden", "0", "bad metadata 'ddpm.hidden'" },
        { "depth_neg", "ddpm.depth", "-2", "bad metadata 'ddpm.depth'" },
        { "T_zero", "ddpm.T", "0", "bad metadata 'ddpm.T'" },
        { "T_float", "ddpm.T", "10.5", "bad metadata 'ddpm.T'" },
        { "betas_short", "ddpm.betas", "[0.1, 0.2]", "bad metadata 'ddpm.betas'" },
        { "betas_json", "ddpm.betas", "[0.1, 0.2", "bad metadata 'ddpm.betas'" },
        { "betas_range",
          "ddpm.betas",
          "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 1.0]",
          "bad metadata 'ddpm.betas'" },
        { "betas_nan",
          "ddpm.betas",
          "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, NaN]",
          "bad metadata 'ddpm.betas'" },
        { "power_scale", "ddpm.power_scale", "-1", "bad metadata 'ddpm.power_scale'" },
        { "constellation", "ddpm.constellation", "[[1, 2], [3]]", "bad metadata 'ddpm.constellation'" },
        { "bits", "ddpm.bits_per_symbol", "3", "bad metadata 'ddpm.bits_per_symbol'" },
        { "hidden_mismatch", "ddpm.hidden", "9", "bad initializer 'layers.0.weight'" },
        { "depth_more", "ddpm.depth", "3", "missing initializer 'layers.2.weight'" },
        { "T_more", "ddpm.T", "11", "bad metadata 'ddpm.betas'" },
    };
    for (const auto& c : cases) {
        auto mp = proto(good);
        set_meta(mp, c.key, c.value);
        expect_error(ser(mp), { c.expect }, c.name);
    }
    // the betas length error names both lengths
    {
        auto mp = proto(good);
        set_meta(mp, "ddpm.betas", "[0.1, 0.2]");
        try {
            std::string s = ser(mp);
            model::from_bytes(s.data(), s.size());
            BOOST_ERROR("no error");
        } catch (const model_error& e) {
            std::string msg = e.what();
            BOOST_CHECK(msg.find("2 values") != std::string::npos && msg.find("10") != std::string::npos);
        }
    }
    for (std::string key : { "ddpm.format_version", "ddpm.arch", "ddpm.hidden", "ddpm.depth", "ddpm.T",
                             "ddpm.betas", "ddpm.schedule", "ddpm.prediction", "ddpm.dataset",
                             "ddpm.power_scale", "ddpm.opset", "ddpm.train_seed", "ddpm.commit" }) {
        auto mp = proto(good);
        drop_meta(mp, key);
        expect_error(ser(mp), { "missing metadata '" + key + "'" }, "missing_" + key);
    }
    // optional keys may be absent
    {
        auto mp = proto(good);
        drop_meta(mp, "ddpm.constellation");
        drop_meta(mp, "ddpm.bits_per_symbol");
        drop_meta(mp, "ddpm.created_by");
        std::string s = ser(mp);
        auto m = model::from_bytes(s.data(), s.size());
        BOOST_CHECK(m->constellation().empty());
        BOOST_CHECK_EQUAL(m->bits_per_symbol(), 0);
    }
}

BOOST_AUTO_TEST_CASE(bad_initializers)
{
    const std::string good = slurp(TINY);
    struct icase {
        std::string name;
        std::function<void(onnx::ModelProto&)> f;
        std::string expect;
    };
    auto nanraw = [](onnx::TensorProto* t, float v, size_t at) {
        std::string raw = t->raw_data();
        std::memcpy(&raw[at * 4], &v, 4);
        t->set_raw_data(raw);
    };
    std::vector<icase> cases = {
        { "missing",
          [](onnx::ModelProto& mp) {
              auto* inits = mp.mutable_graph()->mutable_initializer();
              for (int i = 0; i < inits->size(); i++)
                  if (inits->Get(i).name() == "out.bias") {
                      inits->DeleteSubrange(i, 1);
                      break;
                  }
          },
          "missing initializer 'out.bias'" },
        { "shape",
          [](onnx::ModelProto& mp) { init(mp, "layers.1.weight")->set_dims(1, 7); },
          "bad initializer 'layers.1.weight'" },
        { "rank",
          [](onnx::ModelProto& mp) { init(mp, "layers.0.bias")->add_dims(1); },
          "bad initializer 'layers.0.bias'" },
        { "dtype",
          [](onnx::ModelProto& mp) {
              init(mp, "out.weight")->set_data_type(onnx::TensorProto::DOUBLE);
          },
          "bad initializer 'out.weight'" },
        { "raw_short",
          [](onnx::ModelProto& mp) {
              auto* t = init(mp, "embeddings.1");
              t->set_raw_data(t->raw_data().substr(0, t->raw_data().size() - 4));
          },
          "bad initializer 'embeddings.1'" },
        { "huge_dims",
          [](onnx::ModelProto& mp) { init(mp, "embeddings.0")->set_dims(0, int64_t(1) << 40); },
          "bad initializer 'embeddings.0'" },
        { "external",
          [](onnx::ModelProto& mp) {
              init(mp, "layers.0.weight")->set_data_location(onnx::TensorProto::EXTERNAL);
          },
          "bad initializer 'layers.0.weight'" },
        { "float_data_short",
          [](onnx::ModelProto& mp) {
              auto* t = init(mp, "out.bias");
              t->clear_raw_data();
              t->add_float_data(1.0f);
          },
          "bad initializer 'out.bias'" },
        { "nan_raw",
          [&](onnx::ModelProto& mp) { nanraw(init(mp, "layers.1.weight"), std::nanf(""), 5); },
          "non-finite value in initializer 'layers.1.weight'" },
        { "inf_raw",
          [&](onnx::ModelProto& mp) { nanraw(init(mp, "embeddings.0"), -INFINITY, 79); },
          "non-finite value in initializer 'embeddings.0'" },
        { "inf_float_data",
          [](onnx::ModelProto& mp) {
              auto* t = init(mp, "out.bias");
              t->clear_raw_data();
              t->add_float_data(0.5f);
              t->add_float_data(INFINITY);
          },
          "non-finite value in initializer 'out.bias'" },
    };
    for (const auto& c : cases) {
        auto mp = proto(good);
        c.f(mp);
        expect_error(ser(mp), { c.expect }, c.name);
    }
}
