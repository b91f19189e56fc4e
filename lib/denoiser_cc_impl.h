/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_DENOISER_CC_IMPL_H
#define INCLUDED_DDPM_DENOISER_CC_IMPL_H

#include <gnuradio/ddpm/denoiser_cc.h>

namespace gr {
  namespace ddpm {

    class denoiser_cc_impl : public denoiser_cc
    {
     private:
      // Nothing to declare in this block.

     public:
      denoiser_cc_impl(const std::string& model, int sampler, int steps, float eta, int batch, int threads, unsigned long seed, float snr_db, int equalize, int output);
      ~denoiser_cc_impl();

      // Where all the action really happens
      int work(
              int noutput_items,
              gr_vector_const_void_star &input_items,
              gr_vector_void_star &output_items
      );
    };

  } // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_DENOISER_CC_IMPL_H */
