/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// gr-ddpm model reader (docs/model-format.md, version 1) on Debian's libonnx protobuf classes.
//
// Safety: only regular files are opened (a FIFO or device would block or never end), the read is capped at
// 256 MiB + 1 bytes whatever stat() said (a file may grow while it is read), the protobuf is parsed from a
// bounded buffer (ParseFromArray), and every initializer's declared shape is checked against the bytes
// actually present before any element is copied, so a malformed file cannot make the reader run past a
// buffer, block, or allocate without bound.
//
// Strictness (docs/model-format.md, "Errors"): duplicate metadata keys and duplicate initializer names are
// rejected, external data is rejected anywhere, integers are plain decimal digits, every value is checked in
// the type it is used in (float32 for power_scale, constellation, levels and sampler coefficients), and the
// sizes have upper bounds (T, hidden, depth, and the kernel's padded layout).

#include <gnuradio/ddpm/model.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace gr {
namespace ddpm {

namespace {

constexpr size_t MAX_FILE_BYTES = size_t(256) << 20; // 256 MiB
constexpr long MAX_HIDDEN = 4096;
constexpr long MAX_DEPTH = 1024;
constexpr long MAX_T = 1000000;
// the sampling kernel pads H to a multiple of 8 (lib/kernel_impl.h, RB)
constexpr uint64_t PAD = 8;
// packed network in floats: D (Hp (T + Hp + 1)) + 4 Hp <= 2^26 floats = 256 MiB per sampler
constexpr uint64_t MAX_PACKED_FLOATS = uint64_t(1) << 26;
// hidden-layer weights D Hp^2 <= 2^22 floats: bounds the time of one network step (stop() latency)
constexpr uint64_t MAX_STEP_WEIGHTS = uint64_t(1) << 22;
// power_scale range: ps, ps^2 and 1/ps are normal float32 numbers
constexpr double MIN_POWER_SCALE = 1e-18, MAX_POWER_SCALE = 1e18;
// constellation coordinates: |c| <= 1e18 so that squared distances are finite in float32
constexpr double MAX_COORD = 1e18;

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

// plain decimal digits only (no sign, space, underscore, exponent); at most 18 digits
bool parse_long(const std::string& s, long& v)
{
    if (s.empty() || s.size() > 18)
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    v = std::strtol(s.c_str(), nullptr, 10);
    return true;
}

// a JSON-style number: no leading/trailing space, no hex, inf or nan
bool parse_double(const std::string& s, double& v)
{
    if (s.empty() || s.size() > 64)
        return false;
    for (char c : s)
        if (!(std::isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            return false;
    char* e = nullptr;
    errno = 0;
    v = std::strtod(s.c_str(), &e);
    return *e == 0 && std::isfinite(v);
}

bool float32_normal(double v)
{
    const float f = float(v);
    return std::isfinite(f) && std::fabs(f) >= std::numeric_limits<float>::min();
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

    /*!
     * The schedule in the types the sampler uses it: every beta_t in (0, 1) also in float32, abar_t in
     * (0, 1) strictly decreasing and a normal float32, levels (1 - abar)/abar finite positive float32 and
     * strictly increasing, and the DDPM update coefficients A = 1/sqrt(alpha_t),
     * B = -beta_t/(sqrt(1 - abar_t) sqrt(alpha_t)), S = sqrt(beta_t) finite in float32 (DDIM's are then
     * bounded by 1/sqrt(abar_min)).
     */
    void check_schedule(const model& m) const
    {
        const auto& b = m.d_betas;
        const auto& ab = m.d_alpha_bar;
        const auto& L = m.d_level;
        auto bad = [&](size_t t, const std::string& why) {
            fail("bad metadata 'ddpm.betas': at t = " + std::to_string(t) + ", " + why);
        };
        for (size_t t = 0; t < b.size(); t++) {
            const float bf = float(b[t]);
            if (!(bf > 0.0f && bf < 1.0f) || !float32_normal(b[t]))
                bad(t, "beta is not in (0, 1) as a normal float32");
            if (!(ab[t] > 0.0 && ab[t] < 1.0) || (t > 0 && !(ab[t] < ab[t - 1])))
                bad(t, "alpha_bar is not in (0, 1) and strictly decreasing");
            if (!float32_normal(ab[t]) || !float32_normal(L[t]) || (t > 0 && !(L[t] > L[t - 1])))
                bad(t, "alpha_bar or level (1 - alpha_bar)/alpha_bar is not a normal float32");
            const double sa = std::sqrt(1.0 - b[t]);
            const double A = 1.0 / sa, B = -b[t] / std::sqrt(1.0 - ab[t]) / sa, S = std::sqrt(b[t]);
            if (!float32_normal(A) || !float32_normal(B) || !float32_normal(S) ||
                !float32_normal(1.0 / std::sqrt(ab[t])))
                bad(t, "a sampler coefficient is not finite in float32");
        }
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
            if (!m->d_metadata.emplace(kv.key(), kv.value()).second)
                fail("duplicate metadata key '" + kv.key().substr(0, 60) + "'");
        {
            // every initializer, also those this reader does not use: unique names, no external data
            std::set<std::string> names;
            for (const auto& init : mp.graph().initializer()) {
                if (!names.insert(init.name()).second)
                    fail("duplicate initializer '" + init.name().substr(0, 60) + "'");
                if (init.data_location() == onnx::TensorProto::EXTERNAL || init.external_data_size() > 0)
                    fail("bad initializer '" + init.name().substr(0, 60) +
                         "': external data is not supported");
            }
        }

        // format version and architecture first: later checks only mean something for version 1
        {
            const std::string& v = meta(*m, "ddpm.format_version");
            long fv;
            if (!parse_long(v, fv))
                fail("bad metadata 'ddpm.format_version': '" + v.substr(0, 40) +
                     "' is not an integer (plain decimal digits)");
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
            // plain decimal digits (at most 64: seeds may exceed a long); informational only
            const std::string& v = meta(*m, "ddpm.train_seed");
            bool ok = !v.empty() && v.size() <= 64;
            for (size_t i = 0; ok && i < v.size(); i++)
                ok = v[i] >= '0' && v[i] <= '9';
            if (!ok)
                fail("bad metadata 'ddpm.train_seed': '" + v.substr(0, 40) +
                     "' is not an integer (plain decimal digits)");
        }
        m->d_dataset = meta(*m, "ddpm.dataset");

        {
            const std::string& s = meta(*m, "ddpm.power_scale");
            double ps;
            // used in float32 (ps, ps^2, 1/ps): the range keeps all three normal float32 numbers
            if (!parse_double(s, ps) || !(ps >= MIN_POWER_SCALE && ps <= MAX_POWER_SCALE) ||
                !float32_normal(ps * ps) || !float32_normal(1.0 / ps))
                fail("bad metadata 'ddpm.power_scale': '" + s.substr(0, 40) +
                     "' (expected a number in [1e-18, 1e18], used in float32)");
            m->d_power_scale = ps;
        }

        // optional noise-estimator statistics of the training data (docs/model-format.md)
        for (const char* key : { "ddpm.signal_kurtosis", "ddpm.dd_floor" }) {
            const auto it = m->d_metadata.find(key);
            if (it == m->d_metadata.end())
                continue;
            const bool kurt = std::string(key) == "ddpm.signal_kurtosis";
            const double lo = kurt ? 1.0 : 0.0, hi = kurt ? 1e6 : 100.0;
            double v;
            if (!parse_double(it->second, v) || !(v >= lo && v <= hi))
                fail(std::string("bad metadata '") + key + "': '" + it->second.substr(0, 40) +
                     (kurt ? "' (expected a number in [1, 1e6])" : "' (expected a number in [0, 100])"));
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
            check_schedule(*m);
        }

        auto cit = m->d_metadata.find("ddpm.constellation");
        if (cit != m->d_metadata.end()) {
            json_numbers j{ cit->second.data(), cit->second.data() + cit->second.size() };
            std::vector<double> pts;
            if (!j.pairs(pts) || !j.done() || pts.empty())
                fail("bad metadata 'ddpm.constellation': not a JSON array of [I, Q] pairs");
            size_t M = pts.size() / 2;
            if (M < 2)
                fail("bad metadata 'ddpm.constellation': " + std::to_string(M) +
                     " point (at least 2 needed)");
            for (double v : pts)
                if (!(std::fabs(v) <= MAX_COORD))
                    fail("bad metadata 'ddpm.constellation': a coordinate exceeds 1e18 in magnitude "
                         "(used in float32)");
            long bps = meta_long(*m, "ddpm.bits_per_symbol", 1, 30);
            if ((size_t(1) << bps) != M)
                fail("bad metadata 'ddpm.bits_per_symbol': " + std::to_string(bps) +
                     " bits but the constellation has " + std::to_string(M) + " points");
            m->d_bits_per_symbol = int(bps);
            m->d_constellation.resize(M);
            for (size_t i = 0; i < M; i++)
                m->d_constellation[i] = gr_complex(float(pts[2 * i]), float(pts[2 * i + 1]));
        }

        const int H = m->d_hidden, D = m->d_depth, T = m->d_T;
        {
            // the sampling kernel's padded layout, before any weight is copied (docs/model-format.md)
            const uint64_t Hp = (uint64_t(H) + PAD - 1) / PAD * PAD;
            const uint64_t packed = uint64_t(D) * Hp * (uint64_t(T) + Hp + 1) + 4 * Hp;
            if (packed > MAX_PACKED_FLOATS)
                fail("model too large for the kernel: depth x padded hidden x (T + padded hidden + 1) = " +
                     std::to_string(packed) + " floats (limit 2^26 = 67108864, 256 MiB)");
            if (uint64_t(D) * Hp * Hp > MAX_STEP_WEIGHTS)
                fail("model too large for the kernel: depth x padded hidden^2 = " +
                     std::to_string(uint64_t(D) * Hp * Hp) +
                     " weights per step (limit 2^22 = 4194304)");
        }
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
    if (path.find('\0') != std::string::npos)
        throw model_error(path.substr(0, path.find('\0')) +
                          ": cannot open: the path contains a NUL byte");
    // only a regular file: a FIFO, socket or device would block every reader or never end
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        p.fail(std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        p.fail("cannot open: is a directory");
    if (!S_ISREG(st.st_mode))
        p.fail("cannot open: not a regular file (a FIFO, socket or device)");
    if (uint64_t(st.st_size) > MAX_FILE_BYTES)
        p.fail("file too large (" + std::to_string(st.st_size) + " bytes, limit 256 MiB)");
    // O_NONBLOCK: if the path was swapped for a FIFO after stat(), open() does not wait for a writer
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        p.fail(std::string("cannot open: ") + std::strerror(errno));
    struct fdguard {
        int fd;
        ~fdguard() { ::close(fd); }
    } guard{ fd };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        p.fail("cannot open: not a regular file (a FIFO, socket or device)");
    // read at most the cap + 1 bytes, whatever stat said (the file may grow while it is read)
    std::vector<char> buf(std::min<size_t>(size_t(st.st_size), MAX_FILE_BYTES) + 1);
    size_t got = 0;
    for (;;) {
        if (got == buf.size()) {
            if (buf.size() > MAX_FILE_BYTES)
                break;
            buf.resize(std::min<size_t>(buf.size() * 2, MAX_FILE_BYTES + 1));
        }
        const ssize_t r = ::read(fd, buf.data() + got, buf.size() - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            p.fail(std::string("cannot open: read error: ") + std::strerror(errno));
        }
        if (r == 0)
            break;
        got += size_t(r);
    }
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
