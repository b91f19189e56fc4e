/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// gr-ddpm model reader (docs/model-format.md, version 1) on Debian's libonnx protobuf classes.
//
// Safety: the file size is capped (256 MiB) before anything is read, the protobuf is parsed from a bounded
// buffer (ParseFromArray), and every initializer's declared shape is checked against the bytes actually
// present before any element is copied, so a malformed file cannot make the reader run past a buffer or
// allocate without bound.

#include <gnuradio/ddpm/model.h>
#include <onnx/onnx_pb.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <sys/stat.h>

namespace gr {
namespace ddpm {

namespace {

constexpr size_t MAX_FILE_BYTES = size_t(256) << 20; // 256 MiB
constexpr long MAX_HIDDEN = 65536;
constexpr long MAX_DEPTH = 1024;
constexpr long MAX_T = 1000000;

// ---- a minimal JSON reader for (nested) arrays of numbers ----
struct json_numbers {
    const char* p;
    const char* end;

    void ws()
    {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            ++p;
    }
    bool number(double& v)
    {
        ws();
        if (p >= end)
            return false;
        // strtod needs a terminated string: copy the token (at most 64 chars)
        const char* s = p;
        while (p < end && (std::isdigit((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.' ||
                           *p == 'e' || *p == 'E'))
            ++p;
        size_t len = size_t(p - s);
        if (len == 0 || len > 64)
            return false;
        char buf[65];
        std::memcpy(buf, s, len);
        buf[len] = 0;
        char* e = nullptr;
        errno = 0;
        v = std::strtod(buf, &e);
        return e == buf + len && std::isfinite(v);
    }
    bool lit(char c)
    {
        ws();
        if (p < end && *p == c) {
            ++p;
            return true;
        }
        return false;
    }
    // '[' item (',' item)* ']' or '[]'; item() parses one element
    template <typename F>
    bool list(F&& item)
    {
        if (!lit('['))
            return false;
        if (lit(']'))
            return true;
        do {
            if (!item())
                return false;
        } while (lit(','));
        return lit(']');
    }
    // [n, n, ...]
    bool array(std::vector<double>& out)
    {
        return list([&] {
            double v;
            if (!number(v))
                return false;
            out.push_back(v);
            return true;
        });
    }
    // [[a, b], [a, b], ...]
    bool pairs(std::vector<double>& out)
    {
        return list([&] {
            std::vector<double> row;
            if (!array(row) || row.size() != 2)
                return false;
            out.push_back(row[0]);
            out.push_back(row[1]);
            return true;
        });
    }
    bool done()
    {
        ws();
        return p == end;
    }
};

bool parse_long(const std::string& s, long& v)
{
    if (s.empty() || s.size() > 32)
        return false;
    char* e = nullptr;
    errno = 0;
    v = std::strtol(s.c_str(), &e, 10);
    while (*e == ' ')
        ++e;
    return errno == 0 && *e == 0 && !std::isspace((unsigned char)s[0]);
}

bool parse_double(const std::string& s, double& v)
{
    if (s.empty() || s.size() > 64)
        return false;
    char* e = nullptr;
    errno = 0;
    v = std::strtod(s.c_str(), &e);
    while (*e == ' ')
        ++e;
    return *e == 0 && std::isfinite(v) && !std::isspace((unsigned char)s[0]);
}

std::string shape_str(const std::vector<int64_t>& d)
{
    std::ostringstream o;
    o << "[";
    for (size_t i = 0; i < d.size(); i++)
        o << (i ? ", " : "") << d[i];
    o << "]";
    return o.str();
}

} // namespace

struct model_parser {
    std::string name;

    [[noreturn]] void fail(const std::string& what) const { throw model_error(name + ": " + what); }

    const std::string& meta(const model& m, const std::string& key) const
    {
        auto it = m.d_metadata.find(key);
        if (it == m.d_metadata.end())
            fail("missing metadata '" + key + "'");
        return it->second;
    }

    long meta_long(const model& m, const std::string& key, long lo, long hi) const
    {
        long v;
        const std::string& s = meta(m, key);
        if (!parse_long(s, v) || v < lo || v > hi)
            fail("bad metadata '" + key + "': '" + s.substr(0, 40) + "' (expected an integer in [" +
                 std::to_string(lo) + ", " + std::to_string(hi) + "])");
        return v;
    }

    // Copy initializer \p iname of shape \p shape into \p out, with every check of docs/model-format.md.
    void tensor(const onnx::GraphProto& g,
                const std::string& iname,
                const std::vector<int64_t>& shape,
                std::vector<float>& out) const
    {
        const onnx::TensorProto* tp = nullptr;
        for (const auto& init : g.initializer())
            if (init.name() == iname) {
                tp = &init;
                break;
            }
        if (!tp)
            fail("missing initializer '" + iname + "'");
        std::vector<int64_t> dims(tp->dims().begin(), tp->dims().end());
        if (tp->data_type() != onnx::TensorProto::FLOAT)
            fail("bad initializer '" + iname + "': expected dtype float32, got ONNX data type " +
                 std::to_string(tp->data_type()));
        if (dims != shape)
            fail("bad initializer '" + iname + "': expected shape " + shape_str(shape) + ", got " +
                 shape_str(dims));
        if (tp->data_location() == onnx::TensorProto::EXTERNAL)
            fail("bad initializer '" + iname + "': external data is not supported");
        size_t count = 1;
        for (auto d : shape)
            count *= size_t(d);
        if (tp->has_raw_data()) {
            const std::string& raw = tp->raw_data();
            if (raw.size() != count * sizeof(float))
                fail("bad initializer '" + iname + "': shape " + shape_str(shape) + " needs " +
                     std::to_string(count * sizeof(float)) + " bytes of raw_data, file has " +
                     std::to_string(raw.size()));
            out.resize(count);
            std::memcpy(out.data(), raw.data(), raw.size()); // little endian host (x86-64)
        } else {
            if (size_t(tp->float_data_size()) != count)
                fail("bad initializer '" + iname + "': shape " + shape_str(shape) + " needs " +
                     std::to_string(count) + " float_data values, file has " +
                     std::to_string(tp->float_data_size()));
            out.assign(tp->float_data().begin(), tp->float_data().end());
        }
        for (float v : out)
            if (!std::isfinite(v))
                fail("non-finite value in initializer '" + iname + "'");
    }

    model::sptr parse(const void* data, size_t size) const
    {
        if (size > MAX_FILE_BYTES)
            fail("file too large (" + std::to_string(size) + " bytes, limit 256 MiB)");
        onnx::ModelProto mp;
        if (size == 0 || !mp.ParseFromArray(data, int(size)) || !mp.has_graph() ||
            mp.ir_version() <= 0)
            fail("not an ONNX model (empty, truncated or not an ONNX protobuf)");

        std::shared_ptr<model> m(new model());
        m->d_path = name;
        for (const auto& kv : mp.metadata_props())
            m->d_metadata.emplace(kv.key(), kv.value()); // first occurrence wins

        // format version and architecture first: later checks only mean something for version 1
        {
            const std::string& v = meta(*m, "ddpm.format_version");
            long fv;
            if (!parse_long(v, fv))
                fail("bad metadata 'ddpm.format_version': '" + v.substr(0, 40) + "' is not an integer");
            if (fv != 1)
                fail("unsupported format version " + std::to_string(fv) + " (this reader knows 1)");
        }
        if (meta(*m, "ddpm.arch") != "mlp_stepemb_softplus")
            fail("unsupported architecture '" + meta(*m, "ddpm.arch").substr(0, 60) +
                 "' (this reader knows 'mlp_stepemb_softplus')");
        if (meta(*m, "ddpm.prediction") != "eps")
            fail("unsupported prediction '" + meta(*m, "ddpm.prediction").substr(0, 60) +
                 "' (this reader knows 'eps')");
        for (const char* k : { "ddpm.schedule", "ddpm.dataset", "ddpm.opset", "ddpm.train_seed",
                               "ddpm.commit", "ddpm.power_scale" })
            meta(*m, k);

        m->d_hidden = int(meta_long(*m, "ddpm.hidden", 1, MAX_HIDDEN));
        m->d_depth = int(meta_long(*m, "ddpm.depth", 1, MAX_DEPTH));
        m->d_T = int(meta_long(*m, "ddpm.T", 1, MAX_T));
        meta_long(*m, "ddpm.opset", 1, 1000);
        {
            // any integer, as the Python reader accepts (seeds may exceed a long)
            const std::string& v = meta(*m, "ddpm.train_seed");
            size_t b = v.find_first_not_of(" \t\n\r"), e = v.find_last_not_of(" \t\n\r");
            bool ok = b != std::string::npos && e - b < 64;
            if (ok) {
                size_t i = b + ((v[b] == '+' || v[b] == '-') ? 1 : 0);
                ok = i <= e;
                for (; ok && i <= e; i++)
                    ok = std::isdigit((unsigned char)v[i]) != 0;
            }
            if (!ok)
                fail("bad metadata 'ddpm.train_seed': '" + v.substr(0, 40) + "' is not an integer");
        }
        m->d_dataset = meta(*m, "ddpm.dataset");

        {
            const std::string& s = meta(*m, "ddpm.power_scale");
            double ps;
            if (!parse_double(s, ps) || !(ps > 0))
                fail("bad metadata 'ddpm.power_scale': '" + s.substr(0, 40) +
                     "' (expected a positive number)");
            m->d_power_scale = ps;
        }

        {
            const std::string& s = meta(*m, "ddpm.betas");
            json_numbers j{ s.data(), s.data() + s.size() };
            std::vector<double> b;
            if (!j.array(b) || !j.done())
                fail("bad metadata 'ddpm.betas': not a JSON array of finite numbers");
            if (b.size() != size_t(m->d_T))
                fail("bad metadata 'ddpm.betas': " + std::to_string(b.size()) +
                     " values, but ddpm.T is " + std::to_string(m->d_T));
            for (size_t t = 0; t < b.size(); t++)
                if (!(b[t] > 0.0 && b[t] < 1.0))
                    fail("bad metadata 'ddpm.betas': beta[" + std::to_string(t) +
                         "] is not in (0, 1)");
            m->d_betas = b;
            m->d_alpha_bar.resize(b.size());
            m->d_level.resize(b.size());
            double ab = 1.0;
            for (size_t t = 0; t < b.size(); t++) {
                ab *= 1.0 - b[t];
                m->d_alpha_bar[t] = ab;
                m->d_level[t] = (1.0 - ab) / ab;
            }
        }

        auto cit = m->d_metadata.find("ddpm.constellation");
        if (cit != m->d_metadata.end()) {
            json_numbers j{ cit->second.data(), cit->second.data() + cit->second.size() };
            std::vector<double> pts;
            if (!j.pairs(pts) || !j.done() || pts.empty())
                fail("bad metadata 'ddpm.constellation': not a JSON array of [I, Q] pairs");
            size_t M = pts.size() / 2;
            long bps = meta_long(*m, "ddpm.bits_per_symbol", 0, 30);
            if ((size_t(1) << bps) != M)
                fail("bad metadata 'ddpm.bits_per_symbol': " + std::to_string(bps) +
                     " bits but the constellation has " + std::to_string(M) + " points");
            m->d_bits_per_symbol = int(bps);
            m->d_constellation.resize(M);
            for (size_t i = 0; i < M; i++)
                m->d_constellation[i] = gr_complex(float(pts[2 * i]), float(pts[2 * i + 1]));
        }

        const int H = m->d_hidden, D = m->d_depth, T = m->d_T;
        const onnx::GraphProto& g = mp.graph();
        m->d_w.resize(D);
        m->d_b.resize(D);
        m->d_emb.resize(D);
        for (int l = 0; l < D; l++) {
            std::string p = "layers." + std::to_string(l);
            tensor(g, p + ".weight", { H, l == 0 ? 2 : H }, m->d_w[l]);
            tensor(g, p + ".bias", { H }, m->d_b[l]);
            tensor(g, "embeddings." + std::to_string(l), { T, H }, m->d_emb[l]);
        }
        tensor(g, "out.weight", { 2, H }, m->d_w_out);
        tensor(g, "out.bias", { 2 }, m->d_b_out);
        return m;
    }
};

model::sptr model::load(const std::string& path)
{
    model_parser p{ path };
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        p.fail(std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        p.fail("cannot open: is a directory");
    if (size_t(st.st_size) > MAX_FILE_BYTES)
        p.fail("file too large (" + std::to_string(st.st_size) + " bytes, limit 256 MiB)");
    std::ifstream f(path, std::ios::binary);
    if (!f)
        p.fail(std::string("cannot open: ") + std::strerror(errno));
    // read at most the cap + 1 bytes, whatever stat said (the file may change under us)
    std::vector<char> buf(size_t(st.st_size) + 1);
    f.read(buf.data(), std::streamsize(buf.size()));
    size_t got = size_t(f.gcount());
    if (f.bad())
        p.fail("cannot open: read error");
    if (got > MAX_FILE_BYTES)
        p.fail("file too large (limit 256 MiB)");
    return p.parse(buf.data(), got);
}

model::sptr model::from_bytes(const void* data, size_t size, const std::string& name)
{
    model_parser p{ name };
    if (!data && size)
        p.fail("not an ONNX model (null buffer)");
    return p.parse(data, size);
}

std::string model::metadata(const std::string& key, const std::string& def) const
{
    auto it = d_metadata.find(key);
    return it == d_metadata.end() ? def : it->second;
}

int model::start_step(double noise_var) const
{
    const int last = d_T - 1;
    if (!std::isfinite(noise_var) || noise_var < 0.0)
        return last;
    const double sd2 = noise_var / 2.0;
    if (sd2 > d_level[last])
        return last;
    // levels increase with t: binary search for the first level >= sd2, then compare with its neighbour
    size_t lo = 0, hi = size_t(last);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d_level[mid] < sd2)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && std::fabs(d_level[lo - 1] - sd2) <= std::fabs(d_level[lo] - sd2))
        return int(lo - 1);
    return int(lo);
}

} // namespace ddpm
} // namespace gr
