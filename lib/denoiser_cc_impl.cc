/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/io_signature.h>
#include "denoiser_cc_impl.h"

namespace gr {
  namespace ddpm {

    #pragma message("set the following appropriately and remove this warning")
    using input_type = float;
    #pragma message("set the following appropriately and remove this warning")
    using output_type = float;
    denoiser_cc::sptr
    denoiser_cc::make(const std::string& model, int sampler, int steps, float eta, int batch, int threads, unsigned long seed, float snr_db, int equalize, int output)
    {
      return gnuradio::make_block_sptr<denoiser_cc_impl>(
        model, sampler, steps, eta, batch, threads, seed, snr_db, equalize, output);
    }


    /*
     * The private constructor
     */
    denoiser_cc_impl::denoiser_cc_impl(const std::string& model, int sampler, int steps, float eta, int batch, int threads, unsigned long seed, float snr_db, int equalize, int output)
      : gr::sync_block("denoiser_cc",
              gr::io_signature::make(1 /* min inputs */, 1 /* max inputs */, sizeof(input_type)),
              gr::io_signature::make(1 /* min outputs */, 1 /*max outputs */, sizeof(output_type)))
    {}

    /*
     * Our virtual destructor.
     */
    denoiser_cc_impl::~denoiser_cc_impl()
    {
    }

    int
    denoiser_cc_impl::work(int noutput_items,
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
