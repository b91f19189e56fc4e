/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/io_signature.h>
#include "impairment_injector_cc_impl.h"

namespace gr {
  namespace ddpm {

    #pragma message("set the following appropriately and remove this warning")
    using input_type = float;
    #pragma message("set the following appropriately and remove this warning")
    using output_type = float;
    impairment_injector_cc::sptr
    impairment_injector_cc::make(float snr_db, float kappa_t, float kappa_r, float power, int quant_bits, float full_scale, int fading, int coherence_len, int noise, unsigned long seed)
    {
      return gnuradio::make_block_sptr<impairment_injector_cc_impl>(
        snr_db, kappa_t, kappa_r, power, quant_bits, full_scale, fading, coherence_len, noise, seed);
    }


    /*
     * The private constructor
     */
    impairment_injector_cc_impl::impairment_injector_cc_impl(float snr_db, float kappa_t, float kappa_r, float power, int quant_bits, float full_scale, int fading, int coherence_len, int noise, unsigned long seed)
      : gr::sync_block("impairment_injector_cc",
              gr::io_signature::make(1 /* min inputs */, 1 /* max inputs */, sizeof(input_type)),
              gr::io_signature::make(1 /* min outputs */, 1 /*max outputs */, sizeof(output_type)))
    {}

    /*
     * Our virtual destructor.
     */
    impairment_injector_cc_impl::~impairment_injector_cc_impl()
    {
    }

    int
    impairment_injector_cc_impl::work(int noutput_items,
        gr_vector_const_void_star &input_items,
        gr_vector_void_star &output_items)
    {
      auto in = static_cast<const input_type*>(input_items[0]);
      auto out = static_cast<output_type*>(output_items[0]);

      #pragma message("Implement the signal processing in your block and remove this warning")
      // Do <+signal processing+>

      // Tell runtime system how many output items we produced.
      return noutput_items;
    }

  } /* namespace ddpm */
} /* namespace gr */
