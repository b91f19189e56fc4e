/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "llr_demapper_cf_impl.h"
#include "work_guard.h"
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace gr {
namespace ddpm {

namespace {
kernel::llr_demapper make_kernel(const std::string& name,
                                 const std::vector<gr_complex>& points,
                                 const std::vector<int>& labels)
{
    std::string key;
    for (char c : name)
        if (!std::isspace(static_cast<unsigned char>(c)))
            key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key.empty() || key == "custom")
        return kernel::llr_demapper(points, labels);
    return kernel::llr_demapper(kernel::named_constellation(name));
}
} // namespace

llr_demapper_cf::sptr llr_demapper_cf::make(const std::string& constellation,
                                            const std::vector<gr_complex>& points,
                                            const std::vector<int>& labels,
                                            int method,
                                            double snr_db,
                                            bool use_tags)
{
    return gnuradio::make_block_sptr<llr_demapper_cf_impl>(
        constellation, points, labels, method, snr_db, use_tags);
}

void llr_demapper_cf_impl::check_snr(double snr_db)
{
    if (!std::isfinite(snr_db))
        throw std::invalid_argument("llr_demapper_cf: snr_db must be finite, got " +
                                    std::to_string(snr_db));
}
void llr_demapper_cf_impl::check_method(int method)
{
    if (method != 0 && method != 1)
        throw std::invalid_argument(
            "llr_demapper_cf: method must be 0 (exact) or 1 (max-log), got " + std::to_string(method));
}

llr_demapper_cf_impl::llr_demapper_cf_impl(const std::string& constellation,
                                           const std::vector<gr_complex>& points,
                                           const std::vector<int>& labels,
                                           int method,
                                           double snr_db,
                                           bool use_tags)
    : gr::sync_interpolator("llr_demapper_cf",
                            gr::io_signature::make(1, 1, sizeof(gr_complex)),
                            gr::io_signature::make(1, 1, sizeof(float)),
                            1),
      d_kernel(make_kernel(constellation, points, labels)),
      d_snr_db(snr_db),
      d_method(method),
      d_use_tags(use_tags),
      d_last_nv(std::numeric_limits<double>::quiet_NaN()),
      d_warned_tag(false),
      d_warned_nonfinite(false)
{
    check_snr(snr_db);
    check_method(method);
    set_interpolation(d_kernel.bits_per_symbol());
    set_output_multiple(d_kernel.bits_per_symbol());
}

llr_demapper_cf_impl::~llr_demapper_cf_impl() {}

void llr_demapper_cf_impl::set_snr_db(double snr_db)
{
    check_snr(snr_db);
    gr::thread::scoped_lock l(d_setlock);
    d_snr_db = snr_db;
}
double llr_demapper_cf_impl::snr_db() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return d_snr_db;
}
void llr_demapper_cf_impl::set_method(int method)
{
    check_method(method);
    gr::thread::scoped_lock l(d_setlock);
    d_method = method;
}
int llr_demapper_cf_impl::method() const
{
    gr::thread::scoped_lock l(const_cast<gr::thread::mutex&>(d_setlock));
    return d_method;
}

void llr_demapper_cf_impl::apply_tag(const tag_t& tag)
{
    if (d_chan.apply(tag.key, tag.value) || d_warned_tag)
        return;
    std::string key = "?";
    try {
        key = pmt::symbol_to_string(tag.key);
    } catch (...) {
    }
    d_logger->warn("ignoring tag {} = {} at item {}: not a valid number (this warning is shown once)",
                   key,
                   pmt::write_string(tag.value),
                   tag.offset);
    d_warned_tag = true;
}

int llr_demapper_cf_impl::do_work(int nsym, const gr_complex* in, float* out)
{
    const size_t n = static_cast<size_t>(nsym);
    const size_t k = static_cast<size_t>(d_kernel.bits_per_symbol());
    gr::thread::scoped_lock l(d_setlock); // one parameter set for the whole call
    if (d_x.size() < n)
        d_x.resize(n);
    const bool maxlog = d_method == 1;
    const uint64_t n0 = nitems_read(0);
    std::vector<tag_t> tags;
    if (d_use_tags) {
        get_tags_in_window(tags, 0, 0, n);
        std::stable_sort(tags.begin(), tags.end(), [](const tag_t& a, const tag_t& b) {
            return a.offset < b.offset;
        });
    }
    size_t nonfinite = 0;
    for (size_t i = 0; i < n; i++)
        if (!std::isfinite(in[i].real()) || !std::isfinite(in[i].imag()))
            nonfinite++;
    if (nonfinite && !d_warned_nonfinite) {
        d_logger->warn("{} non-finite input sample(s) (NaN/Inf) between items {} and {}: their LLRs "
                       "are 0 (this warning is shown once)",
                       nonfinite,
                       n0,
                       n0 + n);
        d_warned_nonfinite = true;
    }
    double v = 0.0;
    size_t ti = 0;
    for (size_t i0 = 0; i0 < n;) {
        while (ti < tags.size() && tags[ti].offset <= n0 + i0)
            apply_tag(tags[ti++]);
        const size_t i1 =
            ti < tags.size() ? std::min(n, static_cast<size_t>(tags[ti].offset - n0)) : n;
        gr_complex g(1.0f, 0.0f);
        if (d_use_tags) {
            v = d_chan.noise_var(d_chan.has_snr() ? d_chan.snr_db() : d_snr_db);
            g = d_chan.zf_gain();
        } else {
            v = std::pow(10.0, -d_snr_db / 10.0);
        }
        for (size_t i = i0; i < i1; i++)
            d_x[i] = in[i] * g;
        d_kernel.compute(&d_x[i0], i1 - i0, v, maxlog, out + i0 * k);
        i0 = i1;
    }
    if (n > 0)
        d_last_nv.store(v);
    return static_cast<int>(n * k);
}

// No exception leaves work() (docs/reliability.md): a failure is logged once per kind, the call's LLRs
// come out as 0 (erasures) and the stream goes on.
int llr_demapper_cf_impl::work(int noutput_items,
                               gr_vector_const_void_star& input_items,
                               gr_vector_void_star& output_items)
{
    const gr_complex* in = static_cast<const gr_complex*>(input_items[0]);
    float* out = static_cast<float*>(output_items[0]);
    const int k = d_kernel.bits_per_symbol();
    const int nsym = noutput_items / k;
    try {
        return do_work(nsym, in, out);
    } catch (...) {
        return detail::zero_output_after_failure(out, nsym * k, nitems_written(0), d_warned_errors, d_logger);
    }
}

} // namespace ddpm
} // namespace gr
