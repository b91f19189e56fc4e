/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/ddpm/denoiser_cc.h>
#include <gnuradio/attributes.h>
#include <boost/test/unit_test.hpp>

namespace gr {
  namespace ddpm {

    BOOST_AUTO_TEST_CASE(test_denoiser_cc_replace_with_specific_test_name)
    {
      // Put test here
    }

  } /* namespace ddpm */
} /* namespace gr */
