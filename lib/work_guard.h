/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// What a block's work() does when its body throws (docs/reliability.md, "Guarantees"): the call's items come
// out as 0, the failure is logged once per kind of exception, and the stream goes on.
#ifndef INCLUDED_DDPM_WORK_GUARD_H
#define INCLUDED_DDPM_WORK_GUARD_H

#include <gnuradio/gr_complex.h>
#include <gnuradio/logger.h>
#include <algorithm>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <typeinfo>

namespace gr {
namespace ddpm {
namespace detail {

/*!
 * Call from inside a catch block of work(): zero the \p n output items (any item type: gr_complex, float, ...),
 * log the exception being handled unless one of its kind (its dynamic type) was logged before (\p logged
 * remembers the kinds), and return \p n (the items produced). Never throws.
 */
template <typename T>
inline int zero_output_after_failure(T* out,
                                     int n,
                                     uint64_t first_item,
                                     std::set<std::string>& logged,
                                     const gr::logger_ptr& logger) noexcept
{
    std::string kind = "unknown", what = "an exception of unknown type";
    try {
        try {
            throw;
        } catch (const std::exception& e) {
            kind = typeid(e).name();
            what = e.what();
        } catch (...) {
        }
        std::fill(out, out + n, T{});
        if (logged.insert(kind).second)
            logger->error("work() failed between items {} and {}: {}; those items are output as 0 and the "
                          "stream goes on (this error is shown once per kind)",
                          first_item,
                          first_item + uint64_t(n),
                          what);
    } catch (...) {
    }
    return n;
}

} // namespace detail
} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_WORK_GUARD_H */
