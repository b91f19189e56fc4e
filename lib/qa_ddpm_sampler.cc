/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/ddpm/ddpm_sampler.h>
#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(placeholder_ddpm_sampler) { BOOST_CHECK(true); }
