/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_IMPL_H
#define INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_IMPL_H

#include <gnuradio/ddpm/impairment_injector_cc.h>

namespace gr {
  namespace ddpm {

    class impairment_injector_cc_impl : public impairment_injector_cc
    {
     private:
      // Nothing to declare in this block.

     public:
      impairment_injector_cc_impl(float snr_db, float kappa_t, float kappa_r, float power, int quant_bits, float full_scale, int fading, int coherence_len, int noise, unsigned long seed);
      ~impairment_injector_cc_impl();

      // Where all the action really happens
      int work(
              int noutput_items,
              gr_vector_const_void_star &input_items,
              gr_vector_void_star &output_items
      );
    };

  } // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_IMPL_H */
